#include "sim/governance/model.hpp"

#include "core/errors.hpp"
#include "core/params.hpp"
#include "sim/governance/simd.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab {

namespace {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line = 0) {
  fail(ErrorKind::config, {s.file, line, key, value}, what, fix);
}

std::string level_list(const Hierarchy& h) {
  std::string all;
  for (const auto& n : h.level_names()) {
    all += (all.empty() ? "" : ", ") + n;
  }
  return all;
}

}  // namespace

GovernanceModel::GovernanceModel(const Scenario& sc, const Hierarchy& h,
                                 const std::vector<CompiledEvent>& events, int policy,
                                 int unit_time_max_level)
    : sc_(sc), h_(h), policy_(policy), unit_time_max_level_(unit_time_max_level) {
  const auto& g = sc.governance;
  lc_ = h.n_levels() - 1;
  if (!g.coproduction.community_level.empty()) {
    const auto l = h.level_index(g.coproduction.community_level);
    if (!l) {
      const auto near = closest(g.coproduction.community_level, h.level_names());
      bad(sc, "coproduction.community_level", g.coproduction.community_level,
          "no such level in the hierarchy (levels: " + level_list(h) + ")",
          near.empty() ? "use one of the levels listed" : "did you mean '" + near + "'?");
    }
    lc_ = *l;
  }
  if (lc_ == 0) {
    bad(sc, "coproduction.community_level", h.level_names()[0],
        "the communities cannot be the top level: they need a local government above them",
        "choose a lower level, or a hierarchy with at least two levels");
  }
  lg_ = lc_ - 1;
  ls_ = std::max(0, lc_ - 2);
  const std::int32_t n = h.size();
  pop_.assign(n, 1000.0F);
  migrant_.assign(n, 0.0F);
  const auto read = [&](const std::string& key, const std::string& col, std::vector<float>& out,
                        float lo, float hi) {
    const auto a = h.attribute_index(col);
    if (!a) {
      const auto near = closest(col, h.source_columns());
      bad(sc, key, col, "the hierarchy has no such attribute column",
          near.empty() ? "use a column of the hierarchy file" : "did you mean '" + near + "'?");
    }
    const auto v = h.attribute(*a);
    for (std::int32_t u = h.level_begin(lc_); u < h.level_begin(lc_ + 1); ++u) {
      if (std::isnan(v[u])) {
        continue;  // documented default
      }
      if (v[u] < lo || v[u] > hi) {
        bad(sc, key, std::to_string(v[u]),
            "unit '" + std::string(h.id(u)) + "' (line " + std::to_string(h.source_line(u)) +
                " of " + h.source() + ") has a value outside [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]",
            "correct the column or choose another one");
      }
      out[u] = static_cast<float>(v[u]);
    }
  };
  read("coproduction.population", g.coproduction.population, pop_, 0.0F, 1e9F);
  impute_population(g.coproduction.population);
  read("coproduction.migrant_share", g.coproduction.migrant_share, migrant_, 0.0F, 1.0F);

  // Parameters per epoch: set events on governance keys, in date order.
  params_.push_back(g);
  std::vector<std::int32_t> starts = {0};
  Scenario tmp = sc;
  for (const auto& e : events) {  // sorted by period (stable)
    if (e.type != CompiledEvent::Type::set || e.key.rfind("adoption.", 0) == 0) {
      continue;
    }
    *find_parameter(e.key)->real(tmp) = e.value;
    if (e.period == starts.back()) {
      params_.back() = tmp.governance;
    } else {
      params_.push_back(tmp.governance);
      starts.push_back(e.period);
    }
  }
  for (const auto& p : params_) {
    steps_.push_back(gov::make_step(p, sc.calendar.periods_per_year));
  }
  epoch_of_.assign(static_cast<std::size_t>(sc.calendar.periods), 0);
  for (std::size_t k = 1; k < starts.size(); ++k) {
    for (std::int32_t t = std::max(0, starts[k]); t < sc.calendar.periods; ++t) {
      epoch_of_[t] = static_cast<std::int32_t>(k);
    }
  }

  abolished_at_.assign(n, kNever);
  for (const auto& e : events) {
    if (e.type == CompiledEvent::Type::abolish) {
      const int l = h.level(e.units.front());
      if (l != lg_) {
        bad(sc, "event.level", h.level_names()[l],
            "the governance layer can abolish only the local-government tier ('" +
                h.level_names()[lg_] + "', the parents of the communities)",
            "abolish that tier, or switch the governance modules off");
      }
      for (auto u : e.units) {
        abolished_at_[u] = std::min(abolished_at_[u], e.period);
      }
    } else if (e.type == CompiledEvent::Type::merge) {
      for (auto u : e.units) {
        if (h.level(u) != lc_ || h.ancestor_at(u, ls_) != h.ancestor_at(e.issuer, ls_)) {
          bad(sc, "event.units", std::string(h.id(u)),
              "the governance layer merges communities ('" + h.level_names()[lc_] +
                  "') within one '" + h.level_names()[ls_] + "' only",
              "merge communities that share that ancestor");
        }
      }
      merges_.push_back({e.period, e.issuer, e.units});
    }
  }
  if (!g.coproduction.agents_root.empty()) {
    agents_root_ = h.find(g.coproduction.agents_root);
    if (agents_root_ < 0) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "no unit with this id in the simulated hierarchy", "use the id of a unit, e.g. a city");
    }
    if (!g.coproduction.enabled) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "resident agents need the co-production module", "set coproduction.enabled = true");
    }
    if (h.level(agents_root_) > lc_) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "the unit lies below the community level", "use a city, district or community");
    }
  }

  // Blocks: the SO-holding units with their local governments and communities.
  const auto lanes = static_cast<std::int32_t>(simd::kMaxLanes);
  for (std::int32_t b = h.level_begin(ls_); b < h.level_begin(ls_ + 1); ++b) {
    GovBlock blk{b, b, b + 1, 0, 0, slots_, 0};
    if (ls_ < lg_) {
      blk.g0 = h.first_child(b);
      blk.g1 = h.end_child(b);
    }
    if (blk.g0 >= blk.g1) {
      continue;
    }
    blk.c0 = h.first_child(blk.g0);
    blk.c1 = h.end_child(blk.g1 - 1);
    blk.padded = (blk.c1 - blk.c0 + lanes - 1) / lanes * lanes;
    slots_ += blk.padded;
    blocks_.push_back(blk);
  }
}

