// Local governments' stability work in one block (docs/model.md 7.9.4): incidents and
// eruptions, latent grievance, the claims ratchet, root-cause capital, escalation and what it
// all costs in yuan.
#include "sim/governance/lanes.hpp"
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace pdlab::gov {

using lanes::I;
using lanes::N;
using lanes::T;

namespace {

// The metrics summed over the local governments with residents, all with the same weight.
constexpr GovMetric kSummedMetrics[] = {
    GovMetric::incidents,        GovMetric::expected_claims,    GovMetric::unmet_claims,
    GovMetric::latent_grievance, GovMetric::root_capital,       GovMetric::escalated,
    GovMetric::cost_control,     GovMetric::cost_compensation,  GovMetric::cost_root_cause,
    GovMetric::share_control,    GovMetric::share_compensation, GovMetric::share_root_cause};
constexpr int kSummed = static_cast<int>(std::size(kSummedMetrics));

}  // namespace

// The waiting time to local government g's next incident, in units of intensity.
PDLAB_INLINE double Runtime::exponential(std::int32_t g, std::uint32_t& drawn) {
  const double u = rng_.uniform(rep_, drawn++, static_cast<std::uint32_t>(g),
                                static_cast<std::uint32_t>(g_.policy()), Draw::incident);
  return -std::log(u);
}

// Four local governments at a time: first their rates and state updates, which need no draw,
// with the same float arithmetic in the same order as one alone (vf4 lanes); then, one
// government after another, the incidents (draws on the clock), escalation and the weighted
// sums, which stay sequential per metric.
void Runtime::stability(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  LocalSums& sums = local_sums_;  // zero (flush() leaves it so)
  // The weighted sums of kSummedMetrics, each in government order, and their weight (the
  // same sum for each, added once): into sums at the end.
  double summed[kSummed] = {};
  double weight = 0;
  bool any = false;
  const float control_cost = st.control_cost;
  const float root_cost = st.root_cost;
  const bool services = st.services;
  const double contract_cost = st.contract_cost;
  Local4* q = &local4_[block4_[b]];
  for (std::int32_t i = blk.g0; i < blk.g1; i += N, ++q) {
    const std::int32_t m = std::min(N, blk.g1 - i);
    // The group's inputs (Local4, whole groups; lanes [m, 4) are computed, never stored);
    // residents and per-10,000-a-year factors as floats, as the scalar code converts them.
    const auto get_float = [&](const double* v) { return lanes::load_float(v, N); };
    const I live = lanes::positive(q->residents, m);  // governments with residents
    const T x_control = q->intensity[control];
    const T x_root = q->intensity[root_cause];
    const T claims = q->claims;  // yuan per incident
    // Spending, yuan per 10,000 residents a year.
    const T spent_control = x_control * control_cost;
    const T spent_root = x_root * root_cost;
    T x_paid{}, spent_paid{}, unmet{}, rate{}, latent{}, capital{};
    if (st.stability) {
      // Incidents: open contention, from grievance (each group's by its contention weight,
      // docs/model.md 7.9.4) and from last period's unmet claims; cut now by control and
      // by paying the protesters' claims; plus eruptions of latent grievance that suppression
      // does not reach. Events of a Poisson process whose intensity accumulates on a clock;
      // each event's waiting time is an Exp(1) draw keyed by its number, so incidents need no
      // draw in quiet periods.
      const T base = st.incident_base * get_float(q->residents);
      const T arg = st.incident_grievance * q->voiced + st.claims_incidents * q->unmet;
      T growth = simd::exp<N>(arg);
      if (lanes::any(arg != arg)) {
        // exp<N> clamps NaN to -87, exp1 passes it on: keep the scalar's (never seen) NaN.
        for (int l = 0; l < N; ++l) {
          growth[l] = simd::exp1(arg[l]);
        }
      }
      const T open = base * growth;
      // Compensation is paid per incident: the budget share buys the claims of a share m of
      // the open incidents (yuan per 10,000 residents a year = m x claims x open incidents).
      const T open_year = open * get_float(q->per_10k_year);
      const T budget_paid = q->mix[compensation] * st.budget;
      const T one = T{} + 1.0F;
      const T zero = T{};
      // (No open incidents, no claims: nothing is paid, nothing ratchets, nothing is unmet.)
      const I open_any = open_year > zero;
      x_paid = lanes::select(open_any, simd::min(one, budget_paid / (claims * open_year)), zero);
      spent_paid = lanes::select(live, x_paid * claims * open_year, zero);
      // Raised expectations left unpaid: the claims above their base of the incidents whose
      // claims were not paid.
      unmet = lanes::select(
          open_any, (1.0F - x_paid) * simd::max(zero, claims - st.claims_base) / claims, zero);
      const T cut =
          simd::max(zero, 1.0F - st.control_effect * x_control - st.compensation_effect * x_paid);
      const T latent_before = q->latent;
      const T surfacing = st.latent_out * latent_before;  // share of L surfacing this period
      const T erupt = base * st.latent_incidents * surfacing / st.dt;
      const T contained = open * cut;
      rate = open * cut + erupt;
      // Control stores latent grievance, which surfaces at latent_out a period; what is paid
      // per incident raises the claims expected next (the ratchet), which return towards
      // their base; root-cause work builds capital that lasts.
      latent = latent_before + (st.latent_in * x_control * (1.0F - latent_before) - surfacing);
      const T claims_next = st.ratchet ? claims + st.claims_rate * x_paid * claims -
                                             st.claims_decay * (claims - st.claims_base)
                                       : T{} + st.claims_base;
      const T capital_before = q->capital;
      capital = capital_before +
                (st.root_build * x_root * (1.0F - capital_before) - st.root_decay * capital_before);
      // The state of the governments with residents.
      // (lanes without residents, and spare lanes, keep theirs)
      const auto put = [&](T& v, T x) { v = lanes::select(live, x, v); };
      put(q->intensity[compensation], x_paid);
      put(q->unmet, unmet);
      put(q->base_rate, base);
      put(q->open_rate, open);
      put(q->contained, contained);
      put(q->rate, rate);
      put(q->latent, latent);
      put(q->claims, claims_next);
      put(q->capital, capital);
    }
    for (std::int32_t l = 0; l < m; ++l) {
      const std::int32_t g = i + l;
      const double sp = q->residents[l];
      std::int32_t incidents = 0;
      q->sent[l] = 0.0F;
      if (st.stability && live[l] != 0) {
        double& next = q->next_incident[l];
        double& clock = q->clock[l];
        std::uint32_t& drawn = q->drawn[l];
        if (next < 0) {
          next = exponential(g, drawn);
        }
        clock += static_cast<double>(rate[l]);
        while (clock >= next && incidents < 1000000) {
          ++incidents;
          next += exponential(g, drawn);
        }
        // SOs lower escalation only through the services they deliver (lower grievance).
        const double escalated =
            st.escalation * sp * std::max(0.0F, j_grievance_[g] - st.tolerance) +
            st.escalation_incident * static_cast<double>(incidents);
        q->sent[l] = static_cast<float>(escalated);
        year_incidents_[g] += static_cast<float>(incidents);
        const double per = q->per_10k_year[l];  // per 10,000 residents a year
        j_incident_rate_[g] += st.dt * (static_cast<float>(incidents * per) - j_incident_rate_[g]);
        weight += sp;
        const double v[kSummed] = {static_cast<double>(incidents) * per,
                                   claims[l],
                                   unmet[l],
                                   latent[l],
                                   capital[l],
                                   escalated * per,
                                   spent_control[l],
                                   spent_paid[l],
                                   spent_root[l],
                                   q->mix[control][l],
                                   q->mix[compensation][l],
                                   q->mix[root_cause][l]};
        for (int k = 0; k < kSummed; ++k) {
          summed[k] += v[k] * sp;
        }
        any = true;
      }
      // Contracted places: yuan a year, per 10,000 residents like every cost.
      const double contracts = contract_cost * static_cast<double>(q->places[l]);
      if (services && sp > 0) {
        sums.add(GovMetric::cost_contracts, contracts * 1e4 / sp, sp);
      }
      q->incidents[l] = incidents;
      if (panel_now) {
        // The local government's spending, yuan a year at this period's rates.
        const double stability =
            st.stability ? (spent_control[l] + spent_paid[l] + spent_root[l]) * sp * 1e-4 : 0.0;
        q->cost[l] = static_cast<float>(stability + (services ? contracts : 0.0));
      }
    }
  }
  if (any) {
    for (int k = 0; k < kSummed; ++k) {
      const auto i = static_cast<int>(kSummedMetrics[k]);
      sums.value[i] = summed[k];
      sums.weight[i] = weight;
      sums.touched |= std::uint64_t{1} << i;
    }
  }
  flush(sums, t);
}

}  // namespace pdlab::gov
