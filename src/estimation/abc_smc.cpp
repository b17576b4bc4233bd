#include "pdlab/estimation/abc_smc.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/rng.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace pdlab {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Standard normal from two uniforms (Box-Muller, the cosine branch).
double normal(const std::array<std::uint32_t, 4>& w) {
  const double u1 = Rng::to_open_unit(w[0], w[1]);
  const double u2 = Rng::to_open_unit(w[2], w[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double norm_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

double quantile_of(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

void check(const std::vector<AbcPrior>& priors, const AbcOptions& o) {
  if (priors.empty()) {
    fail(ErrorKind::usage, {"", 0, "free parameters", ""}, "no parameter to calibrate",
         "declare at least one free parameter");
  }
  for (const auto& p : priors) {
    if (!std::isfinite(p.lo) || !std::isfinite(p.hi) || !(p.lo < p.hi)) {
      fail(ErrorKind::usage, {"", 0, p.name, fmt::format("[{}, {}]", p.lo, p.hi)},
           "the prior's range must be finite with lo < hi", "give finite bounds, lo below hi");
    }
  }
  if (o.particles < 2) {
    fail(ErrorKind::usage, {"", 0, "--particles", std::to_string(o.particles)},
         "an ABC population needs at least 2 particles", "use e.g. --particles 200");
  }
  if (!(o.quantile > 0 && o.quantile < 1)) {
    fail(ErrorKind::usage, {"", 0, "--abc-quantile", fmt::format("{}", o.quantile)},
         "the tolerance quantile must lie in (0, 1)", "use e.g. --abc-quantile 0.5");
  }
  if (o.max_generations < 1) {
    fail(ErrorKind::usage, {"", 0, "--generations", std::to_string(o.max_generations)},
         "at least one generation is needed", "use e.g. --generations 8");
  }
  if (!(std::isfinite(o.tolerance) && o.tolerance >= 0)) {
    fail(ErrorKind::usage, {"", 0, "--tolerance", fmt::format("{}", o.tolerance)},
         "the stopping tolerance must be a finite distance, 0 or more",
         "use e.g. --tolerance 0.01, or leave it out (0: stop on the other criteria)");
  }
  if (!(o.min_acceptance >= 0 && o.min_acceptance < 1)) {
    fail(ErrorKind::usage, {"", 0, "--min-acceptance", fmt::format("{}", o.min_acceptance)},
         "the acceptance rate must lie in [0, 1)", "use e.g. --min-acceptance 0.02");
  }
}

// Proposal k of generation g (>= 1): a parent drawn by weight, perturbed component by
// component with a Gaussian of sd sigma, truncated to the box by redrawing.
std::vector<double> propose(const Rng& rng, const AbcGeneration& prev,
                            const std::vector<double>& cum, const std::vector<double>& sigma,
                            const std::vector<AbcPrior>& priors, int g, std::uint32_t k) {
  const auto ug = static_cast<std::uint32_t>(g);
  const double u = rng.uniform(ug, 0, k, 0, Draw::abc_parent);
  const auto parent = static_cast<std::size_t>(
      std::min<std::ptrdiff_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin(),
                               static_cast<std::ptrdiff_t>(cum.size()) - 1));
  std::vector<double> theta(priors.size());
  for (std::size_t d = 0; d < priors.size(); ++d) {
    const double x0 = prev.theta[parent][d];
    double x = x0;
    // Acceptance of each try is at least ~0.4, since sigma <= (hi - lo) / sqrt(2): 10,000
    // tries fail with probability below 1e-2000; the clamp is only a guard.
    for (std::uint32_t attempt = 0; attempt < 10000; ++attempt) {
      x = x0 + sigma[d] * normal(rng.words(ug, attempt, k, static_cast<std::uint32_t>(d),
                                           Draw::abc_perturb));
      if (x >= priors[d].lo && x <= priors[d].hi) {
        break;
      }
    }
    theta[d] = std::clamp(x, priors[d].lo, priors[d].hi);
  }
  return theta;
}

std::uint64_t sim_seed(const Rng& rng, int g, std::uint32_t k) {
  const auto w = rng.words(static_cast<std::uint32_t>(g), 0, k, 0, Draw::abc_simulate);
  return (static_cast<std::uint64_t>(w[0]) << 32U) | w[1];
}

// Weights of generation g: prior / sum_j W_j K(theta | theta_j), the prior constant on the
// box; K the product of the truncated Gaussians (log scale, against underflow).
std::vector<double> weights(const AbcGeneration& prev, const std::vector<std::vector<double>>& th,
                            const std::vector<double>& sigma, const std::vector<AbcPrior>& priors) {
  const std::size_t n = prev.theta.size();
  const std::size_t dims = priors.size();
  // log normaliser of each parent's truncated kernel
  std::vector<double> log_z(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t d = 0; d < dims; ++d) {
      const double z = norm_cdf((priors[d].hi - prev.theta[j][d]) / sigma[d]) -
                       norm_cdf((priors[d].lo - prev.theta[j][d]) / sigma[d]);
      log_z[j] += std::log(std::max(z, 1e-300)) + std::log(sigma[d]);
    }
  }
  std::vector<double> w(th.size());
  tbb::parallel_for(0, static_cast<int>(th.size()), [&](int i) {
    std::vector<double> terms(n);
    double top = -kInf;
    for (std::size_t j = 0; j < n; ++j) {
      double s = std::log(prev.weight[j]) - log_z[j];
      for (std::size_t d = 0; d < dims; ++d) {
        const double r = (th[static_cast<std::size_t>(i)][d] - prev.theta[j][d]) / sigma[d];
        s -= 0.5 * r * r;
      }
      terms[j] = s;
      top = std::max(top, s);
    }
    double sum = 0;
    for (double t : terms) {
      sum += std::exp(t - top);
    }
    w[static_cast<std::size_t>(i)] = -(top + std::log(sum));  // log weight
  });
  const double top = *std::max_element(w.begin(), w.end());
  double total = 0;
  for (auto& x : w) {
    x = std::exp(x - top);
    total += x;
  }
  for (auto& x : w) {
    x /= total;
  }
  return w;
}

double ess(const std::vector<double>& w) {
  double s = 0;
  for (double x : w) {
    s += x * x;
  }
  return 1.0 / s;
}

}  // namespace

void abc_parallel_for(int n, int threads, const std::function<void(int)>& f) {
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  arena.execute([&] { tbb::parallel_for(0, n, [&](int i) { f(i); }); });
}

namespace {

// The sampler, run inside one task arena of the requested size (made once: an arena per
// batch would cost more than the simulations of a cheap model).
AbcResult run_abc(const std::vector<AbcPrior>& priors, const AbcDistance& distance,
                  const AbcOptions& o,
                  const std::function<void(const AbcGeneration&)>& on_generation,
                  const AbcMap& given_map) {
  const AbcMap map = given_map ? given_map : [](int count, const std::function<double(int)>& f) {
    std::vector<double> v(static_cast<std::size_t>(count));
    tbb::parallel_for(0, count, [&](int i) { v[static_cast<std::size_t>(i)] = f(i); });
    return v;
  };
  const Rng rng(o.seed);
  const auto n = static_cast<std::size_t>(o.particles);
  const std::size_t dims = priors.size();
  AbcResult res;
  // Generation 0: the prior, every draw accepted.
  {
    AbcGeneration g0;
    g0.epsilon = kInf;
    g0.theta.assign(n, std::vector<double>(dims));
    g0.distance.assign(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t d = 0; d < dims; ++d) {
        const double u = rng.uniform(0, 0, static_cast<std::uint32_t>(k),
                                     static_cast<std::uint32_t>(d), Draw::abc_prior);
        g0.theta[k][d] = priors[d].lo + u * (priors[d].hi - priors[d].lo);
      }
    }
    g0.distance = map(o.particles, [&](int k) {
      return distance(g0.theta[static_cast<std::size_t>(k)],
                      sim_seed(rng, 0, static_cast<std::uint32_t>(k)));
    });
    g0.weight.assign(n, 1.0 / static_cast<double>(n));
    g0.simulations = o.particles;
    g0.ess = static_cast<double>(n);
    res.generations.push_back(g0);
    if (on_generation) {
      on_generation(res.generations.back());
    }
  }
  // Proposals are simulated in batches of N whatever the thread count, and accepted in
  // proposal order: the same particles at any number of threads.
  const auto cap =
      o.min_acceptance > 0
          ? static_cast<std::int64_t>(std::ceil(static_cast<double>(n) / o.min_acceptance))
          : std::int64_t{1} << 31U;
  for (int g = 1;; ++g) {
    const auto& prev = res.generations.back();
    if (prev.epsilon <= o.tolerance) {
      res.stop = fmt::format("the tolerance reached {:.4g}", prev.epsilon);
      break;
    }
    if (g >= o.max_generations) {
      res.stop = fmt::format("{} generations run", o.max_generations);
      break;
    }
    std::vector<double> finite;
    for (double d : prev.distance) {
      if (std::isfinite(d)) {
        finite.push_back(d);
      }
    }
    if (finite.empty()) {
      res.stop = "no simulation came near the targets (every distance infinite)";
      break;
    }
    double eps = std::max(quantile_of(finite, o.quantile), o.tolerance);
    if (!(eps < prev.epsilon)) {
      res.stop = fmt::format("the tolerance no longer falls ({:.4g})", prev.epsilon);
      break;
    }
    // Kernel: sd^2 = 2 x the weighted variance of the last population (Beaumont et al. 2009).
    std::vector<double> sigma(dims);
    for (std::size_t d = 0; d < dims; ++d) {
      double m = 0;
      for (std::size_t j = 0; j < n; ++j) {
        m += prev.weight[j] * prev.theta[j][d];
      }
      double v = 0;
      for (std::size_t j = 0; j < n; ++j) {
        v += prev.weight[j] * (prev.theta[j][d] - m) * (prev.theta[j][d] - m);
      }
      sigma[d] = std::max(std::sqrt(2.0 * v), 1e-9 * (priors[d].hi - priors[d].lo));
    }
    std::vector<double> cum(n);
    std::partial_sum(prev.weight.begin(), prev.weight.end(), cum.begin());
    AbcGeneration next;
    next.index = g;
    next.epsilon = eps;
    std::int64_t proposed = 0;
    bool exhausted = false;
    while (next.theta.size() < n) {
      if (proposed >= cap) {
        exhausted = true;
        break;
      }
      std::vector<std::vector<double>> batch(n);
      tbb::parallel_for(0, o.particles, [&](int i) {
        batch[static_cast<std::size_t>(i)] =
            propose(rng, prev, cum, sigma, priors, g, static_cast<std::uint32_t>(proposed + i));
      });
      const auto dist = map(o.particles, [&](int i) {
        return distance(batch[static_cast<std::size_t>(i)],
                        sim_seed(rng, g, static_cast<std::uint32_t>(proposed + i)));
      });
      for (std::size_t i = 0; i < n && next.theta.size() < n; ++i) {
        ++proposed;
        if (dist[i] <= eps) {
          next.theta.push_back(batch[i]);
          next.distance.push_back(dist[i]);
        }
      }
    }
    next.simulations = proposed;
    next.acceptance = static_cast<double>(next.theta.size()) / static_cast<double>(proposed);
    if (exhausted) {
      res.stop = fmt::format(
          "the acceptance rate fell below {} in generation {} (tolerance {:.4g}); the last "
          "complete generation is the posterior",
          o.min_acceptance, g, eps);
      break;
    }
    next.weight = weights(prev, next.theta, sigma, priors);
    next.ess = ess(next.weight);
    res.generations.push_back(std::move(next));
    if (on_generation) {
      on_generation(res.generations.back());
    }
    if (res.generations.back().acceptance < o.min_acceptance) {
      res.stop = fmt::format("the acceptance rate fell below {}", o.min_acceptance);
      break;
    }
  }
  return res;
}

}  // namespace

