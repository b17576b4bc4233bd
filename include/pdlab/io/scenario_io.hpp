// Scenario files: TOML with schema_version, strict keys and range checks, `--set` overrides.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <string>
#include <vector>

namespace pdlab::io {

struct LoadedScenario {
  Scenario scenario;
  std::string resolved_toml;  // the file with overrides applied, as stored with results
};

// Reads and validates a scenario. `overrides` are "dotted.key=value" (value in TOML syntax,
// bare words taken as strings); they are applied before validation. Throws pdlab::Error
// (config for bad keys/values, no_input for a missing file) naming file, line, key and fix.
LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides);
// Same, from TOML text (for tests); `name` is used in messages.
LoadedScenario parse_scenario(const std::string& text, const std::string& name,
                              const std::vector<std::string>& overrides);

}  // namespace pdlab::io
