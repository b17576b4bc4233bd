#include "sim/adoption.hpp"

#include "core/exposure.hpp"
#include "core/rng.hpp"
#include "sim/state.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

namespace pdlab {

const char* to_string(Channel c) {
  static const char* names[kChannels] = {"intrinsic", "vertical", "horizontal", "bottom_up",
                                         "need",      "event",    "pilot",      "mandate_deadline",
                                         "quota"};
  return names[static_cast<int>(c)];
}

namespace sim {
namespace {

// One policy in one replicate. Exposures in period t use the state at the end of t - 1;
// every adoption, reversal and decision made in t takes effect from t + 1.
//
// Hazard (cloglog): a unit adopts in the first period t where its cumulative hazard
// sum_s exp(eta_s) reaches an Exp(1) threshold drawn once; this has exactly the survival
// function prod_s (1 - h_s) of per-period Bernoulli draws with h = 1 - exp(-exp(eta)).
// For a leaf without edge-list peers eta = base_i + c_parent(t), so exp(eta) factorises and
// the unit adopts when the parent's cumulative factor K_p reaches E_i / exp(base_i): its
// children are kept sorted by that threshold and popped, so the cost is per parent and per
// adoption, not per unit and period. Other units (with children, with edges, logit link)
// accumulate their own hazard each period.
class AdoptionProcess final : public Process {
 public:
  // One process per policy and thread is reused across replicates: its arrays keep their
  // capacity, so later replicates touch no new pages.
  AdoptionProcess(const Model& m, std::int32_t policy)
      : m_(m),
        h_(m.hierarchy()),
        net_(m.network()),
        sc_(m.scenario()),
        rng_(sc_.seed),
        pol_(policy),
        n_(h_.size()),
        slots_(m.n_slots()),
        periods_(m.periods()) {}

  void init(ReplicateState& state) override {
    rep_ = static_cast<std::uint32_t>(state.replicate);
    ps_ = &state.policies[pol_];
    out_ = &ps_->records;
    out_->clear();
    // At most one record per unit unless failed pilots or reversed units adopt again:
    // reserving (address space only; pages are touched as records are written) avoids regrowth.
    out_->reserve(static_cast<std::size_t>(n_));
    ps_->changed.clear();
    next_event_ = 0;
    reset();
  }

  void step(std::int32_t t, ReplicateState& /*state*/) override {
    ps_->changed.clear();
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
    // 2-3. Hazard-driven adoptions.
    candidates_.clear();
    sweep_slots(t);
    sweep_generic(t);
    commit(t);
    // 4. Deadlines, quotas, pilot evaluations, reversals.
    deadlines(t);
    commit(t);
    quotas(t);
    evaluations(t);
    reversals(t);
  }

  void finish(ReplicateState& /*state*/, ReplicateResult& /*out*/) override {}

 private:
  struct Candidate {
    std::int32_t unit;
    Channel channel;
  };
  struct ActiveQuota {
    const CompiledEvent* event;
    const CompiledQuota* quota;
  };

  const Model& m_;
  const Hierarchy& h_;
  const Network& net_;
  const Scenario& sc_;
  Rng rng_;
  std::uint32_t rep_ = 0;
  std::int32_t pol_ = 0;
  std::int32_t n_, slots_, periods_;
  PolicyState* ps_ = nullptr;
  std::vector<Adoption>* out_ = nullptr;
  std::size_t next_event_ = 0;

