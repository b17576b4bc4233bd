// A scenario compiled against a hierarchy: everything the engine needs, resolved to unit
// indices, periods and per-unit arrays. Both simulation and (later) estimation use it.
#pragma once

#include "pdlab/core/events.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/core/restructure.hpp"
#include "pdlab/core/scenario.hpp"
#include "pdlab/core/uncertainty.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pdlab {

// The hazard's weights in force from a period on (set events on hazard keys change them).
struct HazardEpoch {
  std::int32_t period = 0;
  double gamma_vertical = 0, gamma_horizontal = 0, gamma_bottom_up = 0, gamma_vh = 0;
  double gamma_need = 0;
  double shift =
      0;  // events' adoption.alpha_shift + trend b t + profiles (added to every exponent)
  VerticalParams vertical;
  std::int32_t base = 0;  // which static part of the exponent (Model::base) is in force
};

// Another policy that gates (prerequisite) or raises (booster) a policy's hazard while it is
// active in the unit or its superior.
struct PolicyLink {
  std::int32_t policy = 0;
  double weight = 0;  // booster's addition to the exponent
};

class Model {
 public:
  // Throws ErrorKind::config naming the scenario key when the scenario and hierarchy disagree
  // (unknown level, column, unit id or policy; date out of order).
  Model(const Scenario& scenario, const Hierarchy& hierarchy, const Network& network);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  const Scenario& scenario() const { return sc_; }
  const Hierarchy& hierarchy() const { return h_; }
  const Network& network() const { return net_; }
  std::int32_t periods() const { return sc_.calendar.periods; }
  int n_policies() const { return static_cast<int>(sc_.policies.size()); }

  // Static part of the linear predictor: alpha[level] + beta.x + g_e * need + shift, as in
  // force in hazard epoch `b` (see epochs()).
  float base(std::int32_t u, std::int32_t b = 0) const { return bases_[b][u]; }
  // The weights of policy k's hazard over time, first from period 0, in date order.
  const std::vector<HazardEpoch>& epochs(int k) const { return epochs_[k]; }
  const std::vector<PolicyLink>& prerequisites(int k) const { return prerequisites_[k]; }
  const std::vector<PolicyLink>& boosters(int k) const { return boosters_[k]; }
  // The first period policy k exists ([[policy]] from; 0 when it exists from the start).
  std::int32_t policy_from(int k) const { return policy_from_[k]; }
  // Whether units of `level` can adopt policy k at all ([[policy]] levels).
  bool adoptable(int k, int level) const { return adoptable_[k][level] != 0; }
  // Whether some units of a level policy k can be adopted at are of a type that cannot
  // ([[policy]] types).
  bool typed(int k) const { return !adoptable_units_[k].empty(); }
  // Whether units of `level` can ever adopt policy k in this run: false where [[policy]] levels
  // leaves the level out, or where every unit of it has an intercept of -inf in every hazard
  // epoch (none drawn from [uncertainty]) and no scripted adoption, pilot programme, mandate or
  // quota can reach it (those adopt whatever the hazard; a level reached by them from above
  // needs that level to adopt too). A conservative answer: true where in doubt.
  bool can_adopt_at(int k, int level) const;
  // Whether unit u can adopt policy k at all ([[policy]] levels and types).
  bool adoptable_unit(int k, std::int32_t u) const {
    return adoptable_[k][h_.level(u)] != 0 &&
           (adoptable_units_[k].empty() || adoptable_units_[k][u] != 0);
  }
  float capacity(std::int32_t u) const { return capacity_[u]; }
  float need(std::int32_t u) const { return need_[u]; }
  float pilot_score(std::int32_t u) const { return score_[u]; }
  // Cumulative mode probabilities {endorse, pilot, mandate, championship} for superiors of level l.
  const std::array<double, 4>& mode_cdf(int level) const { return mode_cdf_[level]; }
  const std::vector<CompiledEvent>& events() const { return events_; }
  // Units whose hazard factorises through the parent (leaf, no extra edges, cloglog link).
  bool fast(std::int32_t u) const { return fast_[u] != 0; }
  // Parent slots are [0, n_slots): every unit with children has index < n_slots.
  std::int32_t n_slots() const { return n_slots_; }
  int adoptions_max_level() const { return adoptions_max_level_; }
  // Things that are valid but probably not what the user meant (events after the horizon...).
  const std::vector<std::string>& warnings() const { return warnings_; }
  int unit_time_max_level() const { return unit_time_max_level_; }
  // Index of the policy that is the governance model (governance.policy).
  int governance_policy() const { return governance_policy_; }
  // The per-replicate parameter draws ([uncertainty] with draw = true), or nullptr.
  const CompiledDraws* parameter_draws() const {
    return draws_.keys.empty() || !sc_.uncertainty.draw ? nullptr : &draws_;
  }
  // Units born, ceasing, merged, split; tiers abolished and re-established (docs/model.md 7.13).
  const Restructuring& restructuring() const { return restructuring_; }
  // The governance layer, or nullptr when all its modules are off.
  const GovernanceModel* governance() const { return gov_.get(); }

 private:
  template <typename StaticPart>
  void compile_epochs(const StaticPart& static_part);
  void compile_links();
  void compile_availability();
  void compile_types(std::size_t k);
  std::vector<double> profile_shifts(std::size_t k);  // model_availability.cpp
  void check_available(const CompiledEvent& c, const Event& e) const;
  void check_feedback();
  void note_idle_modules();           // model_availability.cpp
  void note_unreached_communities();  // model_reach.cpp
  void note_frozen_trends();          // model_reach.cpp

  Scenario sc_;
  const Hierarchy& h_;
  const Network& net_;
  std::vector<std::vector<float>> bases_;
  std::vector<std::vector<HazardEpoch>> epochs_;
  std::vector<std::vector<PolicyLink>> prerequisites_, boosters_;
  std::vector<std::int32_t> policy_from_;
  CompiledDraws draws_;
  std::vector<std::vector<std::uint8_t>> adoptable_;        // [policy][level]
  std::vector<std::vector<std::uint8_t>> adoptable_units_;  // [policy][unit]; empty = all types
  std::vector<float> capacity_, need_, score_;
  std::vector<std::array<double, 4>> mode_cdf_;
  std::vector<CompiledEvent> events_;
  Restructuring restructuring_;
  std::vector<std::uint8_t> fast_;
  std::int32_t n_slots_ = 0;
  int adoptions_max_level_ = 255;
  int unit_time_max_level_ = 255;
  int governance_policy_ = 0;
  std::unique_ptr<GovernanceModel> gov_;
  std::vector<std::string> warnings_;
};

}  // namespace pdlab
