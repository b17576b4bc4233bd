// The adoption process of one policy: promotion by adopting superiors, scripted events,
// deadlines and quotas, pilots and their evaluation, stages, reversals and readmission to the
// risk set (docs/model.md §7.2-7.5, 7.10).
#include "sim/adoption_process.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pdlab::sim {

// Deadline a subordinate inherits from the mandate it is under, if any.
std::int32_t AdoptionProcess::inherited_deadline(std::int32_t j, std::int32_t t) const {
  const std::int32_t p = h_.parent(j);
  if (p < 0) {
    return kNever;
  }
  std::int32_t d = kNever;
  if (active(p, t + 1) && mode_[p] == Mode::mandate) {
    d = mode_deadline_[p];
  }
  if (ev_issue_[p] <= t) {
    d = std::min(d, ev_deadline_[p]);
  }
  return d;
}

void AdoptionProcess::set_mode(std::int32_t j, Mode mode, std::int32_t t, std::int32_t deadline) {
  // A superior that stops piloting before its evaluation (a promote event, or adopting again
  // after a reversal) confirms the pilots it still has: they adopt in full now.
  if (mode_[j] == Mode::pilot) {
    for (auto r : pilot_records_[j]) {
      auto& rec = (*out_)[r];
      if (rec.full_period == kNever && rec.rev_period == kNever) {
        rec.full_period = t;
        ps_->changed.push_back(r);
        schedule_stage(r, t);
      }
    }
    pilot_records_[j].clear();
    pilot_start_[j].clear();
    pilot_group_[j].clear();
  }
  mode_[j] = mode;
  mode_issue_[j] = t;
  mode_deadline_[j] = kNever;
  if (mode == Mode::mandate) {
    std::int32_t d = deadline != kNever ? deadline : t + sc_.promotion.mandate_deadline;
    const std::int32_t up = inherited_deadline(j, t);
    if (up != kNever) {
      d = std::min(d, up - sc_.vertical.deadline_tightening);
    }
    d = std::max(d, t + 1);
    mode_deadline_[j] = d;
    if (d < periods_) {
      deadline_bucket_[d].push_back(j);
    }
  } else if (mode == Mode::pilot) {
    designate_pilots(j, t);
  }
}

void AdoptionProcess::designate_pilots(std::int32_t j, std::int32_t t) {
  std::vector<std::pair<double, std::int32_t>> ranked;
  for (std::int32_t c = h_.first_child(j); c < h_.end_child(j); ++c) {
    // A child without the policies this one requires is not a candidate (docs/model.md 7.1).
    if (t_adopt_[c] != kNever || !adoptable(c) || !at_risk(c, t) || (links_ && gated(c, t))) {
      continue;
    }
    double score = 0;
    switch (sc_.promotion.pilot_rule) {
      case PilotRule::capacity: score = m_.capacity(c); break;
      case PilotRule::need: score = m_.need(c); break;
      case PilotRule::random: score = draw(t, c, Draw::pilot); break;
      case PilotRule::score: score = m_.pilot_score(c); break;
    }
    ranked.emplace_back(-score, c);
  }
  const auto k =
      std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(sc_.promotion.pilot_k));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), ranked.end());
  for (std::size_t i = 0; i < k; ++i) {
    next_pilots_.push_back(ranked[i].second);
  }
  pilot_records_[j].clear();
  pilot_start_[j].clear();
  pilot_group_[j].clear();
  if (fb_pilots_) {
    pending_starts_.push_back(j);
    if (assessed_ != nullptr) {
      record_pilot_starts(t);
    }
  }
  ++pilot_round_[j];
  const std::int64_t eval = std::int64_t{t} + 1 + sc_.promotion.pilot_delay;
  mode_deadline_[j] = eval < kNever ? static_cast<std::int32_t>(eval) : kNever;
  if (eval < periods_) {
    eval_bucket_[eval].push_back(j);
  }
}

