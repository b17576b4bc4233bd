// The adoption process of one policy under restructuring (docs/model.md 7.13): tiers abolished
// and re-established, units that cease (merged, split, or at their exists_until), units born,
// and the adoption state that units taking others over inherit. Every policy follows the same
// schedule, compiled once in the model (Restructuring).
#include "sim/adoption_process.hpp"

#include <algorithm>

namespace pdlab::sim {

// At the start of period t, before anything else of the period: the state inherited is the
// sources' state at the end of t - 1.
void AdoptionProcess::restructure(std::int32_t t) {
  for (const auto u : rs_.abolished_in(t)) {
    if (u < slots_) {
      abolished_[u] = 1;  // its children answer to its parent (sweep_slots)
    }
  }
  for (const auto u : rs_.restored_in(t)) {
    if (u < slots_) {
      abolished_[u] = 0;
    }
  }
  if (!restructures_) {
    return;
  }
  heirs_.clear();
  for (const auto& tr : rs_.transitions_at(t)) {
    for (const auto v : tr.to) {
      heirs_.push_back({v, inherited(tr, v, t), tr.inherit});
    }
  }
  for (const auto u : rs_.ceased_at(t)) {
    cease(u, t);
  }
  for (const auto u : rs_.born_at(t)) {
    if (u > 0) {
      ++alive_kids_[h_.parent(u)];
    }
  }
  for (const auto& heir : heirs_) {
    const std::int32_t v = heir.unit;
    const bool was = rs_.begin(v) < t && ps_->active_at(v, t - 1);
    if (heir.active && !was) {
      adopt(v, Channel::inherited, t, false, Mode::none, kNever);
    } else if (!heir.active && was && heir.inherit != Inherit::none) {
      end_record(v, t);  // e.g. merged with larger units that had not adopted (largest, all)
      if (sc_.stages.readopt) {
        readmit(v, t);
      }
    }
  }
}

// The state unit v takes over in a merge or split at t (docs/model.md 7.13).
bool AdoptionProcess::inherited(const Transition& tr, std::int32_t v, std::int32_t t) const {
  const bool existed = rs_.begin(v) < t;
  const auto on = [&](std::int32_t u) { return ps_->active_at(u, t - 1); };
  switch (tr.inherit) {
    case Inherit::none: return existed && on(v);
    case Inherit::largest: return on(tr.largest);
    case Inherit::any: {
      bool any = existed && tr.to.size() == 1 && on(v);
      for (const auto u : tr.from) {
        any = any || on(u);
      }
      return any;
    }
    case Inherit::all: {
      bool all = !existed || tr.to.size() != 1 || on(v);
      for (const auto u : tr.from) {
        all = all && on(u);
      }
      return all;
    }
  }
  return false;
}

// Unit u ceases at t: an active record ends then (the summaries drop the unit from t on, so
// this is not counted as a reversal), it stops pushing its children, and its peers stop seeing it.
void AdoptionProcess::cease(std::int32_t u, std::int32_t t) {
  if (u > 0) {
    --alive_kids_[h_.parent(u)];
  }
  if (ps_->active_at(u, t - 1)) {
    auto& rec = (*out_)[ps_->rec_of[u]];
    const bool reversing = rec.rev_period <= t;  // a reversal of this period stands
    end_record(u, t);
    rec.ceased = reversing ? 0 : 1;
  }
  if (u < slots_) {
    slot_rev_[u] = std::min(slot_rev_[u], t);
  }
}

// The active record of unit u ends at t (a scheduled later reversal or stage no longer counts).
void AdoptionProcess::end_record(std::int32_t u, std::int32_t t) {
  const std::int32_t r = ps_->rec_of[u];
  auto& rec = (*out_)[r];
  if (rec.rev_period <= t) {
    return;  // already reversing this period (reversals() handles it)
  }
  ps_->changed.push_back(r);  // the governance layer follows the new date
  rec.rev_period = t;
  if (rec.inst_period > t) {
    rec.inst_period = kNever;
  }
  reverse(r, t);
}

}  // namespace pdlab::sim
