// The governance layer compiled against a hierarchy (docs/model.md §7.9): its levels, the
// communities' residents, the blocks it runs in, and the parameters in force each period.
#pragma once

#include "pdlab/core/events.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/governance/step.hpp"
#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/restructure.hpp"
#include "pdlab/core/scenario.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pdlab {

// A block: one SO-holding unit with its local governments [g0, g1) and their communities
// [c0, c1), which interact only within the block. Its communities occupy slots
// [slot, slot + padded) of the community arrays (padded to simd::kMaxLanes).
struct GovBlock {
  std::int32_t root;
  std::int32_t g0, g1;
  std::int32_t c0, c1;
  std::int32_t slot;
  std::int32_t padded;
};

class GovernanceModel {
 public:
  // Throws ErrorKind::config naming the scenario key when the governance blocks disagree with
  // the hierarchy (unknown level or column, values out of range, events it cannot apply).
  GovernanceModel(const Scenario& sc, const Hierarchy& h, const std::vector<CompiledEvent>& events,
                  const Restructuring& restructuring, int policy, int unit_time_max_level);

  const Scenario& scenario() const { return sc_; }
  const Hierarchy& hierarchy() const { return h_; }
  int policy() const { return policy_; }
  int unit_time_max_level() const { return unit_time_max_level_; }
  int community_level() const { return lc_; }
  int local_level() const { return lg_; }
  int so_level() const { return ls_; }
  bool metric_enabled(GovMetric m) const;
  bool metric_at(GovMetric m, int level) const;  // whether (metric, level) is ever defined

  // Parameters in force in period t (set events included); the first period's before it (the
  // warm-up, governance.warmup_years, runs at periods < 0).
  const gov::Step& step(std::int32_t t) const { return steps_[epoch_of_[std::max(t, 0)]]; }
  const GovernanceParams& params(std::int32_t t) const {
    return params_[epoch_of_[std::max(t, 0)]];
  }

  const std::vector<GovBlock>& blocks() const { return blocks_; }
  // The block of community c (nullptr when it has no local government in a block).
  const GovBlock* block_of(std::int32_t c) const {
    const std::int32_t b = community_block_[c - h_.level_begin(lc_)];
    return b >= 0 ? &blocks_[b] : nullptr;
  }
  std::int32_t community_slots() const { return slots_; }
  float population(std::int32_t u) const { return pop_[u]; }
  float migrant_share(std::int32_t u) const { return migrant_[u]; }
  // Share of community u's residents of primary-school age (services.children).
  float children(std::int32_t u) const { return children_[u]; }
  // The conditions a variant invented by unit u was designed for (u's migrant share).
  float design(std::int32_t u) const { return design_[u]; }
  // Units of the abolished local-government tier, from the period they stop being governments
  // to the period they are re-established; partial: abolished with the line departments
  // unreformed.
  std::int32_t abolished_at(std::int32_t u) const { return abolished_at_[u]; }
  std::int32_t restored_at(std::int32_t u) const { return restored_at_[u]; }
  bool governs(std::int32_t u, std::int32_t t) const {
    return t < abolished_at_[u] || t >= restored_at_[u];
  }
  bool partial(std::int32_t u, std::int32_t t) const {
    return t >= partial_from_[u] && t < restored_at_[u];
  }
  // Whether governments of level l feel need, escalation and reversal feedback.
  bool feedback_at(int level) const { return feedback_level_[level] != 0; }
  // Periods from an outcome on the ground to its effect on adoption (feedback.lag_months).
  std::int32_t lag() const { return lag_; }
  // How many periods adoption may run ahead of the governance layer, which then runs block by
  // block through them with each block's state in cache: every period when nothing feeds back
  // (block-major), else the feedback lag. The longest window; window_end() gives each one.
  std::int32_t window() const { return window_; }
  // The end (exclusive) of the window that starts in period t: at most window() periods, at
  // most lag() while a tier is abolished (the runtime then runs the blocks with an abolished
  // government period by period after the officials above choose: docs/model.md §3), and
  // never past a period whose restructuring runs before the blocks or where an abolition
  // starts (a new window starts there). Results do not depend on the windows up to these ends
  // (tests prove it).
  std::int32_t window_end(std::int32_t t) const { return window_end_[t]; }
  bool abolishes() const { return abolishes_; }
  // Units born, ceasing, merged and split (the communities' residents follow them).
  const Restructuring& restructuring() const { return rs_; }
  // Whether the layer follows governments (levels above the communities) that do not exist
  // throughout: officials only while their unit exists, a new one at its birth, the territory's
  // state inherited at merges and splits (docs/model.md 7.9.7). False without such governments
  // or with the path cut (stages.follow_restructuring = false).
  bool follows_governments() const { return follow_governments_; }
  // Whether unit u has a government in period t as far as the layer follows it.
  bool here(std::int32_t u, std::int32_t t) const {
    return !follow_governments_ || rs_.exists(u, t);
  }
  // Whether transition k (an index into restructuring().transitions()) moves communities
  // between blocks: run before any block's period (at a window's start).
  bool crosses_blocks(std::size_t k) const { return !cross_.empty() && cross_[k] != 0; }
  // Whether anything restructures before the blocks run in a period (at a window's start).
  bool restructures_first() const { return first_; }
  // Share of a split's unit state that part j of transition k takes over (their hierarchy
  // `population`, equal shares when none has one); 1 for a merge.
  float part_share(std::size_t k, std::size_t j) const {
    return shares_.empty() || shares_[k].empty() ? 1.0F : shares_[k][j];
  }
  // The block whose SO-holding unit is u (-1 when u is not one).
  std::int32_t block_index(std::int32_t u) const;
  std::int32_t agents_root() const { return agents_root_; }

 private:
  void impute_population(const std::string& column);

  const Scenario& sc_;
  const Hierarchy& h_;
  const Restructuring& rs_;
  int policy_ = 0;
  int unit_time_max_level_ = 255;
  int lc_ = 0, lg_ = 0, ls_ = 0;
  std::vector<float> pop_, migrant_, children_;
  std::vector<GovernanceParams> params_;  // one per epoch (set events)
  std::vector<gov::Step> steps_;
  std::vector<std::int32_t> epoch_of_;  // per period
  std::vector<float> design_;
  std::vector<std::int32_t> abolished_at_, partial_from_, restored_at_;
  std::vector<std::uint8_t> feedback_level_;
  std::int32_t lag_ = 1;
  std::int32_t window_ = 1;
  std::vector<std::int32_t> window_end_;  // per period
  bool abolishes_ = false;
  std::vector<GovBlock> blocks_;
  std::vector<std::int32_t> community_block_;
  std::int32_t slots_ = 0;
  std::int32_t agents_root_ = -1;
  bool follow_governments_ = false;
  bool first_ = false;
  std::vector<std::uint8_t> cross_;         // per transition
  std::vector<std::vector<float>> shares_;  // per transition, per part of a split
};

}  // namespace pdlab
