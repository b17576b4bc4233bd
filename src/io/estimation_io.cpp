// Estimation inputs and outputs: adoption events, time-varying covariates and risk sets, diffusion
// cascades (NetInf), and the tables and printouts of fitted models. Data tables: data_table.cpp;
// formulas and design matrices: formula.cpp.
#include "pdlab/io/estimation_io.hpp"

#include "pdlab/core/restructure.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/padded_codes.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>

namespace pdlab::io {

namespace {

std::size_t need_column(const CsvReader& csv, const char* name, const char* header) {
  const auto c = csv.column(name);
  if (!c) {
    fail(ErrorKind::data, {csv.path(), 1, name, ""}, "required column missing from the header",
         std::string("the header must be ") + header);
  }
  return *c;
}

// An empty time at the current row: a never-adopter written as a row (a unit that never adopted
// has no row), or an adoption of unknown date; neither can be placed on the calendar, and
// reading it as "never" would turn an unknown date into no adoption. The error counts the
// file's empty times (the rows read: those of the policies asked for) so the fix is one step.
[[noreturn]] void refuse_empty_time(CsvReader& csv, std::vector<std::string_view>& f,
                                    std::size_t cp, std::size_t ct,
                                    const std::vector<std::string>& policies,
                                    const std::string& time, std::int64_t rows) {
  const auto line = csv.line();
  const auto blank = [](std::string_view t) {
    return t.find_first_not_of(" \t") == std::string_view::npos;
  };
  std::vector<std::int64_t> lines{line};
  while (csv.next(f)) {
    ++rows;
    if (!policies.empty() &&
        std::find(policies.begin(), policies.end(), std::string(f[cp])) == policies.end()) {
      continue;
    }
    if (blank(f[ct])) {
      lines.push_back(csv.line());
    }
  }
  std::string shown;
  for (std::size_t k = 0; k < lines.size() && k < 5; ++k) {
    shown += (k == 0 ? "" : ", ") + std::to_string(lines[k]);
  }
  if (lines.size() > 5) {
    shown += ", ...";
  }
  fail(ErrorKind::data, {csv.path(), line, "time", time},
       fmt::format("empty time: {} of the file's {} rows have no date (line{} {})", lines.size(),
                   rows, lines.size() == 1 ? "" : "s", shown),
       fmt::format("a unit that never adopted has no row in the events file: leave those rows "
                   "out (e.g. awk -F, 'NR==1 || ${} != \"\"' {} > adopted.csv); an adoption whose "
                   "date is unknown cannot be placed on the calendar either: find its date or "
                   "leave it out",
                   ct + 1, csv.path()));
}

}  // namespace

std::vector<std::int32_t> unit_first_periods(const Hierarchy& h, const Calendar& cal) {
  const auto a = h.attribute_index("exists_from");
  if (!a) {
    return {};
  }
  const auto col = h.attribute(*a);
  std::vector<std::int32_t> out(static_cast<std::size_t>(h.size()), 0);
  for (std::int32_t u = 0; u < h.size(); ++u) {
    if (!std::isnan(col[u])) {
      // A year, or a month YYYYMM, as the simulator reads it (docs/model.md 7.13).
      const auto p = existence_period(cal, col[u]);
      if (!p) {
        fail(ErrorKind::data,
             {h.source(), h.source_line(u), "exists_from", fmt::format("{}", col[u])},
             "exists_from must be a year (1000-3000) or a month YYYYMM",
             "give the year or month the unit was created, or leave the field empty");
      }
      out[u] = std::max(0, *p);
    }
  }
  return out;
}

void riskset_availability(const Model& model, const EventsFile& events,
                          const std::string& events_path, RiskSetOptions& ro) {
  const auto& sc = model.scenario();
  const auto& h = model.hierarchy();
  const auto& rs = model.restructuring();
  const auto n = static_cast<std::size_t>(h.size());
  ro.first_period.clear();
  ro.end_period.clear();
  ro.abolished_from.clear();
  ro.abolished_until.clear();
  if (rs.changes_units()) {
    ro.first_period.resize(n);
    ro.end_period.resize(n);
    for (std::int32_t u = 0; u < h.size(); ++u) {
      ro.first_period[static_cast<std::size_t>(u)] = rs.begin(u);
      ro.end_period[static_cast<std::size_t>(u)] = rs.end(u);
    }
  }
  if (rs.abolishes()) {
    ro.abolished_from.resize(n);
    ro.abolished_until.resize(n);
    for (std::int32_t u = 0; u < h.size(); ++u) {
      ro.abolished_from[static_cast<std::size_t>(u)] = rs.abolished_at(u);
      ro.abolished_until[static_cast<std::size_t>(u)] = rs.restored_at(u);
    }
  }
  const auto np = events.policy_ids.size();
  ro.policy_from.assign(np, 0);
  ro.policy_levels.assign(np, {});
  ro.policy_units.assign(np, {});
  std::vector<int> scenario_policy(np, -1);
  for (std::size_t k = 0; k < np; ++k) {
    const auto it = std::find_if(sc.policies.begin(), sc.policies.end(),
                                 [&](const Policy& p) { return p.id == events.policy_ids[k]; });
    if (it == sc.policies.end()) {
      continue;
    }
    const int m = static_cast<int>(it - sc.policies.begin());
    scenario_policy[k] = m;
    ro.policy_from[k] = model.policy_from(m);
    if (!it->levels.empty()) {
      ro.policy_levels[k].assign(static_cast<std::size_t>(h.n_levels()), 0);
      for (int l = 0; l < h.n_levels(); ++l) {
        ro.policy_levels[k][static_cast<std::size_t>(l)] = model.adoptable(m, l) ? 1 : 0;
      }
    }
    if (model.typed(m)) {
      ro.policy_units[k].assign(n, 0);
      for (std::int32_t u = 0; u < h.size(); ++u) {
        ro.policy_units[k][static_cast<std::size_t>(u)] = model.adoptable_unit(m, u) ? 1 : 0;
      }
    }
  }
  // Every observed adoption must lie in the risk set: an adoption outside it is bad data (or a
  // scenario that contradicts the data), never silently dropped.
  const auto& text_names = h.text_attribute_names();
  const auto type_col = std::find(text_names.begin(), text_names.end(), "type");
  const auto when = [&](std::int32_t t) {
    return t == kNever ? std::string("the end") : period_label(sc.calendar, t);
  };
  for (std::size_t i = 0; i < events.adoptions.size(); ++i) {
    const auto& a = events.adoptions[i];
    const auto k = static_cast<std::size_t>(a.policy);
    const int m = scenario_policy[k];
    const std::string key = m >= 0 ? "policy[" + std::to_string(m) + "]" : "";
    const bool in_run = a.period < sc.calendar.periods;
    // An adoption before the calendar's start must find its unit (and tier) there at the start.
    const std::int32_t at = std::max(a.period, 0);
    std::string why;
    std::string fix;
    if (a.period < ro.policy_from[k] && (a.period >= 0 || ro.policy_from[k] > 0)) {
      why = "before the policy exists (" + key + ".from = " + sc.policies[m].from + ")";
      fix = "correct the event's time, or move " + key + ".from in the scenario earlier";
    } else if (!ro.policy_levels[k].empty() &&
               ro.policy_levels[k][static_cast<std::size_t>(h.level(a.unit))] == 0) {
      why = "by a " + h.level_names()[static_cast<std::size_t>(h.level(a.unit))] +
            ", a level where the scenario says it cannot be adopted (" + key + ".levels)";
      fix = "correct the event's unit, or add the level to " + key + ".levels";
    } else if (!ro.policy_units[k].empty() &&
               ro.policy_units[k][static_cast<std::size_t>(a.unit)] == 0) {
      const auto c = static_cast<int>(type_col - text_names.begin());
      why = "by a unit of type '" + std::string(h.text_attribute(c, a.unit)) +
            "', which the scenario says cannot adopt it (" + key + ".types)";
      fix = "correct the event's unit, or add the type to " + key + ".types";
    } else if (in_run && !rs.exists(a.unit, at)) {
      why = "while the unit does not exist (it exists from " + when(rs.begin(a.unit)) + " until " +
            when(rs.end(a.unit)) +
            ": hierarchy columns exists_from / exists_until and the scenario's merge and "
            "split events)";
      fix =
          "date the event while the unit exists (an adoption after a merge or split belongs "
          "to the unit that took it over), or correct the unit's existence";
    } else if (in_run && rs.abolished_at(a.unit) <= at && at < rs.restored_at(a.unit)) {
      why = "while the unit's tier is abolished (from " + when(rs.abolished_at(a.unit)) +
            " until " + when(rs.restored_at(a.unit)) +
            ": the scenario's abolish and reestablish events), when it is not a government";
      fix = "correct the event, or the scenario's abolish / reestablish events";
    }
    if (!why.empty()) {
      const std::int64_t line = i < events.lines.size() ? events.lines[i] : 0;
      fail(ErrorKind::data, {events_path, line, "unit_id", std::string(h.id(a.unit))},
           "an observed adoption of policy '" + events.policy_ids[k] + "' " +
               (a.period < 0 ? "before " + period_label(sc.calendar, 0)
                             : "at " + period_label(sc.calendar, a.period)) +
               " " + why + ": it lies outside the risk set",
           fix);
    }
  }
}

std::string year_dates_note(const EventsFile& events, const Calendar& cal) {
  if (events.year_dates == 0) {
    return "";
  }
  return fmt::format(
      "{} of the {} events are dated by a year only, on a calendar of {} periods a year: each "
      "is placed in its year's first period (docs/model.md 2), so a hazard by period sees them "
      "all adopt then; date them by month (YYYY-MM), or set calendar.periods_per_year = 1",
      events.year_dates, events.adoptions.size(), cal.periods_per_year);
}

std::string outside_subtree_note(const EventsFile& events) {
  if (events.outside_subtree == 0) {
    return "";
  }
  return fmt::format(
      "{} events of units outside the scenario's subtree (hierarchy.root) were ignored",
      events.outside_subtree);
}

EventsFile read_events(const std::string& path, const Hierarchy& h, const Calendar& cal,
                       const EventsReadOptions& opt) {
  const auto first = unit_first_periods(h, cal);
  const auto start_day = calendar_first_day(cal);
  CsvReader csv(path);
  const char* header = "unit_id,policy_id,time";
  const auto cu = need_column(csv, "unit_id", header);
  const auto cp = need_column(csv, "policy_id", header);
  const auto ct = need_column(csv, "time", header);
  EventsFile ev;
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> seen;
  std::int64_t earliest_day = 0;
  std::int64_t rows = 0;
  UnitIdReader ids(h, path, cu);
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    ++rows;
    const std::string pid(f[cp]);
    if (!pid.empty() && std::find(ev.file_policy_ids.begin(), ev.file_policy_ids.end(), pid) ==
                            ev.file_policy_ids.end()) {
      ev.file_policy_ids.push_back(pid);
    }
    // The filter first: another policy's row is none of this reading's business, not even its
    // date (a policy adopted before the calendar's start must not stop the others).
    if (!opt.policies.empty() &&
        std::find(opt.policies.begin(), opt.policies.end(), pid) == opt.policies.end()) {
      continue;
    }
    bool outside = false;
    const auto u = ids.read(f[cu], csv.line(), "unit_id", &outside);
    if (outside) {
      ++ev.outside_subtree;
      continue;
    }
    if (pid.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "policy_id", ""}, "empty policy id",
           "give every event a policy id");
    }
    auto it = std::find(ev.policy_ids.begin(), ev.policy_ids.end(), pid);
    if (it == ev.policy_ids.end()) {
      ev.policy_ids.push_back(pid);
      it = ev.policy_ids.end() - 1;
    }
    const auto pol = static_cast<std::int32_t>(it - ev.policy_ids.begin());
    const std::string time(f[ct]);
    if (time.find_first_not_of(" \t") == std::string::npos) {
      refuse_empty_time(csv, f, cp, ct, opt.policies, time, rows);
    }
    std::int32_t period = 0;
    DateSpan span;
    std::string why;
    // (only a date that ends before the start: one that straddles it stays an error)
    if (opt.keep_before_start && !time.empty() && time.size() >= 4 && parse_date(time, span, why) &&
        span.last < start_day) {
      period = kBeforeStart;
      if (ev.before_start == 0 || span.first < earliest_day) {
        earliest_day = span.first;
        ev.earliest_before_start = time;
      }
      if (ev.before_start == 0) {
        ev.first_before_start = ev.adoptions.size();
        ev.first_before_start_time = time;
      }
      ++ev.before_start;
    } else {
      // to_period's message names the file, line, field and value, and the fix; in an events
      // file it is bad data (65), not a bad scenario.
      try {
        period = to_period(cal, time, "time", path, csv.line());
      } catch (const Error& e) {
        throw Error(ErrorKind::data, e.what());
      }
    }
    const auto key = std::make_pair(u, pol);
    if (auto s = seen.find(key); s != seen.end()) {
      fail(ErrorKind::data, {path, csv.line(), "unit_id", std::string(f[cu])},
           "duplicate event: this unit already adopts policy '" + pid + "' on line " +
               std::to_string(s->second),
           "keep the first adoption of each unit and policy");
    }
    seen.emplace(key, csv.line());
    // (a unit that exists from the start may have adopted before it)
    if (!first.empty() && period < first[u] && (period >= 0 || first[u] > 0)) {
      fail(ErrorKind::data, {path, csv.line(), "time", time},
           "event before the unit exists (exists_from = " +
               fmt::format("{}", h.attribute(*h.attribute_index("exists_from"))[u]) + ")",
           "correct the event time or the unit's exists_from");
    }
    if (period >= cal.periods) {
      ++ev.after_horizon;
    }
    if (period != kBeforeStart && cal.periods_per_year > 1 && time.size() == 4 &&
        std::all_of(time.begin(), time.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      ++ev.year_dates;
    }
    ev.adoptions.push_back({u, pol, period});
    ev.lines.push_back(csv.line());
  }
  if (ev.adoptions.empty() && ev.outside_subtree == 0 && (opt.policies.empty() || rows == 0)) {
    fail(ErrorKind::data, {path, csv.line(), "", ""}, "no events",
         "add rows unit_id,policy_id,time");
  }
  ids.finish();
  ev.padded_ids = ids.padded_rows();
  ev.padded_ids_note = ids.note();
  return ev;
}

