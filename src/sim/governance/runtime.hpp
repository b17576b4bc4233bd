// One replicate of the governance layer: its state (structs of arrays, named) and the steps of
// its modules. The modules run per block (an SO-holding unit with its local governments and
// communities) and per period; run.cpp holds the two schedules that drive them.
#pragma once

#include "pdlab/core/governance/model.hpp"
#include "pdlab/core/governance/result.hpp"
#include "pdlab/core/records.hpp"
#include "pdlab/core/rng.hpp"
#include "sim/governance/aligned.hpp"
#include "sim/governance/kernel.hpp"
#include "sim/state.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace pdlab::gov {

// Per upper unit (above the local governments): sums over its jurisdiction in a period.
enum class Jur : int {
  residents,
  participation,   // residents x participation
  satisfaction,    // residents x satisfaction
  grievance,       // residents x grievance
  depth,           // residents x depth
  active,          // residents of communities running the model
  fit,             // those residents x the fit of their variant
  adopters_depth,  // those residents x depth
  incidents,
  escalation,  // pressure received from below (attenuated by level)
  count
};
constexpr int kJur = static_cast<int>(Jur::count);

// Sums over one block's local governments in one period, added to the outputs once.
struct LocalSums {
  double value[kGovMetrics] = {};
  double weight[kGovMetrics] = {};
  std::uint64_t touched = 0;
  void add(GovMetric m, double v, double w) {
    const auto i = static_cast<int>(m);
    value[i] += v * w;
    weight[i] += w;
    touched |= std::uint64_t{1} << i;
  }
  // The value only; the caller sets the weight (the same sum for every metric it adds so).
  void add_value(GovMetric m, double v, double w) {
    const auto i = static_cast<int>(m);
    value[i] += v * w;
    touched |= std::uint64_t{1} << i;
  }
};
static_assert(kGovMetrics <= 64);

// What the hierarchy, the governance model and the restructuring say of one government, all
// constant over a run: one record, so that the per-government passes (decide_local,
// communities, assess_local, the signals) read one line for two governments, not a line of
// each of eight arrays.
struct GovInfo {
  std::int32_t parent;
  std::int32_t c0, c1;                     // its children [c0, c1)
  std::int32_t abolished_at, restored_at;  // GovernanceModel
  std::int32_t partial_from;  // GovernanceModel::partial: the first period in [0, periods)
  std::int32_t begin, end;    // the periods it exists (Restructuring::begin and end)
};

// The inputs of the officials' mix choices, four or eight officials at a time (officials.cpp:
// Runtime::mix_inputs, choose_mixes).
enum class MixInput : int {
  open,       // share of the expected incidents that suppression acts on
  contained,  // share that responds to grievance and unmet claims (open, after suppression)
  open_year,  // open contention per 10,000 residents a year (what compensation must pay)
  need,       // unmet need that full root-cause capital fixes, population-weighted
  voice,      // contention weight of the aggrieved: voiced / all grievance
  base,       // incidents at zero grievance relative to the expected ones (eruptions)
  expected,   // incidents expected in the rest of the year at the current mix
  residents,
  incidents,  // this year's so far
  grievance,
  latent,
  claims,  // expected claims
  capital,
  promotion,
  slope,
  adopted,
  discounted,
  h_eruptions,
  h_latent,
  h_claims,
  h_unmet,
  h_root,
  count
};
constexpr int kMixInputs = static_cast<int>(MixInput::count);

// The outcome of an official's yearly inspection (docs/model.md 7.9.1): none this period, or
// passed or failed.
enum class Inspected : std::uint8_t { no, passed, failed };

// The strategies of stability work (docs/model.md 7.9.4).
enum Strategy : int { control = 0, compensation = 1, root_cause = 2 };

class Runtime {
 public:
  // `window`: periods that adoption runs ahead of the governance layer (run.cpp).
  // `share_identical`: RunOptions::share_identical_communities.
  Runtime(const GovernanceModel& g, std::int32_t window, bool check_residents = false,
          bool share_identical = true);

  void init(sim::ReplicateState& state);

