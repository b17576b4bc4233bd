// The governance parameters in force in one period, in the units the update equations use:
// yearly rates times dt = 1 / periods_per_year (docs/model.md §7.9).
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <vector>

namespace pdlab::gov {

// Discounted sums over an official's remaining horizon of H periods (H = 0 .. term_max): how
// the payoff responds to one period of effort (docs/model.md 7.9.1), or to keeping a stability
// strategy over the horizon (7.9.4).
struct Horizons {
  std::vector<float> visible;     // sum_{tau<H} (rho (1 - delta_v))^tau
  std::vector<float> depth;       // sum (rho (1 - delta_s))^tau: depth credited from above
  std::vector<float> lagged;      // ... times (1 - (1 - k_L)^tau): depth seen by residents
  std::vector<float> discounted;  // sum rho^tau: a strategy's immediate effect, kept up
  std::vector<float> control;     // sum rho^tau sum_{s<tau} (1 - g_out)^s: grievance stored
  std::vector<float> claims;      // sum rho^tau sum_{s<tau} sum_{r<s} (1 - q_decay)^r: ratchet
  std::vector<float> root;        // sum rho^tau sum_{s<tau} (1 - (1 - k_R)^s): lagged relief
  [[nodiscard]] std::int32_t max() const { return static_cast<std::int32_t>(visible.size()) - 1; }
};

struct Step {
  float dt;
  bool assessment, coproduction, services, stability;

  // Officials: assessment design, choice, careers.
  float omega;  // weight of satisfaction in the assessment
  float visible_reward, deadline_reward, depth_reward;
  bool best_response;
  float fixed_effort, temperature;
  float visible_rate, visible_decay, depth_rate, depth_decay;
  float perceive;  // residents' perceived depth follows depth at this rate per period
  bool veto;
  float veto_threshold;  // incidents per resident and year above which the veto bites
  float promotion_rate, tournament, cutoff;

  // Co-production.
  float mobilisation, target, intercept;
  float w_belonging, w_trust, w_services, w_peers, w_mobilisation, w_efficacy;
  float inv_spread;  // 1 / threshold_spread
  float cost[2];     // cost of working time, locals and migrants (0 without costs)
  float cost_load;   // per unit of administrative load (0 without costs)
  float voice[2];    // the groups' voice in committee elections (locals 1)
  float access;      // migrants' claim on places relative to locals' (1 without hukou)
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

  // Stability: the budget and how it is split, incidents, claims, root-cause work,
  // escalation, costs.
  float budget;
  bool choose_mix;
  float mix_temperature, priority;
  float fixed_mix[3];  // control, compensation, root cause (sum = budget)
  float incident_base, incident_grievance, control_effect, compensation_effect;
  float control_trust, control_grievance, claims_rate, claims_decay, claims_grievance;
  float root_effect, root_adjust;
  float tolerance, escalation, escalation_incident, escalation_attenuation, so_absorb;
  float control_cost, compensation_cost, root_cost;

  Horizons horizons;
};

Step make_step(const GovernanceParams& g, int periods_per_year);

}  // namespace pdlab::gov
