// Officials (docs/model.md 7.9.1, 7.9.4): careers (terms, turnover, the yearly promotion
// tournament among peers) and choices (the effort split between visible outputs and depth,
// and the mix of stability strategies), each a discounted best response to the official's
// career payoff over the rest of its term.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pdlab::gov {

namespace {

float logistic(float x) {
  return simd::logistic1(x);
}

}  // namespace

// A new official in unit u from period t: a term of uniform length between term_min and
// term_max years. Officials in office at the start are at a uniform point of their term.
void Runtime::appoint(std::int32_t u, std::int32_t t) {
  const auto& a = g_.params(std::max(t, 0)).assessment;
  const auto w = rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u),
                            static_cast<std::uint32_t>(g_.policy()), Draw::term);
  const std::int32_t lo = std::min(a.term_min, a.term_max) * ppy_;
  const std::int32_t hi = std::max(a.term_min, a.term_max) * ppy_;
  const auto span = static_cast<double>(hi - lo + 1);
  const auto term = lo + static_cast<std::int32_t>(Rng::to_open_unit(w[0], w[1]) * span);
  std::int32_t start = t;
  if (t == 0) {
    start = -static_cast<std::int32_t>(Rng::to_open_unit(w[2], w[3]) * term);
  }
  tenure_start_[u] = start;
  term_end_[u] = start + term;
  last_turnover_[u] = start;
  record_[u] = 0.0;
  const Step& st = g_.step(std::max(t, 0));
  const float s = logistic(st.tournament * (0.5F - st.cutoff));
  rank_[u] = 0.5F;
  promotion_[u] = st.promotion_rate * s;
  slope_[u] = st.promotion_rate * st.tournament * s * (1.0F - s);
}

// Effort on depth (share e; the rest on visible outputs) of the official of `official`,
// working on territory `territory`: the logit of the difference between the marginal career
// values of the two (docs/model.md 7.9.1). Visible outputs, and depth where the hierarchy
// credits it, enter the official's record at once and the record follows the official: their
// value is the promotion slope times their discounted persistence, whatever the tenure left.
// Depth pays through residents' satisfaction only after the perception lag and only while the
// official is still in post: the sum runs over the H periods of tenure left.
float Runtime::choose_effort(std::int32_t official, std::int32_t territory, std::int32_t t,
                             float depth, float participation, float fit) const {
  const Step& st = g_.step(t);
  if (!st.best_response) {
    return st.fixed_effort;
  }
  const auto& hz = st.horizons;
  const std::int32_t left = std::clamp(term_end_[official] - t, 0, hz.max());
  const float slope = slope_[official];
  const float reward = st.visible_reward + st.deadline_reward * mandated_[official];
  const float m_visible = slope * (1.0F - st.omega) * reward * st.visible_rate *
                          (1.0F - visible_[territory]) * hz.visible[hz.max()];
  const float m_depth = slope *
                        ((1.0F - st.omega) * st.depth_reward * hz.depth[hz.max()] +
                         st.omega * st.sat_depth * hz.lagged[left]) *
                        st.depth_rate * fit * participation * (1.0F - depth);
  return logistic((m_depth - m_visible) / st.temperature);
}

// The mix of stability strategies of the official of `official` for local government g: a
// softmax of the values of keeping each strategy over the rest of the term (docs/model.md
// 7.9.4). Cutting incidents is worth the veto risk it removes plus a standing priority;
// control and compensation cut them now but store grievance or ratchet claims that raise them
// later; root-cause work lowers grievance only with a lag, once the model is adopted.
void Runtime::choose_mix(std::int32_t official, std::int32_t g, std::int32_t t) {
  const Step& st = g_.step(t);
  if (!st.choose_mix) {
    for (int k = 0; k < 3; ++k) {
      mix_[k][g] = st.fixed_mix[k];
    }
    return;
  }
  const auto& hz = st.horizons;
  const std::int32_t left = std::clamp(term_end_[official] - t, 0, hz.max());
  // Veto risk: d P(incidents this year > threshold) / d log(rate), normal approximation.
  const std::int32_t months_left = ppy_ - t % ppy_;
  const float cut = std::max(0.0F, 1.0F - st.control_effect * mix_[control][g] -
                                       st.compensation_effect * mix_[compensation][g]);
  const float mu = base_rate_[g] * cut * static_cast<float>(months_left);
  const float allowance =
      st.veto_threshold * static_cast<float>(residents_g_[g]) - year_incidents_[g];
  float veto = 0.0F;
  if (st.veto && allowance >= 0.0F && mu > 0.0F) {
    const float z = (allowance + 0.5F - mu) / std::sqrt(mu);
    veto = z < 8.0F ? std::sqrt(mu) * 0.3989423F * simd::exp1(-0.5F * z * z) : 0.0F;
  }
  const bool review = left >= months_left;  // this year's tournament falls within the term
  const float stake = (review ? promotion_[official] : 0.0F) * veto + st.priority;
  const float griev = j_grievance_[g];
  const float room = 1.0F - griev;
  float value[3];
  value[control] = stake * (st.control_effect * hz.discounted[left] -
                            st.incident_grievance * st.control_grievance * room * hz.control[left]);
  value[compensation] =
      stake * (st.compensation_effect * hz.discounted[left] -
               st.incident_grievance * st.claims_rate * st.claims_grievance * room *
                   hz.claims[left]);
  const float adopted = active(official, t) ? 1.0F : 0.0F;
  value[root_cause] = (stake * st.incident_grievance + st.omega * slope_[official] * st.sat_grievance) *
                      st.root_effect * griev * adopted * j_depth_[g] * hz.root[left];
  const float top = std::max({value[0], value[1], value[2]});
  float w[3];
  float total = 0;
  for (int k = 0; k < 3; ++k) {
    w[k] = simd::exp1((value[k] - top) / st.mix_temperature);
    total += w[k];
  }
  for (int k = 0; k < 3; ++k) {
    mix_[k][g] = st.budget * w[k] / total;
  }
}

