// The governance parameters in force in one period, in the units the update equations use:
// yearly rates times dt = 1 / periods_per_year (docs/model.md §7.9).
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <vector>

namespace pdlab::gov {

// Discounted sums over an official's remaining horizon of H periods (H = 0 .. term_max): how
// the payoff responds to one period of effort (docs/model.md 7.9.1), or to keeping a stability
// strategy at full intensity over the horizon, linearised at an empty state (7.9.4).
struct Horizons {
  // A unit of effort made now, over the H periods of tenure left (effort.hpp): visible output
  // and depth persisting at their decay, and depth as residents perceive it.
  std::vector<float> visible;     // sum_{tau<H} (rho (1 - delta_v))^tau
  std::vector<float> depth;       // sum_{tau<H} (rho (1 - delta_s))^tau: depth credited from above
  std::vector<float> seen;        // sum_{tau<H} rho^tau p_tau, p the perception's response
  std::vector<float> discounted;  // sum rho^tau: a strategy's immediate effect, kept up
  std::vector<float> eruptions;   // sum rho^tau x latent surfacing a year (control)
  std::vector<float> latent;      // sum rho^tau x visible grievance from that surfacing
  std::vector<float> claims;      // sum rho^tau x unmet share (in [0, 1)) from the ratchet
  std::vector<float> unmet;       // sum rho^tau x grievance from that unmet share
  std::vector<float> root;        // sum rho^tau x grievance avoided per unit of unmet need fixed
  [[nodiscard]] std::int32_t max() const {
    return static_cast<std::int32_t>(discounted.size()) - 1;
  }
};

struct Step {
  float dt;
  bool assessment, coproduction, services, stability;

  // Officials: assessment design, choice, careers.
  float omega;  // weight of satisfaction in the assessment
  float visible_reward, depth_reward;
  bool best_response;
  float fixed_effort, temperature;
  float visible_rate, visible_decay, depth_rate, depth_decay;
  float perceive;  // residents' perceived depth follows depth at this rate per period
  bool veto;
  float veto_threshold;  // incidents per resident and year above which the veto bites
  bool inspection;       // yearly inspection of mandated units' visible outputs
  float inspection_target, inspection_noise;
  float inspection_penalty;  // score lost by a failed inspection (per period x periods a year)
  float rho;                 // officials' discount factor per period
  // (rho (1 - delta_v))^k, k < periods a year: what of a unit of visible output made now is
  // left k periods later, at the year's inspection, discounted.
  std::vector<float> inspection_persist;
  float promotion_rate, tournament, cutoff;

  // Co-production.
  float mobilisation, target, intercept;
  float w_belonging, w_trust, w_services, w_peers, w_mobilisation, w_efficacy;
  float inv_spread;     // 1 / threshold_spread
  float cost[2];        // working time's cost to a resident who works (0 without costs)
  float cost_load;      // per unit of administrative load (0 without costs)
  float voice[2];       // the groups' voice in committee elections (locals 1)
  float contention[2];  // the weight of the groups' grievance in open contention (locals 1)
  float access;         // migrants' access to hukou-bound services (1 without hukou)
  float adjust, belonging_time, belonging_services, belonging_participation, turnover[2];
  float admin_load, task_list_cut, partial_load;
  float trust_rate, sat_intercept, sat_depth, sat_services, sat_grievance;
  float grievance_inflow, grievance_decay;

  // Services.
  float contracting, so_growth, so_decay, so_max, volunteers, government, withdrawal, space;
  float need[2];     // locals' and migrants' need for the service
  float working[2];  // share of the groups' children whose parents both work
  float school_min;  // places a community needs for its school to run
  float contract_cost;

  // Stability (docs/model.md 7.9.4): the budget and how it is split, incidents, latent
  // grievance, expected claims, root-cause capital, escalation. Money in yuan per 10,000
  // residents a year; rates per period.
  float budget;
  bool choose_mix;
  float mix_temperature;
  float fixed_mix[3];  // shares of control, compensation, root cause (sum 1)
  float incident_base, incident_grievance, control_effect, compensation_effect;
  float control_trust, control_cost;
  bool latent;
  float latent_in, latent_out, latent_grievance, latent_incidents;
  bool ratchet;
  // Claims in yuan per incident (compensation is paid per incident).
  float claims_base, claims_rate, claims_decay, claims_grievance, claims_incidents;
  float root_cost, root_build, root_decay;
  float root_places, root_access, root_load;  // what full root-cause capital fixes
  float tolerance, escalation, escalation_incident, escalation_attenuation;
  float incidents_year;  // open incidents per 10,000 residents a year at zero grievance

  Horizons horizons;
};

Step make_step(const GovernanceParams& g, int periods_per_year);

}  // namespace pdlab::gov
