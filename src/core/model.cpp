#include "pdlab/core/model.hpp"

#include "core/resolve.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/restate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace pdlab {

namespace detail {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line) {
  fail(ErrorKind::config, {s.file, line != 0 ? line : s.line_of(key), key, value}, what, fix);
}

int level_of(const Scenario& s, const Hierarchy& h, const std::string& key, const std::string& name,
             std::int64_t line) {
  if (auto l = h.level_index(name)) {
    return *l;
  }
  const auto near = closest_level(name, h.level_names());
  std::string all;
  for (const auto& n : h.level_names()) {
    all += (all.empty() ? "" : ", ") + n;
  }
  bad(s, key, name, "no such level in the hierarchy (levels: " + all + ")",
      near.empty() ? "use one of the levels listed" : "did you mean '" + near + "'?", line);
}

std::int32_t unit_of(const Scenario& s, const Hierarchy& h, const std::string& key,
                     const std::string& id, std::int64_t line) {
  const auto u = h.find(id);
  if (u < 0) {
    bad(s, key, id,
        h.excluded(id)
            ? "unit is outside the selected subtree (hierarchy.root = '" + s.hierarchy.root + "')"
            : "no unit has this id",
        "use an id of a unit under hierarchy.root", line);
  }
  return u;
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

void check_key(const Scenario& s, const Hierarchy& h, KeyDomain over, const std::string& field,
               const std::string& key, std::int64_t line) {
  switch (over) {
    case KeyDomain::level: level_of(s, h, field, key, line); break;
    case KeyDomain::unit: unit_of(s, h, field, key, line); break;
    case KeyDomain::column:
      if (!h.attribute_index(key)) {
        const auto near = closest(key, h.source_columns());
        bad(s, field, key,
            "the hierarchy has no such attribute column (columns: " + list(h.source_columns()) +
                ")",
            near.empty() ? "use a column of the hierarchy file" : "did you mean '" + near + "'?",
            line);
      }
      break;
    case KeyDomain::policy: {
      std::vector<std::string> ids;
      for (const auto& p : s.policies) {
        ids.push_back(p.id);
      }
      if (std::find(ids.begin(), ids.end(), key) == ids.end()) {
        const auto near = closest(key, ids);
        bad(s, field, key, "no [[policy]] has this id (policies: " + list(ids) + ")",
            near.empty() ? "use the id of a [[policy]]" : "did you mean '" + near + "'?", line);
      }
      break;
    }
  }
}

}  // namespace detail

namespace {

using detail::bad;
using detail::check_key;
using detail::level_of;
using detail::list;
using detail::unit_of;

// A column's values in unit order, its missing values filled as adoption.missing says.
// `alpha` (by level): a column joined by hierarchy.attributes has no value at the levels its
// file leaves out, which is refused where the level can adopt (a fill there would be a value
// no file states), and is 0 where it cannot (alpha -inf: the term changes nothing).
std::vector<double> column(const Scenario& s, const Hierarchy& h, const std::string& key,
                           const std::string& name, const std::string& missing,
                           const std::vector<double>& alpha) {
  const auto a = h.attribute_index(name);
  if (!a) {
    const auto near = closest(name, h.source_columns());
    bad(s, key, name, "the hierarchy has no such attribute column",
        near.empty() ? "use a column of the hierarchy file" : "did you mean '" + near + "'?");
  }
  const auto col = h.attribute(*a);
  std::vector<double> v(col.begin(), col.end());
  std::vector<std::uint8_t> not_given(static_cast<std::size_t>(h.n_levels()), 0);
  for (int l = 0; l < h.n_levels(); ++l) {
    if (h.attribute_given_at(*a, l)) {
      continue;
    }
    not_given[static_cast<std::size_t>(l)] = 1;
    const auto lv = static_cast<std::size_t>(l);
    if (lv < alpha.size() && alpha[lv] != -std::numeric_limits<double>::infinity() &&
        h.level_begin(l + 1) > h.level_begin(l)) {
      std::string given;
      for (int g = 0; g < h.n_levels(); ++g) {
        if (h.attribute_given_at(*a, g)) {
          given += (given.empty() ? "" : ", ") + h.level_names()[static_cast<std::size_t>(g)];
        }
      }
      const auto& level = h.level_names()[lv];
      bad(s, key, name,
          "unit '" + std::string(h.id(h.level_begin(l))) + "' (level '" + level +
              "') has no row in " + h.attribute_file(*a) + " (hierarchy.attributes), which " +
              (given.empty() ? std::string("gives no unit of this hierarchy")
                             : "gives the column for " + given + " only") +
              ", and level '" + level + "' can adopt (its intercept is " +
              fmt::format("{:g}", alpha[lv]) + ")",
          "add rows for the level's units to the file (an empty field or NA marks a missing "
          "value, which adoption.missing fills), or set adoption.alpha." +
              level + " = -inf if the level never adopts");
    }
  }
  double sum = 0;
  std::int64_t n_ok = 0;
  std::int32_t first_missing = -1;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (not_given[h.level(static_cast<std::int32_t>(i))] != 0) {
      v[i] = 0.0;  // cannot adopt (checked above): no effect
    } else if (std::isnan(v[i])) {
      if (first_missing < 0) {
        first_missing = static_cast<std::int32_t>(i);
      }
    } else {
      sum += v[i];
      ++n_ok;
    }
  }
  if (first_missing >= 0) {
    if (missing == "error") {
      bad(s, key, name,
          "column has missing values (first: unit '" + std::string(h.id(first_missing)) +
              "', line " + std::to_string(h.source_line(first_missing)) + " of " + h.source() + ")",
          "fill the column, or set adoption.missing = \"mean\" or \"zero\"");
    }
    const double fillv = missing == "mean" && n_ok > 0 ? sum / static_cast<double>(n_ok) : 0.0;
    for (auto& x : v) {
      if (std::isnan(x)) {
        x = fillv;
      }
    }
  }
  return v;
}

