// The adoption process of one policy: the hazard, its exposures and its channels
// (docs/model.md §7.1-7.3). Promotion, events, pilots and stages are in adoption_stages.cpp.
#include "sim/adoption.hpp"

#include "pdlab/core/exposure.hpp"
#include "sim/adoption_process.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace pdlab {

const char* to_string(Channel c) {
  static const char* names[kChannels] = {
      "spontaneous", "vertical", "horizontal", "bottom_up",        "need",  "escalation",
      "booster",     "event",    "pilot",      "mandate_deadline", "quota", "inherited"};
  return names[static_cast<int>(c)];
}

namespace sim {

AdoptionProcess::AdoptionProcess(const Model& m, std::int32_t policy, const ObservedStart* observed)
    : m_(m),
      h_(m.hierarchy()),
      net_(m.network()),
      sc_(m.scenario()),
      rs_(m.restructuring()),
      restructures_(rs_.changes_units() && m.scenario().stages.follow_restructuring),
      gate_abolished_(rs_.abolishes() && m.scenario().stages.follow_restructuring),
      rng_(sc_.seed),
      pol_(policy),
      observed_(observed),
      n_(h_.size()),
      slots_(m.n_slots()),
      periods_(m.periods()) {
  const auto& f = sc_.governance.feedback;
  if (m.governance() != nullptr && policy == m.governance_policy()) {
    fb_need_ = f.need;
    fb_escalation_ = f.escalation;
    fb_reversal_ = f.reversal;
    fb_pilots_ = f.pilot_evaluation;
    fb_learning_ = f.learning;
  }
  links_ = !m.prerequisites(policy).empty() || !m.boosters(policy).empty();
  from_ = m.policy_from(policy);
  for (int l = 0; l < h_.n_levels(); ++l) {
    all_levels_ = all_levels_ && m.adoptable(policy, l);
  }
  all_levels_ = all_levels_ && !m.typed(policy);
}

void AdoptionProcess::init(ReplicateState& state) {
  rep_ = static_cast<std::uint32_t>(state.replicate);
  state_ = &state;
  ps_ = &state.policies[pol_];
  out_ = &ps_->records;
  out_->clear();
  // At most one record per unit unless failed pilots or reversed units adopt again:
  // reserving (address space only; pages are touched as records are written) avoids regrowth.
  out_->reserve(static_cast<std::size_t>(n_));
  ps_->changed.clear();
  next_event_ = 0;
  epoch_ = 0;
  reset();
}

void AdoptionProcess::step(std::int32_t t, ReplicateState& /*state*/) {
  ps_->changed.clear();
  begin_period(t);
  if (!rs_.empty()) {
    restructure(t);
  }
  if (observed_ != nullptr && t < observed_->start) {
    replay(t);
    return;
  }
  // 1. Pilots designated last period; scripted events.
  std::vector<std::int32_t> pilots;
  pilots.swap(next_pilots_);
  for (auto j : pilots) {
    adopt(j, Channel::pilot, t, true, Mode::none, kNever);
  }
  const auto& events = m_.events();
  while (next_event_ < events.size() && events[next_event_].period <= t) {
    const auto& e = events[next_event_++];
    if (e.policy == pol_ && e.period == t) {
      scripted(e, t);
    }
  }
  // Before the policy exists nothing adopts it and no hazard accrues (validation has refused
  // events that would adopt, promote or reverse it).
  if (t < from_) {
    return;
  }
  // 2-3. Hazard-driven adoptions.
  candidates_.clear();
  sweep_slots(t);
  sweep_generic(t);
  commit(t);
  // 4. Deadlines, quotas, pilot evaluations, reversals (scheduled, and of reforms failing on
  // the ground).
  deadlines(t);
  commit(t);
  quotas(t);
  evaluations(t);
  reversals(t);
  failing_reforms(t);
  for (const std::int32_t u : readmit_later_) {
    readmit(u, t);
  }
  readmit_later_.clear();
}

// Before an observed start: the observed adoptions of period t, and nothing else (the record
// stands for the scripted events and pilots of those periods).
void AdoptionProcess::replay(std::int32_t t) {
  const auto& events = m_.events();
  while (next_event_ < events.size() && events[next_event_].period <= t) {
    ++next_event_;
  }
  next_pilots_.clear();
  if (static_cast<std::size_t>(pol_) >= observed_->adoptions.size()) {
    return;
  }
  for (const auto& e : observed_->adoptions[pol_]) {
    if (e.period == t) {
      adopt(e.unit, Channel::event, t, false, Mode::none, kNever);
    }
  }
}

void AdoptionProcess::reset() {
  t_adopt_.assign(n_, kNever);
  ps_->rec_of.assign(n_, -1);
  order_.assign(n_, -1);
  sorted_tau_.resize(n_);
  readmitted_.clear();
  readmit_later_.clear();
  const std::int32_t s = slots_;
  mode_.assign(s, Mode::none);
  mode_issue_.assign(s, kNever);
  mode_deadline_.assign(s, kNever);
  ev_issue_.assign(s, kNever);
  ev_deadline_.assign(s, kNever);
  ev_compliance_.assign(s, 1.0F);
  active_kids_.assign(s, 0);
  slot_rev_.assign(s, kNever);
  abolished_.assign(s, 0);
  if (restructures_) {
    alive_kids_.assign(s, 0);
    for (std::int32_t u = 1; u < n_; ++u) {
      if (rs_.exists(u, 0) && h_.parent(u) < s) {
        ++alive_kids_[h_.parent(u)];
      }
    }
  }
  slot_variant_.assign(s, 0);
  pilot_round_.assign(s, 0);
  cursor_.assign(s, 0);
  fast_end_.assign(s, 0);
  next_tau_.assign(s, kNoThreshold);
  quality_kids_.assign(s, 0.0F);
  pressure_.assign(s, 0.0F);
  v_children_.assign(s, 0.0F);
  h_children_.assign(s, 0.0F);
  k_cum_.assign(s, 0.0);
  last_x_.assign(s, std::nan(""));
  last_factor_.assign(s, 0.0);
  pilot_records_.resize(s);
  for (auto& v : pilot_records_) {
    v.clear();
  }
  pilot_start_.resize(s);
  pilot_group_.resize(s);
  for (auto& v : pilot_start_) {
    v.clear();
  }
  for (auto& v : pilot_group_) {
    v.clear();
  }
  pending_starts_.clear();
  for (auto* buckets : {&deadline_bucket_, &eval_bucket_, &rev_bucket_}) {
    buckets->resize(periods_);
    for (auto& v : *buckets) {
      v.clear();
    }
  }
  generic_.clear();
  next_pilots_.clear();
  candidates_.clear();
  quotas_.clear();
  if (!net_.empty()) {
    ext_adopted_.assign(n_, 0.0F);
    ext_total_.assign(n_, 0.0F);
    edge_units_.clear();
    const std::vector<double> in = net_.in_weights();  // a unit's peers: its incoming edges
    for (std::int32_t u = 0; u < n_; ++u) {
      if (!net_.neighbours(u).empty()) {
        edge_units_.push_back(u);
      }
      ext_total_[u] = static_cast<float>(in[u] * sc_.adoption.edge_weight);
    }
  }
  // Thresholds: fast units' scaled thresholds go to sorted_tau_[u] (u lies in its parent's
  // child range, which the sort below rewrites in place); generic units' to generic_tau_.
  generic_tau_.clear();
  generic_of_.assign(n_, -1);
  for (std::int32_t u = 0; u < n_; ++u) {
    // Units of levels where the policy cannot be adopted never reach their threshold (draws
    // are counter-based: skipping one leaves the others as they were).
    const double e = adoptable(u) ? -std::log(draw(0, u, Draw::threshold))  // Exp(1)
                                  : std::numeric_limits<double>::infinity();
    if (m_.fast(u) && !links_) {
      sorted_tau_[u] = static_cast<float>(e / std::exp(base(u)));
    } else {
      generic_of_[u] = static_cast<std::int32_t>(generic_.size());
      generic_tau_.push_back(static_cast<float>(e));
      generic_.push_back(u);
    }
  }
  cumhaz_.assign(generic_.size(), 0.0);
  last_eta_.assign(generic_.size(), std::nan(""));
  last_increment_.assign(generic_.size(), 0.0);
  generic_span_.clear();
  if (restructures_ || gate_abolished_) {
    for (const std::int32_t u : generic_) {
      generic_span_.push_back(risk_span(u));
    }
  }
  for (std::int32_t p = 0; p < s; ++p) {
    const std::int32_t b = h_.first_child(p);
    sort_buf_.clear();
    for (std::int32_t c = b; c < h_.end_child(p); ++c) {
      if (generic_of_[c] < 0) {
        sort_buf_.emplace_back(sorted_tau_[c], c);
      }
    }
    std::sort(sort_buf_.begin(), sort_buf_.end());
    const auto k = b + static_cast<std::int32_t>(sort_buf_.size());
    for (std::int32_t c = b; c < k; ++c) {
      sorted_tau_[c] = sort_buf_[c - b].first;
      order_[c] = sort_buf_[c - b].second;
    }
    cursor_[p] = b;
    fast_end_[p] = k;
    next_tau_[p] = b < k ? sorted_tau_[b] : kNoThreshold;
  }
}

// Hazard weights of the new period (set events), and what peers observed of each other at the
// end of the last one (learning).
void AdoptionProcess::begin_period(std::int32_t t) {
  const auto& epochs = m_.epochs(pol_);
  while (epoch_ + 1 < epochs.size() && epochs[epoch_ + 1].period <= t) {
    const std::int32_t from = epochs[epoch_].base;
    ++epoch_;
    if (epochs[epoch_].base != from) {
      rebase(from, epochs[epoch_].base);
    }
  }
  const auto& fb = state_->feedback;
  need_ = fb_need_ ? fb.read(fb.need, t) : nullptr;
  escalation_ = fb_escalation_ ? fb.read(fb.escalation, t) : nullptr;
  reversal_ = fb_reversal_ ? fb.read(fb.reversal, t) : nullptr;
  outcome_ = fb_learning_ ? fb.read(fb.outcome, t) : nullptr;
  kid_outcome_ = fb_learning_ ? fb.read(fb.kid_outcome, t) : nullptr;
  assessed_ = fb_pilots_ ? fb.read(fb.assessed, t) : nullptr;
  if (assessed_ != nullptr && !pending_starts_.empty()) {
    record_pilot_starts(t);
  }
  if (kid_outcome_ != nullptr) {
    // Peers are weighed by what is observed of them (new adopters show nothing yet).
    for (std::int32_t p = 0; p < slots_; ++p) {
      quality_kids_[p] = kid_outcome_[p];
    }
    if (!ext_adopted_.empty()) {
      // Only edge-list neighbours are ever non-zero.
      for (const std::int32_t u : edge_units_) {
        for (const std::int32_t v : net_.neighbours(u)) {
          ext_adopted_[v] = 0.0F;
        }
      }
      for (const std::int32_t u : edge_units_) {
        if (ps_->active_at(u, t - 1)) {
          add_exposure(u, -1, state_->feedback.value(outcome_, u), +1);
        }
      }
    }
  }
}

// The static part of the exponent changed at this period: a fast unit not yet adopted has
// accumulated exp(b_old) K_p so far and accumulates exp(b_new) from now on, so it adopts when
// K_p reaches K_p(now) + (tau - K_p(now)) exp(b_old - b_new). Its parent's list is re-sorted.
void AdoptionProcess::rebase(std::int32_t from, std::int32_t to) {
  for (std::int32_t p = 0; p < slots_; ++p) {
    const std::int32_t c0 = cursor_[p];
    const std::int32_t c1 = fast_end_[p];
    if (c0 >= c1) {
      continue;
    }
    const double k = k_cum_[p];
    sort_buf_.clear();
    for (std::int32_t c = c0; c < c1; ++c) {
      const std::int32_t u = order_[c];
      const double ratio =
          std::exp(static_cast<double>(m_.base(u, from)) - static_cast<double>(m_.base(u, to)));
      const double tau = k + (static_cast<double>(sorted_tau_[c]) - k) * ratio;
      sort_buf_.emplace_back(static_cast<float>(std::min(tau, 3.0e38)), u);
    }
    std::sort(sort_buf_.begin(), sort_buf_.end());
    for (std::int32_t c = c0; c < c1; ++c) {
      sorted_tau_[c] = sort_buf_[c - c0].first;
      order_[c] = sort_buf_[c - c0].second;
    }
    next_tau_[p] = sorted_tau_[c0];
  }
}

// The channel of an adoption: the cause with the largest probability of causation. With
// positive exposure terms x_k (sum S) the hazard is exp(S) times the spontaneous one, so the
// share of the hazard the spontaneous rate explains is exp(-S); the rest is shared among the
// terms in proportion to x_k. The channel is the term with the largest share, or
// "spontaneous" (intercept and covariates) when exp(-S) is larger (docs/model.md 7.1).
Channel AdoptionProcess::attribute(const Terms& x) {
  const std::pair<double, Channel> terms[] = {
      {x.vertical, Channel::vertical},     {x.horizontal, Channel::horizontal},
      {x.bottom_up, Channel::bottom_up},   {x.need, Channel::need},
      {x.escalation, Channel::escalation}, {x.booster, Channel::booster}};
  double total = 0;
  double best = 0;
  Channel c = Channel::spontaneous;
  for (const auto& [v, ch] : terms) {
    if (v > 0) {
      total += v;
      if (v > best) {
        best = v;
        c = ch;
      }
    }
  }
  if (total <= 0) {
    return Channel::spontaneous;
  }
  const double spontaneous = std::exp(-total);
  return (1.0 - spontaneous) * best / total > spontaneous ? c : Channel::spontaneous;
}

// Prerequisites: whether another policy this one needs is not yet active (at the end of the
// last period) in the unit or its superior.
bool AdoptionProcess::gated(std::int32_t j, std::int32_t t) const {
  const std::int32_t p = h_.parent(j);
  for (const auto& link : m_.prerequisites(pol_)) {
    const auto& other = state_->policies[link.policy];
    if (!other.active_at(j, t - 1) && (p < 0 || !other.active_at(p, t - 1))) {
      return true;
    }
  }
  return false;
}

double AdoptionProcess::boost(std::int32_t j, std::int32_t t) const {
  const std::int32_t p = h_.parent(j);
  double b = 0;
  for (const auto& link : m_.boosters(pol_)) {
    const auto& other = state_->policies[link.policy];
    if (other.active_at(j, t - 1) || (p >= 0 && other.active_at(p, t - 1))) {
      b += link.weight;
    }
  }
  return b;
}

void AdoptionProcess::sweep_slots(std::int32_t t) {
  const auto& a = sc_.adoption;
  const auto& ep = epoch();
  const double sw = a.sibling_weight > 0 ? 1.0 : 0.0;
  for (std::int32_t p = 0; p < slots_; ++p) {
    const std::int32_t nc = kids(p);
    if (nc == 0) {
      continue;
    }
    const std::int32_t pp = h_.parent(p);
    // An abolished tier is no longer a government: its children answer to its parent.
    const double pr = abolished_[p] != 0
                          ? (pp >= 0 ? static_cast<double>(pressure_[pp]) : 0.0)
                          : exposure::vertical(own_signal(p, t), pp >= 0 ? pressure_[pp] : 0.0,
                                               ep.vertical.attenuation);
    pressure_[p] = static_cast<float>(pr);
    const double v = pr + direct_signal(p, t);
    const double adopted = a.success_weighted ? static_cast<double>(quality_kids_[p])
                                              : static_cast<double>(active_kids_[p]);
    // Leaves on this path have no edge-list peers: H is the share of siblings adopted.
    const double hs = exposure::horizontal(adopted, nc - 1, 0.0, 0.0, sw, 0.0);
    v_children_[p] = static_cast<float>(v);
    h_children_[p] = static_cast<float>(hs);
    if (cursor_[p] >= fast_end_[p]) {
      continue;
    }
    const double gv = ep.gamma_vertical * v;
    double gh = ep.gamma_horizontal * hs;
    if (ep.gamma_vh != 0.0) {
      gh += ep.gamma_vh * v * hs;  // a superior's push unlocks peer copying
    }
    // Exposures change rarely between periods: reuse exp() of an unchanged exponent.
    // The epoch's shift is 0 unless an event set adoption.alpha_shift or the policy has a
    // trend or a profile; adding 0 changes no bits.
    const double x = gv + gh + ep.shift;
    if (x != last_x_[p]) {
      last_x_[p] = x;
      last_factor_[p] = std::exp(x);
    }
    k_cum_[p] += last_factor_[p];
    const auto kp = static_cast<float>(std::min(k_cum_[p], 3.0e38));
    if (kp < next_tau_[p]) {
      continue;  // the common case, decided without touching the children's arrays
    }
    std::int32_t c = cursor_[p];
    while (c < fast_end_[p] && sorted_tau_[c] <= kp) {
      const std::int32_t j = order_[c++];
      if (t_adopt_[j] == kNever && (readmitted_.empty() || readmitted_[j] == 0)) {
        Terms x_j;
        x_j.vertical = gv;
        x_j.horizontal = gh;
        x_j.need = ep.gamma_need * m_.need(j);
        candidates_.push_back({j, attribute(x_j)});
      }
    }
    cursor_[p] = c;
    next_tau_[p] = c < fast_end_[p] ? sorted_tau_[c] : kNoThreshold;
  }
}

void AdoptionProcess::sweep_generic(std::int32_t t) {
  const auto& a = sc_.adoption;
  const auto& ep = epoch();
  const bool logit = a.link == Link::logit;
  const double sw = a.sibling_weight;
  const double ew = a.edge_weight;
  const double esc_weight = sc_.governance.feedback.escalation_hazard;
  const bool spans = !generic_span_.empty();
  for (std::size_t g = 0; g < generic_.size(); ++g) {
    const std::int32_t j = generic_[g];
    if (spans) {
      // at_risk(j, t), from the generic unit's own row (no read at the unit).
      const RiskSpan& r = generic_span_[g];
      if (t < r.begin || t >= r.end || (r.abolished <= t && t < r.restored)) {
        continue;  // not (yet, or any longer) a unit or a government: no hazard
      }
    }
    if (t_adopt_[j] != kNever) {
      continue;  // adopted
    }
    if (links_ && gated(j, t)) {
      continue;  // a prerequisite is missing: the hazard is zero
    }
    const std::int32_t p = h_.parent(j);
    double v = 0;
    double siblings_adopted = 0;
    double n_siblings = 0;
    if (p >= 0) {
      v = v_children_[p];
      siblings_adopted = a.success_weighted ? static_cast<double>(quality_kids_[p])
                                            : static_cast<double>(active_kids_[p]);
      n_siblings = kids(p) - 1;
    }
    const bool edges = !ext_total_.empty();
    const double hx =
        exposure::horizontal(siblings_adopted, n_siblings, edges ? ext_adopted_[j] : 0.0,
                             edges ? ext_total_[j] : 0.0, sw, ew);
    // Leaves (readmitted, or on this path for their policy links) have no children to learn
    // from, and no slot.
    const double u = j < slots_ ? exposure::bottom_up(active_kids_[j], kids(j)) : 0.0;
    Terms x;
    x.vertical = ep.gamma_vertical * v;
    x.horizontal = ep.gamma_horizontal * hx;
    if (ep.gamma_vh != 0.0) {
      x.horizontal += ep.gamma_vh * v * hx;
    }
    x.bottom_up = ep.gamma_bottom_up * u;
    double eta = base(j) + x.vertical + x.horizontal + x.bottom_up + ep.shift;
    if (links_) {
      x.booster = boost(j, t);
      eta += x.booster;
    }
    x.need = ep.gamma_need * m_.need(j);
    // Only governments have need and escalation rows; others' values are 0.
    const bool government = j < state_->feedback.governments;
    if (need_ != nullptr && government) {
      eta += need_[j];
      x.need += need_[j];
    }
    if (escalation_ != nullptr && government) {
      x.escalation = esc_weight * escalation_[j];
      eta += x.escalation;
    }
    if (eta != last_eta_[g]) {
      last_eta_[g] = eta;
      last_increment_[g] = logit ? std::log1p(std::exp(eta)) : std::exp(eta);
    }
    cumhaz_[g] += last_increment_[g];
    if (cumhaz_[g] >= generic_tau_[g]) {
      candidates_.push_back({j, attribute(x)});
    }
  }
}

void AdoptionProcess::commit(std::int32_t t) {
  for (const auto& c : candidates_) {
    adopt(c.unit, c.channel, t, false, Mode::none, kNever);
  }
  candidates_.clear();
}

// What peers observe of adopter j: its quality draw, or with learning its outcome on the
// ground at the end of the last period (a new adopter shows nothing yet).
float AdoptionProcess::observed(std::int32_t j, std::int32_t t) const {
  if (!fb_learning_) {
    const std::int32_t r = ps_->rec_of[j];
    return r >= 0 ? (*out_)[r].quality : 0.0F;
  }
  return outcome_ != nullptr && ps_->active_at(j, t - 1) ? state_->feedback.value(outcome_, j)
                                                         : 0.0F;
}

void AdoptionProcess::adopt(std::int32_t j, Channel ch, std::int32_t t, bool pilot, Mode forced,
                            std::int32_t deadline) {
  if (t_adopt_[j] != kNever || !adoptable(j) || !at_risk(j, t)) {
    return;
  }
  t_adopt_[j] = t;
  const auto r = static_cast<std::int32_t>(out_->size());
  const std::int32_t earlier = ps_->rec_of[j];
  ps_->rec_of[j] = r;
  ps_->changed.push_back(r);
  Adoption rec;
  rec.unit = j;
  rec.period = t;
  rec.policy = static_cast<std::uint8_t>(pol_);
  rec.channel = ch;
  rec.pilot = pilot ? 1 : 0;
  rec.round =
      earlier < 0 ? 0 : static_cast<std::uint8_t>(std::min(254, int{(*out_)[earlier].round}) + 1);
  // A stand-in for implementation quality where outcomes are not modelled: it decides a
  // pilot's evaluation without feedback.pilot_evaluation (and before the first outcomes
  // arrive) and weighs the adopter in success-weighted exposure without feedback.learning.
  rec.quality = static_cast<float>(draw(t, j, Draw::quality));
  const std::int32_t p = h_.parent(j);
  rec.variant = choose_variant(j, p, t);
  // Under a mandate: adopted at its deadline, by a quota, or while the superior (or a scripted
  // mandate) pushed with one.
  rec.mandated =
      ch == Channel::mandate_deadline || ch == Channel::quota ||
              (p >= 0 && ((active(p, t + 1) && mode_[p] == Mode::mandate) || ev_issue_[p] <= t))
          ? 1
          : 0;
  out_->push_back(rec);
  add_exposure(j, p, fb_learning_ ? 0.0F : rec.quality, +1);
  if (pilot) {
    pilot_records_[p].push_back(r);
  } else {
    (*out_)[r].full_period = t;
    schedule_stage(r, t);
  }
  if (j < slots_ && h_.n_children(j) > 0) {
    slot_rev_[j] = kNever;
    slot_variant_[j] = rec.variant;
    const Mode mode = forced != Mode::none ? forced : choose_mode(j, t);
    (*out_)[r].mode = mode;
    set_mode(j, mode, t, deadline);
  }
}

// The variant an adopter runs (docs/model.md 7.3): its active superior's, or under a
// championship (or without an active superior) its own invention with probability
// variant_innovation. With learning, an adopter that does not invent copies the variant of an
// adopted sibling drawn in proportion to what it observes of their outcomes.
std::int32_t AdoptionProcess::choose_variant(std::int32_t j, std::int32_t p, std::int32_t t) const {
  const bool superior = p >= 0 && active(p, t + 1);
  const bool championship = superior && mode_[p] == Mode::championship;
  if (superior && !championship) {
    return slot_variant_[p];
  }
  if (championship) {
    const auto w = rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(j),
                              static_cast<std::uint32_t>(pol_), Draw::variant);
    if (Rng::to_open_unit(w[0], w[1]) < sc_.promotion.variant_innovation) {
      return j;
    }
    if (!fb_learning_) {
      return slot_variant_[p];
    }
  } else if (!fb_learning_ || p < 0 ||
             draw(t, j, Draw::variant) < sc_.promotion.variant_innovation) {
    return j;
  }
  // Learning (Ma 2017: site visits, learning from peers' results): each variant run by an
  // adopted sibling has a track record, the mean outcome observed where it runs; the learner
  // copies a variant with probability proportional to exp(record / learning_temperature). How
  // a variant fits conditions enters only through those outcomes (it runs deeper where it
  // fits, 7.9.2): a variant that fits few places shows a poor record once copied elsewhere.
  if (outcome_ == nullptr) {
    return superior ? slot_variant_[p] : j;
  }
  track_.clear();
  for (std::int32_t c = h_.first_child(p); c < h_.end_child(p); ++c) {
    if (c != j && ps_->active_at(c, t - 1)) {
      track_.emplace_back((*out_)[ps_->rec_of[c]].variant, c);
    }
  }
  if (track_.empty()) {  // no adopted peer yet
    return superior ? slot_variant_[p] : j;
  }
  // By variant, then sibling: each record sums in sibling order (the same bits always).
  std::sort(track_.begin(), track_.end());
  records_.clear();
  for (std::size_t i = 0; i < track_.size();) {
    std::size_t e = i;
    double sum = 0;
    for (; e < track_.size() && track_[e].first == track_[i].first; ++e) {
      sum += static_cast<double>(state_->feedback.value(outcome_, track_[e].second));
    }
    records_.emplace_back(track_[i].first, static_cast<float>(sum / static_cast<double>(e - i)));
    i = e;
  }
  const double tau = sc_.governance.feedback.learning_temperature;
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& [v, record] : records_) {
    best = std::max(best, static_cast<double>(record));
  }
  double total = 0;
  for (const auto& [v, record] : records_) {
    total += std::exp((record - best) / tau);
  }
  double target = draw(t, j, Draw::learning) * total;
  std::int32_t chosen = records_.back().first;  // should rounding leave target above 0
  for (const auto& [v, record] : records_) {
    if ((target -= std::exp((record - best) / tau)) <= 0) {
      chosen = v;
      break;
    }
  }
  return chosen;
}

