#include "pdlab/estimation/sensitivity.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/rng.hpp"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace pdlab::sensitivity {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// A counter-based uniform draw in (0, 1), keyed by the seed, on counter (a, b, c, what):
// designs and bootstrap resamples do not depend on the order they are drawn in. Its own
// counter space: the simulator's streams (Rng) are not touched.
class Draws {
 public:
  explicit Draws(std::uint64_t seed)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32U)} {}
  [[nodiscard]] double operator()(std::size_t a, std::uint32_t b, std::size_t c,
                                  std::uint32_t what) const {
    const auto w = Rng::raw(
        {static_cast<std::uint32_t>(a), b, static_cast<std::uint32_t>(c), 0x5E750000U | what},
        key_);
    return Rng::to_open_unit(w[0], w[1]);
  }

 private:
  std::array<std::uint32_t, 2> key_;
};

// Uniform index in [0, n) from a draw in (0, 1).
std::size_t pick(double u, std::size_t n) {
  return std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)));
}

// Percentile interval (type-7 quantiles) of bootstrap estimates. Resamples in which the
// statistic is undefined (NaN) count as below every other for the lower bound and above every
// other for the upper, so that each bound holds wherever they would fall; a bound that would
// rest on one of them is NaN.
Interval percentile(double estimate, std::vector<double> boot, double confidence) {
  if (!(confidence > 0 && confidence < 1)) {  // (the quantiles' indices would leave boot)
    fail(ErrorKind::usage, {"", 0, "confidence", std::to_string(confidence)},
         "the intervals' confidence level must lie strictly between 0 and 1",
         "give it as a fraction, e.g. 0.95");
  }
  Interval out{estimate, nan, nan};
  const auto defined_end =
      std::partition(boot.begin(), boot.end(), [](double v) { return !std::isnan(v); });
  const auto b = boot.size();
  const auto k = static_cast<std::size_t>(boot.end() - defined_end);  // undefined
  out.undefined = static_cast<int>(k);
  if (b == 0 || k == b) {
    return out;
  }
  std::sort(boot.begin(), defined_end);
  // The type-7 quantile p of all b resamples, with the undefined ones first (low) or last.
  const auto q = [&](double p, bool undefined_low) {
    const double h = p * static_cast<double>(b - 1);
    const auto i = static_cast<std::size_t>(std::floor(h));
    const auto j = std::min(i + 1, b - 1);
    const auto at = [&](std::size_t r) {
      if (undefined_low) {
        return r < k ? -std::numeric_limits<double>::infinity() : boot[r - k];
      }
      return r < b - k ? boot[r] : std::numeric_limits<double>::infinity();
    };
    const double frac = h - static_cast<double>(i);
    const double lo = at(i);
    const double hi = frac > 0 ? at(j) : lo;
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
      return nan;
    }
    return lo + frac * (hi - lo);
  };
  out.lo = q((1 - confidence) / 2, true);
  out.hi = q((1 + confidence) / 2, false);
  return out;
}

// Bootstrap resample b of n units: unit j of the resample is units[idx[j]].
std::vector<std::size_t> resample(const Draws& draw, int b, std::size_t n, std::uint32_t what) {
  std::vector<std::size_t> idx(n);
  for (std::size_t j = 0; j < n; ++j) {
    idx[j] = pick(draw(static_cast<std::size_t>(b), 0, j, what), n);
  }
  return idx;
}

}  // namespace

MorrisDesign morris_design(int factors, int trajectories, int levels, std::uint64_t seed) {
  MorrisDesign d;
  d.design.factors = factors;
  d.trajectories = trajectories;
  d.levels = levels;
  d.delta = levels / (2.0 * (levels - 1));
  const Draws draw(seed);
  const auto k = static_cast<std::size_t>(factors);
  d.design.x.reserve(static_cast<std::size_t>(trajectories) * (k + 1) * k);
  std::vector<double> x(k);
  std::vector<int> order(k);
  std::vector<double> dir(k);
  for (int t = 0; t < trajectories; ++t) {
    const auto u = [&](std::uint32_t what, std::size_t i) {
      return draw(static_cast<std::size_t>(t), what, i, 1);
    };
    // A base value on the lower half of the grid, so that base + delta is on it too; a
    // downward move starts from base + delta.
    for (std::size_t i = 0; i < k; ++i) {
      const double base = static_cast<double>(pick(u(0, i), levels / 2)) / (levels - 1);
      dir[i] = u(1, i) < 0.5 ? 1.0 : -1.0;
      x[i] = dir[i] > 0 ? base : base + d.delta;
    }
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = k; i > 1; --i) {  // Fisher-Yates
      std::swap(order[i - 1], order[pick(u(2, i), i)]);
    }
    d.design.x.insert(d.design.x.end(), x.begin(), x.end());
    for (std::size_t s = 0; s < k; ++s) {
      const auto i = static_cast<std::size_t>(order[s]);
      const double step = dir[i] * d.delta;
      // Grid values are exact multiples of 1 / (p - 1): snap away rounding error.
      x[i] = std::round((x[i] + step) * (levels - 1)) / (levels - 1);
      d.moved.push_back(order[s]);
      d.step.push_back(step);
      d.design.x.insert(d.design.x.end(), x.begin(), x.end());
    }
  }
  return d;
}

