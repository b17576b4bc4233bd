// Restructuring compiled against a hierarchy (docs/model.md 7.13): existence intervals from the
// hierarchy columns and the merge and split events, the checks that keep the hierarchy
// consistent in every period, and the schedule of abolished and re-established tiers.
#include "pdlab/core/restructure.hpp"

#include "core/resolve.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pdlab {

namespace {

using detail::bad;

// Lists of units keyed by period, as CSR: first[t] .. first[t + 1].
void bucket(std::vector<std::pair<std::int32_t, std::int32_t>>& items, std::int32_t periods,
            std::vector<std::int32_t>& list, std::vector<std::int32_t>& first) {
  list.clear();
  first.clear();
  if (items.empty()) {
    return;
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  first.assign(static_cast<std::size_t>(periods) + 1, 0);
  for (const auto& [t, u] : items) {
    ++first[t + 1];
    list.push_back(u);
  }
  for (std::int32_t t = 0; t < periods; ++t) {
    first[t + 1] += first[t];
  }
}

constexpr const char* kChainFix =
    "merge the units into the last one in one event (or date the second event later)";

std::string label(const Calendar& cal, std::int32_t t) {
  return t == kNever ? std::string("the end") : period_label(cal, t);
}

}  // namespace

std::optional<std::int32_t> existence_period(const Calendar& cal, double v) {
  if (!std::isfinite(v) || v != std::floor(v)) {
    return std::nullopt;
  }
  int year = 0;
  int month = 1;
  if (v >= 1000 && v <= 3000) {
    year = static_cast<int>(v);
  } else if (v >= 100001 && v <= 300012) {
    year = static_cast<int>(v) / 100;
    month = static_cast<int>(v) % 100;
    if (month < 1 || month > 12) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (cal.periods_per_year > 12) {
    // Weeks or days: the period that contains the month's first day, as an event dated by that
    // month names it (a month seldom starts on a Monday, so "the next period" would put a unit
    // born by a merge dated 2013-01 a week after the merge). 12 / periods_per_year, below,
    // was 0 here: a division by zero on weekly and daily calendars.
    const std::int64_t len = cal.periods_per_year == 52 ? 7 : 1;
    const std::int64_t d = days_from_civil(year, month, 1) - calendar_first_day(cal);
    return static_cast<std::int32_t>(d >= 0 ? d / len : -((-d + len - 1) / len));
  }
  const int months = (year - cal.start_year) * 12 + (month - cal.start_month);
  // A period starts at its first month: a date inside a period counts from the next one.
  const int per = 12 / cal.periods_per_year;
  return static_cast<std::int32_t>(months >= 0 ? (months + per - 1) / per : -((-months) / per));
}

Restructuring::Restructuring(const Scenario& sc, const Hierarchy& h,
                             const std::vector<CompiledEvent>& events)
    : periods_(sc.calendar.periods), levels_(h.n_levels()) {
  const std::int32_t n = h.size();
  // Existence from the hierarchy's columns.
  const auto column = [&](const char* name, bool until) {
    const auto a = h.attribute_index(name);
    if (!a) {
      return;
    }
    const auto col = h.attribute(*a);
    for (std::int32_t u = 0; u < n; ++u) {
      if (std::isnan(col[u])) {
        continue;
      }
      const auto p = existence_period(sc.calendar, col[u]);
      // Values as written in the file (2005, not 2005.000000).
      const auto value = fmt::format("{}", col[u]);
      if (!p) {
        fail(ErrorKind::data, {h.source(), h.source_line(u), name, value}, "not a year or a month",
             "give a year YYYY (e.g. 2012) or a month YYYYMM (e.g. 201212)");
      }
      if (begin_.empty()) {
        begin_.assign(static_cast<std::size_t>(n), 0);
        end_.assign(static_cast<std::size_t>(n), kNever);
      }
      if (until) {
        if (*p <= 0) {
          fail(ErrorKind::data, {h.source(), h.source_line(u), name, value},
               "the unit ceases before the first period: it never exists in the run",
               "drop the unit from the hierarchy or correct the date");
        }
        end_[u] = *p;
      } else {
        // As an exists_until before the start: a unit born after the last period never exists.
        if (*p >= sc.calendar.periods) {
          fail(ErrorKind::data, {h.source(), h.source_line(u), name, value},
               "the unit begins after the last period (" +
                   period_label(sc.calendar, sc.calendar.periods - 1) +
                   "): it never exists in the run",
               "drop the unit from the hierarchy, correct the date, or extend calendar.periods");
        }
        begin_[u] = std::max(0, *p);
      }
    }
  };
  column("exists_from", false);
  column("exists_until", true);
  if (!begin_.empty()) {
    for (std::int32_t u = 0; u < n; ++u) {
      if (end_[u] != kNever && end_[u] <= begin_[u]) {
        const auto a = h.attribute_index("exists_until");
        fail(ErrorKind::data,
             {h.source(), h.source_line(u), "exists_until", fmt::format("{}", h.attribute(*a)[u])},
             "the unit ceases no later than it begins (exists_from " +
                 label(sc.calendar, begin_[u]) + "): it would never exist",
             "give an exists_until after exists_from, or drop the unit from the hierarchy");
      }
    }
  }
  std::span<const double> population;
  if (const auto a = h.attribute_index("population")) {
    population = h.attribute(*a);
  }
  // Merges and splits, in date order (the model sorts its events by period).
  std::vector<std::int32_t> born_by(static_cast<std::size_t>(begin_.empty() ? 0 : n), -1);
  // The merge or split each unit ceases by (-1: none): a unit ceases by one event only.
  std::vector<std::int32_t> ceased_by(static_cast<std::size_t>(n), -1);
  // The latest merge or split each unit takes over by (-1: none).
  std::vector<std::int32_t> took_over_by(static_cast<std::size_t>(n), -1);
  // Refuses unit u if another merge or split of date t already made it cease (or take over).
  const auto refuse_same_date = [&](const std::vector<std::int32_t>& by, std::int32_t u,
                                    std::int32_t t, const std::string& field, const char* verb,
                                    const char* tail, const char* fix, auto line) {
    if (by[u] < 0 || transitions_[static_cast<std::size_t>(by[u])].period != t) {
      return;
    }
    bad(sc, field, std::string(h.id(u)),
        std::string("the unit ") + verb + " by " +
            transitions_[static_cast<std::size_t>(by[u])].source + " on the same date (" +
            period_label(sc.calendar, t) + ")" + tail,
        fix, line);
  };
  for (const auto& ev : events) {
    Transition tr;
    tr.period = ev.period;
    tr.source = ev.source;
    if (const auto* m = std::get_if<MergeEvent>(&ev.action)) {
      tr.from = m->units;
      tr.to = {m->into};
      tr.inherit = m->inherit;
    } else if (const auto* s = std::get_if<SplitEvent>(&ev.action)) {
      tr.from = {s->unit};
      tr.to = s->into;
      tr.inherit = s->inherit;
    } else {
      continue;
    }
    const std::string from_field = ev.source + (tr.to.size() == 1 ? ".units" : ".unit");
    const std::string to_field = ev.source + ".into";
    if (tr.period <= 0) {
      bad(sc, ev.source + ".date", period_label(sc.calendar, tr.period),
          "a merge or split at the first period: the units that cease would never exist",
          "date it after the first period, or start the hierarchy with the result",
          ev.line_of(".date"));
    }
    if (begin_.empty()) {
      begin_.assign(static_cast<std::size_t>(n), 0);
      end_.assign(static_cast<std::size_t>(n), kNever);
      born_by.assign(static_cast<std::size_t>(n), -1);
    }
    const std::int32_t t = tr.period;
    for (const auto* side : {&tr.from, &tr.to}) {
      for (auto it = side->begin(); it != side->end(); ++it) {
        if (std::find(side->begin(), it, *it) != it) {
          bad(sc, side == &tr.from ? from_field : to_field, std::string(h.id(*it)),
              "the unit is listed twice", "list each unit once",
              ev.line_of(side == &tr.from ? from_field : to_field));
        }
      }
    }
    for (auto u : tr.from) {
      if (std::find(tr.to.begin(), tr.to.end(), u) != tr.to.end()) {
        bad(sc, from_field, std::string(h.id(u)), "the unit is on both sides",
            "list each unit either as ceasing or as taking over", ev.line_of(from_field));
      }
      // Two events on one date (on different dates the check below finds it has ceased).
      refuse_same_date(ceased_by, u, t, from_field, "already ceases",
                       ": both events would pass its adoption on",
                       "list each unit in one merge or split only (merge into one unit, or split "
                       "it once into all its successors)",
                       ev.line_of(from_field));
      // A chain on one date (A into B, then B into C) would depend on the order of the events.
      refuse_same_date(took_over_by, u, t, from_field, "takes over", " and ceases by this event",
                       kChainFix, ev.line_of(from_field));
      ceased_by[u] = static_cast<std::int32_t>(transitions_.size());
      if (!(begin_[u] <= t - 1 && t - 1 < end_[u])) {
        bad(sc, from_field, std::string(h.id(u)),
            "the unit does not exist before " + period_label(sc.calendar, t) + " (it exists from " +
                label(sc.calendar, begin_[u]) + " until " + label(sc.calendar, end_[u]) + ")",
            "merge or split only units that exist then: check the date and the unit's "
            "exists_from / exists_until and earlier merges",
            ev.line_of(from_field));
      }
      end_[u] = t;
    }
    for (auto v : tr.to) {
      refuse_same_date(ceased_by, v, t, to_field, "ceases", " and takes over by this event",
                       kChainFix, ev.line_of(to_field));
      took_over_by[v] = static_cast<std::int32_t>(transitions_.size());
      if (!(begin_[v] <= t && t < end_[v])) {
        // exists_from counts from the period that starts at or after its month (a month inside
        // a quarter or a year is the next period's), the event from the period containing its
        // date: a unit born by the event is dated at the first month of the event's period.
        const CivilDate first = civil_from_days(period_first_day(sc.calendar, t));
        bad(sc, to_field, std::string(h.id(v)),
            "the unit does not exist at " + period_label(sc.calendar, t) + " (it exists from " +
                label(sc.calendar, begin_[v]) + " until " + label(sc.calendar, end_[v]) + ")",
            fmt::format("set its exists_from in the hierarchy file to {:04d}{:02d}, the first "
                        "month of the event's period (a unit born by the merge or split), or "
                        "earlier (an existing unit)",
                        first.year, first.month),
            ev.line_of(to_field));
      }
      if (begin_[v] == t) {
        born_by[v] = static_cast<std::int32_t>(transitions_.size());
      }
    }
    double most = -1;
    const auto weigh = [&](std::int32_t u) {
      const double w = population.empty() || std::isnan(population[u]) ? 0.0 : population[u];
      if (w > most) {
        most = w;
        tr.largest = u;
      }
    };
    if (tr.to.size() == 1 && begin_[tr.to.front()] < t) {
      weigh(tr.to.front());
    }
    for (auto u : tr.from) {
      weigh(u);
    }
    transitions_.push_back(std::move(tr));
  }
  if (!begin_.empty()) {
    // Every unit exists only while its parent does (parents precede children).
    for (std::int32_t u = 1; u < n; ++u) {
      const std::int32_t p = h.parent(u);
      if (begin_[u] >= begin_[p] && end_[u] <= end_[p]) {
        continue;
      }
      const std::string what =
          "unit '" + std::string(h.id(u)) + "' exists from " + label(sc.calendar, begin_[u]) +
          " until " + label(sc.calendar, end_[u]) + ", but its parent '" + std::string(h.id(p)) +
          "' only from " + label(sc.calendar, begin_[p]) + " until " + label(sc.calendar, end_[p]);
      const std::string fix =
          "date the unit within its parent's existence, or give it a parent that exists then";
      if (begin_[u] < begin_[p] && born_by[u] >= 0) {
        const auto& tr = transitions_[born_by[u]];
        bad(sc, tr.source + ".into", std::string(h.id(u)), what, fix);
      }
      for (const auto& tr : transitions_) {
        if (end_[u] > end_[p] && std::find(tr.from.begin(), tr.from.end(), p) != tr.from.end()) {
          bad(sc, tr.source + (tr.to.size() == 1 ? ".units" : ".unit"), std::string(h.id(p)),
              what + " (the parent ceases by this event)",
              "merge or split its children first, or do not let the parent cease");
        }
      }
      fail(ErrorKind::data,
           {h.source(), h.source_line(u), begin_[u] < begin_[p] ? "exists_from" : "exists_until",
            label(sc.calendar, begin_[u] < begin_[p] ? begin_[u] : end_[u])},
           what, fix);
    }
    // Births, deaths and the units of each level in each period.
    std::vector<std::pair<std::int32_t, std::int32_t>> born;
    std::vector<std::pair<std::int32_t, std::int32_t>> ceased;
    std::vector<std::int32_t> diff(static_cast<std::size_t>(levels_) * (periods_ + 1), 0);
    for (std::int32_t u = 0; u < n; ++u) {
      const std::int32_t b = std::min(begin_[u], periods_);
      const std::int32_t e = std::min(end_[u], periods_);
      if (b > 0 && b < periods_) {
        born.emplace_back(b, u);
      }
      if (e < periods_) {
        ceased.emplace_back(e, u);
      }
      if (b < e) {
        diff[static_cast<std::size_t>(h.level(u)) * (periods_ + 1) + b] += 1;
        diff[static_cast<std::size_t>(h.level(u)) * (periods_ + 1) + e] -= 1;
      }
    }
    bucket(born, periods_, born_, born_first_);
    bucket(ceased, periods_, ceased_, ceased_first_);
    counts_.assign(static_cast<std::size_t>(levels_) * periods_, 0);
    for (int l = 0; l < levels_; ++l) {
      std::int32_t run = 0;
      for (std::int32_t t = 0; t < periods_; ++t) {
        run += diff[static_cast<std::size_t>(l) * (periods_ + 1) + t];
        counts_[static_cast<std::size_t>(l) * periods_ + t] = run;
      }
    }
  }
  transition_first_.assign(static_cast<std::size_t>(periods_) + 1, 0);
  for (const auto& tr : transitions_) {
    if (tr.period < periods_) {
      ++transition_first_[tr.period + 1];
    }
  }
  for (std::int32_t t = 0; t < periods_; ++t) {
    transition_first_[t + 1] += transition_first_[t];
  }
  // Abolished and re-established tiers, in date order. Errors name the event's level as the
  // field's value and the unit in the message.
  const auto level_name = [&](std::int32_t u) { return h.level_names()[h.level(u)]; };
  const auto unit_named = [&](std::int32_t u) { return "unit '" + std::string(h.id(u)) + "'"; };
  std::vector<std::pair<std::int32_t, std::int32_t>> abolished;
  std::vector<std::pair<std::int32_t, std::int32_t>> restored;
  // An abolition or re-establishment below a unit that does not exist on its date, or of units
  // none of which exists then, would do nothing: a wrong date or a unit taken over, refused.
  const auto check_selection_exists = [&](const auto& ev, const std::vector<std::int32_t>& selected,
                                          const std::vector<std::int32_t>& under) {
    const std::int32_t t = ev.period;
    const auto exists = [&](std::int32_t u) { return begin_[u] <= t && t < end_[u]; };
    const std::string doing =
        std::holds_alternative<AbolishEvent>(ev.action) ? "an abolition" : "a re-establishment";
    for (auto root : under) {
      if (!exists(root)) {
        bad(sc, ev.source + ".under", std::string(h.id(root)),
            "the unit does not exist at " + period_label(sc.calendar, t) + " (it exists from " +
                label(sc.calendar, begin_[root]) + " until " + label(sc.calendar, end_[root]) +
                "): " + doing + " below it would do nothing",
            "date the event while the unit exists, or list the unit that took it over",
            ev.line_of(".under"));
      }
      const auto below = [&](std::int32_t u) {
        return exists(u) && h.ancestor_at(u, h.level(root)) == root;
      };
      if (std::none_of(selected.begin(), selected.end(), below)) {
        bad(sc, ev.source + ".under", std::string(h.id(root)),
            "none of the units selected below it exists at " + period_label(sc.calendar, t) +
                " (they have ceased or are born later): " + doing + " would do nothing there",
            "date the event while they exist, or drop the unit from `under`", ev.line_of(".under"));
      }
    }
    if (under.empty() && std::none_of(selected.begin(), selected.end(), exists)) {
      bad(sc, ev.source + ".level", level_name(selected.front()),
          "none of the " + std::to_string(selected.size()) + " selected units exists at " +
              period_label(sc.calendar, t) + ": " + doing + " would do nothing",
          "date the event while the units exist", ev.line_of(".level"));
    }
  };
  for (const auto& ev : events) {
    const auto* a = std::get_if<AbolishEvent>(&ev.action);
    const auto* r = std::get_if<ReestablishEvent>(&ev.action);
    if (a == nullptr && r == nullptr) {
      continue;
    }
    if (abolished_at_.empty()) {
      abolished_at_.assign(static_cast<std::size_t>(n), kNever);
      restored_at_.assign(static_cast<std::size_t>(n), kNever);
    }
    const auto& selected = a != nullptr ? a->units : r->units;
    if (!begin_.empty() && ev.period < periods_) {
      check_selection_exists(ev, selected, a != nullptr ? a->under : r->under);
    }
    for (auto u : selected) {
      if (a != nullptr) {
        if (restored_at_[u] != kNever) {
          bad(sc, ev.source + ".level", level_name(u),
              unit_named(u) +
                  " was abolished and re-established before: a second abolition is not "
                  "supported",
              "abolish each unit at most once", ev.line_of(".level"));
        }
        if (abolished_at_[u] != kNever) {
          bad(sc, ev.source + ".level", level_name(u),
              unit_named(u) + ": its tier is abolished already from " +
                  period_label(sc.calendar, abolished_at_[u]) +
                  ": a second abolition before its re-establishment would do nothing",
              "drop this abolish event or narrow it with `under` and `types`; re-establish the "
              "tier first if it is abolished again later (not supported)",
              ev.line_of(".level"));
        }
        abolished_at_[u] = ev.period;
        abolished.emplace_back(std::min(ev.period, periods_), u);
      } else {
        if (!(abolished_at_[u] < ev.period) || restored_at_[u] != kNever) {
          bad(sc, ev.source + ".level", level_name(u),
              "a re-establishment of " + unit_named(u) + ", which is not abolished before " +
                  period_label(sc.calendar, ev.period) +
                  (restored_at_[u] != kNever ? " (it was re-established already)" : ""),
              "abolish the tier first with an abolish event dated earlier, or narrow the units "
              "with `under` and `types`",
              ev.line_of(".level"));
        }
        restored_at_[u] = ev.period;
        restored.emplace_back(std::min(ev.period, periods_), u);
      }
    }
  }
  const auto keep = [&](auto& v) {
    v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& x) { return x.first >= periods_; }),
            v.end());
  };
  // A unit born (by its exists_from) while its tier is abolished would be abolished from its
  // birth, with no official and no adoption: a contradiction in the inputs, refused. (Units born
  // by a merge or split then are refused with the event, docs/model.md 7.9.7.)
  if (!abolished_at_.empty() && !begin_.empty()) {
    for (std::int32_t u = 0; u < n; ++u) {
      if (abolished_at_[u] < begin_[u] && begin_[u] < restored_at_[u] && begin_[u] < periods_ &&
          born_by[static_cast<std::size_t>(u)] < 0) {
        const auto a = h.attribute_index("exists_from");
        fail(ErrorKind::data,
             {h.source(), h.source_line(u), "exists_from",
              a ? fmt::format("{}", h.attribute(*a)[u]) : label(sc.calendar, begin_[u])},
             "the unit is born while its tier is abolished (from " +
                 period_label(sc.calendar, abolished_at_[u]) +
                 "): it would have no official and could not adopt",
             "date its birth after the tier's re-establishment, or keep it out of the abolish "
             "event with `under` or `types`");
      }
    }
  }
  keep(abolished);
  keep(restored);
  bucket(abolished, periods_, abolish_list_, abolish_first_);
  bucket(restored, periods_, restore_list_, restore_first_);
  // A unit whose tier is abolished is not a government: it adopts by no channel and issues no
  // mandate meanwhile (docs/model.md 7.13), so an event addressed to it then is refused.
  if (!abolished_at_.empty()) {
    for (const auto& ev : events) {
      const auto* ad = std::get_if<AdoptEvent>(&ev.action);
      const auto* pr = std::get_if<PromoteEvent>(&ev.action);
      const auto* md = std::get_if<MandateEvent>(&ev.action);
      if (md != nullptr && md->issuer >= 0 && abolished_at_[md->issuer] <= ev.period &&
          ev.period < restored_at_[md->issuer]) {
        bad(sc, ev.source + ".issuer", std::string(h.id(md->issuer)),
            "the issuer's tier is abolished on the event's date " +
                period_label(sc.calendar, ev.period) + ", so it is not a government",
            "name the tier above as the issuer, or date the mandate before the abolition or "
            "after the re-establishment",
            ev.line_of(".issuer"));
      }
      if (ad == nullptr && pr == nullptr) {
        continue;
      }
      for (auto u : ad != nullptr ? ad->units : pr->units) {
        if (abolished_at_[u] <= ev.period && ev.period < restored_at_[u]) {
          bad(sc, ev.source + ".units", std::string(h.id(u)),
              std::string("the unit's tier is abolished from ") +
                  period_label(sc.calendar, abolished_at_[u]) +
                  (restored_at_[u] != kNever
                       ? " to " + period_label(sc.calendar, restored_at_[u] - 1)
                       : std::string()) +
                  ", so it is not a government on the event's date " +
                  period_label(sc.calendar, ev.period) + " and cannot " +
                  (ad != nullptr ? "adopt" : "be promoted"),
              "date the event before the abolition (an abolish event takes effect at the start "
              "of its month) or after the re-establishment, or drop the unit from `units`",
              ev.line_of(".units"));
        }
      }
    }
  }
  // A unit that does not exist on an event's date (not yet born, or ceased) cannot adopt, be
  // promoted, reverse or issue a mandate then: the event would silently do nothing.
  if (!begin_.empty()) {
    const auto absent = [&](std::int32_t u, std::int32_t t) {
      return t >= 0 && t < periods_ && !(begin_[u] <= t && t < end_[u]);
    };
    const auto span = [&](std::int32_t u) {
      return "it exists from " + label(sc.calendar, begin_[u]) + " until " +
             label(sc.calendar, end_[u]);
    };
    for (const auto& ev : events) {
      const auto* ad = std::get_if<AdoptEvent>(&ev.action);
      const auto* pr = std::get_if<PromoteEvent>(&ev.action);
      const auto* md = std::get_if<MandateEvent>(&ev.action);
      if (md != nullptr && md->issuer >= 0 && absent(md->issuer, ev.period)) {
        bad(sc, ev.source + ".issuer", std::string(h.id(md->issuer)),
            "the issuer does not exist on the event's date " +
                period_label(sc.calendar, ev.period) + " (" + span(md->issuer) + ")",
            "date the mandate while the issuer exists, or name the unit that governs then",
            ev.line_of(".issuer"));
      }
      if (md != nullptr) {
        for (std::size_t q = 0; q < md->quotas.size(); ++q) {
          const auto& quota = md->quotas[q];
          for (auto u : quota.regions) {
            if (absent(u, std::max(ev.period, std::min(quota.period, periods_ - 1)))) {
              bad(sc, ev.source + ".quota[" + std::to_string(q) + "].regions", std::string(h.id(u)),
                  "the region does not exist on the quota's date (" + span(u) + ")",
                  "name a region that exists then (the unit that took it over)",
                  ev.line_of(".quota["));
            }
          }
        }
      }
      const auto* rv = std::get_if<ReverseEvent>(&ev.action);
      if (ad == nullptr && pr == nullptr && rv == nullptr) {
        continue;
      }
      for (auto u : ad != nullptr ? ad->units : pr != nullptr ? pr->units : rv->listed) {
        if (absent(u, ev.period)) {
          bad(sc, ev.source + ".units", std::string(h.id(u)),
              "the unit does not exist on the event's date " +
                  period_label(sc.calendar, ev.period) + " (" + span(u) + ")",
              "date the event while the unit exists, or name the unit that takes it over",
              ev.line_of(".units"));
        }
      }
    }
  }
  level_size_.resize(static_cast<std::size_t>(levels_));
  for (int l = 0; l < levels_; ++l) {
    level_size_[l] = h.level_begin(l + 1) - h.level_begin(l);
  }
}

std::int32_t Restructuring::count(int level, std::int32_t t) const {
  if (counts_.empty()) {
    return level_size_[level];
  }
  return counts_[static_cast<std::size_t>(level) * periods_ + t];
}

std::span<const Transition> Restructuring::transitions_at(std::int32_t t) const {
  if (transitions_.empty() || t < 0 || t >= periods_) {
    return {};
  }
  return {transitions_.data() + transition_first_[t],
          static_cast<std::size_t>(transition_first_[t + 1] - transition_first_[t])};
}

}  // namespace pdlab
