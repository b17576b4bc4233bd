// Co-production and services in one block's communities (docs/model.md 7.9.2-7.9.3).
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cstring>

namespace pdlab::gov {

void Runtime::communities(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const auto kernel_lanes = static_cast<std::size_t>(community_kernel_lanes());
  if (g_.restructuring().changes_units() && t >= 0) {  // (none in the warm-up)
    const bool moved = !moved_.empty() && moved_[b] != 0;
    if (restructure(blk, t) || moved) {
      block_residents(blk);
    }
    if (moved) {
      moved_[b] = 0;
    }
    if (check_residents_) {  // GovernanceResult::residents, for tests
      const auto& rs = g_.restructuring();
      auto& check = out_.residents[static_cast<std::size_t>(t)];
      for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
        check[0] += rs.exists(c, t) ? at(Field::residents, slot(blk, c)) : 0.0F;
      }
      for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
        check[1] += rs.exists(g, t) ? local4(g).residents[lane(g)] : 0.0;
      }
    }
  }
  // What each local government with communities does this period, by its place (kernel.hpp).
  // 0 + x as the vector broadcast had it (-0 becomes +0).
  std::int32_t place = 0;
  Local4* const q0 = &local4_[block4_[b]];
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const GovInfo& gi = info_[g];
    if (gi.c1 == gi.c0) {
      continue;
    }
    const Local4& q = q0[static_cast<std::uint32_t>(g - blk.g0) >> 2];
    const int l = static_cast<int>(static_cast<std::uint32_t>(g - blk.g0) & 3U);
    const auto o = static_cast<std::size_t>(place++);
    effort_c_[o] = 0.0F + effort_[g];
    // Latent grievance surfacing and unmet claims add to residents' grievance (7.9.4).
    stress_c_[o] = 0.0F + (st.latent_grievance * st.latent_out * q.latent[l] +
                           st.claims_grievance * q.unmet[l]);
    root_c_[o] = 0.0F + q.capital[l];
    peers_c_[o] = 0.0F + j_participation_[g];
    control_c_[o] = 0.0F + q.intensity[control][l];
    load_c_[o] = 0.0F + (partial(gi, t) ? st.partial_load : 0.0F);
  }
  // Every community of the block, branch-free so that the loop vectorises.
  auto arr = arrays(blk, t);
  arr.prefetch = t == window_start_;  // (kernel.hpp)
  const auto padded = static_cast<std::size_t>(blk.padded);
  const KernelConstants& kc = kernel_k(t, st);
  // The packed states may stay packed for the block's next period unless something else reads
  // the tiles before it: panel rows, resident agents, the residents check, restructuring.
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  const bool keep = !panel_now && g_.agents_root() < 0 && !check_residents_ &&
                    !g_.restructuring().changes_units();
  packed_ = share_ && pack_kernel(arr, padded, kernel_lanes, t, kc, so_capacity_[b], keep);
  if (!packed_) {
    community_kernel(arr, padded, t, kc, so_capacity_[b]);
  }
  const std::int32_t shadows = share_ ? shadow_n_[b] : 0;
  if (shadows > 0) {
    // The groups of identical communities, one shadow each (their counts are their sizes).
    const auto base = static_cast<std::size_t>(shadow_base_[b]);
    CommunityArrays sa = arr;
    sa.tiles = &tiles_[tile_index(Field::adopted_from, shadow_base_[b])];
    sa.gov = &gov_of_[base];
    sa.count = &count_[base];
    sa.coverage = coverage_.empty() ? nullptr : &coverage_[base];
    // Their feedback rows follow the units' (members read them: Runtime::feedback_entry()).
    const std::int32_t tail = h_.size() - blk.c0 + (shadow_base_[b] - g_.community_slots());
    sa.outcome = arr.outcome != nullptr ? arr.outcome + tail : nullptr;
    sa.assessed = arr.assessed != nullptr ? arr.assessed + tail : nullptr;
    sa.communities = static_cast<std::size_t>(shadows);
    sa.street = shadow_street_.data();
    sa.updated = nullptr;
    sa.prefetch = false;
    sa.block = shadow_sums_;
    community_kernel(sa, static_cast<std::size_t>(shadow_padded_[b]), t, kc, so_capacity_[b]);
    for (int k = 0; k < kBlockSums; ++k) {
      for (std::size_t l = 0; l < kernel_lanes; ++l) {  // the lanes the kernel wrote
        block_sums_[k][l] += shadow_sums_[k][l];
      }
    }
  }
  // Sums by local government (products computed in the vector loop): a community's row is
  // three vectors, each lane one quantity summed in community order, as scalar sums would.
  double pop = 0;
  double above = 0;  // residents whose local government is abolished (governed_above)
  double active_w = 0;
  const float contracting = st.services ? st.contracting : 0.0F;
  const auto f = [](double x) { return static_cast<float>(x); };
  using V4 = simd::vf4;
  // A packed block's rows are one per community updated (pack_kernel()).
  const float* const rows = packed_ ? pack_street_.data() : street_.data();
  // Two governments at a time: their sums are independent chains of additions, which the
  // core then overlaps (each sum still in its community order).
  const auto add_rows = [&](V4* acc, std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const float* row = rows + i * kStreetRow;
      acc[0] += simd::load<V4>(row);
      acc[1] += simd::load<V4>(row + 4);
      acc[2] += simd::load<V4>(row + 8);
    }
  };
  // ... and the rows of its shadows, after its communities' (sharing only).
  const auto add_shadows = [&](V4* acc, std::int32_t g) {
    const auto k = static_cast<std::size_t>(g - upper_);
    for (std::int32_t sh = shadow_begin_[k]; sh < shadow_end_[k]; ++sh) {
      if (count_[static_cast<std::size_t>(sh)] == 0.0F) {
        continue;  // all its members adopted: no rows
      }
      const float* row =
          &shadow_street_[static_cast<std::size_t>(sh - shadow_base_[b]) * kStreetRow];
      acc[0] += simd::load<V4>(row);
      acc[1] += simd::load<V4>(row + 4);
      acc[2] += simd::load<V4>(row + 8);
    }
  };
  const auto put_sums = [&](std::int32_t g, const V4* acc) {
    std::memcpy(&street_sum_[static_cast<std::size_t>(g) * kStreetRow], acc,
                kStreetRow * sizeof(float));
  };
  // With shared updates, the vectors the kernel skipped (every community's state held by a
  // shadow) have no rows: sums over the others, in the same order.
  std::size_t next = 0;  // packed: the first row of the next government's communities
  for (std::int32_t g = blk.g0; g < blk.g1 && packed_; ++g) {
    const auto a1 = static_cast<std::size_t>(info_[g].c1 - blk.c0);
    V4 a[3] = {};
    const std::size_t first = next;
    while (next < pick_.size() && pick_[next] < a1) {
      ++next;
    }
    add_rows(a, first, next);
    add_shadows(a, g);
    put_sums(g, a);
  }
  for (std::int32_t g = blk.g0; g < blk.g1 && share_ && !packed_; ++g) {
    const auto a0 = static_cast<std::size_t>(info_[g].c0 - blk.c0);
    const auto a1 = static_cast<std::size_t>(info_[g].c1 - blk.c0);
    V4 a[3] = {};
    std::size_t v = a0 / kernel_lanes;  // the vector of community i (one division a government)
    for (std::size_t i = a0; i < a1; ++v) {
      const std::size_t end = std::min(a1, (v + 1) * kernel_lanes);
      if (updated_[v] != 0) {
        add_rows(a, i, end);
      }
      i = end;
    }
    add_shadows(a, g);
    put_sums(g, a);
  }
  for (std::int32_t g = blk.g0; g < blk.g1 && !share_; g += 2) {
    const auto a0 = static_cast<std::size_t>(info_[g].c0 - blk.c0);
    const auto a1 = static_cast<std::size_t>(info_[g].c1 - blk.c0);
    V4 a[3] = {};
    if (g + 1 == blk.g1) {
      add_rows(a, a0, a1);
      put_sums(g, a);
      break;
    }
    const auto b0 = static_cast<std::size_t>(info_[g + 1].c0 - blk.c0);
    const auto b1 = static_cast<std::size_t>(info_[g + 1].c1 - blk.c0);
    V4 c[3] = {};
    const std::size_t both = std::min(a1 - a0, b1 - b0);
    for (std::size_t k = 0; k < both; ++k) {
      const float* ra = rows + (a0 + k) * kStreetRow;
      const float* rb = rows + (b0 + k) * kStreetRow;
      a[0] += simd::load<V4>(ra);
      c[0] += simd::load<V4>(rb);
      a[1] += simd::load<V4>(ra + 4);
      c[1] += simd::load<V4>(rb + 4);
      a[2] += simd::load<V4>(ra + 8);
      c[2] += simd::load<V4>(rb + 8);
    }
    add_rows(a, a0 + both, a1);
    add_rows(c, b0 + both, b1);
    put_sums(g, a);
    put_sums(g + 1, c);
  }
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const GovInfo& gi = info_[g];
    Local4& q = q0[static_cast<std::uint32_t>(g - blk.g0) >> 2];
    const int l = static_cast<int>(static_cast<std::uint32_t>(g - blk.g0) & 3U);
    const float* acc = &street_sum_[static_cast<std::size_t>(g) * kStreetRow];
    const auto sum = [&](StreetSum k) { return acc[static_cast<int>(k)]; };
    const double sp = q.residents[l];
    pop += sp;
    above += governs(gi, t) ? 0.0 : sp;
    active_w += sum(StreetSum::active);
    const double inv = q.inv_residents[l];
    // The jurisdiction as its officials see it next period.
    j_residents_[g] = f(sp);
    j_participation_[g] = f(sum(StreetSum::participation) * inv);
    j_satisfaction_[g] = f(sum(StreetSum::satisfaction) * inv);
    j_grievance_[g] = f(sum(StreetSum::grievance) * inv);
    q.voiced[l] = f(sum(StreetSum::voiced) * inv);
    q.need[l] = f(sum(StreetSum::unmet_need) * inv);
    j_depth_[g] = f(sum(StreetSum::depth) * inv);
    const float aw = sum(StreetSum::active);
    // What depth effort reaches: the residents of the communities that run the model (depth
    // grows only there), at their variant's fit; so the share of residents there times their
    // mean fit, 0 before any community adopts (docs/model.md 7.9.1).
    j_fit_[g] = f(sum(StreetSum::fit) * inv);
    j_adopters_depth_[g] = aw > 0 ? sum(StreetSum::adopters_depth) / aw : 0.0F;
    // Places contracted from SOs (docs/model.md 7.9.3): what the contracts pay for.
    q.places[l] = sum(StreetSum::places_so);
  }
  // Community-level outputs, population-weighted over the block's communities.
  // Lanes past the kernel's width hold +0, and adding +0 any number of times gives what adding
  // it once does (-0 becomes +0): the bits of a sum over every lane.
  double s[kBlockSums] = {};
  for (int k = 0; k < kBlockSums; ++k) {
    for (std::size_t l = 0; l < kernel_lanes; ++l) {
      s[k] += static_cast<double>(block_sums_[k][l]);
    }
    s[k] += kernel_lanes < simd::kMaxLanes ? 0.0 : -0.0;
  }
  const auto at = [&](BlockSum k) { return s[static_cast<int>(k)]; };
  const double locals = block_locals_[b];
  const double migrants = block_migrants_[b];
  const int lc = g_.community_level();
  if (pop > 0) {
    const auto mean = [](double x, double w) { return w > 0 ? x / w : 0.0; };
    add(GovMetric::participation_local, lc, t, mean(at(BlockSum::participation_local), locals),
        locals);
    add(GovMetric::participation_migrant, lc, t,
        mean(at(BlockSum::participation_migrant), migrants), migrants);
    add(GovMetric::belonging_local, lc, t, mean(at(BlockSum::belonging_local), locals), locals);
    add(GovMetric::belonging_migrant, lc, t, mean(at(BlockSum::belonging_migrant), migrants),
        migrants);
    add(GovMetric::trust_local, lc, t, mean(at(BlockSum::trust_local), locals), locals);
    add(GovMetric::trust_migrant, lc, t, mean(at(BlockSum::trust_migrant), migrants), migrants);
    add(GovMetric::grievance_local, lc, t, mean(at(BlockSum::grievance_local), locals), locals);
    add(GovMetric::grievance_migrant, lc, t, mean(at(BlockSum::grievance_migrant), migrants),
        migrants);
    add(GovMetric::satisfaction, lc, t, at(BlockSum::satisfaction) / pop, pop);
    add(GovMetric::depth, lc, t, at(BlockSum::depth) / pop, pop);
    add(GovMetric::governed_above, lc, t, above / pop, pop);
    if (st.services) {
      add(GovMetric::coverage, lc, t, at(BlockSum::coverage) / pop, pop);
      // The school in counts, per 1,000 (schools: 100,000) residents of the local
      // governments: weighted by residents, the level's value is its total over its residents.
      const int lg = g_.local_level();
      const double places = at(BlockSum::places_so) + at(BlockSum::places_volunteers) +
                            at(BlockSum::places_government);
      add(GovMetric::school_demand, lg, t, 1e3 * at(BlockSum::demand) / pop, pop);
      add(GovMetric::school_places, lg, t, 1e3 * places / pop, pop);
      add(GovMetric::places_so, lg, t, 1e3 * at(BlockSum::places_so) / pop, pop);
      add(GovMetric::places_volunteers, lg, t, 1e3 * at(BlockSum::places_volunteers) / pop, pop);
      add(GovMetric::places_government, lg, t, 1e3 * at(BlockSum::places_government) / pop, pop);
      add(GovMetric::schools, lg, t, 1e5 * at(BlockSum::schools) / pop, pop);
      add(GovMetric::school_supply, lg, t, 1e3 * at(BlockSum::supply) / pop, pop);
    }
  }
  // SO capacity grows with the block's contracts.
  if (st.services) {
    float& so = so_capacity_[b];
    const float share = pop > 0 ? static_cast<float>(contracting * active_w / pop) : 0.0F;
    if (pop > 0) {
      add(GovMetric::so_capacity, g_.so_level(), t, so, pop);
    }
    so = so + st.so_growth * share * (1.0F - so / st.so_max) - st.so_decay * so;
  }
  agents(b, t);
}

