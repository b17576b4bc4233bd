#include "pdlab/core/governance/model.hpp"

#include "pdlab/core/governance/rates.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/simd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace pdlab {

std::span<const char* const> gov::step_rate_keys() {
  static constexpr const char* kKeys[] = {"assessment.visible_rate",
                                          "assessment.visible_decay",
                                          "assessment.depth_rate",
                                          "assessment.depth_decay",
                                          "coproduction.belonging_time",
                                          "coproduction.belonging_services",
                                          "coproduction.belonging_participation",
                                          "coproduction.turnover_local",
                                          "coproduction.turnover_migrant",
                                          "coproduction.trust_rate",
                                          "coproduction.grievance_inflow",
                                          "coproduction.grievance_decay",
                                          "services.so_growth",
                                          "services.so_decay",
                                          "stability.control_trust",
                                          "stability.latent_rate"};
  return kKeys;
}

namespace {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line = 0) {
  fail(ErrorKind::config, {s.file, line != 0 ? line : s.line_of(key), key, value}, what, fix);
}

bool governance_key(const std::string& key) {
  for (const char* p : {"assessment.", "coproduction.", "services.", "stability."}) {
    if (key.rfind(p, 0) == 0) {
      return true;
    }
  }
  return false;
}

std::string level_list(const Hierarchy& h) {
  std::string all;
  for (const auto& n : h.level_names()) {
    all += (all.empty() ? "" : ", ") + n;
  }
  return all;
}

// The stability budget and mix (docs/model.md 7.9.4): a budget of 0 or more; the fixed shares
// exactly when the mix is fixed.
void check_stability(const Scenario& s, const StabilityParams& b) {
  if (!b.enabled) {
    return;
  }
  if (!(b.budget >= 0)) {
    bad(s, "stability.budget", number_text(b.budget), "a budget below zero",
        "set a budget of 0 or more yuan per 10,000 residents a year");
  }
  const std::pair<const char*, double> shares[] = {{"stability.control", b.control},
                                                   {"stability.compensation", b.compensation},
                                                   {"stability.root_cause", b.root_cause}};
  double total = 0;
  for (const auto& [key, v] : shares) {
    if (b.mix == Choice::fixed && std::isnan(v)) {
      bad(s, key, "", "stability.mix = \"fixed\" needs the three shares of the budget",
          "set stability.control, stability.compensation and stability.root_cause");
    }
    if (b.mix != Choice::fixed && !std::isnan(v)) {
      bad(s, key, number_text(v),
          "a fixed share, read only with stability.mix = \"fixed\": officials choose the mix",
          "remove it, or set stability.mix = \"fixed\"");
    }
    total += std::isnan(v) ? 0.0 : v;
  }
  if (b.mix == Choice::fixed && !(total > 0)) {
    bad(s, "stability.control", "0", "the fixed shares sum to 0",
        "give at least one of stability.control, .compensation, .root_cause a positive share");
  }
}

// Where a governance key was last given: by a set event (its source and line) or by the
// scenario itself (no line kept).
struct KeyOrigin {
  std::string source;
  std::int64_t line = 0;
};
using Origins = std::map<std::string, KeyOrigin>;