std::vector<TimeVaryingCovariate> read_time_varying(const std::string& path, const Hierarchy& h,
                                                    const Calendar& cal,
                                                    std::string* padded_ids_note) {
  CsvReader csv(path);
  const char* header = "unit_id,time,variable,value";
  const auto cu = need_column(csv, "unit_id", header);
  const auto ct = need_column(csv, "time", header);
  const auto cv = need_column(csv, "variable", header);
  const auto cx = need_column(csv, "value", header);
  std::vector<TimeVaryingCovariate> out;
  std::map<std::tuple<std::string, std::int32_t, std::int32_t>, std::int64_t> seen;  // -> line
  struct BeforeStart {
    std::int64_t day = 0;  // the date's first day
    double value = 0;
    std::int64_t line = 0;
  };
  std::map<std::pair<std::string, std::int32_t>, BeforeStart> before_start;
  std::map<std::tuple<std::string, std::int32_t, std::int64_t>, std::int64_t> seen_before;
  UnitIdReader ids(h, path, cu);
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    bool outside = false;
    const auto u = ids.read(f[cu], csv.line(), "unit_id", &outside);
    if (outside) {
      continue;
    }
    const std::string name(f[cv]);
    if (name.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "variable", ""}, "empty variable name",
           "name every covariate");
    }
    // A value dated before the calendar's start (a lagged, pre-window predictor) holds from
    // the start until the unit's next value, as any value holds until the next: the latest
    // of each unit and variable is kept and placed at period 0 below, unless one is dated
    // there.
    const std::string time(f[ct]);
    DateSpan span;
    std::string why;
    if (parse_date(time, span, why) && span.first < calendar_first_day(cal)) {
      const auto v = parse_number(f[cx], path, csv.line(), "value");
      if (const auto [at, fresh] =
              seen_before.emplace(std::make_tuple(name, u, span.first), csv.line());
          !fresh) {
        fail(ErrorKind::data, {path, csv.line(), "variable", name},
             "two values for the same unit, time and variable (the first on line " +
                 std::to_string(at->second) + ")",
             "keep one value");
      }
      auto& kept = before_start[{name, u}];
      if (kept.line == 0 || span.first > kept.day) {
        kept = {span.first, v ? *v : std::nan(""), csv.line()};
      }
      continue;
    }
    std::int32_t t = 0;
    try {
      t = to_period(cal, time, "time", path, csv.line());
    } catch (const Error& e) {
      throw Error(ErrorKind::data, e.what());  // bad data, as in read_events
    }
    const auto v = parse_number(f[cx], path, csv.line(), "value");
    if (const auto [at, fresh] = seen.emplace(std::make_tuple(name, u, t), csv.line()); !fresh) {
      fail(ErrorKind::data, {path, csv.line(), "variable", name},
           "two values for the same unit, time and variable (the first on line " +
               std::to_string(at->second) + ")",
           "keep one value");
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({name, {}});
      it = out.end() - 1;
    }
    it->obs.push_back({u, t, v ? *v : std::nan("")});
  }
  for (const auto& [key, kept] : before_start) {
    const std::string& name = key.first;
    const std::int32_t u = key.second;
    if (seen.count({name, u, 0}) != 0) {
      continue;  // the start has its own value
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({name, {}});
      it = out.end() - 1;
    }
    it->obs.push_back({u, 0, kept.value});
  }
  ids.finish();
  if (padded_ids_note != nullptr) {
    *padded_ids_note = ids.note();
  }
  return out;
}