// The promotion mode of an adopting superior: drawn by the level's weights; with escalation
// feedback, pressure from below tilts it towards a mandate.
Mode AdoptionProcess::choose_mode(std::int32_t j, std::int32_t t) const {
  auto cdf = m_.mode_cdf(h_.level(j));
  if (cdf[3] <= 0) {
    return Mode::none;
  }
  if (escalation_ != nullptr) {
    const double tilt = std::exp(sc_.governance.feedback.escalation_mode * escalation_[j]);
    const double w[4] = {cdf[0], cdf[1] - cdf[0], (cdf[2] - cdf[1]) * tilt, cdf[3] - cdf[2]};
    const double total = w[0] + w[1] + w[2] + w[3];
    cdf = {w[0] / total, (w[0] + w[1]) / total, (w[0] + w[1] + w[2]) / total, 1.0};
  }
  const double u = draw(t, j, Draw::mode);
  if (u < cdf[0]) {
    return Mode::endorse;
  }
  if (u < cdf[1]) {
    return Mode::pilot;
  }
  if (u < cdf[2]) {
    return Mode::mandate;
  }
  return Mode::championship;
}

void AdoptionProcess::add_exposure(std::int32_t j, std::int32_t p, float weight, int sign) {
  if (p >= 0) {
    active_kids_[p] += sign;
    quality_kids_[p] += static_cast<float>(sign) * weight;
  }
  if (!ext_adopted_.empty()) {
    const auto nb = net_.neighbours(j);
    const auto w = net_.weights(j);
    const float q = sc_.adoption.success_weighted ? weight : 1.0F;
    for (std::size_t k = 0; k < nb.size(); ++k) {
      ext_adopted_[nb[k]] += static_cast<float>(sign) * w[k] * q;
    }
  }
}

}  // namespace sim

std::unique_ptr<sim::Process> sim::make_adoption_process(const Model& model, std::int32_t policy,
                                                         const ObservedStart* observed) {
  return std::make_unique<AdoptionProcess>(model, policy, observed);
}

}  // namespace pdlab