  // The year and the period within it of period t (t < 0 in the warm-up: floor, not
  // truncation, so that the warm-up's last year is year -1 and its periods count up to a year
  // end as the calendar's do).
  std::int32_t year_of(std::int32_t t) const {
    const std::int32_t y = t / ppy_;
    return t % ppy_ < 0 ? y - 1 : y;
  }
  std::int32_t period_in_year(std::int32_t t) const {
    const std::int32_t m = t % ppy_;
    return m < 0 ? m + ppy_ : m;
  }

  // Follows the governance policy's adoption: the records created or changed in period t.
  void collect(std::int32_t t, const sim::PolicyState& ps);
  // Runs the governance layer through periods [t0, t1), which adoption has run already.
  void run_window(std::int32_t t0, std::int32_t t1, sim::ReplicateState& state);

  std::int32_t window() const { return window_; }

 private:
  void apply_changes(std::vector<sim::Change>& list, std::size_t& next, std::int32_t t,
                     const std::vector<Adoption>& records);
  // The modules, for block b (an index into GovernanceModel::blocks()) in period t.
  void decide_local(std::size_t b, std::int32_t t);   // officials.cpp
  void communities(std::size_t b, std::int32_t t);    // communities.cpp (and agents.cpp)
  void stability(std::size_t b, std::int32_t t);      // stability.cpp
  Inspected inspect(std::int32_t u, std::int32_t t);  // assessment.cpp
  void assess_local(std::size_t b, std::int32_t t);   // assessment.cpp
  // Officials above the local governments in period t: their choices before any block (they
  // may be in charge of an abolished tier), their assessment after every block. Those of
  // units [u0, u1); with u0 = 0 the assessment first adds the children's jurisdiction sums
  // into their parents' and ends with the yearly tournaments (run_counties calls it for one
  // SO-holding unit, whose jurisdiction is its block, then for [0, the first such unit)).
  void decide_upper(std::int32_t t, std::int32_t u0, std::int32_t u1);  // officials.cpp
  void assess_upper(std::int32_t t, std::int32_t u0, std::int32_t u1);  // assessment.cpp
  // What adoption reads in period t + 1 (coupled runs with feedback on).
  // Feedback signals (feedback.cpp): the rows of period t, and government u's values.
  struct SignalRows {
    float* need = nullptr;
    float* escalation = nullptr;
    float* reversal = nullptr;
    float* outcome = nullptr;
    float* kid_outcome = nullptr;
    float* assessed = nullptr;
    std::int32_t year = 0;  // t / periods a year (the veto's year), not divided per unit
  };
  SignalRows rows(std::int32_t t, sim::Feedback& fb) const;
  // The rows of each period of the current window (found once a window: t % lag divides).
  std::vector<SignalRows> window_rows_;
  const SignalRows& window_rows(std::int32_t t) const { return window_rows_[t - window_start_]; }
  void signal(std::int32_t u, std::int32_t t, const SignalRows& r);
  void feedback_block(std::size_t b, std::int32_t t, sim::Feedback& fb);           // feedback.cpp
  void feedback_upper(std::int32_t t, std::int32_t signalled, sim::Feedback& fb);  // feedback.cpp
  void feedback_official(std::int32_t u, std::int32_t t);                          // feedback.cpp

 public:
  GovernanceResult finish();