TableSchema riskset_schema(const RiskSet& rs) {
  auto schema = table_schema("riskset");
  for (const auto& c : rs.covariate_names) {
    schema.columns.push_back({c, ColumnType::real, "covariate"});
  }
  return schema;
}

void write_riskset(const RiskSet& rs, const Hierarchy& h, const Calendar& cal,
                   const std::vector<std::string>& policy_ids, TableWriter& w) {
  for (std::size_t r = 0; r < rs.rows(); ++r) {
    const auto u = rs.unit[r];
    const auto p = h.parent(u);
    w.text(h.id(u))
        .text(p >= 0 ? h.id(p) : std::string_view())
        .text(h.level_names()[h.level(u)])
        .text(policy_ids[rs.policy[r]])
        .integer(rs.period[r])
        .text(period_label(cal, rs.period[r]))
        .integer(rs.period[r])
        .integer(rs.period[r] + 1)
        .integer(rs.event[r])
        .integer(rs.duration[r])
        .real(std::log(static_cast<double>(rs.duration[r])))
        .real(rs.vertical[r])
        .real(rs.horizontal[r])
        .real(rs.bottom_up[r]);
    for (const auto& col : rs.covariates) {
      w.real(col[r]);
    }
    w.end_row();
  }
}

void write_netinf(const NetInfResult& r, const Cascades& c, TableWriter& w) {
  for (const auto& e : r.edges) {
    w.text(c.node_names[e.origin])
        .text(c.node_names[e.destination])
        .real(e.improvement)
        .real(e.p_value >= 0 ? e.p_value : std::nan(""))
        .integer(e.volume)
        .real(e.median_time_difference)
        .real(e.mean_time_difference)
        .end_row();
  }
}

