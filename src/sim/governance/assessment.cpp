// Officials' outputs and scores (docs/model.md 7.9.1): visible outputs, depth, the
// hierarchical and horizontal assessments, and the jurisdiction sums that officials above the
// local governments are judged on.
#include "sim/governance/runtime.hpp"

#include <cmath>

namespace pdlab::gov {

void Runtime::assess_local(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const int lg = g_.local_level();
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const auto sum = [&](StreetSum k) { return street_sum_[static_cast<int>(k)][g]; };
    const double sp = residents_g_[g];
    const double inv = sp > 0 ? 1.0 / sp : 0.0;
    const double part = sum(StreetSum::participation) * inv;
    const double sat = sum(StreetSum::satisfaction) * inv;
    const double dep = sum(StreetSum::depth) * inv;
    const std::int32_t gov = in_charge_[g];
    const std::int32_t incidents = incidents_[g];
    // The official in charge: visible outputs and both scores.
    float hscore = std::nanf("");
    const float v = visible_[g];
    if (active(gov, t)) {
      const float e = effort_[g];
      visible_[g] = v + st.visible_rate * (1.0F - e) * (1.0F - v) - st.visible_decay * v;
      hscore = st.visible_reward * visible_[g] +
               st.deadline_reward * static_cast<float>(mandated_[gov]) +
               st.depth_reward * static_cast<float>(dep);
      if (st.veto && static_cast<float>(incidents) > st.veto_threshold * static_cast<float>(sp)) {
        hscore = 0.0F;
      }
      if (st.assessment) {
        block_add(at_local, GovMetric::effort_depth, e, 1.0);
        block_add(at_local, GovMetric::visible, visible_[g], 1.0);
        block_add(at_local, GovMetric::depth, dep, 1.0);
        block_add(at_local, GovMetric::hierarchical_score, hscore, 1.0);
        block_add(at_local, GovMetric::horizontal_score, sat, 1.0);
      }
    } else {
      visible_[g] = v - st.visible_decay * v;
    }
    // Jurisdiction sums for the officials above.
    if (lg > 0 && sp > 0) {
      float* j = jur(h_.parent(g), t);
      j[static_cast<int>(Jur::residents)] += static_cast<float>(sp);
      j[static_cast<int>(Jur::participation)] += static_cast<float>(part * sp);
      j[static_cast<int>(Jur::satisfaction)] += static_cast<float>(sat * sp);
      j[static_cast<int>(Jur::incidents)] += static_cast<float>(incidents);
    }
    if (panel_now) {
      double q[7] = {};  // locals, migrants; their participation, belonging; trust
      for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
        const auto i = slot(blk, c);
        q[0] += locals_[i];
        q[1] += migrants_[i];
        q[2] += locals_[i] * participation_[0][i];
        q[3] += migrants_[i] * participation_[1][i];
        q[4] += locals_[i] * belonging_[0][i];
        q[5] += migrants_[i] * belonging_[1][i];
        q[6] += locals_[i] * trust_[0][i] + migrants_[i] * trust_[1][i];
      }
      const auto f = [](double x) { return static_cast<float>(x); };
      const float nan = std::nanf("");
      panel(g, blk, t,
            {visible_[g], f(dep), hscore, f(sat), q[0] > 0 ? f(q[2] / q[0]) : nan,
             q[1] > 0 ? f(q[3] / q[1]) : nan, q[0] > 0 ? f(q[4] / q[0]) : nan,
             q[1] > 0 ? f(q[5] / q[1]) : nan, f(q[6] * inv),
             f(sum(StreetSum::grievance) * inv), f(sum(StreetSum::coverage) * inv),
             static_cast<float>(incidents), cost_[g]});
    }
  }
  flush_block(t);
}

void Runtime::assess_upper(std::int32_t t) {
  if (upper_ == 0) {
    return;
  }
  // Children's jurisdiction sums into their parents, deepest first.
  for (std::int32_t u = upper_ - 1; u > 0; --u) {
    const float* a = jur(u, t);
    float* p = jur(h_.parent(u), t);
    for (int k = 0; k < kJur; ++k) {
      p[k] += a[k];
    }
  }
  const Step& st = g_.step(t);
  for (std::int32_t u = 0; u < upper_; ++u) {
    if (t_on_[u] == kNever) {
      continue;
    }
    const float* j = jur(u, t);
    const float residents = j[static_cast<int>(Jur::residents)];
    const float jp = residents > 0 ? j[static_cast<int>(Jur::participation)] / residents : 0.0F;
    const float js = residents > 0 ? j[static_cast<int>(Jur::satisfaction)] / residents : 0.0F;
    float& vis = upper_visible_[u];
    float& dep = upper_depth_[u];
    if (!active(u, t)) {
      vis -= st.visible_decay * vis;
      dep -= st.depth_decay * dep;
      continue;
    }
    const float e = mandated_[u] != 0 ? st.effort_mandated : st.effort_plain;
    vis += st.visible_rate * (1.0F - e) * (1.0F - vis) - st.visible_decay * vis;
    dep += st.depth_rate * e * jp * (1.0F - dep) - st.depth_decay * dep;
    float hs = st.visible_reward * vis + st.deadline_reward * static_cast<float>(mandated_[u]) +
               st.depth_reward * dep;
    if (st.veto && residents > 0 &&
        j[static_cast<int>(Jur::incidents)] > st.veto_threshold * residents) {
      hs = 0.0F;
    }
    if (st.assessment) {
      const int l = h_.level(u);
      add(GovMetric::effort_depth, l, t, e, 1.0);
      add(GovMetric::visible, l, t, vis, 1.0);
      add(GovMetric::depth, l, t, dep, 1.0);
      add(GovMetric::hierarchical_score, l, t, hs, 1.0);
      add(GovMetric::horizontal_score, l, t, js, 1.0);
    }
  }
}

}  // namespace pdlab::gov
