// The study workflows across ranks. Units of work are numbered point x replicates +
// replicate and rank k runs those with number % ranks == k, so the share does not depend on
// timing; each finished unit is appended to the rank's shard in OUT.shards/ (shards.hpp);
// once all are done every unit is read back in (point, replicate) order, so the result is
// the same bytes for any count of ranks and threads. With one rank and neither checkpoint
// nor resume nothing is written to disk and the work runs as it always has.
#pragma once

#include "pdlab/dist/context.hpp"
#include "pdlab/dist/shards.hpp"
#include "pdlab/study/abc_study.hpp"
#include "pdlab/study/grid.hpp"
#include "pdlab/study/plan.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace pdlab::dist {

struct ShardOptions {
  std::string out;          // the study's output; shards in OUT.shards
  bool checkpoint = false;  // write shards with one rank too, so that a killed run resumes
  bool resume = false;      // skip the units already in OUT.shards
};

// Shares a sensitivity or compare grid out (a study::GridRunner). Errors are agreed across
// ranks (Context::collective): more ranks than units, a shard folder left by an interrupted
// run without --resume, a resume of another study.
class GridRun {
 public:
  GridRun(const Context& ctx, ShardOptions options);
  study::GridRunner runner();
  // Call on every rank after rank 0 has written the merged output: removes the shards.
  void complete();
  int resumed_units() const { return resumed_; }

 private:
  study::GridValues run(const study::Grid& grid, const study::PointEval& eval);
  const Context& ctx_;
  ShardOptions o_;
  bool sharded_ = false;
  int resumed_ = 0;
};

// Calibrate's evaluations across ranks: in each, rank k runs the replicates r with
// r % ranks == k and every rank receives all of them (MPI_Allgather), so every rank takes the
// same search path and the result is the same at any count of ranks. More ranks than the
// replicates of an evaluation are refused. Nothing is streamed to disk: a killed calibration
// is run again.
study::EnsembleRunner ensemble_runner(const Context& ctx);

// Calibrate's simulations kept in OUT.shards (always on more than one rank; alone with
// `checkpoint`), so that a killed calibration resumes (`resume`) without making them again:
// unit i is the calibration's i-th simulation, its payload the parameters, seed and replicate
// count it was made at and the replicates' target values. Rank 0 writes; every rank replays.
// A shard folder left by a killed run without `resume`, or of another calibration, is refused
// (collectively); the folder is made at the first record.
class CalibrateCheckpoint {
 public:
  // `has_output`: false when the run writes no file to keep the shards beside (then off).
  CalibrateCheckpoint(const Context& ctx, ShardOptions options, bool has_output);
  ~CalibrateCheckpoint();
  CalibrateCheckpoint(const CalibrateCheckpoint&) = delete;
  CalibrateCheckpoint& operator=(const CalibrateCheckpoint&) = delete;
  study::CalibrationJournal journal();  // empty when off
  // Call on every rank after rank 0 has written the outputs: removes the shards.
  void complete();
  std::int64_t resumed() const { return resumed_; }

 private:
  const Context& ctx_;
  ShardOptions o_;
  bool on_ = false;
  bool exists_ = false;
  std::string fingerprint_;
  ShardIndex done_;
  std::unique_ptr<ShardWriter> writer_;
  std::int64_t resumed_ = 0;
};

// ABC-SMC's batches across ranks (study::BatchMap): rank k evaluates the items i with
// i % ranks == k on the threads of the task arena it is called in, and every rank receives
// all values (MPI_Allgather), so every rank holds the same particles and the posterior is
// the same at any count of ranks. More ranks than the items of a batch are refused.
study::BatchMap batch_map(const Context& ctx);

// `pdlab run` across ranks: rank 0 hands the replicates out as the ranks' threads become
// free (src/dist/farm.hpp); each is streamed to its rank's shard, and rank 0 writes it into
// the study (OUT.partial, renamed to OUT when complete; the estimate and its check run on
// rank 0 first) as soon as it and all before it are done. `plan.resume` resumes from
// OUT.shards. Returns the outcome on rank 0 (report.replicates 0 on the others).
study::RunOutcome run_plan_across(const Context& ctx, const study::RunPlan& plan,
                                  const study::RunHooks& hooks);

// Whether `pdlab run` must go through run_plan_across: more than one rank, or a shard folder
// of an earlier distributed run to resume.
bool run_needs_shards(const Context& ctx, const study::RunPlan& plan);

}  // namespace pdlab::dist