void AdoptionProcess::scripted(const CompiledEvent& ev, std::int32_t t) {
  std::visit(Overloaded{
                 [&](const AdoptEvent& e) {
                   for (auto u : e.units) {
                     adopt(u, Channel::event, t, false, e.mode, e.deadline);
                   }
                 },
                 [&](const PromoteEvent& e) {
                   for (auto u : e.units) {
                     if (t_adopt_[u] != kNever && u < slots_ && slot_rev_[u] == kNever) {
                       set_mode(u, e.mode, t, e.deadline);
                     }
                   }
                 },
                 [](const SetEvent&) {},  // hazard epochs (begin_period) or governance
                 [&](const ReverseEvent& e) {
                   for (auto u : e.units) {
                     const std::int32_t r = ps_->rec_of[u];
                     // A reversal already scheduled later is brought forward; one due now happens
                     // anyway.
                     if (r >= 0 && (*out_)[r].rev_period > t && t_adopt_[u] != kNever) {
                       auto& rec = (*out_)[r];
                       ps_->changed.push_back(r);  // the governance layer follows the new date
                       rec.rev_period = t;
                       if (rec.inst_period > t) {
                         rec.inst_period = kNever;
                       }
                       reverse(r, t);
                       if (sc_.stages.readopt) {
                         readmit_later_.push_back(u);  // not at risk in this period's sweep
                       }
                     }
                   }
                 },
                 // Restructuring acts on every policy (restructure(), from the model's schedule).
                 [](const AbolishEvent&) {},
                 [](const ReestablishEvent&) {},
                 [](const MergeEvent&) {},
                 [](const SplitEvent&) {},
                 [&](const MandateEvent& e) {
                   const int lp = e.target_level - 1;
                   const int li = h_.level(e.issuer);
                   for (std::int32_t u = h_.level_begin(lp);
                        u < h_.level_begin(lp + 1) && u < slots_; ++u) {
                     if (h_.n_children(u) > 0 && h_.ancestor_at(u, li) == e.issuer) {
                       ev_issue_[u] = t;
                       ev_deadline_[u] = e.deadline;
                       ev_compliance_[u] = static_cast<float>(e.compliance);
                       if (e.deadline < periods_) {
                         deadline_bucket_[e.deadline].push_back(u);
                       }
                     }
                   }
                   for (const auto& q : e.quotas) {
                     quotas_.push_back({&e, &q});
                   }
                 },
             },
             ev.action);
}

void AdoptionProcess::deadlines(std::int32_t t) {
  for (auto p : deadline_bucket_[t]) {
    double compliance = -1;
    if (ev_deadline_[p] == t && ev_issue_[p] <= t) {
      compliance = ev_compliance_[p];
    }
    if (mode_[p] == Mode::mandate && mode_deadline_[p] == t && active(p, t + 1)) {
      compliance = std::max(compliance, sc_.promotion.compliance);
    }
    if (compliance < 0) {
      continue;
    }
    for (std::int32_t c = h_.first_child(p); c < h_.end_child(p); ++c) {
      if (t_adopt_[c] == kNever && draw(t, c, Draw::compliance) < compliance &&
          !(links_ && gated(c, t))) {
        candidates_.push_back({c, Channel::mandate_deadline});
      }
    }
  }
}

void AdoptionProcess::quotas(std::int32_t t) {
  for (const auto& aq : quotas_) {
    if (aq.quota->period != t) {
      continue;
    }
    const int lt = aq.event->target_level;
    for (auto region : aq.quota->regions) {
      const int lr = h_.level(region);
      std::int64_t total = 0;
      std::int64_t adopted = 0;
      std::vector<std::pair<double, std::int32_t>> open;
      for (std::int32_t u = h_.level_begin(lt); u < h_.level_begin(lt + 1); ++u) {
        // (Units the policy cannot reach, by level or type, are not in the quota's base.)
        if (h_.ancestor_at(u, lr) != region || !at_risk(u, t) || !adoptable(u)) {
          continue;
        }
        ++total;
        if (t_adopt_[u] != kNever) {
          ++adopted;
        } else if (!(links_ && gated(u, t))) {  // a quota cannot force a missing prerequisite
          open.emplace_back(draw(t, u, Draw::quota), u);
        }
      }
      const auto target =
          static_cast<std::int64_t>(std::ceil(aq.quota->share * static_cast<double>(total) - 1e-9));
      const std::int64_t need =
          std::min<std::int64_t>(target - adopted, static_cast<std::int64_t>(open.size()));
      if (need <= 0) {
        continue;
      }
      std::partial_sort(open.begin(), open.begin() + need, open.end());
      for (std::int64_t k = 0; k < need; ++k) {
        adopt(open[k].second, Channel::quota, t, false, Mode::none, kNever);
      }
    }
  }
}

