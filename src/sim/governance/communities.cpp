// Co-production and services in one block's communities (docs/model.md 7.9.2-7.9.3).
#include "sim/governance/runtime.hpp"

namespace pdlab::gov {

void Runtime::communities(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  for (const auto& mg : g_.merges()) {
    if (mg.period == t) {
      merge(mg, blk);
      block_residents(blk);
    }
  }
  // What each local government does this period, broadcast to its communities.
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const std::int32_t gov = in_charge_[g];
    const float e = active(gov, t) ? effort_[g] : 0.0F;
    const auto cb = static_cast<std::size_t>(h_.first_child(g) - blk.c0);
    const auto ce = static_cast<std::size_t>(h_.end_child(g) - blk.c0);
    // Locals, so that the fills compile to plain stores.
    const float cl = claims_[g];
    const float rw = root_work_[g];
    const float pe = local_participation_[g];
    float* __restrict ec = effort_c_.data();
    float* __restrict cc = claims_c_.data();
    float* __restrict rc = root_c_.data();
    float* __restrict pc = peers_c_.data();
    for (std::size_t i = cb; i < ce; ++i) {  // one pass, four stores
      ec[i] = e;
      cc[i] = cl;
      rc[i] = rw;
      pc[i] = pe;
    }
  }
  // Every community of the block, branch-free so that the loop vectorises.
  const auto arr = arrays(blk);
  community_kernel(arr, static_cast<std::size_t>(blk.padded), t, st, so_capacity_[b]);
  // Sums by local government (products computed in the vector loop).
  double pop = 0;
  double contracts = 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const auto cb = static_cast<std::size_t>(h_.first_child(g) - blk.c0);
    const auto ce = static_cast<std::size_t>(h_.end_child(g) - blk.c0);
    for (int k = 0; k < kStreetSums; ++k) {
      const float* x = street_[k].data();
      float s = 0;
      for (std::size_t i = cb; i < ce; ++i) {
        s += x[i];
      }
      street_sum_[k][g] = s;
    }
    const auto sum = [&](StreetSum k) { return street_sum_[static_cast<int>(k)][g]; };
    const double sp = residents_g_[g];
    pop += sp;
    contracts += sum(StreetSum::contracts);
    const double inv = sp > 0 ? 1.0 / sp : 0.0;
    local_participation_[g] = static_cast<float>(sum(StreetSum::participation) * inv);
    if (sp > 0) {
      block_add(at_community, GovMetric::coverage, sum(StreetSum::coverage) * inv, sp);
      block_add(at_community, GovMetric::depth, sum(StreetSum::depth) * inv, sp);
    }
  }
  flush_block(t);
  block_pop_[b] = pop;
  block_contracts_[b] = contracts;
  // Community-level outputs, population-weighted over the block's communities.
  double s[kBlockSums] = {};
  for (int k = 0; k < kBlockSums; ++k) {
    for (std::size_t l = 0; l < simd::kMaxLanes; ++l) {
      s[k] += static_cast<double>(block_sums_[k][l]);
    }
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
  }
  // SO capacity grows with the block's contracts.
  if (st.services) {
    float& so = so_capacity_[b];
    const float share = pop > 0 ? static_cast<float>(contracts / pop) : 0.0F;
    if (pop > 0) {
      add(GovMetric::so_capacity, g_.so_level(), t, so, pop);
    }
    so = so + st.so_growth * share * (1.0F - so / st.so_max) - st.so_decay * so;
  }
  agents(b, t);
}

}  // namespace pdlab::gov
