#include "pdlab/core/governance/metrics.hpp"

#include <array>

namespace pdlab {

namespace {

using M = GovMetric;
using Mod = GovModule;
using L = GovLevels;
using K = GovKind;

constexpr std::string_view kShare = "share (0-1)";
constexpr std::string_view kIndex = "index (0-1)";
constexpr std::string_view kPer10k = "per 10,000 residents a year";
constexpr std::string_view kPer1k = "pupils per 1,000 residents";
constexpr std::string_view kCost = "yuan per 10,000 residents a year";

constexpr std::array<GovMetricInfo, kGovMetrics> kTable{{
    {M::effort_depth, "effort_depth", "Officials' effort on depth", Mod::assessment, L::governments,
     K::stock, kShare, "officials",
     "Share of adopting officials' effort spent on depth rather than visible outputs."},
    {M::visible, "visible", "Visible outputs", Mod::assessment, L::governments, K::stock, kIndex,
     "officials", "Stock of visible outputs (projects, plaques, events) of adopting officials."},
    {M::depth, "depth", "Depth of implementation", Mod::assessment, L::above_community, K::stock,
     kIndex, "officials",
     "Depth of implementation: in communities, and of officials' jurisdictions above them."},
    {M::hierarchical_score, "hierarchical_score", "Score from above", Mod::assessment,
     L::governments, K::stock, "score", "officials",
     "Score from above (visible outputs, depth if rewarded)."},
    {M::horizontal_score, "horizontal_score", "Score from residents", Mod::assessment,
     L::governments, K::stock, kShare, "officials",
     "Residents' satisfaction in the official's jurisdiction."},
    {M::participation_local, "participation_local", "Participation of locals", Mod::coproduction,
     L::community, K::stock, kShare, "participation",
     "Share of local (hukou) residents participating."},
    {M::participation_migrant, "participation_migrant", "Participation of migrants",
     Mod::coproduction, L::community, K::stock, kShare, "participation",
     "Share of migrant (non-hukou) residents participating."},
    {M::participation_target, "participation_target", "State's participation target",
     Mod::coproduction, L::community, K::stock, kShare, "participation",
     "The state's participation target, for comparison."},
    {M::belonging_local, "belonging_local", "Belonging of locals", Mod::coproduction, L::community,
     K::stock, kIndex, "residents", "Sense of belonging of local residents."},
    {M::belonging_migrant, "belonging_migrant", "Belonging of migrants", Mod::coproduction,
     L::community, K::stock, kIndex, "residents", "Sense of belonging of migrants."},
    {M::trust_local, "trust_local", "Trust of locals", Mod::any, L::community, K::stock, kIndex,
     "residents", "Trust of local residents in local government."},
    {M::trust_migrant, "trust_migrant", "Trust of migrants", Mod::any, L::community, K::stock,
     kIndex, "residents", "Trust of migrants in local government."},
    {M::grievance_local, "grievance_local", "Grievance of locals", Mod::any, L::community, K::stock,
     kIndex, "residents", "Grievance (dissatisfaction, protest propensity) of local residents."},
    {M::grievance_migrant, "grievance_migrant", "Grievance of migrants", Mod::any, L::community,
     K::stock, kIndex, "residents", "Grievance of migrants."},
    {M::satisfaction, "satisfaction", "Residents' satisfaction", Mod::any, L::community, K::stock,
     kShare, "residents", "Residents' satisfaction with local government."},
    {M::coverage, "coverage", "Four o'clock school coverage", Mod::services, L::community, K::stock,
     "share of demand", "services", "Four o'clock school places as a share of demand."},
    {M::so_capacity, "so_capacity", "Social organizations' capacity", Mod::services, L::so,
     K::stock, "share of demand", "services",
     "Capacity of social organizations, as a share of demand."},
    {M::incidents, "incidents", "Stability incidents", Mod::stability, L::local, K::flow, kPer10k,
     "incidents", "Stability incidents (protests, petitions)."},
    {M::expected_claims, "expected_claims", "Expected claims per incident", Mod::stability,
     L::local, K::stock, "yuan per incident", "incidents",
     "Compensation the protesters of one incident expect (the ratchet: it rises with what was "
     "paid per incident, back towards stability.claims_base)."},
    {M::unmet_claims, "unmet_claims", "Unmet claims", Mod::stability, L::local, K::stock, kShare,
     "incidents",
     "The raised part of expected claims (beyond claims_base) of the incidents left unpaid, as "
     "a share of the claims: feeds grievance and incidents."},
    {M::latent_grievance, "latent_grievance", "Latent grievance", Mod::stability, L::local,
     K::stock, kIndex, "incidents",
     "Grievance suppressed by control, stored until it surfaces as visible grievance and "
     "eruptions."},
    {M::root_capital, "root_capital", "Root-cause capital", Mod::stability, L::local, K::stock,
     kIndex, "incidents",
     "What root-cause work has built (durable): places for uncovered demand, migrants' "
     "access, a lighter committee load."},
    {M::escalated, "escalated", "Pressure escalated", Mod::stability, L::governments, K::flow,
     kPer10k, "incidents",
     "Pressure escalated from below: sent by local governments, received above."},
    {M::cost_control, "cost_control", "Cost of control", Mod::stability, L::local, K::flow, kCost,
     "costs", "Spending on control."},
    {M::cost_compensation, "cost_compensation", "Cost of compensation", Mod::stability, L::local,
     K::flow, kCost, "costs",
     "Compensation paid: claims per incident times the incidents whose claims are paid."},
    {M::cost_root_cause, "cost_root_cause", "Cost of root-cause work", Mod::stability, L::local,
     K::flow, kCost, "costs",
     "Spending on root-cause work (once the governance model is adopted)."},
    {M::cost_contracts, "cost_contracts", "Cost of school contracts", Mod::services, L::local,
     K::flow, kCost, "costs",
     "Cost of four o'clock school places contracted to social organizations."},
    {M::tenure_left, "tenure_left", "Officials' remaining term", Mod::assessment, L::governments,
     K::stock, "years", "officials", "Remaining term of adopting officials: their horizon."},
    {M::turnover, "turnover", "Officials' turnover", Mod::assessment, L::governments, K::flow,
     "per official a period", "officials",
     "Officials replaced (term ended or promoted) in the period, per official; its total is "
     "the replacements per official over the horizon.",
     false},
    {M::vetoed, "vetoed", "Officials vetoed", Mod::assessment, L::governments, K::stock, kShare,
     "officials",
     "Share of adopting officials whose jurisdiction's incidents this year passed the veto "
     "threshold."},
    {M::share_control, "share_control", "Budget share on control", Mod::stability, L::local,
     K::stock, kShare, "strategies",
     "Share of the stability budget the official in charge chooses for control (docs/model.md "
     "7.9.4); over every local government, population-weighted, adopted or not."},
    {M::share_compensation, "share_compensation", "Budget share on compensation", Mod::stability,
     L::local, K::stock, kShare, "strategies", "Share chosen for compensation."},
    {M::share_root_cause, "share_root_cause", "Budget share on root causes", Mod::stability,
     L::local, K::stock, kShare, "strategies",
     "Share chosen for root-cause work: 0 before the governance model is adopted (it cannot be "
     "used then, so it is not in the choice)."},
    {M::school_demand, "school_demand", "School demand", Mod::services, L::local, K::stock, kPer1k,
     "services", "Four o'clock school demand: children of primary age whose parents both work."},
    {M::school_places, "school_places", "School places used", Mod::services, L::local, K::stock,
     kPer1k, "services",
     "Four o'clock school places used (pupils), from every source: at most the demand."},
    {M::places_so, "places_so", "Places from social organizations", Mod::services, L::local,
     K::stock, kPer1k, "services", "Places used that social organizations supply under contract."},
    {M::places_volunteers, "places_volunteers", "Places from volunteers", Mod::services, L::local,
     K::stock, kPer1k, "services",
     "Places used that volunteers supply (from residents' participation)."},
    {M::places_government, "places_government", "Places from government", Mod::services, L::local,
     K::stock, kPer1k, "services",
     "Places used that the government supplies: directly, and those root-cause work funds."},
    {M::schools, "schools", "Schools running", Mod::services, L::local, K::stock,
     "schools per 100,000 residents", "services",
     "Communities whose four o'clock school runs (at least services.school_min places); times "
     "the residents / 100,000 of an area gives its count (Haicang 2018: 29)."},
    {M::school_supply, "school_supply", "School places offered", Mod::services, L::local, K::stock,
     kPer1k, "services",
     "Four o'clock school places offered (pupils), used or not: above school_places where "
     "places exceed a group's demand or its access (docs/model.md 7.9.3)."},
    {M::governed_above, "governed_above", "Governed from above", Mod::any, L::community, K::stock,
     kShare, "residents",
     "Share of residents whose local government is abolished, so that the tier above governs "
     "their community (docs/model.md 7.9.7)."},
    {M::inspection_failed, "inspection_failed", "Mandate inspections failed", Mod::assessment,
     L::governments, K::flow, "per official a period", "officials",
     "Adopting officials who failed a mandate's yearly inspection in the period (the year's "
     "last), per adopting official, mandated or not: not a failure rate (docs/model.md 7.9.1). "
     "0 where no unit adopted under a mandate.",
     false},
    {M::inspection_fail_share, "inspection_fail_share", "Share of inspections failed",
     Mod::assessment, L::governments, K::stock, kShare, "mandates",
     "Of the officials inspected in the period (mandated units at the year's last period, not "
     "vetoed), the share who failed: the failure rate inspection_failed is not. Empty (NaN) in "
     "periods and places without an inspection; its last-year summary is the year's inspection."},
    {M::depth_per_visible_mandated, "depth_per_visible_mandated",
     "Depth per visible output, mandated adopters", Mod::assessment, L::governments, K::stock,
     "ratio", "mandates",
     "Box-ticking (docs/model.md 1, pattern a): the depth of the jurisdictions of adopting "
     "officials whose unit adopted under a mandate, summed, over their visible outputs, summed. "
     "Below depth_per_visible_voluntary where mandates bring visible output without depth. "
     "Empty where no such official has visible output."},
    {M::depth_per_visible_voluntary, "depth_per_visible_voluntary",
     "Depth per visible output, voluntary adopters", Mod::assessment, L::governments, K::stock,
     "ratio", "mandates",
     "The same over adopting officials whose unit adopted without a mandate (endorsed, piloted, "
     "learned or spontaneous). A comparison of designs reads the two side by side: a level's "
     "mean depth mixes mandated, voluntary and not-yet-adopted units."},
}};

constexpr bool ordered() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].metric) != i) {
      return false;
    }
  }
  return true;
}
static_assert(ordered(), "kTable must list the metrics in enum order");

}  // namespace

std::span<const GovMetricInfo> gov_metrics() {
  return kTable;
}

const GovMetricInfo& info(GovMetric m) {
  return kTable[static_cast<std::size_t>(m)];
}

const char* to_string(GovMetric m) {
  return info(m).name.data();  // string literals: null-terminated
}

std::string_view to_string(GovModule m) {
  static constexpr std::array<std::string_view, 5> names = {"assessment", "coproduction",
                                                            "services", "stability", "any"};
  return names[static_cast<std::size_t>(m)];
}

}  // namespace pdlab
