#include "pdlab/sim/forecast.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/rng.hpp"
#include "pdlab/sim/summary.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace pdlab {

double smoothed_probability(std::int64_t count, std::int64_t replicates, std::int64_t outcomes) {
  return (static_cast<double>(count) + 0.5) /
         (static_cast<double>(replicates) + 0.5 * static_cast<double>(outcomes));
}

double crps_ensemble(std::vector<double> x, double y) {
  if (x.empty()) {
    throw Error(ErrorKind::internal, "crps_ensemble: no replicates");
  }
  std::sort(x.begin(), x.end());
  const auto n = static_cast<double>(x.size());
  double abs_y = 0;
  // sum_{i,j} |x_i - x_j| = 2 sum_i (2i - n + 1) x_(i), 0-based, over the sorted values.
  double pairs = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    abs_y += std::abs(x[i] - y);
    pairs += (2.0 * static_cast<double>(i) - n + 1.0) * x[i];
  }
  return abs_y / n - pairs / (n * n);
}

ForecastScores score_forecast(const ForecastEnsemble& e, const std::vector<std::int32_t>& observed,
                              double before) {
  if (observed.size() != static_cast<std::size_t>(e.units) || e.replicates < 1 || e.window < 1) {
    throw Error(ErrorKind::internal, "score_forecast: observed outcomes do not match the ensemble");
  }
  ForecastScores s;
  const std::int32_t outcomes = e.window + 1;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(outcomes));
  for (std::int32_t i = 0; i < e.units; ++i) {
    std::fill(counts.begin(), counts.end(), 0);
    for (std::int32_t r = 0; r < e.replicates; ++r) {
      counts[static_cast<std::size_t>(e.at(r, i))] += 1;
    }
    const auto y = static_cast<std::size_t>(observed[static_cast<std::size_t>(i)]);
    s.log_score += std::log(smoothed_probability(counts[y], e.replicates, outcomes));
    const double p_adopted =
        1.0 - static_cast<double>(counts.back()) / static_cast<double>(e.replicates);
    const double o = observed[static_cast<std::size_t>(i)] < e.window ? 1.0 : 0.0;
    s.brier += (p_adopted - o) * (p_adopted - o);
  }
  s.log_score /= e.units;
  s.brier /= e.units;
  // Monte Carlo error (delete-one jackknife over replicates): without replicate r, unit i's
  // count of its observed outcome drops by one where r simulated that outcome, and its count
  // of "not adopted" where r did not adopt it; both scores follow in O(units) per replicate.
  if (e.replicates >= 2) {
    const auto reps = static_cast<double>(e.replicates);
    const double denom = std::log(reps - 1.0 + 0.5 * outcomes);
    double base_sum = 0;                                          // sum of log(count(y_i) + 1/2)
    std::vector<double> drop(static_cast<std::size_t>(e.units));  // change when r hits y_i
    std::vector<double> kept(static_cast<std::size_t>(e.units));  // R P(not adopted) counts
    for (std::int32_t i = 0; i < e.units; ++i) {
      std::fill(counts.begin(), counts.end(), 0);
      for (std::int32_t r = 0; r < e.replicates; ++r) {
        counts[static_cast<std::size_t>(e.at(r, i))] += 1;
      }
      const auto y = static_cast<std::size_t>(observed[static_cast<std::size_t>(i)]);
      const double c = static_cast<double>(counts[y]);
      base_sum += std::log(c + 0.5);
      drop[static_cast<std::size_t>(i)] = c >= 1 ? std::log(c - 0.5) - std::log(c + 0.5) : 0.0;
      kept[static_cast<std::size_t>(i)] = static_cast<double>(counts.back());
    }
    std::vector<double> ls(static_cast<std::size_t>(e.replicates));
    std::vector<double> br(static_cast<std::size_t>(e.replicates));
    for (std::int32_t r = 0; r < e.replicates; ++r) {
      double sum = base_sum;
      double brier = 0;
      for (std::int32_t i = 0; i < e.units; ++i) {
        const std::int32_t o = e.at(r, i);
        if (o == observed[static_cast<std::size_t>(i)]) {
          sum += drop[static_cast<std::size_t>(i)];
        }
        const double not_adopted = kept[static_cast<std::size_t>(i)] - (o == e.window ? 1.0 : 0.0);
        const double p = 1.0 - not_adopted / (reps - 1.0);
        const double y = observed[static_cast<std::size_t>(i)] < e.window ? 1.0 : 0.0;
        brier += (p - y) * (p - y);
      }
      ls[static_cast<std::size_t>(r)] = sum / e.units - denom;
      br[static_cast<std::size_t>(r)] = brier / e.units;
    }
    const auto jackknife_se = [&](const std::vector<double>& v) {
      double mean = 0;
      for (double x : v) {
        mean += x;
      }
      mean /= reps;
      double ss = 0;
      for (double x : v) {
        ss += (x - mean) * (x - mean);
      }
      return std::sqrt((reps - 1.0) / reps * ss);
    };
    s.log_score_se = jackknife_se(ls);
    s.brier_se = jackknife_se(br);
  } else {
    s.log_score_se = s.brier_se = std::nan("");
  }
  // Cumulative counts per replicate and period.
  std::vector<double> x(static_cast<std::size_t>(e.replicates));
  for (std::int32_t k = 0; k < e.window; ++k) {
    ForecastPeriod p;
    p.observed = before;
    for (auto y : observed) {
      p.observed += y <= k ? 1.0 : 0.0;
    }
    for (std::int32_t r = 0; r < e.replicates; ++r) {
      double c = before;
      for (std::int32_t i = 0; i < e.units; ++i) {
        c += e.at(r, i) <= k ? 1.0 : 0.0;
      }
      x[static_cast<std::size_t>(r)] = c;
    }
    p.crps = crps_ensemble(x, p.observed);
    std::sort(x.begin(), x.end());
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    p.mean = sum / e.replicates;
    p.q05 = quantile_type7(x, 0.05);
    p.q25 = quantile_type7(x, 0.25);
    p.q75 = quantile_type7(x, 0.75);
    p.q95 = quantile_type7(x, 0.95);
    s.crps += p.crps;
    s.coverage50 += p.observed >= p.q25 && p.observed <= p.q75 ? 1.0 : 0.0;
    s.coverage90 += p.observed >= p.q05 && p.observed <= p.q95 ? 1.0 : 0.0;
    s.periods.push_back(p);
  }
  s.crps /= e.window;
  s.coverage50 /= e.window;
  s.coverage90 /= e.window;
  return s;
}

