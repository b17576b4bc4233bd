#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace pdlab {

const char* gov_unit_column(int i) {
  static const char* names[kGovUnitColumns] = {"visible",
                                               "depth",
                                               "hierarchical_score",
                                               "horizontal_score",
                                               "participation_local",
                                               "participation_migrant",
                                               "belonging_local",
                                               "belonging_migrant",
                                               "trust",
                                               "grievance",
                                               "coverage",
                                               "incidents",
                                               "cost",
                                               "effort_depth",
                                               "tenure_left",
                                               "share_root_cause",
                                               "mandated"};
  return names[i];
}

const char* gov_unit_column_meaning(int i) {
  static const char* meanings[kGovUnitColumns] = {
      "local government: its official's stock of visible outputs (NULL for communities)",
      "depth of implementation: the community's; a local government's over its communities",
      "local government: its official's score from above",
      "local government: residents' satisfaction in its jurisdiction (score from residents)",
      "share of locals participating (a local government: over its communities)",
      "share of migrants participating (a local government: over its communities)",
      "belonging of locals (a local government: over its communities)",
      "belonging of migrants (a local government: over its communities)",
      "trust in local government, locals and migrants weighted by their numbers",
      "grievance, locals and migrants weighted by their numbers",
      "four o'clock school places as a share of demand (NULL without the services module)",
      "local government: stability incidents in the period",
      "local government: spending, yuan a year at this period's rates (stability work and "
      "contracted places)",
      "local government: its official's share of effort on depth (NULL before adoption)",
      "local government: years left in its official's term (NULL without an official)",
      "local government: share of stability work spent on root causes (NULL without the "
      "stability module)",
      "local government: 1 if its official adopted under a mandate (NULL before adoption)"};
  return meanings[i];
}

