#include "sim/governance/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab {

const char* gov_unit_column(int i) {
  static const char* names[kGovUnitColumns] = {"visible",
                                               "depth",
                                               "hierarchical_score",
                                               "horizontal_score",
                                               "participation_local",
                                               "participation_migrant",
                                               "belonging_local",
                                               "belonging_migrant",
                                               "trust",
                                               "grievance",
                                               "coverage",
                                               "incidents",
                                               "cost"};
  return names[i];
}

namespace gov {

Runtime::Runtime(const GovernanceModel& g)
    : g_(g),
      h_(g.hierarchy()),
      sc_(g.scenario()),
      rng_(sc_.seed),
      periods_(sc_.calendar.periods),
      nl_(h_.n_levels()),
      upper_(h_.level_begin(g.local_level())),
      every_(sc_.output.unit_time_every) {}

void Runtime::init(std::int32_t replicate, const std::vector<Adoption>& records) {
  rep_ = static_cast<std::uint32_t>(replicate);
  const std::int32_t n = h_.size();
  t_on_.assign(n, kNever);
  t_off_.assign(n, kNever);
  mandated_.assign(n, 0);
  std::vector<const Adoption*> rec(n, nullptr);
  for (const auto& a : records) {
    rec[a.unit] = &a;
  }
  for (std::int32_t u = 0; u < n; ++u) {
    if (const auto* a = rec[u]) {
      t_on_[u] = a->period;
      t_off_[u] = a->rev_period;
      const std::int32_t p = h_.parent(u);
      const bool forced = a->channel == Channel::mandate_deadline ||
                          a->channel == Channel::quota ||
                          (p >= 0 && rec[p] != nullptr && rec[p]->mode == Mode::mandate);
      mandated_[u] = forced ? 1 : 0;
    }
  }
  // Community arrays.
  const auto& init = sc_.governance.coproduction;
  const auto slots = static_cast<std::size_t>(g_.community_slots());
  for (auto* v : {&migrant_, &residents_, &locals_, &migrants_, &depth_, &coverage_}) {
    v->assign(slots, 0.0F);
  }
  participation_mean_.assign(slots, 0.0F);
  adopted_from_.assign(slots, kNever);
  active_until_.assign(slots, kNever);
  for (int k = 0; k < 2; ++k) {
    participation_[k].assign(slots, static_cast<float>(init.initial_participation));
    belonging_[k].assign(slots, static_cast<float>(k == 0 ? init.initial_belonging_local
                                                          : init.initial_belonging_migrant));
    trust_[k].assign(slots, static_cast<float>(init.initial_trust));
    grievance_[k].assign(slots, static_cast<float>(init.initial_grievance));
  }
  std::int32_t widest = 0;
  for (const auto& blk : g_.blocks()) {
    widest = std::max(widest, blk.padded);
    for (std::int32_t c = blk.c0; c < blk.c1; ++c) {
      const auto s = slot(blk, c);
      set_population(s, g_.population(c), g_.migrant_share(c));
      adopted_from_[s] = t_on_[c];
      active_until_[s] = t_off_[c];
      participation_mean_[s] = static_cast<float>(init.initial_participation);
    }
  }
  // Block scratch.
  const auto w = static_cast<std::size_t>(widest);
  for (auto* v : {&effort_c_, &claims_c_, &root_c_, &peers_c_, &target_[0], &target_[1]}) {
    v->assign(w, 0.0F);
  }
  for (auto& v : street_) {
    v.assign(w, 0.0F);
  }
  // Per block.
  const auto nb = g_.blocks().size();
  so_capacity_.assign(nb, 0.0F);
  block_locals_.assign(nb, 0.0);
  block_migrants_.assign(nb, 0.0);
  block_pop_.assign(nb, 0.0);
  block_contracts_.assign(nb, 0.0);
  // Per local government.
  const auto ng = static_cast<std::size_t>(h_.level_begin(g_.community_level()));
  in_charge_.assign(ng, 0);
  for (auto* v : {&effort_, &visible_, &claims_, &root_work_, &cost_}) {
    v->assign(ng, 0.0F);
  }
  local_participation_.assign(ng, static_cast<float>(init.initial_participation));
  residents_g_.assign(ng, 0.0);
  for (auto& v : street_sum_) {
    v.assign(ng, 0.0F);
  }
  incidents_.assign(ng, 0);
  for (std::size_t b = 0; b < nb; ++b) {
    block_residents(g_.blocks()[b]);
  }
  // Upper officials and outputs.
  jur_.assign(static_cast<std::size_t>(upper_) * periods_ * kJur, 0.0F);
  upper_visible_.assign(upper_, 0.0F);
  upper_depth_.assign(upper_, 0.0F);
  sent_.assign(periods_, 0.0);
  pop_local_.assign(periods_, 0.0);
  out_ = GovernanceResult{};
  out_.values.assign(static_cast<std::size_t>(kGovMetrics) * nl_ * periods_, std::nan(""));
  sum_.assign(out_.values.size(), 0.0);
  wsum_.assign(out_.values.size(), 0.0);
  agents_.assign(nb, {});
  if (g_.agents_root() >= 0) {
    out_.agents.assign(periods_, {0, 0, 0, 0});
    agent_w_.assign(periods_, {0, 0, 0, 0});
    for (std::size_t b = 0; b < nb; ++b) {
      setup_agents(g_.blocks()[b]);
    }
  }
}

void Runtime::set_population(std::int32_t s, float residents, float migrant) {
  residents_[s] = residents;
  migrant_[s] = migrant;
  locals_[s] = residents * (1.0F - migrant);
  migrants_[s] = residents * migrant;
}

// Residents by local government and group; again after each merge.
void Runtime::block_residents(const GovBlock& blk) {
  const auto b = static_cast<std::size_t>(&blk - g_.blocks().data());
  block_locals_[b] = 0;
  block_migrants_[b] = 0;
  for (std::int32_t g = blk.g0; g < blk.g1; ++g) {
    residents_g_[g] = 0;
    for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
      const auto s = slot(blk, c);
      residents_g_[g] += residents_[s];
      block_locals_[b] += locals_[s];
      block_migrants_[b] += migrants_[s];
    }
  }
}

