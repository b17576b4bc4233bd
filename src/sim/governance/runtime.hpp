// One replicate of the governance layer: its state (structs of arrays, named) and the steps of
// its modules. The modules run per block (an SO-holding unit with its local governments and
// communities) and per period; see run.cpp for the two schedules that drive them.
#pragma once

#include "core/records.hpp"
#include "core/rng.hpp"
#include "sim/governance/kernel.hpp"
#include "sim/governance/model.hpp"
#include "sim/governance/result.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace pdlab::gov {

// Per upper unit (above the local governments) and period: sums over its jurisdiction.
enum class Jur : int { residents, participation, satisfaction, incidents, count };
constexpr int kJur = static_cast<int>(Jur::count);

class Runtime {
 public:
  explicit Runtime(const GovernanceModel& g);

  // Starts a replicate; `records` are the governance policy's final adoption records.
  void init(std::int32_t replicate, const std::vector<Adoption>& records);

  // The modules, for block b (an index into GovernanceModel::blocks()) in period t.
  void decide_local(std::size_t b, std::int32_t t);  // officials.cpp
  void communities(std::size_t b, std::int32_t t);   // communities.cpp
  void stability(std::size_t b, std::int32_t t);     // stability.cpp
  void assess_local(std::size_t b, std::int32_t t);  // assessment.cpp
  void agents(std::size_t b, std::int32_t t);        // agents.cpp
  // Officials above the local governments, in period t, after every block.
  void assess_upper(std::int32_t t);  // assessment.cpp

  GovernanceResult finish();

 private:
  // Whether unit u runs the governance model in period t.
  bool active(std::int32_t u, std::int32_t t) const { return t_on_[u] <= t && t < t_off_[u]; }
  std::size_t cell(GovMetric m, int level, std::int32_t t) const {
    return (static_cast<std::size_t>(m) * nl_ + level) * periods_ + t;
  }
  void add(GovMetric m, int level, std::int32_t t, double value, double weight) {
    const auto i = cell(m, level, t);
    sum_[i] += value * weight;
    wsum_[i] += weight;
  }
  void set_value(GovMetric m, int level, std::int32_t t, double value) {
    out_.values[cell(m, level, t)] = value;
  }
  // Per block and period, sums over local governments (community or local level) flushed once.
  enum Where : int { at_community = 0, at_local = 1 };
  void block_add(Where w, GovMetric m, double value, double weight) {
    acc_v_[w][static_cast<int>(m)] += value * weight;
    acc_w_[w][static_cast<int>(m)] += weight;
  }
  void flush_block(std::int32_t t);
  void set_population(std::int32_t slot, float residents, float migrant);
  void block_residents(const GovBlock& blk);
  void merge(const GovernanceModel::Merge& mg, const GovBlock& blk);
  void panel(std::int32_t g, const GovBlock& blk, std::int32_t t,
             const std::array<float, kGovUnitColumns>& values);
  void setup_agents(const GovBlock& blk);
  CommunityArrays arrays(const GovBlock& blk);
  std::int32_t slot(const GovBlock& blk, std::int32_t c) const { return blk.slot + (c - blk.c0); }
  float* jur(std::int32_t u, std::int32_t t) {
    return &jur_[(static_cast<std::size_t>(u) * periods_ + t) * kJur];
  }

  const GovernanceModel& g_;
  const Hierarchy& h_;
  const Scenario& sc_;
  Rng rng_;
  std::uint32_t rep_ = 0;
  std::int32_t periods_;
  int nl_;
  std::int32_t upper_;  // units [0, upper_) are above the local governments
  int every_;           // panel rows every `every_` periods (0 = none)

  // Per unit: adoption of the governance policy.
  std::vector<std::int32_t> t_on_, t_off_;
  std::vector<std::uint8_t> mandated_;

  // Per community slot (persistent).
  std::vector<std::int32_t> adopted_from_, active_until_;
  std::vector<float> migrant_, residents_, locals_, migrants_, participation_mean_, depth_,
      coverage_;
  std::array<std::vector<float>, 2> participation_, belonging_, trust_, grievance_;

  // Per block: scratch for one period (broadcasts from local governments, kernel outputs).
  std::vector<float> effort_c_, claims_c_, root_c_, peers_c_;
  std::array<std::vector<float>, 2> target_;
  std::array<std::vector<float>, kStreetSums> street_;
  float block_sums_[kBlockSums][simd::kMaxLanes] = {};
  double acc_v_[2][kGovMetrics] = {};
  double acc_w_[2][kGovMetrics] = {};

  // Per block.
  std::vector<float> so_capacity_;
  std::vector<double> block_locals_, block_migrants_, block_pop_, block_contracts_;

  // Per local government (indexed by unit).
  std::vector<std::int32_t> in_charge_;  // the government in charge (its parent once abolished)
  std::vector<float> effort_, visible_, claims_, root_work_;
  std::vector<float> local_participation_;  // of its communities, last period (peers)
  std::vector<double> residents_g_;
  std::array<std::vector<float>, kStreetSums> street_sum_;  // this period's street sums
  std::vector<std::int32_t> incidents_;
  std::vector<float> cost_;  // for the panel

  // Upper officials: jurisdiction sums per (unit, period); escalation and residents per period.
  std::vector<float> jur_;
  std::vector<float> upper_visible_, upper_depth_;
  std::vector<double> sent_, pop_local_;

  // Outputs.
  GovernanceResult out_;
  std::vector<double> sum_, wsum_;
  std::vector<std::array<double, 4>> agent_w_;
  struct Agent {
    std::int32_t community;
    std::uint8_t group;
    std::uint8_t active;
  };
  std::vector<std::vector<Agent>> agents_;  // per block
};

}  // namespace pdlab::gov
