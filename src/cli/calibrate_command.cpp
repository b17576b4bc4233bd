// `pdlab calibrate`: fit a scenario's free parameters ([[calibrate.free]]) to roll-out targets
// (shares of units adopted by dates, by region), by Nelder-Mead on common random numbers,
// from several seeds; the fit is reported on fresh validation replicates.
#include "cli/commands.hpp"

#include "core/calendar.hpp"
#include "core/calibrate.hpp"
#include "core/errors.hpp"
#include "core/params.hpp"
#include "core/summary.hpp"
#include "io/results.hpp"
#include "io/study.hpp"
#include "io/text_reader.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace pdlab::cli {

namespace {

std::vector<Target> read_targets(const std::string& path, const Model& m) {
  const auto& h = m.hierarchy();
  const auto& sc = m.scenario();
  io::CsvReader r(path);
  const auto col = [&](const char* name, bool required) -> std::optional<std::size_t> {
    auto c = r.column(name);
    if (!c && required) {
      fail(ErrorKind::data, {path, 1, name, ""}, "missing column",
           "give columns level,date,share and optionally policy_id,region,weight");
    }
    return c;
  };
  const auto c_level = col("level", true);
  const auto c_date = col("date", true);
  const auto c_share = col("share", true);
  const auto c_policy = col("policy_id", false);
  const auto c_region = col("region", false);
  const auto c_weight = col("weight", false);
  std::vector<Target> out;
  std::vector<std::string_view> f;
  while (r.next(f)) {
    const auto line = r.line();
    Target t;
    const std::string level(f[*c_level]);
    const auto l = h.level_index(level);
    if (!l) {
      fail(ErrorKind::data, {path, line, "level", level}, "no such level in the hierarchy",
           "use a level name of the scenario's hierarchy");
    }
    t.level = *l;
    t.period = to_period(sc.calendar, std::string(f[*c_date]), "date", path, line);
    const auto share = io::parse_number(f[*c_share], path, line, "share");
    if (!share || *share < 0 || *share > 1) {
      fail(ErrorKind::data, {path, line, "share", std::string(f[*c_share])},
           "must be a share in [0, 1]", "write e.g. 0.5");
    }
    t.share = *share;
    std::string region = "(all)";
    if (c_region && !f[*c_region].empty()) {
      region = std::string(f[*c_region]);
      std::stringstream ss(region);
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
    if (c_policy && !f[*c_policy].empty()) {
      const std::string id(f[*c_policy]);
      const auto it = std::find_if(sc.policies.begin(), sc.policies.end(),
                                   [&](const Policy& p) { return p.id == id; });
      if (it == sc.policies.end()) {
        fail(ErrorKind::data, {path, line, "policy_id", id}, "no such policy",
             "use the id of a [[policy]]");
      }
      t.policy = static_cast<std::int32_t>(it - sc.policies.begin());
    }
    if (c_weight && !f[*c_weight].empty()) {
      const auto w = io::parse_number(f[*c_weight], path, line, "weight");
      if (!w || *w < 0) {
        fail(ErrorKind::data, {path, line, "weight", std::string(f[*c_weight])},
             "must be a non-negative number", "write e.g. 1");
      }
      t.weight = *w;
    }
    t.label = region + " " + level + " by " + std::string(f[*c_date]);
    out.push_back(t);
  }
  if (out.empty()) {
    fail(ErrorKind::data, {path, r.line(), "", ""}, "no targets", "add one row per target");
  }
  return out;
}

double to_bounds(const FreeParameter& p, double z) {
  return p.lo + (p.hi - p.lo) / (1.0 + std::exp(-z));
}
double from_bounds(const FreeParameter& p, double x) {
  const double u = std::clamp((x - p.lo) / (p.hi - p.lo), 1e-6, 1 - 1e-6);
  return std::log(u / (1 - u));
}

}  // namespace

int cmd_calibrate(Args& args) {
  add_run_overrides(args);
  if (!args.out.empty()) {
    io::check_output_path(args.out, args.force);
  }
  if (!args.check_out.empty()) {
    io::check_output_path(args.check_out, args.force);
  }
  const auto base = io::prepare_study(args.scenario, args.sets);
  const auto& sc0 = base.model->scenario();
  const auto& free = sc0.calibrate.free;
  if (free.empty()) {
    fail(ErrorKind::config, {args.scenario, 0, "calibrate.free", ""}, "no free parameters",
         "declare [[calibrate.free]] tables {name, keys, lo, hi, start} in the scenario");
  }
  const auto targets = read_targets(args.targets_path, *base.model);
  // Typed overrides on a copy of the scenario read once: no --set strings, no TOML re-read
  // per evaluation. Without feedback the governance layer cannot change adoption, so it is
  // switched off to save time; with feedback it stays on, since it shapes adoption.
  const auto with = [&](const std::vector<double>& x) {
    Scenario sc = sc0;
    for (std::size_t i = 0; i < free.size(); ++i) {
      for (const auto& k : free[i].keys) {
        set_numeric_parameter(sc, k, x[i]);
      }
    }
    return sc;
  };
  const bool adoption_only = !sc0.governance.feedback.any();
  // Simulated target shares of parameter values x on replicates [0, n) of seed `seed`.
  const auto simulate = [&](const std::vector<double>& x, std::uint64_t seed, int n) {
    auto sc = with(x);
    sc.seed = seed;
    if (adoption_only) {
      sc.governance.assessment.enabled = false;
      sc.governance.coproduction.enabled = false;
      sc.governance.services.enabled = false;
      sc.governance.stability.enabled = false;
    }
    const Model m(sc, *base.inputs.hierarchy, *base.inputs.network);
    const auto results = run_ensemble(m, n, sc.threads);
    std::vector<std::vector<double>> shares;
    for (const auto& r : results) {
      shares.push_back(target_shares(m, r, targets));
    }
    return shares;
  };
  const auto objective = [&](const std::vector<std::vector<double>>& shares) {
    double f = 0;
    for (std::size_t j = 0; j < targets.size(); ++j) {
      double mean = 0;
      for (const auto& s : shares) {
        mean += s[j];
      }
      mean /= static_cast<double>(shares.size());
      f += targets[j].weight * (mean - targets[j].share) * (mean - targets[j].share);
    }
    return f;
  };
  const auto& cal = sc0.calibrate;
  const std::uint64_t validation_seed = sc0.seed + 1000003;
  std::vector<double> best_x;
  double best_validation = INFINITY;
  fmt::print(
      "Calibrating {} free parameter(s) to {} target(s): {} start(s), {} replicates per "
      "evaluation\n",
      free.size(), targets.size(), cal.starts, cal.replicates);
  for (int s = 0; s < cal.starts; ++s) {
    const std::uint64_t seed = sc0.seed + static_cast<std::uint64_t>(s);
    std::vector<double> z0;
    std::vector<double> step;
    for (const auto& p : free) {
      z0.push_back(from_bounds(p, p.start));
      step.push_back(1.0);
    }
    const auto f = [&](const std::vector<double>& z) {
      std::vector<double> x;
      for (std::size_t i = 0; i < free.size(); ++i) {
        x.push_back(to_bounds(free[i], z[i]));
      }
      return objective(simulate(x, seed, cal.replicates));
    };
    const auto r = nelder_mead(f, z0, step, 1e-7, cal.max_evaluations);
    std::vector<double> x;
    std::string shown;
    for (std::size_t i = 0; i < free.size(); ++i) {
      x.push_back(to_bounds(free[i], r.x[i]));
      shown += fmt::format("{}{} = {:.4f}", i ? ", " : "", free[i].name, x.back());
    }
    const double v = objective(simulate(x, validation_seed, cal.validation_replicates));
    fmt::print(
        "  start {} (seed {}): {}; objective {:.3g} ({} evaluations{}), on validation "
        "replicates {:.3g}\n",
        s + 1, seed, shown, r.value, r.evaluations, r.converged ? "" : ", not converged", v);
    if (v < best_validation) {
      best_validation = v;
      best_x = x;
    }
  }
  // The fit, on fresh replicates.
  const auto shares = simulate(best_x, validation_seed, cal.validation_replicates);
  struct Row {
    const Target* t;
    double mean, q05, q95;
  };
  std::vector<Row> rows;
  for (std::size_t j = 0; j < targets.size(); ++j) {
    std::vector<double> v;
    double mean = 0;
    for (const auto& s : shares) {
      v.push_back(s[j]);
      mean += s[j];
    }
    std::sort(v.begin(), v.end());
    rows.push_back({&targets[j], mean / static_cast<double>(v.size()), quantile_type7(v, 0.05),
                    quantile_type7(v, 0.95)});
  }
  fmt::print("Fit on {} validation replicates (seed {}):\n", cal.validation_replicates,
             validation_seed);
  fmt::print("  {:<36} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "target", "target", "sim mean", "sim q05",
             "sim q95", "error");
  for (const auto& r : rows) {
    fmt::print("  {:<36} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>+8.3f}\n", r.t->label, r.t->share,
               r.mean, r.q05, r.q95, r.mean - r.t->share);
  }
  if (!args.out.empty()) {
    // The fitted scenario as TOML (read once more, to write it): the calibrated values as
    // overrides, and paths, relative to the scenario, re-anchored to the fitted file's folder.
    auto sets = args.sets;
    for (std::size_t i = 0; i < free.size(); ++i) {
      for (const auto& k : free[i].keys) {
        sets.push_back(fmt::format("{}={:.17g}", k, best_x[i]));
      }
    }
    namespace fs = std::filesystem;
    const fs::path from = fs::absolute(args.scenario).parent_path();
    const fs::path to = fs::absolute(args.out).parent_path();
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
    const auto fitted = io::load_scenario(args.scenario, sets);
    io::write_text_file(args.out, args.force, [&](std::ostream& o) {
      o << "# Calibrated by `pdlab calibrate` to " << args.targets_path << ":";
      for (std::size_t i = 0; i < free.size(); ++i) {
        o << (i ? ", " : " ") << free[i].name << " = " << fmt::format("{:.6g}", best_x[i]);
      }
      o << "\n" << fitted.resolved_toml << "\n";
    });
    fmt::print(stderr, "wrote {}\n", args.out);
  }
  if (!args.check_out.empty()) {
    io::write_table(args.check_out, args.force, io::table_schema("calibration"),
                    [&](io::TableWriter& w) {
                      const auto& h = base.model->hierarchy();
                      for (const auto& r : rows) {
                        w.text(r.t->label)
                            .text(sc0.policies[r.t->policy].id)
                            .text(h.level_names()[r.t->level])
                            .text(r.t->label.substr(0, r.t->label.find(' ')))
                            .integer(r.t->period)
                            .text(period_label(sc0.calendar, r.t->period))
                            .real(r.t->share)
                            .real(r.mean)
                            .real(r.q05)
                            .real(r.q95)
                            .real(r.mean - r.t->share)
                            .end_row();
                      }
                    });
    fmt::print(stderr, "wrote {}\n", args.check_out);
  }
  return EX_OK;
}

}  // namespace pdlab::cli