CommunityArrays Runtime::arrays(const GovBlock& blk) {
  const auto s = static_cast<std::size_t>(blk.slot);
  CommunityArrays a{};
  a.adopted_from = &adopted_from_[s];
  a.active_until = &active_until_[s];
  a.migrant = &migrant_[s];
  a.residents = &residents_[s];
  a.locals = &locals_[s];
  a.migrants = &migrants_[s];
  a.participation_mean = &participation_mean_[s];
  a.depth = &depth_[s];
  a.coverage = &coverage_[s];
  for (int k = 0; k < 2; ++k) {
    a.participation[k] = &participation_[k][s];
    a.belonging[k] = &belonging_[k][s];
    a.trust[k] = &trust_[k][s];
    a.grievance[k] = &grievance_[k][s];
    a.target[k] = g_.agents_root() >= 0 ? target_[k].data() : nullptr;
  }
  a.effort = effort_c_.data();
  a.claims = claims_c_.data();
  a.root_work = root_c_.data();
  a.peers = peers_c_.data();
  for (int k = 0; k < kStreetSums; ++k) {
    a.street[k] = street_[k].data();
  }
  a.block = block_sums_;
  return a;
}

void Runtime::flush_block(std::int32_t t) {
  for (int w = 0; w < 2; ++w) {
    const int level = w == at_community ? g_.community_level() : g_.local_level();
    for (int m = 0; m < kGovMetrics; ++m) {
      if (acc_w_[w][m] > 0) {
        const auto i = cell(static_cast<GovMetric>(m), level, t);
        sum_[i] += acc_v_[w][m];
        wsum_[i] += acc_w_[w][m];
      }
      acc_v_[w][m] = 0;
      acc_w_[w][m] = 0;
    }
  }
}