 private:
  bool active(std::int32_t u, std::int32_t t) const {
    const Adopted& a = adopted_[u];
    return a.on <= t && t < a.off;
  }
  // What the hierarchy, the governance model and the restructuring say of government u (units
  // [0, ng_)), from info_: GovernanceModel::here, governs, partial, restored_at.
  bool here(const GovInfo& i, std::int32_t t) const {
    return !follows_ || (i.begin <= t && t < i.end);
  }
  bool here(std::int32_t u, std::int32_t t) const { return here(info_[u], t); }
  static bool governs(const GovInfo& i, std::int32_t t) {
    return t < i.abolished_at || t >= i.restored_at;
  }
  static bool partial(const GovInfo& i, std::int32_t t) {
    return t >= i.partial_from && t < i.restored_at;
  }
  // Units [0, upper_) are the levels above the local governments.
  bool has_official(std::int32_t u, const GovInfo& i, std::int32_t t) const {
    return (u < upper_ || governs(i, t)) && here(i, t);
  }
  bool has_official(std::int32_t u, std::int32_t t) const { return has_official(u, info_[u], t); }
  // Whether government u is born in period t > 0 and followed (a new official then).
  bool born(const GovInfo& i, std::int32_t t) const { return follows_ && t > 0 && i.begin == t; }
  bool born(std::int32_t u, std::int32_t t) const { return born(info_[u], t); }
  std::size_t cell(GovMetric m, int level, std::int32_t t) const {
    return (static_cast<std::size_t>(m) * nl_ + level) * periods_ + t;
  }
  void add(GovMetric m, int level, std::int32_t t, double value, double weight) {
    const auto i = cell(m, level, t);
    if (sum_log_ != nullptr) {
      sum_log_->push_back({i, value * weight, weight});
      return;
    }
    sum_[i] += value * weight;
    wsum_[i] += weight;
  }
  void set_value(GovMetric m, int level, std::int32_t t, double value) {
    out_.values[cell(m, level, t)] = value;
  }
  void flush(LocalSums& s, std::int32_t t);
  // The block's sums of a step, kept between calls: flush() leaves it zero again, so that the
  // steps need not clear kGovMetrics x 2 doubles each block and period.
  LocalSums local_sums_;
  void apply(const Adoption& a);
  double exponential(std::int32_t g, std::uint32_t& drawn);
  void set_population(std::int32_t slot, float residents, float migrant);
  void block_residents(const GovBlock& blk);
  // Restructuring in period t (runtime.cpp): residents follow merges, splits, births and
  // deaths of the block's communities; true when any did.
  bool restructure(const GovBlock& blk, std::int32_t t);
  void mix_state(std::int32_t into, std::int32_t from, float keep_local, float keep_migrant,
                 float keep);
  void merge(const Transition& tr);
  void split(const Transition& tr);
  // Restructuring before any block's period t (window 1): communities moving between blocks,
  // and the state governments born by a merge or split inherit (docs/model.md 7.9.7).
  void restructure_first(std::int32_t t);
  void inherit(const Transition& tr, std::size_t k, std::int32_t t);
  std::int32_t gslot(std::int32_t c) const { return slot(*g_.block_of(c), c); }
  void panel(std::int32_t g, const GovBlock& blk, std::int32_t t,
             const std::array<float, kGovUnitColumns>& values);
  void initial_state(std::int32_t s);
  void setup_agents(const GovBlock& blk);
  void add_agents(std::int32_t c, std::uint32_t key);
  bool in_agents_city(std::int32_t c) const;
  void move_agents(const Transition& tr, std::int32_t t);
  void follow_agents(std::size_t b, std::int32_t t);
  void move_agents_across(std::int32_t t);
  void agents(std::size_t b, std::int32_t t);
  CommunityArrays arrays(const GovBlock& blk, std::int32_t t);
  std::int32_t slot(const GovBlock& blk, std::int32_t c) const { return blk.slot + (c - blk.c0); }
  float& at(Field f, std::int32_t s) { return tiles_[tile_index(f, s)]; }
  // Slot s's locals and migrants (as set_population() sets its residents and migrant share).
  float locals(std::int32_t s) const {
    return at(Field::residents, s) * (1.0F - at(Field::migrant, s));
  }
  float migrants(std::int32_t s) const { return at(Field::residents, s) * at(Field::migrant, s); }
  float at(Field f, std::int32_t s) const { return tiles_[tile_index(f, s)]; }
  std::int32_t period_at(Field f, std::int32_t s) const {
    std::int32_t v;
    std::memcpy(&v, &tiles_[tile_index(f, s)], sizeof v);
    return v;
  }
  void set_period(Field f, std::int32_t s, std::int32_t v) {
    std::memcpy(&tiles_[tile_index(f, s)], &v, sizeof v);
  }
  bool community_active(std::int32_t s, std::int32_t t) const {
    return period_at(Field::adopted_from, s) <= t && t < period_at(Field::active_until, s);
  }
  // Sum of the outcomes of unit u's active children in period t of the window (learning).
  float& upper_kids(std::int32_t u, std::int32_t t) {
    return upper_kids_[static_cast<std::size_t>(u) * window_ + (t - window_start_)];
  }
  float* jur(std::int32_t u, std::int32_t t) {
    return &jur_[(static_cast<std::size_t>(u) * window_ + (t - window_start_)) * kJur];
  }
  // Officials' careers (officials.cpp).
  void appoint(std::int32_t u, std::int32_t t);
  void rank_peers(std::int32_t first, std::int32_t end, std::int32_t t);
  float choose_effort(std::int32_t official, std::int32_t territory, std::int32_t t, float depth,
                      float participation, float fit, bool reaches_residents) const;
  struct Local4;
  // (q: the groups of g0's block, from its first)
  void choose_mixes(Local4* q, std::int32_t g0, std::int32_t g1, std::int32_t t);
  void choose_mixes_avx2(Local4* q, std::int32_t g0, std::int32_t g1, std::int32_t t);
  void buy(Local4& q, int l, std::int32_t t);  // what the mix of local government q, l buys
  // Asks the caches for what block b's per-government passes read in the current window
  // (officials.cpp: decide_local does so for the next block, whose state the community tiles
  // have evicted since its last window). Reads and writes nothing.
  void prefetch_block(std::size_t b) const;
  // Asks for the lines of period t's feedback rows that block b writes (its governments' and
  // communities' entries, its shadows'): rows of the ring last written `lag` periods ago, no
  // longer cached. decide_local does so each period, before the officials' choices, so that
  // the kernel's and feedback_block's stores find them (asked for as for reading: a portable
  // x86-64 build has no prefetch for writing). Reads and writes nothing.
  void prefetch_signal_rows(std::size_t b, std::int32_t t) const;