  // Per unit.
  std::vector<std::int32_t> t_adopt_;
  double shift_ = 0.0;                // adoption.alpha_shift set by events (0 = none yet)
  std::vector<std::pair<float, std::int32_t>> sort_buf_;
  std::vector<std::int32_t> order_;  // fast children of each slot, sorted by tau
  std::vector<float> sorted_tau_;    // tau of order_[c], so the scan reads memory in order
  std::vector<float> ext_adopted_, ext_total_;
  // Generic (non-factorised) units.
  std::vector<std::int32_t> generic_;
  std::vector<float> generic_tau_;
  std::vector<double> cumhaz_, last_eta_, last_increment_;
  // Per slot (unit with children).
  std::vector<Mode> mode_;
  std::vector<std::int32_t> mode_issue_, mode_deadline_, ev_issue_, ev_deadline_;
  std::vector<float> ev_compliance_;
  std::vector<std::int32_t> active_kids_, slot_rev_, slot_variant_, cursor_, fast_end_;
  std::vector<std::uint8_t> abolished_;  // tier abolished: pressure passes straight through
  std::vector<float> quality_kids_, pressure_, v_children_, h_children_;
  std::vector<double> k_cum_, last_x_, last_factor_;
  std::vector<std::vector<std::int32_t>> pilot_records_;
  // Schedules.
  std::vector<std::vector<std::int32_t>> deadline_bucket_, eval_bucket_, rev_bucket_;
  std::vector<std::int32_t> next_pilots_;
  std::vector<Candidate> candidates_;
  std::vector<ActiveQuota> quotas_;

  std::uint32_t upol() const { return static_cast<std::uint32_t>(pol_); }
  double draw(std::int32_t t, std::int32_t u, Draw d) const {
    return rng_.uniform(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(u), upol(),
                        d);
  }
  bool active(std::int32_t p, std::int32_t t) const {
    return t_adopt_[p] <= t - 1 && slot_rev_[p] > t - 1;
  }
  double base(std::int32_t u) const {
    return static_cast<double>(m_.base(u)) + sc_.policies[pol_].alpha_shift;
  }