void Runtime::merge(const GovernanceModel::Merge& mg, const GovBlock& blk) {
  if (mg.into < blk.c0 || mg.into >= blk.c1) {
    return;  // another block's communities
  }
  const auto s = slot(blk, mg.into);
  for (auto u : mg.units) {
    const auto i = slot(blk, u);
    const float w = residents_[i];
    const float ws = residents_[s];
    if (w <= 0) {
      continue;
    }
    // Residents pool: every state becomes the population-weighted mean (per group).
    const float al = locals_[s] + locals_[i] > 0 ? locals_[s] / (locals_[s] + locals_[i]) : 0.5F;
    const float am =
        migrants_[s] + migrants_[i] > 0 ? migrants_[s] / (migrants_[s] + migrants_[i]) : 0.5F;
    for (int k = 0; k < 2; ++k) {
      const float a = k == 0 ? al : am;
      for (auto* v : {&participation_[k], &belonging_[k], &trust_[k], &grievance_[k]}) {
        (*v)[s] = a * (*v)[s] + (1 - a) * (*v)[i];
      }
    }
    const float a = ws / (ws + w);
    depth_[s] = a * depth_[s] + (1 - a) * depth_[i];
    set_population(s, ws + w, (migrants_[s] + migrants_[i]) / (ws + w));
    participation_mean_[s] =
        (1 - migrant_[s]) * participation_[0][s] + migrant_[s] * participation_[1][s];
    set_population(i, 0.0F, 0.0F);
  }
}

// Panel rows of local government g and its communities.
void Runtime::panel(std::int32_t g, const GovBlock& blk, std::int32_t t,
                    const std::array<float, kGovUnitColumns>& values) {
  const int max_level = g_.unit_time_max_level();
  if (h_.level(g) <= max_level) {
    out_.units.push_back({g, t, values});
  }
  if (g_.community_level() > max_level) {
    return;
  }
  for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
    const auto i = slot(blk, c);
    if (residents_[i] <= 0) {
      continue;
    }
    GovUnitRow r{c, t, {}};
    r.v.fill(std::nanf(""));
    r.v[1] = depth_[i];
    r.v[4] = participation_[0][i];
    r.v[5] = participation_[1][i];
    r.v[6] = belonging_[0][i];
    r.v[7] = belonging_[1][i];
    const float m = migrant_[i];
    r.v[8] = (1 - m) * trust_[0][i] + m * trust_[1][i];
    r.v[9] = (1 - m) * grievance_[0][i] + m * grievance_[1][i];
    r.v[10] = coverage_[i];
    out_.units.push_back(r);
  }
}

GovernanceResult Runtime::finish() {
  for (std::size_t i = 0; i < sum_.size(); ++i) {
    if (wsum_[i] > 0) {
      out_.values[i] = sum_[i] / wsum_[i];
    }
  }
  if (!out_.agents.empty()) {
    for (std::int32_t t = 0; t < periods_; ++t) {
      for (int k = 0; k < 2; ++k) {
        const double n = agent_w_[t][k];
        out_.agents[t][k] = n > 0 ? out_.agents[t][k] / n : std::nan("");
        out_.agents[t][2 + k] = n > 0 ? out_.agents[t][2 + k] / n : std::nan("");
      }
    }
  }
  // Per period, with the parameters then in force (set events): the pressure received by
  // higher levels (what local governments send reaches their superiors in full and each
  // further level up in part) and the state's participation target.
  for (std::int32_t t = 0; t < periods_; ++t) {
    const auto& gp = g_.params(t);
    if (gp.stability.enabled && pop_local_[t] > 0) {
      double f = 1.0;
      for (int l = g_.local_level() - 1; l >= 0; --l) {
        set_value(GovMetric::escalated, l, t,
                  sent_[t] * f * 1e4 * sc_.calendar.periods_per_year / pop_local_[t]);
        f *= gp.stability.escalation_attenuation;
      }
    }
    if (gp.coproduction.enabled) {
      set_value(GovMetric::participation_target, g_.community_level(), t, gp.coproduction.target);
    }
  }
  std::stable_sort(out_.units.begin(), out_.units.end(),
                   [](const GovUnitRow& a, const GovUnitRow& b) { return a.period < b.period; });
  return std::move(out_);
}

}  // namespace gov
}  // namespace pdlab
