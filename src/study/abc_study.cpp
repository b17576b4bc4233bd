#include "pdlab/study/abc_study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/format.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace pdlab::study {

double abc_distance(const std::vector<Target>& targets, const std::vector<double>& simulated) {
  double s = 0;
  for (std::size_t j = 0; j < targets.size(); ++j) {
    if (std::isnan(simulated[j])) {
      return std::numeric_limits<double>::infinity();
    }
    const double e = simulated[j] - targets[j].share;
    s += targets[j].weight * e * e;
  }
  return std::sqrt(s);
}

AbcCalibration abc_calibrate(const AbcSpec& spec,
                             const std::function<void(const AbcGeneration&)>& on_generation) {
  if (spec.replicates < 1) {
    fail(ErrorKind::usage, {"", 0, "--abc-replicates", std::to_string(spec.replicates)},
         "at least one simulation per particle is needed", "use e.g. --abc-replicates 1");
  }
  if (spec.draws < 1) {
    fail(ErrorKind::usage, {"", 0, "--draws", std::to_string(spec.draws)},
         "at least one posterior predictive draw is needed", "use e.g. --draws 200");
  }
  const auto base = prepare_study(spec.calibrate.scenario, spec.calibrate.overrides);
  const auto& sc0 = base.model->scenario();
  const auto& free = sc0.calibrate.free;
  if (free.empty()) {
    fail(ErrorKind::config, {spec.calibrate.scenario, 0, "calibrate.free", ""},
         "no free parameters",
         "declare [[calibrate.free]] tables {name, keys, lo, hi, start} in the scenario");
  }
  AbcCalibration out;
  out.targets = read_targets(spec.calibrate.targets_path, *base.model);
  if (spec.calibrate.on_inputs_read) {
    spec.calibrate.on_inputs_read(sc0);
  }
  out.seed = sc0.seed;
  out.replicates = spec.replicates;
  const auto& targets = out.targets;
  std::vector<AbcPrior> priors;
  for (const auto& p : free) {
    priors.push_back({p.name, p.lo, p.hi});
  }
  auto options = spec.options;
  options.seed = sc0.seed;
  options.threads = sc0.threads;
  // As in the point fit: without feedback and without governance targets the governance
  // layer cannot change what is compared, so it is switched off to save time.
  const bool adoption_only = calibration_adoption_only(sc0, targets);
  // One particle's target values: `replicates` single-threaded replicates (the particles run
  // in parallel), averaged.
  const auto simulate = [&](const std::vector<double>& x, std::uint64_t seed) {
    const Scenario sc = calibration_scenario(sc0, free, x, seed, adoption_only);
    const Model m(sc, *base.inputs.hierarchy, *base.inputs.network);
    std::vector<double> mean(targets.size(), 0.0);
    for (int r = 0; r < spec.replicates; ++r) {
      const auto v = target_shares(m, run_replicate(m, r, {}), targets);
      for (std::size_t j = 0; j < v.size(); ++j) {
        mean[j] += v[j] / spec.replicates;
      }
    }
    return mean;
  };
  AbcMap map;
  if (spec.map) {
    map = [&](int n, const std::function<double(int)>& f) {
      const auto rows = spec.map(n, 1, [&](int i) { return std::vector<double>{f(i)}; });
      std::vector<double> v;
      for (const auto& r : rows) {
        v.push_back(r.at(0));
      }
      return v;
    };
  }
  out.abc = abc_smc(
      priors,
      [&](const std::vector<double>& x, std::uint64_t seed) {
        return abc_distance(targets, simulate(x, seed));
      },
      options, on_generation, map);
  const auto& post = out.abc.posterior();
  if (std::none_of(post.distance.begin(), post.distance.end(),
                   [](double d) { return std::isfinite(d); })) {
    // Every distance infinite: the "posterior" is the prior. Name a target that made it so,
    // in the first particle's simulation.
    const auto v = simulate(post.theta.at(0), abc_predict_seed(sc0.seed, 0));
    std::size_t j = 0;
    while (j + 1 < v.size()) {
      const double e = v[j] - targets[j].share;
      if (!std::isfinite(targets[j].weight * e * e)) {
        break;
      }
      ++j;
    }
    fail(ErrorKind::data, {spec.calibrate.targets_path, 0, "target", targets[j].label},
         fmt::format("no simulation came near the targets: every distance is infinite, so ABC "
                     "has no posterior (the simulated value is {}, the target {:.6g})",
                     std::isnan(v[j]) ? std::string("undefined") : fmt::format("{:.6g}", v[j]),
                     targets[j].share),
         "check the target's value and level, and narrow the [[calibrate.free]] bounds (lo, hi) "
         "to values where the model's metric stays finite");
  }
  for (std::size_t i = 0; i < free.size(); ++i) {
    out.parameters.push_back(
        {free[i], (free[i].hi - free[i].lo) / std::sqrt(12.0), abc_summary(post, i)});
  }
  // Posterior predictive: draws resampled by weight, each simulated with its own seed.
  const auto idx = abc_resample(post, spec.draws, sc0.seed);
  const auto draw = [&](int i) {
    const auto ui = static_cast<std::size_t>(i);
    return simulate(post.theta[static_cast<std::size_t>(idx[ui])], abc_predict_seed(sc0.seed, i));
  };
  std::vector<std::vector<double>> sims(idx.size());
  if (spec.map) {
    // On the scenario's threads, as the particles are.
    tbb::task_arena arena(sc0.threads > 0 ? sc0.threads : tbb::task_arena::automatic);
    arena.execute([&] {
      sims = spec.map(static_cast<int>(idx.size()), static_cast<int>(targets.size()), draw);
    });
  } else {
    abc_parallel_for(static_cast<int>(idx.size()), sc0.threads,
                     [&](int i) { sims[static_cast<std::size_t>(i)] = draw(i); });
  }
  const auto& h = base.model->hierarchy();
  for (std::size_t j = 0; j < targets.size(); ++j) {
    const auto& t = targets[j];
    AbcBand b;
    b.target = t;
    b.metric = t.metric >= 0 ? to_string(static_cast<GovMetric>(t.metric)) : "";
    b.policy_id = t.metric >= 0 ? "" : sc0.policies[static_cast<std::size_t>(t.policy)].id;
    b.level = h.level_names()[static_cast<std::size_t>(t.level)];
    b.region = t.metric >= 0 ? "(all)" : t.label.substr(0, t.label.find(' '));
    b.date = period_label(sc0.calendar, t.period);
    std::vector<double> v;
    for (const auto& s : sims) {
      if (!std::isnan(s[j])) {
        v.push_back(s[j]);
      }
    }
    b.draws = static_cast<int>(v.size());
    if (!v.empty()) {
      std::sort(v.begin(), v.end());
      for (double x : v) {
        b.mean += x / static_cast<double>(v.size());
      }
      b.q05 = quantile_type7(v, 0.05);
      b.q50 = quantile_type7(v, 0.5);
      b.q95 = quantile_type7(v, 0.95);
    } else {
      b.mean = b.q05 = b.q50 = b.q95 = std::nan("");
    }
    out.predictive.push_back(b);
  }
  return out;
}

