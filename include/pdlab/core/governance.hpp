// The governance layer (docs/model.md §7.9): what adopting the governance model does on the
// ground. Officials' careers and dual assessment, community co-production of locals and
// migrants, services from contracted social organizations, and local governments' stability
// strategies; and what of it feeds back into adoption (§7.10).
#pragma once

#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/governance/model.hpp"
#include "pdlab/core/governance/result.hpp"

#include <cstdint>
#include <memory>

namespace pdlab::sim {

struct ReplicateState;

// The governance layer in the per-period schedule. Adoption runs a window of periods ahead
// (GovernanceModel::window_end()); the layer then follows the records that changed and runs its
// modules in their order (officials choose, communities, stability, assessment, feedback)
// block by block through the window, then above the blocks period by period.
class GovernanceLayer {
 public:
  GovernanceLayer() = default;
  GovernanceLayer(const GovernanceLayer&) = delete;
  GovernanceLayer& operator=(const GovernanceLayer&) = delete;
  virtual ~GovernanceLayer() = default;
  virtual void init(ReplicateState& state) = 0;
  // The governance policy's records created or changed in period t.
  virtual void collect(std::int32_t t, const ReplicateState& state) = 0;
  // Periods [t0, t1), which adoption has run; at most the feedback lag, and not past
  // GovernanceModel::window_end(t0).
  virtual void run_window(std::int32_t t0, std::int32_t t1, ReplicateState& state) = 0;
  virtual GovernanceResult finish() = 0;
};

std::unique_ptr<GovernanceLayer> make_governance_layer(const GovernanceModel& g,
                                                       std::int32_t window,
                                                       bool check_residents = false,
                                                       bool share_identical = true);

}  // namespace pdlab::sim
