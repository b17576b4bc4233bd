// Officials' outputs and scores (docs/model.md 7.9.1): visible outputs, depth, the
// hierarchical and horizontal assessments and the veto, the jurisdiction sums that officials
// above the local governments are judged on, and the yearly tournament.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

// A mandate's yearly inspection (docs/model.md 7.9.1): in the year's last period the superior
// measures the visible output of a unit that adopted under a mandate, with error; below the
// target the official in post loses the penalty from the hierarchical part of its record (not
// in a vetoed year, which scores nothing). True if it failed.
Inspected Runtime::inspect(std::int32_t u, std::int32_t t) {
  const Step& st = g_.step(t);
  if (!st.inspection || mandated_[u] == 0 || (t + 1) % ppy_ != 0 || vetoed_in(u, year_of(t))) {
    return Inspected::no;
  }
  const auto w = rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u),
                            static_cast<std::uint32_t>(g_.policy()), Draw::inspection);
  // Box-Muller: one standard normal from two uniforms.
  const double z = std::sqrt(-2.0 * std::log(Rng::to_open_unit(w[0], w[1]))) *
                   std::cos(6.283185307179586 * Rng::to_open_unit(w[2], w[3]));
  if (visible_[u] + st.inspection_noise * z >= st.inspection_target) {
    return Inspected::passed;
  }
  record_[u] -= (1.0 - st.omega) * st.inspection_penalty;
  return Inspected::failed;
}

