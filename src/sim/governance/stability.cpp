// Local governments' stability work in one block (docs/model.md 7.9.4): incidents and
// eruptions, latent grievance, the claims ratchet, root-cause capital, escalation and what it
// all costs in yuan.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

// The waiting time to local government g's next incident, in units of intensity.
PDLAB_INLINE double Runtime::exponential(std::int32_t g) {
  const double u = rng_.uniform(rep_, drawn_[g]++, static_cast<std::uint32_t>(g),
                                static_cast<std::uint32_t>(g_.policy()), Draw::incident);
  return -std::log(u);
}

void Runtime::stability(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  LocalSums sums;
  // The weight of the metrics below, the same sum for each (added once, set at the end).
  double weight = 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const double sp = residents_g_[g];
    const float griev = j_grievance_[g];
    std::int32_t incidents = 0;
    // Spending, yuan per 10,000 residents a year.
    const float x_control = intensity_[control][g];
    const float x_root = intensity_[root_cause][g];
    const float claims = claims_[g];  // yuan per incident
    float spent[3] = {x_control * st.control_cost, 0.0F, x_root * st.root_cost};
    sent_[g] = 0.0F;
    if (st.stability && sp > 0) {
      // Incidents: open contention, from grievance as far as residents have a voice to express
      // it (docs/model.md 7.9.4) and from last period's unmet claims; cut now by control and
      // by paying the protesters' claims; plus eruptions of latent grievance that suppression
      // does not reach. Events of a Poisson process whose intensity accumulates on a clock;
      // each event's waiting time is an Exp(1) draw keyed by its number, so incidents need no
      // draw in quiet periods.
      const float base = st.incident_base * static_cast<float>(sp);
      const float open =
          base * simd::exp1(st.incident_grievance * j_voiced_[g] + st.claims_incidents * unmet_[g]);
      // Compensation is paid per incident: the budget share buys the claims of a share m of
      // the open incidents (yuan per 10,000 residents a year = m x claims x open incidents).
      const float open_year = open * static_cast<float>(per_10k_year_[g]);
      const float budget_paid = mix_[compensation][g] * st.budget;
      const float x_paid =
          open_year > 0 ? std::min(1.0F, budget_paid / (claims * open_year)) : 1.0F;
      intensity_[compensation][g] = x_paid;
      spent[compensation] = x_paid * claims * open_year;
      // Raised expectations left unpaid: the claims above their base of the incidents whose
      // claims were not paid.
      const float unmet = (1.0F - x_paid) * std::max(0.0F, claims - st.claims_base) / claims;
      unmet_[g] = unmet;
      const float cut =
          std::max(0.0F, 1.0F - st.control_effect * x_control - st.compensation_effect * x_paid);
      const float surfacing = st.latent_out * latent_[g];  // share of L surfacing this period
      const float erupt = base * st.latent_incidents * surfacing / st.dt;
      base_rate_[g] = base;
      open_rate_[g] = open;
      contained_[g] = open * cut;
      rate_[g] = open * cut + erupt;
      if (next_incident_[g] < 0) {
        next_incident_[g] = exponential(g);
      }
      clock_[g] += static_cast<double>(rate_[g]);
      while (clock_[g] >= next_incident_[g] && incidents < 1000000) {
        ++incidents;
        next_incident_[g] += exponential(g);
      }
      // SOs lower escalation only through the services they deliver (lower grievance).
      const double escalated = st.escalation * sp * std::max(0.0F, griev - st.tolerance) +
                               st.escalation_incident * static_cast<double>(incidents);
      sent_[g] = static_cast<float>(escalated);
      // Control stores latent grievance, which surfaces at latent_out a period; what is paid
      // per incident raises the claims expected next (the ratchet), which return towards
      // their base; root-cause work builds capital that lasts.
      latent_[g] += st.latent_in * x_control * (1.0F - latent_[g]) - surfacing;
      claims_[g] = st.ratchet ? claims + st.claims_rate * x_paid * claims -
                                    st.claims_decay * (claims - st.claims_base)
                              : st.claims_base;
      capital_[g] += st.root_build * x_root * (1.0F - capital_[g]) - st.root_decay * capital_[g];
      year_incidents_[g] += static_cast<float>(incidents);
      const double per = per_10k_year_[g];  // per 10,000 residents a year
      j_incident_rate_[g] += st.dt * (static_cast<float>(incidents * per) - j_incident_rate_[g]);
      weight += sp;
      sums.add_value(GovMetric::incidents, static_cast<double>(incidents) * per, sp);
      sums.add_value(GovMetric::expected_claims, claims, sp);
      sums.add_value(GovMetric::unmet_claims, unmet, sp);
      sums.add_value(GovMetric::latent_grievance, latent_[g], sp);
      sums.add_value(GovMetric::root_capital, capital_[g], sp);
      sums.add_value(GovMetric::escalated, escalated * per, sp);
      sums.add_value(GovMetric::cost_control, spent[control], sp);
      sums.add_value(GovMetric::cost_compensation, spent[compensation], sp);
      sums.add_value(GovMetric::cost_root_cause, spent[root_cause], sp);
      sums.add_value(GovMetric::share_control, mix_[control][g], sp);
      sums.add_value(GovMetric::share_compensation, mix_[compensation][g], sp);
      sums.add_value(GovMetric::share_root_cause, mix_[root_cause][g], sp);
    }
    // Contracted places: yuan a year, per 10,000 residents like every cost.
    const double contracts = st.contract_cost * static_cast<double>(places_[g]);
    if (st.services && sp > 0) {
      sums.add(GovMetric::cost_contracts, contracts * 1e4 / sp, sp);
    }
    incidents_[g] = incidents;
    if (panel_now) {
      // The local government's spending, yuan a year at this period's rates.
      const double stability = st.stability ? (spent[0] + spent[1] + spent[2]) * sp * 1e-4 : 0.0;
      cost_[g] = static_cast<float>(stability + (st.services ? contracts : 0.0));
    }
  }
  for (auto m :
       {GovMetric::incidents, GovMetric::expected_claims, GovMetric::unmet_claims,
        GovMetric::latent_grievance, GovMetric::root_capital, GovMetric::escalated,
        GovMetric::cost_control, GovMetric::cost_compensation, GovMetric::cost_root_cause,
        GovMetric::share_control, GovMetric::share_compensation, GovMetric::share_root_cause}) {
    sums.weight[static_cast<int>(m)] = weight;
  }
  flush(sums, t);
}

}  // namespace pdlab::gov