// pilot_rule = score: s_u = sum_k b_k x_k(u), x a column or log(column). A unit with a
// missing value ranks last (as capacity's); log of a value <= 0 is an error naming the unit.
std::vector<float> pilot_scores(const Scenario& s, const Hierarchy& h) {
  if (s.promotion.score.empty()) {
    bad(s, "promotion.pilot_rule", "score", "promotion.score gives no coefficients",
        "add e.g. [promotion.score] urban_share = 1.0, or choose another pilot_rule");
  }
  const std::int32_t n = h.size();
  std::vector<double> v(n, 0.0);
  for (const auto& [term, b] : s.promotion.score) {
    const std::string field = "promotion.score." + term;
    const bool is_log = term.size() > 5 && term.rfind("log(", 0) == 0 && term.back() == ')';
    const std::string name = is_log ? term.substr(4, term.size() - 5) : term;
    const auto a = h.attribute_index(name);
    if (!a) {
      const auto near = closest(name, h.source_columns());
      bad(s, field, term,
          "the hierarchy has no such attribute column (columns: " +
              detail::list(h.source_columns()) + ")",
          near.empty()
              ? "use a column of the hierarchy file, or log(column)"
              : "did you mean '" + std::string(is_log ? "log(" + near + ")" : near) + "'?");
    }
    const auto col = h.attribute(*a);
    for (std::int32_t u = 0; u < n; ++u) {
      double x = col[u];
      if (is_log && x <= 0) {
        bad(s, field, term,
            "log of " + number_text(x) + " for unit '" + std::string(h.id(u)) + "' (line " +
                std::to_string(h.source_line(u)) + " of " + h.source() + ")",
            "use the column itself, or give the unit a positive value");
      }
      v[u] += b * (is_log ? std::log(x) : x);  // NaN (missing) stays NaN
    }
  }
  std::vector<float> out(n);
  for (std::int32_t u = 0; u < n; ++u) {
    out[u] = std::isnan(v[u]) ? -std::numeric_limits<float>::infinity() : static_cast<float>(v[u]);
  }
  return out;
}

std::array<double, 4> cdf(const ModeWeights& w) {
  const double total = w.endorse + w.pilot + w.mandate + w.championship;
  if (total <= 0) {
    return {0, 0, 0, 0};
  }
  return {w.endorse / total, (w.endorse + w.pilot) / total,
          (w.endorse + w.pilot + w.mandate) / total, 1.0};
}

}  // namespace

