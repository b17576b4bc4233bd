// Individual resident agents of one city (docs/model.md 7.9.2): each period an agent revises
// with probability adjust_rate x dt and then participates when a fresh threshold lies below its
// group's participation target; the mean follows the group equation.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

void Runtime::setup_agents(const GovBlock& blk) {
  const auto b = static_cast<std::size_t>(&blk - g_.blocks().data());
  auto& agents = agents_[b];
  agents.clear();
  const std::int32_t root = g_.agents_root();
  const int lr = h_.level(root);
  const auto& cp = sc_.governance.coproduction;
  for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
    if (h_.ancestor_at(c, lr) != root) {
      continue;
    }
    const auto n = static_cast<std::int32_t>(
        std::min<double>(cp.agents_per_community, std::floor(g_.population(c))));
    const auto nm =
        static_cast<std::int32_t>(std::lround(static_cast<double>(n) * g_.migrant_share(c)));
    for (std::int32_t a = 0; a < n; ++a) {
      agents.push_back({c, static_cast<std::uint8_t>(a < nm ? 1 : 0), std::uint8_t{0}});
    }
  }
  // Start at the group's initial participation.
  for (std::size_t a = 0; a < agents.size(); ++a) {
    const auto w = rng_.words(rep_, 0xFFFFFFFFU, static_cast<std::uint32_t>(agents[a].community),
                              static_cast<std::uint32_t>(a), Draw::agent);
    agents[a].active = Rng::to_open_unit(w[0], w[1]) < cp.initial_participation ? 1 : 0;
  }
}

void Runtime::agents(std::size_t b, std::int32_t t) {
  auto& agents = agents_[b];
  if (agents.empty()) {
    return;
  }
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  auto& out = out_.agents[t];
  auto& w = agent_w_[t];
  for (std::size_t a = 0; a < agents.size(); ++a) {
    auto& ag = agents[a];
    const auto i = static_cast<std::size_t>(ag.community - blk.c0);
    const int k = ag.group;
    const float target = target_[k][i];
    const auto wd =
        rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(ag.community),
                   static_cast<std::uint32_t>(a), Draw::agent);
    if (Rng::to_open_unit(wd[0], wd[1]) < st.adjust) {
      ag.active = Rng::to_open_unit(wd[2], wd[3]) < target ? 1 : 0;
    }
    out[k] += ag.active;
    w[k] += 1;
  }
  // The group model's participation for the same communities, weighted like the agents.
  for (const auto& ag : agents) {
    out[2 + ag.group] +=
        at(of_group(Field::participation_local, ag.group), slot(blk, ag.community));
  }
}

}  // namespace pdlab::gov
