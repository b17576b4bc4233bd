// Out-of-sample forecasts of adoption and their scores (docs/model.md 7.12): an ensemble of
// simulated outcomes per unit over a held-out window, scored against the observed outcomes
// by the log score, the Brier score, the CRPS of the cumulative count and interval coverage;
// and the two baselines scored the same way (a constant hazard, a logistic growth curve).
#pragma once

#include <cstdint>
#include <vector>

namespace pdlab {

// Each unit's outcome over a held-out window of `window` periods: k in [0, window) = adopted
// in the window's k-th period; `window` = not adopted by the window's end. One row of
// `units` outcomes per replicate.
struct ForecastEnsemble {
  std::int32_t units = 0;
  std::int32_t window = 0;
  std::int32_t replicates = 0;
  std::vector<std::int32_t> outcome;  // replicates x units, by replicate

  ForecastEnsemble(std::int32_t units_, std::int32_t window_, std::int32_t replicates_)
      : units(units_),
        window(window_),
        replicates(replicates_),
        outcome(static_cast<std::size_t>(units_) * static_cast<std::size_t>(replicates_), window_) {
  }
  std::int32_t& at(std::int32_t r, std::int32_t i) {
    return outcome[static_cast<std::size_t>(r) * static_cast<std::size_t>(units) +
                   static_cast<std::size_t>(i)];
  }
  [[nodiscard]] std::int32_t at(std::int32_t r, std::int32_t i) const {
    return outcome[static_cast<std::size_t>(r) * static_cast<std::size_t>(units) +
                   static_cast<std::size_t>(i)];
  }
};

// The cumulative count in one held-out period: observed against the ensemble's distribution.
struct ForecastPeriod {
  double observed = 0;
  double mean = 0, q05 = 0, q25 = 0, q75 = 0, q95 = 0;
  double crps = 0;
};

struct ForecastScores {
  double log_score = 0;  // mean over units of log p_i(y_i) (higher is better)
  double brier = 0;      // mean over units of (P_i(adopted by the end) - o_i)^2
  // Monte Carlo standard errors of the two (the ensemble's finite replicates): delete-one
  // jackknife over replicates; NaN with one replicate.
  double log_score_se = 0;
  double brier_se = 0;
  double crps = 0;        // mean over the window's periods of the CRPS of the cumulative count
  double coverage50 = 0;  // share of periods whose count lies in the central 50% interval
  double coverage90 = 0;  // ... 90% interval
  std::vector<ForecastPeriod> periods;
};

// Probability of outcome y from `count` of `replicates` replicates among `outcomes` possible
// outcomes, with half a replicate added to each outcome: (count + 1/2) / (R + outcomes / 2).
// The floor, for an outcome never simulated, is 1/2 / (R + outcomes / 2); the probabilities
// sum to 1.
double smoothed_probability(std::int64_t count, std::int64_t replicates, std::int64_t outcomes);

// CRPS of the empirical distribution of `x` at y: mean |X - y| - mean |X - X'| / 2 (both
// means over all replicates; Gneiting & Raftery 2007, eq. 21 with the ensemble for F).
double crps_ensemble(std::vector<double> x, double y);

// Scores an ensemble against each unit's observed outcome (same coding). Counts are of units
// adopted since the window began; `before` (adopted earlier) is added to them so that the
// periods report the cumulative count.
ForecastScores score_forecast(const ForecastEnsemble& ensemble,
                              const std::vector<std::int32_t>& observed, double before = 0);

// A baseline's ensemble: every unit adopts in the window's period k with the same hazard
// hazard[k] (independently, given it had not adopted), drawn from the stream
// (seed, replicate, period k, unit, Draw::baseline) with `stream` as the policy word.
ForecastEnsemble simulate_common_hazard(const std::vector<double>& hazard, std::int32_t units,
                                        std::int32_t replicates, std::uint64_t seed,
                                        std::uint32_t stream);

// A logistic growth curve C(t) = K / (1 + exp(-r (t - t0))) of the cumulative count.
struct LogisticCurve {
  double ceiling = 0;   // K
  double rate = 0;      // r, per period
  double midpoint = 0;  // t0, in periods
  double sse = 0;       // sum of squared residuals at the fitted points
  bool ceiling_fixed = false;
  bool converged = false;
  [[nodiscard]] double at(double t) const;
};

// Least squares fit of the curve to the cumulative counts counts[t] at t = 0, 1, ...:
// K in [max(counts), max_ceiling], r in [1e-4, 20], t0 in [-50, 50 + periods], by NLopt's
// bounded Nelder-Mead from a small fixed grid of starts (deterministic). With fewer than four
// counts K is not identified and is fixed at max_ceiling (every unit at risk adopts in the
// end). Throws ErrorKind::usage on fewer than two counts or none above zero.
LogisticCurve fit_logistic_curve(const std::vector<double>& counts, double max_ceiling);

// The hazard the curve implies in period t for a population of `population` units: its new
// adopters C(t) - C(t-1) over those not yet adopted, N - C(t-1), clipped to [0, 1].
double logistic_hazard(const LogisticCurve& curve, double t, double population);

}  // namespace pdlab
