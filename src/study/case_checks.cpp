// Held-out facts of the cases: see include/pdlab/study/case_checks.hpp and docs/cases.md.
#include "pdlab/study/case_checks.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/sim/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

namespace pdlab::study {

namespace {

constexpr std::array<const char*, 5> kStatistics = {"fund_spending", "schools", "adopters_before",
                                                    "share_adopted", "migrants"};

// Statistics read from the residents' model rather than from adoptions: no policy or level.
bool of_residents(FactStatistic s) {
  return s == FactStatistic::schools || s == FactStatistic::migrants;
}

[[noreturn]] void bad(const HeldOutFact& f, const std::string& field, const std::string& value,
                      const std::string& what, const std::string& fix) {
  fail(ErrorKind::data, {f.path, f.line, field, value}, what, fix);
}

// Resolved against one case's model: periods, level, policy, region units.
struct Resolved {
  int policy = -1;
  int level = -1;
  std::int32_t from = 0, date = 0;
  std::vector<std::int32_t> region;                       // units; empty: the whole hierarchy
  std::vector<std::pair<std::int32_t, double>> schedule;  // (first period, yuan a year)
};

std::int32_t period_of(const HeldOutFact& f, const Calendar& cal, const std::string& field,
                       const std::string& date) {
  const auto p = to_period(cal, date, field, f.path, f.line);
  if (p >= cal.periods) {
    bad(f, field, date, "after the case's horizon",
        fmt::format("give a date up to {}", period_label(cal, cal.periods - 1)));
  }
  return p;
}

Resolved resolve(const HeldOutFact& f, const Scenario& sc, const Hierarchy& h) {
  Resolved r;
  const auto& cal = sc.calendar;
  const bool needs_policy = !of_residents(f.statistic);
  if (needs_policy) {
    for (std::size_t k = 0; k < sc.policies.size(); ++k) {
      if (sc.policies[k].id == f.policy_id || (f.policy_id.empty() && sc.policies.size() == 1)) {
        r.policy = static_cast<int>(k);
      }
    }
    if (r.policy < 0) {
      bad(f, "policy_id", f.policy_id, "no such policy in the case",
          "give the id of one of the case's [[policy]] tables");
    }
  }
  if (!of_residents(f.statistic)) {
    const auto l = h.level_index(f.level);
    if (!l) {
      bad(f, "level", f.level, "no such level in the case's hierarchy",
          "use a level name of the hierarchy, e.g. township");
    }
    r.level = *l;
  }
  if (!f.region.empty()) {
    std::stringstream ss(f.region);
    for (std::string id; std::getline(ss, id, '+');) {
      const auto u = h.find(id);
      if (u < 0) {
        bad(f, "region", id, "not a unit of the case's hierarchy",
            "use unit ids joined by '+', e.g. 320585");
      }
      r.region.push_back(u);
    }
  }
  if (f.statistic != FactStatistic::adopters_before) {
    r.date = period_of(f, cal, "date", f.date);
  }
  if (!f.from.empty()) {
    r.from = period_of(f, cal, "from", f.from);
    if (r.from > r.date) {
      bad(f, "from", f.from, "after the fact's date", "give from <= date");
    }
  }
  if (f.statistic == FactStatistic::fund_spending) {
    std::stringstream ss(f.param);
    for (std::string step; std::getline(ss, step, ';');) {
      const auto colon = step.find(':');
      const auto yuan = colon == std::string::npos
                            ? std::nullopt
                            : io::parse_number(step.substr(colon + 1), f.path, f.line, "param");
      if (!yuan || *yuan < 0) {
        bad(f, "param", f.param, "not a schedule of yearly amounts",
            "write YYYY-MM:yuan steps joined by ';', e.g. 2009-01:200000;2013-01:400000");
      }
      const auto p = to_period_from_start(cal, step.substr(0, colon), "param", f.path, f.line);
      if (!r.schedule.empty() && p <= r.schedule.back().first) {
        bad(f, "param", f.param, "the schedule's dates are not increasing",
            "list the steps in date order");
      }
      r.schedule.emplace_back(p, *yuan);
    }
    if (r.schedule.empty()) {
      bad(f, "param", f.param, "no yearly amount given",
          "write YYYY-MM:yuan steps joined by ';', e.g. 2009-01:200000");
    }
  }
  if (f.statistic == FactStatistic::adopters_before && r.region.empty()) {
    bad(f, "region", "", "the order of first adopters needs a region",
        "give the unit(s) whose adopters should come first, e.g. 320585");
  }
  return r;
}

bool in_region(const Hierarchy& h, const std::vector<std::int32_t>& region, std::int32_t u) {
  if (region.empty()) {
    return true;
  }
  return std::any_of(region.begin(), region.end(), [&](std::int32_t a) {
    return h.level(a) <= h.level(u) && h.ancestor_at(u, h.level(a)) == a;
  });
}

// Yuan a year in force in period t.
double amount(const Resolved& r, std::int32_t t) {
  double a = 0;
  for (const auto& [p, yuan] : r.schedule) {
    if (p <= t) {
      a = yuan;
    }
  }
  return a;
}

double replicate_value(const HeldOutFact& f, const Resolved& r, const Model& m,
                       const ReplicateResult& rr) {
  const auto& h = m.hierarchy();
  // Units (and their residents) count only while they exist (docs/model.md 7.13): a region's
  // units at a date are those existing then, not every unit that ever existed.
  const auto& rs = m.restructuring();
  switch (f.statistic) {
    case FactStatistic::fund_spending: {
      const double ppy = m.scenario().calendar.periods_per_year;
      double yuan = 0;
      for (const auto& a : rr.adoptions) {
        if (a.policy != r.policy || h.level(a.unit) != r.level || !in_region(h, r.region, a.unit)) {
          continue;
        }
        const std::int32_t end = std::min({r.date + 1, a.rev_period, rs.end(a.unit)});
        for (std::int32_t t = std::max({a.period, r.from, rs.begin(a.unit)}); t < end; ++t) {
          yuan += amount(r, t) / ppy;
        }
      }
      return yuan;
    }
    case FactStatistic::schools: {
      const auto* g = m.governance();
      const int lg = g->local_level();
      const int nl = h.n_levels();
      const auto& v = rr.governance.values;
      const double per_100k =
          v[(static_cast<std::size_t>(GovMetric::schools) * nl + lg) * m.periods() + r.date];
      double residents = 0;
      const int lc = g->community_level();
      for (std::int32_t c = h.level_begin(lc); c < h.level_begin(lc + 1); ++c) {
        if (rs.exists(c, r.date) && in_region(h, r.region, c)) {
          residents += g->population(c);
        }
      }
      return per_100k * residents / 1e5;
    }
    case FactStatistic::migrants: {
      // Residents without local hukou as the residents' model holds them: each community's
      // residents times its migrant share (docs/model.md 7.9.2).
      const auto* g = m.governance();
      const int lc = g->community_level();
      double migrants = 0;
      for (std::int32_t c = h.level_begin(lc); c < h.level_begin(lc + 1); ++c) {
        if (rs.exists(c, r.date) && in_region(h, r.region, c)) {
          migrants += static_cast<double>(g->population(c)) * g->migrant_share(c);
        }
      }
      return migrants;
    }
    case FactStatistic::adopters_before: {
      std::int32_t first_in = kNever;
      for (const auto& a : rr.adoptions) {
        if (a.policy == r.policy && a.round == 0 && h.level(a.unit) == r.level &&
            in_region(h, r.region, a.unit)) {
          first_in = std::min(first_in, a.period);
        }
      }
      double before = 0;
      for (const auto& a : rr.adoptions) {
        if (a.policy == r.policy && a.round == 0 && h.level(a.unit) == r.level &&
            a.period < first_in && !in_region(h, r.region, a.unit)) {
          before += 1;
        }
      }
      return before;
    }
    case FactStatistic::share_adopted: {
      double n = 0, adopted = 0;
      for (std::int32_t u = h.level_begin(r.level); u < h.level_begin(r.level + 1); ++u) {
        n += rs.exists(u, r.date) && in_region(h, r.region, u) ? 1 : 0;
      }
      for (const auto& a : rr.adoptions) {
        if (a.policy == r.policy && a.round == 0 && h.level(a.unit) == r.level &&
            a.period <= r.date && rs.exists(a.unit, r.date) && in_region(h, r.region, a.unit)) {
          adopted += 1;
        }
      }
      return n > 0 ? adopted / n : std::nan("");
    }
  }
  return std::nan("");
}

std::string cell(double x) {
  return std::isnan(x) ? std::string() : fmt::format("{:.6g}", x);
}

}  // namespace

const char* to_string(FactStatus s) {
  switch (s) {
    case FactStatus::held_out: return "held_out";
    case FactStatus::tuned_after_miss: return "tuned_after_miss";
    case FactStatus::data_check: return "data_check";
  }
  return "held_out";
}

std::vector<HeldOutFact> read_held_out(const std::string& path) {
  io::CsvReader r(path);
  const auto status_col = r.column("status");
  const std::array<const char*, 13> names = {
      "case", "fact",  "statistic", "policy_id", "level",  "region", "from",
      "date", "param", "observed",  "tolerance", "expect", "source"};
  std::array<std::size_t, 13> col{};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto c = r.column(names[i]);
    if (!c) {
      fail(ErrorKind::data, {path, 1, names[i], ""}, "missing column",
           "give the columns case,fact,statistic,policy_id,level,region,from,date,param,"
           "observed,tolerance,expect,source");
    }
    col[i] = *c;
  }
  std::vector<HeldOutFact> out;
  std::vector<std::string_view> f;
  while (r.next(f)) {
    HeldOutFact h;
    h.path = path;
    h.line = r.line();
    const auto s = [&](std::size_t i) { return std::string(f[col[i]]); };
    h.case_name = s(0);
    h.fact = s(1);
    const auto stat = s(2);
    const auto it = std::find(kStatistics.begin(), kStatistics.end(), stat);
    if (it == kStatistics.end()) {
      fail(ErrorKind::data, {path, h.line, "statistic", stat}, "unknown statistic",
           "use fund_spending, schools, adopters_before, share_adopted or migrants");
    }
    h.statistic = static_cast<FactStatistic>(it - kStatistics.begin());
    h.policy_id = s(3);
    h.level = s(4);
    h.region = s(5);
    h.from = s(6);
    h.date = s(7);
    h.param = s(8);
    const auto observed = io::parse_number(f[col[9]], path, h.line, "observed");
    const auto tolerance = io::parse_number(f[col[10]], path, h.line, "tolerance");
    if (!observed) {
      fail(ErrorKind::data, {path, h.line, "observed", s(9)}, "missing",
           "give the fact's value from its source");
    }
    if (!tolerance || *tolerance < 0) {
      fail(ErrorKind::data, {path, h.line, "tolerance", s(10)}, "must be a number >= 0",
           "give the tolerance in the fact's unit, e.g. 1.5e9");
    }
    h.observed = *observed;
    h.tolerance = *tolerance;
    const auto expect = s(11);
    if (expect != "pass" && expect != "miss") {
      fail(ErrorKind::data, {path, h.line, "expect", expect}, "must be pass or miss",
           "write pass, or miss for a fact the model is known to miss (said in docs/cases.md)");
    }
    h.expect_pass = expect == "pass";
    h.source = s(12);
    if (status_col && !f[*status_col].empty()) {
      const std::string st(f[*status_col]);
      const std::array<FactStatus, 3> all = {FactStatus::held_out, FactStatus::tuned_after_miss,
                                             FactStatus::data_check};
      const auto known =
          std::find_if(all.begin(), all.end(), [&](FactStatus x) { return st == to_string(x); });
      if (known == all.end()) {
        fail(ErrorKind::data, {path, h.line, "status", st}, "unknown status",
             "write held_out (no input uses the fact), tuned_after_miss (an input was set "
             "after it missed) or data_check (it checks the inputs' data), or leave it empty "
             "for held_out");
      }
      h.status = *known;
    }
    if (h.case_name.empty() || h.fact.empty() ||
        (h.date.empty() && h.statistic != FactStatistic::adopters_before)) {
      fail(ErrorKind::data, {path, h.line, h.case_name.empty() ? "case" : "date", ""}, "missing",
           "give the case's name, the fact and its date");
    }
    out.push_back(std::move(h));
  }
  return out;
}