std::vector<std::string> parse_surv(const std::string& response) {
  if (response.rfind("Surv(", 0) != 0 || response.back() != ')') {
    return {};
  }
  std::vector<std::string> out;
  std::string cur;
  for (char c : response.substr(5, response.size() - 6)) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out.size() == 3 ? out : std::vector<std::string>{};
}

namespace {

bool flagged(const std::vector<bool>& v, std::size_t j) {
  return j < v.size() && v[j];
}

}  // namespace

void write_cox(const CoxFit& fit, TableWriter& w) {
  const bool robust = fit.se_robust.size() > 0;
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    w.text(fit.names[j])
        .real(b)
        .real(std::exp(b))
        .real(se)
        .real(b / se)
        .real(normal_p_value(b / se))
        .real(b - 1.959963984540054 * se)
        .real(b + 1.959963984540054 * se)
        .text(robust ? "cluster" : "model")
        .real(fit.se[jj])
        .integer(flagged(fit.separated, j) ? 1 : 0)
        .real(std::exp(b - 1.959963984540054 * se))
        .real(std::exp(b + 1.959963984540054 * se))
        .end_row();
  }
}

namespace {

// The term column's width: 24, or the longest name's (factor(policy_id)dual_carbon), so that
// the numbers stay in their columns.
std::size_t term_width(const std::vector<std::string>& names) {
  std::size_t w = 24;
  for (const auto& n : names) {
    w = std::max(w, n.size());
  }
  return w;
}

}  // namespace

