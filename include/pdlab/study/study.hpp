// A study end to end: scenario -> inputs -> model -> ensemble -> summary -> SQLite.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pdlab::study {

struct PreparedStudy {
  io::LoadedScenario loaded;
  io::Inputs inputs;
  std::unique_ptr<Model> model;
};

// Reads the scenario (with overrides), loads its hierarchy and edges, compiles the model.
// This is all `pdlab validate` does; any error is thrown before anything is written. An error
// about a key an override set names that override (rethrow_blaming), wherever it is found.
PreparedStudy prepare_study(const std::string& scenario_path,
                            const std::vector<std::string>& overrides);

// Rethrows `error`, found reading or compiling `scenario_path` with `assignments` (key=value)
// applied, so that it names where the user wrote the value: an error about a key an
// assignment set (the key, a key inside it, or the table holding it; "event[0].date" and
// "event.0.date" alike) is located at origin(assignment) instead of the scenario or an
// earlier --set; another error about the scenario file notes the assignments it was read
// with (one of them may be the cause: --set calendar.start_year moves events' dates out of
// the calendar). Anything else is rethrown as it is.
[[noreturn]] void rethrow_blaming(const Error& error, const std::string& scenario_path,
                                  const std::vector<std::string>& assignments,
                                  const std::function<std::string(const std::string&)>& origin);

struct RunReport {
  std::int32_t n_units = 0;
  std::int32_t replicates = 0;
  std::int64_t adoptions = 0;  // rows written to the adoptions table
  // output.adoptions_max_level where it leaves deeper levels out of the adoptions table (""
  // when every level is written): `adoptions` then counts only the levels down to it.
  std::string adoptions_down_to;
  double seconds_load = 0;
  double seconds_simulate = 0;
  double seconds_write = 0;
  std::int32_t resumed_replicates = 0;  // replicates already in the partial file (--resume)
};

// The checks of a study's output path, before any work: not an input, not an existing file
// unless `force` (and then a regular file), a folder that exists, and a name that does not
// say another format (x.csv). run_study makes them too; callers that estimate first call this
// before the estimate.
void check_run_output(const std::string& out_path, bool force);

// Runs the study and writes it as it runs (each replicate committed on its own, to
// `<out>.partial` until complete); with `resume`, finishes an interrupted one. The adoptions
// counted are those of the replicates run by this call (the writing thread's share of the
// time is reported as writing, the rest as simulating). It does not check that the study
// fits: call estimate_study and check_estimate (study/estimate.hpp) first, as `pdlab run` does.
// `pilot`, when given (the estimate's replicate 0), is written as it is if replicate 0 is
// still to run, not simulated again: replicates are deterministic, so the bytes are the same.
// `on_replicate`, when given, sees each replicate once it is written (from the writing thread).
// run_plan (study/plan.hpp) wraps this with the estimate; clients call that.
RunReport run_study(const PreparedStudy& study, const std::string& out_path, bool force,
                    bool resume, const std::string& command_line,
                    const std::function<void(int, int)>& progress,
                    const ReplicateResult* pilot = nullptr,
                    const std::function<void(const ReplicateResult&)>& on_replicate = {});

}  // namespace pdlab::study