// The starts of superior j's pilots: each pilot's assessed outcome, and that of each of the
// superior's comparable non-pilots (its children at risk that neither run the model nor were
// designated with them), before the pilots ran the model. Taken when the superior designates
// the pilots, or, where it sees no outcome yet then (the run's first `lag` periods), at the first
// period it does: the outcomes it sees are `lag` periods old, so from no later than the
// designation (the pilots adopt the period after). A superior whose pilots have not yet adopted
// finds them among next_pilots_. The comparison group is fixed here: at the evaluation the
// same units are compared (those that still exist), whatever they did since.
void AdoptionProcess::record_pilot_starts(std::int32_t t) {
  std::vector<std::int32_t> pilots;
  for (const auto j : pending_starts_) {
    if (mode_[j] != Mode::pilot || !pilot_start_[j].empty()) {
      continue;  // stopped piloting, or already recorded
    }
    pilots.clear();
    for (const auto r : pilot_records_[j]) {
      pilots.push_back((*out_)[r].unit);
    }
    if (pilots.empty()) {
      for (const auto c : next_pilots_) {
        if (h_.parent(c) == j) {
          pilots.push_back(c);
        }
      }
    }
    for (const auto u : pilots) {
      pilot_start_[j].emplace_back(u, static_cast<double>(state_->feedback.value(assessed_, u)));
    }
    pilot_group_[j].clear();
    for (std::int32_t c = h_.first_child(j); c < h_.end_child(j); ++c) {
      if (t_adopt_[c] == kNever && at_risk(c, t) &&
          std::find(pilots.begin(), pilots.end(), c) == pilots.end()) {
        pilot_group_[j].emplace_back(c, static_cast<double>(state_->feedback.value(assessed_, c)));
      }
    }
  }
  pending_starts_.clear();
}

// A pilot's improvement as its superior measures it, a difference in differences: the change
// since its start (record_pilot_starts) of its realised outcomes under the superior's assessment
// weights (the governance layer's `assessed` signal), less the mean change of the comparison
// group fixed at the start (its members that still exist; none left, or none at the start: the
// pilot's own change), plus measurement noise. NaN for a pilot whose start was not recorded (a
// pilot inherited through a restructuring): evaluations() judges it as without outcome feedback.
double AdoptionProcess::improvement(std::int32_t p, const Adoption& pilot, std::int32_t t) const {
  double start = std::nan("");
  for (const auto& [unit, value] : pilot_start_[p]) {
    if (unit == pilot.unit) {
      start = value;
    }
  }
  if (std::isnan(start)) {
    return start;
  }
  double change = 0;
  double n = 0;
  for (const auto& [unit, value] : pilot_group_[p]) {
    if (at_risk(unit, t)) {
      change += static_cast<double>(state_->feedback.value(assessed_, unit)) - value;
      n += 1;
    }
  }
  const double group = n > 0 ? change / n : 0.0;
  const auto w =
      rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(pilot.unit),
                 static_cast<std::uint32_t>(pol_), Draw::evaluation);
  // Box-Muller: one standard normal from two uniforms.
  const double z = std::sqrt(-2.0 * std::log(Rng::to_open_unit(w[0], w[1]))) *
                   std::cos(6.283185307179586 * Rng::to_open_unit(w[2], w[3]));
  return static_cast<double>(state_->feedback.value(assessed_, pilot.unit)) - start - group +
         sc_.governance.feedback.evaluation_noise * z;
}

