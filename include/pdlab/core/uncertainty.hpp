// Parameter uncertainty in simulation ([uncertainty], docs/model.md §7.11): one vector of
// the uncertain keys per replicate, drawn from N(estimate, covariance) with counter-based
// normals keyed by (seed, replicate, key), so draws do not depend on threads or order.
#pragma once

#include "pdlab/core/errors.hpp"
#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab {

struct CompiledDraws {
  std::vector<std::string> keys;
  std::vector<double> estimate;
  std::vector<double> factor;  // k x k, row-major, lower triangular-like: factor * factor' = cov
  std::vector<double> lo, hi;  // each key's range in the registry (draws are clamped to it)
  // Per key: the value it is held at (uncertainty.held: the scenario's own), or NaN where it
  // is drawn. A held key's normal is still drawn, so the other keys' draws do not change.
  std::vector<double> held;
};

// Checks [uncertainty] (numeric keys the registry knows, sizes, a finite symmetric positive
// semi-definite covariance) and factors the covariance; throws Error(config) naming the key.
CompiledDraws compile_draws(const Scenario& s);

// Refuses a value given for a key that [uncertainty] draws (draw = true): each replicate's
// draw would replace it, so the value would change nothing (and a record of it would not be
// what ran). `where` names the value's origin (the field: the key, or an option such as
// --factor); its kind decides the exit code.
void refuse_drawn_key(const Scenario& s, const std::string& key, ErrorKind kind,
                      const Where& where);

// The keys' values for `replicate`: estimate + factor z, z standard normal, each clamped to
// its key's range; a held key's value is the one it is held at.
std::vector<double> draw_parameters(const CompiledDraws& d, std::uint64_t seed,
                                    std::int32_t replicate);

// The scenario of `replicate`: `s` with the drawn values set and draws switched off.
Scenario drawn_scenario(const Scenario& s, const CompiledDraws& d, std::int32_t replicate);

}  // namespace pdlab