void print_cox(const CoxFit& fit, const std::string& title, std::ostream& o) {
  const bool robust = fit.se_robust.size() > 0;
  const auto tw = term_width(fit.names);
  o << title << "\n\n";
  // The interval of the estimate (the log hazard ratio), then of the hazard ratio, exp(coef).
  o << fmt::format("{:<{}} {:>12} {:>10} {:>12} {:>9} {:>10} {:>12} {:>12} {:>10} {:>10}{}\n",
                   "term", tw, "estimate", "exp(coef)", robust ? "robust se" : "std. error", "z",
                   "p", "coef 2.5%", "coef 97.5%", "HR 2.5%", "HR 97.5%",
                   robust ? fmt::format(" {:>12}", "model se") : "");
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    o << fmt::format(
        "{:<{}} {:>12.6g} {:>10.4g} {:>12.6g} {:>9.3f} {:>10.3g} {:>12.6g} {:>12.6g} {:>10.4g} "
        "{:>10.4g}{}{}\n",
        fit.names[j], tw, b, std::exp(b), se, b / se, normal_p_value(b / se),
        b - 1.959963984540054 * se, b + 1.959963984540054 * se,
        std::exp(b - 1.959963984540054 * se), std::exp(b + 1.959963984540054 * se),
        robust ? fmt::format(" {:>12.6g}", fit.se[jj]) : "",
        flagged(fit.separated, j) ? "  DIVERGES" : "");
  }
  o << fmt::format(
      "\nN = {}, events = {}{}, log partial likelihood = {:.6f} (null {:.6f}), "
      "likelihood ratio = {:.4f} on {} df, Newton iterations = {}{}\n",
      fit.n, fit.events, robust ? fmt::format(", clusters = {}", fit.n_clusters) : "",
      fit.log_likelihood, fit.log_likelihood_null,
      2 * (fit.log_likelihood - fit.log_likelihood_null), fit.names.size(), fit.iterations,
      fit.converged ? "" : " (NOT CONVERGED)");
  for (const auto& w : fit.warnings) {
    o << "warning: " << w << '\n';
  }
}