std::vector<MorrisIndex> morris_indices(const MorrisDesign& d, const std::vector<double>& y,
                                        int bootstrap, double confidence, std::uint64_t seed) {
  const auto k = static_cast<std::size_t>(d.design.factors);
  const auto r = static_cast<std::size_t>(d.trajectories);
  // ee[t * k + i]: trajectory t's elementary effect of factor i.
  std::vector<double> ee(r * k);
  for (std::size_t t = 0; t < r; ++t) {
    for (std::size_t s = 0; s < k; ++s) {
      const std::size_t p = t * (k + 1) + s;
      const auto i = static_cast<std::size_t>(d.moved[t * k + s]);
      ee[t * k + i] = (y[p + 1] - y[p]) / d.step[t * k + s];
    }
  }
  const auto stats = [&](const std::vector<std::size_t>& rows, std::size_t i) {
    double mu = 0, mu_star = 0;
    for (const auto t : rows) {
      mu += ee[t * k + i];
      mu_star += std::abs(ee[t * k + i]);
    }
    const auto n = static_cast<double>(rows.size());
    mu /= n;
    mu_star /= n;
    double ss = 0;
    for (const auto t : rows) {
      ss += (ee[t * k + i] - mu) * (ee[t * k + i] - mu);
    }
    return std::array<double, 3>{mu, mu_star, rows.size() > 1 ? std::sqrt(ss / (n - 1)) : nan};
  };
  std::vector<std::size_t> all(r);
  std::iota(all.begin(), all.end(), 0);
  const Draws draw(seed);
  std::vector<std::vector<std::size_t>> samples;
  for (int b = 0; b < bootstrap; ++b) {
    samples.push_back(resample(draw, b, r, 2));
  }
  std::vector<MorrisIndex> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    const auto est = stats(all, i);
    std::array<std::vector<double>, 3> boot;
    for (const auto& s : samples) {
      const auto e = stats(s, i);
      for (std::size_t m = 0; m < 3; ++m) {
        boot[m].push_back(e[m]);
      }
    }
    out[i].mu = percentile(est[0], boot[0], confidence);
    out[i].mu_star = percentile(est[1], boot[1], confidence);
    out[i].sigma = percentile(est[2], boot[2], confidence);
  }
  return out;
}

SaltelliDesign saltelli_design(int factors, int base) {
  SaltelliDesign d;
  d.base = base;
  d.design.factors = factors;
  const auto k = static_cast<std::size_t>(factors);
  const auto n = static_cast<std::size_t>(base);
  boost::random::sobol qrng(2 * k);  // its first point is (1/2, ..., 1/2), not the origin
  std::vector<double> ab(n * 2 * k);
  for (auto& v : ab) {
    v = static_cast<double>(qrng()) * 0x1.0p-64;
  }
  auto& x = d.design.x;
  x.resize(n * (k + 2) * k);
  for (std::size_t j = 0; j < n; ++j) {
    const double* a = &ab[j * 2 * k];
    const double* b = a + k;
    std::copy(a, a + k, &x[j * k]);
    std::copy(b, b + k, &x[(n + j) * k]);
    for (std::size_t i = 0; i < k; ++i) {
      double* row = &x[((2 + i) * n + j) * k];
      std::copy(a, a + k, row);
      row[i] = b[i];
    }
  }
  return d;
}

std::vector<SobolIndex> sobol_indices(const SaltelliDesign& d, const std::vector<double>& y,
                                      int bootstrap, double confidence, std::uint64_t seed) {
  const auto k = static_cast<std::size_t>(d.design.factors);
  const auto n = static_cast<std::size_t>(d.base);
  const double* fa = y.data();
  const double* fb = fa + n;
  // Both indices for factor i on the base rows `rows`.
  const auto indices = [&](const std::vector<std::size_t>& rows, std::size_t i) {
    const double* fab = fa + (2 + i) * n;
    double mean = 0;
    for (const auto j : rows) {
      mean += fa[j] + fb[j];
    }
    const auto m = static_cast<double>(rows.size());
    mean /= 2 * m;
    double var = 0, first = 0, total = 0, scale = 0;
    for (const auto j : rows) {
      scale = std::max({scale, std::abs(fa[j]), std::abs(fb[j])});
      var += (fa[j] - mean) * (fa[j] - mean) + (fb[j] - mean) * (fb[j] - mean);
      // f(B) centred on the mean: the same expectation (the mean of f(A_B^i) - f(A) is 0),
      // far less variance when the mean is large against the spread.
      first += (fb[j] - mean) * (fab[j] - fa[j]);
      total += (fa[j] - fab[j]) * (fa[j] - fab[j]);
    }
    var /= 2 * m;
    // An outcome that does not vary leaves rounding in the mean, not 0 (4/6 at every point
    // gave V ~ 1e-33, and indices 0 [0, 0]): below a spread of kConstantSpread of the
    // outcome's size it is taken as constant (sensitivity.hpp says why that size).
    if (!(var > (kConstantSpread * scale) * (kConstantSpread * scale))) {
      return std::array<double, 2>{nan, nan};
    }
    return std::array<double, 2>{first / m / var, total / (2 * m) / var};
  };
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  const Draws draw(seed);
  std::vector<std::vector<std::size_t>> samples;
  for (int b = 0; b < bootstrap; ++b) {
    samples.push_back(resample(draw, b, n, 3));
  }
  std::vector<SobolIndex> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    const auto est = indices(all, i);
    std::vector<double> b1, bt;
    for (const auto& s : samples) {
      const auto e = indices(s, i);
      b1.push_back(e[0]);
      bt.push_back(e[1]);
    }
    out[i].first = percentile(est[0], b1, confidence);
    out[i].total = percentile(est[1], bt, confidence);
  }
  return out;
}

}  // namespace pdlab::sensitivity