  const GovernanceModel& g_;
  const Hierarchy& h_;
  const Scenario& sc_;
  Rng rng_;
  std::int32_t window_;
  std::int32_t window_start_ = 0;
  std::uint32_t rep_ = 0;
  std::int32_t periods_;
  // Periods of the warm-up (governance.warmup_years): init() runs the layer through
  // [-warmup_, 0) with no adoption anywhere and writes none of it (warm_up()).
  std::int32_t warmup_;
  int ppy_;
  int nl_;
  std::int32_t upper_;    // units [0, upper_) are above the local governments
  std::int32_t ng_;       // units [0, ng_) are governments (levels down to the local one)
  int every_;             // panel rows every `every_` periods (0 = none)
  bool check_residents_;  // fill GovernanceResult::residents (RunOptions::check_residents)
  // Never-adopted communities of a local government with the same residents' numbers are
  // identical (same start, same inputs each period) until one adopts: their shadow is updated
  // for all (RunOptions::share_identical_communities; off with restructuring of units and with
  // resident agents, which give communities states of their own).
  bool share_;
  bool follows_;               // GovernanceModel::follows_governments()
  std::vector<GovInfo> info_;  // per government, [0, ng_)

  // Per unit: adoption of the governance policy (its current record): the periods it runs the
  // model, [on, off), together (active() reads both).
  struct Adopted {
    std::int32_t on, off;
  };
  std::vector<Adopted> adopted_;
  std::vector<std::int32_t> variant_;
  std::vector<std::uint8_t> mandated_;
  // The governance policy's records that changed in the current window, per block and for the
  // units above the blocks, in date order.
  std::vector<sim::Change> changes_;
  std::vector<std::vector<sim::Change>> block_changes_;
  std::vector<sim::Change> upper_changes_;
  std::vector<std::int32_t> block_of_;  // block of each unit below the upper units (-1 = none)
  std::vector<std::uint8_t> moved_;     // per block: communities moved by restructure_first
  // What restructure() applies to each block in each period, so that a period with many merges
  // does not scan every merge once per block: by period, then block, then kind (merges and
  // splits, births, deaths), each kind in the order of the Restructuring's lists.
  struct BlockEvent {
    std::int32_t period, block, kind, index;  // index: into transitions(), or a unit
  };
  std::vector<BlockEvent> block_events_;
  std::vector<std::int32_t> block_events_first_;  // per period + 1: index into block_events_
  void index_block_events();
  // The warm-up (init(), governance.warmup_years): windows through [-warmup_, 0), their
  // outputs logged into warm_sums_ and warm_rows_ and dropped, then the feedback rows as init()
  // left them (clear_signals()).
  void warm_up(sim::ReplicateState& state);
  void clear_signals(sim::Feedback& fb) const;
  // A window over periods where some local government is abolished (run_window): the blocks
  // without one run the whole window first; the others run period by period after the
  // officials above choose (they answer to them). Each block's additions to the shared outputs
  // are logged and replayed in block order after the window: the same additions in the same
  // order as one period at a time.
  struct LoggedSum {
    std::size_t cell;
    double value, weight;
  };
  std::vector<std::int32_t> abolished_from_, abolished_until_;  // per block: the hull of its
                                                                // governments' abolished periods
  std::vector<std::size_t> block_next_;            // per block: its next change within the window
  std::vector<std::vector<LoggedSum>> sum_logs_;   // per block
  std::vector<std::vector<GovUnitRow>> row_logs_;  // per block
  std::vector<LoggedSum>* sum_log_ = nullptr;      // the running block's, when logging
  std::vector<LoggedSum> warm_sums_;               // the warm-up's (dropped)
  std::vector<GovUnitRow> warm_rows_;
  std::vector<GovUnitRow>* row_log_ = nullptr;
  bool abolished_in(std::size_t b, std::int32_t t0, std::int32_t t1) const {
    return abolished_from_[b] < t1 && abolished_until_[b] > t0;
  }
  void run_block(std::size_t b, std::int32_t t0, std::int32_t t1,
                 const std::vector<Adoption>& records, sim::ReplicateState& state);
  void run_upper(std::int32_t t, bool decide, std::size_t& next,
                 const std::vector<Adoption>& records, sim::ReplicateState& state);
  // A window in which each SO-holding unit's official runs with its block (run_counties): when
  // the SO-holding units are the level right above the local governments (their jurisdiction
  // is their block), below the nation, and no yearly tournament falls before the window's last
  // period (the only step where officials of different blocks meet).
  bool counties_with_blocks(std::int32_t t0, std::int32_t t1) const;
  void run_counties(std::int32_t t0, std::int32_t t1, const std::vector<Adoption>& records,
                    sim::ReplicateState& state);
  std::vector<sim::Change> county_changes_;  // run_counties: the SO-holding units' changes
  // Per unit above the blocks and period of the window: whether it was active when its signals
  // were written with its block (feedback_official).
  std::vector<std::uint8_t> upper_active_;
  std::uint8_t& upper_active(std::int32_t u, std::int32_t t) {
    return upper_active_[static_cast<std::size_t>(u) * window_ + (t - window_start_)];
  }

