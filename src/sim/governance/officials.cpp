// Officials (docs/model.md 7.9.1, 7.9.4): careers (terms, turnover, the yearly promotion
// tournament among peers) and choices (the effort split between visible outputs and depth,
// and the mix of stability strategies), each responding to the official's career payoff
// over the rest of its term.
#include "pdlab/core/governance/effort.hpp"
#include "sim/governance/lanes.hpp"
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
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
  if (t == -warmup_) {  // in office at the start (of the warm-up, if any)
    start = t - static_cast<std::int32_t>(Rng::to_open_unit(w[2], w[3]) * term);
  }
  tenure_start_[u] = start;
  term_end_[u] = start + term;
  last_turnover_[u] = start;
  record_[u] = 0.0;
  scored_[u] = 0;
  const Step& st = g_.step(std::max(t, 0));
  const float s = logistic(st.tournament * (0.5F - st.cutoff));
  rank_[u] = 0.5F;
  promotion_[u] = st.promotion_rate * s;
  slope_[u] = st.promotion_rate * st.tournament * s * (1.0F - s);
}

// Effort on depth (share e; the rest on visible outputs) of the official of `official`,
// working on territory `territory` (docs/model.md 7.9.1): e / (1 - e) = (m_D / m_V)^(1 / tau),
// m the marginal values of a unit of effort on the record, each counted over the periods of
// tenure left, the current one included (the record is the unit's; a successor starts
// afresh). A marginal unit of visible output or depth persists at its stock's decay; depth
// pays through residents' satisfaction as their perception follows it. The promotion slope
// multiplies both values and is left out: the split does not depend on it.
PDLAB_INLINE float Runtime::choose_effort(std::int32_t official, std::int32_t territory,
                                          std::int32_t t, float depth, float participation,
                                          float fit, bool reaches_residents) const {
  const Step& st = g_.step(t);
  if (!st.best_response) {
    return st.fixed_effort;
  }
  const auto& hz = st.horizons;
  const std::int32_t left = std::clamp(term_end_[official] - t, 1, hz.max());
  const float v = visible_[territory];
  // A marginal unit persists at its stock's decay (tabulated by make_horizons); saturation
  // under the official's own later effort is left out (docs/model.md 7.9.1, "Limits").
  float m_visible =
      (1.0F - st.omega) * st.visible_reward * st.visible_rate * (1.0F - v) * hz.visible[left];
  // A mandated unit's yearly inspection (7.9.1): visible output made now, as much of it as is
  // left at the year's end (discounted), raises the chance that the superior's noisy
  // measurement clears the target, which saves the penalty. The official takes its current V
  // as where it will stand: worth most near the target, little far above it (and far below:
  // see docs/model.md), nothing to an official whose term ends before the inspection.
  const std::int32_t to_inspection = ppy_ - 1 - period_in_year(t);
  if (st.inspection && mandated_[territory] != 0 && official == territory &&
      term_end_[official] - t > to_inspection) {
    const float z = (v - st.inspection_target) / st.inspection_noise;
    const float pass_slope = 0.3989423F * std::exp(-0.5F * z * z) / st.inspection_noise;
    m_visible += (1.0F - st.omega) * st.inspection_penalty * pass_slope *
                 st.inspection_persist[static_cast<std::size_t>(to_inspection)] * st.visible_rate *
                 (1.0F - v);
  }
  // Residents' satisfaction follows their communities' depth, which the local governments'
  // effort builds; an official above them builds only its own stock, which counts only as far
  // as the hierarchy credits depth.
  const float seen = reaches_residents ? st.omega * st.sat_depth * hz.seen[left] : 0.0F;
  const float m_depth = ((1.0F - st.omega) * st.depth_reward * hz.depth[left] + seen) *
                        st.depth_rate * fit * participation * (1.0F - depth);
  return effort::share(m_depth, m_visible, st.temperature);
}

