#include "sim/governance/kernel.hpp"

#include <algorithm>

namespace pdlab::gov {

namespace {

using simd::clamp01;
using simd::load;
using simd::min;
using simd::store;

template <int N>
PDLAB_INLINE void community_lanes(const CommunityArrays& a, std::size_t n, std::int32_t t,
                                  const Step& st, float so_capacity) {
  using T = typename simd::V<N>::f;
  using VI = typename simd::V<N>::i;

  const float services = st.services ? 1.0F : 0.0F;
  const float copro = st.coproduction ? 1.0F : 0.0F;
  const float control = st.stability ? st.control : 0.0F;
  const float trust_loss = st.control_trust * control;
  const float control_grievance = st.control_grievance * control;
  const T one = T{} + 1.0F;
  T block[kBlockSums] = {};
  // Step fields as local vectors: loaded once, not once per iteration (stores to float
  // arrays could alias them as far as the compiler knows).
  const T adjust = T{} + st.adjust;
  const T bel_part = T{} + st.belonging_participation;
  const T bel_serv = T{} + st.belonging_services;
  const T ceiling = T{} + st.ceiling;
  const T contracting = T{} + st.contracting;
  const T depth_decay = T{} + st.depth_decay;
  const T griev_decay = T{} + st.grievance_decay;
  const T griev_in = T{} + st.grievance_inflow;
  const T government = T{} + st.government;
  const T intercept = T{} + st.intercept;
  const T list_cut = T{} + st.task_list_cut;
  const T load_effect = T{} + st.load_effect;
  const T admin_load = T{} + st.admin_load;
  const T mobilisation = T{} + st.mobilisation;
  const T claims_griev = T{} + st.claims_grievance;
  const T root_effect = T{} + st.root_effect;
  const T depth_rate = T{} + st.depth_rate;
  const T sat_depth = T{} + st.sat_depth;
  const T sat_griev = T{} + st.sat_grievance;
  const T sat_intercept = T{} + st.sat_intercept;
  const T space = T{} + st.space;
  const T sat_serv = T{} + st.sat_services;
  const T trust_rate = T{} + st.trust_rate;
  const T volunteers = T{} + st.volunteers;
  const T w_bel = T{} + st.w_belonging;
  const T withdrawal = T{} + st.withdrawal;
  const T w_mob = T{} + st.w_mobilisation;
  const T w_peers = T{} + st.w_peers;
  const T w_serv = T{} + st.w_services;
  const T w_trust = T{} + st.w_trust;
  const T need[2] = {T{} + st.need[0], T{} + st.need[1]};
  const T demand_local = T{} + st.demand_local;
  const T demand_migrant = T{} + st.demand_migrant;
  const T turnover[2] = {T{} + st.turnover[0], T{} + st.turnover[1]};
  for (std::size_t i = 0; i < n; i += N) {
    const VI from = load<VI>(&a.adopted_from[i]);
    const VI until = load<VI>(&a.active_until[i]);
    const VI tv = VI{} + t;
    const T active = simd::mask_to_one<T>((from <= tv) & (tv < until));
    const T m = load<T>(&a.migrant[i]);
    const T pbar = load<T>(&a.participation_mean[i]);
    const T con = services * contracting * active;
    const T so = con * so_capacity;
    const T cov =
        services * min(T{} + space, so + volunteers * pbar + government * (one - withdrawal * active));
    const T d = load<T>(&a.depth[i]);
    const T dn = d + depth_rate * load<T>(&a.effort[i]) * active * pbar * (one - d) - depth_decay * d;
    const T cap = ceiling * (one - load_effect * admin_load * (one - list_cut * active));
    const T common = intercept + w_peers * load<T>(&a.peers[i]) + w_mob * mobilisation * active;
    const T griev_ctrl = control_grievance + claims_griev * load<T>(&a.claims[i]);
    const T griev_out = root_effect * load<T>(&a.root_work[i]) + griev_decay;
    T part[2];
    T sat[2];
    for (int k = 0; k < 2; ++k) {  // locals, then migrants
      const T cn = cov * need[k];
      const T b = load<T>(&a.belonging[k][i]);
      const T tr = load<T>(&a.trust[k][i]);
      const T g = load<T>(&a.grievance[k][i]);
      const T p = load<T>(&a.participation[k][i]);
      const T target =
          cap * simd::logistic<N>(common + w_bel * b + w_trust * tr + w_serv * cn);
      part[k] = p + copro * adjust * (target - p);
      store(&a.belonging[k][i],
            clamp01(b + copro * ((bel_serv * cn + bel_part * part[k]) * (one - b) -
                                 turnover[k] * b)));
      sat[k] = clamp01(sat_intercept + sat_depth * dn + sat_serv * cn - sat_griev * g);
      store(&a.trust[k][i], clamp01(tr + trust_rate * (sat[k] - tr) - trust_loss * tr));
      store(&a.grievance[k][i],
            clamp01(g + (griev_in * (one - cn) + griev_ctrl) * (one - g) - griev_out * g));
      store(&a.participation[k][i], part[k]);
      if (a.target[k] != nullptr) {  // only for resident agents; the test is hoisted
        store(&a.target[k][i], target);
      }
    }
    const T w = load<T>(&a.residents[i]);
    const T wl = load<T>(&a.locals[i]);
    const T wm = load<T>(&a.migrants[i]);
    const T pbar_new = (one - m) * part[0] + m * part[1];
    const T sat_mean = (one - m) * sat[0] + m * sat[1];
    store(&a.depth[i], dn);
    store(&a.participation_mean[i], pbar_new);
    store(&a.coverage[i], cov);
    const auto out = [&](StreetSum s, T v) { store(&a.street[static_cast<int>(s)][i], v); };
    out(StreetSum::participation, w * pbar_new);
    out(StreetSum::grievance,
        wl * load<T>(&a.grievance[0][i]) + wm * load<T>(&a.grievance[1][i]));
    out(StreetSum::satisfaction, w * sat_mean);
    out(StreetSum::coverage, w * cov);
    out(StreetSum::depth, w * dn);
    out(StreetSum::so, w * so);
    out(StreetSum::contracts, w * con);
    out(StreetSum::places, w * so * (demand_local + (demand_migrant - demand_local) * m));
    const auto sum = [&](BlockSum s) -> T& { return block[static_cast<int>(s)]; };
    sum(BlockSum::participation_local) += wl * part[0];
    sum(BlockSum::participation_migrant) += wm * part[1];
    sum(BlockSum::belonging_local) += wl * load<T>(&a.belonging[0][i]);
    sum(BlockSum::belonging_migrant) += wm * load<T>(&a.belonging[1][i]);
    sum(BlockSum::trust_local) += wl * load<T>(&a.trust[0][i]);
    sum(BlockSum::trust_migrant) += wm * load<T>(&a.trust[1][i]);
    sum(BlockSum::grievance_local) += wl * load<T>(&a.grievance[0][i]);
    sum(BlockSum::grievance_migrant) += wm * load<T>(&a.grievance[1][i]);
    sum(BlockSum::satisfaction) += w * sat_mean;
  }
  for (int k = 0; k < kBlockSums; ++k) {
    std::memcpy(a.block[k], &block[k], sizeof block[k]);
  }
}

void kernel_sse(const CommunityArrays& a, std::size_t n, std::int32_t t, const Step& st,
                float so_capacity) {
  community_lanes<4>(a, n, t, st, so_capacity);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) void kernel_avx2(const CommunityArrays& a, std::size_t n,
                                                     std::int32_t t, const Step& st,
                                                     float so_capacity) {
  community_lanes<8>(a, n, t, st, so_capacity);
}
__attribute__((target("avx512f,fma"))) void kernel_avx512(const CommunityArrays& a, std::size_t n,
                                                          std::int32_t t, const Step& st,
                                                          float so_capacity) {
  community_lanes<16>(a, n, t, st, so_capacity);
}
#endif

}  // namespace

void community_kernel(const CommunityArrays& a, std::size_t n, std::int32_t t, const Step& st,
                      float so_capacity) {
  for (int k = 0; k < kBlockSums; ++k) {
    std::fill(a.block[k], a.block[k] + simd::kMaxLanes, 0.0F);
  }
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool fma = __builtin_cpu_supports("fma") != 0;
  static const bool avx512 = fma && __builtin_cpu_supports("avx512f") != 0;
  static const bool avx2 = fma && __builtin_cpu_supports("avx2") != 0;
  if (avx512) {
    kernel_avx512(a, n, t, st, so_capacity);
    return;
  }
  if (avx2) {
    kernel_avx2(a, n, t, st, so_capacity);
    return;
  }
#endif
  kernel_sse(a, n, t, st, so_capacity);
}

float kernel_logistic(float x) {
  const auto v = simd::logistic<4>(simd::vf4{} + x);
  return v[0];
}

}  // namespace pdlab::gov
