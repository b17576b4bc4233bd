// The adoption process of one policy (docs/model.md §7.1-7.5): hazard-driven adoption,
// promotion by adopting superiors, pilots, mandates with deadlines and quotas, stages and
// reversals, one period at a time.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/process.hpp"

#include <cstdint>
#include <memory>

namespace pdlab::sim {

// One adoption process per policy; one set per thread, reused across replicates. With
// `observed`, each replicate starts from that history (RunOptions::observed).
std::unique_ptr<Process> make_adoption_process(const Model& model, std::int32_t policy,
                                               const ObservedStart* observed = nullptr);

}  // namespace pdlab::sim
