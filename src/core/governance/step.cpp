#include "pdlab/core/governance/step.hpp"
#include "pdlab/core/governance/effort.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

namespace {

// Discounted sums of the responses to each choice, for H = 0 .. max_h. The stability sums
// follow the update equations of docs/model.md 7.9.4 for a strategy given the whole budget,
// linearised at an empty state (no latent grievance, claims at their base, no capital, open
// incidents at their base rate): the official multiplies them by the factors its state gives
// (1 - L, 1 - G, ...).
Horizons make_horizons(const Step& s, double rho, double grievance_out, std::int32_t max_h) {
  Horizons h;
  const auto n = static_cast<std::size_t>(max_h) + 1;
  for (auto* v : {&h.visible, &h.depth, &h.seen, &h.discounted, &h.eruptions, &h.latent, &h.claims,
                  &h.unmet, &h.root}) {
    v->assign(n, 0.0F);
  }
  double f0 = 0, fe = 0, fg = 0, fq = 0, fu = 0, fr = 0;
  double latent = 0;              // latent grievance stored by control
  double g_latent = 0;            // visible grievance from its surfacing
  double claims = s.claims_base;  // expected claims per incident, yuan
  double unmet = 0;               // unmet share of the claims: in [0, 1)
  double g_unmet = 0;             // grievance from it
  double capital = 0;             // root-cause capital
  double g_root = 0;              // grievance avoided per unit of unmet need it fixes
  const double dt = s.dt;
  for (std::size_t tau = 0; tau + 1 < n; ++tau) {
    const auto t = static_cast<double>(tau);
    const double disc = std::pow(rho, t);
    f0 += disc;
    if (s.latent) {
      fe += disc * s.latent_incidents * latent * s.latent_out / dt;
      fg += disc * g_latent;
    }
    if (s.ratchet) {
      fq += disc * unmet;
      fu += disc * g_unmet;
    }
    fr += disc * g_root;
    g_latent += s.latent_grievance * s.latent_out * latent - grievance_out * g_latent;
    latent += s.latent_in - s.latent_out * latent;
    // The whole budget on compensation pays the claims of a share m of the open incidents;
    // what is paid raises the claims, and the raised part left unpaid is the unmet share.
    g_unmet += s.claims_grievance * unmet - grievance_out * g_unmet;
    // (No incidents, no claims: nothing paid, nothing unmet.)
    const bool open = s.incidents_year > 0;
    const double m = open ? std::min(1.0, s.budget / (claims * s.incidents_year)) : 0.0;
    unmet = open ? (1.0 - m) * std::max(0.0, claims - s.claims_base) / claims : 0.0;
    claims += s.claims_rate * m * claims - s.claims_decay * (claims - s.claims_base);
    g_root += s.grievance_inflow * capital - grievance_out * g_root;
    capital += s.root_build - s.root_decay * capital;
    const auto hh = static_cast<std::int32_t>(tau + 1);
    const auto r = static_cast<float>(rho);
    h.visible[tau + 1] = effort::discounted_sum(r * (1.0F - s.visible_decay), hh);
    h.depth[tau + 1] = effort::discounted_sum(r * (1.0F - s.depth_decay), hh);
    h.seen[tau + 1] = effort::seen_sum(1.0F - s.depth_decay, r, s.perceive, hh,
                                       effort::discounted_sum(r * (1.0F - s.perceive), hh));
    h.discounted[tau + 1] = static_cast<float>(f0);
    h.eruptions[tau + 1] = static_cast<float>(fe);
    h.latent[tau + 1] = static_cast<float>(fg);
    h.claims[tau + 1] = static_cast<float>(fq);
    h.unmet[tau + 1] = static_cast<float>(fu);
    h.root[tau + 1] = static_cast<float>(fr);
  }
  return h;
}

}  // namespace

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

  s.omega = f(a.satisfaction_weight);
  s.visible_reward = f(a.visible_reward);
  s.depth_reward = f(a.depth_reward);
  // Without the assessment module officials split their effort evenly.
  s.best_response = a.enabled && a.choice == Choice::best_response;
  s.fixed_effort = a.enabled ? f(a.fixed_effort) : 0.5F;
  s.temperature = f(a.temperature);
  s.visible_rate = f(a.visible_rate) * s.dt;
  s.visible_decay = f(a.visible_decay) * s.dt;
  s.depth_rate = f(a.depth_rate) * s.dt;
  s.depth_decay = f(a.depth_decay) * s.dt;
  s.perceive = std::min(1.0F, s.dt / f(a.depth_lag));
  s.veto = a.enabled && a.veto;
  s.veto_threshold = f(a.veto_threshold) * 1e-4F;
  s.inspection = a.enabled && a.inspection;
  s.inspection_target = f(a.inspection_target);
  s.inspection_noise = f(a.inspection_noise);
  s.inspection_penalty = f(a.inspection_penalty) * static_cast<float>(periods_per_year);
  s.promotion_rate = f(a.promotion_rate);
  s.tournament = f(a.tournament);
  s.cutoff = f(a.cutoff);

  s.mobilisation = f(c.mobilisation);
  s.target = f(c.target);
  s.intercept = f(c.intercept);
  s.w_belonging = f(c.w_belonging);
  s.w_trust = f(c.w_trust);
  s.w_services = f(c.w_services);
  s.w_peers = f(c.w_peers);
  s.w_mobilisation = f(c.w_mobilisation);
  s.w_efficacy = f(c.w_efficacy);
  s.inv_spread = 1.0F / f(c.threshold_spread);
  // Working time is a cost for the working share of each group only (kernel.cpp mixes the
  // working and the other residents' thresholds).
  s.cost[0] = c.costs ? f(c.cost_work) : 0.0F;
  s.cost[1] = s.cost[0];
  s.cost_load = c.costs ? f(c.cost_load) : 0.0F;
  // Migrants vote once resident for residence_years (the share still there after that long
  // under constant turnover) and admitted by the committee; without hukou rules, as locals.
  s.voice[0] = 1.0F;
  s.voice[1] =
      c.hukou ? f(c.migrant_eligibility * std::exp(-c.turnover_migrant * c.residence_years)) : 1.0F;
  s.access = c.hukou ? f(v.migrant_access) : 1.0F;  // to hukou-bound services
  // Grievance reaches open contention by the group's weight, not by its electoral voice.
  s.contention[0] = 1.0F;
  s.contention[1] = c.hukou ? f(b.migrant_contention) : 1.0F;
  s.adjust = std::min(1.0F, f(c.adjust_rate) * s.dt);
  s.belonging_time = f(c.belonging_time) * s.dt;
  s.belonging_services = f(c.belonging_services) * s.dt;
  s.belonging_participation = f(c.belonging_participation) * s.dt;
  s.turnover[0] = f(c.turnover_local) * s.dt;
  s.turnover[1] = f(c.turnover_migrant) * s.dt;
  s.admin_load = f(c.admin_load);
  s.task_list_cut = f(c.task_list_cut);
  s.partial_load = f(c.partial_load);
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
  s.working[0] = f(v.working_local);
  s.working[1] = f(v.working_migrant);
  s.school_min = f(v.school_min);
  s.contract_cost = f(v.contract_cost);  // yuan per place a year (stability.cpp)

  s.budget = b.enabled ? f(b.budget) : 0.0F;
  s.choose_mix = b.enabled && b.mix == Choice::best_response;
  s.mix_temperature = f(b.temperature);
  const double total = b.control + b.compensation + b.root_cause;  // NaN unless mix = fixed
  for (int k = 0; k < 3; ++k) {
    const double w[3] = {b.control, b.compensation, b.root_cause};
    s.fixed_mix[k] = total > 0 ? f(w[k] / total) : 1.0F / 3.0F;
  }
  s.incident_base = f(b.incident_rate) * s.dt * 1e-4F;  // per resident per period
  s.incident_grievance = f(b.incident_grievance);
  s.control_effect = f(b.control_effect);
  s.compensation_effect = f(b.compensation_effect);
  s.control_trust = f(b.control_trust) * s.dt;
  s.control_cost = f(b.control_cost);
  s.latent = b.latent;
  s.latent_in = b.latent ? f(b.latent_rate) * s.dt : 0.0F;
  s.latent_out = std::min(1.0F, s.dt / f(b.latent_lag));
  s.latent_grievance = f(b.latent_grievance);
  s.latent_incidents = f(b.latent_incidents);
  s.ratchet = b.ratchet;
  s.claims_base = f(b.claims_base);
  s.claims_rate = b.ratchet ? f(b.claims_rate) * s.dt : 0.0F;
  s.claims_decay = std::min(1.0F, f(b.claims_decay) * s.dt);
  s.claims_grievance = f(b.claims_grievance) * s.dt;
  s.claims_incidents = f(b.claims_incidents);
  s.root_cost = f(b.root_cost);
  s.root_places = f(b.root_places);
  s.root_access = f(b.root_access);
  s.root_load = f(b.root_load);
  s.root_build = std::min(1.0F, s.dt / f(b.root_lag));
  s.root_decay = std::min(1.0F, f(b.root_decay) * s.dt);
  s.tolerance = f(b.tolerance);
  s.escalation = f(b.escalation) * s.dt * 1e-4F;
  s.escalation_incident = f(b.escalation_incident);
  s.escalation_attenuation = f(b.escalation_attenuation);
  s.incidents_year = f(b.incident_rate);

  const double rho = std::pow(a.discount, 1.0 / periods_per_year);
  s.rho = static_cast<float>(rho);
  s.inspection_persist.resize(static_cast<std::size_t>(periods_per_year));
  for (int k = 0; k < periods_per_year; ++k) {
    s.inspection_persist[static_cast<std::size_t>(k)] =
        effort::power(s.rho * (1.0F - s.visible_decay), k);
  }
  s.horizons = make_horizons(s, rho, s.grievance_decay,
                             std::max(a.term_min, a.term_max) * periods_per_year + 1);
  return s;
}

}  // namespace pdlab::gov
