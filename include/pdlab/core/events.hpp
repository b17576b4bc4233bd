// Scenario events compiled against a hierarchy: dates resolved to periods, ids to unit indices.
// Read by the adoption processes (adopt, mandate, promote, reverse, set on hazard keys) and by
// the governance layer (set on governance keys, abolish, merge).
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab {

struct CompiledQuota {
  std::vector<std::int32_t> regions;  // units whose descendants at target level form a region
  double share = 0;
  std::int32_t period = 0;
};

struct CompiledEvent {
  enum class Type : std::uint8_t {
    adopt,
    mandate,
    promote,
    set,      // a parameter changes from this period on (key, value)
    reverse,  // the listed units reverse the policy (Guiyang 2019)
    abolish,  // the listed units (a tier) stop being governments (Guiyang 2010-2012)
    merge,    // the listed units merge into `issuer`
  } type = Type::adopt;
  std::int32_t period = 0;
  std::int32_t policy = 0;
  std::string source;               // "event[3]", for messages
  std::int64_t line = 0;            // of the event in the scenario file
  std::vector<std::int32_t> units;  // adopt, promote
  Mode mode = Mode::none;
  std::int32_t issuer = -1;  // mandate
  int target_level = 0;      // mandate
  std::int32_t deadline = kNever;
  double compliance = 1.0;
  std::vector<CompiledQuota> quotas;
  std::string key;                // set
  double value = 0;               // set
  bool line_departments = false;  // abolish: a full reform (line departments too)
};

}  // namespace pdlab