Model::Model(const Scenario& scenario, const Hierarchy& hierarchy, const Network& network)
    : sc_(restated_for_calendar(scenario)), h_(hierarchy), net_(network) {
  const std::int32_t n = h_.size();
  const auto& a = sc_.adoption;
  // An intercept of -inf (never adopts on its own) for a level absent from this hierarchy and
  // not a misspelling of one of its levels asks for nothing: a fitted scenario, which writes
  // every level, pointed at a subtree with hierarchy.root lacks the levels above it.
  const auto absent_never = [&](const std::map<std::string, double>& alpha,
                                const std::string& lvl) {
    const auto it = alpha.find(lvl);
    return it != alpha.end() && it->second == -std::numeric_limits<double>::infinity() &&
           !h_.level_index(lvl) && closest_level(lvl, h_.level_names()).empty();
  };
  // Each level's intercept under a set of adoption parameters; `key` names the scenario entry
  // to blame for an unknown level.
  const auto level_alphas = [&](const AdoptionParams& ap, const std::string& key,
                                std::int64_t line) {
    std::vector<double> alpha(h_.n_levels(), ap.alpha_default);
    for (const auto& [lvl, v] : ap.alpha) {
      if (absent_never(ap.alpha, lvl)) {
        continue;  // (warned below)
      }
      alpha[level_of(sc_, h_, key.empty() ? "adoption.alpha." + lvl : key, lvl, line)] = v;
    }
    return alpha;
  };
  // The keys of every keyed table (adoption.alpha.<level> ...) against what they range over.
  std::string_view checked;
  for (const auto& kp : keyed_parameters()) {
    if (kp.keys != nullptr && kp.prefix != checked) {
      for (const auto& k : kp.keys(sc_)) {
        if (kp.prefix == std::string_view("adoption.alpha.") && absent_never(a.alpha, k)) {
          warnings_.push_back("adoption.alpha." + k + " = -inf: the hierarchy has no level '" + k +
                              "' (ignored)");
          continue;
        }
        check_key(sc_, h_, kp.over, std::string(kp.prefix) + k, k);
      }
      checked = kp.prefix;
    }
  }
  // Pilot selection needs its ranking column only when some superior can choose pilots.
  bool uses_pilots = sc_.promotion.weights.pilot > 0;
  for (const auto& [lvl, w] : sc_.promotion.by_level) {
    uses_pilots = uses_pilots || w.pilot > 0;
  }
  bool need_changes = false;
  for (const auto& e : sc_.events) {
    std::visit(
        Overloaded{
            [&](const AdoptSpec& x) { uses_pilots = uses_pilots || x.mode == Mode::pilot; },
            [&](const PromoteSpec& x) { uses_pilots = uses_pilots || x.mode == Mode::pilot; },
            [&](const SetSpec& x) {
              need_changes = need_changes || x.key == "adoption.gamma_need";
            },
            [](const auto&) {}},
        e.spec);
  }
  need_.assign(n, 0.0F);
  std::vector<double> need_x(n, 0.0);
  if (a.gamma_need != 0.0 || need_changes ||
      (uses_pilots && sc_.promotion.pilot_rule == PilotRule::need)) {
    need_x = column(sc_, h_, "adoption.need", a.need, a.missing, level_alphas(a, "", 0));
    for (std::int32_t u = 0; u < n; ++u) {
      need_[u] = static_cast<float>(need_x[u]);
    }
  }
  // Regional shifts: a unit's own shift plus its ancestors' (BFS order: parents first).
  std::vector<double> shift(n, 0.0);
  for (const auto& [id, v] : a.shift) {
    shift[unit_of(sc_, h_, "adoption.shift." + id, id)] += v;
  }
  if (!a.shift.empty()) {
    for (std::int32_t u = 1; u < n; ++u) {
      shift[u] += shift[h_.parent(u)];
    }
  }
  // The static part of the exponent under a set of adoption parameters; `key` names the
  // scenario entry to blame for an unknown level or column.
  const auto static_part = [&](const AdoptionParams& ap, const std::string& key,
                               std::int64_t line) {
    const auto alpha = level_alphas(ap, key, line);
    std::vector<double> lin(n, 0.0);
    for (const auto& [col, b] : ap.beta) {
      const auto x =
          column(sc_, h_, key.empty() ? "adoption.beta." + col : key, col, ap.missing, alpha);
      for (std::int32_t u = 0; u < n; ++u) {
        lin[u] += b * x[u];
      }
    }
    std::vector<float> base(n);
    for (std::int32_t u = 0; u < n; ++u) {
      const auto need_term = static_cast<float>(ap.gamma_need * need_x[u]);
      base[u] = static_cast<float>(alpha[h_.level(u)] + lin[u] + need_term + shift[u]);
    }
    return base;
  };
  bases_.push_back(static_part(a, "", 0));
  capacity_.assign(n, 0.0F);
  if (uses_pilots && sc_.promotion.pilot_rule == PilotRule::capacity) {
    const auto idx = h_.attribute_index(sc_.promotion.capacity);
    const bool by_default =
        sc_.promotion.capacity == PromotionParams{}.capacity &&
        std::none_of(sc_.key_lines.begin(), sc_.key_lines.end(),
                     [](const auto& kl) { return kl.first == "promotion.capacity"; });
    if (!idx && by_default) {
      // A hierarchy of one's own rarely has the default's column: say where the key comes
      // from (the user never wrote it) and what else chooses pilots.
      const auto& cols = h_.source_columns();
      bad(sc_, "promotion.capacity", sc_.promotion.capacity,
          "the hierarchy has no such attribute column (" +
              (cols.empty() ? std::string("it has no numeric column")
                            : "its numeric columns: " + list(cols)) +
              "); 'population' is promotion.capacity's default, by which pilot_rule = "
              "\"capacity\" (the default) ranks the children a superior designates as pilots",
          std::string(cols.empty() ? ""
                                   : "set promotion.capacity to one of the columns listed; or ") +
              "choose pilots otherwise: promotion.pilot_rule = \"random\" (or \"need\", "
              "\"score\"); or set promotion.weights.pilot = 0 when superiors choose no pilots "
              "(estimation alone, pdlab riskset and pdlab fit, does not use pilots and does not "
              "check this)");
    }
    if (!idx) {
      column(sc_, h_, "promotion.capacity", sc_.promotion.capacity, "zero", {});  // throws
    }
    const auto col = h_.attribute(*idx);
    bool warned_capacity = false;
    for (std::int32_t u = 0; u < n; ++u) {
      // A capacity below 0 (a population of -5) is most likely a mistake in the data; a
      // column that may be negative (a z-score) ranks as given, so this is a warning, once.
      if ((col[u] < 0 || std::isinf(col[u])) && !warned_capacity) {
        warned_capacity = true;
        warnings_.push_back(h_.source() + ":" + std::to_string(h_.source_line(u)) + ": unit '" +
                            std::string(h_.id(u)) + "' has " + sc_.promotion.capacity + " = " +
                            number_text(col[u]) +
                            ", which promotion.capacity ranks the candidates for pilots by "
                            "(as given; a missing value ranks last): check the column");
      }
      capacity_[u] =
          std::isnan(col[u]) ? -std::numeric_limits<float>::infinity() : static_cast<float>(col[u]);
    }
  }
  score_.clear();
  if (uses_pilots && sc_.promotion.pilot_rule == PilotRule::score) {
    score_ = pilot_scores(sc_, h_);
  }
  // Promotion mode weights by level.
  mode_cdf_.assign(h_.n_levels(), cdf(sc_.promotion.weights));
  for (const auto& [lvl, w] : sc_.promotion.by_level) {
    mode_cdf_[level_of(sc_, h_, "promotion.by_level." + lvl, lvl)] = cdf(w);
  }
  // Units that can use the factorised fast path.
  fast_.assign(n, 0);
  // (A unit with peers by edge, that is with incoming edges, needs its own exposure.)
  const std::vector<std::int32_t> peers =
      net_.empty() ? std::vector<std::int32_t>{} : net_.in_degrees();
  for (std::int32_t u = 0; u < n; ++u) {
    const bool has_edges = !peers.empty() && peers[u] > 0;
    fast_[u] = (h_.n_children(u) == 0 && !has_edges && a.link == Link::cloglog && u > 0) ? 1 : 0;
    if (h_.n_children(u) > 0) {
      n_slots_ = u + 1;
    }
  }
  if (n_slots_ == 0) {
    n_slots_ = 1;
  }
  if (!sc_.output.adoptions_max_level.empty()) {
    adoptions_max_level_ =
        level_of(sc_, h_, "output.adoptions_max_level", sc_.output.adoptions_max_level);
  }
  if (!sc_.output.unit_time_max_level.empty()) {
    unit_time_max_level_ =
        level_of(sc_, h_, "output.unit_time_max_level", sc_.output.unit_time_max_level);
  }
  compile_availability();
  draws_ = compile_draws(sc_);
  // With draw = true the draws centre on the estimate, whatever the key itself says: a key
  // moved since the fit (by hand, or by a calibration before the fit's block was updated)
  // would silently lose its value.
  for (std::size_t i = 0; sc_.uncertainty.draw && i < draws_.keys.size(); ++i) {
    const auto own = numeric_parameter(sc_, draws_.keys[i]);
    if (own && *own != draws_.estimate[i] && std::isnan(draws_.held[i])) {
      warnings_.push_back(fmt::format(
          "uncertainty: '{}' is {} in this scenario (as given, or by default) but its estimate "
          "is {}; with draw = true each replicate draws around the estimate, not that value "
          "(docs/model.md 7.11): give uncertainty.estimate the value you mean, or set draw = "
          "false",
          draws_.keys[i], *own, draws_.estimate[i]));
    }
  }
  // Events: each compiled by its kind's entry in the table of kinds (events.hpp).
  for (const auto& e : sc_.events) {
    CompiledEvent c;
    c.source = e.key;
    c.line = e.line;
    c.field_lines = e.field_lines;
    c.period = to_period(sc_.calendar, e.date, e.key + ".date", sc_.file, e.line_of("date"));
    const auto pol = std::find_if(sc_.policies.begin(), sc_.policies.end(),
                                  [&](const Policy& p) { return p.id == e.policy; });
    if (pol == sc_.policies.end()) {
      check_key(sc_, h_, KeyDomain::policy, e.key + ".policy", e.policy,
                e.line_of("policy"));  // throws
    }
    c.policy = static_cast<std::int32_t>(pol - sc_.policies.begin());
    const EventKind& kind = kind_of(e);
    c.action = kind.compile(EventContext{sc_, h_, e, c.period});
    const std::int32_t deadline = deadline_of(c.action);
    const std::string deadline_text = std::visit(
        [](const auto& x) -> std::string {
          if constexpr (requires { x.deadline; }) {
            return x.deadline;
          } else {
            return "";
          }
        },
        e.spec);
    if (deadline != kNever && deadline <= c.period) {
      bad(sc_, e.key + ".deadline", deadline_text,
          "deadline is not after the event's date (" + e.date + ")",
          "set a deadline after " + e.date, e.line_of("deadline"));
    }
    check_available(c, e);
    const std::string last = period_label(sc_.calendar, sc_.calendar.periods - 1);
    if (c.period >= sc_.calendar.periods) {
      warnings_.push_back(e.key + " (" + std::string(kind.name) + " at " + e.date +
                          ") is after the last period (" + last + ") and has no effect");
    } else if (deadline != kNever && deadline >= sc_.calendar.periods) {
      // Without a deadline of its own the mandate's is promotion.mandate_deadline periods on.
      const std::string shown = deadline_text.empty()
                                    ? period_label(sc_.calendar, deadline) +
                                          " (promotion.mandate_deadline after " + e.date + ")"
                                    : deadline_text;
      warnings_.push_back(e.key + ": deadline " + shown + " is after the last period (" + last +
                          "); it is never enforced");
    }
    // As the deadline: pilots the event designates (mode pilot) are evaluated pilot_delay
    // periods after the period that follows it; an evaluation past the horizon never judges
    // them (they stay pilots: never confirmed, reversed or scaled up).
    const Mode mode = std::visit(
        [](const auto& x) -> Mode {
          if constexpr (requires { x.mode; }) {
            return x.mode;
          } else {
            return Mode::none;
          }
        },
        c.action);
    const auto& pr = sc_.promotion;
    if (mode == Mode::pilot && pr.pilot_k > 0 && c.period < sc_.calendar.periods) {
      const std::int64_t eval = std::int64_t{c.period} + 1 + pr.pilot_delay;
      const std::int64_t scale_up = eval + pr.scale_up_deadline;
      const auto label = [&](std::int64_t t) {
        return period_label(sc_.calendar,
                            static_cast<std::int32_t>(std::min<std::int64_t>(t, kNever - 1)));
      };
      if (eval >= sc_.calendar.periods) {
        const std::int64_t most = std::int64_t{sc_.calendar.periods} - 2 - c.period;
        warnings_.push_back(fmt::format(
            "{} ({} at {}, mode pilot): its pilots are evaluated in {} (promotion.pilot_delay: {} "
            "periods on from the next period, {}), after the last period ({}); they are never "
            "judged, so never confirmed, reversed or scaled up: {}",
            e.key, kind.name, e.date, label(eval), pr.pilot_delay, label(c.period + 1), last,
            most >= 0 ? fmt::format("set promotion.pilot_delay to at most {}, or extend "
                                    "calendar.periods",
                                    most)
                      : std::string("extend calendar.periods")));
      } else if (scale_up >= sc_.calendar.periods) {
        warnings_.push_back(fmt::format(
            "{} ({} at {}, mode pilot): its pilots are evaluated in {}, but the deadline of a "
            "scale-up then, {} (promotion.scale_up_deadline: {} periods on), is after the last "
            "period ({}); it is never enforced",
            e.key, kind.name, e.date, label(eval), label(scale_up), pr.scale_up_deadline, last));
      }
    }
    if (const auto* m = std::get_if<MandateEvent>(&c.action)) {
      const auto& quotas = std::get<MandateSpec>(e.spec).quotas;
      for (std::size_t q = 0; q < m->quotas.size(); ++q) {
        if (m->quotas[q].period >= sc_.calendar.periods || m->quotas[q].period < c.period) {
          warnings_.push_back(e.key + ".quota[" + std::to_string(q) + "]: date " + quotas[q].by +
                              " is before the mandate or after the last period; it is never "
                              "checked");
        }
      }
    }
    events_.push_back(std::move(c));
  }
  if (!sc_.governance.policy.empty()) {
    const auto pol = std::find_if(sc_.policies.begin(), sc_.policies.end(),
                                  [&](const Policy& p) { return p.id == sc_.governance.policy; });
    if (pol == sc_.policies.end()) {
      bad(sc_, "governance.policy", sc_.governance.policy, "no [[policy]] has this id",
          "use the id of a [[policy]]");
    }
    governance_policy_ = static_cast<int>(pol - sc_.policies.begin());
  }
  if (sc_.events.empty()) {
    bool spontaneous = false;
    for (std::int32_t u = 0; u < n && !spontaneous; ++u) {
      spontaneous = std::isfinite(bases_[0][u]);
    }
    if (!spontaneous) {
      warnings_.push_back("every intercept is -inf and there are no events: nothing can adopt");
    }
  }
  std::stable_sort(
      events_.begin(), events_.end(),
      [](const CompiledEvent& x, const CompiledEvent& y) { return x.period < y.period; });
  compile_epochs(static_part);
  compile_links();
  check_feedback();
  note_idle_modules();
  restructuring_ = Restructuring(sc_, h_, events_);
  // A tier re-established in part: the rest stays abolished to the horizon, which a scenario
  // re-establishing "the" tier may not mean.
  for (const auto& ev : events_) {
    if (const auto* ab = std::get_if<AbolishEvent>(&ev.action)) {
      std::size_t restored = 0;
      std::int32_t kept = -1;
      for (const auto u : ab->units) {
        if (restructuring_.restored_at(u) != kNever) {
          ++restored;
        } else if (kept < 0) {
          kept = u;
        }
      }
      if (restored > 0 && restored < ab->units.size()) {
        warnings_.push_back(ev.source + " (abolish): " + std::to_string(restored) + " of its " +
                            std::to_string(ab->units.size()) +
                            " units are re-established later; the other " +
                            std::to_string(ab->units.size() - restored) + " (first: '" +
                            std::string(h_.id(kept)) + "') stay abolished to the horizon");
      }
    }
  }
  if (restructuring_.changes_units()) {
    // A unit that does not exist throughout accrues hazard only while it exists: it leaves the
    // factorised path, which accrues from period 0.
    for (std::int32_t u = 0; u < n; ++u) {
      if (restructuring_.begin(u) != 0 || restructuring_.end(u) != kNever) {
        fast_[u] = 0;
      }
    }
  }
  if (restructuring_.abolishes()) {
    // A unit whose tier is abolished accrues no hazard meanwhile (docs/model.md 7.13).
    for (std::int32_t u = 0; u < n; ++u) {
      if (restructuring_.abolished_at(u) != kNever) {
        fast_[u] = 0;
      }
    }
  }
  if (sc_.governance.any()) {
    gov_ = std::make_unique<GovernanceModel>(sc_, h_, events_, restructuring_, governance_policy_,
                                             unit_time_max_level_);
    // Resident agents follow their communities (docs/model.md 7.13): a city whose communities
    // are born later, or all cease, has an agent sample that starts or ends empty.
    if (const std::int32_t root = gov_->agents_root();
        root >= 0 && restructuring_.changes_units() && periods() > 0) {
      const int lc = gov_->community_level();
      const int lr = h_.level(root);
      int first = 0;
      int last = 0;
      for (std::int32_t c = h_.level_begin(lc); c < h_.level_begin(lc + 1); ++c) {
        if (h_.ancestor_at(c, lr) == root) {
          first += restructuring_.exists(c, 0) ? 1 : 0;
          last += restructuring_.exists(c, periods() - 1) ? 1 : 0;
        }
      }
      const std::string key =
          "coproduction.agents_root = '" + sc_.governance.coproduction.agents_root + "'";
      if (first == 0) {
        warnings_.push_back(key +
                            ": none of its communities exists in the first period; agents come "
                            "only with communities born later from nothing (residents merged in "
                            "from outside it bring none)");
      }
      if (last == 0) {
        warnings_.push_back(key +
                            ": none of its communities exists in the last period: the "
                            "agents leave with their residents and the sample ends empty");
      }
    }
  }
  note_unreached_communities();
  note_frozen_trends();
}