  void reset() {
    t_adopt_.assign(n_, kNever);
    ps_->rec_of.assign(n_, -1);
    shift_ = 0.0;
    order_.assign(n_, -1);
    sorted_tau_.resize(n_);
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
    slot_variant_.assign(s, 0);
    cursor_.assign(s, 0);
    fast_end_.assign(s, 0);
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
      for (std::int32_t u = 0; u < n_; ++u) {
        double w = 0;
        for (float x : net_.weights(u)) {
          w += x;
        }
        ext_total_[u] = static_cast<float>(w * sc_.adoption.edge_weight);
      }
    }
    // Thresholds: fast units' scaled thresholds go to sorted_tau_[u] (u lies in its parent's
    // child range, which the sort below rewrites in place); generic units' to generic_tau_.
    generic_tau_.clear();
    for (std::int32_t u = 0; u < n_; ++u) {
      const double e = -std::log(draw(0, u, Draw::threshold));  // Exp(1)
      if (m_.fast(u)) {
        sorted_tau_[u] = static_cast<float>(e / std::exp(base(u)));
      } else {
        generic_tau_.push_back(static_cast<float>(e));
        generic_.push_back(u);
      }
    }
    cumhaz_.assign(generic_.size(), 0.0);
    last_eta_.assign(generic_.size(), std::nan(""));
    last_increment_.assign(generic_.size(), 0.0);
    for (std::int32_t p = 0; p < s; ++p) {
      const std::int32_t b = h_.first_child(p);
      sort_buf_.clear();
      for (std::int32_t c = b; c < h_.end_child(p); ++c) {
        if (m_.fast(c)) {
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
    }
  }

  static float ramp(std::int32_t t, std::int32_t issue, std::int32_t deadline) {
    if (deadline == kNever || deadline <= issue) {
      return 1.0F;
    }
    return std::clamp(static_cast<float>(t - issue) / static_cast<float>(deadline - issue), 0.0F,
                      1.0F);
  }

  double own_signal(std::int32_t p, std::int32_t t) const {
    if (!active(p, t)) {
      return 0.0;
    }
    const auto& v = sc_.vertical;
    switch (mode_[p]) {
      case Mode::none: return 0.0;
      case Mode::endorse: return v.endorse;
      case Mode::pilot: return v.pilot;
      case Mode::mandate:
        return v.mandate * (1.0 + v.urgency * ramp(t, mode_issue_[p], mode_deadline_[p]));
      case Mode::championship: {
        const auto nc = h_.n_children(p);
        return v.championship * (1.0 - static_cast<double>(active_kids_[p]) / nc);
      }
    }
    return 0.0;
  }

  double direct_signal(std::int32_t p, std::int32_t t) const {
    if (ev_issue_[p] > t) {
      return 0.0;
    }
    return sc_.vertical.mandate *
           (1.0 + sc_.vertical.urgency * ramp(t, ev_issue_[p], ev_deadline_[p]));
  }

  Channel channel(double vertical, double horizontal, double bottom_up, double need) const {
    Channel c = Channel::intrinsic;
    double best = 0.0;
    const std::pair<double, Channel> terms[] = {{vertical, Channel::vertical},
                                                {horizontal, Channel::horizontal},
                                                {bottom_up, Channel::bottom_up},
                                                {need, Channel::need}};
    for (const auto& [x, ch] : terms) {
      if (x > best) {
        best = x;
        c = ch;
      }
    }
    return c;
  }

  void sweep_slots(std::int32_t t) {
    const auto& a = sc_.adoption;
    const double sw = a.sibling_weight > 0 ? 1.0 : 0.0;
    for (std::int32_t p = 0; p < slots_; ++p) {
      const std::int32_t nc = h_.n_children(p);
      if (nc == 0) {
        continue;
      }
      const std::int32_t pp = h_.parent(p);
      // An abolished tier is no longer a government: its children answer to its parent.
      const double pr = abolished_[p] != 0
                            ? (pp >= 0 ? static_cast<double>(pressure_[pp]) : 0.0)
                            : exposure::vertical(own_signal(p, t), pp >= 0 ? pressure_[pp] : 0.0,
                                                 sc_.vertical.attenuation);
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
      const double gv = a.gamma_vertical * v;
      const double gh = a.gamma_horizontal * hs;
      // Exposures change rarely between periods: reuse exp() of an unchanged exponent.
      // shift_ is 0 unless an event set adoption.alpha_shift; adding 0 changes no bits.
      const double x = gv + gh + shift_;
      if (x != last_x_[p]) {
        last_x_[p] = x;
        last_factor_[p] = std::exp(x);
      }
      k_cum_[p] += last_factor_[p];
      const auto kp = static_cast<float>(std::min(k_cum_[p], 3.0e38));
      std::int32_t c = cursor_[p];
      while (c < fast_end_[p] && sorted_tau_[c] <= kp) {
        const std::int32_t j = order_[c++];
        if (t_adopt_[j] == kNever) {
          candidates_.push_back({j, channel(gv, gh, 0.0, m_.need_term(j))});
        }
      }
      cursor_[p] = c;
    }
  }

  void sweep_generic(std::int32_t t) {
    (void)t;
    const auto& a = sc_.adoption;
    const bool logit = a.link == Link::logit;
    const double sw = a.sibling_weight;
    const double ew = a.edge_weight;
    for (std::size_t g = 0; g < generic_.size(); ++g) {
      const std::int32_t j = generic_[g];
      if (t_adopt_[j] != kNever) {
        continue;
      }
      const std::int32_t p = h_.parent(j);
      double v = 0;
      double siblings_adopted = 0;
      double n_siblings = 0;
      if (p >= 0) {
        v = v_children_[p];
        siblings_adopted = a.success_weighted ? static_cast<double>(quality_kids_[p])
                                              : static_cast<double>(active_kids_[p]);
        n_siblings = h_.n_children(p) - 1;
      }
      const bool edges = !ext_total_.empty();
      const double hx =
          exposure::horizontal(siblings_adopted, n_siblings, edges ? ext_adopted_[j] : 0.0,
                               edges ? ext_total_[j] : 0.0, sw, ew);
      const double u = exposure::bottom_up(active_kids_[j], h_.n_children(j));
      const double gv = a.gamma_vertical * v;
      const double gh = a.gamma_horizontal * hx;
      const double gu = a.gamma_bottom_up * u;
      const double eta = base(j) + gv + gh + gu + shift_;
      if (eta != last_eta_[g]) {
        last_eta_[g] = eta;
        last_increment_[g] = logit ? std::log1p(std::exp(eta)) : std::exp(eta);
      }
      cumhaz_[g] += last_increment_[g];
      if (cumhaz_[g] >= generic_tau_[g]) {
        candidates_.push_back({j, channel(gv, gh, gu, m_.need_term(j))});
      }
    }
  }

  void commit(std::int32_t t) {
    for (const auto& c : candidates_) {
      adopt(c.unit, c.channel, t, false, Mode::none, kNever);
    }
    candidates_.clear();
  }

  // Schedules institutionalisation or reversal of record r, adopted in full at `from`.
  void schedule_stage(std::int32_t r, std::int32_t from) {
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

  // Deadline a subordinate inherits from the mandate it is under, if any.
  std::int32_t inherited_deadline(std::int32_t j, std::int32_t t) const {
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

  void set_mode(std::int32_t j, Mode mode, std::int32_t t, std::int32_t deadline) {
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

  void designate_pilots(std::int32_t j, std::int32_t t) {
    std::vector<std::pair<double, std::int32_t>> ranked;
    for (std::int32_t c = h_.first_child(j); c < h_.end_child(j); ++c) {
      if (t_adopt_[c] != kNever) {
        continue;
      }
      double score = 0;
      switch (sc_.promotion.pilot_rule) {
        case PilotRule::capacity: score = m_.capacity(c); break;
        case PilotRule::need: score = m_.need(c); break;
        case PilotRule::random: score = draw(t, c, Draw::pilot); break;
      }
      ranked.emplace_back(-score, c);
    }
    const auto k =
        std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(sc_.promotion.pilot_k));
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k),
                      ranked.end());
    for (std::size_t i = 0; i < k; ++i) {
      next_pilots_.push_back(ranked[i].second);
    }
    const std::int64_t eval = std::int64_t{t} + 1 + sc_.promotion.pilot_delay;
    mode_deadline_[j] = eval < kNever ? static_cast<std::int32_t>(eval) : kNever;
    if (eval < periods_) {
      eval_bucket_[eval].push_back(j);
    }
  }

  Mode choose_mode(std::int32_t j, std::int32_t t) const {
    const auto& cdf = m_.mode_cdf(h_.level(j));
    if (cdf[3] <= 0) {
      return Mode::none;
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

  void adopt(std::int32_t j, Channel ch, std::int32_t t, bool pilot, Mode forced,
             std::int32_t deadline) {
    if (t_adopt_[j] != kNever) {
      return;
    }
    t_adopt_[j] = t;
    const auto r = static_cast<std::int32_t>(out_->size());
    ps_->rec_of[j] = r;
    ps_->changed.push_back(r);
    Adoption rec;
    rec.unit = j;
    rec.period = t;
    rec.policy = static_cast<std::uint8_t>(pol_);
    rec.channel = ch;
    rec.pilot = pilot ? 1 : 0;
    rec.quality = static_cast<float>(draw(t, j, Draw::quality));
    const std::int32_t p = h_.parent(j);
    rec.variant = j;
    if (p >= 0 && active(p, t + 1)) {
      rec.variant = slot_variant_[p];
      if (mode_[p] == Mode::championship &&
          draw(t, j, Draw::variant) < sc_.promotion.variant_innovation) {
        rec.variant = j;
      }
    }
    out_->push_back(rec);
    add_exposure(j, p, rec.quality, +1);
    if (pilot) {
      pilot_records_[p].push_back(r);
    } else {
      (*out_)[r].full_period = t;
      schedule_stage(r, t);
    }
    if (j < slots_ && h_.n_children(j) > 0) {
      slot_variant_[j] = rec.variant;
      const Mode mode = forced != Mode::none ? forced : choose_mode(j, t);
      (*out_)[r].mode = mode;
      set_mode(j, mode, t, deadline);
    }
  }

  void add_exposure(std::int32_t j, std::int32_t p, float quality, int sign) {
    if (p >= 0) {
      active_kids_[p] += sign;
      quality_kids_[p] += static_cast<float>(sign) * quality;
    }
    if (!ext_adopted_.empty()) {
      const auto nb = net_.neighbours(j);
      const auto w = net_.weights(j);
      const float q = sc_.adoption.success_weighted ? quality : 1.0F;
      for (std::size_t k = 0; k < nb.size(); ++k) {
        ext_adopted_[nb[k]] += static_cast<float>(sign) * w[k] * q;
      }
    }
  }

  void scripted(const CompiledEvent& e, std::int32_t t) {
    switch (e.type) {
      case CompiledEvent::Type::adopt:
        for (auto u : e.units) {
          adopt(u, Channel::event, t, false, e.mode, e.deadline);
        }
        break;
      case CompiledEvent::Type::promote:
        for (auto u : e.units) {
          if (t_adopt_[u] != kNever && u < slots_ && slot_rev_[u] == kNever) {
            set_mode(u, e.mode, t, e.deadline);
          }
        }
        break;
      case CompiledEvent::Type::set:
        if (e.key == "adoption.alpha_shift") {
          shift_ = e.value;
        }
        break;
      case CompiledEvent::Type::reverse:
        for (auto u : e.units) {
          const std::int32_t r = ps_->rec_of[u];
          // A reversal already scheduled later is brought forward; one due now happens anyway.
          if (r >= 0 && (*out_)[r].rev_period > t) {
            ps_->changed.push_back(r);
            auto& rec = (*out_)[r];
            rec.rev_period = t;
            if (rec.inst_period > t) {
              rec.inst_period = kNever;
            }
            reverse(r, t);
          }
        }
        break;
      case CompiledEvent::Type::abolish:
        for (auto u : e.units) {
          if (u < slots_) {
            abolished_[u] = 1;
          }
        }
        break;
      case CompiledEvent::Type::merge: break;  // pools residents in the governance layer only
      case CompiledEvent::Type::mandate: {
        const int lp = e.target_level - 1;
        const int li = h_.level(e.issuer);
        for (std::int32_t u = h_.level_begin(lp); u < h_.level_begin(lp + 1) && u < slots_; ++u) {
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
        break;
      }
    }
  }

  void deadlines(std::int32_t t) {
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
        if (t_adopt_[c] == kNever && draw(t, c, Draw::compliance) < compliance) {
          candidates_.push_back({c, Channel::mandate_deadline});
        }
      }
    }
  }

  void quotas(std::int32_t t) {
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
          if (h_.ancestor_at(u, lr) != region) {
            continue;
          }
          ++total;
          if (t_adopt_[u] != kNever) {
            ++adopted;
          } else {
            open.emplace_back(draw(t, u, Draw::quota), u);
          }
        }
        const auto target = static_cast<std::int64_t>(
            std::ceil(aq.quota->share * static_cast<double>(total) - 1e-9));
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

  void evaluations(std::int32_t t) {
    for (auto p : eval_bucket_[t]) {
      if (mode_[p] != Mode::pilot || mode_deadline_[p] != t) {
        continue;
      }
      std::size_t ok = 0;
      const auto& recs = pilot_records_[p];
      for (auto r : recs) {
        auto& rec = (*out_)[r];
        if (rec.rev_period != kNever) {  // reversed by an event while a pilot
          continue;
        }
        ps_->changed.push_back(r);
        if (rec.quality >= 1.0 - sc_.promotion.pilot_success) {
          ++ok;
          rec.full_period = t;
          schedule_stage(r, t);
        } else {
          rec.rev_period = t;
          reverse(r, t);
        }
      }
      if (!active(p, t + 1)) {
        continue;
      }
      const bool scale_up =
          !recs.empty() && static_cast<double>(ok) >=
                               sc_.promotion.scale_up_threshold * static_cast<double>(recs.size());
      if (scale_up) {
        set_mode(p, Mode::mandate, t, t + sc_.promotion.scale_up_deadline);
      } else {
        set_mode(p, Mode::endorse, t, kNever);
      }
    }
  }

  void reverse(std::int32_t r, std::int32_t t) {
    const auto& rec = (*out_)[r];
    add_exposure(rec.unit, h_.parent(rec.unit), rec.quality, -1);
    if (rec.unit < slots_) {
      slot_rev_[rec.unit] = t;
    }
  }

  void reversals(std::int32_t t) {
    for (auto r : rev_bucket_[t]) {
      if ((*out_)[r].rev_period == t) {  // not already reversed by an event
        reverse(r, t);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Process> make_adoption_process(const Model& model, std::int32_t policy) {
  return std::make_unique<AdoptionProcess>(model, policy);
}

}  // namespace sim
}  // namespace pdlab