namespace gov {

Runtime::Runtime(const GovernanceModel& g, std::int32_t window, bool check_residents,
                 bool share_identical)
    : g_(g),
      h_(g.hierarchy()),
      sc_(g.scenario()),
      rng_(sc_.seed),
      window_(window),
      periods_(sc_.calendar.periods),
      warmup_(sc_.governance.warmup_years * sc_.calendar.periods_per_year),
      ppy_(sc_.calendar.periods_per_year),
      nl_(h_.n_levels()),
      upper_(h_.level_begin(g.local_level())),
      ng_(h_.level_begin(g.community_level())),
      every_(sc_.output.unit_time_every),
      check_residents_(check_residents && g.restructuring().changes_units()),
      share_(share_identical && !g.restructuring().changes_units() && g.agents_root() < 0),
      follows_(g.follows_governments()),
      reversal_grace_(static_cast<std::int32_t>(std::lround(
          sc_.governance.feedback.reversal_grace_months * sc_.calendar.periods_per_year / 12.0))) {
  const auto& rs = g.restructuring();
  info_.resize(static_cast<std::size_t>(ng_));
  for (std::int32_t u = 0; u < ng_; ++u) {
    // The first period of [0, periods) in which u is partly abolished (kNever: none): a
    // search, partial being monotone before restored_at.
    std::int32_t partial_from = kNever;
    const std::int32_t last = std::min(g.restored_at(u), periods_) - 1;
    if (last >= 0 && g.partial(u, last)) {
      std::int32_t lo = 0;
      std::int32_t hi = last;
      while (lo < hi) {
        const std::int32_t mid = lo + (hi - lo) / 2;
        if (g.partial(u, mid)) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      partial_from = lo;
    }
    // A government there at the start was there through the warm-up (periods < 0).
    const std::int32_t begin =
        rs.begin(u) <= 0 ? std::numeric_limits<std::int32_t>::min() : rs.begin(u);
    info_[u] = {h_.parent(u),     h_.first_child(u), h_.end_child(u), g.abolished_at(u),
                g.restored_at(u), partial_from,      begin,           rs.end(u)};
  }
  index_local4();
  plan_shadows();
}

// Local4 groups: each block's local governments from its first in fours, in block order; then
// any local government outside every block, in fours.
void Runtime::index_local4() {
  local4_at_.assign(static_cast<std::size_t>(ng_ - upper_), -1);
  block4_.clear();
  std::int32_t groups = 0;
  for (const auto& blk : g_.blocks()) {
    block4_.push_back(groups);
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      local4_at_[g - upper_] = 4 * groups + (g - blk.g0);
    }
    groups += (blk.g1 - blk.g0 + 3) / 4;
  }
  std::int32_t rest = 0;
  for (auto& at : local4_at_) {
    if (at < 0) {
      at = 4 * groups + rest++;
    }
  }
  local4_.resize(static_cast<std::size_t>(groups + (rest + 3) / 4));
}

void Runtime::init(sim::ReplicateState& state) {
  rep_ = static_cast<std::uint32_t>(state.replicate);
  kernel_k_of_.clear();  // (a step's address may be reused by another model's)
  local_sums_ = LocalSums{};
  const std::int32_t n = h_.size();
  adopted_.assign(n, {kNever, kNever});
  variant_.assign(n, -1);
  mandated_.assign(n, 0);
  const auto nb = g_.blocks().size();
  // Community tiles.
  const auto& init = sc_.governance.coproduction;
  const auto slots = static_cast<std::size_t>(slots_);  // communities, then shadows
  tiles_.assign(slots * kFields, 0.0F);
  coverage_.assign(every_ > 0 ? slots : 0, 0.0F);
  for (std::int32_t s = 0; s < static_cast<std::int32_t>(slots); ++s) {
    set_period(Field::adopted_from, s, kNever);
    set_period(Field::active_until, s, kNever);
    at(Field::fit, s) = 1.0F;
    initial_state(s);
  }
  std::int32_t widest = 0;
  for (const auto& blk : g_.blocks()) {
    widest = std::max(widest, blk.padded);
    for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
      const auto s = slot(blk, c);
      // A community born later has no residents until then (docs/model.md 7.13).
      const bool here = g_.restructuring().exists(c, 0);
      set_population(s, here ? g_.population(c) : 0.0F, here ? g_.migrant_share(c) : 0.0F);
      at(Field::children, s) = g_.children(c);
    }
  }
  // Each community's local government as the kernel reads it: the government's place among
  // the block's governments with communities (consecutive, so one vector's communities span
  // at most as many places as it has lanes; shadows, plan_shadows(), take the same places);
  // the padding repeats the last.
  gov_of_.assign(slots, 0);
  for (std::size_t b = 0; b < nb; ++b) {
    const auto& blk = g_.blocks()[b];
    std::int32_t place = -1;
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      place += h_.end_child(g) > h_.first_child(g) ? 1 : 0;
      for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
        gov_of_[static_cast<std::size_t>(slot(blk, c))] = place;
      }
      const auto k = static_cast<std::size_t>(g - upper_);
      for (std::int32_t sh = shadow_begin_[k]; sh < shadow_end_[k]; ++sh) {
        gov_of_[static_cast<std::size_t>(sh)] = place;
      }
    }
    for (std::int32_t i = blk.c1 - blk.c0; i < blk.padded; ++i) {
      gov_of_[static_cast<std::size_t>(blk.slot + i)] = std::max(place, 0);
    }
    for (std::int32_t i = shadow_n_[b]; i < shadow_padded_[b]; ++i) {
      gov_of_[static_cast<std::size_t>(shadow_base_[b] + i)] = std::max(place, 0);
    }
  }
  // Every community updated on its own (count 1, padding 0), except the members of a group of
  // identical ones (plan_shadows()): their shadow, a copy of the first, counts for them.
  count_.assign(slots, 0.0F);
  for (const auto& blk : g_.blocks()) {
    for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
      count_[static_cast<std::size_t>(slot(blk, c))] = 1.0F;
    }
  }
  for (std::size_t b = 0; b < nb && share_; ++b) {
    const auto& blk = g_.blocks()[b];
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      const auto k = static_cast<std::size_t>(g - upper_);
      for (std::int32_t sh = shadow_begin_[k]; sh < shadow_end_[k]; ++sh) {
        const std::int32_t first = shadow_first_[sh - g_.community_slots()];
        if (first < 0) {
          continue;  // empty: no residents, count 0
        }
        set_population(sh, g_.population(first), g_.migrant_share(first));
        at(Field::children, sh) = g_.children(first);
        float members = 0;
        for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
          if (same_numbers(c, first)) {
            count_[static_cast<std::size_t>(slot(blk, c))] = 0.0F;
            members += 1.0F;
          }
        }
        count_[static_cast<std::size_t>(sh)] = members;
      }
    }
  }
  // Block scratch (the kernel reads a vector from any government's place).
  const auto w = static_cast<std::size_t>(widest);
  for (auto* v : {&effort_c_, &stress_c_, &root_c_, &peers_c_, &control_c_, &load_c_}) {
    v->assign(w + simd::kMaxLanes, 0.0F);
  }
  for (auto* v : {&target_[0], &target_[1]}) {
    v->assign(w, 0.0F);
  }
  street_.assign(w * kStreetRow, 0.0F);
  const std::size_t pw = share_ ? w : 0;
  pick_.reserve(pw);
  pack_tiles_.assign(pw * kFields, 0.0F);
  pack_count_.assign(pw, 0.0F);
  pack_gov_.assign(pw, 0);
  pack_from_.assign(pw, 0);
  pack_home_ = nullptr;
  for (auto& v : pack_place_) {
    v.assign(share_ ? pw + simd::kMaxLanes : 0, 0.0F);
  }
  pack_street_.assign(pw * kStreetRow, 0.0F);
  pack_coverage_.assign(every_ > 0 ? pw : 0, 0.0F);
  for (auto& v : pack_rows_) {
    v.assign(pw, 0.0F);
  }
  updated_.assign(w / 4 + 1, 0);  // vectors of 4 lanes or more
  so_capacity_.assign(nb, 0.0F);
  block_locals_.assign(nb, 0.0);
  block_migrants_.assign(nb, 0.0);
  // Governments: officials in office at the start are at a uniform point of their terms.
  const auto ng = static_cast<std::size_t>(ng_);
  for (auto* v : {&term_end_, &tenure_start_, &last_turnover_}) {
    v->assign(ng, 0);
  }
  rank_.assign(ng, 0.5F);
  promotion_.assign(ng, 0.0F);
  slope_.assign(ng, 0.0F);
  record_.assign(ng, 0.0);
  scored_.assign(ng, 0);
  veto_year_.assign(ng, kNoVeto);
  for (auto* v :
       {&effort_, &visible_, &own_depth_, &j_residents_, &j_participation_, &j_satisfaction_,
        &j_grievance_, &j_depth_, &j_incident_rate_, &j_escalation_, &year_incidents_}) {
    v->assign(ng, 0.0F);
  }
  // A local government's: no community runs the model yet; above them, 1 while none does.
  j_fit_.assign(ng, 0.0F);
  std::fill(j_fit_.begin(), j_fit_.begin() + std::min(ng, static_cast<std::size_t>(upper_)), 1.0F);
  j_adopters_depth_.assign(ng, 0.0F);
  for (std::int32_t u = 0; u < ng_; ++u) {
    appoint(u, -warmup_);  // the first period's, or the warm-up's
  }
  // Local governments.
  {
    Local4 zero{};
    zero.claims = simd::vf4{} + g_.step(0).claims_base;
    for (double& x : zero.next_incident) {
      x = -1.0;  // drawn at the first period
    }
    local4_.assign(local4_.size(), zero);
  }
  street_sum_.assign(ng * kStreetRow, 0.0F);
  for (std::size_t b = 0; b < nb; ++b) {
    block_residents(g_.blocks()[b]);
  }
  for (std::int32_t g = upper_; g < ng_; ++g) {
    j_residents_[g] = static_cast<float>(local4(g).residents[lane(g)]);
    j_participation_[g] = static_cast<float>(init.initial_participation);
    j_grievance_[g] = static_cast<float>(init.initial_grievance);
  }
  // Voiced grievance at the start: each group's weighted by its voice (7.9.4).
  for (const auto& blk : g_.blocks()) {
    const Step& st = g_.step(0);
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      double voiced = 0;
      for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
        voiced +=
            st.contention[0] * locals(slot(blk, c)) + st.contention[1] * migrants(slot(blk, c));
      }
      Local4& q = local4(g);
      const int l = lane(g);
      q.voiced[l] = q.residents[l] > 0
                        ? static_cast<float>(init.initial_grievance * voiced / q.residents[l])
                        : 0.0F;
    }
  }
  // Upper officials and outputs.
  jur_.assign(static_cast<std::size_t>(upper_) * window_ * kJur, 0.0F);
  upper_kids_.assign(
      sc_.governance.feedback.learning ? static_cast<std::size_t>(upper_) * window_ : 0, 0.0F);
  upper_active_.assign(upper_kids_.size(), 0);
  out_ = GovernanceResult{};
  out_.values.assign(static_cast<std::size_t>(kGovMetrics) * nl_ * periods_, std::nan(""));
  sum_.assign(out_.values.size(), 0.0);
  wsum_.assign(out_.values.size(), 0.0);
  agents_.assign(nb, {});
  if (g_.agents_root() >= 0) {
    out_.agents.assign(periods_, {0, 0, 0, 0, 0, 0});
    agent_w_.assign(periods_, {0, 0, 0, 0});
    for (std::size_t b = 0; b < nb; ++b) {
      setup_agents(g_.blocks()[b]);
    }
  }
  // Feedback signals read by the governance policy's adoption `lag` periods later.
  auto& fb = state.feedback;
  const auto& f = sc_.governance.feedback;
  fb.lag = g_.lag();
  fb.units = n;
  // Rows of governments only where only governments write (every unit with children is one).
  fb.governments = std::max(ng_, h_.level_begin(h_.n_levels() - 1));
  clear_signals(fb);
  // With identical communities updated once, the rows of outcome and assessed go on with the
  // shadows' entries (docs/model.md 7.9.5): a member reads its shadow's (feedback_entry()).
  const std::int32_t tail = share_ ? slots_ - g_.community_slots() : 0;
  fb.entry = nullptr;
  if (tail > 0 && (f.learning || f.pilot_evaluation)) {
    fb.entry = [this](std::int32_t u) { return feedback_entry(u); };
  }
  // The block of each unit below the upper units, for the changes of each window.
  moved_.assign(g_.restructures_first() ? nb : 0, 0);
  out_.residents.assign(check_residents_ ? periods_ : 0, {0.0, 0.0});
  changes_.clear();
  block_changes_.assign(nb, {});
  upper_changes_.clear();
  block_of_.assign(static_cast<std::size_t>(n), -1);
  for (std::size_t b = 0; b < nb; ++b) {
    const auto& blk = g_.blocks()[b];
    for (std::int32_t u = blk.g0; u < blk.g1; ++u) {
      block_of_[u] = static_cast<std::int32_t>(b);
    }
    for (std::int32_t u = blk.c0; u < blk.c1; ++u) {
      block_of_[u] = static_cast<std::int32_t>(b);
    }
  }
  if (g_.restructuring().changes_units()) {
    index_block_events();
  }
  block_next_.assign(nb, 0);
  abolished_from_.assign(nb, kNever);
  abolished_until_.assign(nb, 0);
  for (std::size_t b = 0; b < nb && g_.abolishes(); ++b) {
    const auto& blk = g_.blocks()[b];
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      if (g_.abolished_at(g) < g_.restored_at(g)) {
        abolished_from_[b] = std::min(abolished_from_[b], g_.abolished_at(g));
        abolished_until_[b] = std::max(abolished_until_[b], g_.restored_at(g));
      }
    }
  }
  if (warmup_ > 0) {
    warm_up(state);
  }
}

