// A process of the per-period schedule (docs/model.md §3). The scheduler runs every process's
// step(t) in a declared order each period, on one replicate state: a process reads what the
// processes before it wrote in the same period and what every process wrote in earlier ones.
// Random numbers come from counter-based streams keyed by (seed, replicate, period, unit,
// purpose), so they do not depend on the order of processes or on the thread count.
#pragma once

#include <cstdint>

namespace pdlab {
struct ReplicateResult;
}

namespace pdlab::sim {

struct ReplicateState;

class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;
  Process& operator=(Process&&) = delete;
  virtual ~Process() = default;

  // Resets the process for a replicate (workspaces keep their capacity across replicates).
  virtual void init(ReplicateState& state) = 0;
  virtual void step(std::int32_t t, ReplicateState& state) = 0;
  // Moves the process's outputs into the replicate's result.
  virtual void finish(ReplicateState& state, ReplicateResult& out) = 0;
};

}  // namespace pdlab::sim
