// `pdlab calibrate --method abc`: a posterior sample over a scenario's [[calibrate.free]]
// parameters by ABC-SMC (pdlab/estimation/abc_smc.hpp), uniform priors on their [lo, hi],
// and posterior predictive bands for every target. Nothing is printed or written here.
#pragma once

#include "pdlab/estimation/abc_smc.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/calibrate_study.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

// Evaluates f(i) for i in [0, n), each `width` values, and returns them in order: how a
// batch of simulations (a generation's particles, the predictive draws) is run. pdlab::dist
// shares each batch out across MPI ranks; empty: on the threads of this process.
using BatchMap = std::function<std::vector<std::vector<double>>(
    int n, int width, const std::function<std::vector<double>(int)>& f)>;

struct AbcSpec {
  CalibrateSpec calibrate;  // scenario, overrides, targets
  AbcOptions options;       // seed and threads are taken from the scenario (--seed, --threads)
  int replicates = 1;       // simulations per particle, their target values averaged
  int draws = 200;          // posterior predictive simulations
  BatchMap map;             // the result does not depend on it
};

struct AbcParameter {
  FreeParameter free;
  double prior_sd = 0;  // (hi - lo) / sqrt(12)
  AbcSummary posterior;
};

struct AbcBand {
  Target target;
  std::string metric, policy_id, level, region, date;
  double mean = 0, q05 = 0, q50 = 0, q95 = 0;  // over the predictive draws
  int draws = 0;                               // with a defined value
};

struct AbcCalibration {
  std::vector<Target> targets;
  AbcResult abc;
  std::vector<AbcParameter> parameters;
  std::vector<AbcBand> predictive;
  std::uint64_t seed = 0;
  int replicates = 1;
};

// Throws (usage, data, config) before any simulation on bad options, targets or scenario.
AbcCalibration abc_calibrate(const AbcSpec& spec,
                             const std::function<void(const AbcGeneration&)>& on_generation = {});

// Distance between simulated and observed target values: sqrt(sum_j w_j (s_j - y_j)^2);
// infinite when a simulated value is undefined (NaN).
double abc_distance(const std::vector<Target>& targets, const std::vector<double>& simulated);

// The posterior at its mean, as a CalibrateResult for fitted_scenario_toml.
CalibrateResult abc_point(const AbcCalibration& c);

// Tables (schemas abc_posterior, abc_summary, abc_predictive).
void write_abc_posterior(const AbcCalibration& c, io::TableWriter& w);
void write_abc_summary(const AbcCalibration& c, io::TableWriter& w);
void write_abc_predictive(const AbcCalibration& c, io::TableWriter& w);

}  // namespace pdlab::study
