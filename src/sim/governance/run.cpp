// The governance layer in the schedule (docs/model.md §3): it follows the governance
// policy's adoption and runs window by window behind it.
#include "pdlab/core/governance.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/governance/runtime.hpp"
#include "sim/state.hpp"

#include <memory>

namespace pdlab::sim {

namespace {

class Layer final : public GovernanceLayer {
 public:
  Layer(const GovernanceModel& g, std::int32_t window, bool check_residents, bool share_identical)
      : g_(g), rt_(g, window, check_residents, share_identical) {}
  void init(ReplicateState& state) override { rt_.init(state); }
  void collect(std::int32_t t, const ReplicateState& state) override {
    rt_.collect(t, state.policies[g_.policy()]);
  }
  void run_window(std::int32_t t0, std::int32_t t1, ReplicateState& state) override {
    rt_.run_window(t0, t1, state);
  }
  GovernanceResult finish() override { return rt_.finish(); }

 private:
  const GovernanceModel& g_;
  gov::Runtime rt_;
};

}  // namespace

std::unique_ptr<GovernanceLayer> make_governance_layer(const GovernanceModel& g,
                                                       std::int32_t window, bool check_residents,
                                                       bool share_identical) {
  return std::make_unique<Layer>(g, window, check_residents, share_identical);
}

}  // namespace pdlab::sim
