// The governance layer (docs/model.md 7.9): what adopting the governance model does on the
// ground. It runs after the adoption engine in each replicate and reads its adoption records:
// officials' dual assessment, community co-production of locals and migrants, services from
// contracted social organizations, and local governments' stability strategies.
#pragma once

#include "core/scenario.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace pdlab {

class Model;
struct ReplicateResult;

enum class GovMetric : std::uint8_t {
  effort_depth,        // officials: share of effort on depth (assessment)
  visible,             // officials: visible outputs stock
  depth,               // officials: depth stock; communities: implementation depth
  hierarchical_score,  // officials: score from above
  horizontal_score,    // officials: residents' satisfaction in their jurisdiction
  participation_local,
  participation_migrant,
  participation_target,  // the state's target, for comparison
  belonging_local,
  belonging_migrant,
  trust_local,
  trust_migrant,
  grievance_local,
  grievance_migrant,
  satisfaction,
  coverage,     // four o'clock school places / demand
  so_capacity,  // SO capacity of the SO-holding level, as share of demand
  incidents,    // per 10,000 residents a year
  claims,       // compensation claims stock
  escalated,    // pressure sent up (local governments) or received (higher levels)
  cost_control,
  cost_compensation,
  cost_root_cause,
  cost_contracts,
};
constexpr int kGovMetrics = 24;
const char* to_string(GovMetric m);

// Per-unit panel row (communities and local governments), when output.unit_time_every > 0.
struct GovUnitRow {
  std::int32_t unit;
  std::int32_t period;
  // visible, depth, hierarchical, horizontal, participation local/migrant, belonging
  // local/migrant, trust, grievance, coverage, incidents, cost (all strategies and contracts)
  std::array<float, 13> v;
};
const char* gov_unit_column(int i);

// One replicate's governance outputs.
struct GovernanceResult {
  // values[(metric * n_levels + level) * periods + t]; NaN where not defined.
  std::vector<double> values;
  std::vector<GovUnitRow> units;
  // Resident agents of coproduction.agents_root, per period: share participating (locals,
  // migrants) and the group model's share for the same communities.
  std::vector<std::array<double, 4>> agents;
};

// The governance layer compiled against a model: levels, residents, schedules of parameters.
class GovernanceModel {
 public:
  explicit GovernanceModel(const Model& m);
  int community_level() const { return lc_; }
  int local_level() const { return lg_; }
  int so_level() const { return ls_; }
  bool metric_enabled(GovMetric m) const;
  bool metric_at(GovMetric m, int level) const;  // whether (metric, level) is ever defined
  // Moves `index` into the parameter schedule forward to the entry in force in period t;
  // true when it moved (the parameters changed).
  bool advance(std::size_t& index, std::int32_t t) const {
    bool moved = false;
    while (index + 1 < schedule_.size() && schedule_[index + 1].first <= t) {
      ++index;
      moved = true;
    }
    return moved;
  }

 private:
  friend class GovernanceRun;
  void impute_population(const Model& m, const std::string& column);
  const Model& m_;
  int lc_ = 0, lg_ = 0, ls_ = 0;
  std::vector<float> pop_, migrant_;
  // Parameters in force from each period on (set events), first entry from period 0.
  std::vector<std::pair<std::int32_t, GovernanceParams>> schedule_;
  std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> abolish_;  // period, units
  struct Merge {
    std::int32_t period;
    std::int32_t into;
    std::vector<std::int32_t> units;
  };
  std::vector<Merge> merges_;
  std::int32_t agents_root_ = -1;
};

namespace detail {
// The kernel's vectorised logistic 1 / (1 + exp(-x)) (SSE2 width), exposed for its accuracy test.
float kernel_logistic(float x);
}  // namespace detail

// Runs the governance layer for one replicate, given the adoption engine's result.
// Deterministic in (seed, replicate). Thread-safe: all scratch space is local.
GovernanceResult run_governance(const GovernanceModel& g, const ReplicateResult& adoption);

}  // namespace pdlab