// The feedback rows as adoption first finds them: no signal yet (adoption reads none before
// `lag` periods have passed; sim::Feedback::read).
void Runtime::clear_signals(sim::Feedback& fb) const {
  const auto& f = sc_.governance.feedback;
  const auto size = [&](bool on, std::int32_t units) {
    return on ? static_cast<std::size_t>(units) * fb.lag : 0;
  };
  const std::int32_t n = h_.size();
  const std::int32_t tail = share_ ? slots_ - g_.community_slots() : 0;
  fb.need.assign(size(f.need, fb.governments), 0.0F);
  fb.escalation.assign(size(f.escalation, fb.governments), 0.0F);
  fb.reversal.assign(size(f.reversal, fb.governments), std::nanf(""));
  fb.outcome.assign(size(f.learning, n + tail), 0.0F);
  fb.kid_outcome.assign(size(f.learning, fb.governments), 0.0F);
  fb.assessed.assign(size(f.pilot_evaluation, n + tail), 0.0F);
}

// The warm-up (docs/model.md 5): the layer through [-warmup_, 0) as in any run, with no
// adoption (no change to apply), in windows of at most a year (whole years: each ends with
// the yearly tournament) and at most the run's window (the window's scratch), so that the
// discarded outputs of a window stay small. Its feedback rows are written (the signals' own
// arithmetic runs as in the run) and then cleared: adoption reads none of them.
void Runtime::warm_up(sim::ReplicateState& state) {
  sum_log_ = &warm_sums_;
  row_log_ = &warm_rows_;
  const std::int32_t step = std::min(window_, ppy_);
  for (std::int32_t t0 = -warmup_, t1 = 0; t0 < 0; t0 = t1) {
    t1 = std::min(0, t0 + step);
    run_window(t0, t1, state);
    warm_sums_.clear();
    warm_rows_.clear();
  }
  sum_log_ = nullptr;
  row_log_ = nullptr;
  clear_signals(state.feedback);
}

