// What the adoption processes record: one row per unit that adopted a policy, with the
// channel that dominated its hazard or what forced it.
#pragma once

#include "core/scenario.hpp"

#include <cstdint>

namespace pdlab {

// Which term dominated a unit's hazard when it adopted, or what forced the adoption.
enum class Channel : std::uint8_t {
  intrinsic,         // no exposure term was positive: intercept and covariates
  vertical,          // pressure from adopting superiors
  horizontal,        // peers (siblings, edge-list neighbours)
  bottom_up,         // own children
  need,              // internal need
  event,             // a scripted adopt event
  pilot,             // designated as a pilot by its superior
  mandate_deadline,  // complied at a mandate's deadline
  quota,             // filled a coverage quota
};
constexpr int kChannels = 9;
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
  Channel channel = Channel::intrinsic;
  std::uint8_t pilot = 0;
  Mode mode = Mode::none;  // how it promoted to its children (mode when adopting)
};

}  // namespace pdlab
