// What the adoption processes record: one row per unit that adopted a policy, with the
// channel that dominated its hazard or what forced it.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>

namespace pdlab {

// What caused an adoption: the cause with the largest probability of causation in its hazard
// (docs/model.md 7.1), or what forced it.
enum class Channel : std::uint8_t {
  spontaneous,       // the intercept and covariates explain most of the hazard
  vertical,          // pressure from adopting superiors
  horizontal,        // peers (siblings, edge-list neighbours)
  bottom_up,         // own children
  need,              // internal need (static, and grievance and incidents with feedback)
  escalation,        // pressure escalated from below (feedback)
  booster,           // another policy already adopted that raises this one's hazard
  event,             // a scripted adopt event
  pilot,             // designated as a pilot by its superior
  mandate_deadline,  // complied at a mandate's deadline
  quota,             // filled a coverage quota
  inherited,         // took over the state of units it merged with or split from
};
constexpr int kChannels = 12;
const char* to_string(Channel c);

// One unit's adoption of one policy; periods are kNever when the stage was not reached.
struct Adoption {
  std::int32_t unit = 0;
  std::int32_t period = 0;            // entered the pilot or adopted stage
  std::int32_t full_period = kNever;  // adopted (== period unless it started as a pilot)
  std::int32_t inst_period = kNever;  // institutionalised
  std::int32_t rev_period = kNever;   // reversed
  std::int32_t variant = 0;           // unit whose local variant this is
  float quality = 0;                  // implementation quality in (0, 1)
  std::uint8_t policy = 0;
  Channel channel = Channel::spontaneous;
  std::uint8_t pilot = 0;
  Mode mode = Mode::none;     // how it promoted to its children (mode when adopting)
  std::uint8_t mandated = 0;  // adopted under a mandate (deadline, quota, superior's mandate)
  std::uint8_t round = 0;     // earlier records of this unit and policy (0 = its first adoption)
  // 1 when the record ended because its unit ceased (merged, split or exists_until): its
  // rev_period is then the cessation, not a reversal (docs/model.md 7.13).
  std::uint8_t ceased = 0;
  std::uint8_t reserved = 0;  // keeps the struct free of padding: records compare bytewise
};
static_assert(sizeof(Adoption) == 36, "Adoption must have no padding");

}  // namespace pdlab
