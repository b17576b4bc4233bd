// The per-year governance rates that enter an explicit per-period update as the step
// rate x dt (docs/model.md 7.9.5): each is stable only up to periods_per_year.
#pragma once

#include <span>

namespace pdlab::gov {

std::span<const char* const> step_rate_keys();

}  // namespace pdlab::gov
