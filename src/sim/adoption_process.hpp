// The adoption process of one policy (internal; see adoption.hpp). Exposures in period t use
// the state at the end of t - 1; every adoption, reversal and decision made in t takes effect
// from t + 1.
//
// Hazard (cloglog): a unit adopts in the first period t where its cumulative hazard
// sum_s exp(eta_s) reaches an Exp(1) threshold drawn once; this has exactly the survival
// function prod_s (1 - h_s) of per-period Bernoulli draws with h = 1 - exp(-exp(eta)).
// For a leaf without edge-list peers eta = base_i + c_parent(t), so exp(eta) factorises and
// the unit adopts when the parent's cumulative factor K_p reaches E_i / exp(base_i): its
// children are kept sorted by that threshold and popped, so the cost is per parent and per
// adoption, not per unit and period. Other units (with children, with edges, logit link, a
// policy with prerequisites or boosters, units readmitted to the risk set) accumulate their
// own hazard each period.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/core/rng.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/process.hpp"
#include "sim/state.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace pdlab::sim {

class AdoptionProcess final : public Process {
 public:
  // One process per policy and thread is reused across replicates: its arrays keep their
  // capacity, so later replicates touch no new pages.
  AdoptionProcess(const Model& m, std::int32_t policy, const ObservedStart* observed);

  void init(ReplicateState& state) override;
  void step(std::int32_t t, ReplicateState& state) override;
  void finish(ReplicateState& /*state*/, ReplicateResult& /*out*/) override {}

 private:
  struct Candidate {
    std::int32_t unit;
    Channel channel;
  };
  struct ActiveQuota {
    const MandateEvent* event;
    const CompiledQuota* quota;
  };
  // The exposure terms of a unit's hazard, for the channel that dominated it.
  struct Terms {
    double vertical = 0, horizontal = 0, bottom_up = 0, need = 0, escalation = 0, booster = 0;
  };

  // adoption.cpp: the hazard.
  void reset();
  void replay(std::int32_t t);
  void begin_period(std::int32_t t);
  void rebase(std::int32_t from, std::int32_t to);
  void sweep_slots(std::int32_t t);
  void sweep_generic(std::int32_t t);
  void commit(std::int32_t t);
  static Channel attribute(const Terms& x);
  bool gated(std::int32_t j, std::int32_t t) const;
  double boost(std::int32_t j, std::int32_t t) const;
  void adopt(std::int32_t j, Channel ch, std::int32_t t, bool pilot, Mode forced,
             std::int32_t deadline);
  std::int32_t choose_variant(std::int32_t j, std::int32_t p, std::int32_t t) const;
  Mode choose_mode(std::int32_t j, std::int32_t t) const;
  void add_exposure(std::int32_t j, std::int32_t p, float weight, int sign);
  float observed(std::int32_t j, std::int32_t t) const;
  // adoption_stages.cpp: promotion, events, deadlines, quotas, pilots, stages, reversals.
  void set_mode(std::int32_t j, Mode mode, std::int32_t t, std::int32_t deadline);
  void designate_pilots(std::int32_t j, std::int32_t t);
  std::int32_t inherited_deadline(std::int32_t j, std::int32_t t) const;
  void scripted(const CompiledEvent& e, std::int32_t t);
  void deadlines(std::int32_t t);
  void quotas(std::int32_t t);
  void evaluations(std::int32_t t);
  double improvement(std::int32_t p, const Adoption& pilot, std::int32_t t) const;
  void record_pilot_starts(std::int32_t t);
  void schedule_stage(std::int32_t r, std::int32_t from);
  void reverse(std::int32_t r, std::int32_t t);
  void reversals(std::int32_t t);
  void failing_reforms(std::int32_t t);
  void readmit(std::int32_t j, std::int32_t t);
  // adoption_restructure.cpp: units born, ceasing, merged and split; tiers abolished and
  // re-established (docs/model.md 7.13).
  void restructure(std::int32_t t);
  int stage_at(std::int32_t u, std::int32_t t) const;
  int inherited(const Transition& tr, std::int32_t v, std::int32_t t) const;
  void take_over(std::int32_t v, int stage, int own, std::int32_t t);
  void institutionalise(std::int32_t r, std::int32_t t);
  void cease(std::int32_t u, std::int32_t t);
  void end_record(std::int32_t u, std::int32_t t);
  bool exists(std::int32_t u, std::int32_t t) const { return !restructures_ || rs_.exists(u, t); }
  // Unit u is in the risk set in t (docs/model.md 7.7, 7.13): it exists and its tier is not
  // abolished then (an abolished unit is not a government: no hazard, no adoption by any channel).
  bool at_risk(std::int32_t u, std::int32_t t) const {
    return exists(u, t) && (!gate_abolished_ || rs_.abolished_at(u) > t || t >= rs_.restored_at(u));
  }
  // Children of slot p that exist now (all of them when nothing restructures).
  std::int32_t kids(std::int32_t p) const {
    return restructures_ ? alive_kids_[p] : h_.n_children(p);
  }

