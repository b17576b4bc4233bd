// Local governments' stability work in one block (docs/model.md 7.9.4): incidents, claims,
// root-cause work, escalation and costs.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

void Runtime::stability(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const double per_year = ppy_;
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  LocalSums sums;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const double sp = residents_g_[g];
    const double inv = sp > 0 ? 1.0 / sp : 0.0;
    const float griev = j_grievance_[g];
    const bool act = active(in_charge_[g], t);
    const float u_control = mix_[control][g];
    const float u_compensation = mix_[compensation][g];
    const float u_root = mix_[root_cause][g];
    std::int32_t incidents = 0;
    const float claims = claims_[g];
    const float root_now = u_root * (act ? 1.0F : 0.0F);
    sent_[g] = 0.0F;
    if (st.stability && sp > 0) {
      // Incidents from grievance and claims, cut now by control and compensation: events of a
      // Poisson process whose intensity accumulates on a clock; each event's waiting time is
      // an Exp(1) draw keyed by its number, so incidents need no draw in quiet periods.
      const float base =
          st.incident_base * static_cast<float>(sp) * simd::exp1(st.incident_grievance * griev);
      base_rate_[g] = base;
      const float cut = std::max(
          0.0F, 1.0F - st.control_effect * u_control - st.compensation_effect * u_compensation);
      if (next_incident_[g] < 0) {
        next_incident_[g] = exponential(g);
      }
      clock_[g] += static_cast<double>(base * cut);
      while (clock_[g] >= next_incident_[g] && incidents < 1000000) {
        ++incidents;
        next_incident_[g] += exponential(g);
      }
      const float so_share = static_cast<float>(so_sum_[g] * inv);
      const double escalated = (st.escalation * sp * std::max(0.0F, griev - st.tolerance) +
                                st.escalation_incident * static_cast<double>(incidents)) *
                               std::max(0.0F, 1.0F - st.so_absorb * so_share);
      sent_[g] = static_cast<float>(escalated);
      claims_[g] = claims + st.claims_rate * u_compensation - st.claims_decay * claims;
      root_work_[g] = root_work_[g] + st.root_adjust * (root_now * j_depth_[g] - root_work_[g]);
      year_incidents_[g] += static_cast<float>(incidents);
      const double per = 1e4 * per_year / sp;  // per 10,000 residents a year
      j_incident_rate_[g] += st.dt * (static_cast<float>(incidents * per) - j_incident_rate_[g]);
      sums.add(GovMetric::incidents, static_cast<double>(incidents) * per, sp);
      sums.add(GovMetric::claims, claims_[g], sp);
      sums.add(GovMetric::escalated, escalated * per, sp);
      sums.add(GovMetric::cost_control, st.control_cost * u_control * sp * per, sp);
      sums.add(GovMetric::cost_compensation,
               st.compensation_cost * (u_compensation + claims) * sp * per, sp);
      sums.add(GovMetric::cost_root_cause, st.root_cost * root_now * sp * per, sp);
      if (st.budget > 0) {
        sums.add(GovMetric::share_control, u_control / st.budget, sp);
        sums.add(GovMetric::share_compensation, u_compensation / st.budget, sp);
        sums.add(GovMetric::share_root_cause, u_root / st.budget, sp);
      }
    }
    if (st.services && sp > 0) {
      sums.add(GovMetric::cost_contracts, st.contract_cost * places_[g] * per_year * 1e4 / sp, sp);
    }
    incidents_[g] = incidents;
    if (panel_now) {
      cost_[g] = static_cast<float>(sp * 1e-4) *
                     (st.stability ? st.control_cost * u_control +
                                         st.compensation_cost * (u_compensation + claims) +
                                         st.root_cost * root_now
                                   : 0.0F) +
                 st.contract_cost * places_[g];
    }
  }
  flush(sums, t);
}

// The waiting time to local government g's next incident, in units of intensity.
double Runtime::exponential(std::int32_t g) {
  const double u = rng_.uniform(rep_, drawn_[g]++, static_cast<std::uint32_t>(g),
                                static_cast<std::uint32_t>(g_.policy()), Draw::incident);
  return -std::log(u);
}

}  // namespace pdlab::gov
