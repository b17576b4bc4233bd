// The adoption engine: simulates a compiled Model, one replicate at a time or an ensemble.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/core/records.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace pdlab {

struct ReplicateResult {
  std::int32_t replicate = 0;
  std::vector<Adoption> adoptions;  // in order of adoption; ties by processing order
  GovernanceResult governance;      // empty when the governance modules are off
  // Set by io::reduce_for_study, where the rank that simulated a replicate is not the one that
  // writes it (docs/mpi.md): `adoptions` then holds only the study's adoption rows, `cells`
  // the replicate's adoption cells (summary.hpp) and `n_adoptions` the count of all of them.
  bool reduced = false;
  std::vector<double> cells;
  std::int64_t n_adoptions = 0;
};

// An observed start (out-of-sample prediction, docs/model.md 7.12): before period `start`
// no hazard runs and no scripted event, pilot or deadline acts; the units listed adopt in
// the periods observed (channel `event`), so that from `start` on the exposures (vertical,
// horizontal, bottom-up) see them as they were. From `start` on every unit not adopted runs
// its hazard as usual: its Exp(1) threshold, drawn as always, is met by the hazard
// accumulated from `start`, which is the law of adoption given survival to `start`.
struct ObservedStart {
  std::int32_t start = 0;
  struct Entry {
    std::int32_t unit;
    std::int32_t period;  // < start
  };
  std::vector<std::vector<Entry>> adoptions;  // per policy; a policy not listed: none
};

struct RunOptions {
  // Most periods adoption runs ahead of the governance layer; 0 = the model's choice
  // (GovernanceModel::window(), each window ending by GovernanceModel::window_end()). Any
  // window from 1 up to that choice gives the same bits (tests prove it); smaller ones only
  // run slower.
  std::int32_t window = 0;
  // Start every replicate from an observed history (nullptr: from period 0, nothing adopted).
  const ObservedStart* observed = nullptr;
  // Fill GovernanceResult::residents (a per-period sum over every community: for tests of
  // restructuring; it costs about a quarter of a coupled national replicate with a tier
  // abolished, so it is off by default).
  bool check_residents = false;
  // Update the never-adopted communities of a local government that share their residents'
  // numbers once, as one (docs/model.md 7.9.2: they are identical until one adopts); off
  // computes every community. Each community's state is the same bits either way; the sums
  // over communities differ in rounding only (sums of one value times its count rather than
  // of the copies). Off wherever communities are restructured or resident agents run.
  bool share_identical_communities = true;
};

// Simulates replicate r. Deterministic in (scenario seed, r): no shared state.
ReplicateResult run_replicate(const Model& model, std::int32_t replicate,
                              const RunOptions& options = {});

// Runs replicates [0, n) on `threads` threads (0 = all cores). `progress(done, total)` is
// called from worker threads after each replicate; it may be empty.
std::vector<ReplicateResult> run_ensemble(const Model& model, std::int32_t n, int threads,
                                          const std::function<void(int, int)>& progress = {},
                                          const RunOptions& options = {});

// Runs the replicates listed in `replicates` on `threads` threads (0 = all cores) and hands
// each result to `consume` in the order of the list, one call at a time (a serial, in-order
// stage), so that a writer can commit replicate by replicate. At most two replicates per
// thread are in flight, so memory does not grow with the number of replicates.
// `progress(done, total)` follows each consumed replicate; it may be empty.
void run_ensemble_streaming(const Model& model, const std::vector<std::int32_t>& replicates,
                            int threads, const std::function<void(ReplicateResult&&)>& consume,
                            const std::function<void(int, int)>& progress = {},
                            const RunOptions& options = {});

}  // namespace pdlab