// Communities without a population (the shipped data give it by county) get their nearest
// ancestor's population shared equally among that ancestor's communities.
void GovernanceModel::impute_population(const std::string& column) {
  const auto a = h_.attribute_index(column);
  if (!a) {
    return;
  }
  const auto col = h_.attribute(*a);
  const std::int32_t n = h_.size();
  std::vector<double> count(static_cast<std::size_t>(n), 0.0);
  for (std::int32_t u = h_.level_begin(lc_); u < h_.level_begin(lc_ + 1); ++u) {
    count[u] = 1.0;
  }
  for (std::int32_t u = h_.level_begin(lc_) - 1; u >= 0; --u) {
    for (std::int32_t c = h_.first_child(u); c < h_.end_child(u); ++c) {
      count[u] += count[c];
    }
  }
  for (std::int32_t u = h_.level_begin(lc_); u < h_.level_begin(lc_ + 1); ++u) {
    if (!std::isnan(col[u])) {
      continue;
    }
    for (std::int32_t p = h_.parent(u); p >= 0; p = h_.parent(p)) {
      if (!std::isnan(col[p]) && count[p] > 0) {
        pop_[u] = static_cast<float>(col[p] / count[p]);
        break;
      }
    }
  }
}

bool GovernanceModel::metric_enabled(GovMetric m) const {
  const auto& g = sc_.governance;
  switch (info(m).module) {
    case GovModule::assessment: return g.assessment.enabled;
    case GovModule::coproduction: return g.coproduction.enabled;
    case GovModule::services: return g.services.enabled;
    case GovModule::stability: return g.stability.enabled;
    case GovModule::any: return g.any();
  }
  return false;
}

bool GovernanceModel::metric_at(GovMetric m, int level) const {
  if (!metric_enabled(m)) {
    return false;
  }
  switch (info(m).levels) {
    case GovLevels::community: return level == lc_;
    case GovLevels::local: return level == lg_;
    case GovLevels::so: return level == ls_;
    case GovLevels::governments: return level <= lg_;
    case GovLevels::above_community: return level <= lc_;
  }
  return false;
}

}  // namespace pdlab