void Runtime::collect(std::int32_t t, const sim::PolicyState& ps) {
  for (const auto r : ps.changed) {
    changes_.push_back({t, r});
  }
}

// Applies the changes dated t (in order: a unit's later record overrides an earlier one).
void Runtime::apply_changes(std::vector<sim::Change>& list, std::size_t& next, std::int32_t t,
                            const std::vector<Adoption>& records) {
  while (next < list.size() && list[next].period <= t) {
    apply(records[list[next++].record]);
  }
}

// Governance through [t0, t1): block by block through the window (each block's state stays in
// cache), then the officials above the blocks period by period, and what feeds back. An
// abolished tier's communities answer to the officials above in the same period, so those
// choose before such a block runs each period: in a window of one period before every block;
// in a longer window over abolished periods the blocks without an abolished government run the
// whole window first and the others period by period after the officials above choose, with
// every block's additions to the outputs logged and replayed in block order (docs/model.md
// §3). Elsewhere the blocks read nothing the officials above choose in the window.
void Runtime::run_window(std::int32_t t0, std::int32_t t1, sim::ReplicateState& state) {
  window_start_ = t0;
  feedback_ = sc_.governance.feedback.any() ? &state.feedback : nullptr;
  window_rows_.assign(static_cast<std::size_t>(t1 - t0), SignalRows{});
  if (feedback_ != nullptr) {
    for (std::int32_t t = t0; t < t1; ++t) {
      window_rows_[t - t0] = rows(t, *feedback_);
    }
  }
  std::fill(jur_.begin(), jur_.end(), 0.0F);
  std::fill(upper_kids_.begin(), upper_kids_.end(), 0.0F);
  const auto& records = state.policies[g_.policy()].records;
  for (const auto& c : changes_) {
    const std::int32_t u = records[c.record].unit;
    if (u < upper_) {
      upper_changes_.push_back(c);
    } else if (block_of_[u] >= 0) {
      block_changes_[block_of_[u]].push_back(c);
    }
  }
  changes_.clear();
  std::fill(block_next_.begin(), block_next_.end(), 0);
  std::size_t upper_next = 0;
  const std::size_t nb = g_.blocks().size();
  bool abolished = false;
  for (std::size_t b = 0; b < nb && !abolished && g_.abolishes(); ++b) {
    abolished = abolished_in(b, t0, t1);
  }
  if (g_.restructures_first() && t0 >= 0) {  // (none in the warm-up)
    restructure_first(t0);                   // a window starts at each such period (window_end())
  }
  if (t1 - t0 == 1) {
    // The officials above choose first.
    run_upper(t0, true, upper_next, records, state);
    for (std::size_t b = 0; b < nb; ++b) {
      run_block(b, t0, t1, records, state);
    }
    run_upper(t0, false, upper_next, records, state);
  } else if (!abolished) {
    for (std::size_t b = 0; b < nb; ++b) {
      run_block(b, t0, t1, records, state);
    }
    for (std::int32_t t = t0; t < t1; ++t) {
      run_upper(t, true, upper_next, records, state);
      run_upper(t, false, upper_next, records, state);
    }
  } else if (g_.agents_root() >= 0 || check_residents_) {
    // Resident agents and the residents check add up over every block of a period in block
    // order (not logged): one period at a time, the officials above first.
    for (std::int32_t t = t0; t < t1; ++t) {
      run_upper(t, true, upper_next, records, state);
      for (std::size_t b = 0; b < nb; ++b) {
        run_block(b, t, t + 1, records, state);
      }
      run_upper(t, false, upper_next, records, state);
    }
  } else if (counties_with_blocks(t0, t1)) {
    run_counties(t0, t1, records, state);
  } else {
    sum_logs_.resize(nb);
    row_logs_.resize(nb);
    for (std::size_t b = 0; b < nb; ++b) {
      if (!abolished_in(b, t0, t1)) {
        sum_log_ = &sum_logs_[b];
        row_log_ = &row_logs_[b];
        run_block(b, t0, t1, records, state);
      }
    }
    for (std::int32_t t = t0; t < t1; ++t) {
      sum_log_ = nullptr;
      row_log_ = nullptr;
      run_upper(t, true, upper_next, records, state);
      for (std::size_t b = 0; b < nb; ++b) {
        if (abolished_in(b, t0, t1)) {
          sum_log_ = &sum_logs_[b];
          row_log_ = &row_logs_[b];
          run_block(b, t, t + 1, records, state);
        }
      }
      sum_log_ = nullptr;
      row_log_ = nullptr;
      run_upper(t, false, upper_next, records, state);
    }
    // The blocks' additions in block order (no block adds to the cells of the levels above).
    for (std::size_t b = 0; b < nb; ++b) {
      for (const auto& e : sum_logs_[b]) {
        sum_[e.cell] += e.value;
        wsum_[e.cell] += e.weight;
      }
      sum_logs_[b].clear();
      out_.units.insert(out_.units.end(), row_logs_[b].begin(), row_logs_[b].end());
      row_logs_[b].clear();
    }
  }
  for (std::size_t b = 0; b < nb; ++b) {
    block_changes_[b].clear();
  }
  upper_changes_.clear();
}