// The explicit per-period updates of the governance shares (docs/model.md 7.9, "Stability of
// the per-period updates") take a per-year rate r as the step r x dt, dt = 1 / periods_per_year.
// An update x + a (1 - x) - d x keeps x in [0, 1] exactly when a <= 1 and d <= 1; a larger step
// overshoots (and alternates with growing amplitude). The SO capacity, so + g s (1 - so / M) -
// d so with the contracting share s in [0, 1], stays in [0, M] exactly when g dt <= M and
// d dt <= 1. Checked per epoch (set events change these keys at a date).
void check_rates(const Scenario& s, const GovernanceParams& g, const Origins& origins) {
  const int ppy = s.calendar.periods_per_year;
  const double dt = 1.0 / ppy;
  const auto refuse = [&](const std::string& key, double value, const std::string& what,
                          const std::string& fix) {
    const auto it = origins.find(key);
    const bool by_event = it != origins.end();
    bad(s, key, number_text(value),
        (by_event ? "set by " + it->second.source + ": " : std::string()) + what, fix,
        by_event ? it->second.line : 0);
  };
  const auto& v = g.services;
  Scenario epoch = s;  // the values of this epoch, read through the registry
  epoch.governance = g;
  const std::string calendar =
      "with " + std::to_string(ppy) + (ppy == 1 ? " period a year" : " periods a year");
  Scenario defaults;  // the registry's defaults, to say when a value is one
  for (const char* key : gov::step_rate_keys()) {
    const Param& p = *find_parameter(key);
    const double r = *p.real(epoch);
    if (r * dt > 1.0) {
      // The shortest supported calendar on which this rate is stable.
      int fine = 365;
      for (const int c : {1, 2, 3, 4, 6, 12, 52, 365}) {
        if (r <= c) {
          fine = c;
          break;
        }
      }
      const bool is_default = origins.count(key) == 0 && r == *p.real(defaults);
      refuse(key, r,
             "a per-year rate of " + number_text(r) +
                 (is_default ? " (the registry's default)" : "") + " is a per-period step of " +
                 number_text(r * dt) +
                 ", and the explicit per-period update overshoots (it is unstable): rate x dt "
                 "must be at most 1: " +
                 calendar + ", at most " + std::to_string(ppy),
             "set " + std::string(key) + " to at most " + std::to_string(ppy) +
                 ", or use a calendar of at least " + std::to_string(fine) +
                 " periods a year (docs/model.md 7.9, stability of the per-period updates)");
    }
  }
  // so_max = 0 (or tiny) makes so_growth / so_max unbounded.
  if (v.so_growth * dt > v.so_max) {
    refuse("services.so_max", v.so_max,
           "the SO-capacity update is stable only if so_growth x dt <= so_max (it then keeps "
           "the capacity in [0, so_max]): " +
               calendar + " and services.so_growth = " + number_text(v.so_growth) +
               ", so_max must be at least " + number_text(v.so_growth * dt),
           "set services.so_max to at least " + number_text(v.so_growth * dt) +
               ", or services.so_growth to at most " + number_text(v.so_max * ppy));
  }
}

}  // namespace

