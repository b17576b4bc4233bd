// The governance layer (docs/model.md §7.9): what adopting the governance model does on the
// ground. Officials' dual assessment, community co-production of locals and migrants,
// services from contracted social organizations, and local governments' stability strategies.
#pragma once

#include "core/records.hpp"
#include "sim/governance/metrics.hpp"
#include "sim/governance/model.hpp"
#include "sim/governance/result.hpp"

#include <cstdint>
#include <vector>

namespace pdlab {

// Runs the governance layer for one replicate, given the governance policy's adoption records.
// Deterministic in (seed, replicate). Thread-safe: all scratch space is local.
GovernanceResult run_governance(const GovernanceModel& g, std::int32_t replicate,
                                const std::vector<Adoption>& records);

}  // namespace pdlab
