// Design comparison: scalar outcomes per replicate, and paired contrasts between variants run
// on common random numbers (same seed, so replicate r of every variant draws the same streams).
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/sim/engine.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pdlab {

// A policy id and a level name (where a policy is adopted, for digests).
using PolicyLevel = std::pair<std::string, std::string>;

struct OutcomeDef {
  std::string name;    // metric: adopted, periods_to_half, or a governance metric
  std::string policy;  // policy id ("" for governance outcomes)
  std::string level;   // level name
  // share_at_end | periods_to_half (censored at the horizon: the calendar's periods) |
  // reached_half (1 if half adopted before the horizon, else 0) | last_year_mean | total
  std::string statistic;
};

// The outcomes of a model, in a fixed order: for each policy and level below the top where it
// can be adopted ([[policy]] levels), the share that has adopted by the last period (ever:
// a unit that reversed still counts), the periods until half the level had adopted (censored
// at the horizon), whether half was reached, and the share running the policy in the last
// period (`active`: adopted or piloting, not reversed), all over the units of the level that
// exist in the period (docs/model.md 7.13: merged, abolished or not yet born units are in neither
// numerator nor denominator); for each governance metric and level where it is defined, its mean
// over the last year (states) or its total over the horizon (incidents, escalated pressure and
// costs, which are rates per year).
std::vector<OutcomeDef> outcome_defs(const Model& model);
std::vector<double> outcome_values(const Model& model, const ReplicateResult& result);

struct Contrast {
  int n = 0;        // replicates
  double mean = 0;  // of the variant
  double sd = 0;    // of the variant over replicates
  double diff = 0;  // mean paired difference variant - baseline
  double diff_se = 0;
  double lo = 0;  // 95% t interval of the difference: the Monte Carlo error of its mean
  double hi = 0;
  // The spread of the paired differences themselves: their 2.5% and 97.5% quantiles over the
  // replicates (type 7). Unlike lo and hi they do not narrow with more replicates: with the
  // parameters drawn per replicate (uncertainty.draw) they carry the estimation uncertainty,
  // otherwise the run-to-run variation of one realisation. NaN below 2 pairs, as lo and hi.
  double diff_q025 = 0;
  double diff_q975 = 0;
};

// Paired contrast of x (variant) with b (baseline); NaN values drop the pair.
Contrast contrast(const std::vector<double>& x, const std::vector<double>& b);

// A linear combination of variants, replicate by replicate: L_r = sum_i w_i (x_i[r] - x_b[r]),
// b the first variant with a weight (the same as sum_i w_i x_i[r] where the weights sum to 0,
// and exactly 0 where the variants it weighs agree); a replicate in which a weighed variant is
// NaN is dropped. n, diff (the mean of L), diff_se, lo, hi and the quantiles of L as
// contrast(); mean and sd NaN.
Contrast linear_contrast(const std::vector<const std::vector<double>*>& x,
                         const std::vector<double>& weights);

// Quantile of Student's t with df degrees of freedom (df >= 1), by bisection on its CDF.
double student_t_quantile(double p, double df);

}  // namespace pdlab