// Block b through periods [t0, t1). Its communities' states go back to their tiles when it
// returns or throws (pack_kernel() may keep them packed from one period to the next).
void Runtime::run_block(std::size_t b, std::int32_t t0, std::int32_t t1,
                        const std::vector<Adoption>& records, sim::ReplicateState& state) {
  struct Unpack {
    Runtime* r;
    ~Unpack() { r->unpack(); }
  } const unpack_at_end{this};
  auto& changes = block_changes_[b];
  for (std::int32_t t = t0; t < t1; ++t) {
    if (block_next_[b] < changes.size() && changes[block_next_[b]].period <= t) {
      unpack();  // adoption writes to its communities' tiles
    }
    apply_changes(changes, block_next_[b], t, records);
    decide_local(b, t);
    communities(b, t);
    stability(b, t);
    assess_local(b, t);
    feedback_block(b, t, state.feedback);
  }
}

// The officials above the blocks in period t: their choices (decide), or their assessment and
// what feeds back from them (after every block's period t).
void Runtime::run_upper(std::int32_t t, bool decide, std::size_t& next,
                        const std::vector<Adoption>& records, sim::ReplicateState& state) {
  if (decide) {
    apply_changes(upper_changes_, next, t, records);
    decide_upper(t, 0, upper_);
  } else {
    assess_upper(t, 0, upper_);
    feedback_upper(t, upper_, state.feedback);
  }
}

bool Runtime::counties_with_blocks(std::int32_t t0, std::int32_t t1) const {
  // (A first SO-holding unit at 0 would be the nation, whose assessment is the whole pass.)
  if (g_.so_level() + 1 != g_.local_level() || g_.so_level() == 0) {
    return false;
  }
  for (std::int32_t t = t0; t + 1 < t1; ++t) {
    if ((t + 1) % ppy_ == 0) {
      return false;
    }
  }
  return true;
}