void write_glm_stats(const GlmFit& fit, const std::string& model, const std::string& kind,
                     std::int64_t dropped, TableWriter& w) {
  const auto s = glm_statistics(fit);
  w.text(model)
      .text(kind)
      .integer(fit.n)
      .integer(fit.events)
      .integer(fit.n_clusters)
      .integer(dropped)
      .integer(s.parameters)
      .real(fit.log_likelihood)
      .real(s.aic)
      .real(s.bic)
      .real(fit.deviance)
      .real(fit.null_deviance)
      .real(s.lr_statistic)
      .integer(s.lr_df)
      .real(s.lr_p_value)
      .integer(fit.iterations)
      .integer(fit.converged ? 1 : 0)
      .end_row();
}

void write_cox_stats(const CoxFit& fit, const std::string& model, const std::string& kind,
                     std::int64_t dropped, TableWriter& w) {
  const auto s = cox_statistics(fit);
  w.text(model)
      .text(kind)
      .integer(fit.n)
      .integer(fit.events)
      .integer(fit.n_clusters)
      .integer(fit.n_strata)
      .integer(dropped)
      .integer(s.parameters)
      .real(fit.log_likelihood)
      .real(fit.log_likelihood_null)
      .real(s.aic)
      .real(s.bic)
      .real(s.lr_statistic)
      .integer(s.lr_df)
      .real(s.lr_p_value)
      .integer(fit.iterations)
      .integer(fit.converged ? 1 : 0)
      .end_row();
}