AbcResult abc_smc(const std::vector<AbcPrior>& priors, const AbcDistance& distance,
                  const AbcOptions& o,
                  const std::function<void(const AbcGeneration&)>& on_generation,
                  const AbcMap& map) {
  check(priors, o);
  const int conc = o.threads > 0 ? o.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  AbcResult res;
  arena.execute([&] { res = run_abc(priors, distance, o, on_generation, map); });
  return res;
}

AbcSummary abc_summary(const AbcGeneration& g, std::size_t parameter) {
  AbcSummary s;
  const std::size_t n = g.theta.size();
  std::vector<std::pair<double, double>> vw(n);
  for (std::size_t i = 0; i < n; ++i) {
    vw[i] = {g.theta[i][parameter], g.weight[i]};
    s.mean += g.weight[i] * g.theta[i][parameter];
  }
  for (const auto& [v, w] : vw) {
    s.sd += w * (v - s.mean) * (v - s.mean);
  }
  s.sd = std::sqrt(s.sd);
  std::sort(vw.begin(), vw.end());
  const auto q = [&](double p) {
    double c = 0;
    for (const auto& [v, w] : vw) {
      c += w;
      if (c >= p) {
        return v;
      }
    }
    return vw.back().first;
  };
  s.q05 = q(0.05);
  s.q50 = q(0.5);
  s.q95 = q(0.95);
  return s;
}

std::vector<int> abc_resample(const AbcGeneration& g, int draws, std::uint64_t seed) {
  const Rng rng(seed);
  const double u = rng.uniform(0, 0, 0, 0, Draw::abc_predict);
  std::vector<int> out;
  double c = g.weight[0];
  std::size_t j = 0;
  for (int i = 0; i < draws; ++i) {
    const double target = (i + u) / draws;
    while (c < target && j + 1 < g.weight.size()) {
      c += g.weight[++j];
    }
    out.push_back(static_cast<int>(j));
  }
  return out;
}

std::uint64_t abc_predict_seed(std::uint64_t seed, int draw) {
  const Rng rng(seed);
  const auto w = rng.words(1, 0, static_cast<std::uint32_t>(draw), 0, Draw::abc_predict);
  return (static_cast<std::uint64_t>(w[0]) << 32U) | w[1];
}

}  // namespace pdlab