void Runtime::decide_local(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    // The official in charge: the local one, or the one above once its tier is abolished.
    const bool own = has_official(g, t);
    const std::int32_t gov = own ? g : h_.parent(g);
    in_charge_[g] = gov;
    if (own && t >= term_end_[g]) {
      appoint(g, t);
    }
    effort_[g] = active(gov, t) ? choose_effort(gov, g, t, j_depth_[g], j_participation_[g],
                                                j_fit_[g])
                                : 0.0F;
    if (st.stability) {
      choose_mix(gov, g, t);
    }
  }
}

void Runtime::decide_upper(std::int32_t t) {
  for (std::int32_t u = 0; u < upper_; ++u) {
    if (t >= term_end_[u]) {
      appoint(u, t);
    }
    effort_[u] = active(u, t) ? choose_effort(u, u, t, own_depth_[u], j_participation_[u],
                                              j_fit_[u])
                              : 0.0F;
  }
}

// The yearly tournament among the officials of units [first, end) (peers under one superior):
// each adopting official's rank by its mean score over its tenure sets its chance of
// promotion; a vetoed official cannot be promoted; a promoted official leaves at the end of
// the period, and a successor starts fresh.
void Runtime::rank_peers(std::int32_t first, std::int32_t end, std::int32_t t) {
  const Step& st = g_.step(t);
  auto& peers = peers_;
  auto& score = peer_score_;
  auto& order = peer_order_;
  peers.clear();
  score.clear();
  for (std::int32_t u = first; u < end; ++u) {
    if (has_official(u, t) && active(u, t)) {
      peers.push_back(u);
      score.push_back(static_cast<float>(record_[u] / std::max(1, t - tenure_start_[u] + 1)));
    }
  }
  // Rank percentile among adopting peers (ties share the mean rank); others sit at the median.
  const auto n = static_cast<std::int32_t>(peers.size());
  order.resize(peers.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return score[a] < score[b] || (score[a] == score[b] && peers[a] < peers[b]);
  });
  for (std::int32_t i = 0; i < n;) {
    std::int32_t j = i;
    while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
      ++j;
    }
    const float q = n > 1 ? 0.5F * static_cast<float>(i + j) / static_cast<float>(n - 1) : 0.5F;
    for (std::int32_t k = i; k <= j; ++k) {
      rank_[peers[order[k]]] = q;
    }
    i = j + 1;
  }
  for (std::int32_t u = first; u < end; ++u) {
    year_incidents_[u] = 0.0F;
    if (!has_official(u, t)) {
      continue;
    }
    if (!active(u, t)) {
      rank_[u] = 0.5F;
    }
    const float s = logistic(st.tournament * (rank_[u] - st.cutoff));
    promotion_[u] = st.promotion_rate * s;
    slope_[u] = st.promotion_rate * st.tournament * s * (1.0F - s);
    const float p = vetoed_[u] != 0 ? 0.0F : promotion_[u];
    const double draw =
        rng_.uniform(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u),
                     static_cast<std::uint32_t>(g_.policy()), Draw::promotion);
    if (draw < p) {
      term_end_[u] = t + 1;  // the successor starts next period
    }
    vetoed_last_[u] = vetoed_[u];
    vetoed_[u] = 0;
  }
}

}  // namespace pdlab::gov
