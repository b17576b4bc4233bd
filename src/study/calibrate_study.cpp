#include "pdlab/study/calibrate_study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/governance/rates.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/event_settings.hpp"
#include "pdlab/study/study.hpp"
#include "study/target_rows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <tuple>

namespace pdlab::study {

namespace {

// The governance metric named `name`, or a data error with the closest names.
int metric_index(const std::string& name, const std::string& path, std::int64_t line) {
  std::string best;
  std::size_t best_d = 1000;
  for (const auto& m : gov_metrics()) {
    if (m.name == name) {
      return static_cast<int>(m.metric);
    }
    const auto d = edit_distance(name, std::string(m.name));
    if (d < best_d) {
      best_d = d;
      best = m.name;
    }
  }
  fail(ErrorKind::data, {path, line, "metric", name}, "no such governance metric",
       "leave metric empty for an adoption share, or use a metric of docs/metrics.md (did you "
       "mean " +
           best + "?)");
}

}  // namespace

bool calibration_adoption_only(const Scenario& sc, const std::vector<Target>& targets) {
  // With feedback the governance layer shapes adoption, so it stays on.
  return !sc.governance.feedback.any() &&
         std::none_of(targets.begin(), targets.end(),
                      [](const Target& t) { return t.metric >= 0; });
}

Scenario calibration_scenario(const Scenario& sc0, const std::vector<FreeParameter>& free,
                              const std::vector<double>& x, std::uint64_t seed,
                              bool adoption_only) {
  Scenario sc = sc0;
  for (std::size_t i = 0; i < free.size(); ++i) {
    for (const auto& k : free[i].keys) {
      set_numeric_parameter(sc, k, x[i]);
    }
  }
  sc.seed = seed;
  if (adoption_only) {
    sc.governance.assessment.enabled = false;
    sc.governance.coproduction.enabled = false;
    sc.governance.services.enabled = false;
    sc.governance.stability.enabled = false;
  }
  return sc;
}

std::vector<Target> read_targets(const std::string& path, const Model& m) {
  const auto& h = m.hierarchy();
  const auto& sc = m.scenario();
  std::vector<Target> out;
  const auto rows = read_target_rows(path);
  // The objective adds weight x (simulated - target)^2 over the targets: each term must stay
  // a finite double even where the simulated value is as large as the target, of either sign.
  const double n_rows = static_cast<double>(rows.size());
  // The line of each (level, period, metric, region, policy) target: one given twice would
  // count twice, or pull towards two values at once.
  std::map<std::tuple<int, std::int32_t, int, std::string, std::int32_t>, std::int64_t> seen;
  for (const auto& row : rows) {
    const auto line = row.line;
    const double limit =
        std::sqrt(std::numeric_limits<double>::max() / (4.0 * n_rows * std::max(row.weight, 1.0)));
    if (std::abs(row.value) > limit) {
      fail(ErrorKind::data, {path, line, row.value_name, row.value_text},
           fmt::format("the target's squared error cannot be represented as a double: with "
                       "weight {} and {} target(s) the value must lie within +/-{:.3g}",
                       row.weight, rows.size(), limit),
           "check the value for a typo (a share lies in [0, 1]; a metric of docs/metrics.md is "
           "never this large)");
    }
    Target t;
    const auto l = h.level_index(row.level);
    if (!l) {
      const auto near = closest_level(row.level, h.level_names());
      fail(ErrorKind::data, {path, line, "level", row.level},
           fmt::format("no such level in the hierarchy (levels: {})",
                       fmt::join(h.level_names(), ", ")),
           near.empty() ? "use a level name of the scenario's hierarchy"
                        : "did you mean '" + near + "'?");
    }
    t.level = *l;
    {
      // Within the calendar: a date after the last period would count every adoption of the
      // run (or read no metric), one before the first would be refused as a scenario error.
      const auto& cal = sc.calendar;
      const auto last = cal.periods - 1;
      const auto span = [&](std::int64_t day) {
        check_target_in_calendar(path, line, row.date, day, period_first_day(cal, 0),
                                 period_last_day(cal, last), period_label(cal, 0),
                                 period_label(cal, last), "the scenario's",
                                 "lengthen the calendar (calendar.periods, calendar.start)");
      };
      DateSpan ds;
      std::string why;
      const bool period_number = !row.date.empty() && row.date.size() < 4 &&
                                 std::all_of(row.date.begin(), row.date.end(),
                                             [](char ch) { return ch >= '0' && ch <= '9'; });
      if (period_number) {
        const auto p = std::stoll(row.date);
        if (p >= cal.periods) {
          span(period_last_day(cal, last) + 1);
        }
      } else if (parse_date(row.date, ds, why)) {
        span(ds.first);
      }
    }
    try {
      t.period = to_period(sc.calendar, row.date, "date", path, line);
    } catch (const Error& e) {
      // The date parser names the file, line and fix; a target file's value is data, not the
      // scenario's configuration.
      throw Error(ErrorKind::data, e.what());
    }
    if (!row.metric.empty()) {
      t.metric = metric_index(row.metric, path, line);
      const auto* g = m.governance();
      if (g == nullptr || !g->metric_at(static_cast<GovMetric>(t.metric), t.level)) {
        // Name the levels where it is computed: the fix is usually another level's name.
        std::string levels;
        for (int l = 0; g != nullptr && l < h.n_levels(); ++l) {
          if (g->metric_at(static_cast<GovMetric>(t.metric), l)) {
            levels +=
                (levels.empty() ? "'" : ", '") + h.level_names()[static_cast<std::size_t>(l)] + "'";
          }
        }
        fail(ErrorKind::data, {path, line, "metric", row.metric},
             fmt::format("the scenario does not compute {} at level {}{}", row.metric, row.level,
                         levels.empty() ? std::string(" (nor at any level)")
                                        : " (it does at " + levels + ")"),
             levels.empty() ? std::string("switch the metric's governance module on in the "
                                          "scenario (docs/metrics.md)")
             : levels.find(',') == std::string::npos ? "use that level"
                                                     : "use one of those levels");
      }
    }
    t.share = row.value;
    t.weight = row.weight;
    const std::string region = row.region.empty() ? "(all)" : row.region;
    if (!row.region.empty()) {
      std::stringstream ss(row.region);
      for (std::string id; std::getline(ss, id, '+');) {
        const auto u = h.find(id);
        if (u < 0 || h.level(u) >= t.level) {
          fail(ErrorKind::data, {path, line, "region", id},
               "not a unit of the hierarchy above the target level",
               "use ids of units above the level, joined by '+', e.g. 3201+3202");
        }
        t.regions.push_back(u);
      }
    } else {
      t.regions.push_back(0);
    }
    if (!row.policy.empty()) {
      const auto it = std::find_if(sc.policies.begin(), sc.policies.end(),
                                   [&](const Policy& p) { return p.id == row.policy; });
      if (it == sc.policies.end()) {
        fail(ErrorKind::data, {path, line, "policy_id", row.policy}, "no such policy",
             "use the id of a [[policy]]");
      }
      t.policy = static_cast<std::int32_t>(it - sc.policies.begin());
    }
    t.label = row.metric.empty() ? region + " " + row.level + " by " + row.date
                                 : row.metric + " " + row.level + " in " + row.date;
    const auto [first, fresh] =
        seen.emplace(std::make_tuple(t.level, t.period, t.metric, row.region, t.policy), line);
    if (!fresh) {
      fail(ErrorKind::data, {path, line, row.value_name, row.value_text},
           fmt::format("the target {} is given twice (first on line {})", t.label, first->second),
           "give each target once (a weight column sets how much it counts)");
    }
    out.push_back(t);
  }
  if (std::all_of(out.begin(), out.end(), [](const Target& t) { return t.weight == 0; })) {
    fail(ErrorKind::data, {path, 0, "weight", "0"},
         "all target weights are 0: every point would fit equally well",
         "give at least one target a positive weight (leave weight empty for 1)");
  }
  return out;
}

namespace {

double to_bounds(const FreeParameter& p, double z) {
  return p.lo + (p.hi - p.lo) / (1.0 + std::exp(-z));
}
double from_bounds(const FreeParameter& p, double x) {
  const double u = std::clamp((x - p.lo) / (p.hi - p.lo), 1e-6, 1 - 1e-6);
  return std::log(u / (1 - u));
}

}  // namespace

CalibrateResult calibrate_scenario(
    const CalibrateSpec& spec, const std::function<void(const CalibrateResult&)>& on_start,
    const std::function<void(const CalibrateProgress&)>& on_evaluation,
    const EnsembleRunner& runner, const CalibrationJournal& journal) {
  const auto base = prepare_study(spec.scenario, spec.overrides);
  const auto& sc0 = base.model->scenario();
  CalibrateResult out;
  out.free = sc0.calibrate.free;
  const auto& free = out.free;
  if (free.empty()) {
    fail(ErrorKind::config, {spec.scenario, 0, "calibrate.free", ""}, "no free parameters",
         "declare [[calibrate.free]] tables {name, keys, lo, hi, start} in the scenario");
  }
  // A free key that each replicate draws from [uncertainty] would not move the simulation; a
  // governance step rate's range must end where its per-period update is still stable (the
  // search would otherwise stop at the first unstable point, naming a value nobody wrote).
  const auto rates = gov::step_rate_keys();
  const int ppy = sc0.calendar.periods_per_year;
  for (std::size_t i = 0; i < free.size(); ++i) {
    const std::string at = "calibrate.free[" + std::to_string(i) + "]";
    for (const auto& key : free[i].keys) {
      refuse_drawn_key(sc0, key, ErrorKind::config, {spec.scenario, 0, at + ".keys", key});
      if (std::find(rates.begin(), rates.end(), key) != rates.end() && free[i].hi > ppy) {
        fail(ErrorKind::config, {spec.scenario, 0, at + ".hi", fmt::format("{}", free[i].hi)},
             "the range of '" + key + "' ends above " + std::to_string(ppy) +
                 ", where its per-period update becomes unstable (rate x dt must be at most 1 "
                 "with " +
                 std::to_string(ppy) + " periods a year; docs/model.md 7.9)",
             "set hi to at most " + std::to_string(ppy));
      }
    }
  }
  out.targets = read_targets(spec.targets_path, *base.model);
  const auto& targets = out.targets;
  if (spec.on_inputs_read) {
    spec.on_inputs_read(sc0);
  }
  // Typed overrides on a copy of the scenario read once: no --set strings, no TOML re-read
  // per evaluation.
  const bool adoption_only = calibration_adoption_only(sc0, targets);
  const auto run_simulation = [&](const std::vector<double>& x, std::uint64_t seed, int n) {
    const Scenario sc = calibration_scenario(sc0, free, x, seed, adoption_only);
    const Model m(sc, *base.inputs.hierarchy, *base.inputs.network);
    const PointEval eval = [&](std::int32_t, const std::vector<std::int32_t>& reps,
                               const UnitSink& sink) {
      run_ensemble_streaming(m, reps, sc.threads, [&](ReplicateResult&& r) {
        sink(r.replicate, target_shares(m, r, targets));
      });
    };
    if (runner) {
      return runner(n, static_cast<std::int32_t>(targets.size()), eval);
    }
    std::vector<std::vector<double>> shares(static_cast<std::size_t>(n));
    std::vector<std::int32_t> reps(static_cast<std::size_t>(n));
    std::iota(reps.begin(), reps.end(), 0);
    eval(0, reps, [&](std::int32_t r, std::vector<double>&& v) {
      shares[static_cast<std::size_t>(r)] = std::move(v);
    });
    return shares;
  };
  // Through the journal: simulation i's key is its parameters, seed and replicate count (the
  // seed's bits as a double), its values the replicates' target values, row by row.
  if (journal.open) {
    std::string fp = "calibrate\n" + without_threads(base.loaded.resolved_toml) + "\ntargets:\n";
    for (const auto& t : targets) {
      fp += fmt::format("{} {:.17g} {:.17g}\n", t.label, t.share, t.weight);
    }
    journal.open(fp);
  }
  std::int64_t simulations = 0;
  const auto simulate = [&](const std::vector<double>& x, std::uint64_t seed, int n) {
    const auto i = simulations++;
    auto key = x;
    key.push_back(std::bit_cast<double>(seed));
    key.push_back(n);
    std::vector<double> flat;
    if (journal.replay && journal.replay(i, key, flat) &&
        flat.size() == static_cast<std::size_t>(n) * targets.size()) {
      std::vector<std::vector<double>> shares(static_cast<std::size_t>(n));
      for (std::size_t r = 0; r < shares.size(); ++r) {
        const auto at = flat.begin() + static_cast<std::ptrdiff_t>(r * targets.size());
        shares[r].assign(at, at + static_cast<std::ptrdiff_t>(targets.size()));
      }
      return shares;
    }
    auto shares = run_simulation(x, seed, n);
    if (journal.record) {
      flat.clear();
      for (const auto& r : shares) {
        flat.insert(flat.end(), r.begin(), r.end());
      }
      journal.record(i, key, flat);
    }
    return shares;
  };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Each target's mean over the replicates and its term of the objective. A governance metric
  // undefined in a replicate (NaN) is left out of the mean; undefined in all, or infinite, or
  // with a squared error past the largest double, its term is infinite.
  struct Term {
    double mean = 0;
    double term = 0;
  };
  const auto terms = [&](const std::vector<std::vector<double>>& shares) {
    std::vector<Term> out_terms(targets.size());
    for (std::size_t j = 0; j < targets.size(); ++j) {
      double mean = 0;
      int count = 0;
      for (const auto& s : shares) {
        if (!std::isnan(s[j])) {
          mean += s[j];
          ++count;
        }
      }
      mean = count > 0 ? mean / static_cast<double>(count) : std::nan("");
      const double e = mean - targets[j].share;
      const double term = targets[j].weight * e * e;
      out_terms[j] = {mean, std::isfinite(term) ? term : kInf};
    }
    return out_terms;
  };
  // Infinitely bad where any term is (never NaN: the search compares values).
  const auto total = [&](const std::vector<Term>& ts) {
    double f = 0;
    for (const auto& t : ts) {
      f += t.term;
    }
    return std::isfinite(f) ? f : kInf;
  };
  const auto objective = [&](const std::vector<std::vector<double>>& shares) {
    return total(terms(shares));
  };
  const auto& cal = sc0.calibrate;
  out.validation_seed = sc0.seed + 1000003;
  out.validation_replicates = cal.validation_replicates;
  out.replicates_per_evaluation = cal.replicates;
  out.planned_starts = cal.starts;
  double best_validation = kInf;
  std::vector<Term> validation_terms;
  for (int s = 0; s < cal.starts; ++s) {
    CalibrationStart st;
    st.seed = sc0.seed + static_cast<std::uint64_t>(s);
    std::vector<double> z0;
    std::vector<double> step;
    for (const auto& p : free) {
      z0.push_back(from_bounds(p, p.start));
      step.push_back(1.0);
    }
    CalibrateProgress progress{s, cal.starts, 0, cal.max_evaluations,
                               std::numeric_limits<double>::infinity()};
    const auto f = [&](const std::vector<double>& z) {
      std::vector<double> x;
      for (std::size_t i = 0; i < free.size(); ++i) {
        x.push_back(to_bounds(free[i], z[i]));
      }
      const double value = objective(simulate(x, st.seed, cal.replicates));
      if (on_evaluation) {
        ++progress.evaluations;
        progress.best = std::min(progress.best, value);
        on_evaluation(progress);
      }
      return value;
    };
    st.search = nelder_mead(f, z0, step, 1e-7, cal.max_evaluations);
    for (std::size_t i = 0; i < free.size(); ++i) {
      st.x.push_back(to_bounds(free[i], st.search.x[i]));
    }
    validation_terms = terms(simulate(st.x, out.validation_seed, cal.validation_replicates));
    st.validation_objective = total(validation_terms);
    if (st.validation_objective < best_validation) {
      best_validation = st.validation_objective;
      out.best_x = st.x;
    }
    out.starts.push_back(std::move(st));
    if (on_start) {
      on_start(out);
    }
  }
  if (out.best_x.empty()) {
    // No start reached a point where the objective is finite: name the first target whose
    // term is not, at the last start's point.
    std::size_t j = 0;
    while (j + 1 < validation_terms.size() && std::isfinite(validation_terms[j].term)) {
      ++j;
    }
    const double mean = validation_terms.empty() ? std::nan("") : validation_terms[j].mean;
    fail(ErrorKind::data, {spec.targets_path, 0, "target", targets[j].label},
         fmt::format("the objective is not finite at the point of any start: the simulated "
                     "value is {} (target {:.6g}), so the squared error cannot be computed",
                     std::isnan(mean) ? std::string("undefined in every replicate")
                                      : fmt::format("{:.6g}", mean),
                     targets[j].share),
         "check the target's value and level, and narrow the [[calibrate.free]] bounds (lo, hi) "
         "to values where the model's metric stays finite");
  }
  // The fit, on fresh replicates.
  const auto shares = simulate(out.best_x, out.validation_seed, cal.validation_replicates);
  const auto& h = base.model->hierarchy();
  for (std::size_t j = 0; j < targets.size(); ++j) {
    std::vector<double> v;
    double mean = 0;
    for (const auto& s : shares) {
      if (!std::isnan(s[j])) {
        v.push_back(s[j]);
        mean += s[j];
      }
    }
    if (v.empty()) {
      v.push_back(std::nan(""));  // the metric is undefined in every validation replicate
      mean = std::nan("");
    }
    std::sort(v.begin(), v.end());
    const auto& t = targets[j];
    // A metric target has no policy and no region (its label starts with the metric).
    out.fit.push_back({t, t.metric >= 0 ? std::string() : sc0.policies[t.policy].id,
                       h.level_names()[t.level],
                       t.metric >= 0 ? std::string("(all)") : t.label.substr(0, t.label.find(' ')),
                       period_label(sc0.calendar, t.period), mean / static_cast<double>(v.size()),
                       quantile_type7(v, 0.05), quantile_type7(v, 0.95)});
  }
  return out;
}

std::string fitted_scenario_toml(const CalibrateSpec& spec, const CalibrateResult& r,
                                 const std::string& out_path, bool posterior_mean) {
  // Read once more, to write it: the calibrated values as overrides, and paths, relative to
  // the scenario, re-anchored to the fitted file's folder.
  // The thread count is this machine's, not the model's (the bits are the same at any count):
  // the fitted scenario keeps the base file's.
  auto sets = spec.overrides;
  std::erase_if(sets, [](const std::string& s) {
    const auto key = s.substr(0, s.find('='));
    const auto b = key.find_first_not_of(" \t");
    return b != std::string::npos &&
           key.substr(b, key.find_last_not_of(" \t") + 1 - b) == "run.threads";
  });
  for (std::size_t i = 0; i < r.free.size(); ++i) {
    for (const auto& k : r.free[i].keys) {
      sets.push_back(fmt::format("{}={:.17g}", k, r.best_x[i]));
    }
  }
  namespace fs = std::filesystem;
  const auto sc0 = io::load_scenario(spec.scenario, spec.overrides).scenario;
  // A calibrated key that [uncertainty] lists: its estimate moves with it, so that draws
  // (draw = true) centre on the calibrated value; the covariance stays the fit's.
  auto estimate = sc0.uncertainty.estimate;
  std::string recentred;
  for (std::size_t i = 0; i < r.free.size(); ++i) {
    for (const auto& k : r.free[i].keys) {
      // (a policy's number by its index or its id: one key)
      const auto& keys = sc0.uncertainty.keys;
      const auto canonical = canonical_policy_key(sc0, k);
      const auto at =
          static_cast<std::size_t>(std::find_if(keys.begin(), keys.end(),
                                                [&](const std::string& u) {
                                                  return canonical_policy_key(sc0, u) == canonical;
                                                }) -
                                   keys.begin());
      if (at < keys.size() && at < estimate.size()) {
        estimate[at] = r.best_x[i];
        recentred += (recentred.empty() ? "" : ", ") + k;
      }
    }
  }
  if (!recentred.empty()) {
    std::string list;
    for (const double v : estimate) {
      list += fmt::format("{}{:.17g}", list.empty() ? "" : ", ", v);
    }
    sets.push_back("uncertainty.estimate=[" + list + "]");
  }
  const fs::path from = fs::absolute(spec.scenario).parent_path();
  const fs::path to = fs::absolute(out_path).parent_path();
  const auto rebase = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : fs::relative(from / p, to).generic_string();
  };
  const auto& hs = sc0.hierarchy;
  if (hs.source == "csv") {
    sets.push_back("hierarchy.path=\"" + rebase(hs.path) + "\"");
  }
  for (std::size_t i = 0; i < hs.edges.size(); ++i) {
    if (hs.edges[i].path.rfind("china:", 0) != 0) {
      sets.push_back(fmt::format("hierarchy.edges.{}.path=\"{}\"", i, rebase(hs.edges[i].path)));
    }
  }
  std::string text =
      std::string(posterior_mean ? "# The posterior mean of `pdlab calibrate --method abc`"
                                 : "# Calibrated by `pdlab calibrate`") +
      " to " + (spec.targets_label.empty() ? spec.targets_path : spec.targets_label) + ":";
  for (std::size_t i = 0; i < r.free.size(); ++i) {
    text += (i ? ", " : " ") + r.free[i].name + " = " + fmt::format("{:.6g}", r.best_x[i]);
  }
  if (!recentred.empty()) {
    text += "\n# [uncertainty] estimate moved to the calibrated value of " + recentred +
            " (its covariance is still the fit's)";
  }
  // The source scenario with the calibrated values in place keeps its comments (the sources
  // of its values); when an edit cannot be placed with certainty, the resolved TOML is
  // written instead, which means the same but has lost them.
  std::ifstream in(spec.scenario, std::ios::binary);
  std::stringstream source;
  source << in.rdbuf();
  if (const auto edited = io::apply_overrides_to_text(source.str(), sets, spec.scenario)) {
    return text + "\n" + *edited;
  }
  return text + "\n# (the comments of " + spec.scenario +
         " could not be kept: the file is written resolved)\n" +
         io::load_scenario(spec.scenario, sets).resolved_toml + "\n";
}