void Runtime::assess_local(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  const int lg = g_.local_level();
  const bool panel_now = every_ > 0 && (t + 1) % every_ == 0;
  LocalSums& sums = local_sums_;  // zero (flush() leaves it so)
  // The jurisdiction sums of the parent of the governments so far (a block's local
  // governments share one): in registers, not memory, between one government and the next;
  // the same float additions in the same order.
  std::int32_t parent = -1;
  float up[kJur];
  const auto put_up = [&] {
    if (parent >= 0) {
      std::copy(up, up + kJur, jur(parent, t));
    }
  };
  const Local4* const q0 = &local4_[block4_[b]];
  const std::int32_t year = year_of(t);
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    const GovInfo& gi = info_[g];
    const Local4& loc = q0[static_cast<std::uint32_t>(g - blk.g0) >> 2];
    const int l = static_cast<int>(static_cast<std::uint32_t>(g - blk.g0) & 3U);
    const bool own = has_official(g, gi, t);
    const auto sum = [&](StreetSum k) { return street_sum(k, g); };
    const double sp = loc.residents[l];
    const double inv = loc.inv_residents[l];
    const double part = sum(StreetSum::participation) * inv;
    const double sat = sum(StreetSum::satisfaction) * inv;
    const double dep = sum(StreetSum::depth) * inv;
    const std::int32_t incidents = loc.incidents[l];
    // Visible outputs of the territory, from the effort of the official in charge.
    const float v = visible_[g];
    const bool act = active(loc.in_charge[l], t);
    if (act) {
      const float e = effort_[g];
      visible_[g] = v + st.visible_rate * (1.0F - e) * (1.0F - v) - st.visible_decay * v;
    } else {
      visible_[g] = v - st.visible_decay * v;
    }
    // The local official's scores.
    float hscore = std::nanf("");
    if (own) {
      if (st.veto && year_incidents_[g] > st.veto_threshold * static_cast<float>(sp)) {
        veto_year_[g] = year;
      }
      if (act) {
        const float h = st.visible_reward * visible_[g] + st.depth_reward * static_cast<float>(dep);
        const bool vetoed = vetoed_in(g, year);
        hscore = vetoed ? 0.0F : h;
        record_[g] += vetoed ? 0.0 : (1.0 - st.omega) * h + st.omega * sat;
        ++scored_[g];
        const Inspected inspected = inspect(g, t);
        const double failed = inspected == Inspected::failed ? 1.0 : 0.0;
        if (st.assessment) {
          sums.add(GovMetric::effort_depth, effort_[g], 1.0);
          sums.add(GovMetric::visible, visible_[g], 1.0);
          sums.add(GovMetric::depth, dep, 1.0);
          sums.add(GovMetric::hierarchical_score, hscore, 1.0);
          sums.add(GovMetric::horizontal_score, sat, 1.0);
          sums.add(GovMetric::tenure_left,
                   static_cast<double>(std::max(0, term_end_[g] - t)) / ppy_, 1.0);
          sums.add(GovMetric::turnover, last_turnover_[g] == t ? 1.0 : 0.0, 1.0);
          sums.add(GovMetric::vetoed, vetoed ? 1.0 : 0.0, 1.0);
          sums.add(GovMetric::inspection_failed, failed, 1.0);
          if (inspected != Inspected::no) {
            sums.add(GovMetric::inspection_fail_share, failed, 1.0);
          }
          if (visible_[g] > 0.0F) {
            // Weighted by visible output: the sums give sum(depth) / sum(visible).
            sums.add(mandated_[g] != 0 ? GovMetric::depth_per_visible_mandated
                                       : GovMetric::depth_per_visible_voluntary,
                     dep / visible_[g], visible_[g]);
          }
        }
      }
    }
    // Jurisdiction sums for the officials above.
    if (lg > 0 && sp > 0) {
      if (gi.parent != parent) {
        put_up();
        parent = gi.parent;
        std::copy(jur(parent, t), jur(parent, t) + kJur, up);
      }
      const auto acc = [&](Jur k, double x) { up[static_cast<int>(k)] += static_cast<float>(x); };
      acc(Jur::residents, sp);
      acc(Jur::participation, part * sp);
      acc(Jur::satisfaction, sat * sp);
      acc(Jur::grievance, sum(StreetSum::grievance));
      acc(Jur::depth, sum(StreetSum::depth));
      acc(Jur::active, sum(StreetSum::active));
      acc(Jur::fit, sum(StreetSum::fit));
      acc(Jur::adopters_depth, sum(StreetSum::adopters_depth));
      acc(Jur::incidents, incidents);
      acc(Jur::escalation, loc.sent[l]);
    }
    if (panel_now && here(gi, t)) {
      double q[8] = {};  // locals, migrants; their participation, belonging; trust; coverage
      for (auto c = gi.c0; c < gi.c1; ++c) {
        const auto i = slot(blk, c);
        const auto s = state_slot(c, i);  // its residents are its own, its state may be shared
        q[7] += at(Field::residents, i) * coverage_[s];
        q[0] += locals(i);
        q[1] += migrants(i);
        q[2] += locals(i) * at(Field::participation_local, s);
        q[3] += migrants(i) * at(Field::participation_migrant, s);
        q[4] += locals(i) * at(Field::belonging_local, s);
        q[5] += migrants(i) * at(Field::belonging_migrant, s);
        q[6] += locals(i) * at(Field::trust_local, s) + migrants(i) * at(Field::trust_migrant, s);
      }
      const float nan = std::nanf("");
      // Means over the jurisdiction's residents: none (a government without communities) is
      // NULL, not 0.
      const auto f = [&](double x) { return inv > 0 ? static_cast<float>(x) : nan; };
      panel(g, blk, t,
            {visible_[g], f(dep), hscore, f(sat), q[0] > 0 ? f(q[2] / q[0]) : nan,
             q[1] > 0 ? f(q[3] / q[1]) : nan, q[0] > 0 ? f(q[4] / q[0]) : nan,
             q[1] > 0 ? f(q[5] / q[1]) : nan, f(q[6] * inv), f(sum(StreetSum::grievance) * inv),
             f(q[7] * inv), static_cast<float>(incidents), loc.cost[l], act ? effort_[g] : nan,
             own ? static_cast<float>(term_end_[g] - t) / static_cast<float>(ppy_) : nan,
             st.stability ? loc.mix[root_cause][l] : nan,
             act ? static_cast<float>(mandated_[loc.in_charge[l]]) : nan});
    }
  }
  put_up();
  flush(sums, t);
  if ((t + 1) % ppy_ == 0) {
    rank_peers(blk.g0, blk.g1, t);  // the block's local governments share one superior
  }
}