// The mix of stability strategies of the officials in charge of local governments [g0, g1):
// a softmax, over the strategies the official can use (root-cause work only once the
// governance model is adopted), of what giving the whole budget to each is worth to the
// official's career over the rest of its term (docs/model.md 7.9.4). Every value is in
// promotion probability. Cutting a share of one period's incidents is worth the veto risk it
// removes: the promotion chance times d P(veto this year) / d log(incidents expected in the
// rest of it), per period left in the year; so it grows as incidents near the veto threshold
// and vanishes when this year's tournament falls after the term. Grievance and unmet claims
// change incidents through the share of them that responds (open contention left after
// suppression); lower grievance is also worth residents' satisfaction as far as the
// assessment weighs it. Control and compensation cut incidents now, but control stores latent
// grievance that surfaces later and paying claims raises the claims expected next; root-cause
// work costs now and fixes the causes of grievance (unmet need) later, durably. The horizon
// sums (make_horizons) follow those responses over the periods of tenure left, so the choice
// varies with the official's horizon, its jurisdiction's state and what each strategy costs.
// The loops run four governments at a time (their inputs from mix_inputs()), or eight on a CPU
// with AVX2, with the same arithmetic, in the same order, as one alone (no multiply-adds fused:
// Stability.LanesGiveTheBitsOfOneGovernmentAtATime pins both).
namespace {

// The mix shares of N officials from their inputs (choose_mixes).
template <int N>
PDLAB_INLINE void choose_lanes(const typename simd::V<N>::f (&in)[kMixInputs], const Step& st,
                               float months_left, typename simd::V<N>::f (&mix)[3]) {
  using T = typename simd::V<N>::f;
  const T one = T{} + 1.0F;
  const T zero = T{};
  const T budget = T{} + st.budget;
  const float tiny = 1e-6F;
  const T buys_control = T{} + std::min(1.0F, st.budget / std::max(st.control_cost, tiny));
  const T buys_root = T{} + std::min(1.0F, st.budget / std::max(st.root_cost, tiny));
  const auto get = [&](MixInput k) { return in[static_cast<int>(k)]; };
  // Veto risk: d P(incidents this year > threshold) / d log(rate), normal approximation.
  const T mu = get(MixInput::expected);
  const T allowance = st.veto_threshold * get(MixInput::residents) - get(MixInput::incidents);
  // (sqrt is correctly rounded: the vector instruction gives the scalar's bits)
  T root_mu;
#if defined(__x86_64__) && defined(__GNUC__)
  // Four lanes at a time (SSE, which every x86-64 has: clang checks a builtin's CPU features
  // where it is written, not where it is inlined).
  for (int h = 0; h < N / 4; ++h) {
    simd::vf4 x;
    std::memcpy(&x, reinterpret_cast<const char*>(&mu) + h * sizeof x, sizeof x);
    x = __builtin_ia32_sqrtps(x);
    std::memcpy(reinterpret_cast<char*>(&root_mu) + h * sizeof x, &x, sizeof x);
  }
#else
  for (int l = 0; l < N; ++l) {
    root_mu[l] = std::sqrt(mu[l]);
  }
#endif
  const T z = (allowance + 0.5F - mu) / root_mu;
  const T density = root_mu * 0.3989423F * simd::exp<N>(-0.5F * z * z);
  const auto bites = (allowance >= zero) & (mu > zero) & (z < 8.0F);
  const T veto = st.veto ? (bites ? density : zero) : zero;
  // Per share of one period's incidents.
  const T stake = get(MixInput::promotion) * veto / months_left;
  const T sat = st.omega * st.sat_grievance * get(MixInput::slope);  // per unit of grievance
  const T griev = get(MixInput::grievance);
  const T room = one - griev;
  const T responds = get(MixInput::contained);  // share of incidents that respond
  // Grievance moves incidents by the aggrieved groups' contention weights (7.9.4).
  const T voiced = responds * get(MixInput::voice) * st.incident_grievance;
  const T now = get(MixInput::open) * get(MixInput::discounted);
  const T stored = one - get(MixInput::latent);
  const T latent_g = room * get(MixInput::h_latent);
  const T unmet_g = room * get(MixInput::h_unmet);
  T value[3];
  value[control] =
      buys_control *
      (stake * (st.control_effect * now -
                stored * (get(MixInput::base) * get(MixInput::h_eruptions) + voiced * latent_g)) -
       sat * stored * latent_g);
  const T owed = simd::max(T{} + tiny, get(MixInput::claims) * get(MixInput::open_year));
  const T buys_claims = simd::min(one, budget / owed);
  value[compensation] =
      buys_claims *
      (stake * (st.compensation_effect * now -
                responds * st.claims_incidents * get(MixInput::h_claims) - voiced * unmet_g) -
       sat * unmet_g);
  // The unmet need full root-cause capital would fix (uncovered places, migrants' exclusion).
  const T fixes = get(MixInput::need) * room * (one - get(MixInput::capital));
  value[root_cause] = buys_root * (stake * voiced + sat) * fixes * get(MixInput::h_root);
  // Root-cause work is not in the choice before the model is adopted.
  const T usable = get(MixInput::adopted);
  const T low = simd::min(value[control], value[compensation]);
  const T top = simd::max(simd::max(value[control], value[compensation]),
                          usable * value[root_cause] + (one - usable) * low);
  T w[3];
  for (int k = 0; k < 3; ++k) {
    w[k] = simd::exp<N>((value[k] - top) / st.mix_temperature);
  }
  w[root_cause] = w[root_cause] * usable;
  const T total = w[0] + w[1] + w[2];
  for (int k = 0; k < 3; ++k) {
    mix[k] = w[k] / total;
  }
}

}  // namespace

