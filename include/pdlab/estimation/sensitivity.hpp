// Global sensitivity analysis on the unit cube: the designs (Morris trajectories, Saltelli's
// A, B and A_B^i matrices on a Sobol sequence) and the estimators (Morris elementary effects;
// Sobol first-order and total indices) with percentile-bootstrap intervals. The caller maps
// the unit values onto factor ranges and evaluates the model; nothing here reads or prints.
// Equations and references: docs/sensitivity.md.
#pragma once

#include <cstdint>
#include <vector>

namespace pdlab::sensitivity {

// Points of a design, row-major: point j's factor i is x[j * factors + i], in [0, 1].
struct Design {
  int factors = 0;
  std::vector<double> x;
  [[nodiscard]] std::size_t points() const {
    return factors > 0 ? x.size() / static_cast<std::size_t>(factors) : 0;
  }
};

// Morris (1991) trajectories: `trajectories` (r) random paths of factors + 1 points on a grid
// of `levels` (p, even) values; each step moves one factor, in random order, by
// delta = p / (2 (p - 1)) up or down. Draws are counter-based on `seed`.
struct MorrisDesign {
  Design design;
  int trajectories = 0;
  int levels = 0;
  double delta = 0;
  // Per trajectory and step (r * factors): the factor moved and the signed move (+-delta).
  std::vector<int> moved;
  std::vector<double> step;
};
MorrisDesign morris_design(int factors, int trajectories, int levels, std::uint64_t seed);

// An estimate with its percentile-bootstrap interval.
struct Interval {
  double estimate = 0;
  double lo = 0;
  double hi = 0;
  // Bootstrap resamples in which the statistic is undefined (a Sobol index where the outcome
  // does not vary over the resampled rows). They count as below every other resample for lo
  // and above every other for hi (dropping them would keep the resamples most like the full
  // design), so each bound holds wherever they would fall; a bound that would rest on one is
  // NaN.
  int undefined = 0;
};

// Elementary effects EE = (y(x + step e_i) - y(x)) / step, in output units per unit-cube
// distance (the factor's whole range = 1): their mean mu, mean absolute value mu* (Campolongo
// et al. 2007) and standard deviation sigma (divisor r - 1), per factor. Intervals come from
// resampling whole trajectories.
struct MorrisIndex {
  Interval mu, mu_star, sigma;
};
std::vector<MorrisIndex> morris_indices(const MorrisDesign& d, const std::vector<double>& y,
                                        int bootstrap, double confidence, std::uint64_t seed);

// Saltelli et al. (2010) sampling: A and B are N points each of a Sobol sequence of dimension
// 2 k (A the first k coordinates, B the last k; Boost's, which starts after the origin), then
// for each factor i the N points A_B^i (A with column i from B). Rows: A, B, A_B^0, ...,
// A_B^(k-1); N (k + 2) in all.
struct SaltelliDesign {
  Design design;
  int base = 0;  // N
};
SaltelliDesign saltelli_design(int factors, int base);

// First-order index by Saltelli et al. (2010), total index by Jansen (1999), both divided by
// the variance of f over A and B (f(B) centred on their mean in the first-order sum); NaN
// where f does not vary over those rows: its standard deviation is at most kConstantSpread
// times its largest |f|. Intervals resample the N base rows (with their A_B^i rows).
//
// Why 1e-9: a constant f leaves only the rounding of its mean, at most about 2N eps |f|
// (naive summation, eps = 2.2e-16), which stays below 1e-9 |f| up to N = 2 million base
// points; and a real spread that small is below what the outcomes resolve (a share moves in
// steps of 1 / (units x replicates), above 1e-9 for up to a billion unit-replicates).
inline constexpr double kConstantSpread = 1e-9;
struct SobolIndex {
  Interval first, total;
};
std::vector<SobolIndex> sobol_indices(const SaltelliDesign& d, const std::vector<double>& y,
                                      int bootstrap, double confidence, std::uint64_t seed);

}  // namespace pdlab::sensitivity