  // Per community slot (persistent): the tiles of the kernel.
  aligned_vector<float> tiles_;
  std::vector<float> coverage_;          // only for the panel
  aligned_vector<std::int32_t> gov_of_;  // CommunityArrays::gov
  // Per slot, CommunityArrays::count: how many communities its update stands for (1; 0 for
  // padding and for a community whose state a shadow holds; a shadow's group size).
  aligned_vector<float> count_;
  // Identical communities (share_): each group of two or more never-adopted communities of a
  // local government with the same residents' numbers has a shadow, a slot after every
  // block's communities (the block's shadows padded to simd::kMaxLanes, side by side) that holds
  // and updates the group's state; members read it until they adopt. A government with
  // communities and no group has an empty shadow (count 0), so that the shadows take every
  // place of the block's governments, as the kernel needs. Fixed per run
  // (plan_shadows()): the slots in all, each block's first shadow slot and shadows, each local
  // government's shadows [begin, end), each shadow's first member.
  std::int32_t slots_ = 0;
  std::vector<std::int32_t> shadow_base_, shadow_n_, shadow_padded_;
  std::vector<std::int32_t> shadow_begin_, shadow_end_;  // by local government - upper_
  std::vector<std::int32_t> shadow_first_;               // by shadow slot - community slots
  // Kernel outputs of a block's shadows (scratch).
  aligned_vector<float> shadow_street_;
  alignas(64) float shadow_sums_[kBlockSums][simd::kMaxLanes] = {};
  void plan_shadows();
  bool same_numbers(std::int32_t c, std::int32_t d) const;
  // The shadow holding community c's state (its slot s has count 0).
  std::int32_t shadow_of(std::int32_t c) const;
  void rows_from_shadow(std::int32_t c, std::int32_t sh);
  std::int32_t feedback_entry(std::int32_t u) const;
  void copy_state(std::int32_t from, std::int32_t to);
  // The slot whose tile holds community c's (slot s's) state.
  std::int32_t state_slot(std::int32_t c, std::int32_t s) const {
    return share_ && count_[static_cast<std::size_t>(s)] == 0.0F ? shadow_of(c) : s;
  }

