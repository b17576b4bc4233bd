// The state of one replicate that the processes of the per-period schedule share
// (docs/model.md §3): each adoption process publishes its policy's records, and the governance
// layer publishes the signals that feed back into adoption.
#pragma once

#include "core/records.hpp"

#include <cstdint>
#include <vector>

namespace pdlab::sim {

// One policy's adoption state, written by its adoption process and read by the others.
struct PolicyState {
  std::vector<Adoption> records;     // in order of adoption (ties by processing order)
  std::vector<std::int32_t> rec_of;  // each unit's latest record, -1 = none
  // Records created or changed (stage dates) during the current period: how the governance
  // layer follows adoption without scanning every unit.
  std::vector<std::int32_t> changed;

  // Whether unit u was in the pilot, adopted or institutionalised stage at the end of t.
  [[nodiscard]] bool active_at(std::int32_t u, std::int32_t t) const {
    const std::int32_t r = rec_of[u];
    return r >= 0 && records[r].period <= t && records[r].rev_period > t;
  }
};

// Governance outcomes at the end of a period, read by adoption in the next one. Each array is
// per unit and empty unless a feedback that needs it is switched on ([feedback]).
struct Feedback {
  std::vector<float> need;        // added to the hazard's exponent (grievance, incidents)
  std::vector<float> escalation;  // pressure escalated from below, per 10,000 residents a year
  std::vector<float> reversal;    // exponent of the yearly reversal hazard (NaN = none)
  std::vector<float> outcome;     // what peers observe of an adopter's reform (learning)
  std::vector<float> kid_outcome;  // per government: sum of `outcome` over active children
  std::vector<float> assessed;    // a unit's outcome under its superior's assessment weights
};

struct ReplicateState {
  std::int32_t replicate = 0;
  std::vector<PolicyState> policies;
  Feedback feedback;
};

}  // namespace pdlab::sim