  double draw(std::int32_t t, std::int32_t u, Draw d) const {
    return rng_.uniform(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u),
                        static_cast<std::uint32_t>(pol_), d);
  }
  bool active(std::int32_t p, std::int32_t t) const {
    return t_adopt_[p] <= t - 1 && slot_rev_[p] > t - 1;
  }
  double base(std::int32_t u) const {
    return static_cast<double>(m_.base(u, epoch().base)) + sc_.policies[pol_].alpha_shift;
  }
  const HazardEpoch& epoch() const { return m_.epochs(pol_)[epoch_]; }
  static float ramp(std::int32_t t, std::int32_t issue, std::int32_t deadline);
  double own_signal(std::int32_t p, std::int32_t t) const;
  double direct_signal(std::int32_t p, std::int32_t t) const;

  const Model& m_;
  const Hierarchy& h_;
  const Network& net_;
  const Scenario& sc_;
  const Restructuring& rs_;
  bool restructures_ = false;    // some unit does not exist throughout
  bool gate_abolished_ = false;  // some tier is abolished (and the path is followed)
  Rng rng_;
  std::uint32_t rep_ = 0;
  std::int32_t pol_ = 0;
  const ObservedStart* observed_ = nullptr;  // replayed before observed_->start
  std::int32_t n_, slots_, periods_;
  ReplicateState* state_ = nullptr;
  PolicyState* ps_ = nullptr;
  std::vector<Adoption>* out_ = nullptr;
  std::size_t next_event_ = 0;
  std::size_t epoch_ = 0;
  // What feeds back into this policy's adoption (the governance policy only; else all off).
  bool fb_need_ = false, fb_escalation_ = false, fb_reversal_ = false, fb_pilots_ = false,
       fb_learning_ = false;
  bool links_ = false;      // prerequisites or boosters: every unit on the generic path
  std::int32_t from_ = 0;   // the first period the policy exists ([[policy]] from)
  bool all_levels_ = true;  // every level can adopt it ([[policy]] levels)
  bool adoptable(std::int32_t u) const { return all_levels_ || m_.adoptable_unit(pol_, u); }
  // The feedback signals of this period (outcomes of the period `lag` before; null before).
  const float* need_ = nullptr;
  const float* escalation_ = nullptr;
  const float* reversal_ = nullptr;
  const float* outcome_ = nullptr;
  const float* kid_outcome_ = nullptr;
  const float* assessed_ = nullptr;

  // Per unit.
  std::vector<std::int32_t> t_adopt_;
  std::vector<std::pair<float, std::int32_t>> sort_buf_;
  std::vector<std::int32_t> order_;  // fast children of each slot, sorted by tau
  std::vector<float> sorted_tau_;    // tau of order_[c], so the scan reads memory in order
  std::vector<float> ext_adopted_, ext_total_;
  std::vector<std::uint8_t> readmitted_;  // left the fast path (empty until needed)
  // Units reversed by an event this period, readmitted at its end (at risk from t + 1).
  std::vector<std::int32_t> readmit_later_;
  std::vector<std::int32_t> generic_of_;  // index into generic_ (-1 = fast)
  // Generic (non-factorised) units.
  std::vector<std::int32_t> generic_;
  std::vector<float> generic_tau_;
  std::vector<double> cumhaz_, last_eta_, last_increment_;
  // When units restructure: the periods generic unit g is at risk, [begin, end) less
  // [abolished, restored) (at_risk(), read in generic order rather than at the unit).
  struct RiskSpan {
    std::int32_t begin, end, abolished, restored;
  };
  std::vector<RiskSpan> generic_span_;
  RiskSpan risk_span(std::int32_t u) const {
    return {restructures_ ? rs_.begin(u) : 0, restructures_ ? rs_.end(u) : kNever,
            gate_abolished_ ? rs_.abolished_at(u) : kNever,
            gate_abolished_ ? rs_.restored_at(u) : kNever};
  }
  // Per slot (unit with children).
  std::vector<Mode> mode_;
  std::vector<std::int32_t> mode_issue_, mode_deadline_, ev_issue_, ev_deadline_;
  std::vector<float> ev_compliance_;
  std::vector<std::int32_t> active_kids_, slot_rev_, slot_variant_, cursor_, fast_end_;
  // The threshold of the next fast child to adopt (sorted_tau_[cursor_]), per slot: the
  // per-period test reads this small array rather than the children's.
  static constexpr float kNoThreshold = std::numeric_limits<float>::infinity();
  std::vector<float> next_tau_;
  std::vector<std::int32_t> edge_units_;  // units with edge-list peers, in order
  std::vector<std::int32_t> pilot_round_;
  std::vector<std::uint8_t> abolished_;  // tier abolished: pressure passes straight through
  std::vector<float> quality_kids_, pressure_, v_children_, h_children_;
  std::vector<double> k_cum_, last_x_, last_factor_;
  std::vector<std::vector<std::int32_t>> pilot_records_;
  // Per superior, its pilots' assessed outcomes before they ran the model, and those of its
  // comparable non-pilots then (unit, outcome): the baselines of a difference in differences.
  std::vector<std::vector<std::pair<std::int32_t, double>>> pilot_start_, pilot_group_;
  std::vector<std::int32_t> pending_starts_;  // superiors whose pilots' start is not yet taken
  // Schedules.
  std::vector<std::vector<std::int32_t>> deadline_bucket_, eval_bucket_, rev_bucket_;
  std::vector<std::int32_t> next_pilots_;
  std::vector<Candidate> candidates_;
  // Learning: the adopted siblings as (variant, sibling), and each variant's track record.
  mutable std::vector<std::pair<std::int32_t, std::int32_t>> track_;
  mutable std::vector<std::pair<std::int32_t, float>> records_;
  std::vector<ActiveQuota> quotas_;
  std::vector<double> measured_;          // pilots' improvements in the current evaluation
  std::vector<std::int32_t> alive_kids_;  // per slot, when units are born or cease
  struct Heir {
    std::int32_t unit;
    int stage;  // inherited: 0 none, 1 pilot, 2 adopted, 3 institutionalised (stage_at)
    Inherit inherit;
  };
  std::vector<Heir> heirs_;
};

