// A run plan: everything `pdlab run`, Python's pdlab.run() and `pdlab cases` need to run one
// study, in one value, and the one function that carries it out (read, compile, check the
// output path, estimate and check that the study fits, run and write). The clients differ
// only in what they print, through the hooks.
#pragma once

#include "pdlab/study/estimate.hpp"
#include "pdlab/study/study.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pdlab::study {

struct RunPlan {
  std::string scenario;                // the scenario TOML
  std::vector<std::string> overrides;  // "dotted.key=value" (TOML value), as --set
  std::string out;                     // the study file (.sqlite)
  bool force = false;                  // replace an existing regular file at `out`
  bool resume = false;                 // finish `<out>.partial` (pdlab run --resume)
  // Refuse the run, before anything is written, when the up-front estimate says the output
  // or the memory will not fit (Error cant_create or resources); false runs it anyway.
  bool check_estimate = true;
  bool estimate_only = false;  // stop after the estimate (and its check): nothing is written
  std::string command_line;    // stored with the study
};

// What a client may show while the plan runs; every hook may be empty.
struct RunHooks {
  // The compiled study, before its output is checked and estimated (warnings, sizes).
  std::function<void(const PreparedStudy&)> on_prepared;
  // The estimate and what the machine offers, before the estimate is checked.
  std::function<void(const StudyEstimate&, const Available&)> on_estimate;
  std::function<void(int, int)> progress;  // replicates done, total
  // Each replicate once it is written, in writing order (from the writing thread), e.g. for
  // a client that reduces replicates as they come.
  std::function<void(const ReplicateResult&)> on_replicate;
};

struct RunOutcome {
  std::shared_ptr<const PreparedStudy> study;  // the compiled scenario and its inputs
  RunReport report;                            // empty when estimate_only
  StudyEstimate estimate;
  Available available;
  std::vector<std::string> warnings;  // the model's warnings
  bool ran = false;                   // false when estimate_only
};

RunOutcome run_plan(const RunPlan& plan, const RunHooks& hooks = {});

}  // namespace pdlab::study