// A window in which each SO-holding unit's official runs with its block, period by period
// (it may be in charge of an abolished tier there): the unit's changes, its official's
// choices, the block's period, the official's assessment and signals; the SO-holding units in
// order (every block's, and those without a block). An SO-holding unit's jurisdiction sums
// come only from its block and its official reads nothing of other blocks' but at the yearly
// tournament, at most at the window's last period (counties_with_blocks). Then the units
// above them period by period, and the SO-holding units' tournaments and, in a period that
// ends a year, their signals (which read the tournament's outcome). Every addition to the
// outputs comes in the order of one period at a time: each cell is a level's, and a level's
// units (or blocks) add to it in their order.
void Runtime::run_counties(std::int32_t t0, std::int32_t t1, const std::vector<Adoption>& records,
                           sim::ReplicateState& state) {
  const std::int32_t first = h_.level_begin(g_.so_level());
  const auto& blocks = g_.blocks();
  // The SO-holding units' changes, by unit (each unit's in date order), and the others'.
  county_changes_.clear();
  std::size_t kept = 0;
  for (const auto& c : upper_changes_) {
    if (records[c.record].unit >= first) {
      county_changes_.push_back(c);
    } else {
      upper_changes_[kept++] = c;
    }
  }
  upper_changes_.resize(kept);
  std::stable_sort(county_changes_.begin(), county_changes_.end(),
                   [&](const sim::Change& x, const sim::Change& y) {
                     return records[x.record].unit < records[y.record].unit;
                   });
  std::size_t next = 0;
  std::size_t b = 0;
  const bool year_end = (t1 % ppy_) == 0;  // the window's last period ends a year
  for (std::int32_t u = first; u < upper_; ++u) {
    const bool block = b < blocks.size() && blocks[b].root == u;
    for (std::int32_t t = t0; t < t1; ++t) {
      while (next < county_changes_.size() && records[county_changes_[next].record].unit == u &&
             county_changes_[next].period <= t) {
        apply(records[county_changes_[next++].record]);
      }
      decide_upper(t, u, u + 1);
      if (block) {
        run_block(b, t, t + 1, records, state);
      }
      assess_upper(t, u, u + 1);
      if (t + 1 < t1 || !year_end) {
        feedback_official(u, t);
      }
    }
    b += block ? 1 : 0;
  }
  std::size_t upper_next = 0;
  for (std::int32_t t = t0; t < t1; ++t) {
    apply_changes(upper_changes_, upper_next, t, records);
    decide_upper(t, 0, first);
    assess_upper(t, 0, first);
    feedback_upper(t, t + 1 < t1 || !year_end ? first : upper_, state.feedback);
  }
}

// The governance policy's current record of a unit: its active stage, how it adopted, the
// variant it runs and, for a community, how well that variant fits it.
void Runtime::apply(const Adoption& a) {
  const std::int32_t u = a.unit;
  adopted_[u] = {a.period, a.rev_period};
  mandated_[u] = a.mandated;
  variant_[u] = a.variant;
  if (h_.level(u) != g_.community_level()) {
    return;
  }
  const GovBlock* blk = g_.block_of(u);
  if (blk == nullptr) {
    return;
  }
  const auto s = slot(*blk, u);
  if (share_ && count_[static_cast<std::size_t>(s)] == 0.0F) {
    // It leaves its group with the group's state (adoption is applied before the block's
    // period, so the shadow's state is the group's at the end of the last one).
    const std::int32_t sh = shadow_of(u);
    copy_state(sh, s);
    rows_from_shadow(u, sh);
    count_[static_cast<std::size_t>(s)] = 1.0F;
    count_[static_cast<std::size_t>(sh)] -= 1.0F;
  }
  set_period(Field::adopted_from, s, a.period);
  set_period(Field::active_until, s, a.rev_period);
  const float width = static_cast<float>(sc_.governance.coproduction.variant_fit);
  if (width > 0) {
    const float d = g_.migrant_share(u) - g_.design(a.variant);
    at(Field::fit, s) = std::exp(-d * d / (2.0F * width * width));
  }
}

// Slot `to` takes the residents' state of slot `from` (identical communities).
void Runtime::copy_state(std::int32_t from, std::int32_t to) {
  if (from == to) {
    return;
  }
  for (const Field f : kStateFields) {
    at(f, to) = at(f, from);
  }
  if (!coverage_.empty()) {
    coverage_[static_cast<std::size_t>(to)] = coverage_[static_cast<std::size_t>(from)];
  }
}

// Community c, leaving shadow sh's group, takes the shadow's entries in every row of outcome
// and assessed that adoption may still read (each was written while c was a member: adoption is
// applied before the block's period), so that it reads its own entries from now on.
void Runtime::rows_from_shadow(std::int32_t c, std::int32_t sh) {
  if (feedback_ == nullptr) {
    return;
  }
  const auto from = static_cast<std::size_t>(h_.size() + (sh - g_.community_slots()));
  const auto lag = static_cast<std::size_t>(feedback_->lag);
  for (std::vector<float>* v : {&feedback_->outcome, &feedback_->assessed}) {
    const std::size_t stride = v->size() / lag;
    for (std::size_t k = 0; stride > 0 && k < v->size(); k += stride) {
      (*v)[k + static_cast<std::size_t>(c)] = (*v)[k + from];
    }
  }
}

// Where unit u's value lies in the rows of outcome and assessed (sim::Feedback::entry): its
// shadow's entry while a shadow holds its state, else its own.
std::int32_t Runtime::feedback_entry(std::int32_t u) const {
  if (u < upper_ || h_.level(u) != g_.community_level()) {
    return u;
  }
  const GovBlock* blk = g_.block_of(u);
  if (blk == nullptr || count_[static_cast<std::size_t>(slot(*blk, u))] != 0.0F) {
    return u;
  }
  return h_.size() + (shadow_of(u) - g_.community_slots());
}

