// The state of one replicate that the processes of the per-period schedule share
// (docs/model.md §3): each adoption process publishes its policy's records, and the governance
// layer publishes the signals that feed back into adoption.
#pragma once

#include "pdlab/core/records.hpp"

#include <cstdint>
#include <functional>
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

// Governance outcomes that feed back into adoption (docs/model.md 7.10). Information reaches
// governments `lag` periods later (feedback.lag_months): adoption in period t reads the
// outcomes of period t - lag. Each signal keeps `lag` rows, the row of period t at t % lag.
// A signal is empty unless a feedback that needs it is on. Only governments (units
// [0, governments)) ever get need, escalation, reversal and kid_outcome, so those rows stop
// there (a unit past them reads their initial value: 0, or NaN for reversal); outcome and
// assessed have a value per unit (communities' outcomes count for learning and pilots), read
// through value() (with identical communities updated once the rows are longer than `units`
// and a community's own entry may be stale: see `entry`).
struct Feedback {
  std::int32_t lag = 1;
  std::int32_t units = 0;
  std::int32_t governments = 0;
  std::vector<float> need;         // added to the hazard's exponent (grievance, incidents)
  std::vector<float> escalation;   // pressure escalated from below, per 10,000 residents a year
  std::vector<float> reversal;     // exponent of the yearly reversal hazard (NaN = none)
  std::vector<float> outcome;      // what peers observe of an adopter's reform (learning)
  std::vector<float> kid_outcome;  // per government: sum of `outcome` over active children
  std::vector<float> assessed;     // a unit's outcome under its superior's assessment weights
  // Where unit u's value lies in a row of outcome or assessed: its own entry, unless the
  // governance layer updates identical communities once (docs/model.md 7.9.5). Then a
  // community whose state a group's shadow holds reads the shadow's entry, past the units'
  // (those two rows are longer by the shadows), and its own entries are filled when it leaves.
  std::function<std::int32_t(std::int32_t)> entry;
  [[nodiscard]] float value(const float* row, std::int32_t u) const {
    return row[entry ? entry(u) : u];
  }

  // What adoption reads in period t: the outcomes of period t - lag (nullptr before any).
  [[nodiscard]] const float* read(const std::vector<float>& signal, std::int32_t t) const {
    return signal.empty() || t < lag ? nullptr : &signal[(t % lag) * (signal.size() / lag)];
  }
  // Where the governance layer writes the outcomes of period t.
  float* write(std::vector<float>& signal, std::int32_t t) const {
    return &signal[(t % lag) * (signal.size() / lag)];
  }
};

struct ReplicateState {
  std::int32_t replicate = 0;
  std::vector<PolicyState> policies;
  Feedback feedback;
};

// A record of the governance policy created or changed in a period.
struct Change {
  std::int32_t period;
  std::int32_t record;
};

}  // namespace pdlab::sim