void Runtime::choose_mixes(Local4* q, std::int32_t g0, std::int32_t g1, std::int32_t t) {
#if defined(__x86_64__) && defined(__GNUC__)
  // Eight lanes where the community kernel runs eight or more (the CPU has AVX2; PDLAB_SIMD=sse
  // and force_kernel_path() choose four here too, so that tests pin both paths' bits).
  static const bool avx2 = __builtin_cpu_supports("avx2") != 0;
  if (avx2 && community_kernel_lanes() >= 8) {
    choose_mixes_avx2(q, g0, g1, t);
    return;
  }
#endif
  using T = simd::vf4;
  constexpr std::int32_t N = 4;
  const Step& st = g_.step(t);
  const auto months_left = static_cast<float>(ppy_ - period_in_year(t));
  for (std::int32_t i = 0; i < g1 - g0; i += N, ++q) {
    T in[kMixInputs];
    mix_inputs(*q, g0 + i, std::min(N, g1 - g0 - i), t, in);
    // Whole groups: spare lanes belong to no one.
    choose_lanes<N>(in, st, months_left, q->mix);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// Two groups of four at a time, in one 8-lane vector each.
__attribute__((target("avx2"))) void Runtime::choose_mixes_avx2(Local4* groups, std::int32_t g0,
                                                                std::int32_t g1, std::int32_t t) {
  using T4 = simd::vf4;
  using T8 = simd::V<8>::f;
  const Step& st = g_.step(t);
  const auto months_left = static_cast<float>(ppy_ - period_in_year(t));
  const std::int32_t n = g1 - g0;
  for (std::int32_t i = 0; i < n; i += 8) {
    Local4* const q = groups + i / 4;
    const bool two = n - i > 4;
    T4 a[kMixInputs];
    T4 b[kMixInputs];
    mix_inputs(q[0], g0 + i, std::min(4, n - i), t, a);
    if (two) {
      mix_inputs(q[1], g0 + i + 4, std::min(4, n - i - 4), t, b);
    } else {
      std::copy(a, a + kMixInputs, b);  // (computed, never stored)
    }
    T8 in[kMixInputs];
    for (int k = 0; k < kMixInputs; ++k) {
      std::memcpy(&in[k], &a[k], sizeof(T4));
      std::memcpy(reinterpret_cast<char*>(&in[k]) + sizeof(T4), &b[k], sizeof(T4));
    }
    T8 mix[3];
    choose_lanes<8>(in, st, months_left, mix);
    for (int k = 0; k < 3; ++k) {
      std::memcpy(&q[0].mix[k], &mix[k], sizeof(T4));
      if (two) {
        std::memcpy(&q[1].mix[k], reinterpret_cast<const char*>(&mix[k]) + sizeof(T4), sizeof(T4));
      }
    }
  }
}
#else
void Runtime::choose_mixes_avx2(Local4* q, std::int32_t g0, std::int32_t g1, std::int32_t t) {
  choose_mixes(q, g0, g1, t);
}
#endif

// What local government g's mix buys in period t, in intensities (docs/model.md 7.9.4): control
// and root-cause work at the spending over their full cost (at most 1; root-cause work needs
// the governance model adopted). Compensation is paid per incident as incidents arise
// (stability.cpp).
PDLAB_INLINE void Runtime::buy(Local4& q, int l, std::int32_t t) {
  const Step& st = g_.step(t);
  const float tiny = 1e-6F;
  const float adopted = active(q.in_charge[l], t) ? 1.0F : 0.0F;
  q.intensity[control][l] =
      std::min(1.0F, q.mix[control][l] * st.budget / std::max(st.control_cost, tiny));
  q.intensity[root_cause][l] =
      adopted * std::min(1.0F, q.mix[root_cause][l] * st.budget / std::max(st.root_cost, tiny));
}

// The inputs of choose_mixes for the group of local governments from g (m of them, m <= 4) in
// period t: what comes from the governments' own arrays four at a time (lanes.hpp, the
// scalar's arithmetic), what comes from their officials one at a time (spare lanes 0).
PDLAB_INLINE void Runtime::mix_inputs(const Local4& q, std::int32_t g, std::int32_t m,
                                      std::int32_t t, simd::vf4 (&in)[kMixInputs]) const {
  using lanes::T;
  const Step& st = g_.step(t);
  const auto& hz = st.horizons;
  const std::int32_t months_left = ppy_ - period_in_year(t);
  const T one = T{} + 1.0F;
  const auto at = static_cast<std::size_t>(g);
  const auto get = [&](const std::vector<float>& v) { return lanes::load(&v[at], m); };
  const auto set = [&](MixInput k, T v) { in[static_cast<int>(k)] = v; };
  // Last period's incidents: what suppression acts on, and the eruptions' share.
  const T rate = q.rate;
  const auto some = rate > 0.0F;
  set(MixInput::open, lanes::select(some, q.open_rate / rate, one));
  set(MixInput::contained, lanes::select(some, q.contained / rate, one));
  set(MixInput::open_year,
      lanes::select(lanes::positive(q.residents, m),
                    q.open_rate * lanes::load_float(q.per_10k_year, lanes::N), T{}));
  set(MixInput::need, q.need);
  const T grievance = get(j_grievance_);
  set(MixInput::voice, lanes::select(grievance > 0.0F, q.voiced / grievance, one));
  set(MixInput::base, lanes::select(some, q.base_rate / rate, one));
  set(MixInput::expected, rate * static_cast<float>(months_left));
  set(MixInput::residents, lanes::load_float(q.residents, lanes::N));
  set(MixInput::incidents, get(year_incidents_));
  set(MixInput::grievance, grievance);  // all of it: satisfaction (7.9.2)
  set(MixInput::latent, q.latent);
  set(MixInput::claims, q.claims);
  set(MixInput::capital, q.capital);
  T promotion{}, slope{}, adopted{}, discounted{}, eruptions{}, latent{}, claims{}, unmet{}, root{};
  for (std::int32_t l = 0; l < m; ++l) {
    const std::int32_t gov = q.in_charge[l];
    const std::int32_t left = std::clamp(term_end_[gov] - t, 0, hz.max());
    // This year's tournament counts only if it falls within the term.
    promotion[l] = left >= months_left ? promotion_[gov] : 0.0F;
    slope[l] = slope_[gov];
    adopted[l] = active(gov, t) ? 1.0F : 0.0F;
    discounted[l] = hz.discounted[left];
    eruptions[l] = hz.eruptions[left];
    latent[l] = hz.latent[left];
    claims[l] = hz.claims[left];
    unmet[l] = hz.unmet[left];
    root[l] = hz.root[left];
  }
  set(MixInput::promotion, promotion);
  set(MixInput::slope, slope);
  set(MixInput::adopted, adopted);
  set(MixInput::discounted, discounted);
  set(MixInput::h_eruptions, eruptions);
  set(MixInput::h_latent, latent);
  set(MixInput::h_claims, claims);
  set(MixInput::h_unmet, unmet);
  set(MixInput::h_root, root);
}

namespace {

// The lines of [p, p + n), for reading (lines already cached cost a few cycles).
template <class T>
PDLAB_INLINE void prefetch(const T* p, std::size_t n) {
  const auto* c = reinterpret_cast<const char*>(p);
  const std::size_t bytes = n * sizeof(T);
  for (std::size_t o = 0; o < bytes; o += 64) {
    __builtin_prefetch(c + o);
  }
  if (bytes > 0) {
    __builtin_prefetch(c + bytes - 1);
  }
}

}  // namespace

void Runtime::prefetch_block(std::size_t b) const {
  const auto& blk = g_.blocks()[b];
  const auto g0 = static_cast<std::size_t>(blk.g0);
  const auto n = static_cast<std::size_t>(blk.g1 - blk.g0);
  if (n == 0) {
    return;
  }
  prefetch(&local4_[block4_[b]], (n + 3) / 4);
  prefetch(&info_[g0], n);
  prefetch(&adopted_[g0], n);
  for (const auto* v : {&term_end_, &last_turnover_}) {
    prefetch(&(*v)[g0], n);
  }
  for (const auto* v :
       {&promotion_, &slope_, &effort_, &visible_, &j_residents_, &j_participation_,
        &j_satisfaction_, &j_grievance_, &j_depth_, &j_fit_, &j_incident_rate_, &year_incidents_}) {
    prefetch(&(*v)[g0], n);
  }
  prefetch(&record_[g0], n);
  prefetch(&veto_year_[g0], n);
  prefetch(&mandated_[g0], n);
  prefetch(&street_sum_[g0 * kStreetRow], n * kStreetRow);
  // The jurisdiction sums of the block's superior (its governments share one), every period
  // of the window.
  const std::int32_t parent = info_[blk.g0].parent;
  if (parent >= 0 && parent < upper_) {
    const auto at = static_cast<std::size_t>(parent) * window_;
    prefetch(&jur_[at * kJur], static_cast<std::size_t>(window_) * kJur);
    if (!upper_kids_.empty()) {
      prefetch(&upper_kids_[at], static_cast<std::size_t>(window_));
    }
  }
}

void Runtime::prefetch_signal_rows(std::size_t b, std::int32_t t) const {
  if (feedback_ == nullptr) {
    return;
  }
  const auto& blk = g_.blocks()[b];
  const SignalRows& r = window_rows(t);
  const auto governments = static_cast<std::size_t>(blk.g1 - blk.g0);
  for (const float* row :
       {r.need, r.escalation, r.reversal, r.outcome, r.kid_outcome, r.assessed}) {
    if (row != nullptr) {
      prefetch(row + blk.g0, governments);
    }
  }
  const auto communities = static_cast<std::size_t>(blk.c1 - blk.c0);
  const std::int32_t shadows = share_ ? shadow_n_[b] : 0;
  for (const float* row : {r.outcome, r.assessed}) {
    if (row == nullptr) {
      continue;
    }
    prefetch(row + blk.c0, communities);
    if (shadows > 0) {  // (their entries follow the units', communities.cpp)
      prefetch(row + h_.size() + (shadow_base_[b] - g_.community_slots()),
               static_cast<std::size_t>(shadows));
    }
  }
}

void Runtime::decide_local(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  if (t == window_start_ && b + 1 < g_.blocks().size()) {
    prefetch_block(b + 1);  // once a window: the next block runs after this one's periods
  }
  prefetch_signal_rows(b, t);
  const bool mixes = st.stability && st.choose_mix;
  Local4* const q0 = &local4_[block4_[b]];
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    // The official in charge: the local one, or the one above once its tier is abolished.
    // A government that does not exist (docs/model.md 7.9.7) has no territory: no one is in
    // charge of it.
    const GovInfo& gi = info_[g];
    const bool exists = here(gi, t);
    const bool own = has_official(g, gi, t);
    const std::int32_t gov = own || !exists ? g : gi.parent;
    Local4& q = q0[static_cast<std::uint32_t>(g - blk.g0) >> 2];
    const int l = static_cast<int>(static_cast<std::uint32_t>(g - blk.g0) & 3U);
    q.in_charge[l] = gov;
    // A re-established or new government gets a new official (docs/model.md 7.9.7).
    if (own && (t >= term_end_[g] || t == gi.restored_at || born(gi, t))) {
      appoint(g, t);
    }
    effort_[g] = exists && active(gov, t)
                     ? choose_effort(gov, g, t, j_depth_[g], j_participation_[g], j_fit_[g], true)
                     : 0.0F;
    if (st.stability && !st.choose_mix) {
      // Fixed shares over the strategies the official can use: root-cause work's share goes
      // to the other two until the model is adopted (all of it: nothing is spent).
      const float usable = active(gov, t) ? 1.0F : 0.0F;
      const float rest = st.fixed_mix[control] + st.fixed_mix[compensation];
      const float scale = usable > 0 ? 1.0F : (rest > 0 ? 1.0F / rest : 0.0F);
      q.mix[control][l] = st.fixed_mix[control] * scale;
      q.mix[compensation][l] = st.fixed_mix[compensation] * scale;
      q.mix[root_cause][l] = st.fixed_mix[root_cause] * usable;
    }
  }
  if (mixes) {
    choose_mixes(q0, blk.g0, blk.g1, t);
  }
  if (st.stability) {
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      buy(q0[static_cast<std::uint32_t>(g - blk.g0) >> 2],
          static_cast<int>(static_cast<std::uint32_t>(g - blk.g0) & 3U), t);
    }
  }
}

void Runtime::decide_upper(std::int32_t t, std::int32_t u0, std::int32_t u1) {
  for (std::int32_t u = u0; u < u1; ++u) {
    if (!here(u, t)) {
      effort_[u] = 0.0F;
      continue;
    }
    if (t >= term_end_[u] || born(u, t)) {
      appoint(u, t);
    }
    effort_[u] = active(u, t)
                     ? choose_effort(u, u, t, own_depth_[u], j_participation_[u], j_fit_[u], false)
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
      // The mean score over the periods the official's unit ran the model in this run (a
      // vetoed period scores 0): not over the whole tenure, which would rank a recent adopter,
      // or an official in post before the run's start, by when its record began.
      score.push_back(static_cast<float>(record_[u] / std::max(1, scored_[u])));
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
    const float p = vetoed_in(u, year_of(t)) ? 0.0F : promotion_[u];
    const double draw =
        rng_.uniform(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u),
                     static_cast<std::uint32_t>(g_.policy()), Draw::promotion);
    if (draw < p) {
      term_end_[u] = t + 1;  // the successor starts next period
    }
  }
}

}  // namespace pdlab::gov