CalibrateResult abc_point(const AbcCalibration& c) {
  CalibrateResult r;
  r.targets = c.targets;
  for (const auto& p : c.parameters) {
    r.free.push_back(p.free);
    r.best_x.push_back(p.posterior.mean);
  }
  return r;
}

void write_abc_posterior(const AbcCalibration& c, io::TableWriter& w) {
  const auto& g = c.abc.posterior();
  for (std::size_t i = 0; i < g.theta.size(); ++i) {
    for (std::size_t d = 0; d < c.parameters.size(); ++d) {
      w.integer(static_cast<std::int64_t>(i))
          .integer(g.index)
          .real(g.weight[i])
          .real(g.distance[i])
          .text(c.parameters[d].free.name)
          .real(g.theta[i][d])
          .end_row();
    }
  }
}

void write_abc_summary(const AbcCalibration& c, io::TableWriter& w) {
  const auto& g = c.abc.posterior();
  for (const auto& p : c.parameters) {
    w.text(p.free.name)
        .real(p.free.lo)
        .real(p.free.hi)
        .real(p.prior_sd)
        .real(p.posterior.mean)
        .real(p.posterior.sd)
        .real(p.posterior.q05)
        .real(p.posterior.q50)
        .real(p.posterior.q95)
        .integer(static_cast<std::int64_t>(c.abc.generations.size()))
        .real(g.epsilon)
        .real(g.ess)
        .end_row();
  }
}

void write_abc_predictive(const AbcCalibration& c, io::TableWriter& w) {
  for (const auto& b : c.predictive) {
    w.text(b.target.label)
        .text(b.metric)
        .text(b.policy_id)
        .text(b.level)
        .text(b.region)
        .integer(b.target.period)
        .text(b.date)
        .real(b.target.share)
        .real(b.mean)
        .real(b.q05)
        .real(b.q50)
        .real(b.q95)
        .integer(b.draws)
        .end_row();
  }
}

}  // namespace pdlab::study