  // Per block: scratch for one period (by local government, kernel outputs).
  aligned_vector<float> effort_c_, stress_c_, root_c_, peers_c_, control_c_, load_c_;
  std::array<aligned_vector<float>, 2> target_;
  aligned_vector<float> street_;       // rows of kStreetRow (kernel.hpp)
  std::vector<std::uint8_t> updated_;  // CommunityArrays::updated
  // The packed kernel (share_, pack_kernel()): a block's communities to update side by side,
  // their offsets in the block (ascending), and their tiles, places, inputs by place and rows.
  std::vector<std::size_t> pick_;
  aligned_vector<float> pack_tiles_, pack_count_, pack_street_, pack_coverage_;
  aligned_vector<std::int32_t> pack_gov_;
  std::array<aligned_vector<float>, 6> pack_place_;
  std::array<aligned_vector<float>, 2> pack_rows_;  // outcome, assessed
  bool packed_ = false;  // whether this block's period ran packed (its rows are pack_street_)
  // Within a block's run through a window the packed states stay in pack_tiles_ from one
  // period to the next (nothing else reads or writes them there); pack_home_ is then the
  // block's first tile, where unpack() writes them back. pack_from_ holds, per packed place,
  // the block's place whose inputs it takes.
  float* pack_home_ = nullptr;
  std::size_t pack_m_ = 0;
  std::vector<std::int32_t> pack_from_;
  bool pack_kernel(const CommunityArrays& arr, std::size_t padded, std::size_t lanes,
                   std::int32_t t, const KernelConstants& kc, float so_capacity, bool keep);
  bool gather_picks(const CommunityArrays& arr, std::size_t padded, std::size_t lanes,
                    const float* const (&by_place)[6]);
  void unpack();
  // The kernel's constants by period, made on first use in a replicate (each block's period
  // would otherwise make them again: two exponentials and the copies, per call).
  std::vector<KernelConstants> kernel_k_;
  std::vector<const Step*> kernel_k_of_;
  const KernelConstants& kernel_k(std::int32_t t, const Step& st) {
    const auto i = static_cast<std::size_t>(std::max(t, 0));  // (the warm-up's are period 0's)
    if (i >= kernel_k_of_.size()) {
      kernel_k_.resize(i + 1);
      kernel_k_of_.resize(i + 1, nullptr);
    }
    if (kernel_k_of_[i] != &st) {
      kernel_k_[i] = kernel_constants(st);
      kernel_k_of_[i] = &st;
    }
    return kernel_k_[i];
  }
  alignas(64) float block_sums_[kBlockSums][simd::kMaxLanes] = {};

  // Per block.
  std::vector<float> so_capacity_;
  std::vector<double> block_locals_, block_migrants_;