// Whether communities c and d have the same residents' numbers (the bits of residents, migrant
// share and children's share).
bool Runtime::same_numbers(std::int32_t c, std::int32_t d) const {
  const float x[3] = {g_.population(c), g_.migrant_share(c), g_.children(c)};
  const float y[3] = {g_.population(d), g_.migrant_share(d), g_.children(d)};
  return std::memcmp(x, y, sizeof x) == 0;
}

// Groups each local government's communities by residents' numbers (sharing: no restructuring
// of units, so the numbers hold through the run): a group of two or more gets a shadow slot,
// the block's shadows side by side after all communities, in government order (so that the
// kernel reads their governments' places as it reads the communities').
void Runtime::plan_shadows() {
  const auto nb = g_.blocks().size();
  shadow_base_.assign(nb, 0);
  shadow_n_.assign(nb, 0);
  shadow_padded_.assign(nb, 0);
  shadow_begin_.assign(static_cast<std::size_t>(ng_ - upper_), 0);
  shadow_end_.assign(static_cast<std::size_t>(ng_ - upper_), 0);
  shadow_first_.clear();
  slots_ = g_.community_slots();
  if (!share_) {
    return;
  }
  const auto lanes = static_cast<std::int32_t>(simd::kMaxLanes);
  std::vector<std::int32_t> firsts;
  std::vector<std::int32_t> sizes;
  std::int32_t widest = 0;
  for (std::size_t b = 0; b < nb; ++b) {
    const auto& blk = g_.blocks()[b];
    shadow_base_[b] = slots_;
    std::int32_t n = 0;
    for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
      const auto k = static_cast<std::size_t>(g - upper_);
      shadow_begin_[k] = slots_ + n;
      firsts.clear();
      sizes.clear();
      for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
        std::size_t i = 0;
        while (i < firsts.size() && !same_numbers(c, firsts[i])) {
          ++i;
        }
        if (i == firsts.size()) {
          firsts.push_back(c);
          sizes.push_back(0);
        }
        ++sizes[i];
      }
      const std::int32_t before = n;
      for (std::size_t i = 0; i < firsts.size(); ++i) {
        if (sizes[i] >= 2) {
          shadow_first_.push_back(firsts[i]);
          ++n;
        }
      }
      // A government with communities and no group gets an empty shadow (count 0, never
      // updated), so that the shadows, like the communities, take every place of the block's
      // governments with communities: the kernel reads N lanes' governments from at most N
      // consecutive places.
      if (n == before && !firsts.empty()) {
        shadow_first_.push_back(-1);
        ++n;
      }
      shadow_end_[k] = slots_ + n;
    }
    shadow_n_[b] = n;
    shadow_padded_[b] = (n + lanes - 1) / lanes * lanes;
    for (std::int32_t i = n; i < shadow_padded_[b]; ++i) {
      shadow_first_.push_back(-1);
    }
    slots_ += shadow_padded_[b];
    widest = std::max(widest, shadow_padded_[b]);
  }
  shadow_street_.assign(static_cast<std::size_t>(widest) * kStreetRow, 0.0F);
}

std::int32_t Runtime::shadow_of(std::int32_t c) const {
  const auto k = static_cast<std::size_t>(h_.parent(c) - upper_);
  std::int32_t sh = shadow_begin_[k];
  while (sh + 1 < shadow_end_[k] && !same_numbers(c, shadow_first_[sh - g_.community_slots()])) {
    ++sh;
  }
  // (only members ask: a government with members has no empty shadow)
  assert(shadow_first_[sh - g_.community_slots()] >= 0 &&
         same_numbers(c, shadow_first_[sh - g_.community_slots()]));
  return sh;
}

// The residents' state of community slot s at the start (docs/model.md 5): also that of a
// community born later without predecessor, whatever its slot computed before it existed.
void Runtime::initial_state(std::int32_t s) {
  const auto& init = sc_.governance.coproduction;
  for (int k = 0; k < 2; ++k) {
    at(of_group(Field::participation_local, k), s) = static_cast<float>(init.initial_participation);
    at(of_group(Field::belonging_local, k), s) =
        static_cast<float>(k == 0 ? init.initial_belonging_local : init.initial_belonging_migrant);
    at(of_group(Field::trust_local, k), s) = static_cast<float>(init.initial_trust);
    at(of_group(Field::grievance_local, k), s) = static_cast<float>(init.initial_grievance);
  }
  at(Field::depth, s) = 0.0F;
  at(Field::perceived, s) = 0.0F;
}

void Runtime::set_population(std::int32_t s, float residents, float migrant) {
  at(Field::residents, s) = residents;
  at(Field::migrant, s) = migrant;
}

