// The parameter registry: every scalar scenario key, and every keyed table entry
// (adoption.alpha.<level> and the like), with its type, default, range, unit, source and
// meaning. The TOML reader sets values through it, `--set` resolves keys with it,
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

// What the key of a keyed table ranges over; the model checks each key against it.
enum class KeyDomain : std::uint8_t { level, unit, column, policy };
// "level of the hierarchy", ...
const char* to_string(KeyDomain d);

// A keyed table entry: one real value per key, e.g. adoption.alpha.<level>. The full key is
// prefix + key + suffix ("promotion.by_level." + "county" + ".pilot").
struct KeyedParam {
  std::string_view prefix;       // "adoption.alpha."
  std::string_view placeholder;  // "<level>"
  std::string_view suffix;       // "" or ".pilot"
  KeyDomain over;
  double lo;  // inclusive range
  double hi;
  std::string_view default_value;  // in words: a key not given takes this
  std::string_view unit;
  std::string_view source;
  std::string_view help;
  bool event_settable;  // a `set` event may change it (a hazard weight)
  // The value of entry `key`, created with the table's default when absent; nullptr for
  // tables inside arrays of tables ([[policy]]), which typed overrides do not reach.
  double* (*entry)(Scenario& s, const std::string& key) = nullptr;
  // The keys a scenario gives, for the model's check against the domain (nullptr where the
  // model checks them itself: [[policy]] boosted_by, with its own key per policy).
  std::vector<std::string> (*keys)(const Scenario& s) = nullptr;
};

const std::vector<KeyedParam>& keyed_parameters();
// "adoption.alpha.<level>"
std::string keyed_pattern(const KeyedParam& k);
// The keyed entry a full key belongs to (its key, non-empty and without dots, in *key), or
// nullptr.
const KeyedParam* find_keyed_parameter(std::string_view full, std::string* key = nullptr);
// The keyed entry whose table is `table` ("adoption.alpha", "promotion.by_level"), or nullptr.
const KeyedParam* find_keyed_table(std::string_view table, std::string_view suffix = "");

// A number of one [[policy]] table, addressed by the policy's id (typed overrides and
// [uncertainty] reach it): policy.<id>.alpha_shift, policy.<id>.trend,
// policy.<id>.boosted_by.<other policy>, policy.<id>.profile.<name>.weight.
enum class PolicyField : std::uint8_t { alpha_shift, trend, boosted_by, profile_weight };
struct PolicyKey {
  std::string id;
  PolicyField field = PolicyField::alpha_shift;
  std::string other;      // the booster's policy (boosted_by), the profile's name
  double lo = 0, hi = 0;  // the field's range
};
// The policy key `key` spells, or nullopt for any other key (no check that the policy exists).
std::optional<PolicyKey> parse_policy_key(std::string_view key);
// `key` with a [[policy]] named by its index as by its id ("policy.0.trend" ->
// "policy.councils.trend"), so that two spellings of one number compare equal; any other key as
// it is.
std::string canonical_policy_key(const Scenario& s, std::string key);

// Sets a numeric parameter of a scenario directly (a typed override: no TOML text): a
// registry key of type real, a keyed entry (keyed_parameters(), e.g. adoption.alpha.<level>)
// that typed overrides reach, or a policy key (parse_policy_key: the policy, and a booster,
// must exist). Throws Error(config) naming the key and its range for an unknown
// key or a value outside it; keys of a keyed entry are checked when the model is compiled.
void set_numeric_parameter(Scenario& s, std::string_view key, double value);
// The value of a numeric key that set_numeric_parameter() reaches (a keyed entry the scenario
// does not give: its table's default); nullopt for any other key.
std::optional<double> numeric_parameter(const Scenario& s, std::string_view key);
// Closest known key, for did-you-mean, among the given candidates.
std::string closest(std::string_view key, const std::vector<std::string>& candidates);
// The level a misspelt or colloquial level name likely means: China's common words first
// ("city" is a prefecture-level city, "district" a county-level unit, "town" or "street" a
// township-level one, "community" a village-level one) where the hierarchy has that level,
// else closest().
std::string closest_level(std::string_view name, const std::vector<std::string>& levels);

}  // namespace pdlab