void write_glm(const GlmFit& fit, TableWriter& w) {
  const bool robust = fit.se_robust.size() > 0;
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    const double z = b / se;
    w.text(fit.names[j])
        .real(b)
        .real(se)
        .real(z)
        .real(std::isnan(z) ? z : normal_p_value(z))
        .real(b - 1.959963984540054 * se)
        .real(b + 1.959963984540054 * se)
        .text(robust ? "cluster" : "model")
        .real(fit.se[jj])
        .integer(flagged(fit.separated, j) ? 1 : 0)
        .end_row();
  }
}

void print_glm(const GlmFit& fit, const std::string& title, std::ostream& o) {
  const bool robust = fit.se_robust.size() > 0;
  const auto tw = term_width(fit.names);
  o << title << "\n\n";
  o << fmt::format("{:<{}} {:>12} {:>12} {:>9} {:>10} {:>12} {:>12}{}\n", "term", tw, "estimate",
                   robust ? "robust se" : "std. error", "z", "p", "2.5%", "97.5%",
                   robust ? fmt::format(" {:>12}", "model se") : "");
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    if (std::isnan(b)) {
      o << fmt::format("{:<{}} {:>12}\n", fit.names[j], tw, "NA (aliased)");
      continue;
    }
    const double z = b / se;
    o << fmt::format("{:<{}} {:>12.6g} {:>12.6g} {:>9.3f} {:>10.3g} {:>12.6g} {:>12.6g}{}{}\n",
                     fit.names[j], tw, b, se, z, normal_p_value(z), b - 1.959963984540054 * se,
                     b + 1.959963984540054 * se,
                     robust ? fmt::format(" {:>12.6g}", fit.se[jj]) : "",
                     flagged(fit.separated, j) ? "  DIVERGES" : "");
  }
  o << fmt::format(
      "\nN = {}, events = {}{}, log-likelihood = {:.6f}, AIC = {:.4f}, deviance = {:.4f} "
      "(null {:.4f}), IRLS iterations = {}{}\n",
      fit.n, fit.events, robust ? fmt::format(", clusters = {}", fit.n_clusters) : "",
      fit.log_likelihood, fit.aic, fit.deviance, fit.null_deviance, fit.iterations,
      fit.converged ? "" : " (NOT CONVERGED)");
  for (const auto& w : fit.warnings) {
    o << "warning: " << w << '\n';
  }
}

}  // namespace pdlab::io
