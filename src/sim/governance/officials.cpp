// Officials' choices (docs/model.md 7.9.1): who is in charge of each local government, and
// the share of its effort that goes to depth rather than visible outputs.
#include "sim/governance/runtime.hpp"

namespace pdlab::gov {

void Runtime::decide_local(std::size_t b, std::int32_t t) {
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    // The government in charge: the local one, or its parent once its tier is abolished.
    const std::int32_t gov = t >= g_.abolished_at(g) && g > 0 ? h_.parent(g) : g;
    in_charge_[g] = gov;
    effort_[g] = mandated_[gov] != 0 ? st.effort_mandated : st.effort_plain;
  }
}

}  // namespace pdlab::gov