  // Per government (indexed by unit, [0, ng_)): the official's career and choices.
  std::vector<std::int32_t> term_end_, tenure_start_, last_turnover_;
  std::vector<float> rank_, promotion_, slope_;  // rank among peers; p(rank), dp/drank
  std::vector<double> record_;                   // sum of the assessment score over tenure
  std::vector<std::int32_t> scored_;             // periods it sums (active, in this run)
  // The year (period / periods a year) of the official's latest veto: a year's veto stays
  // readable through its last period, after the tournament, and into the next year.
  std::vector<std::int32_t> veto_year_;
  static constexpr std::int32_t kNoVeto = std::numeric_limits<std::int32_t>::min() / 2;
  bool vetoed_in(std::int32_t u, std::int32_t year) const { return veto_year_[u] == year; }
  std::vector<float> effort_, visible_, own_depth_;
  std::vector<std::int32_t> peers_, peer_order_;  // tournament scratch
  std::vector<float> peer_score_;
  void mix_inputs(const Local4& q, std::int32_t g, std::int32_t m, std::int32_t t,
                  simd::vf4 (&in)[kMixInputs]) const;
  // Per government: its jurisdiction in the last period (decisions and feedback).
  std::vector<float> j_residents_, j_participation_, j_satisfaction_, j_grievance_, j_depth_,
      j_fit_, j_incident_rate_, j_escalation_, year_incidents_;
  // Depth among the jurisdiction's residents whose communities run the model (0 where none
  // does): how the reform fares on the ground where it arrived (reversal feedback).
  std::vector<float> j_adopters_depth_;
  std::int32_t reversal_grace_ = 0;  // feedback.reversal_grace_months in periods

  // Per local government: the territory's stability and its officials' strategies, in records
  // of four governments (a block's governments from its first in fours, as the vector passes
  // take them; the last group's spare lanes belong to no government and are never read back
  // as one's): a pass over a block reads a few consecutive lines per four governments, not
  // one line or two of each of 30 arrays. Ordered by the passes that read them together.
  struct alignas(64) Local4 {
    // Stability state (docs/model.md 7.9.4): expected claims (yuan per incident), their unmet
    // share, latent grievance, root-cause capital; incidents expected per period at zero
    // grievance (base), before suppression (open), after it (contained) and in all (rate).
    simd::vf4 claims, unmet, latent, capital;
    simd::vf4 base_rate, open_rate, contained, rate;
    simd::vf4 mix[3];        // shares of the budget chosen for each strategy
    simd::vf4 intensity[3];  // what they buy: control, share of claims paid, root
    // Grievance weighted by contention weight (what reaches open contention) and the unmet need
    // full root-cause capital would fix, population-weighted (7.9.4).
    simd::vf4 voiced, need;
    simd::vf4 sent, places, cost;
    simd::vi4 incidents;  // this period's
    simd::vi4 in_charge;  // the unit whose official is in charge
    // Residents (block_residents), 1 / residents and 10,000 periods-a-year / residents (0
    // without residents).
    double residents[4], inv_residents[4], per_10k_year[4];
    double clock[4], next_incident[4];  // incidents as events of a Poisson process
    std::uint32_t drawn[4];
  };
  aligned_vector<Local4> local4_;
  std::vector<std::int32_t> local4_at_;  // per local government g: 4 x group + lane, at g - upper_
  std::vector<std::int32_t> block4_;     // per block: the group of its first government
  Local4& local4(std::int32_t g) { return local4_[local4_at_[g - upper_] >> 2]; }
  const Local4& local4(std::int32_t g) const { return local4_[local4_at_[g - upper_] >> 2]; }
  int lane(std::int32_t g) const { return local4_at_[g - upper_] & 3; }
  void index_local4();
  // Per local government, its communities' street sums (communities.cpp), rows of kStreetRow
  // as the kernel writes a community's.
  aligned_vector<float> street_sum_;
  float street_sum(StreetSum k, std::int32_t g) const {
    return street_sum_[static_cast<std::size_t>(g) * kStreetRow + static_cast<std::size_t>(k)];
  }

  // Upper officials: jurisdiction sums per unit and period of the window.
  std::vector<float> jur_;
  std::vector<float> upper_kids_;
  sim::Feedback* feedback_ = nullptr;
  std::vector<std::pair<const char*, std::uint32_t>>
      gov_arrays_;  // where this window's signals go (null: no feedback)

  // Outputs.
  GovernanceResult out_;
  std::vector<double> sum_, wsum_;
  std::vector<std::array<double, 4>> agent_w_;
  struct Agent {
    std::int32_t community;
    std::uint8_t group;
    std::uint8_t active;
  };
  std::vector<std::vector<Agent>> agents_;               // per block
  std::vector<std::pair<std::size_t, Agent>> arrivals_;  // agents changing block (their new one)
};

}  // namespace pdlab::gov
