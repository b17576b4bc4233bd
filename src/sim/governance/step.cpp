#include "sim/governance/step.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

Step make_step(const GovernanceParams& g, int periods_per_year) {
  Step s{};
  s.dt = 1.0F / static_cast<float>(periods_per_year);
  const auto& a = g.assessment;
  const auto& c = g.coproduction;
  const auto& v = g.services;
  const auto& b = g.stability;
  const auto f = [](double x) { return static_cast<float>(x); };
  s.assessment = a.enabled;
  s.coproduction = c.enabled;
  s.services = v.enabled;
  s.stability = b.enabled;
  // Logit choice between visible work and depth on marginal payoffs (docs/model.md 7.9.1).
  const double m_depth =
      a.hierarchical_weight * a.depth_reward + a.horizontal_weight * c.satisfaction_depth;
  const double m_vis = a.hierarchical_weight * a.visible_reward;
  const double m_vis_mandate = a.hierarchical_weight * (a.visible_reward + a.deadline_reward);
  s.effort_plain =
      a.enabled ? f(1.0 / (1.0 + std::exp(-(m_depth - m_vis) / a.temperature))) : 0.5F;
  s.effort_mandated =
      a.enabled ? f(1.0 / (1.0 + std::exp(-(m_depth - m_vis_mandate) / a.temperature))) : 0.5F;
  s.visible_reward = f(a.visible_reward);
  s.deadline_reward = f(a.deadline_reward);
  s.depth_reward = f(a.depth_reward);
  s.visible_rate = f(a.visible_rate) * s.dt;
  s.visible_decay = f(a.visible_decay) * s.dt;
  s.depth_rate = f(a.depth_rate) * s.dt;
  s.depth_decay = f(a.depth_decay) * s.dt;
  s.veto = a.veto;
  s.veto_threshold = f(a.veto_threshold) * s.dt * 1e-4F;

  s.mobilisation = f(c.mobilisation);
  s.ceiling = f(c.ceiling);
  s.target = f(c.target);
  s.intercept = f(c.intercept);
  s.w_belonging = f(c.w_belonging);
  s.w_trust = f(c.w_trust);
  s.w_services = f(c.w_services);
  s.w_peers = f(c.w_peers);
  s.w_mobilisation = f(c.w_mobilisation);
  s.adjust = std::min(1.0F, f(c.adjust_rate) * s.dt);
  s.belonging_services = f(c.belonging_services) * s.dt;
  s.belonging_participation = f(c.belonging_participation) * s.dt;
  s.turnover[0] = f(c.turnover_local) * s.dt;
  s.turnover[1] = f(c.turnover_migrant) * s.dt;
  s.admin_load = f(c.admin_load);
  s.task_list_cut = f(c.task_list_cut);
  s.load_effect = f(c.load_effect);
  s.trust_rate = f(c.trust_rate) * s.dt;
  s.sat_intercept = f(c.satisfaction_intercept);
  s.sat_depth = f(c.satisfaction_depth);
  s.sat_services = f(c.satisfaction_services);
  s.sat_grievance = f(c.satisfaction_grievance);
  s.grievance_inflow = f(c.grievance_inflow) * s.dt;
  s.grievance_decay = f(c.grievance_decay) * s.dt;

  s.contracting = f(v.contracting);
  s.so_growth = f(v.so_growth) * s.dt;
  s.so_decay = f(v.so_decay) * s.dt;
  s.so_max = f(std::max(v.so_max, 1e-9));
  s.volunteers = f(v.volunteer_rate);
  s.government = f(v.government_direct);
  s.withdrawal = f(v.withdrawal);
  s.space = f(v.space);
  // Locals need the service in proportion to their share of children with working parents.
  s.need[0] = v.working_migrant > 0 ? f(std::min(1.0, v.working_local / v.working_migrant)) : 1.0F;
  s.need[1] = 1.0F;
  s.demand_local = f(v.children_share * v.working_local);
  s.demand_migrant = f(v.children_share * v.working_migrant);
  s.contract_cost = f(v.contract_cost) * s.dt;

  const double total = b.control + b.compensation + b.root_cause;
  const double k = b.enabled && total > 0 ? b.budget / total : 0.0;
  s.control = f(k * b.control);
  s.compensation = f(k * b.compensation);
  s.root_cause = f(k * b.root_cause);
  s.incident_base = f(b.incident_rate) * s.dt * 1e-4F;  // per resident per period
  s.incident_grievance = f(b.incident_grievance);
  s.control_effect = f(b.control_effect);
  s.compensation_effect = f(b.compensation_effect);
  s.control_trust = f(b.control_trust) * s.dt;
  s.control_grievance = f(b.control_grievance) * s.dt;
  s.claims_rate = f(b.claims_rate) * s.dt;
  s.claims_decay = f(b.claims_decay) * s.dt;
  s.claims_grievance = f(b.claims_grievance) * s.dt;
  s.root_effect = f(b.root_effect) * s.dt;
  s.root_adjust = std::min(1.0F, s.dt / f(b.root_lag));
  s.tolerance = f(b.tolerance);
  s.escalation = f(b.escalation) * s.dt * 1e-4F;
  s.escalation_incident = f(b.escalation_incident);
  s.escalation_attenuation = f(b.escalation_attenuation);
  s.so_absorb = f(b.so_absorb);
  s.control_cost = f(b.control_cost) * s.dt * 1e-4F;
  s.compensation_cost = f(b.compensation_cost) * s.dt * 1e-4F;
  s.root_cost = f(b.root_cost) * s.dt * 1e-4F;
  return s;
}

}  // namespace pdlab::gov
