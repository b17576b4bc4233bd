// The two schedules that drive the governance modules (docs/model.md §3, 7.9.5).
#include "core/engine.hpp"
#include "core/governance.hpp"
#include "sim/governance/runtime.hpp"
#include "sim/process.hpp"
#include "sim/state.hpp"

#include <memory>

namespace pdlab {

// Block-major: adoption has finished; each block runs through every period with its state in
// cache, replaying the adoption records as they start, then the officials above the local
// governments follow period by period. Valid when nothing the governance layer computes feeds
// back into adoption and blocks do not interact (GovernanceModel::coupled() is false); it
// gives the same bits as the coupled schedule below (a test).
GovernanceResult run_governance(const GovernanceModel& g, sim::ReplicateState& state) {
  gov::Runtime rt(g, false);
  rt.init(state);
  const auto& records = state.policies[g.policy()].records;
  const std::int32_t periods = g.scenario().calendar.periods;
  for (std::size_t b = 0; b < g.blocks().size(); ++b) {
    for (std::int32_t t = 0; t < periods; ++t) {
      rt.replay_block(b, t, records);
      rt.decide_local(b, t);
      rt.communities(b, t);
      rt.stability(b, t);
      rt.assess_local(b, t);
    }
  }
  for (std::int32_t t = 0; t < periods; ++t) {
    rt.replay_upper(t, records);
    rt.decide_upper(t);
    rt.assess_upper(t);
  }
  return rt.finish();
}

namespace sim {

namespace {

// The coupled schedule: each governance module is a process that runs over every block in
// period t, after the adoption processes of t; the runtime it steps is shared.
class Officials final : public Process {
 public:
  Officials(std::shared_ptr<gov::Runtime> rt, const GovernanceModel& g)
      : rt_(std::move(rt)), g_(g) {}
  void init(ReplicateState& s) override { rt_->init(s); }
  void step(std::int32_t t, ReplicateState& s) override {
    rt_->sync_changed(s.policies[g_.policy()]);
    rt_->decide_upper(t);
    for (std::size_t b = 0; b < g_.blocks().size(); ++b) {
      rt_->decide_local(b, t);
    }
  }
  void finish(ReplicateState& /*s*/, ReplicateResult& /*out*/) override {}

 private:
  std::shared_ptr<gov::Runtime> rt_;
  const GovernanceModel& g_;
};

class Communities final : public Process {
 public:
  Communities(std::shared_ptr<gov::Runtime> rt, const GovernanceModel& g)
      : rt_(std::move(rt)), g_(g) {}
  void init(ReplicateState& /*s*/) override {}
  void step(std::int32_t t, ReplicateState& /*s*/) override {
    for (std::size_t b = 0; b < g_.blocks().size(); ++b) {
      rt_->communities(b, t);
    }
  }
  void finish(ReplicateState& /*s*/, ReplicateResult& /*out*/) override {}

 private:
  std::shared_ptr<gov::Runtime> rt_;
  const GovernanceModel& g_;
};

class Stability final : public Process {
 public:
  Stability(std::shared_ptr<gov::Runtime> rt, const GovernanceModel& g)
      : rt_(std::move(rt)), g_(g) {}
  void init(ReplicateState& /*s*/) override {}
  void step(std::int32_t t, ReplicateState& /*s*/) override {
    for (std::size_t b = 0; b < g_.blocks().size(); ++b) {
      rt_->stability(b, t);
    }
  }
  void finish(ReplicateState& /*s*/, ReplicateResult& /*out*/) override {}

 private:
  std::shared_ptr<gov::Runtime> rt_;
  const GovernanceModel& g_;
};

class Assessment final : public Process {
 public:
  Assessment(std::shared_ptr<gov::Runtime> rt, const GovernanceModel& g)
      : rt_(std::move(rt)), g_(g) {}
  void init(ReplicateState& /*s*/) override {}
  void step(std::int32_t t, ReplicateState& s) override {
    for (std::size_t b = 0; b < g_.blocks().size(); ++b) {
      rt_->assess_local(b, t);
    }
    rt_->assess_upper(t);
    if (g_.scenario().governance.feedback.any()) {
      rt_->feedback(t, s.feedback);
    }
  }
  void finish(ReplicateState& /*s*/, ReplicateResult& out) override {
    out.governance = rt_->finish();
  }

 private:
  std::shared_ptr<gov::Runtime> rt_;
  const GovernanceModel& g_;
};

}  // namespace

std::vector<std::unique_ptr<Process>> make_governance_processes(const GovernanceModel& g) {
  auto rt = std::make_shared<gov::Runtime>(g, true);
  std::vector<std::unique_ptr<Process>> out;
  out.push_back(std::make_unique<Officials>(rt, g));
  out.push_back(std::make_unique<Communities>(rt, g));
  out.push_back(std::make_unique<Stability>(rt, g));
  out.push_back(std::make_unique<Assessment>(rt, g));
  return out;
}

}  // namespace sim
}  // namespace pdlab
