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
    const int own = rs_.begin(v) < t ? stage_at(v, t - 1) : 0;
    if (heir.stage > 0) {
      take_over(v, heir.stage, own, t);
    } else if (own > 0 && heir.inherit != Inherit::none) {
      end_record(v, t);  // e.g. merged with larger units that had not adopted (largest, all)
      if (sc_.stages.readopt) {
        readmit(v, t);
      }
    }
  }
}

// Unit u's stage at the end of t: 0 not active, 1 pilot, 2 adopted, 3 institutionalised.
int AdoptionProcess::stage_at(std::int32_t u, std::int32_t t) const {
  if (!ps_->active_at(u, t)) {
    return 0;
  }
  const auto& rec = (*out_)[ps_->rec_of[u]];
  return rec.full_period > t ? 1 : rec.inst_period <= t ? 3 : 2;
}

// The stage unit v takes over in a merge or split at t (docs/model.md 7.13): the most advanced
// of the sources' (any), the least advanced when every source was active (all), the largest
// source's (largest), v's own (none).
int AdoptionProcess::inherited(const Transition& tr, std::int32_t v, std::int32_t t) const {
  const bool existed = rs_.begin(v) < t;
  const auto stage = [&](std::int32_t u) { return stage_at(u, t - 1); };
  switch (tr.inherit) {
    case Inherit::none: return existed ? stage(v) : 0;
    case Inherit::largest: return stage(tr.largest);
    case Inherit::any: {
      int best = existed ? stage(v) : 0;  // (a part that existed before a split too)
      for (const auto u : tr.from) {
        best = std::max(best, stage(u));
      }
      return best;
    }
    case Inherit::all: {
      int least = existed ? stage(v) : 3;
      for (const auto u : tr.from) {
        least = std::min(least, stage(u));
      }
      return least;
    }
  }
  return 0;
}

// Unit v, in stage `own` at the end of t - 1, takes over an active stage at t: a unit not active
// adopts (channel `inherited`) in that stage; an active one moves up to it if it is more advanced
// than its own. A pilot stays a pilot only under a superior running a pilot programme, whose
// evaluation then judges it; otherwise nobody would judge it, and it is adopted in full.
void AdoptionProcess::take_over(std::int32_t v, int stage, int own, std::int32_t t) {
  const std::int32_t p = h_.parent(v);
  if (own == 0) {
    const bool pilot = stage == 1 && p >= 0 && mode_[p] == Mode::pilot;
    const std::int32_t before = ps_->rec_of[v];
    adopt(v, Channel::inherited, t, pilot, Mode::none, kNever);
    if (stage == 3 && ps_->rec_of[v] != before) {
      institutionalise(ps_->rec_of[v], t);
    }
    return;
  }
  if (stage <= own) {
    return;
  }
  const std::int32_t r = ps_->rec_of[v];
  auto& rec = (*out_)[r];
  if (own == 1) {  // a pilot confirmed: its superior's evaluation passes it by (full_period set)
    ps_->changed.push_back(r);
    rec.full_period = t;
    schedule_stage(r, t);
  }
  if (stage == 3) {
    institutionalise(r, t);
  }
}

// Record r is institutionalised from t: a reversal scheduled later no longer happens.
void AdoptionProcess::institutionalise(std::int32_t r, std::int32_t t) {
  auto& rec = (*out_)[r];
  ps_->changed.push_back(r);
  rec.inst_period = t;
  if (rec.rev_period > t) {
    rec.rev_period = kNever;  // its entry in rev_bucket_ is stale: reversals() skips it
  }
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