// Pilot evaluations due in period t. Without outcome feedback a pilot succeeds by a draw
// (pilot_success). With it, every pilot due is measured first (improvement()); a pilot passes
// when its improvement exceeds evaluation_threshold and evaluation_relative times the mean
// improvement of the pilots evaluated with it: superiors hold up pilots that stand out. A superior
// scales up when enough of its pilots pass; otherwise it pilots again (promotion.pilot_rounds) or
// falls back to endorsement.
void AdoptionProcess::evaluations(std::int32_t t) {
  auto& due = eval_bucket_[t];
  due.erase(std::remove_if(
                due.begin(), due.end(),
                [&](std::int32_t p) { return mode_[p] != Mode::pilot || mode_deadline_[p] != t; }),
            due.end());
  const bool outcomes = assessed_ != nullptr;
  double bar = -std::numeric_limits<double>::infinity();
  measured_.clear();
  if (outcomes) {
    double total = 0;
    double n = 0;
    for (auto p : due) {
      for (auto r : pilot_records_[p]) {
        const auto& rec = (*out_)[r];
        // Not reversed while a pilot, nor confirmed by a restructuring (take_over).
        const bool open = rec.rev_period == kNever && rec.full_period == kNever;
        measured_.push_back(open ? improvement(p, rec, t) : 0.0);
        const bool counted = open && !std::isnan(measured_.back());
        total += counted ? measured_.back() : 0.0;
        n += counted ? 1.0 : 0.0;
      }
    }
    const auto& f = sc_.governance.feedback;
    bar = std::max(f.evaluation_threshold, f.evaluation_relative * (n > 0 ? total / n : 0.0));
  }
  std::size_t next = 0;
  for (auto p : due) {
    std::size_t ok = 0;
    const auto& recs = pilot_records_[p];
    for (auto r : recs) {
      auto& rec = (*out_)[r];
      const double y = outcomes ? measured_[next++] : 0.0;
      if (rec.rev_period != kNever) {  // reversed by an event while a pilot
        continue;
      }
      if (rec.full_period != kNever) {  // confirmed by a restructuring (take_over): a success
        ++ok;
        continue;
      }
      ps_->changed.push_back(r);
      // (a pilot whose start was not seen, y NaN, is judged as without outcome feedback)
      const bool pass =
          outcomes && !std::isnan(y) ? y > bar : rec.quality >= 1.0 - sc_.promotion.pilot_success;
      if (pass) {
        ++ok;
        rec.full_period = t;
        schedule_stage(r, t);
      } else {
        rec.rev_period = t;
        reverse(r, t);
        if (sc_.stages.readmit_pilots) {
          readmit(rec.unit, t);
        }
      }
    }
    if (!active(p, t + 1)) {
      continue;
    }
    // A unit whose tier is abolished is no longer a government (docs/model.md 7.13): its pilots
    // are judged, but it designates no new ones and issues no scale-up mandate.
    if (gate_abolished_ && !at_risk(p, t)) {
      set_mode(p, Mode::none, t, kNever);
      continue;
    }
    const bool scale_up =
        !recs.empty() && static_cast<double>(ok) >=
                             sc_.promotion.scale_up_threshold * static_cast<double>(recs.size());
    if (scale_up) {
      set_mode(p, Mode::mandate, t, t + sc_.promotion.scale_up_deadline);
    } else if (pilot_round_[p] < sc_.promotion.pilot_rounds) {
      set_mode(p, Mode::pilot, t, kNever);  // pilot again with other (or readmitted) children
    } else {
      set_mode(p, Mode::endorse, t, kNever);
    }
  }
}

