// Scenario files: TOML with schema_version, strict keys and range checks, `--set` overrides.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <optional>
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

// Whether an override's value (the right of "key=value", read as --set reads it) holds the
// dotted path `rest` ("pilot_k", "0.date"): a table given for a table merges into it, so
// `promotion={pilot_k=3}` sets promotion.pilot_k and no other key of [promotion].
bool override_value_holds(const std::string& value, const std::string& rest);

// The scenario text with `overrides` applied in place, keeping its comments and layout: a
// key's value is replaced on its line (a trailing comment stays), a key not in the file is
// added under its table's header. The result is checked: it parses to exactly what
// `text` + `overrides` parses to. nullopt when it does not, or when a key cannot be placed
// with certainty (multi-line values, quoted keys in headers, inline tables, missing entries
// of arrays of tables); callers then write the resolved TOML instead.
std::optional<std::string> apply_overrides_to_text(const std::string& text,
                                                   const std::vector<std::string>& overrides,
                                                   const std::string& name);

}  // namespace pdlab::io
