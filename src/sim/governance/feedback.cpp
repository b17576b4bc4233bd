// What the governance layer feeds back into adoption (docs/model.md 7.10), at the end of
// period t for period t + 1. Each signal is computed only when its feedback is on.
#include "sim/governance/runtime.hpp"

#include <cmath>

namespace pdlab::gov {

void Runtime::feedback(std::int32_t t, sim::Feedback& fb) {
  const auto& f = sc_.governance.feedback;
  const Step& st = g_.step(t);
  if (f.need) {
    // A jurisdiction's need: its residents' grievance and its incident rate.
    for (std::int32_t u = 0; u < ng_; ++u) {
      fb.need[u] = g_.feedback_at(h_.level(u))
                       ? static_cast<float>(f.need_grievance) * j_grievance_[u] +
                             static_cast<float>(f.need_incidents) * j_incident_rate_[u]
                       : 0.0F;
    }
  }
  if (f.escalation) {
    for (std::int32_t u = 0; u < upper_; ++u) {
      fb.escalation[u] = g_.feedback_at(h_.level(u)) ? j_escalation_[u] : 0.0F;
    }
  }
  if (f.reversal) {
    // Reform failing on the ground: missing depth, grievance, a veto, a new official.
    for (std::int32_t u = 0; u < ng_; ++u) {
      if (!g_.feedback_at(h_.level(u)) || !has_official(u, t) || !active(u, t)) {
        fb.reversal[u] = std::nanf("");
        continue;
      }
      const bool veto = vetoed_[u] != 0 || vetoed_last_[u] != 0;
      const bool new_official = t - last_turnover_[u] < ppy_;
      fb.reversal[u] = static_cast<float>(
          f.reversal_intercept + f.reversal_depth * (1.0 - j_depth_[u]) +
          f.reversal_grievance * j_grievance_[u] + (veto ? f.reversal_veto : 0.0) +
          (new_official ? f.reversal_turnover : 0.0));
    }
  }
  if (f.learning) {
    // What peers observe: a community's depth; a government's visible outputs and the depth
    // of its jurisdiction. Summed over each government's active children.
    const auto v = static_cast<float>(f.learning_visible);
    for (const auto& blk : g_.blocks()) {
      for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
        fb.outcome[c] = at(Field::depth, slot(blk, c));
      }
      for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
        float s = 0.0F;
        for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
          const auto i = slot(blk, c);
          s += community_active(i, t) ? at(Field::depth, i) : 0.0F;
        }
        fb.kid_outcome[g] = s;
      }
    }
    for (std::int32_t u = 0; u < ng_; ++u) {
      fb.outcome[u] = (1.0F - v) * j_depth_[u] + v * visible_[u];
    }
    for (std::int32_t p = 0; p < upper_; ++p) {
      float s = 0.0F;
      for (std::int32_t c = h_.first_child(p); c < h_.end_child(p); ++c) {
        s += active(c, t) ? fb.outcome[c] : 0.0F;
      }
      fb.kid_outcome[p] = s;
    }
  }
  if (f.pilot_evaluation) {
    // Each unit as its superior assesses it: the superior's own assessment weights applied to
    // the unit's visible outputs, depth and residents' satisfaction; 0 under a veto.
    for (const auto& blk : g_.blocks()) {
      for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
        const auto s = slot(blk, c);
        fb.assessed[c] = (1.0F - st.omega) * st.depth_reward * at(Field::depth, s) +
                         st.omega * satisfaction_[s];
      }
    }
    for (std::int32_t u = 0; u < ng_; ++u) {
      const float h = (st.visible_reward + st.deadline_reward * mandated_[u]) * visible_[u] +
                      st.depth_reward * j_depth_[u];
      fb.assessed[u] =
          vetoed_[u] != 0 ? 0.0F : (1.0F - st.omega) * h + st.omega * j_satisfaction_[u];
    }
  }
}

}  // namespace pdlab::gov