void check_held_out(const std::vector<HeldOutFact>& facts, const std::string& case_name,
                    const Scenario& scenario, const Hierarchy& hierarchy) {
  for (const auto& f : facts) {
    if (f.case_name != case_name) {
      continue;
    }
    (void)resolve(f, scenario, hierarchy);
    if (f.statistic == FactStatistic::schools &&
        (!scenario.governance.services.enabled || hierarchy.n_levels() < 2)) {
      bad(f, "statistic", "schools", "the case has no four o'clock schools ([services] is off)",
          "enable [services] in the case, or check another fact");
    }
    if (f.statistic == FactStatistic::migrants &&
        (!scenario.governance.coproduction.enabled || hierarchy.n_levels() < 2)) {
      bad(f, "statistic", "migrants", "the case has no residents' model ([coproduction] is off)",
          "enable [coproduction] in the case, or check another fact");
    }
  }
}

std::vector<HeldOutResult> evaluate_held_out(const std::vector<HeldOutFact>& facts,
                                             const Model& model,
                                             const std::vector<ReplicateResult>& results) {
  std::vector<HeldOutResult> out;
  for (const auto& f : facts) {
    if (f.case_name != model.scenario().name) {
      continue;
    }
    const auto r = resolve(f, model.scenario(), model.hierarchy());
    std::vector<double> values;
    for (const auto& rr : results) {
      if (of_residents(f.statistic) &&
          (model.governance() == nullptr || rr.governance.values.empty())) {
        continue;
      }
      values.push_back(replicate_value(f, r, model, rr));
    }
    HeldOutResult res;
    res.fact = f;
    res.replicates = static_cast<int>(values.size());
    double sum = 0;
    double within = 0;
    for (double v : values) {
      sum += v;
      within += std::abs(v - f.observed) <= f.tolerance ? 1.0 : 0.0;
    }
    // A mean within tolerance can hide replicates that are not (a fact that holds on average).
    res.within = values.empty() ? std::nan("") : within / static_cast<double>(values.size());
    res.mean = values.empty() ? std::nan("") : sum / static_cast<double>(values.size());
    std::sort(values.begin(), values.end());
    res.q05 = quantile_type7(values, 0.05);
    res.q95 = quantile_type7(values, 0.95);
    res.pass = !std::isnan(res.mean) && std::abs(res.mean - f.observed) <= f.tolerance;
    out.push_back(std::move(res));
  }
  return out;
}

const std::vector<std::string>& held_out_columns() {
  static const std::vector<std::string> columns{
      "case", "fact", "statistic", "date", "observed", "tolerance", "replicates", "mean",
      "q05",  "q95",  "within",    "pass", "expected", "status",    "source"};
  return columns;
}

std::vector<std::string> held_out_cells(const HeldOutResult& r) {
  const auto& f = r.fact;
  return {f.case_name,
          f.fact,
          kStatistics[static_cast<std::size_t>(f.statistic)],
          f.from.empty() ? f.date : f.from + ".." + f.date,
          cell(f.observed),
          cell(f.tolerance),
          std::to_string(r.replicates),
          cell(r.mean),
          cell(r.q05),
          cell(r.q95),
          cell(r.within),
          r.pass ? "pass" : "miss",
          f.expect_pass ? "pass" : "miss",
          to_string(f.status),
          f.source};
}

}  // namespace pdlab::study
