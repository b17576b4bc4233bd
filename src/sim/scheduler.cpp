// The per-period scheduler (docs/model.md §3): one replicate state, the processes in their
// declared order, every period.
#include "core/engine.hpp"
#include "core/governance.hpp"
#include "sim/adoption.hpp"
#include "sim/state.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <memory>

namespace pdlab {

namespace {

// Everything one thread needs to simulate replicates of a model, reused across replicates.
// The processes, in their order each period: adoption of each policy, then, when the
// governance layer is coupled to adoption, its modules.
struct Workspace {
  sim::ReplicateState state;
  std::vector<std::unique_ptr<sim::Process>> processes;
  bool block_major = false;  // the governance layer runs after adoption, block by block

  Workspace(const Model& m, const RunOptions& options) {
    state.policies.resize(static_cast<std::size_t>(m.n_policies()));
    for (std::int32_t k = 0; k < m.n_policies(); ++k) {
      processes.push_back(sim::make_adoption_process(m, k));
    }
    if (const auto* g = m.governance()) {
      if (g->coupled() || options.coupled) {
        for (auto& p : sim::make_governance_processes(*g)) {
          processes.push_back(std::move(p));
        }
      } else {
        block_major = true;
      }
    }
  }
};

ReplicateResult simulate(const Model& model, Workspace& ws, std::int32_t replicate) {
  ReplicateResult result;
  result.replicate = replicate;
  auto& state = ws.state;
  state.replicate = replicate;
  for (auto& p : ws.processes) {
    p->init(state);
  }
  for (std::int32_t t = 0; t < model.periods(); ++t) {
    for (auto& p : ws.processes) {
      p->step(t, state);
    }
  }
  for (auto& p : ws.processes) {
    p->finish(state, result);
  }
  if (ws.block_major) {
    result.governance = run_governance(*model.governance(), state);
  }
  // Records by policy, in policy order.
  if (state.policies.size() == 1) {
    result.adoptions.swap(state.policies[0].records);
  } else {
    std::size_t total = 0;
    for (const auto& ps : state.policies) {
      total += ps.records.size();
    }
    result.adoptions.reserve(total);
    for (const auto& ps : state.policies) {
      result.adoptions.insert(result.adoptions.end(), ps.records.begin(), ps.records.end());
    }
  }
  return result;
}

}  // namespace

ReplicateResult run_replicate(const Model& model, std::int32_t replicate,
                              const RunOptions& options) {
  Workspace ws(model, options);
  return simulate(model, ws, replicate);
}

std::vector<ReplicateResult> run_ensemble(const Model& model, std::int32_t n, int threads,
                                          const std::function<void(int, int)>& progress,
                                          const RunOptions& options) {
  std::vector<ReplicateResult> results(n);
  std::atomic<int> done{0};
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  tbb::enumerable_thread_specific<std::unique_ptr<Workspace>> workspaces;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int32_t>(0, n, 1),
                      [&](const tbb::blocked_range<std::int32_t>& range) {
                        auto& ws = workspaces.local();
                        if (!ws) {
                          ws = std::make_unique<Workspace>(model, options);
                        }
                        for (std::int32_t r = range.begin(); r < range.end(); ++r) {
                          results[r] = simulate(model, *ws, r);
                          const int d = ++done;
                          if (progress) {
                            progress(d, n);
                          }
                        }
                      });
  });
  return results;
}

}  // namespace pdlab
