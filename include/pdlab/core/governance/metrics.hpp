// Every governance metric described once: name, readable label, module, the levels where it is
// defined, stock or flow, unit, chart and meaning. Results (governance_time), `pdlab compare`, the
// report's charts and docs/metrics.md all read this table.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace pdlab {

enum class GovMetric : std::uint8_t {
  effort_depth,
  visible,
  depth,
  hierarchical_score,
  horizontal_score,
  participation_local,
  participation_migrant,
  participation_target,
  belonging_local,
  belonging_migrant,
  trust_local,
  trust_migrant,
  grievance_local,
  grievance_migrant,
  satisfaction,
  coverage,
  so_capacity,
  incidents,
  expected_claims,
  unmet_claims,
  latent_grievance,
  root_capital,
  escalated,
  cost_control,
  cost_compensation,
  cost_root_cause,
  cost_contracts,
  tenure_left,
  turnover,
  vetoed,
  share_control,
  share_compensation,
  share_root_cause,
  school_demand,
  school_places,
  places_so,
  places_volunteers,
  places_government,
  schools,
  school_supply,
  governed_above,
  inspection_failed,
  inspection_fail_share,
  depth_per_visible_mandated,
  depth_per_visible_voluntary,
};
constexpr int kGovMetrics = 45;

// Which governance module computes a metric (any = whenever a module is on).
enum class GovModule : std::uint8_t { assessment, coproduction, services, stability, any };

// Where a metric is defined, relative to the community level lc, the local governments lg =
// lc - 1 and the SO-holding units ls = max(0, lc - 2).
enum class GovLevels : std::uint8_t {
  community,        // lc
  local,            // lg
  so,               // ls
  governments,      // every level down to lg (officials)
  above_community,  // every level down to lg, and lc (depth: officials' and communities')
};

// stock: a state, summarised by its last-year mean; flow: per period, summarised by its total.
enum class GovKind : std::uint8_t { stock, flow };

struct GovMetricInfo {
  GovMetric metric;
  std::string_view name;
  std::string_view label;  // readable name for charts and tables; with `unit` in legends and axes
  GovModule module;
  GovLevels levels;
  GovKind kind;
  std::string_view unit;
  std::string_view chart;  // the report chart that shows it
  std::string_view meaning;
  // A flow's values are yearly rates (its total over the horizon is their sum over the periods
  // divided by the periods a year), or, when false, amounts per period (the total is their sum).
  bool yearly_rate = true;
};

std::span<const GovMetricInfo> gov_metrics();
const GovMetricInfo& info(GovMetric m);
const char* to_string(GovMetric m);
std::string_view to_string(GovModule m);

}  // namespace pdlab
