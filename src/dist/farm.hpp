// A task farm across ranks: rank 0 hands tasks out one at a time, in the order given, to
// the simulation threads of every rank (its own included) as they become free, and
// consumes what they make on its main thread while the others still work (pdlab run writes
// each replicate into the study as soon as it and all before it are done). Which rank runs
// which task depends on timing; what the tasks make does not, and rank 0 consumes them in
// order, so the output has the same bytes at any count of ranks and threads.
//
// Each rank's main thread does the MPI calls (MPI_THREAD_FUNNELED) and its `threads`
// simulation threads run the tasks. A finished task is recorded by the rank that ran it
// (`finished`: the shard record) and announced to rank 0 by a small message giving where
// the record lies, so no payload travels through MPI; rank 0's own tasks are recorded too
// and go to `arrived` from memory.
#pragma once

#include "pdlab/dist/context.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pdlab::dist {

using Payload = std::vector<char>;

// Where a finished task's record lies: its rank's shard file and the record's offset.
struct Locator {
  std::int32_t rank = 0;
  std::uint64_t offset = 0;
};

// PDLAB_DIST_TIMELINE=PREFIX writes each rank's events to PREFIX.rankK, one a line: the
// time (seconds of the machine's monotonic clock, comparable across the ranks of one
// machine), the event and its replicate (-1 for a phase), to see where a distributed run
// spends its time.
class Timeline {
 public:
  explicit Timeline(int rank);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;
  void mark(const char* event, std::int32_t task);  // thread-safe; nothing when off

 private:
  std::FILE* f_ = nullptr;
  std::mutex m_;
};

struct FarmJob {
  std::vector<std::int32_t> tasks;  // rank 0: in the order to hand out (others: ignored)
  int threads = 1;                  // simulation threads on each rank
  // Rank 0 hands tasks[i] out only while i < consumed() + window (bounds what waits in
  // memory for an earlier task).
  std::int64_t window = 1;
  // Runs a task on a simulation thread (any rank).
  std::function<Payload(std::int32_t task)> work;
  // Main thread of the rank that ran the task: records it (the shard); returns the
  // record's offset.
  std::function<std::uint64_t(std::int32_t task, const Payload&)> finished;
  // Rank 0's main thread: a task is done, by rank 0 itself (payload given) or by another
  // rank (payload empty, `where` its record).
  std::function<void(std::int32_t task, Payload&& payload, const Locator& where)> arrived;
  // Rank 0's main thread: consumes the next thing that can be consumed (writes one
  // replicate) and returns true, or returns false when nothing can be now.
  std::function<bool()> consume;
  std::function<std::int64_t()> consumed;  // rank 0: how many tasks consumed so far
  Timeline* timeline = nullptr;
};

// The farm on one rank: its simulation threads start when it is made.
class Farm {
 public:
  // `job.work`, `job.threads` and `job.timeline` are used from now on, the rest from run();
  // `job` must outlive the farm.
  Farm(const Context& ctx, FarmJob& job);
  ~Farm();
  Farm(const Farm&) = delete;
  Farm& operator=(const Farm&) = delete;
  // A rank other than 0: starts these tasks at once, before run() (while rank 0 makes the
  // estimate). run() first claims them from rank 0, which grants those it has not handed
  // out; the others are dropped when done.
  void guess(const std::vector<std::int32_t>& tasks);
  // Runs the farm (every rank, from its main thread, inside one collective step). Returns
  // when every task has been run and rank 0 can consume nothing more. An error on any rank
  // stops the handing out; the rank rethrows it once the others have stopped, and rank 0
  // returns false when another rank failed (the collective step then reports that rank's
  // error).
  bool run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdlab::dist
