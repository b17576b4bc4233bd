// The parameter registry: every scalar scenario key with its type, default, range, unit,
// source and meaning. The TOML reader sets values through it, `--set` resolves keys with it,
// and docs/parameters.md is generated from it, so the three cannot drift apart.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab {

enum class ParamType : std::uint8_t { real, integer, boolean, text, choice, table };

struct Param {
  std::string_view key;  // dotted TOML path, e.g. "vertical.attenuation"
  ParamType type;
  double lo;  // inclusive range for real and integer
  double hi;
  std::string_view choices;  // "a|b|c" for choice
  std::string_view unit;
  std::string_view source;  // citation, or "illustrative"
  std::string_view help;
  // Accessors; only the one matching `type` is set (none for table).
  double* (*real)(Scenario&) = nullptr;
  int* (*integer)(Scenario&) = nullptr;
  bool* (*boolean)(Scenario&) = nullptr;
  std::string* (*text)(Scenario&) = nullptr;
  void (*set_choice)(Scenario&, std::string_view) = nullptr;
  std::string (*get_choice)(const Scenario&) = nullptr;
};

const std::vector<Param>& parameters();
const Param* find_parameter(std::string_view key);
// The current value of a scalar parameter as text (for the params table and docs).
std::string parameter_value(const Param& p, const Scenario& s);
// Sets a numeric parameter of a scenario directly (a typed override: no TOML text): a
// registry key of type real, or an entry of a keyed table, adoption.alpha.<level> (at most
// 20), adoption.shift.<unit id> ([-50, 50]) or adoption.beta.<column> ([-1e6, 1e6]).
// Throws Error(config) naming the key and its range for an unknown key or a value outside it.
void set_numeric_parameter(Scenario& s, std::string_view key, double value);
// Closest known key, for did-you-mean, among the given candidates.
std::string closest(std::string_view key, const std::vector<std::string>& candidates);

}  // namespace pdlab