// Hazard epochs of each policy: the weights in force from period 0, then from each set event
// on a hazard key (docs/model.md 7.4).
template <typename StaticPart>
void Model::compile_epochs(const StaticPart& static_part) {
  epochs_.assign(sc_.policies.size(), {});
  for (std::size_t k = 0; k < sc_.policies.size(); ++k) {
    Scenario tmp = sc_;
    HazardEpoch ep;
    const auto fill = [&](HazardEpoch& x) {
      const auto& a = tmp.adoption;
      x.gamma_vertical = a.gamma_vertical;
      x.gamma_horizontal = a.gamma_horizontal;
      x.gamma_bottom_up = a.gamma_bottom_up;
      x.gamma_vh = a.gamma_vh;
      x.gamma_need = a.gamma_need;
      x.vertical = tmp.vertical;
    };
    fill(ep);
    epochs_[k].push_back(ep);
    for (const auto& ce : events_) {
      const auto* set = std::get_if<SetEvent>(&ce.action);
      if (set == nullptr || ce.policy != static_cast<std::int32_t>(k) ||
          ce.period >= sc_.calendar.periods) {
        continue;
      }
      const SetEvent& e = *set;
      // Keyed entries an event may set (adoption.alpha.<level>, adoption.beta.<column>).
      std::string entry;
      const KeyedParam* keyed = find_keyed_parameter(e.key, &entry);
      const bool table_key = keyed != nullptr && keyed->event_settable;
      const bool hazard = table_key || e.key == "adoption.alpha_shift" ||
                          e.key.rfind("adoption.", 0) == 0 || e.key.rfind("vertical.", 0) == 0;
      if (!hazard) {
        continue;
      }
      HazardEpoch next = epochs_[k].back();
      bool rebase = false;
      if (table_key) {
        *keyed->entry(tmp, entry) = e.value;
        rebase = true;
      } else if (e.key == "adoption.alpha_shift") {
        next.shift = e.value;
      } else {
        *find_parameter(e.key)->real(tmp) = e.value;
        rebase = e.key == "adoption.alpha_default" || e.key == "adoption.gamma_need";
      }
      const auto shift = next.shift;
      const auto base = next.base;
      fill(next);
      next.shift = shift;
      next.base = base;
      if (rebase) {
        bases_.push_back(static_part(tmp.adoption, ce.source + ".key", ce.line_of("key")));
        next.base = static_cast<std::int32_t>(bases_.size() - 1);
      }
      if (ce.period == epochs_[k].back().period) {
        epochs_[k].back() = next;
      } else {
        next.period = ce.period;
        epochs_[k].push_back(next);
      }
    }
    // A trend ([[policy]] trend = b): b t added to the shift in force in each period t, and the
    // profiles' weight times their value in force, held within the range an event may set it
    // to; the epoch of each period (with a trend alone, the same as fit's `set
    // adoption.alpha_shift = b t` event in every period, bit for bit).
    const double b = sc_.policies[k].trend;
    const std::vector<double> profile = profile_shifts(k);
    if (b != 0.0 || !profile.empty()) {
      std::vector<HazardEpoch> each;
      each.reserve(static_cast<std::size_t>(std::max(periods(), 1)));
      std::size_t e = 0;
      std::int32_t bound_from = -1;  // the first period the bound holds the shift
      bool bound_above = false;
      double bound_shift = 0;
      for (std::int32_t t = 0; t < periods(); ++t) {
        while (e + 1 < epochs_[k].size() && epochs_[k][e + 1].period <= t) {
          ++e;
        }
        HazardEpoch x = epochs_[k][e];
        x.period = t;
        const double events_shift = x.shift;
        double shift = events_shift + b * t;
        if (!profile.empty()) {
          shift += profile[static_cast<std::size_t>(t)];
        }
        x.shift = std::clamp(shift, -kShiftBound, kShiftBound);
        if (x.shift != shift && bound_from < 0) {
          bound_from = t;
          bound_above = shift > 0;
          bound_shift = events_shift;
        }
        each.push_back(x);
      }
      if (bound_from >= 0) {
        // What makes up the shift that passed the bound, and what to check.
        std::string parts = b != 0.0 ? fmt::format("trend ({} a period)", number_text(b)) : "";
        if (!profile.empty()) {
          parts += (parts.empty() ? "" : " with its ") + std::string("profiles");
        }
        if (bound_shift != 0.0) {
          parts += " with the `set adoption.alpha_shift` events' " + number_text(bound_shift);
        }
        warnings_.push_back(fmt::format(
            "policy '{}': its {} {} the shift of its hazard past the bound of ±50 at {}; "
            "from then on, while it stays beyond, the shift stays at the bound (docs/model.md "
            "7.1), a hazard of practically {}: check the {} (fitted ones this large say the data "
            "do not pin them down){}",
            sc_.policies[k].id, parts, b != 0.0 ? "takes" : "take",
            period_label(sc_.calendar, bound_from), bound_above ? "1" : "0",
            b != 0.0 && !profile.empty() ? "trend and profiles"
            : b != 0.0                   ? "trend"
                                         : "profiles",
            b != 0.0 ? " or shorten the calendar" : ""));
      }
      if (!each.empty()) {
        epochs_[k] = std::move(each);
      }
    }
  }
}