void Runtime::assess_upper(std::int32_t t, std::int32_t u0, std::int32_t u1) {
  if (upper_ == 0) {
    return;
  }
  const Step& st = g_.step(t);
  // Children's jurisdiction sums into their parents, deepest first; escalated pressure
  // reaches the next level up in part.
  for (std::int32_t u = u0 == 0 ? upper_ - 1 : 0; u > 0; --u) {
    const float* a = jur(u, t);
    float* p = jur(h_.parent(u), t);
    for (int k = 0; k < kJur; ++k) {
      p[k] += k == static_cast<int>(Jur::escalation) ? st.escalation_attenuation * a[k] : a[k];
    }
  }
  for (std::int32_t u = u0; u < u1; ++u) {
    const float* j = jur(u, t);
    const auto at = [&](Jur k) { return j[static_cast<int>(k)]; };
    const float residents = at(Jur::residents);
    const float inv = residents > 0 ? 1.0F / residents : 0.0F;
    j_residents_[u] = residents;
    j_participation_[u] = at(Jur::participation) * inv;
    j_satisfaction_[u] = at(Jur::satisfaction) * inv;
    j_grievance_[u] = at(Jur::grievance) * inv;
    j_depth_[u] = at(Jur::depth) * inv;
    j_fit_[u] = at(Jur::active) > 0 ? at(Jur::fit) / at(Jur::active) : 1.0F;
    j_adopters_depth_[u] = at(Jur::active) > 0 ? at(Jur::adopters_depth) / at(Jur::active) : 0.0F;
    year_incidents_[u] += at(Jur::incidents);
    const float per = 1e4F * static_cast<float>(ppy_) * inv;
    j_incident_rate_[u] += st.dt * (at(Jur::incidents) * per - j_incident_rate_[u]);
    j_escalation_[u] = at(Jur::escalation) * per;
    const int l = h_.level(u);
    if (st.stability && residents > 0) {
      add(GovMetric::escalated, l, t, j_escalation_[u], residents);
    }
    if (!here(u, t)) {
      continue;  // no government in this period (docs/model.md 7.9.7)
    }
    float& vis = visible_[u];
    float& dep = own_depth_[u];
    // The veto judges incidents, whether or not the unit runs the model (as a local one's).
    if (st.veto && residents > 0 && year_incidents_[u] > st.veto_threshold * residents) {
      veto_year_[u] = year_of(t);
    }
    if (!active(u, t)) {
      vis -= st.visible_decay * vis;
      dep -= st.depth_decay * dep;
      continue;
    }
    const float e = effort_[u];
    vis += st.visible_rate * (1.0F - e) * (1.0F - vis) - st.visible_decay * vis;
    dep +=
        st.depth_rate * e * j_participation_[u] * j_fit_[u] * (1.0F - dep) - st.depth_decay * dep;
    const float h = st.visible_reward * vis + st.depth_reward * dep;
    const bool vetoed = vetoed_in(u, year_of(t));
    const float hs = vetoed ? 0.0F : h;
    record_[u] += vetoed ? 0.0 : (1.0 - st.omega) * h + st.omega * j_satisfaction_[u];
    ++scored_[u];
    const Inspected inspected = inspect(u, t);
    const double failed = inspected == Inspected::failed ? 1.0 : 0.0;
    if (st.assessment) {
      add(GovMetric::effort_depth, l, t, e, 1.0);
      add(GovMetric::visible, l, t, vis, 1.0);
      add(GovMetric::depth, l, t, dep, 1.0);
      add(GovMetric::hierarchical_score, l, t, hs, 1.0);
      add(GovMetric::horizontal_score, l, t, j_satisfaction_[u], 1.0);
      add(GovMetric::tenure_left, l, t, static_cast<double>(std::max(0, term_end_[u] - t)) / ppy_,
          1.0);
      add(GovMetric::turnover, l, t, last_turnover_[u] == t ? 1.0 : 0.0, 1.0);
      add(GovMetric::vetoed, l, t, vetoed ? 1.0 : 0.0, 1.0);
      add(GovMetric::inspection_failed, l, t, failed, 1.0);
      if (inspected != Inspected::no) {
        add(GovMetric::inspection_fail_share, l, t, failed, 1.0);
      }
      if (vis > 0.0F) {
        add(mandated_[u] != 0 ? GovMetric::depth_per_visible_mandated
                              : GovMetric::depth_per_visible_voluntary,
            l, t, dep / vis, vis);
      }
    }
  }
  // The yearly tournaments among the officials under each superior.
  if (u0 == 0 && (t + 1) % ppy_ == 0) {
    rank_peers(0, 1, t);
    const int lg = g_.local_level();
    for (std::int32_t p = 0; p < upper_ && h_.level(p) + 1 < lg; ++p) {
      rank_peers(h_.first_child(p), h_.end_child(p), t);
    }
  }
}

}  // namespace pdlab::gov
