// The `sensitivity` workflow as a library function: factors (numeric scenario keys over
// ranges) varied by a Morris or a Saltelli design; at every design point the scenario's
// replicates run on common random numbers (the same replicate seeds everywhere) and each
// outcome `compare` knows is averaged over them; the estimators (estimation/sensitivity.hpp)
// then give Morris elementary effects or Sobol indices with bootstrap intervals. The scenario
// is read once; design points are typed overrides of a copy. Nothing is printed or written.
#pragma once

#include "pdlab/core/scenario.hpp"
#include "pdlab/estimation/sensitivity.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/sim/compare.hpp"
#include "pdlab/study/grid.hpp"

#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

enum class SensitivityMethod : std::uint8_t { morris, sobol };

struct SensitivitySpec {
  std::string scenario;                // scenario file, optionally with [[sensitivity.factor]]
  std::vector<std::string> overrides;  // key=value, applied once when it is read
  // --factor KEY or KEY=LO:HI; a key also in the scenario takes this range instead.
  std::vector<std::string> factors;
  SensitivityMethod method = SensitivityMethod::sobol;
  int samples = 64;       // Sobol: base points N (N (k + 2) design points)
  int trajectories = 10;  // Morris: r (r (k + 1) design points)
  int levels = 4;         // Morris: p, even
  int bootstrap = 1000;   // resamples for the intervals
  double confidence = 0.95;
  // Called with each warning due before anything runs (a factor a set event also sets);
  // empty: they go to the result's warnings with the rest.
  std::function<void(const std::string&)> on_warning;
};

// The least the estimators are given: below these the indices or their intervals say nothing.
inline constexpr int min_sobol_samples = 8;
inline constexpr int min_trajectories = 2;
inline constexpr int min_bootstrap = 100;
// The most resamples: a 95% bound's coverage is then within 0.0002 of its target (the binomial
// error of the 2.5% quantile), so more only take time.
inline constexpr int max_bootstrap = 1000000;

// A factor with its range resolved (the registry's where the spec gave none).
struct ResolvedFactor {
  std::string key;
  double lo = 0;
  double hi = 0;
};

struct SensitivityResult {
  std::string scenario_name;  // the base scenario's, with its seed: the outputs' provenance
  std::uint64_t seed = 0;
  SensitivityMethod method = SensitivityMethod::sobol;
  std::vector<ResolvedFactor> factors;
  std::vector<OutcomeDef> outcomes;
  int design_points = 0;
  int replicates = 0;
  double confidence = 0.95;
  int bootstrap = 0;  // resamples behind each interval
  // [outcome][factor]; only the method's own is filled.
  std::vector<std::vector<sensitivity::MorrisIndex>> morris;
  std::vector<std::vector<sensitivity::SobolIndex>> sobol;
  std::string deepest_level, top_level;      // of the hierarchy, for digests
  std::vector<PolicyLevel> adopting_levels;  // where some design point adopts (for digests)
  // The scenario's warnings that hold over the whole design (first), then factors that may
  // change nothing: the warnings their values raise where the scenario's do not (a key of a
  // module that is off), and factors no outcome moved with.
  std::vector<std::string> warnings;
  // The keys [uncertainty] drew in each replicate (the same draw at every design point; empty:
  // the keys other than the factors fixed at the scenario's values), and whether [uncertainty]
  // lists keys at all: sensitivity_intervals_note() says what the intervals cover.
  std::vector<std::string> drawn;
  bool uncertainty_listed = false;
  int base_rows = 0;  // Sobol: N base points; Morris: r trajectories (what the bootstrap resamples)
  // Per outcome, over the design points' means: the lowest and how many are below 1 (for
  // reached_half: points where some replicate never reaches half, so periods_to_half counts
  // the horizon there).
  std::vector<double> lowest;
  std::vector<int> points_below_one;
  // The governance layer's community level (empty without the layer), and whether the
  // governance policy can be adopted there at neither corner of the design
  // (Model::can_adopt_at): its communities' depth is then 0 by construction, not a result.
  std::string community_level;
  bool community_unreached = false;
};

// What the indices' intervals cover, in one line for the digest and the report: the percentile
// bootstrap over the design's base points (Sobol) or trajectories (Morris), and the parameters
// other than the factors, fixed or drawn per replicate from [uncertainty] (compare's words).
std::string sensitivity_intervals_note(const SensitivityResult& result);

// Sobol: per outcome, the sum of the first-order indices' estimates (at most 1 in truth; 1
// minus it is the share of interactions and replicate noise); NaN where the outcome does not
// vary. Empty for Morris.
std::vector<double> first_order_sums(const SensitivityResult& result);

// How far a Sobol estimate may stray outside [0, 1], or a first-order sum above 1, before
// sobol_sampling_note() names it: within it an index reads as "near 0" or "near 1" (the
// ordinary small-sample scatter of a factor that does nothing, or does everything); beyond it
// a reader would take the value at face value.
inline constexpr double kSamplingSlack = 0.05;
// The base samples the note asks for at least (4 times the default of 64: intervals half as
// wide).
inline constexpr int recommended_sobol_samples = 256;

// Sobol: one note naming the outcomes (up to three, with the offending index) whose indices
// no variance decomposition allows: an estimate outside [0, 1] by more than kSamplingSlack or
// an interval wholly outside it, first-order indices summing above 1 + kSamplingSlack, or S1
// above ST with disjoint intervals; it says this is sampling error and how far to raise
// --samples. Empty where there is none, and for Morris.
std::string sobol_sampling_note(const SensitivityResult& result);

// The scenario's [[sensitivity.factor]] tables resolved as `pdlab sensitivity` resolves them
// (keys, ranges against the registry's, drawn keys): `pdlab validate` checks them with the rest.
// Throws Error(config) naming the table and the fix.
std::vector<ResolvedFactor> scenario_factors(const std::string& scenario_path, const Scenario& sc);

// Checks the factors and the design sizes (an error names the key or option and the fix)
// before any run. `on_point(i, n)` is called before design point i runs (may be empty).
// The design points x replicates run through `runner` (empty: run_grid_here), e.g. across
// MPI ranks (pdlab::dist); the result is the same whichever runs them.
SensitivityResult sensitivity_analysis(const SensitivitySpec& spec,
                                       const std::function<void(int, int)>& on_point,
                                       const GridRunner& runner = {});

// The index table (schema "sensitivity"): one row per outcome, factor and index.
void write_sensitivity(const SensitivityResult& result, io::TableWriter& w);
// The index table and a meta table (command line, scenario, seed, replicates, method, factors,
// what the intervals cover) as a .sqlite file at `out` (replaced only with `force`), which
// `pdlab report` draws: for the CLI's and Python's `out`.
void write_sensitivity_study(const std::string& out, bool force, const SensitivityResult& result,
                             const std::string& command_line, const std::string& scenario_file);

}  // namespace pdlab::study