// Inline: read for every government every period.
inline float AdoptionProcess::ramp(std::int32_t t, std::int32_t issue, std::int32_t deadline) {
  if (deadline == kNever || deadline <= issue) {
    return 1.0F;
  }
  return std::clamp(static_cast<float>(t - issue) / static_cast<float>(deadline - issue), 0.0F,
                    1.0F);
}

inline double AdoptionProcess::own_signal(std::int32_t p, std::int32_t t) const {
  if (!active(p, t)) {
    return 0.0;
  }
  const auto& v = epoch().vertical;
  switch (mode_[p]) {
    case Mode::none: return 0.0;
    case Mode::endorse: return v.endorse;
    case Mode::pilot: return v.pilot;
    case Mode::mandate:
      return v.mandate * (1.0 + v.urgency * ramp(t, mode_issue_[p], mode_deadline_[p]));
    case Mode::championship: {
      const auto nc = kids(p);
      return nc > 0 ? v.championship * (1.0 - static_cast<double>(active_kids_[p]) / nc) : 0.0;
    }
  }
  return 0.0;
}

inline double AdoptionProcess::direct_signal(std::int32_t p, std::int32_t t) const {
  if (ev_issue_[p] > t) {
    return 0.0;
  }
  const auto& v = epoch().vertical;
  return v.mandate * (1.0 + v.urgency * ramp(t, ev_issue_[p], ev_deadline_[p]));
}

}  // namespace pdlab::sim
