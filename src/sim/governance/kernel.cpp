#include "sim/governance/kernel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>

namespace pdlab::gov {

namespace {

using simd::clamp01;
using simd::load;
using simd::max;
using simd::min;
using simd::store;

constexpr std::size_t kPrefetchTiles = 4;

}  // namespace

KernelConstants kernel_constants(const Step& st) {
  const float copro = st.coproduction ? 1.0F : 0.0F;
  KernelConstants k{};
  k.services_contracting = st.services ? st.contracting : 0.0F;
  k.volunteers = st.services ? st.volunteers : 0.0F;
  k.government = st.services ? st.government : 0.0F;
  k.withdrawal = st.withdrawal;
  k.space = st.services ? st.space : 0.0F;
  k.depth_rate = st.depth_rate;
  k.depth_decay = st.depth_decay;
  k.perceive = st.perceive;
  k.admin_load = st.admin_load;
  k.list_cut = st.task_list_cut;
  k.cost_load = st.cost_load;
  // The working class's threshold lies cost higher: its logistic's exponential is the other's
  // times e^(cost / spread) (the kernel's exp, the same bits on every machine). The kernel's
  // exp clamps its argument to [-87, 88], so the product is exact only while cost / spread
  // stays well inside: up to 60, wherever the clamp bites both shares are within e^-27 of 0
  // or 1 either way. Beyond, each class takes its own logistic, clamped on its own argument.
  k.cost[0] = st.cost[0];
  k.cost[1] = st.cost[1];
  k.cost_factor[0] = simd::exp1(st.inv_spread * st.cost[0]);
  k.cost_factor[1] = simd::exp1(st.inv_spread * st.cost[1]);
  k.shared_exp = st.inv_spread * std::max(st.cost[0], st.cost[1]) <= 60.0F;
  k.inv_spread = st.inv_spread;
  k.intercept = st.intercept;
  k.w_peers = st.w_peers;
  k.mobilise = st.w_mobilisation * st.mobilisation;
  k.w_bel = st.w_belonging;
  k.w_trust = st.w_trust;
  k.w_serv = st.w_services;
  k.w_eff = st.w_efficacy;
  k.voice[0] = st.voice[0];
  k.voice[1] = st.voice[1];
  k.contention[0] = st.contention[0];
  k.contention[1] = st.contention[1];
  k.access = st.access;
  k.adjust = copro * st.adjust;
  k.bel_time = copro * st.belonging_time;
  k.bel_serv = copro * st.belonging_services;
  k.bel_part = copro * st.belonging_participation;
  k.turnover[0] = copro * st.turnover[0];
  k.turnover[1] = copro * st.turnover[1];
  k.need[0] = st.need[0];
  k.need[1] = st.need[1];
  k.working[0] = st.working[0];
  k.working[1] = st.working[1];
  k.school_min = std::max(st.school_min, 1e-6F);  // a school needs some places
  k.sat_intercept = st.sat_intercept;
  k.sat_depth = st.sat_depth;
  k.sat_serv = st.sat_services;
  k.sat_griev = st.sat_grievance;
  k.trust_rate = st.trust_rate;
  k.control_trust = st.control_trust;
  k.root_places = st.stability ? st.root_places : 0.0F;
  k.root_access = st.stability ? st.root_access : 0.0F;
  k.root_load = st.stability ? st.root_load : 0.0F;
  k.griev_in = st.grievance_inflow;
  k.griev_decay = st.grievance_decay;
  k.assess_depth = (1.0F - st.omega) * st.depth_reward;
  k.assess_sat = st.omega;
  return k;
}

namespace {

// A shuffle mask of N lanes, lane p taking f(p) (indices >= N select the second vector).
template <class VI, class F, std::size_t... P>
constexpr VI lane_mask(F f, std::index_sequence<P...> /*lanes*/) {
  return VI{f(static_cast<int>(P))...};
}

// Writes four quantities of the N communities from community i into their rows: community
// i + 4L + j gets (a, b, c, d) of its lane at rows[(i + 4L + j) * kStreetRow + col]. A 4x4
// transpose within each 128-bit lane (four 32-bit and four 64-bit unpacks, one instruction
// each at any width) leaves r[j] with community i + 4L + j in lane L; each lane is one store.
// GCC's __builtin_shuffle (lanes picked by an integer vector; two vectors: indices past N pick
// from the second). Clang, which builds the sanitizer suite, has no such builtin: there the
// lanes are moved one at a time (the same values; speed does not matter in that build).
template <int N, class T, class VI>
PDLAB_INLINE T shuffle2(T a, T b, VI m) {
#if defined(__clang__)
  T r;
  for (int l = 0; l < N; ++l) {
    const int k = m[l] & (2 * N - 1);
    r[l] = k < N ? a[k] : b[k - N];
  }
  return r;
#else
  return __builtin_shuffle(a, b, m);
#endif
}
template <int N, class T, class VI>
PDLAB_INLINE T shuffle1(T a, VI m) {
#if defined(__clang__)
  T r;
  for (int l = 0; l < N; ++l) {
    r[l] = a[m[l] & (N - 1)];
  }
  return r;
#else
  return __builtin_shuffle(a, m);
#endif
}

template <int N>
PDLAB_INLINE void store_rows(float* __restrict rows, std::size_t i, std::size_t col,
                             typename simd::V<N>::f a, typename simd::V<N>::f b,
                             typename simd::V<N>::f c, typename simd::V<N>::f d) {
  using T = typename simd::V<N>::f;
  using VI = typename simd::V<N>::i;
  constexpr auto lanes = std::make_index_sequence<N>{};
  // Within each group of four lanes q = p % 4: x0 y0 x1 y1 (lo32), x2 y2 x3 y3 (hi32),
  // x0 x1 y0 y1 (lo64), x2 x3 y2 y3 (hi64).
  constexpr VI lo32 =
      lane_mask<VI>([](int p) { return p - p % 4 + p % 4 / 2 + (p % 2) * N; }, lanes);
  constexpr VI hi32 =
      lane_mask<VI>([](int p) { return p - p % 4 + 2 + p % 4 / 2 + (p % 2) * N; }, lanes);
  constexpr VI lo64 =
      lane_mask<VI>([](int p) { return p - p % 4 + p % 2 + (p % 4 / 2) * N; }, lanes);
  constexpr VI hi64 =
      lane_mask<VI>([](int p) { return p - p % 4 + 2 + p % 2 + (p % 4 / 2) * N; }, lanes);
  const T ab_lo = shuffle2<N>(a, b, lo32);
  const T ab_hi = shuffle2<N>(a, b, hi32);
  const T cd_lo = shuffle2<N>(c, d, lo32);
  const T cd_hi = shuffle2<N>(c, d, hi32);
  const T r[4] = {shuffle2<N>(ab_lo, cd_lo, lo64), shuffle2<N>(ab_lo, cd_lo, hi64),
                  shuffle2<N>(ab_hi, cd_hi, lo64), shuffle2<N>(ab_hi, cd_hi, hi64)};
  for (std::size_t l = 0; l < N / 4; ++l) {
    for (std::size_t j = 0; j < 4; ++j) {
      std::memcpy(rows + (i + 4 * l + j) * kStreetRow + col,
                  reinterpret_cast<const float*>(&r[j]) + 4 * l, 4 * sizeof(float));
    }
  }
}

// The street sums of the N communities from community i (StreetSum order) into their rows.
template <int N>
PDLAB_INLINE void store_street(float* __restrict rows, std::size_t i,
                               const typename simd::V<N>::f (&v)[kStreetSums]) {
  static_assert(kStreetSums == 11 && kStreetRow == 12, "three groups of four, one lane 0");
  const typename simd::V<N>::f zero{};
  store_rows<N>(rows, i, 0, v[0], v[1], v[2], v[3]);
  store_rows<N>(rows, i, 4, v[4], v[5], v[6], v[7]);
  store_rows<N>(rows, i, 8, v[8], v[9], v[10], zero);
}

template <int N>
void street_rows_lanes(const float* const* q, std::size_t n, float* rows) {
  using T = typename simd::V<N>::f;
  for (std::size_t i = 0; i < n; i += N) {
    T v[kStreetSums];
    for (int k = 0; k < kStreetSums; ++k) {
      v[k] = load<T>(q[k] + i);
    }
    store_street<N>(rows, i, v);
  }
}

template <int N, bool SharedExp>
PDLAB_INLINE void community_lanes(const CommunityArrays& a, std::size_t n, std::int32_t t,
                                  const KernelConstants& k, float so_capacity) {
  using T = typename simd::V<N>::f;
  using VI = typename simd::V<N>::i;
  // The arrays as restrict locals: a store through one does not reload the others.
  float* __restrict tiles = a.tiles;
  const std::int32_t* __restrict gov_p = a.gov;
  const float* __restrict effort_p = a.effort;
  const float* __restrict stability_p = a.stability_grievance;
  const float* __restrict root_p = a.root_work;
  const float* __restrict peers_p = a.peers;
  const float* __restrict control_p = a.control;
  const float* __restrict load_p = a.extra_load;
  const float* __restrict count_p = a.count;
  std::uint8_t* __restrict updated_p = a.updated;
  std::size_t prefetched = 0;  // tiles [0, prefetched) were considered for prefetching
  float* __restrict coverage_p = a.coverage;
  float* __restrict outcome_p = a.outcome;
  float* __restrict assessed_p = a.assessed;
  float* __restrict target_p[2] = {a.target[0], a.target[1]};
  float* __restrict street_p = a.street;
  constexpr std::size_t lanes = simd::kMaxLanes;
  const T one = T{} + 1.0F;
  const T so_cap = T{} + so_capacity;
  // The block's sums by lane add up in place (17 vectors would not stay in registers anyway):
  // every lane starts at +0, and lanes past N stay there.
  float(*__restrict block)[lanes] = a.block;
  for (int s = 0; s < kBlockSums; ++s) {
    for (std::size_t l = 0; l < lanes; l += N) {
      store(&block[s][l], T{});
    }
  }
  for (std::size_t i = 0; i < n; i += N) {
    // In a window's first period the block's tiles come from memory (coupled runs visit every
    // block once a window): on entering a tile, ask for those up to kPrefetchTiles ahead, one
    // line per field, that hold a community to update (each once; tiles past the block's end
    // too: they warm the next block's first).
    if (a.prefetch && i % lanes == 0) {
      const std::size_t tile = i / lanes;
      prefetched = std::max(prefetched, tile + 1);
      for (; prefetched <= tile + kPrefetchTiles; ++prefetched) {
        bool wanted = prefetched * lanes >= n;
        for (std::size_t j = prefetched * lanes; j < (prefetched + 1) * lanes && !wanted; j += N) {
          wanted = simd::any_nonzero(load<T>(&count_p[j]));
        }
        if (wanted) {
          // (as an address: it may lie past the array, which a pointer may not)
          const auto ahead = reinterpret_cast<std::uintptr_t>(tiles) +
                             prefetched * kFields * lanes * sizeof(float);
          for (std::size_t f = 0; f < kFields; ++f) {
            __builtin_prefetch(reinterpret_cast<const void*>(ahead + f * lanes * sizeof(float)), 1,
                               3);
          }
        }
      }
    }
    // Communities that stand for none (identical to one that is updated, or padding) need no
    // update: skip the vector when all of its lanes are such (its rows are left as they were;
    // `updated` says which vectors have rows).
    const T count = load<T>(&count_p[i]);
    const bool update = simd::any_nonzero(count);
    if (updated_p != nullptr) {
      updated_p[i / N] = update ? 1 : 0;
    }
    if (!update) {
      continue;
    }
    // Field f of communities i .. i + N - 1 in their tile.
    float* __restrict base = tiles + (i / lanes) * kFields * lanes + i % lanes;
    const auto at = [&](Field f) { return base + static_cast<std::size_t>(f) * lanes; };
    // What each community's local government does: the N communities span at most N
    // consecutive places from the first one's, so one load and one permute serve them all.
    const VI place = load<VI>(&gov_p[i]);
    const std::int32_t first = place[0];
    const VI lane = place - first;
    const auto by_gov = [&](const float* __restrict p) {
      return shuffle1<N>(load<T>(p + first), lane);
    };
    const VI tv = VI{} + t;
    // Active: adopted_from <= t < active_until, from the sign bits of two differences (GCC
    // lowers 512-bit integer comparisons lane by lane; this stays in vector registers).
    const VI outside =
        (tv - load<VI>(at(Field::adopted_from))) | (load<VI>(at(Field::active_until)) - tv - 1);
    const T active = simd::mask_to_one<T>(~(outside >> 31));
    const T m = load<T>(at(Field::migrant));
    // Residents, counted as often as the community stands for (count 1: the same bits).
    const T w_own = load<T>(at(Field::residents));
    const T w = w_own * count;
    const T wl = w * (one - m);
    const T wm = w * m;
    // Root-cause capital of the local government (7.9.4): the fixes it has paid for.
    const T fixed = by_gov(root_p);
    const T part_old[2] = {load<T>(at(Field::participation_local)),
                           load<T>(at(Field::participation_migrant))};
    const T pbar = (one - m) * part_old[0] + m * part_old[1];
    // Services: SO places from contracts, volunteers from participation, the government.
    const T con = k.services_contracting * active;
    const T from_so = con * so_cap;
    const T from_vol = k.volunteers * pbar;
    const T from_gov = k.government * (one - k.withdrawal * active);
    const T raw = from_so + from_vol + from_gov;
    const T hosted = min(T{} + k.space, raw);
    // Root-cause work funds places (and the space for them) for a share of the demand left
    // uncovered, so it never adds places beyond demand.
    const T from_root = k.root_places * fixed * max(T{}, one - hosted);
    const T cov = hosted + from_root;  // places offered, as a share of demand
    // The school is open to both groups (docs/domain.md 4.5): each receives the same
    // coverage, at most all of its demand. Places offered beyond demand stay empty and are
    // not counted as used.
    const T used = min(one, cov);
    const T cov_k[2] = {used, used};
    // Migrants' access to hukou-bound local services (schools, insurance, housing), relative
    // to locals'; root-cause work opens part of what hukou rules withhold.
    const T access = k.access + k.root_access * fixed * (one - k.access);
    // In counts: pupils (children of primary age whose parents both work), places offered and
    // used, used places by source (in proportion to what each offers), and a school where the
    // places used reach school_min.
    const T children = load<T>(at(Field::children));
    const T working = (one - m) * k.working[0] + m * k.working[1];
    const T pupils = w * children * working;
    const T offered = pupils * cov;
    // The community's own pupils decide whether it has a school.
    const T places = w_own * children * working * used;
    const T use_rate = used / max(T{} + 1e-6F, cov);
    const T per_source = pupils * hosted / max(T{} + 1e-6F, raw);  // offered per unit of raw
    const T school = simd::mask_to_one<T>(places >= T{} + k.school_min);
    // Depth: the official's effort with residents taking part, as far as the variant fits.
    const T d = load<T>(at(Field::depth));
    const T fit = load<T>(at(Field::fit));
    const T dn =
        d + k.depth_rate * by_gov(effort_p) * active * pbar * fit * (one - d) - k.depth_decay * d;
    const T dp = load<T>(at(Field::perceived));
    const T dpn = dp + k.perceive * (dn - dp);
    const T load_now =
        min(one, k.admin_load * (one - k.list_cut * active) * (one - k.root_load * fixed) +
                     by_gov(load_p));
    // Residents' benefit of participating, less its cost, common to both groups.
    const T common =
        k.intercept + k.w_peers * by_gov(peers_p) + k.mobilise * active - k.cost_load * load_now;
    const T control = by_gov(control_p);
    const T trust_loss = k.control_trust * control;
    const T griev_ctrl = by_gov(stability_p);  // from the local government (7.9.4)
    const T griev_out = T{} + k.griev_decay;
    T part[2];
    T sat[2];
    T bel_new[2];
    T trust_new[2];
    T griev_new[2];
    // Unrolled: the groups' values stay in registers rather than arrays on the stack (3-4%
    // of the coupled model's time on an AVX2 EPYC); each lane's arithmetic and its order are
    // unchanged, and so are the pinned digests (Stability.LanesGiveTheBitsOfOneGovernmentAtATime).
#pragma GCC unroll 2
    for (int g = 0; g < 2; ++g) {  // locals, then migrants
      const T cn = cov_k[g] * k.need[g];
      const T b = load<T>(at(of_group(Field::belonging_local, g)));
      const T tr = load<T>(at(of_group(Field::trust_local, g)));
      const T gr = load<T>(at(of_group(Field::grievance_local, g)));
      const T p = part_old[g];
      // The share of the group whose (logistic) threshold lies below benefit - cost. Costs
      // differ within the group: only its working share pays the working time, so the share
      // taking part mixes the two classes (averaging the cost into one threshold would let
      // a high benefit carry the whole group past the working residents' higher cost).
      const T net =
          common + k.w_bel * b + k.w_trust * tr + k.w_serv * cn + k.w_eff * k.voice[g] * dpn;
      T target;
      if constexpr (SharedExp) {
        // Both classes' shares from one exponential: e^-(x - c) = e^-x e^c, e^c a constant.
        const T e = simd::exp<N>(-(k.inv_spread * net));
        target = k.working[g] / (one + e * k.cost_factor[g]) + (1.0F - k.working[g]) / (one + e);
      } else {
        target = k.working[g] * simd::logistic<N>(k.inv_spread * (net - k.cost[g])) +
                 (1.0F - k.working[g]) * simd::logistic<N>(k.inv_spread * net);
      }
      part[g] = p + k.adjust * (target - p);
      // Belonging grows with time in place, services and taking part; turnover replaces
      // residents by newcomers who start at 0.
      bel_new[g] = clamp01(b + (k.bel_time + k.bel_serv * cn + k.bel_part * part[g]) * (one - b) -
                           k.turnover[g] * b);
      // Satisfaction with local government counts the services the group receives, less
      // those hukou withholds (migrants), as grievance counts both as unmet need.
      const T withheld = g == 1 ? one - access : T{};
      sat[g] = clamp01(k.sat_intercept + k.sat_depth * dpn + k.sat_serv * (cn - withheld) -
                       k.sat_griev * gr);
      trust_new[g] = clamp01(tr + k.trust_rate * (sat[g] - tr) - trust_loss * tr);
      // Unmet need: the group's need times the share of its demand not covered, and for
      // migrants the hukou-bound services withheld from them.
      const T unmet = k.need[g] * (one - cov_k[g]) + withheld;
      griev_new[g] = clamp01(gr + (k.griev_in * unmet + griev_ctrl) * (one - gr) - griev_out * gr);
      store(at(of_group(Field::belonging_local, g)), bel_new[g]);
      store(at(of_group(Field::trust_local, g)), trust_new[g]);
      store(at(of_group(Field::grievance_local, g)), griev_new[g]);
      store(at(of_group(Field::participation_local, g)), part[g]);
      if (target_p[0] != nullptr) {  // only for resident agents; the test is hoisted
        store(&target_p[g][i], target);
      }
    }
    const T pbar_new = (one - m) * part[0] + m * part[1];
    const T sat_mean = (one - m) * sat[0] + m * sat[1];
    store(at(Field::depth), dn);
    store(at(Field::perceived), dpn);
    if (coverage_p != nullptr) {
      store(&coverage_p[i], used);
    }
    // Rows indexed by community: the lanes past the block's last community stay unwritten.
    const auto row = [&](float* __restrict p, T v) {
      if (i + N <= a.communities) {
        store(&p[i], v);
      } else {
        for (std::size_t l = i; l < a.communities; ++l) {
          p[l] = v[l - i];
        }
      }
    };
    if (outcome_p != nullptr) {
      row(outcome_p, dn);
    }
    if (assessed_p != nullptr) {
      row(assessed_p, k.assess_depth * dn + k.assess_sat * sat_mean);
    }
    const T wa = w * active;
    T street[kStreetSums];
    const auto out = [&](StreetSum s, T v) { street[static_cast<int>(s)] = v; };
    out(StreetSum::participation, w * pbar_new);
    out(StreetSum::grievance, wl * griev_new[0] + wm * griev_new[1]);
    // Grievance as it reaches open contention: each group's by its contention weight (not its
    // electoral voice: no hukou difference in joining mass incidents, docs/model.md 7.9.4).
    out(StreetSum::voiced,
        wl * k.contention[0] * griev_new[0] + wm * k.contention[1] * griev_new[1]);
    // The unmet need full root-cause capital would fix (officials' choice): root_places of
    // the uncovered demand, root_access of migrants' exclusion.
    out(StreetSum::unmet_need, k.root_places * (wl * k.need[0] + wm * k.need[1]) * (one - used) +
                                   k.root_access * wm * (one - access));
    out(StreetSum::satisfaction, w * sat_mean);
    out(StreetSum::depth, w * dn);
    out(StreetSum::active, wa);
    out(StreetSum::fit, wa * fit);
    out(StreetSum::active_depth, count * active * dn);
    const T so_places = from_so * per_source;
    out(StreetSum::places_so, so_places);
    out(StreetSum::adopters_depth, wa * dn);
    store_street<N>(street_p, i, street);
    const auto add = [&](BlockSum s, T v) {
      float* p = block[static_cast<int>(s)];
      store(p, load<T>(p) + v);
    };
    add(BlockSum::participation_local, wl * part[0]);
    add(BlockSum::participation_migrant, wm * part[1]);
    add(BlockSum::belonging_local, wl * bel_new[0]);
    add(BlockSum::belonging_migrant, wm * bel_new[1]);
    add(BlockSum::trust_local, wl * trust_new[0]);
    add(BlockSum::trust_migrant, wm * trust_new[1]);
    add(BlockSum::grievance_local, wl * griev_new[0]);
    add(BlockSum::grievance_migrant, wm * griev_new[1]);
    add(BlockSum::satisfaction, w * sat_mean);
    add(BlockSum::coverage, w * used);
    add(BlockSum::depth, w * dn);
    add(BlockSum::demand, pupils);
    add(BlockSum::places_so, so_places * use_rate);
    add(BlockSum::places_volunteers, from_vol * per_source * use_rate);
    add(BlockSum::places_government, (from_gov * per_source + from_root * pupils) * use_rate);
    add(BlockSum::supply, offered);
    add(BlockSum::schools, school * count);
  }
}

void kernel_sse(const CommunityArrays& a, std::size_t n, std::int32_t t, const KernelConstants& k,
                float so_capacity) {
  k.shared_exp ? community_lanes<4, true>(a, n, t, k, so_capacity)
               : community_lanes<4, false>(a, n, t, k, so_capacity);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) void kernel_avx2(const CommunityArrays& a, std::size_t n,
                                                     std::int32_t t, const KernelConstants& k,
                                                     float so_capacity) {
  k.shared_exp ? community_lanes<8, true>(a, n, t, k, so_capacity)
               : community_lanes<8, false>(a, n, t, k, so_capacity);
}
// The AVX-512 path's code on AVX2 (KernelPath::avx512_on_avx2): each 16-lane operation runs as
// two 8-lane ones, with the multiply-adds fused as on AVX-512 (the same source expressions).
__attribute__((target("avx2,fma"))) void kernel_avx512_on_avx2(const CommunityArrays& a,
                                                               std::size_t n, std::int32_t t,
                                                               const KernelConstants& k,
                                                               float so_capacity) {
  k.shared_exp ? community_lanes<16, true>(a, n, t, k, so_capacity)
               : community_lanes<16, false>(a, n, t, k, so_capacity);
}
__attribute__((target("avx512f,fma"))) void kernel_avx512(const CommunityArrays& a, std::size_t n,
                                                          std::int32_t t, const KernelConstants& k,
                                                          float so_capacity) {
  k.shared_exp ? community_lanes<16, true>(a, n, t, k, so_capacity)
               : community_lanes<16, false>(a, n, t, k, so_capacity);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) void street_rows_avx2(const float* const* q, std::size_t n,
                                                      float* rows) {
  street_rows_lanes<8>(q, n, rows);
}
__attribute__((target("avx512f"))) void street_rows_avx512(const float* const* q, std::size_t n,
                                                           float* rows) {
  street_rows_lanes<16>(q, n, rows);
}
#endif

bool cpu_can(KernelPath path) {
#if defined(__x86_64__) && defined(__GNUC__)
  const bool fma = __builtin_cpu_supports("fma") != 0;
  switch (path) {
    case KernelPath::avx512: return fma && __builtin_cpu_supports("avx512f") != 0;
    case KernelPath::avx2:
    case KernelPath::avx512_on_avx2: return fma && __builtin_cpu_supports("avx2") != 0;
    default: return true;
  }
#else
  return path == KernelPath::sse || path == KernelPath::automatic;
#endif
}

// The path by CPU: the widest it has, at most what PDLAB_SIMD allows (sse|avx2 cap the width,
// to reproduce or time a narrower CPU; avx512-on-avx2 gives the AVX-512 bits without it).
KernelPath path_by_cpu() {
  const char* cap = std::getenv("PDLAB_SIMD");
  const std::string v(cap == nullptr ? "avx512" : cap);
  if (v == "avx512-on-avx2" && cpu_can(KernelPath::avx512_on_avx2)) {
    return KernelPath::avx512_on_avx2;
  }
  if (v == "avx512" && cpu_can(KernelPath::avx512)) {
    return KernelPath::avx512;
  }
  if ((v == "avx512" || v == "avx2") && cpu_can(KernelPath::avx2)) {
    return KernelPath::avx2;
  }
  return KernelPath::sse;
}

std::atomic<int> forced_path{static_cast<int>(KernelPath::automatic)};

KernelPath current_path() {
  static const KernelPath by_cpu = path_by_cpu();
  const auto forced = static_cast<KernelPath>(forced_path.load(std::memory_order_relaxed));
  return forced == KernelPath::automatic ? by_cpu : forced;
}

}  // namespace

bool force_kernel_path(KernelPath path) {
  if (!cpu_can(path)) {
    return false;
  }
  forced_path.store(static_cast<int>(path), std::memory_order_relaxed);
  return true;
}

int community_kernel_lanes() {
  switch (current_path()) {
    case KernelPath::avx512:
    case KernelPath::avx512_on_avx2: return 16;
    case KernelPath::avx2: return 8;
    default: return 4;
  }
}

void community_kernel(const CommunityArrays& a, std::size_t n, std::int32_t t,
                      const KernelConstants& k, float so_capacity) {
  switch (current_path()) {
#if defined(__x86_64__) && defined(__GNUC__)
    case KernelPath::avx512: kernel_avx512(a, n, t, k, so_capacity); return;
    case KernelPath::avx512_on_avx2: kernel_avx512_on_avx2(a, n, t, k, so_capacity); return;
    case KernelPath::avx2: kernel_avx2(a, n, t, k, so_capacity); return;
#endif
    default: kernel_sse(a, n, t, k, so_capacity);
  }
}

bool kernel_street_rows(int lanes, const float* const* q, std::size_t n, float* rows) {
  if (lanes == 4) {
    street_rows_lanes<4>(q, n, rows);
    return true;
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if (lanes == 8 && __builtin_cpu_supports("avx2") != 0) {
    street_rows_avx2(q, n, rows);
    return true;
  }
  if (lanes == 16 && __builtin_cpu_supports("avx512f") != 0) {
    street_rows_avx512(q, n, rows);
    return true;
  }
#endif
  return false;
}

float kernel_logistic(float x) {
  const auto v = simd::logistic<4>(simd::vf4{} + x);
  return v[0];
}

}  // namespace pdlab::gov