// Schedules institutionalisation or reversal of record r, adopted in full at `from`.
void AdoptionProcess::schedule_stage(std::int32_t r, std::int32_t from) {
  auto& rec = (*out_)[r];
  const auto& st = sc_.stages;
  const std::int64_t inst =
      st.institutionalise_after > 0 ? std::int64_t{from} + st.institutionalise_after : kNever;
  std::int64_t rev = kNever;
  if (st.reversal_rate > 0) {
    const double u = draw(from, rec.unit, Draw::reversal);
    const double w =
        st.reversal_rate >= 1 ? 1.0 : std::ceil(std::log(u) / std::log1p(-st.reversal_rate));
    rev = std::int64_t{from} + static_cast<std::int64_t>(std::max(1.0, std::min(w, 1e9)));
  }
  if (rev < inst && rev < periods_) {
    rec.rev_period = static_cast<std::int32_t>(rev);
    rev_bucket_[rec.rev_period].push_back(r);
  } else if (inst < periods_) {
    rec.inst_period = static_cast<std::int32_t>(inst);
  }
}

void AdoptionProcess::reverse(std::int32_t r, std::int32_t t) {
  const auto& rec = (*out_)[r];
  add_exposure(rec.unit, h_.parent(rec.unit), observed(rec.unit, t), -1);
  if (rec.unit < slots_) {
    slot_rev_[rec.unit] = t;
  }
}

void AdoptionProcess::reversals(std::int32_t t) {
  for (auto r : rev_bucket_[t]) {
    // Not already reversed by an event (nor replaced by a later record).
    if ((*out_)[r].rev_period == t && ps_->rec_of[(*out_)[r].unit] == r) {
      reverse(r, t);
      if (sc_.stages.readopt) {
        readmit((*out_)[r].unit, t);
      }
    }
  }
}

// Reform failing on the ground (feedback): each government running the model reverses it
// with the yearly hazard exp(eta) the governance layer computed at the end of the last period.
void AdoptionProcess::failing_reforms(std::int32_t t) {
  if (reversal_ == nullptr) {
    return;
  }
  const float* eta = reversal_;
  const double dt = 1.0 / sc_.calendar.periods_per_year;
  // The hazards were computed `lag` periods ago: of this record only if it had begun then (a
  // unit that adopted again since would be judged on its previous record, without its grace).
  const std::int32_t seen = t - state_->feedback.lag;
  for (std::int32_t u = 0; u < slots_; ++u) {
    if (std::isnan(eta[u]) || t_adopt_[u] == kNever || t_adopt_[u] > seen) {
      continue;
    }
    const std::int32_t r = ps_->rec_of[u];
    auto& rec = (*out_)[r];
    if (rec.rev_period <= t || rec.full_period > t) {  // reversed, or still a pilot
      continue;
    }
    const double hazard = -std::expm1(-dt * std::exp(static_cast<double>(eta[u])));
    if (draw(t, u, Draw::reversal_feedback) < hazard) {
      ps_->changed.push_back(r);
      rec.rev_period = t;
      if (rec.inst_period > t) {
        rec.inst_period = kNever;
      }
      reverse(r, t);
      if (sc_.stages.readopt) {
        readmit(u, t);
      }
    }
  }
}

// Unit j returns to the risk set from t + 1 with a fresh threshold on the generic path.
void AdoptionProcess::readmit(std::int32_t j, std::int32_t t) {
  t_adopt_[j] = kNever;
  const auto e = static_cast<float>(-std::log(draw(t, j, Draw::readmit)));
  std::int32_t g = generic_of_[j];
  if (g < 0) {
    if (readmitted_.empty()) {
      readmitted_.assign(static_cast<std::size_t>(n_), 0);
    }
    readmitted_[j] = 1;  // its old threshold in its parent's list no longer counts
    g = static_cast<std::int32_t>(generic_.size());
    generic_of_[j] = g;
    generic_.push_back(j);
    generic_tau_.push_back(e);
    cumhaz_.push_back(0.0);
    last_eta_.push_back(std::nan(""));
    last_increment_.push_back(0.0);
    if (restructures_ || gate_abolished_) {
      generic_span_.push_back(risk_span(j));
    }
    return;
  }
  generic_tau_[g] = e;
  cumhaz_[g] = 0.0;
  last_eta_[g] = std::nan("");
}

}  // namespace pdlab::sim
