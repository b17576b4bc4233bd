// One replicate's governance outputs (docs/model.md §7.9.6).
#pragma once

#include "pdlab/core/governance/metrics.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace pdlab {

// Columns of the per-unit panel (communities and local governments), when
// output.unit_time_every > 0; NaN where a column does not apply to the unit.
constexpr int kGovUnitColumns = 17;
const char* gov_unit_column(int i);
const char* gov_unit_column_meaning(int i);  // docs/outputs.md

struct GovUnitRow {
  std::int32_t unit;
  std::int32_t period;
  std::array<float, kGovUnitColumns> v;
};

struct GovernanceResult {
  // values[(metric * n_levels + level) * periods + t]; NaN where not defined.
  std::vector<double> values;
  std::vector<GovUnitRow> units;  // ordered by period, then unit
  // Resident agents of coproduction.agents_root, per period: share participating (locals,
  // migrants), the group model's share for the same communities, and the number of agents
  // (locals, migrants), which follows the residents when communities restructure.
  std::vector<std::array<double, 6>> agents;
  // A check, when units are born, cease, merge or split and RunOptions::check_residents asks
  // for it (else empty): per period, the residents
  // of the communities that exist and the residents counted by the local governments that
  // exist (equal when every resident is governed by exactly one existing local government).
  // Not carried across MPI ranks.
  std::vector<std::array<double, 2>> residents;
};

}  // namespace pdlab
