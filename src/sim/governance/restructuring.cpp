// Restructuring inside the governance layer (docs/model.md 7.9.7): the merges, splits, births
// and deaths of communities within a block, those that move communities between blocks, and the
// governments that take over their sources' state.
#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace pdlab {
namespace gov {

// The merges, splits, births and deaths of each block's communities in each period
// (restructure()): a merge or split by the block of its first successor, unless it moves
// communities between blocks (restructure_first() applies those).
void Runtime::index_block_events() {
  const auto& rs = g_.restructuring();
  block_events_.clear();
  const auto block = [&](std::int32_t u) {
    return h_.level(u) == g_.community_level() ? block_of_[u] : -1;
  };
  for (std::int32_t t = 0; t < periods_; ++t) {
    for (const auto& tr : rs.transitions_at(t)) {
      const auto k = static_cast<std::size_t>(&tr - rs.transitions().data());
      const std::int32_t b = block(tr.to.front());
      if (b >= 0 && !g_.crosses_blocks(k)) {
        block_events_.push_back({t, b, 0, static_cast<std::int32_t>(k)});
      }
    }
    for (const auto u : rs.born_at(t)) {
      if (block(u) >= 0) {
        block_events_.push_back({t, block(u), 1, u});
      }
    }
    for (const auto u : rs.ceased_at(t)) {
      if (block(u) >= 0) {
        block_events_.push_back({t, block(u), 2, u});
      }
    }
  }
  // Stable: each kind keeps the order of its list within a block.
  std::stable_sort(block_events_.begin(), block_events_.end(),
                   [](const BlockEvent& x, const BlockEvent& y) {
                     return x.period != y.period ? x.period < y.period
                            : x.block != y.block ? x.block < y.block
                                                 : x.kind < y.kind;
                   });
  block_events_first_.assign(static_cast<std::size_t>(periods_) + 1, 0);
  for (const auto& e : block_events_) {
    ++block_events_first_[static_cast<std::size_t>(e.period) + 1];
  }
  for (std::int32_t t = 0; t < periods_; ++t) {
    block_events_first_[t + 1] += block_events_first_[t];
  }
}

bool Runtime::restructure(const GovBlock& blk, std::int32_t t) {
  const auto& rs = g_.restructuring();
  const auto b = static_cast<std::int32_t>(&blk - g_.blocks().data());
  const auto* first = block_events_.data() + block_events_first_[t];
  const auto* last = block_events_.data() + block_events_first_[t + 1];
  const auto [from, to] =
      std::equal_range(first, last, BlockEvent{t, b, 0, 0},
                       [](const BlockEvent& x, const BlockEvent& y) { return x.block < y.block; });
  bool changed = false;
  for (const auto* e = from; e != to; ++e) {
    const std::int32_t u = e->index;
    if (e->kind == 0) {
      changed = true;
      const auto& tr = rs.transitions()[static_cast<std::size_t>(u)];
      if (tr.to.size() == 1) {
        merge(tr);
      } else {
        split(tr);
      }
    } else if (e->kind == 1) {
      // Births and deaths without a predecessor or successor: residents arrive or leave.
      if (at(Field::residents, slot(blk, u)) <= 0) {
        bool taken_over = false;
        for (const auto& tr : rs.transitions_at(t)) {
          taken_over = taken_over || std::find(tr.to.begin(), tr.to.end(), u) != tr.to.end();
        }
        if (!taken_over) {
          initial_state(slot(blk, u));
          set_population(slot(blk, u), g_.population(u), g_.migrant_share(u));
          changed = true;
        }
      }
    } else if (at(Field::residents, slot(blk, u)) > 0) {
      set_population(slot(blk, u), 0.0F, 0.0F);
      changed = true;
    }
  }
  return changed;
}

// Mixes the residents' state of slot `from` into slot `into`: each group's fields keep the share
// `keep_local` / `keep_migrant` of `into`'s value, the community's own fields the share `keep`
// (the shares are population weights, computed by the caller).
void Runtime::mix_state(std::int32_t into, std::int32_t from, float keep_local, float keep_migrant,
                        float keep) {
  for (int k = 0; k < 2; ++k) {
    const float a = k == 0 ? keep_local : keep_migrant;
    for (Field f : {Field::participation_local, Field::belonging_local, Field::trust_local,
                    Field::grievance_local}) {
      const Field fk = of_group(f, k);
      at(fk, into) = a * at(fk, into) + (1 - a) * at(fk, from);
    }
  }
  for (Field f : {Field::depth, Field::perceived, Field::children}) {
    at(f, into) = keep * at(f, into) + (1 - keep) * at(f, from);
  }
}

// Merge: the residents of the merged communities join `into` (born now with no residents, or
// existing); every state becomes the population-weighted mean (per group).
void Runtime::merge(const Transition& tr) {
  const auto s = gslot(tr.to.front());
  for (auto u : tr.from) {
    const auto i = gslot(u);
    const float w = at(Field::residents, i);
    const float ws = at(Field::residents, s);
    if (w <= 0) {
      continue;
    }
    const float al = locals(s) + locals(i) > 0 ? locals(s) / (locals(s) + locals(i)) : 0.5F;
    const float am =
        migrants(s) + migrants(i) > 0 ? migrants(s) / (migrants(s) + migrants(i)) : 0.5F;
    mix_state(s, i, al, am, ws / (ws + w));
    set_population(s, ws + w, (migrants(s) + migrants(i)) / (ws + w));
    set_population(i, 0.0F, 0.0F);
  }
}

// Split: the parts share the unit's residents in proportion to their own populations (equal
// shares when none has one). A part born by the split starts from the unit's state; a part that
// existed before mixes its share of them into its own residents, as a merge does.
void Runtime::split(const Transition& tr) {
  const auto s = gslot(tr.from.front());
  const float residents = at(Field::residents, s);
  const float migrant = at(Field::migrant, s);
  double total = 0;
  for (auto u : tr.to) {
    total += g_.population(u);
  }
  for (auto u : tr.to) {
    const auto i = gslot(u);
    const double share =
        total > 0 ? g_.population(u) / total : 1.0 / static_cast<double>(tr.to.size());
    const auto in = static_cast<float>(residents * share);
    const float own = at(Field::residents, i);
    if (own <= 0) {
      for (int f = static_cast<int>(Field::children); f < kFields; ++f) {
        at(static_cast<Field>(f), i) = at(static_cast<Field>(f), s);
      }
      set_population(i, in, migrant);
      continue;
    }
    if (in <= 0) {
      continue;
    }
    const float in_l = in * (1.0F - migrant);
    const float in_m = in * migrant;
    const float al = locals(i) + in_l > 0 ? locals(i) / (locals(i) + in_l) : 0.5F;
    const float am = migrants(i) + in_m > 0 ? migrants(i) / (migrants(i) + in_m) : 0.5F;
    mix_state(i, s, al, am, own / (own + in));
    set_population(i, own + in, (migrants(i) + in_m) / (own + in));
  }
  set_population(s, 0.0F, 0.0F);
}

// Before any block runs period t (a window starts at t): communities that move between blocks (a
// merge or split across SO-holding units) join their new block with their state, and governments
// born by a merge or split take over their sources' state (docs/model.md 7.9.7).
void Runtime::restructure_first(std::int32_t t) {
  if (g_.agents_root() >= 0) {
    move_agents_across(t);
  }
  const auto& rs = g_.restructuring();
  const Transition* all = rs.transitions().data();
  const auto mark = [&](std::int32_t u) {
    const std::int32_t b = block_of_[u] >= 0 ? block_of_[u] : g_.block_index(u);
    if (b >= 0) {
      moved_[b] = 1;
    }
  };
  for (const auto& tr : rs.transitions_at(t)) {
    const auto k = static_cast<std::size_t>(&tr - all);
    if (g_.crosses_blocks(k)) {
      if (tr.to.size() == 1) {
        merge(tr);
      } else {
        split(tr);
      }
    } else if (g_.follows_governments() && h_.level(tr.to.front()) < g_.community_level()) {
      inherit(tr, k, t);
    } else {
      continue;
    }
    for (const auto& side : {tr.from, tr.to}) {
      for (auto u : side) {
        mark(u);
      }
    }
  }
}

// Government v taking over at a merge or split in period t: the territory's state is the
// mean of its sources' (the units that cease, and v when it existed before), weighted by their
// residents at the end of t - 1 (a split's part takes over its share of the unit's residents);
// counts of incidents and their rates are summed (a part: its share). A government born by the
// transition starts a new incidents' clock; its official is appointed when it decides (new).
void Runtime::inherit(const Transition& tr, std::size_t k, std::int32_t t) {
  const auto& rs = g_.restructuring();
  std::vector<float>* means[] = {
      &visible_, &own_depth_, &j_participation_, &j_satisfaction_, &j_grievance_,
      &j_depth_, &j_fit_,     &j_incident_rate_, &j_escalation_,   &j_adopters_depth_};
  std::vector<float>* sums[] = {&year_incidents_};
  // The local governments' own (Local4; units above have none).
  simd::vf4 Local4::*local_means[] = {&Local4::claims,  &Local4::unmet,  &Local4::latent,
                                      &Local4::capital, &Local4::voiced, &Local4::need};
  simd::vf4 Local4::*local_sums[] = {&Local4::base_rate, &Local4::open_rate, &Local4::contained,
                                     &Local4::rate};
  const bool local = h_.level(tr.to.front()) == g_.local_level();
  const bool so = h_.level(tr.to.front()) == g_.so_level();
  std::vector<std::pair<std::int32_t, float>> src;
  for (std::size_t j = 0; j < tr.to.size(); ++j) {
    const std::int32_t v = tr.to[j];
    const bool was = rs.begin(v) < t;
    src.clear();
    if (was) {
      src.emplace_back(v, 1.0F);
    }
    for (auto u : tr.from) {
      src.emplace_back(u, g_.part_share(k, j));
    }
    double total = 0;
    for (const auto& [u, share] : src) {
      total += static_cast<double>(share) * j_residents_[u];
    }
    const auto weight = [&](std::int32_t u, float share) {
      return total > 0 ? share * static_cast<double>(j_residents_[u]) : share;
    };
    double wsum = 0;
    for (const auto& [u, share] : src) {
      wsum += weight(u, share);
    }
    for (auto* a : means) {
      double x = 0;
      for (const auto& [u, share] : src) {
        x += weight(u, share) * (*a)[u];
      }
      (*a)[v] = wsum > 0 ? static_cast<float>(x / wsum) : (*a)[v];
    }
    for (auto* a : sums) {
      double x = 0;
      for (const auto& [u, share] : src) {
        x += static_cast<double>(share) * (*a)[u];
      }
      (*a)[v] = static_cast<float>(x);
    }
    if (local) {
      const auto f = [&](std::int32_t u, simd::vf4 Local4::*a) -> float {
        return (local4(u).*a)[lane(u)];
      };
      for (auto a : local_means) {
        double x = 0;
        for (const auto& [u, share] : src) {
          x += weight(u, share) * f(u, a);
        }
        (local4(v).*a)[lane(v)] = wsum > 0 ? static_cast<float>(x / wsum) : f(v, a);
      }
      for (auto a : local_sums) {
        double x = 0;
        for (const auto& [u, share] : src) {
          x += static_cast<double>(share) * f(u, a);
        }
        (local4(v).*a)[lane(v)] = static_cast<float>(x);
      }
      Local4& q = local4(v);
      q.residents[lane(v)] = total;
      if (!was) {
        q.clock[lane(v)] = 0.0;
        q.next_incident[lane(v)] = -1.0;  // drawn at its first period
      }
    }
    j_residents_[v] = static_cast<float>(total);  // after the means, which weigh by it
    if (so) {
      // The SO-holding unit's organisations: the residents-weighted mean capacity.
      double x = 0;
      double w = 0;
      for (const auto& [u, share] : src) {
        const std::int32_t b = g_.block_index(u);
        if (b >= 0) {
          const double r = share * (block_locals_[b] + block_migrants_[b]);
          x += r * so_capacity_[b];
          w += r;
        }
      }
      const std::int32_t bv = g_.block_index(v);
      if (bv >= 0 && w > 0) {
        so_capacity_[bv] = static_cast<float>(x / w);
      }
    }
  }
}

}  // namespace gov
}  // namespace pdlab
