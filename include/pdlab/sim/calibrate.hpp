// Calibration to observed roll-out targets: shares of units adopted by a date, by region.
// The optimiser is Nelder-Mead on free parameters mapped into their bounds.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/sim/engine.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab {

// A target: by period `period`, `share` of the units of `level` below the `regions` (pooled)
// have adopted policy `policy` (entered the pilot or adopted stage); or, when `metric` >= 0,
// the governance metric (GovMetric) at `level` in period `period` has the value `share`
// (a moment such as a survey's participation or trust of a group).
struct Target {
  std::int32_t policy = 0;
  int level = 0;
  std::vector<std::int32_t> regions;
  std::int32_t period = 0;
  double share = 0;
  double weight = 1;
  std::string label;  // for reports
  int metric = -1;    // GovMetric, or -1 for an adoption share
};

// Each target's simulated value in one replicate: the share of its units adopted by its
// period, or its governance metric (NaN where the replicate does not define it).
std::vector<double> target_shares(const Model& model, const ReplicateResult& result,
                                  const std::vector<Target>& targets);

struct NelderMeadResult {
  std::vector<double> x;
  double value = 0;
  int evaluations = 0;
  bool converged = false;
};

// Minimises f from x0 by NLopt's Nelder-Mead with initial steps `step` (one per coordinate);
// stops when an iteration improves f by less than `tolerance` (absolute) or after
// `max_evaluations`.
NelderMeadResult nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                             const std::vector<double>& x0, const std::vector<double>& step,
                             double tolerance, int max_evaluations);

}  // namespace pdlab