GovernanceModel::GovernanceModel(const Scenario& sc, const Hierarchy& h,
                                 const std::vector<CompiledEvent>& events,
                                 const Restructuring& restructuring, int policy,
                                 int unit_time_max_level)
    : sc_(sc),
      h_(h),
      rs_(restructuring),
      policy_(policy),
      unit_time_max_level_(unit_time_max_level) {
  const auto& g = sc.governance;
  if (g.assessment.term_min > g.assessment.term_max) {
    bad(sc, "assessment.term_min", std::to_string(g.assessment.term_min),
        "above assessment.term_max = " + std::to_string(g.assessment.term_max) +
            " (terms are drawn uniformly between the two)",
        "give term_min <= term_max (years)");
  }
  lc_ = h.n_levels() - 1;
  if (!g.coproduction.community_level.empty()) {
    const auto l = h.level_index(g.coproduction.community_level);
    if (!l) {
      const auto near = closest_level(g.coproduction.community_level, h.level_names());
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
        fail(ErrorKind::data, {h.source(), h.source_line(u), col, number_text(v[u])},
             "unit '" + std::string(h.id(u)) + "' has a value outside [" + number_text(lo) + ", " +
                 number_text(hi) + "], which " + key + " (" + sc.file + ") reads",
             "correct the column, or name another column in " + key);
      }
      out[u] = static_cast<float>(v[u]);
    }
  };
  read("coproduction.population", g.coproduction.population, pop_, 0.0F, 1e9F);
  impute_population(g.coproduction.population);
  read("coproduction.migrant_share", g.coproduction.migrant_share, migrant_, 0.0F, 1.0F);
  // Primary-age children: the community's own share, else its nearest ancestor's (the
  // shipped census gives it by county), else services.children_share.
  children_.assign(n, static_cast<float>(g.services.children_share));
  if (const auto a = h.attribute_index(g.services.children)) {
    const auto col = h.attribute(*a);
    for (std::int32_t u = h.level_begin(lc_); u < h.level_begin(lc_ + 1); ++u) {
      for (std::int32_t p = u; p >= 0; p = h.parent(p)) {
        if (!std::isnan(col[p])) {
          if (col[p] < 0 || col[p] > 1) {
            bad(sc, "services.children", g.services.children,
                "unit '" + std::string(h.id(p)) + "' (line " + std::to_string(h.source_line(p)) +
                    " of " + h.source() + ") has a share outside [0, 1]: " + std::to_string(col[p]),
                "correct the column or choose another one");
          }
          children_[u] = static_cast<float>(col[p]);
          break;
        }
      }
    }
  } else if (g.services.enabled && g.services.children != "primary_share") {
    const auto near = closest(g.services.children, h.source_columns());
    bad(sc, "services.children", g.services.children, "the hierarchy has no such attribute column",
        near.empty() ? "use a column of the hierarchy file, or \"primary_share\" (the default: "
                       "services.children_share where the hierarchy has no such column)"
                     : "did you mean '" + near + "'?");
  }
  // A variant's design: the migrant share where it was invented (any level; missing = 0).
  design_.assign(n, 0.0F);
  {
    const auto col = h.attribute(*h.attribute_index(g.coproduction.migrant_share));
    for (std::int32_t u = 0; u < n; ++u) {
      design_[u] = std::isnan(col[u]) ? 0.0F : static_cast<float>(col[u]);
    }
  }
  // Levels whose governments feel the need, escalation and reversal feedback.
  feedback_level_.assign(static_cast<std::size_t>(h.n_levels()), 0);
  for (int l = 0; l <= lg_; ++l) {
    feedback_level_[l] = g.feedback.levels.empty() ? 1 : 0;
  }
  for (const auto& name : g.feedback.levels) {
    const int l = *h.level_index(name);  // Model checked that the level exists
    if (l > lg_) {
      bad(sc, "feedback.levels", name,
          "feedback acts on governments, and this level is at or below the communities ('" +
              h.level_names()[lc_] + "')",
          "list levels above the communities, e.g. '" + h.level_names()[lg_] + "'");
    }
    feedback_level_[l] = 1;
  }

  // Parameters per epoch: set events on governance keys, in date order.
  params_.push_back(g);
  std::vector<std::int32_t> starts = {0};
  Scenario tmp = sc;
  std::vector<Origins> origins(1);
  for (const auto& e : events) {  // sorted by period (stable)
    const auto* set = std::get_if<SetEvent>(&e.action);
    if (set == nullptr || !governance_key(set->key)) {
      continue;
    }
    *find_parameter(set->key)->real(tmp) = set->value;
    if (e.period == starts.back()) {
      params_.back() = tmp.governance;
    } else {
      params_.push_back(tmp.governance);
      starts.push_back(e.period);
      origins.push_back(origins.back());
    }
    origins.back()[set->key] = {e.source, e.line};
  }
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const auto& p = params_[k];
    check_stability(sc, p.stability);
    check_rates(sc, p, origins[k]);
    steps_.push_back(gov::make_step(p, sc.calendar.periods_per_year));
  }
  epoch_of_.assign(static_cast<std::size_t>(sc.calendar.periods), 0);
  for (std::size_t k = 1; k < starts.size(); ++k) {
    for (std::int32_t t = std::max(0, starts[k]); t < sc.calendar.periods; ++t) {
      epoch_of_[t] = static_cast<std::int32_t>(k);
    }
  }

  abolished_at_.assign(n, kNever);
  partial_from_.assign(n, kNever);
  restored_at_.assign(n, kNever);
  bool abolish = false;
  for (const auto& ev : events) {
    if (const auto* e = std::get_if<AbolishEvent>(&ev.action)) {
      abolish = true;
      const int l = h.level(e->units.front());
      if (l != lg_) {
        bad(sc, ev.source + ".level", h.level_names()[l],
            "the governance layer can abolish only the local-government tier ('" +
                h.level_names()[lg_] + "', the parents of the communities)",
            "abolish that tier, or switch the governance modules off");
      }
      if (!sc.stages.follow_restructuring) {
        continue;  // the path cut (a check): the local officials stay in charge
      }
      for (auto u : e->units) {
        abolished_at_[u] = rs_.abolished_at(u);
        restored_at_[u] = rs_.restored_at(u);
        if (!e->line_departments) {
          partial_from_[u] = std::min(partial_from_[u], ev.period);
        }
      }
    }
  }
  // Governments that do not exist throughout (docs/model.md 7.9.7): followed unless the path
  // is cut. Local governments do not merge or split while their tier is abolished (the rule
  // for that is abolition's). Merges and splits keep to one level (events.cpp).
  if (rs_.changes_units()) {
    for (std::int32_t u = 0; u < h.level_begin(lc_); ++u) {
      if (rs_.begin(u) != 0 || rs_.end(u) != kNever) {
        follow_governments_ = sc.stages.follow_restructuring;
        first_ = true;
        break;
      }
    }
  }
  const auto& trs = rs_.transitions();
  const auto line_of = [&](const std::string& source) {
    for (const auto& ev : events) {
      if (ev.source == source) {
        return ev.line;
      }
    }
    return std::int64_t{0};
  };
  std::span<const double> population;
  if (const auto a = h.attribute_index(g.coproduction.population)) {
    population = h.attribute(*a);
  }
  for (std::size_t k = 0; k < trs.size(); ++k) {
    const auto& tr = trs[k];
    const std::int32_t anchor = tr.to.front();
    const int level = h.level(anchor);
    const std::string field = tr.source + (tr.to.size() == 1 ? ".units" : ".unit");
    bool cross = false;
    for (const auto& side : {tr.from, tr.to}) {
      for (auto u : side) {
        if (level == lg_ && rs_.abolished_at(u) <= tr.period && tr.period <= rs_.restored_at(u)) {
          bad(sc, field, std::string(h.id(u)),
              "a merge or split of a local government while its tier is abolished (from " +
                  period_label(sc.calendar, rs_.abolished_at(u)) + ")",
              "date it before the abolition or after the re-establishment, or switch the "
              "governance modules off",
              line_of(tr.source));
        }
        if (level == lc_ && h.ancestor_at(u, ls_) != h.ancestor_at(anchor, ls_)) {
          cross = true;
        }
      }
    }
    if (cross) {
      if (cross_.empty()) {
        cross_.assign(trs.size(), 0);
      }
      cross_[k] = 1;
      first_ = true;
    }
    if (tr.to.size() > 1 && level < lc_) {
      // A split government's state goes to its parts by their population.
      if (shares_.empty()) {
        shares_.resize(trs.size());
      }
      double total = 0;
      for (auto v : tr.to) {
        total += population.empty() || std::isnan(population[v]) ? 0.0 : population[v];
      }
      for (auto v : tr.to) {
        const double p = population.empty() || std::isnan(population[v]) ? 0.0 : population[v];
        shares_[k].push_back(
            static_cast<float>(total > 0 ? p / total : 1.0 / static_cast<double>(tr.to.size())));
      }
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

  abolishes_ = abolish;
  lag_ = feedback_lag_periods(sc);
  window_ = g.feedback.any() ? lag_ : std::max(1, sc.calendar.periods);
  // The windows (docs/model.md §3): a new window at each period whose restructuring runs before
  // the blocks (Runtime::restructure_first: moves between blocks, governments taking over), and
  // at the start of each span of periods in which some local government is abolished; within
  // such a span windows of at most the lag (the runtime runs the blocks with an abolished
  // government period by period after the officials above choose, and logs every block's
  // additions to the outputs through the window).
  const std::int32_t periods = sc.calendar.periods;
  std::vector<std::int32_t> single(static_cast<std::size_t>(periods) + 1, 0);
  std::vector<std::uint8_t> start(static_cast<std::size_t>(periods), 0);
  for (std::int32_t u = h.level_begin(lg_); u < h.level_begin(lg_ + 1); ++u) {
    const std::int32_t a = std::clamp(abolished_at_[u], 0, periods);
    const std::int32_t r = std::clamp(restored_at_[u], 0, periods);
    if (a < r) {
      ++single[a];
      --single[r];
    }
  }
  for (std::size_t k = 0; k < trs.size(); ++k) {
    const std::int32_t t = trs[k].period;
    if (t >= 0 && t < periods &&
        (crosses_blocks(k) || (follow_governments_ && h.level(trs[k].to.front()) < lc_))) {
      start[t] = 1;
    }
  }
  window_end_.assign(static_cast<std::size_t>(periods), periods);
  std::int32_t next = periods;  // the first period after t that needs a window of its own
  std::int32_t open = 0;
  for (std::int32_t t = 0; t < periods; ++t) {
    open += single[t];
    single[t] = open;  // local governments abolished in t
  }
  for (std::int32_t t = periods - 1; t >= 0; --t) {
    const bool abolished = single[t] > 0;
    window_end_[t] = std::min({next, t + (abolished ? std::min(window_, lag_) : window_), periods});
    if (start[t] != 0 || (abolished && (t == 0 || single[t - 1] == 0))) {
      next = t;
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
  community_block_.assign(static_cast<std::size_t>(h.level_begin(lc_ + 1) - h.level_begin(lc_)),
                          -1);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    for (std::int32_t c = blocks_[b].c0; c < blocks_[b].c1; ++c) {
      community_block_[c - h.level_begin(lc_)] = static_cast<std::int32_t>(b);
    }
  }
}

std::int32_t GovernanceModel::block_index(std::int32_t u) const {
  if (h_.level(u) != ls_) {
    return -1;
  }
  const auto it = std::lower_bound(blocks_.begin(), blocks_.end(), u,
                                   [](const GovBlock& b, std::int32_t x) { return b.root < x; });
  return it != blocks_.end() && it->root == u ? static_cast<std::int32_t>(it - blocks_.begin())
                                              : -1;
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
  // Residents are shared among the communities of the first period; units born later take
  // over residents from the units they replace (docs/model.md 7.13).
  for (std::int32_t u = h_.level_begin(lc_); u < h_.level_begin(lc_ + 1); ++u) {
    count[u] = rs_.exists(u, 0) ? 1.0 : 0.0;
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
