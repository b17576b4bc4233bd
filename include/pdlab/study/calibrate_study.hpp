// The `calibrate` workflow as a library function: a scenario's free parameters
// ([[calibrate.free]]) fitted to roll-out targets (shares of units adopted by dates, by
// region) by NLopt's Nelder-Mead on common random numbers from several seeds, the best start
// chosen and reported on fresh validation replicates. Nothing is printed or written here.
#pragma once

#include "pdlab/core/scenario.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/sim/calibrate.hpp"
#include "pdlab/study/grid.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

struct CalibrateSpec {
  std::string scenario;                // scenario file with [[calibrate.free]]
  std::vector<std::string> overrides;  // key=value, applied once when it is read
  std::string targets_path;            // CSV: level,date,share[,policy_id,region,weight]
  // Called once the scenario, its inputs and the targets are read, before any simulation
  // (e.g. to check that no output would replace one of them, or that the scenario's replicate
  // counts can be shared out); may be empty.
  std::function<void(const Scenario&)> on_inputs_read;
  // How the fitted scenario names the targets (empty: targets_path), e.g. for targets a
  // caller wrote to a temporary file.
  std::string targets_label;
};

struct CalibrationStart {
  std::uint64_t seed = 0;
  std::vector<double> x;  // per free parameter
  NelderMeadResult search;
  double validation_objective = 0;
};

struct TargetFit {
  Target target;
  std::string policy_id, level, region, date;
  double mean = 0, q05 = 0, q95 = 0;  // over the validation replicates
};

struct CalibrateResult {
  std::vector<FreeParameter> free;
  std::vector<Target> targets;
  std::vector<CalibrationStart> starts;
  std::vector<double> best_x;
  std::uint64_t validation_seed = 0;
  int validation_replicates = 0;
  int replicates_per_evaluation = 0;
  int planned_starts = 0;
  std::vector<TargetFit> fit;  // the best start on the validation replicates
};

// Where a calibration is, after each evaluation of the objective (for progress displays).
struct CalibrateProgress {
  int start = 0;            // 0-based index of the start being searched
  int starts = 0;           // planned starts
  int evaluations = 0;      // of this start so far
  int max_evaluations = 0;  // of this start at most
  double best = 0;          // best objective of this start so far
};

// The targets CSV: level,date,share (or value) and optionally policy_id,region,weight,metric
// (a governance metric of docs/metrics.md: its value at the level in that period). Data
// errors name the file, line, field and the fix.
std::vector<Target> read_targets(const std::string& path, const Model& model);

// Whether the governance layer can be switched off while calibrating: without feedback and
// without governance targets it cannot change what is compared.
bool calibration_adoption_only(const Scenario& sc, const std::vector<Target>& targets);
// The scenario `sc` with the free parameters set to `x` (typed overrides, no TOML re-read),
// the seed set, and the governance layer off when `adoption_only`.
Scenario calibration_scenario(const Scenario& sc, const std::vector<FreeParameter>& free,
                              const std::vector<double>& x, std::uint64_t seed, bool adoption_only);

// The simulations of a calibration kept as they are made, so that a killed one resumes:
// the search is deterministic, so the run that resumes asks for the same simulations in the
// same order and gets the recorded ones back instead of running them. `open(fingerprint)`
// comes first (the fingerprint says what the calibration is: scenario, targets); then for
// simulation i (0, 1, ...) with `key` (its parameters, seed and replicate count),
// `replay(i, key, values)` returns true with the recorded values, or false, and then
// `record(i, key, values)` is called once it is made. Any may be empty.
struct CalibrationJournal {
  std::function<void(const std::string& fingerprint)> open;
  std::function<bool(std::int64_t i, const std::vector<double>& key, std::vector<double>& values)>
      replay;
  std::function<void(std::int64_t i, const std::vector<double>& key,
                     const std::vector<double>& values)>
      record;
};

// `on_start(result so far)` is called after each start, `on_evaluation` after each evaluation
// of the objective; either may be empty. Each evaluation's replicates run through `runner`
// (empty: in this process), e.g. shared across MPI ranks (pdlab::dist): the same result.
// `journal` keeps the simulations (empty: none kept).
CalibrateResult calibrate_scenario(
    const CalibrateSpec& spec, const std::function<void(const CalibrateResult&)>& on_start,
    const std::function<void(const CalibrateProgress&)>& on_evaluation = {},
    const EnsembleRunner& runner = {}, const CalibrationJournal& journal = {});

// The fitted scenario as TOML text: the calibrated values set, and the paths, relative to
// the scenario file, re-anchored to `out_path`'s folder. `posterior_mean`: the values are an
// ABC-SMC posterior's mean (abc_point()), and the first line says so.
std::string fitted_scenario_toml(const CalibrateSpec& spec, const CalibrateResult& r,
                                 const std::string& out_path, bool posterior_mean = false);

// The fit table (schema "calibration"): one row per target.
void write_calibration(const CalibrateResult& result, io::TableWriter& w);
// The calibration table and a meta table (command line, scenario file and name, seed,
// validation replicates, the fitted values) as a .sqlite file at `out` (replaced only with
// `force`), which `pdlab report` draws with its provenance.
struct CalibrationProvenance {
  std::string command_line, scenario_file, scenario_name;
  std::uint64_t seed = 0;
};
void write_calibration_study(const std::string& out, bool force, const CalibrateResult& result,
                             const CalibrationProvenance& provenance);

// A warning for each free key that a set event of `sc` also sets: the fitted value holds only
// before the event's date (docs/calibrate.md).
std::vector<std::string> free_keys_set_by_events(const Scenario& sc);

}  // namespace pdlab::study
