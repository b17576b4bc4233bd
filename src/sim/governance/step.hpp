// The governance parameters in force in one period, in the units the update equations use:
// yearly rates times dt = 1 / periods_per_year (docs/model.md §7.9).
#pragma once

#include "core/scenario.hpp"

namespace pdlab::gov {

struct Step {
  float dt;
  bool assessment, coproduction, services, stability;

  // Assessment: effort on depth of officials not / under a mandate, rewards, stocks.
  float effort_plain, effort_mandated;
  float visible_reward, deadline_reward, depth_reward;
  float visible_rate, visible_decay, depth_rate, depth_decay;
  bool veto;
  float veto_threshold;  // incidents per resident and period above which the veto bites

  // Co-production.
  float mobilisation, ceiling, target, intercept;
  float w_belonging, w_trust, w_services, w_peers, w_mobilisation;
  float adjust, belonging_services, belonging_participation, turnover[2];
  float admin_load, task_list_cut, load_effect;
  float trust_rate, sat_intercept, sat_depth, sat_services, sat_grievance;
  float grievance_inflow, grievance_decay;

  // Services.
  float contracting, so_growth, so_decay, so_max, volunteers, government, withdrawal, space;
  float need[2];                       // locals' and migrants' need for the service
  float demand_local, demand_migrant;  // children of working parents per resident
  float contract_cost;

  // Stability: the budget split, incidents, claims, root-cause work, escalation, costs.
  float control, compensation, root_cause;
  float incident_base, incident_grievance, control_effect, compensation_effect;
  float control_trust, control_grievance, claims_rate, claims_decay, claims_grievance;
  float root_effect, root_adjust;
  float tolerance, escalation, escalation_incident, escalation_attenuation, so_absorb;
  float control_cost, compensation_cost, root_cost;
};

Step make_step(const GovernanceParams& g, int periods_per_year);

}  // namespace pdlab::gov