namespace {

constexpr std::size_t kPrefetchPicks = 8;

// Field 0 of the community in slot `slot` of tiles (its other fields follow a tile apart).
PDLAB_INLINE float* tile_field(float* tiles, std::size_t slot) {
  constexpr std::size_t tile = simd::kMaxLanes;
  return tiles + slot / tile * kFields * tile + slot % tile;
}

}  // namespace

// Which of the block's communities to update (pick_), their tiles copied into pack_tiles_ and
// their places renumbered, with the inputs by place (by_place). False, with no tile copied
// (pick_ then lists the communities to update), when packing would save under a quarter of the
// kernel's vectors.
bool Runtime::gather_picks(const CommunityArrays& arr, std::size_t padded, std::size_t lanes,
                           const float* const (&by_place)[6]) {
  constexpr std::size_t tile = simd::kMaxLanes;
  unpack();  // (another block's; run_block leaves none)
  // Which to update (without branches: which lanes count is irregular).
  pick_.resize(padded);
  std::size_t m = 0;
  std::size_t vectors = 0;
  for (std::size_t i = 0; i < padded; i += lanes) {
    std::uint64_t any = 0;  // (counts are +0 or positive: any bit set is a count)
    for (std::size_t l = i; l < i + lanes; l += 2) {
      std::uint64_t two = 0;
      std::memcpy(&two, &arr.count[l], sizeof two);
      any |= two;
    }
    if (any == 0) {
      continue;  // most vectors: every community's state held by a shadow
    }
    const std::size_t before = m;
    for (std::size_t l = i; l < i + lanes; ++l) {
      pick_[m] = l;
      m += arr.count[l] != 0.0F ? 1 : 0;
    }
    vectors += m > before ? 1 : 0;
  }
  pick_.resize(m);
  if (4 * ((m + lanes - 1) / lanes) > 3 * vectors) {
    return false;
  }
  std::int32_t places = 0;
  std::int32_t last = -1;
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = pick_[k];
    // The tiles come from memory in a window's first period: ask for the fields of the one
    // kPrefetchPicks communities ahead when it is in another tile.
    const std::size_t ahead = k + kPrefetchPicks;
    if (ahead < m && pick_[ahead] / tile != pick_[ahead - 1] / tile) {
      const float* p = tile_field(arr.tiles, pick_[ahead] / tile * tile);
      for (int f = 0; f < kFields; ++f) {
        __builtin_prefetch(p + static_cast<std::size_t>(f) * tile, 1, 3);
      }
    }
    const float* from = tile_field(arr.tiles, i);
    float* to = tile_field(pack_tiles_.data(), k);
    for (int f = 0; f < kFields; ++f) {  // (as bits: two fields are int32 periods)
      std::memcpy(to + static_cast<std::size_t>(f) * tile,
                  from + static_cast<std::size_t>(f) * tile, sizeof(float));
    }
    pack_count_[k] = arr.count[i];
    if (arr.gov[i] != last) {
      last = arr.gov[i];
      for (int q = 0; q < 6; ++q) {
        pack_place_[q][static_cast<std::size_t>(places)] = by_place[q][last];
      }
      pack_from_[static_cast<std::size_t>(places)] = last;
      ++places;
    }
    pack_gov_[k] = places - 1;
  }
  const std::size_t n = (m + tile - 1) / tile * tile;
  for (std::size_t k = m; k < n; ++k) {  // padding: counts 0, the last place
    pack_count_[k] = 0.0F;
    pack_gov_[k] = std::max(0, places - 1);
  }
  pack_m_ = m;
  return true;
}

