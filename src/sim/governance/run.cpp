// The schedules that drive the governance modules (docs/model.md §3, 7.9.5).
#include "core/governance.hpp"
#include "sim/governance/runtime.hpp"

namespace pdlab {

// Block-major: each block runs through every period with its state in cache, then the
// officials above the local governments follow period by period. Valid when nothing the
// governance layer computes feeds back into adoption, and blocks do not interact.
GovernanceResult run_governance(const GovernanceModel& g, std::int32_t replicate,
                                const std::vector<Adoption>& records) {
  gov::Runtime rt(g);
  rt.init(replicate, records);
  const std::int32_t periods = g.scenario().calendar.periods;
  for (std::size_t b = 0; b < g.blocks().size(); ++b) {
    for (std::int32_t t = 0; t < periods; ++t) {
      rt.decide_local(b, t);
      rt.communities(b, t);
      rt.stability(b, t);
      rt.assess_local(b, t);
    }
  }
  for (std::int32_t t = 0; t < periods; ++t) {
    rt.assess_upper(t);
  }
  return rt.finish();
}

}  // namespace pdlab
