// What the governance layer feeds back into adoption (docs/model.md 7.10): the signals of
// period t, which adoption reads `lag` periods later. Local governments and their communities
// write theirs with their block, the units above in the upper pass; each signal is computed
// only when its feedback is on.
#include "sim/governance/runtime.hpp"

#include <cmath>

namespace pdlab::gov {

// The rows of period t of the signals that are on (nullptr for those off).
Runtime::SignalRows Runtime::rows(std::int32_t t, sim::Feedback& fb) const {
  const auto& f = sc_.governance.feedback;
  SignalRows r;
  // (the warm-up's periods < 0 write rows of the ring as well; warm_up() clears them)
  const std::int32_t at = t < 0 ? t % fb.lag + fb.lag : t;
  r.need = f.need ? fb.write(fb.need, at) : nullptr;
  r.escalation = f.escalation ? fb.write(fb.escalation, at) : nullptr;
  r.reversal = f.reversal ? fb.write(fb.reversal, at) : nullptr;
  r.outcome = f.learning ? fb.write(fb.outcome, at) : nullptr;
  r.kid_outcome = f.learning ? fb.write(fb.kid_outcome, at) : nullptr;
  r.assessed = f.pilot_evaluation ? fb.write(fb.assessed, at) : nullptr;
  r.year = year_of(t);
  return r;
}

// The signals of government u (its official's state and its jurisdiction in period t).
PDLAB_INLINE void Runtime::signal(std::int32_t u, std::int32_t t, const SignalRows& r) {
  const auto& f = sc_.governance.feedback;
  // Units from upper_ are local governments (one level).
  const bool here = g_.feedback_at(u < upper_ ? h_.level(u) : g_.local_level());
  if (r.need != nullptr) {
    // A jurisdiction's need: its residents' grievance and its incident rate.
    r.need[u] = here ? static_cast<float>(f.need_grievance) * j_grievance_[u] +
                           static_cast<float>(f.need_incidents) * j_incident_rate_[u]
                     : 0.0F;
  }
  if (r.escalation != nullptr) {
    r.escalation[u] = here && u < upper_ ? j_escalation_[u] : 0.0F;
  }
  if (r.reversal != nullptr) {
    // Reform failing on the ground: missing depth where it arrived, grievance, a veto, a new
    // official; judged once the reform has had reversal_grace to take hold (a roll-out that
    // has not reached most communities yet is not a failure, nor is depth that has not had
    // time to build).
    float eta = std::nanf("");
    if (here && has_official(u, t) && active(u, t) && t - adopted_[u].on >= reversal_grace_) {
      const bool veto = veto_year_[u] >= r.year - 1;  // this year or the last
      const bool new_official = t - last_turnover_[u] < ppy_;
      eta = static_cast<float>(
          f.reversal_intercept + f.reversal_depth * (1.0 - j_adopters_depth_[u]) +
          f.reversal_grievance * j_grievance_[u] + (veto ? f.reversal_veto : 0.0) +
          (new_official ? f.reversal_turnover : 0.0));
    }
    r.reversal[u] = eta;
  }
  if (r.outcome != nullptr) {
    // What peers observe of a government: its visible outputs and its jurisdiction's depth.
    const auto v = static_cast<float>(f.learning_visible);
    r.outcome[u] = (1.0F - v) * j_depth_[u] + v * visible_[u];
  }
  if (r.assessed != nullptr) {
    // Its outcomes as its superior judges a pilot: depth and residents' satisfaction under the
    // superior's own assessment weights (visible outputs show the reform's form, not its
    // outcome); a year in which incidents passed the veto threshold fails.
    const Step& st = g_.step(t);
    r.assessed[u] = (1.0F - st.omega) * st.depth_reward * j_depth_[u] +
                    st.omega * j_satisfaction_[u] - (vetoed_in(u, r.year) ? 1.0F : 0.0F);
  }
}

// The signals of block b's local governments and communities in period t.
void Runtime::feedback_block(std::size_t b, std::int32_t t, sim::Feedback& /*fb*/) {
  const auto& f = sc_.governance.feedback;
  if (!f.any()) {
    return;
  }
  const auto& blk = g_.blocks()[b];
  const SignalRows& r = window_rows(t);  // found once a window: t % lag is a division
  float* outcome = r.outcome;
  float* kid_outcome = r.kid_outcome;
  // The communities' rows were written by the kernel (communities.cpp); the sum of the
  // active ones' depth by local government came with the street sums.
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    signal(g, t, r);
    if (outcome != nullptr) {
      kid_outcome[g] = street_sum(StreetSum::active_depth, g);
      if (g > 0 && active(g, t)) {
        upper_kids(info_[g].parent, t) += outcome[g];
      }
    }
  }
}

// The signals of the units above the blocks in period t (after every block's). Units from
// `signalled` on wrote theirs with their block (feedback_official): here only their outcomes
// go into their parents' sums, in the same order.
void Runtime::feedback_upper(std::int32_t t, std::int32_t signalled, sim::Feedback& /*fb*/) {
  const auto& f = sc_.governance.feedback;
  if (!f.any()) {
    return;
  }
  const SignalRows& r = window_rows(t);
  for (std::int32_t u = upper_ - 1; u >= 0; --u) {  // children before their parents
    const bool own = u < signalled;                 // signals here, not with its block
    if (own) {
      signal(u, t, r);
    }
    if (r.outcome != nullptr) {
      // Children that are local governments added theirs with their block.
      if (own) {
        r.kid_outcome[u] = upper_kids(u, t);
      }
      if (u > 0 && (own ? active(u, t) : upper_active(u, t) != 0)) {
        upper_kids(info_[u].parent, t) += r.outcome[u];
      }
    }
  }
}

// The signals of unit u above the blocks in period t, with its block (run_counties): its
// outcome goes into its parent's sum later (feedback_upper), whether it is active is kept.
void Runtime::feedback_official(std::int32_t u, std::int32_t t) {
  const auto& f = sc_.governance.feedback;
  if (!f.any()) {
    return;
  }
  const SignalRows& r = window_rows(t);
  signal(u, t, r);
  if (r.outcome != nullptr) {
    r.kid_outcome[u] = upper_kids(u, t);
    upper_active(u, t) = active(u, t) ? 1 : 0;
  }
}

}  // namespace pdlab::gov