// The kernel on the block's communities to update only, side by side, when its vectors hold
// few of them (docs/model.md 7.9.5): their tiles are copied into pack_tiles_ in block order,
// their governments' places renumbered (consecutive again) with the inputs by place, and after
// the kernel their states, coverage and feedback rows go back; their street rows stay in
// pack_street_, one per community to update, for the sums by local government (the rows the
// unpacked kernel writes for the others are 0, which add nothing). Each community's update is
// the same arithmetic in another lane; only the block's sums by lane add in another order. False
// (nothing done) when packing would save under a quarter of the vectors.
bool Runtime::pack_kernel(const CommunityArrays& arr, std::size_t padded, std::size_t lanes,
                          std::int32_t t, const KernelConstants& kc, float so_capacity, bool keep) {
  constexpr std::size_t tile = simd::kMaxLanes;
  const float* const by_place[6] = {arr.effort,  arr.stability_grievance, arr.root_work, arr.peers,
                                    arr.control, arr.extra_load};
  if (pack_home_ == arr.tiles) {
    // This block's last period ran packed and nothing touched its tiles since (run_block
    // unpacks before adoption writes to them): the same communities, states and places; only
    // the inputs by place are this period's.
    const std::int32_t places = pack_m_ > 0 ? pack_gov_[pack_m_ - 1] + 1 : 0;
    for (std::int32_t p = 0; p < places; ++p) {
      const auto from = static_cast<std::size_t>(pack_from_[static_cast<std::size_t>(p)]);
      for (int q = 0; q < 6; ++q) {
        pack_place_[q][static_cast<std::size_t>(p)] = by_place[q][from];
      }
    }
  } else if (!gather_picks(arr, padded, lanes, by_place)) {
    return false;
  }
  const std::size_t m = pack_m_;
  const std::size_t n = (m + tile - 1) / tile * tile;
  CommunityArrays pa = arr;
  pa.tiles = pack_tiles_.data();
  pa.gov = pack_gov_.data();
  pa.count = pack_count_.data();
  pa.effort = pack_place_[0].data();
  pa.stability_grievance = pack_place_[1].data();
  pa.root_work = pack_place_[2].data();
  pa.peers = pack_place_[3].data();
  pa.control = pack_place_[4].data();
  pa.extra_load = pack_place_[5].data();
  pa.coverage = arr.coverage != nullptr ? pack_coverage_.data() : nullptr;
  pa.outcome = arr.outcome != nullptr ? pack_rows_[0].data() : nullptr;
  pa.assessed = arr.assessed != nullptr ? pack_rows_[1].data() : nullptr;
  pa.communities = m;
  pa.street = pack_street_.data();
  pa.updated = nullptr;
  pa.prefetch = false;
  community_kernel(pa, n, t, kc, so_capacity);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = pick_[k];
    if (arr.coverage != nullptr) {
      arr.coverage[i] = pack_coverage_[k];
    }
    if (arr.outcome != nullptr) {
      arr.outcome[i] = pack_rows_[0][k];
    }
    if (arr.assessed != nullptr) {
      arr.assessed[i] = pack_rows_[1][k];
    }
  }
  pack_home_ = arr.tiles;
  if (!keep) {
    unpack();
  }
  return true;
}

// The packed states back into their block's tiles (pack_kernel()), if any are held.
void Runtime::unpack() {
  if (pack_home_ == nullptr) {
    return;
  }
  constexpr std::size_t tile = simd::kMaxLanes;
  for (std::size_t k = 0; k < pack_m_; ++k) {
    const std::size_t i = pick_[k];
    const float* from = tile_field(pack_tiles_.data(), k);
    float* to = tile_field(pack_home_, i);
    for (const Field f : kStateFields) {
      to[static_cast<std::size_t>(f) * tile] = from[static_cast<std::size_t>(f) * tile];
    }
  }
  pack_home_ = nullptr;
}

}  // namespace pdlab::gov
