// Resolving scenario names against a hierarchy, shared by the model and the table of event
// kinds. Each throws Error(config) naming the scenario key, the value and the fix.
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab::detail {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line = 0);
// Index of a level name (the message lists the levels).
int level_of(const Scenario& s, const Hierarchy& h, const std::string& key, const std::string& name,
             std::int64_t line = 0);
// Index of a unit id inside the simulated subtree.
std::int32_t unit_of(const Scenario& s, const Hierarchy& h, const std::string& key,
                     const std::string& id, std::int64_t line = 0);

// A key of a keyed table entry (params.hpp) against what it ranges over: a level, unit or
// attribute column of the hierarchy, or a policy id. `field` names the scenario key to blame.
void check_key(const Scenario& s, const Hierarchy& h, KeyDomain over, const std::string& field,
               const std::string& key, std::int64_t line = 0);
// "a, b, c"
std::string list(const std::vector<std::string>& names);

}  // namespace pdlab::detail
