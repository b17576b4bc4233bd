// Individual resident agents of one city (docs/model.md 7.9.2): each period an agent revises
// with probability adjust_rate x dt and then participates when a fresh threshold lies below its
// group's participation target; the mean follows the group equation.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab::gov {

// Agents of community c, appended to its block's list, each starting at the initial
// participation; `key` is the period of their first draw (0xFFFFFFFF at the start).
void Runtime::add_agents(std::int32_t c, std::uint32_t key) {
  const auto& cp = sc_.governance.coproduction;
  auto& agents = agents_[static_cast<std::size_t>(g_.block_of(c) - g_.blocks().data())];
  const auto n = static_cast<std::int32_t>(
      std::min<double>(cp.agents_per_community, std::floor(g_.population(c))));
  const auto nm =
      static_cast<std::int32_t>(std::lround(static_cast<double>(n) * g_.migrant_share(c)));
  for (std::int32_t a = 0; a < n; ++a) {
    const auto w = rng_.words(rep_, key, static_cast<std::uint32_t>(c),
                              static_cast<std::uint32_t>(agents.size()), Draw::agent);
    agents.push_back({c, static_cast<std::uint8_t>(a < nm ? 1 : 0),
                      static_cast<std::uint8_t>(
                          Rng::to_open_unit(w[0], w[1]) < cp.initial_participation ? 1 : 0)});
  }
}

bool Runtime::in_agents_city(std::int32_t c) const {
  const std::int32_t root = g_.agents_root();
  return h_.ancestor_at(c, h_.level(root)) == root;
}

void Runtime::setup_agents(const GovBlock& blk) {
  const auto b = static_cast<std::size_t>(&blk - g_.blocks().data());
  agents_[b].clear();
  const auto& rs = g_.restructuring();
  for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
    // A community born later gets its agents then (follow_agents).
    if (in_agents_city(c) && (!rs.changes_units() || rs.exists(c, 0))) {
      add_agents(c, 0xFFFFFFFFU);
    }
  }
}

// Agents follow their community's residents (docs/model.md 7.9.7): at a merge they join the
// community theirs merged into; at a split each goes to one part, with the part's share of the
// residents as its chance. Agents whose community moves to another block change lists; those
// that leave the city leave the sample (residents arriving from outside it bring none).
void Runtime::move_agents(const Transition& tr, std::int32_t t) {
  const GovBlock* from_blk = g_.block_of(tr.from.front());
  if (from_blk == nullptr) {
    return;
  }
  auto& agents = agents_[static_cast<std::size_t>(from_blk - g_.blocks().data())];
  double total = 0;
  for (auto u : tr.to) {
    total += g_.population(u);
  }
  std::size_t kept = 0;
  for (std::size_t a = 0; a < agents.size(); ++a) {
    Agent ag = agents[a];
    if (std::find(tr.from.begin(), tr.from.end(), ag.community) == tr.from.end()) {
      agents[kept++] = ag;
      continue;
    }
    std::int32_t to = tr.to.front();
    if (tr.to.size() > 1) {
      const auto w =
          rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(ag.community),
                     static_cast<std::uint32_t>(a), Draw::agent_move);
      const double u = Rng::to_open_unit(w[0], w[1]);
      double cum = 0;
      for (std::size_t j = 0; j < tr.to.size(); ++j) {
        cum +=
            total > 0 ? g_.population(tr.to[j]) / total : 1.0 / static_cast<double>(tr.to.size());
        to = tr.to[j];
        if (u < cum) {
          break;
        }
      }
    }
    if (!in_agents_city(to)) {
      continue;
    }
    ag.community = to;
    const GovBlock* to_blk = g_.block_of(to);
    if (to_blk == from_blk) {
      agents[kept++] = ag;
    } else if (to_blk != nullptr) {
      arrivals_.push_back({static_cast<std::size_t>(to_blk - g_.blocks().data()), ag});
    }
  }
  agents.resize(kept);
}

// Block b's agents at the start of period t, after its communities restructured: moved by the
// transitions within the block, added for communities born without predecessor, gone with
// those that cease without successor. Moves between blocks happened before any block ran.
void Runtime::follow_agents(std::size_t b, std::int32_t t) {
  const auto& rs = g_.restructuring();
  const auto& blk = g_.blocks()[b];
  const int lc = g_.community_level();
  const auto in_block = [&](std::int32_t u) {
    return h_.level(u) == lc && u >= blk.c0 && u < blk.c1;
  };
  const auto in_transition = [&](std::int32_t u, bool source) {
    for (const auto& tr : rs.transitions_at(t)) {
      const auto& side = source ? tr.from : tr.to;
      if (std::find(side.begin(), side.end(), u) != side.end()) {
        return true;
      }
    }
    return false;
  };
  for (const auto& tr : rs.transitions_at(t)) {
    const auto k = static_cast<std::size_t>(&tr - rs.transitions().data());
    if (in_block(tr.from.front()) && !g_.crosses_blocks(k)) {
      move_agents(tr, t);
    }
  }
  auto& agents = agents_[b];
  for (const auto u : rs.ceased_at(t)) {
    if (in_block(u) && !in_transition(u, true)) {
      agents.erase(std::remove_if(agents.begin(), agents.end(),
                                  [&](const Agent& a) { return a.community == u; }),
                   agents.end());
    }
  }
  for (const auto u : rs.born_at(t)) {
    if (in_block(u) && in_agents_city(u) && !in_transition(u, false)) {
      add_agents(u, static_cast<std::uint32_t>(t));
    }
  }
}

// Before any block runs period t: agents of communities moving to another block.
void Runtime::move_agents_across(std::int32_t t) {
  const auto& rs = g_.restructuring();
  arrivals_.clear();
  for (const auto& tr : rs.transitions_at(t)) {
    const auto k = static_cast<std::size_t>(&tr - rs.transitions().data());
    if (g_.crosses_blocks(k) && h_.level(tr.from.front()) == g_.community_level()) {
      move_agents(tr, t);
    }
  }
  for (const auto& [b, ag] : arrivals_) {
    agents_[b].push_back(ag);
  }
  arrivals_.clear();
}

void Runtime::agents(std::size_t b, std::int32_t t) {
  if (g_.agents_root() < 0) {
    return;
  }
  if (g_.restructuring().changes_units() && t >= 0) {  // (none in the warm-up)
    follow_agents(b, t);
  }
  auto& agents = agents_[b];
  if (agents.empty()) {
    return;
  }
  const auto& blk = g_.blocks()[b];
  const Step& st = g_.step(t);
  // The warm-up's (t < 0) go to scratch, dropped.
  std::array<double, 6> warm_out{};
  std::array<double, 4> warm_w{};
  auto& out = t >= 0 ? out_.agents[t] : warm_out;
  auto& w = t >= 0 ? agent_w_[t] : warm_w;
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
