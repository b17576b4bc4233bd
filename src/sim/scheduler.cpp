// The per-period scheduler (docs/model.md §3): one replicate state, the processes in their
// declared order, every period.
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/adoption.hpp"
#include "sim/state.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <memory>

namespace pdlab {

namespace {

// Everything one thread needs to simulate replicates of a model, reused across replicates.
// The processes, in their order each period: adoption of each policy, then the governance
// layer, which runs a window of periods behind adoption (GovernanceModel::window_end()).
struct Workspace {
  sim::ReplicateState state;
  std::vector<std::unique_ptr<sim::Process>> adoption;
  std::unique_ptr<sim::GovernanceLayer> governance;
  const GovernanceModel* model = nullptr;
  std::int32_t window;  // the longest window

  Workspace(const Model& m, const RunOptions& options) : window(m.periods()) {
    state.policies.resize(static_cast<std::size_t>(m.n_policies()));
    for (std::int32_t k = 0; k < m.n_policies(); ++k) {
      adoption.push_back(sim::make_adoption_process(m, k, options.observed));
    }
    if (const auto* g = m.governance()) {
      model = g;
      window = g->window();
      if (options.window > 0) {
        window = std::min(window, options.window);
      }
      governance = sim::make_governance_layer(*g, window, options.check_residents,
                                              options.share_identical_communities);
    }
    window = std::max(1, window);
  }

  // The end of the window that starts in period t0: the governance model's (at most the lag
  // while a tier is abolished, none past a restructuring that runs before the blocks or the
  // start of an abolition), at most `window` periods.
  std::int32_t window_end(std::int32_t t0, std::int32_t periods) const {
    const std::int32_t t1 = std::min(periods, t0 + window);
    return model != nullptr ? std::min(t1, model->window_end(t0)) : t1;
  }
};

ReplicateResult simulate(const Model& model, Workspace& ws, std::int32_t replicate) {
  ReplicateResult result;
  result.replicate = replicate;
  auto& state = ws.state;
  state.replicate = replicate;
  for (auto& p : ws.adoption) {
    p->init(state);
  }
  if (ws.governance) {
    ws.governance->init(state);
  }
  const std::int32_t periods = model.periods();
  for (std::int32_t t0 = 0, t1 = 0; t0 < periods; t0 = t1) {
    t1 = ws.window_end(t0, periods);
    for (std::int32_t t = t0; t < t1; ++t) {
      for (auto& p : ws.adoption) {
        p->step(t, state);
      }
      if (ws.governance) {
        ws.governance->collect(t, state);
      }
    }
    if (ws.governance) {
      ws.governance->run_window(t0, t1, state);
    }
  }
  for (auto& p : ws.adoption) {
    p->finish(state, result);
  }
  if (ws.governance) {
    result.governance = ws.governance->finish();
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

// One replicate, on the thread's workspace; with parameter draws ([uncertainty]), on a model
// compiled for the replicate's own parameters (and a workspace of its own).
ReplicateResult simulate_replicate(const Model& model, std::unique_ptr<Workspace>& ws,
                                   std::int32_t replicate, const RunOptions& options) {
  if (const auto* draws = model.parameter_draws()) {
    const Model drawn(drawn_scenario(model.scenario(), *draws, replicate), model.hierarchy(),
                      model.network());
    Workspace own(drawn, options);
    return simulate(drawn, own, replicate);
  }
  if (!ws) {
    ws = std::make_unique<Workspace>(model, options);
  }
  return simulate(model, *ws, replicate);
}

// An observed start names units of the model, periods before the start, and a start within
// the calendar (checked once, not per replicate).
void check_observed(const Model& model, const RunOptions& options) {
  const auto* o = options.observed;
  if (o == nullptr) {
    return;
  }
  if (o->start < 0 || o->start > model.periods() ||
      o->adoptions.size() > static_cast<std::size_t>(model.n_policies())) {
    throw Error(ErrorKind::usage,
                "observed start: the start or the policies are outside the model");
  }
  for (const auto& list : o->adoptions) {
    for (const auto& e : list) {
      if (e.unit < 0 || e.unit >= model.hierarchy().size() || e.period < 0 ||
          e.period >= o->start) {
        throw Error(ErrorKind::usage,
                    "observed start: an adoption names a unit outside the hierarchy or a period "
                    "not before the start");
      }
    }
  }
}

}  // namespace

ReplicateResult run_replicate(const Model& model, std::int32_t replicate,
                              const RunOptions& options) {
  check_observed(model, options);
  std::unique_ptr<Workspace> ws;
  return simulate_replicate(model, ws, replicate, options);
}

std::vector<ReplicateResult> run_ensemble(const Model& model, std::int32_t n, int threads,
                                          const std::function<void(int, int)>& progress,
                                          const RunOptions& options) {
  check_observed(model, options);
  std::vector<ReplicateResult> results(n);
  std::atomic<int> done{0};
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  tbb::enumerable_thread_specific<std::unique_ptr<Workspace>> workspaces;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int32_t>(0, n, 1),
                      [&](const tbb::blocked_range<std::int32_t>& range) {
                        auto& ws = workspaces.local();
                        for (std::int32_t r = range.begin(); r < range.end(); ++r) {
                          results[r] = simulate_replicate(model, ws, r, options);
                          const int d = ++done;
                          if (progress) {
                            progress(d, n);
                          }
                        }
                      });
  });
  return results;
}

void run_ensemble_streaming(const Model& model, const std::vector<std::int32_t>& replicates,
                            int threads, const std::function<void(ReplicateResult&&)>& consume,
                            const std::function<void(int, int)>& progress,
                            const RunOptions& options) {
  check_observed(model, options);
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  const auto total = static_cast<int>(replicates.size());
  tbb::task_arena arena(conc);
  tbb::enumerable_thread_specific<std::unique_ptr<Workspace>> workspaces;
  std::size_t next = 0;
  int done = 0;
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(2 * conc),
        tbb::make_filter<void, std::int32_t>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& fc) -> std::int32_t {
                                               if (next >= replicates.size()) {
                                                 fc.stop();
                                                 return 0;
                                               }
                                               return replicates[next++];
                                             }) &
            tbb::make_filter<std::int32_t, std::shared_ptr<ReplicateResult>>(
                tbb::filter_mode::parallel,
                [&](std::int32_t r) {
                  return std::make_shared<ReplicateResult>(
                      simulate_replicate(model, workspaces.local(), r, options));
                }) &
            tbb::make_filter<std::shared_ptr<ReplicateResult>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<ReplicateResult> r) {
                  consume(std::move(*r));
                  r.reset();
                  ++done;
                  if (progress) {
                    progress(done, total);
                  }
                }));
  });
}

}  // namespace pdlab
