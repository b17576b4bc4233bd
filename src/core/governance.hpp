// The governance layer (docs/model.md §7.9): what adopting the governance model does on the
// ground. Officials' careers and dual assessment, community co-production of locals and
// migrants, services from contracted social organizations, and local governments' stability
// strategies; and what of it feeds back into adoption (§7.10).
#pragma once

#include "sim/governance/metrics.hpp"
#include "sim/governance/model.hpp"
#include "sim/governance/result.hpp"
#include "sim/process.hpp"

#include <memory>
#include <vector>

namespace pdlab {

namespace sim {
struct ReplicateState;
// The governance modules as processes of the coupled per-period schedule, in their order:
// officials, communities, stability, assessment (which also computes the feedback signals).
std::vector<std::unique_ptr<Process>> make_governance_processes(const GovernanceModel& g);
}  // namespace sim

// The block-major schedule, after adoption has finished (valid when !g.coupled()).
GovernanceResult run_governance(const GovernanceModel& g, sim::ReplicateState& state);

}  // namespace pdlab
