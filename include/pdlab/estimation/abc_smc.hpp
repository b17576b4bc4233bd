// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; population Monte
// Carlo of Beaumont et al. 2009, Biometrika 96:983, with the adaptive tolerance of Drovandi &
// Pettitt 2011, Biometrics 67:225, and Del Moral et al. 2012, Stat Comput 22:1009). Uniform
// priors on boxes; the simulator is a caller's function of (parameters, seed) returning a
// distance to the data. No I/O. docs/calibrate.md gives the algorithm and its equations.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab {

// Uniform prior on [lo, hi] for one parameter.
struct AbcPrior {
  std::string name;
  double lo = 0, hi = 1;
};

struct AbcOptions {
  int particles = 200;           // population size N (>= 2)
  int max_generations = 8;       // generations at most, the prior's included
  double quantile = 0.5;         // tolerance of a generation: this quantile of the last distances
  double min_acceptance = 0.01;  // stop when a generation's acceptance rate falls below (0: never)
  double tolerance = 0;          // stop once the tolerance is at or below this
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = all cores; the result does not depend on it
};

struct AbcGeneration {
  int index = 0;
  double epsilon = 0;  // tolerance (infinite for the prior's generation)
  std::int64_t simulations = 0;
  double acceptance = 1;                   // accepted / simulated
  double ess = 0;                          // effective sample size 1 / sum(W^2)
  std::vector<std::vector<double>> theta;  // per particle, per parameter
  std::vector<double> weight;              // normalised importance weights
  std::vector<double> distance;
};

struct AbcResult {
  std::vector<AbcGeneration> generations;  // the last is the posterior sample
  std::string stop;                        // why it stopped, in words
  const AbcGeneration& posterior() const { return generations.back(); }
};

// Distance of one simulation at `theta` with seed `seed` to the data; it must depend only on
// its arguments (it is called from several threads at once).
using AbcDistance = std::function<double(const std::vector<double>& theta, std::uint64_t seed)>;

// Evaluates f(i) for i in [0, n) and returns the n values in order: how a batch of
// simulations is run. Empty: on the sampler's threads. A distributed run gives each process
// a share and gathers the values, so every process holds the same populations.
using AbcMap = std::function<std::vector<double>(int n, const std::function<double(int)>& f)>;

// Runs ABC-SMC. `on_generation` (may be empty) is called after each generation. Throws
// Error(usage) for N < 2, a quantile outside (0, 1), or an empty, inverted or infinite box.
// The result depends on neither the threads nor `map`.
AbcResult abc_smc(const std::vector<AbcPrior>& priors, const AbcDistance& distance,
                  const AbcOptions& options,
                  const std::function<void(const AbcGeneration&)>& on_generation = {},
                  const AbcMap& map = {});

// Weighted summaries of one parameter: mean, sd, and the quantile at p (the smallest value
// whose cumulative weight reaches p, sorted by value).
struct AbcSummary {
  double mean = 0, sd = 0, q05 = 0, q50 = 0, q95 = 0;
};
AbcSummary abc_summary(const AbcGeneration& g, std::size_t parameter);

// `draws` particle indices resampled by weight (systematic resampling, one uniform from the
// stream (seed, abc_predict)), for posterior predictive simulations; and the seed of draw i.
std::vector<int> abc_resample(const AbcGeneration& g, int draws, std::uint64_t seed);
std::uint64_t abc_predict_seed(std::uint64_t seed, int draw);

// Runs f(i) for i in [0, n) on `threads` threads (0 = all cores).
void abc_parallel_for(int n, int threads, const std::function<void(int)>& f);

}  // namespace pdlab