void write_calibration(const CalibrateResult& res, io::TableWriter& w) {
  for (const auto& r : res.fit) {
    w.text(r.target.label)
        .text(r.target.metric >= 0 ? to_string(static_cast<GovMetric>(r.target.metric)) : "")
        .text(r.policy_id)
        .text(r.level)
        .text(r.region)
        .integer(r.target.period)
        .text(r.date)
        .real(r.target.share)
        .real(r.mean)
        .real(r.q05)
        .real(r.q95)
        .real(r.mean - r.target.share)
        .end_row();
  }
}

}  // namespace pdlab::study

namespace pdlab::study {

void write_calibration_study(const std::string& out, bool force, const CalibrateResult& res,
                             const CalibrationProvenance& provenance) {
  std::string fitted;
  for (std::size_t i = 0; i < res.free.size(); ++i) {
    fitted += fmt::format("{}{} = {:.6g}", i ? ", " : "", res.free[i].name, res.best_x[i]);
  }
  io::write_tables(
      out, force,
      {{io::table_schema("calibration"), [&](io::TableWriter& w) { write_calibration(res, w); }},
       io::meta_output({{"command_line", provenance.command_line},
                        {"scenario_file", provenance.scenario_file},
                        {"scenario_name", provenance.scenario_name},
                        {"seed", std::to_string(provenance.seed)},
                        {"replicates", std::to_string(res.validation_replicates)},
                        {"fitted", fitted}})});
}

std::vector<std::string> free_keys_set_by_events(const Scenario& sc) {
  std::vector<std::string> keys;
  for (const auto& f : sc.calibrate.free) {
    keys.insert(keys.end(), f.keys.begin(), f.keys.end());
  }
  return event_setting_warnings(sc, keys, "fitted", [](std::size_t) {
    return std::string(
        "a free parameter cannot be an event's value: to fit the key over the whole horizon, "
        "remove the event (or fit a key no event sets)");
  });
}

}  // namespace pdlab::study