// Prerequisites and boosters by policy index; a cycle of prerequisites is an error.
void Model::compile_links() {
  const auto np = sc_.policies.size();
  prerequisites_.assign(np, {});
  boosters_.assign(np, {});
  std::vector<std::string> ids;
  for (const auto& p : sc_.policies) {
    ids.push_back(p.id);
  }
  const auto find = [&](std::size_t k, const std::string& field, const std::string& id) {
    const auto it = std::find(ids.begin(), ids.end(), id);
    const std::string key = "policy[" + std::to_string(k) + "]." + field;
    if (it == ids.end()) {
      check_key(sc_, h_, KeyDomain::policy, key, id);  // throws, listing the policies
    }
    if (static_cast<std::size_t>(it - ids.begin()) == k) {
      bad(sc_, key, id, "a policy cannot refer to itself", "list other policies");
    }
    return static_cast<std::int32_t>(it - ids.begin());
  };
  for (std::size_t k = 0; k < np; ++k) {
    for (const auto& id : sc_.policies[k].prerequisites) {
      prerequisites_[k].push_back({find(k, "requires", id), 0.0});
    }
    for (const auto& [id, w] : sc_.policies[k].boosted_by) {
      boosters_[k].push_back({find(k, "boosted_by", id), w});
    }
  }
  // Depth-first search for a cycle of prerequisites.
  std::vector<int> state(np, 0);  // 0 = new, 1 = on the path, 2 = done
  std::vector<std::int32_t> path;
  const std::function<void(std::int32_t)> visit = [&](std::int32_t k) {
    state[k] = 1;
    path.push_back(k);
    for (const auto& link : prerequisites_[k]) {
      if (state[link.policy] == 1) {
        std::string cycle;
        const auto from = std::find(path.begin(), path.end(), link.policy);
        for (auto it = from; it != path.end(); ++it) {
          cycle += ids[*it] + " -> ";
        }
        cycle += ids[link.policy];
        bad(sc_, "policy[" + std::to_string(k) + "].requires", ids[link.policy],
            "the prerequisites form a cycle (" + cycle +
                "): none of these policies could ever "
                "be adopted",
            "remove one of the requires entries");
      }
      if (state[link.policy] == 0) {
        visit(link.policy);
      }
    }
    path.pop_back();
    state[k] = 2;
  };
  for (std::size_t k = 0; k < np; ++k) {
    if (state[k] == 0) {
      visit(static_cast<std::int32_t>(k));
    }
  }
}

// Each feedback needs the governance modules that produce what it feeds back.
void Model::check_feedback() {
  const auto& g = sc_.governance;
  const auto& f = g.feedback;
  const std::pair<bool, const char*> on[] = {{f.need, "feedback.need"},
                                             {f.escalation, "feedback.escalation"},
                                             {f.reversal, "feedback.reversal"},
                                             {f.pilot_evaluation, "feedback.pilot_evaluation"},
                                             {f.learning, "feedback.learning"}};
  for (const auto& [enabled, key] : on) {
    if (enabled && !g.any()) {
      bad(sc_, key, "true", "this feedback needs the governance layer, whose modules are all off",
          "switch on a module (coproduction.enabled = true; escalation also needs "
          "stability.enabled = true) or set " +
              std::string(key) + " = false");
    }
  }
  if (f.escalation && !g.stability.enabled) {
    bad(sc_, "feedback.escalation", "true",
        "escalated pressure comes from the stability module, which is off",
        "set stability.enabled = true or feedback.escalation = false");
  }
  for (const auto& name : f.levels) {
    level_of(sc_, h_, "feedback.levels", name);  // throws with did-you-mean
  }
}

Model::~Model() = default;

}  // namespace pdlab