ForecastEnsemble simulate_common_hazard(const std::vector<double>& hazard, std::int32_t units,
                                        std::int32_t replicates, std::uint64_t seed,
                                        std::uint32_t stream) {
  const auto window = static_cast<std::int32_t>(hazard.size());
  ForecastEnsemble e(units, window, replicates);
  const Rng rng(seed);
  for (std::int32_t r = 0; r < replicates; ++r) {
    for (std::int32_t i = 0; i < units; ++i) {
      for (std::int32_t k = 0; k < window; ++k) {
        if (rng.uniform(static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(k),
                        static_cast<std::uint32_t>(i), stream,
                        Draw::baseline) < hazard[static_cast<std::size_t>(k)]) {
          e.at(r, i) = k;
          break;
        }
      }
    }
  }
  return e;
}

double LogisticCurve::at(double t) const {
  return ceiling / (1.0 + std::exp(-rate * (t - midpoint)));
}

LogisticCurve fit_logistic_curve(const std::vector<double>& counts, double max_ceiling) {
  const auto n = counts.size();
  const double top = counts.empty() ? 0.0 : *std::max_element(counts.begin(), counts.end());
  if (n < 2 || top <= 0) {
    throw Error(ErrorKind::usage,
                "the logistic baseline needs at least two training periods and one adopter");
  }
  LogisticCurve best;
  best.ceiling_fixed = n < 4;
  best.sse = std::numeric_limits<double>::infinity();
  const double t_max = 50.0 + static_cast<double>(n);
  // x = (r, t0[, K]).
  std::vector<double> lo = {1e-4, -50.0};
  std::vector<double> hi = {20.0, t_max};
  if (!best.ceiling_fixed) {
    lo.push_back(std::min(top, max_ceiling));
    hi.push_back(max_ceiling);
  }
  struct Ctx {
    const std::vector<double>* counts;
    double ceiling;
  } ctx{&counts, max_ceiling};
  auto sse = [](unsigned dim, const double* x, double* /*grad*/, void* data) {
    const auto* c = static_cast<const Ctx*>(data);
    const double k = dim == 3 ? x[2] : c->ceiling;
    double s = 0;
    for (std::size_t t = 0; t < c->counts->size(); ++t) {
      const double d =
          k / (1.0 + std::exp(-x[0] * (static_cast<double>(t) - x[1]))) - (*c->counts)[t];
      s += d * d;
    }
    return s;
  };
  const auto last = static_cast<double>(n - 1);
  for (double r0 : {0.3, 1.0, 3.0}) {
    for (double m0 : {0.0, last, last + 3.0}) {
      nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(lo.size()));
      opt.set_lower_bounds(lo);
      opt.set_upper_bounds(hi);
      opt.set_min_objective(sse, &ctx);
      opt.set_xtol_rel(1e-10);
      opt.set_maxeval(20000);
      std::vector<double> x = {r0, m0};
      if (!best.ceiling_fixed) {
        x.push_back(std::clamp(2.0 * top, lo[2], hi[2]));
      }
      double f = std::numeric_limits<double>::infinity();
      nlopt::result rc = nlopt::FAILURE;
      try {
        rc = opt.optimize(x, f);
      } catch (const nlopt::roundoff_limited&) {
        rc = nlopt::ROUNDOFF_LIMITED;
        f = sse(static_cast<unsigned>(x.size()), x.data(), nullptr, &ctx);
      }
      if (f < best.sse) {
        best.sse = f;
        best.rate = x[0];
        best.midpoint = x[1];
        best.ceiling = best.ceiling_fixed ? max_ceiling : x[2];
        best.converged = rc == nlopt::FTOL_REACHED || rc == nlopt::XTOL_REACHED ||
                         rc == nlopt::SUCCESS || rc == nlopt::ROUNDOFF_LIMITED;
      }
    }
  }
  return best;
}

double logistic_hazard(const LogisticCurve& curve, double t, double population) {
  const double before = curve.at(t - 1.0);
  const double at_risk = population - before;
  if (at_risk <= 0) {
    return 0.0;
  }
  return std::clamp((curve.at(t) - before) / at_risk, 0.0, 1.0);
}

}  // namespace pdlab