// Residents by local government and group; again after each merge.
void Runtime::block_residents(const GovBlock& blk) {
  const auto b = static_cast<std::size_t>(&blk - g_.blocks().data());
  block_locals_[b] = 0;
  block_migrants_[b] = 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    Local4& q = local4(g);
    const int l = lane(g);
    q.residents[l] = 0;
    for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
      const auto s = slot(blk, c);
      q.residents[l] += at(Field::residents, s);
      block_locals_[b] += locals(s);
      block_migrants_[b] += migrants(s);
    }
    const double sp = q.residents[l];
    q.inv_residents[l] = sp > 0 ? 1.0 / sp : 0.0;
    q.per_10k_year[l] = sp > 0 ? 1e4 * ppy_ / sp : 0.0;
  }
}

CommunityArrays Runtime::arrays(const GovBlock& blk, std::int32_t t) {
  const auto s = static_cast<std::size_t>(blk.slot);
  CommunityArrays a{};
  a.tiles = &tiles_[tile_index(Field::adopted_from, blk.slot)];
  a.coverage = coverage_.empty() ? nullptr : &coverage_[s];
  if (feedback_ != nullptr) {
    const SignalRows& r = window_rows(t);
    a.outcome = r.outcome != nullptr ? r.outcome + blk.c0 : nullptr;
    a.assessed = r.assessed != nullptr ? r.assessed + blk.c0 : nullptr;
  }
  a.communities = static_cast<std::size_t>(blk.c1 - blk.c0);
  for (int k = 0; k < 2; ++k) {
    a.target[k] = g_.agents_root() >= 0 ? target_[k].data() : nullptr;
  }
  a.gov = &gov_of_[s];
  a.count = &count_[s];
  a.effort = effort_c_.data();
  a.stability_grievance = stress_c_.data();
  a.root_work = root_c_.data();
  a.peers = peers_c_.data();
  a.control = control_c_.data();
  a.extra_load = load_c_.data();
  a.street = street_.data();
  a.updated = updated_.data();
  a.block = block_sums_;
  return a;
}

void Runtime::flush(LocalSums& s, std::int32_t t) {
  for (std::uint64_t bits = s.touched; bits != 0; bits &= bits - 1) {
    const int m = __builtin_ctzll(bits);
    const auto i = cell(static_cast<GovMetric>(m), g_.local_level(), t);
    if (sum_log_ != nullptr) {
      sum_log_->push_back({i, s.value[m], s.weight[m]});
    } else {
      sum_[i] += s.value[m];
      wsum_[i] += s.weight[m];
    }
    s.value[m] = 0;
    s.weight[m] = 0;
  }
  s.touched = 0;
}

// Panel rows of local government g and its communities.
void Runtime::panel(std::int32_t g, const GovBlock& blk, std::int32_t t,
                    const std::array<float, kGovUnitColumns>& values) {
  auto& rows = row_log_ != nullptr ? *row_log_ : out_.units;
  const int max_level = g_.unit_time_max_level();
  if (h_.level(g) <= max_level) {
    rows.push_back({g, t, values});
  }
  if (g_.community_level() > max_level) {
    return;
  }
  for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
    const auto i = slot(blk, c);
    if (at(Field::residents, i) <= 0) {
      continue;
    }
    GovUnitRow r{c, t, {}};
    r.v.fill(std::nanf(""));
    const auto s = state_slot(c, i);  // its residents are its own, its state may be shared
    r.v[1] = at(Field::depth, s);
    r.v[4] = at(Field::participation_local, s);
    r.v[5] = at(Field::participation_migrant, s);
    r.v[6] = at(Field::belonging_local, s);
    r.v[7] = at(Field::belonging_migrant, s);
    const float m = at(Field::migrant, i);
    r.v[8] = (1 - m) * at(Field::trust_local, s) + m * at(Field::trust_migrant, s);
    r.v[9] = (1 - m) * at(Field::grievance_local, s) + m * at(Field::grievance_migrant, s);
    r.v[10] = coverage_.empty() ? std::nanf("") : coverage_[s];
    rows.push_back(r);
  }
}

GovernanceResult Runtime::finish() {
  for (std::size_t i = 0; i < sum_.size(); ++i) {
    if (wsum_[i] > 0) {
      out_.values[i] = sum_[i] / wsum_[i];
    }
  }
  if (!out_.agents.empty()) {
    for (std::int32_t t = 0; t < periods_; ++t) {
      for (int k = 0; k < 2; ++k) {
        const double n = agent_w_[t][k];
        out_.agents[t][k] = n > 0 ? out_.agents[t][k] / n : std::nan("");
        out_.agents[t][2 + k] = n > 0 ? out_.agents[t][2 + k] / n : std::nan("");
        out_.agents[t][4 + k] = n;
      }
    }
  }
  for (std::int32_t t = 0; t < periods_; ++t) {
    const auto& gp = g_.params(t);
    if (gp.coproduction.enabled) {
      set_value(GovMetric::participation_target, g_.community_level(), t, gp.coproduction.target);
    }
  }
  std::stable_sort(out_.units.begin(), out_.units.end(),
                   [](const GovUnitRow& a, const GovUnitRow& b) { return a.period < b.period; });
  return std::move(out_);
}

}  // namespace gov
}  // namespace pdlab
