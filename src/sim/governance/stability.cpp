// Local governments' stability work in one block (docs/model.md 7.9.4): incidents, claims,
// root-cause work, escalation and costs.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

namespace {

// Poisson draw by inversion from one uniform; a normal approximation above mean 50.
std::int32_t poisson(double mean, double u, double u2) {
  if (mean <= 0) {
    return 0;
  }
  if (mean > 50) {
    const double z = std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * u2);
    return static_cast<std::int32_t>(std::max(0.0, std::floor(mean + std::sqrt(mean) * z + 0.5)));
  }
  double p = std::exp(-mean);
  double c = p;
  std::int32_t k = 0;
  while (u > c && k < 1000) {
    ++k;
    p *= mean / k;
    c += p;
  }
  return k;
}

}  // namespace

void Runtime::stability(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const double per_year = sc_.calendar.periods_per_year;
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const auto sum = [&](StreetSum k) { return street_sum_[static_cast<int>(k)][g]; };
    const double sp = residents_g_[g];
    const double inv = sp > 0 ? 1.0 / sp : 0.0;
    const double griev = sum(StreetSum::grievance) * inv;
    const double dep = sum(StreetSum::depth) * inv;
    const bool act = active(in_charge_[g], t);
    std::int32_t incidents = 0;
    const float claims = claims_[g];
    const float root_now = st.root_cause * (act ? 1.0F : 0.0F);
    if (st.stability && sp > 0) {
      // Incidents from grievance and claims, cut now by control and compensation.
      const double rate =
          st.incident_base * sp * std::exp(st.incident_grievance * griev) *
          std::max(0.0F, 1.0F - st.control_effect * st.control -
                             st.compensation_effect * st.compensation);
      const auto wds = rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(g),
                                  static_cast<std::uint32_t>(g_.policy()), Draw::incident);
      incidents =
          poisson(rate, Rng::to_open_unit(wds[0], wds[1]), Rng::to_open_unit(wds[2], wds[3]));
      const double escalated = (st.escalation * sp * std::max(0.0, griev - st.tolerance) +
                                st.escalation_incident * static_cast<double>(incidents)) *
                               std::max(0.0, 1.0 - st.so_absorb * static_cast<double>(sum(StreetSum::so)) * inv);
      claims_[g] = claims + st.claims_rate * st.compensation - st.claims_decay * claims;
      root_work_[g] =
          root_work_[g] + st.root_adjust * (root_now * static_cast<float>(dep) - root_work_[g]);
      const double per = 1e4 * per_year / sp;  // per 10,000 residents a year
      block_add(at_local, GovMetric::incidents, static_cast<double>(incidents) * per, sp);
      block_add(at_local, GovMetric::claims, claims_[g], sp);
      block_add(at_local, GovMetric::escalated, escalated * per, sp);
      block_add(at_local, GovMetric::cost_control, st.control_cost * st.control * sp * per, sp);
      block_add(at_local, GovMetric::cost_compensation,
                st.compensation_cost * (st.compensation + claims) * sp * per, sp);
      block_add(at_local, GovMetric::cost_root_cause, st.root_cost * root_now * sp * per, sp);
      sent_[t] += escalated;
      pop_local_[t] += sp;
    }
    if (st.services && sp > 0) {
      block_add(at_local, GovMetric::cost_contracts,
                st.contract_cost * static_cast<double>(sum(StreetSum::places)) * per_year * 1e4 /
                    sp,
                sp);
    }
    incidents_[g] = incidents;
    if (panel_now) {
      cost_[g] = static_cast<float>(sp * 1e-4) *
                     (st.stability ? st.control_cost * st.control +
                                         st.compensation_cost * (st.compensation + claims) +
                                         st.root_cost * root_now
                                   : 0.0F) +
                 st.contract_cost * sum(StreetSum::places);
    }
  }
  flush_block(t);
}

}  // namespace pdlab::gov
