// Risk sets for discrete-time event history analysis: one row per unit, policy and period
// while the unit is at risk, ending at its adoption. Exposures are computed with the
// simulator's own functions (core/exposure.hpp), from the observed adoptions lagged one
// period: V from adopting ancestors (each with signal 1, attenuated per level), H from
// adopted siblings and edge-list peers, U from adopted children. Under restructuring only the
// units that exist in a period are at risk or count as peers (docs/model.md 7.7, 7.13).
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/network.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pdlab {

// A negative period: adopted before the calendar's start (io::kBeforeStart): the unit is never
// at risk of the policy and counts as an adopter in its peers' and superiors' exposures from
// period 0.
struct ObservedAdoption {
  std::int32_t unit = 0;
  std::int32_t policy = 0;
  std::int32_t period = 0;
};

// A time-varying covariate in long form; a value holds from its period until the unit's next
// observation of the same covariate. Before the first observation it is `before` (missing,
// NaN, unless set). With `inherit`, a unit with no observation of its own by a period takes
// its nearest superior's value then (a provincial order's date, given once for the province,
// holds for every prefecture and county in it).
struct TimeVaryingCovariate {
  std::string name;
  struct Obs {
    std::int32_t unit;
    std::int32_t period;
    double value;
  };
  std::vector<Obs> obs;
  bool inherit = false;
  double before = std::numeric_limits<double>::quiet_NaN();
};

struct RiskSetOptions {
  std::int32_t periods = 0;                // rows for periods [0, periods)
  double attenuation = 0.5;                // vertical.attenuation
  double sibling_weight = 1.0;             // adoption.sibling_weight
  double edge_weight = 1.0;                // adoption.edge_weight
  std::vector<int> static_columns;         // hierarchy attribute indices to copy
  std::vector<std::int32_t> policies;      // policies to include; empty = all
  int level = -1;                          // only units of this level are at risk; -1 = all
  std::vector<std::int32_t> first_period;  // per unit: at risk from this period (empty = 0)
  // Per unit: at risk before this period only (it ceases then: exists_until, or merged or split
  // away; empty = to the end). From then it is no longer a peer: its adoption leaves its
  // siblings', edge peers' and parent's exposures, and it leaves their counts.
  std::vector<std::int32_t> end_period;
  // Per unit: its tier is abolished over [abolished_from, abolished_until) (empty = never): it
  // is not at risk then, and its children receive its parent's vertical pressure unattenuated,
  // as in the simulator (docs/model.md 7.4, 7.13).
  std::vector<std::int32_t> abolished_from, abolished_until;
  // Per policy (index of the events' policies): at risk from this period ([[policy]] from;
  // empty = 0), and the levels that can adopt it ([[policy]] levels; an empty inner vector,
  // or an empty outer one, = every level).
  std::vector<std::int32_t> policy_from;
  // Whether `duration` counts the periods since the policy's risk start (policy_from; 1 in
  // that period) rather than since the calendar's start (period + 1).
  bool duration_from_policy_start = false;
  std::vector<std::vector<std::uint8_t>> policy_levels;
  // Per policy, per unit: whether the unit's type can adopt it ([[policy]] types; an empty
  // inner or outer vector = every type).
  std::vector<std::vector<std::uint8_t>> policy_units;
};

struct RiskSet {
  std::vector<std::int32_t> unit, policy, period, duration;
  std::vector<std::uint8_t> event;
  std::vector<double> vertical, horizontal, bottom_up;
  std::vector<std::string> covariate_names;
  std::vector<std::vector<double>> covariates;  // one column per name
  [[nodiscard]] std::size_t rows() const { return unit.size(); }
};

// Throws ErrorKind::data for a unit that adopts a policy twice.
RiskSet build_riskset(const Hierarchy& h, const Network& net,
                      const std::vector<ObservedAdoption>& adoptions, int n_policies,
                      const std::vector<TimeVaryingCovariate>& time_varying,
                      const RiskSetOptions& options);

}  // namespace pdlab
