// Restructuring in the engine (docs/model.md 7.13): units born, ceasing, merged and split;
// a tier abolished for one unit type only and re-established. Pattern (e) of issue 10: the
// invariants hold across a Latin-hypercube sample of the adoption and governance parameters,
// and an engine whose adoption state does not follow the restructuring (stages.
// follow_restructuring = false, the path cut) breaks them. Bad inputs name the event, field and
// fix.
#include "helpers.hpp"
#include "patterns.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/estimation/riskset.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/calibrate.hpp"
#include "pdlab/sim/compare.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/case_checks.hpp"
#include "sim/adoption.hpp"
#include "sim/state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

namespace pdlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A city with two districts; each has a street office and a town (column `type`), each with
// four communities. Under d0's street office, n0 is born in 2012 (a merge target); under d1's,
// p0 and p1 are born in 2013 (split parts); under d0's town, b0 is born in 2012 from nothing.
Hierarchy city(bool orphan = false, bool empty_street = false, bool late_office = false) {
  HierarchyBuilder b("restructure.csv", {"population", "migrant_share", "exists_from"});
  b.set_text_columns({"type"});
  std::int64_t line = 2;
  const auto add = [&](const std::string& id, const std::string& parent, const std::string& level,
                       const std::string& type, double pop, double from) {
    const double x[] = {pop, 0.3, from};
    b.add(id, parent, level, id, x, line++);
    const std::string_view t[] = {type};
    b.add_text(t);
  };
  const double none = std::nan("");
  add("R", "", "city", "prefecture_city", 1e6, none);
  for (int d = 0; d < 2; ++d) {
    const std::string di = "d" + std::to_string(d);
    add(di, "R", "district", "district", 5e5, none);
    for (const std::string kind : {"s", "t"}) {
      const std::string si = di + kind;
      add(si, di, "street", kind == "s" ? "street_office" : "town", 1e5, none);
      for (int c = 0; c < 4; ++c) {
        add(si + "c" + std::to_string(c), si, "community", "community", 1000.0 + 500.0 * c, none);
      }
    }
  }
  add("d0sn0", "d0s", "community", "community", 3000, 2012);
  add("d1sp0", "d1s", "community", "community", 1500, 201301);
  add("d1sp1", "d1s", "community", "community", 2500, 201301);
  add("d0tb0", "d0t", "community", "community", 2000, 2012);
  if (empty_street) {  // a street office without communities
    add("d1e", "d1", "street", "street_office", 1e5, none);
  }
  if (late_office) {  // an office of its own type, set up in 2014, with one community
    add("d1l", "d1", "street", "new_office", 1e5, 2014);
    add("d1lc0", "d1l", "community", "community", 1000, 2014);
  }
  if (orphan) {  // a street office created in 2015 and a community born under it in 2013
    add("d1x", "d1", "street", "street_office", 1e5, 2015);
    add("d1xq", "d1x", "community", "community", 1000, 201301);
  }
  return b.build("");
}

Event event(const std::string& key, const std::string& date, EventSpec spec) {
  Event e;
  e.key = key;
  e.date = date;
  e.policy = "gov";
  e.spec = std::move(spec);
  return e;
}

// 2010-01 .. 2015-12, monthly. Merge (2012-01), split (2013-01), a street-office-only
// abolition (2011-01) and its re-establishment (2014-01).
Scenario scenario(const std::string& inherit) {
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = 72;
  s.policies.push_back({"gov", "governance model", 0.0});
  s.adoption.alpha = {{"city", -kInf}, {"district", -3}, {"street", -4}, {"community", -5}};
  s.promotion.weights = {0.5, 0, 0.5, 0};
  s.promotion.mandate_deadline = 12;
  s.stages.reversal_rate = 0.01;
  s.stages.readopt = true;
  s.seed = 7;
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  s.events.push_back(
      event("event[0]", "2011-01", AbolishSpec{"street", {}, {"street_office"}, false}));
  s.events.push_back(
      event("event[1]", "2012-01", MergeSpec{{"d0sc0", "d0sc1", "d0sc2"}, "d0sn0", inherit}));
  s.events.push_back(event("event[2]", "2013-01", SplitSpec{"d1sc0", {"d1sp0", "d1sp1"}, inherit}));
  s.events.push_back(
      event("event[3]", "2014-01", ReestablishSpec{"street", {}, {"street_office"}}));
  return s;
}

bool active_at(const Adoption& a, std::int32_t t) {
  return a.period <= t && t < a.rev_period;
}

// Checks every invariant on one ensemble; returns how many were broken (0 = all held).
int broken_invariants(const Model& m, const std::vector<ReplicateResult>& rs) {
  const auto& h = m.hierarchy();
  const auto& rst = m.restructuring();
  const auto exists = [&](std::int32_t u, std::int32_t t) { return rst.exists(u, t); };
  int broken = 0;
  for (const auto& r : rs) {
    const auto cells = adoption_cells(m, r);
    // Only existing units adopt, and a unit's records end when it ceases.
    for (const auto& a : r.adoptions) {
      const std::int32_t end = rst.end(a.unit);
      broken +=
          a.period < rst.begin(a.unit) || a.period >= end || (end != kNever && a.rev_period > end)
              ? 1
              : 0;
    }
    for (std::int32_t t = 0; t < m.periods(); ++t) {
      std::vector<int> active(static_cast<std::size_t>(h.size()), 0);
      for (const auto& a : r.adoptions) {
        if (active_at(a, t) && exists(a.unit, t)) {
          ++active[a.unit];
        }
      }
      for (int l = 0; l < h.n_levels(); ++l) {
        double n_exist = 0;
        double n_active = 0;
        for (std::int32_t u = h.level_begin(l); u < h.level_begin(l + 1); ++u) {
          n_exist += exists(u, t) ? 1 : 0;
          n_active += active[u] > 0 ? 1 : 0;
          // Each unit counted once per period, and only while it exists.
          broken += active[u] > 1 || (active[u] > 0 && !rst.exists(u, t)) ? 1 : 0;
        }
        // The hierarchy summaries: existing units as denominators, active units as numerators.
        const auto cell = ((static_cast<std::size_t>(l)) * m.periods() + t) * kMetrics +
                          static_cast<int>(Metric::active);
        broken += n_exist != rst.count(l, t) ? 1 : 0;
        broken += std::abs(cells[cell] * n_exist - n_active) > 1e-9 ? 1 : 0;
      }
    }
    // Inheritance by the stated rule: each unit taking over others is active at the
    // transition's period exactly when its sources were at the end of the period before.
    for (const auto& tr : rst.transitions()) {
      const auto on = [&](std::int32_t u, std::int32_t t) {
        for (const auto& a : r.adoptions) {
          if (a.unit == u && active_at(a, t)) {
            return true;
          }
        }
        return false;
      };
      bool any = false;
      bool all = true;
      for (auto u : tr.from) {
        any = any || on(u, tr.period - 1);
        all = all && on(u, tr.period - 1);
      }
      for (auto v : tr.to) {
        const bool was = rst.begin(v) < tr.period && on(v, tr.period - 1);
        const bool want = tr.inherit == Inherit::any   ? any || was
                          : tr.inherit == Inherit::all ? all && (was || rst.begin(v) == tr.period)
                          : tr.inherit == Inherit::largest ? on(tr.largest, tr.period - 1)
                                                           : was;
        // Inherited means active from the transition on; not inherited means no record made
        // by the transition (the unit may still adopt in that period by its own hazard).
        bool made = false;
        for (const auto& a : r.adoptions) {
          made = made || (a.unit == v && a.period == tr.period && a.channel == Channel::inherited);
        }
        broken += (want && !on(v, tr.period)) || (!want && made) || (made && was) ? 1 : 0;
      }
    }
  }
  return broken;
}

}  // namespace

TEST(Restructure, CompilesExistenceAndTypeOnlyAbolition) {
  const auto h = city();
  const Network net;
  const Model m(scenario("any"), h, net);
  const auto& rs = m.restructuring();
  ASSERT_TRUE(rs.changes_units());
  const auto id = [&](const char* x) { return h.find(x); };
  EXPECT_EQ(rs.end(id("d0sc0")), 24);    // merged 2012-01
  EXPECT_EQ(rs.begin(id("d0sn0")), 24);  // born then
  EXPECT_EQ(rs.end(id("d1sc0")), 36);    // split 2013-01
  EXPECT_EQ(rs.begin(id("d1sp1")), 36);
  EXPECT_EQ(rs.end(id("d0sc3")), kNever);
  const int lc = *h.level_index("community");
  EXPECT_EQ(rs.count(lc, 0), 16);
  EXPECT_EQ(rs.count(lc, 24), 16 - 3 + 1 + 1);          // merge and a birth from nothing
  EXPECT_EQ(rs.count(lc, 36), 16 - 3 + 1 + 1 - 1 + 2);  // the split
  // Street offices only: the towns keep their government.
  EXPECT_EQ(rs.abolished_at(id("d0s")), 12);
  EXPECT_EQ(rs.restored_at(id("d0s")), 48);
  EXPECT_EQ(rs.abolished_at(id("d0t")), kNever);
  ASSERT_NE(m.governance(), nullptr);
  EXPECT_FALSE(m.governance()->governs(id("d1s"), 30));
  EXPECT_TRUE(m.governance()->governs(id("d1s"), 48));
  EXPECT_TRUE(m.governance()->governs(id("d1t"), 30));
}

// (e): merges, births and street-only abolition keep every invariant across the sample, under
// each inheritance rule; with the adoption state cut off from the restructuring inside the
// engine (records outlive their units, nothing is inherited) they break.
TEST(Patterns, RestructuringKeepsTheInvariants) {
  const auto h = city();
  const std::vector<test::Range> ranges = {{"adoption.gamma_vertical", 0.5, 2.5},
                                           {"adoption.gamma_horizontal", 0.5, 3.0},
                                           {"stages.reversal_rate", 0.0, 0.05},
                                           {"coproduction.w_belonging", 1.0, 3.0}};
  const auto sample = test::latin_hypercube(12, static_cast<int>(ranges.size()), 31);
  test::PatternResult res;
  const char* rules[] = {"any", "all", "largest", "none"};
  int k = 0;
  int inherited = 0;
  for (const auto& x : sample) {
    auto s = scenario(rules[k++ % 4]);
    test::apply_point(s, ranges, x);
    const Network net;
    const Model m(s, h, net);
    const auto rs = run_ensemble(m, 6, 2);
    for (const auto& r : rs) {
      for (const auto& a : r.adoptions) {
        inherited += a.channel == Channel::inherited ? 1 : 0;
      }
    }
    ++res.points;
    res.held += broken_invariants(m, rs) == 0 ? 1 : 0;
    auto cut = s;  // the adoption state no longer follows the restructuring
    cut.stages.follow_restructuring = false;
    const Model mc(cut, h, net);
    res.held_cut += broken_invariants(mc, run_ensemble(mc, 6, 2)) == 0 ? 1 : 0;
  }
  std::printf("(e) held %d of %d, cut %d; %d inherited adoptions\n", res.held, res.points,
              res.held_cut, inherited);
  EXPECT_GT(inherited, 0);          // the inheritance check is not vacuous
  EXPECT_EQ(res.held, res.points);  // invariants: every point
  EXPECT_LT(res.share_cut(), 0.5);
}

// The summaries count a unit only while it exists, whether or not the adoption state follows
// the restructuring: with the path cut, units born later (d0sn0, d1sp0, d1sp1) adopt before they
// exist and merged ones after they cease, and still no share passes 1 and each share is that of
// the existing units.
TEST(Restructure, SummariesCountOnlyExistingUnitsWithThePathCut) {
  const auto h = city();
  auto s = scenario("any");
  s.stages.follow_restructuring = false;
  s.adoption.alpha = {{"city", -kInf}, {"district", -2}, {"street", -2}, {"community", -2}};
  const Network net;
  const Model m(s, h, net);
  const auto& rst = m.restructuring();
  int before_birth = 0;
  for (const auto& r : run_ensemble(m, 6, 2)) {
    const auto cells = adoption_cells(m, r);
    for (const auto& a : r.adoptions) {
      before_birth += a.period < rst.begin(a.unit) ? 1 : 0;
    }
    for (int l = 0; l < h.n_levels(); ++l) {
      for (std::int32_t t = 0; t < m.periods(); ++t) {
        double n_adopted = 0;
        for (std::int32_t u = h.level_begin(l); u < h.level_begin(l + 1); ++u) {
          bool adopted = false;
          for (const auto& a : r.adoptions) {
            adopted = adopted || (a.unit == u && a.round == 0 && a.period <= t);
          }
          n_adopted += adopted && rst.exists(u, t) ? 1 : 0;
        }
        const auto at = [&](Metric metric) {
          return cells[(static_cast<std::size_t>(l) * m.periods() + t) * kMetrics +
                       static_cast<int>(metric)];
        };
        EXPECT_NEAR(at(Metric::adopted) * rst.count(l, t), n_adopted, 1e-9)
            << h.level_names()[l] << " at " << t;
        for (int k = 0; k < kMetrics; ++k) {
          EXPECT_LE(at(static_cast<Metric>(k)), 1.0) << h.level_names()[l] << " at " << t;
        }
      }
    }
  }
  EXPECT_GT(before_birth, 0);  // the check is not vacuous
}

// The merge (2012-01) and split (2013-01) of scenario(), without the abolition, nothing adopting
// on its own, no reversals and no governance layer: the stages are all the events make.
Scenario stages_scenario() {
  auto s = scenario("any");
  s.events = {s.events[1], s.events[2]};
  s.governance = {};
  s.stages.reversal_rate = 0;
  s.adoption.alpha = {
      {"city", -kInf}, {"district", -kInf}, {"street", -kInf}, {"community", -kInf}};
  return s;
}

const Adoption* record_of(const Hierarchy& h, const ReplicateResult& r, const std::string& id) {
  const Adoption* last = nullptr;
  for (const auto& a : r.adoptions) {
    last = a.unit == h.find(id) ? &a : last;
  }
  return last;
}

// "The most advanced state wins" (docs/model.md 7.13): heirs of pilots stay pilots under their
// piloting superior and are judged at its evaluation (here every pilot fails), and heirs of
// institutionalised units are institutionalised from the merge or split. Before, both became
// plain adopters: the pilots escaped their evaluation and the institutionalised share fell.
TEST(Restructure, HeirsTakeOverTheirSourcesStage) {
  const auto h = city();
  const Network net;
  auto s = stages_scenario();
  s.promotion.pilot_k = 4;       // every community of d0s and d1s
  s.promotion.pilot_delay = 48;  // judged in 2014, after the merge and the split
  s.promotion.pilot_success = 0.0;
  s.events.push_back(event("event[2]", "2010-01", AdoptSpec{{"d0s", "d1s"}, Mode::pilot, ""}));
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  const Adoption* sibling = record_of(h, r, "d0sc3");  // a pilot neither merged nor split
  ASSERT_NE(sibling, nullptr);
  ASSERT_EQ(sibling->pilot, 1);
  ASSERT_LT(sibling->rev_period, m.periods());  // failed at the evaluation
  for (const char* heir : {"d0sn0", "d1sp0", "d1sp1"}) {
    const Adoption* a = record_of(h, r, heir);
    ASSERT_NE(a, nullptr) << heir;
    EXPECT_EQ(a->channel, Channel::inherited) << heir;
    EXPECT_EQ(a->pilot, 1) << heir;
    EXPECT_EQ(a->full_period, kNever) << heir;
    EXPECT_EQ(a->rev_period, sibling->rev_period) << heir;  // judged with its siblings
  }

  auto si = stages_scenario();
  si.stages.institutionalise_after = 6;
  si.events.push_back(event("event[2]", "2010-02",
                            AdoptSpec{{"d0sc0", "d0sc1", "d0sc2", "d1sc0"}, Mode::none, ""}));
  const Model mi(si, h, net);
  const auto ri = run_replicate(mi, 0);
  const std::int32_t merge = 24;  // 2012-01
  const std::int32_t split = 36;  // 2013-01
  for (const char* heir : {"d0sn0", "d1sp0", "d1sp1"}) {
    const Adoption* a = record_of(h, ri, heir);
    ASSERT_NE(a, nullptr) << heir;
    EXPECT_EQ(a->inst_period, std::string(heir) == "d0sn0" ? merge : split) << heir;
    EXPECT_EQ(a->rev_period, kNever) << heir;
  }
  // The institutionalised share of the communities never falls: 4 of the existing ones.
  const auto cells = adoption_cells(mi, ri);
  const int lc = *h.level_index("community");
  for (std::int32_t t = 8; t < mi.periods(); ++t) {
    const double share = cells[(static_cast<std::size_t>(lc) * mi.periods() + t) * kMetrics +
                               static_cast<int>(Metric::institutionalised)];
    const double expected = (t < merge   ? 4.0
                             : t < split ? 2.0
                                         : 3.0) /
                            mi.restructuring().count(lc, t);
    EXPECT_NEAR(share, expected, 1e-12) << "period " << t;
  }
}

// A unit institutionalised and then reversed (by an event) leaves the institutionalised share
// when it reverses, as its unit_time stage says.
TEST(Restructure, ReversedUnitsLeaveTheInstitutionalisedShare) {
  const auto h = city();
  const Network net;
  auto s = stages_scenario();
  s.stages.institutionalise_after = 6;
  s.events.push_back(event("event[2]", "2010-02", AdoptSpec{{"d1tc0"}, Mode::none, ""}));
  s.events.push_back(event("event[3]", "2011-01", ReverseSpec{{"d1tc0"}, false}));
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  const auto cells = adoption_cells(m, r);
  const int lc = *h.level_index("community");
  const auto at = [&](std::int32_t t, Metric metric) {
    return cells[(static_cast<std::size_t>(lc) * m.periods() + t) * kMetrics +
                 static_cast<int>(metric)];
  };
  EXPECT_NEAR(at(11, Metric::institutionalised), 1.0 / m.restructuring().count(lc, 11), 1e-12);
  EXPECT_EQ(at(12, Metric::active), 0.0);
  EXPECT_EQ(at(12, Metric::institutionalised), 0.0);
  EXPECT_NEAR(at(12, Metric::reversed), 1.0 / m.restructuring().count(lc, 12), 1e-12);
}

// A tier re-established only in part is warned about: the rest stays abolished to the horizon.
TEST(Restructure, PartialReestablishmentIsWarned) {
  const auto h = city();
  const Network net;
  const auto warned = [](const Model& m) {
    for (const auto& w : m.warnings()) {
      if (w.find("event[0] (abolish): 1 of its 2 units are re-established later") !=
              std::string::npos &&
          w.find("'d1s'") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  auto s = scenario("any");
  EXPECT_FALSE(warned(Model(s, h, net)));  // both street offices come back
  std::get<ReestablishSpec>(s.events[3].spec).under = {"d0"};
  EXPECT_TRUE(warned(Model(s, h, net)));
}

// A local government without communities has no residents: its panel rows hold NULL for the
// means over residents (depth, satisfaction, trust, grievance, coverage), not 0.
TEST(Restructure, GovernmentWithoutResidentsHasNullMeans) {
  const auto h = city(false, true);
  auto s = scenario("any");
  s.output.unit_time_every = 12;
  s.output.unit_time_max_level = "street";
  const Network net;
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  int rows = 0;
  for (const auto& row : r.governance.units) {
    if (row.unit == h.find("d1e")) {
      ++rows;
      for (int k : {1, 3, 8, 9, 10}) {
        EXPECT_TRUE(std::isnan(row.v[k])) << gov_unit_column(k) << " at " << row.period;
      }
    } else if (row.unit == h.find("d1t")) {
      EXPECT_FALSE(std::isnan(row.v[8])) << "trust at " << row.period;  // it has residents
    }
  }
  EXPECT_GT(rows, 0);
}

// The governance layer follows the same hierarchy: a merged community's residents join the
// unit it merges into, a split one's go to its parts, and no resident is lost.
TEST(Restructure, GovernancePanelFollowsExistingCommunities) {
  const auto h = city();
  auto s = scenario("any");
  s.output.unit_time_every = 1;
  const Network net;
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  int rows = 0;
  for (const auto& row : r.governance.units) {
    if (h.level(row.unit) == *h.level_index("community")) {
      ++rows;
      EXPECT_TRUE(m.restructuring().exists(row.unit, row.period))
          << h.id(row.unit) << " at " << row.period;
    }
  }
  int existing = 0;  // every existing community, every period, and no other
  for (std::int32_t t = 0; t < m.periods(); ++t) {
    existing += m.restructuring().count(*h.level_index("community"), t);
  }
  EXPECT_EQ(rows, existing);
}

// compare's and calibrate's shares by level and date divide by the units that exist then, as
// the summaries do: each equals the summary's `adopted` share of the same replicate.
TEST(Restructure, CompareAndCalibrateCountExistingUnits) {
  const auto h = city();
  const Network net;
  const Model m(scenario("any"), h, net);
  const auto& rst = m.restructuring();
  const int lc = *h.level_index("community");
  const std::int32_t last = m.periods() - 1;
  ASSERT_NE(rst.count(lc, last), h.level_begin(lc + 1) - h.level_begin(lc));  // 16 of 20 exist
  const auto cell = [&](const std::vector<double>& cells, int l, std::int32_t t) {
    return cells[(static_cast<std::size_t>(l) * m.periods() + t) * kMetrics +
                 static_cast<int>(Metric::adopted)];
  };
  const auto defs = outcome_defs(m);
  int checked = 0;
  for (const auto& r : run_ensemble(m, 6, 2)) {
    const auto cells = adoption_cells(m, r);
    const auto values = outcome_values(m, r);
    for (std::size_t i = 0; i < defs.size(); ++i) {
      if (defs[i].statistic != "share_at_end") {
        continue;
      }
      const int l = *h.level_index(defs[i].level);
      if (defs[i].name == "active") {  // running the policy at the horizon: summary_time's
        EXPECT_NEAR(values[i],
                    cells[(static_cast<std::size_t>(l) * m.periods() + last) * kMetrics +
                          static_cast<int>(Metric::active)],
                    1e-12)
            << defs[i].level;
        ++checked;
        continue;
      }
      EXPECT_NEAR(values[i], cell(cells, l, last), 1e-12) << defs[i].level;
      // Half of the units existing then: the count reaches half there and not before.
      const auto half = static_cast<std::int32_t>(values[i + 1]);
      const auto adopted = [&](std::int32_t t) {
        return std::lround(cell(cells, l, t) * rst.count(l, t));
      };
      if (half < m.periods()) {
        EXPECT_GE(adopted(half), (rst.count(l, half) + 1) / 2);
        EXPECT_TRUE(half == 0 || adopted(half - 1) < (rst.count(l, half - 1) + 1) / 2);
      }
      ++checked;
    }
    std::vector<Target> targets;
    for (std::int32_t t : {12, 30, 40, last}) {
      Target tg;
      tg.level = lc;
      tg.regions = {0};  // the whole city
      tg.period = t;
      targets.push_back(tg);
    }
    const auto shares = target_shares(m, r, targets);
    for (std::size_t j = 0; j < targets.size(); ++j) {
      EXPECT_NEAR(shares[j], cell(cells, lc, targets[j].period), 1e-12) << targets[j].period;
    }
  }
  EXPECT_GT(checked, 0);
}

// Existence dates that leave a unit no period of the run: an exists_until at or before the
// start and an exists_from after the last period are both refused, naming the file, line,
// field and value as written (2005, not 2005.000000).
TEST(Restructure, ExistenceOutsideTheRunIsRefused) {
  const auto build = [](const char* column, double value) {
    HierarchyBuilder b("units.csv", {"population", column});
    const double none[] = {1000, std::nan("")};
    const double x[] = {1000, value};
    b.add("R", "", "city", "R", none, 2);
    b.add("a", "R", "district", "a", none, 3);
    b.add("b", "R", "district", "b", x, 4);
    return b.build("");
  };
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = 72;  // 2010-01 .. 2015-12
  s.policies.push_back({"p", "policy", 0.0});
  s.adoption.alpha = {{"city", -kInf}, {"district", -3}};
  const Network net;
  auto e = test::expect_error([&] { const Model m(s, build("exists_until", 2005), net); },
                              ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("units.csv:4: field 'exists_until' = '2005': the unit "
                                       "ceases before the first period"),
            std::string::npos)
      << e.what();
  e = test::expect_error([&] { const Model m(s, build("exists_from", 201601), net); },
                         ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("units.csv:4: field 'exists_from' = '201601': the unit "
                                       "begins after the last period (2015-12)"),
            std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("extend calendar.periods"), std::string::npos) << e.what();
  e = test::expect_error([&] { const Model m(s, build("exists_from", 2012.5), net); },
                         ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("field 'exists_from' = '2012.5': not a year or a month"),
            std::string::npos)
      << e.what();
  // Within the run (the last period included) both are accepted.
  EXPECT_NO_THROW(const Model m(s, build("exists_from", 201512), net));
  EXPECT_NO_THROW(const Model m(s, build("exists_until", 2011), net));
}

// One unit ceasing by two events on one date (two merges, or a merge and a split) would pass
// its adoption to both targets: refused, naming the later event's field, the unit and the fix.
TEST(Restructure, OneUnitInTwoEventsOnOneDateIsRefused) {
  const auto h = city();
  const Network net;
  const auto check = [&](Scenario s, const std::string& field) {
    const auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
    const std::string what = e.what();
    EXPECT_NE(what.find(field), std::string::npos) << what;
    EXPECT_NE(what.find("already ceases by event["), std::string::npos) << what;
    EXPECT_NE(what.find("list each unit in one merge or split only"), std::string::npos) << what;
  };
  // A second merge of d0sc0 (merged into d0sn0 by event[1] in 2012-01).
  auto s = scenario("any");
  s.events.push_back(event("event[4]", "2012-01", MergeSpec{{"d0sc0"}, "d0sc3", ""}));
  check(s, "event[4].units' = 'd0sc0'");
  // A split of the same unit on that date.
  s = scenario("any");
  s.events.push_back(event("event[4]", "2012-01", SplitSpec{"d0sc0", {"d0sn0", "d0tb0"}, "any"}));
  check(s, "event[4].unit' = 'd0sc0'");
  // A merge of the unit event[2] splits in 2013-01.
  s = scenario("any");
  s.events.push_back(event("event[4]", "2013-01", MergeSpec{{"d1sc0", "d1sc2"}, "d1sc1", ""}));
  check(s, "event[4].units' = 'd1sc0'");
  // On a later date it has ceased: the existing check.
  s.events.back().date = "2013-06";
  const auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("does not exist before"), std::string::npos) << e.what();
}

// A unit that takes over by one event and ceases by another on the same date (a chain A into
// B into C) would depend on the order of the events: refused in either order.
TEST(Restructure, TakingOverAndCeasingOnOneDateIsRefused) {
  const auto h = city();
  const Network net;
  auto s = scenario("any");
  s.events.push_back(event("event[4]", "2012-01", MergeSpec{{"d1sc2"}, "d1sc3", ""}));
  s.events.push_back(event("event[5]", "2012-01", MergeSpec{{"d1sc3"}, "d1sc1", ""}));
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[5].units' = 'd1sc3'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("takes over by event[4] on the same date"),
            std::string::npos)
      << e.what();
  std::swap(s.events[4].spec, s.events[5].spec);
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[5].into' = 'd1sc3'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("ceases by event[4] on the same date"), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("merge the units into the last one in one event"),
            std::string::npos)
      << e.what();
  // A month apart the chain is well defined.
  s.events[5].date = "2012-02";
  std::swap(s.events[4].spec, s.events[5].spec);
  EXPECT_NO_THROW(const Model m(s, h, net));
}

// An abolition below a unit that no longer exists, or whose units of the tier have all ceased,
// would do nothing: refused with the event's `under`, the unit and its existence.
TEST(Restructure, AbolitionBelowUnitsThatDoNotExistIsRefused) {
  HierarchyBuilder b("shrink.csv", {"population", "exists_until"});
  std::int64_t line = 2;
  const double always = std::nan("");
  const auto add = [&](const std::string& id, const std::string& parent, const std::string& level,
                       double until) {
    const double x[] = {1000, until};
    b.add(id, parent, level, id, x, line++);
  };
  add("R", "", "city", always);
  add("d0", "R", "district", 2012);  // d0 and all below it cease in 2012
  add("d0s", "d0", "street", 2012);
  add("d0sc0", "d0s", "community", 2012);
  add("d1", "R", "district", always);
  add("d1s", "d1", "street", always);
  add("d1sc0", "d1s", "community", always);
  add("d1t", "d1", "street", always);
  add("d1tc0", "d1t", "community", 2012);  // d1t stays, its only community ceases
  const auto h = b.build("");
  const Network net;
  auto s = scenario("any");
  s.governance = {};
  const auto abolish = [&](const std::string& level, std::vector<std::string> under) {
    s.events = {event("event[0]", "2013-01", AbolishSpec{level, std::move(under), {}, false})};
  };
  abolish("street", {"d0"});
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].under' = 'd0'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("does not exist at 2013-01 (it exists from 2010-01 until "
                                       "2012-01): an abolition below it would do nothing"),
            std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("list the unit that took it over"), std::string::npos)
      << e.what();
  abolish("community", {"d1s", "d1t"});
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].under' = 'd1t'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("none of the units selected below it exists at 2013-01"),
            std::string::npos)
      << e.what();
  // The whole tier, of which one unit still exists, and below d1s alone: accepted.
  abolish("community", {"d1s"});
  EXPECT_NO_THROW(const Model m(s, h, net));
  abolish("street", {});
  EXPECT_NO_THROW(const Model m(s, h, net));
  // Before the cessation the same abolition below d0 is accepted.
  abolish("street", {"d0"});
  s.events[0].date = "2011-06";
  EXPECT_NO_THROW(const Model m(s, h, net));
}

TEST(Restructure, BadInputsNameTheEventFieldAndFix) {
  const auto h = city();
  const Network net;
  // A merge that refers to an unknown unit.
  auto s = scenario("any");
  std::get<MergeSpec>(s.events[1].spec).units.push_back("nowhere");
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[1].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos) << e.what();
  // A unit born (by a split, or by its exists_from) under a parent that does not exist then.
  const auto orphan = city(true);
  s = scenario("any");
  std::get<SplitSpec>(s.events[2].spec).into = {"d1sp0", "d1sp1", "d1xq"};
  s.governance = {};
  e = test::expect_error([&] { const Model m(s, orphan, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[2].into"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("its parent 'd1x' only from 2015-01"), std::string::npos)
      << e.what();
  s = scenario("any");
  e = test::expect_error([&] { const Model m(s, orphan, net); }, ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("exists_from"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("date the unit within its parent"), std::string::npos)
      << e.what();
  // A re-establishment of a tier never abolished (the towns).
  s = scenario("any");
  std::get<ReestablishSpec>(s.events[3].spec).types = {"town"};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[3].level"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("not abolished"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("abolish the tier first"), std::string::npos) << e.what();
  // A type no unit of the level has.
  s = scenario("any");
  std::get<AbolishSpec>(s.events[0].spec).types = {"streetoffice"};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].types"), std::string::npos) << e.what();
  // `under` naming a unit of the abolished tier itself, not one above it.
  s = scenario("any");
  std::get<AbolishSpec>(s.events[0].spec).under = {"d0s"};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].under"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("d0s"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("not above level 'street'"), std::string::npos) << e.what();
  // A reversal of a unit that has ceased (d0sc0 merged in 2012-01).
  s = scenario("any");
  s.events.push_back(event("event[4]", "2013-06", ReverseSpec{{"d0sc0"}, false}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].units' = 'd0sc0'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("does not exist on the event's date"), std::string::npos)
      << e.what();
  std::get<ReverseSpec>(s.events[4].spec) = ReverseSpec{{"d0s"}, true};  // d0sc0 below: fine
  EXPECT_NO_THROW(const Model m(s, h, net));
  // A quota over a region that does not exist on the quota's date: it would never be met.
  const auto late = city(false, false, true);
  s = scenario("any");
  MandateSpec quota;
  quota.issuer = "R";
  quota.target_level = "community";
  quota.deadline = "2015-06";
  quota.quotas = {Quota{{"d1l"}, 0.5, "2012-12"}};
  s.events.push_back(event("event[4]", "2010-03", quota));
  e = test::expect_error([&] { const Model m(s, late, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].quota[0].regions' = 'd1l'"), std::string::npos)
      << e.what();
  std::get<MandateSpec>(s.events[4].spec).quotas[0].by = "2014-12";
  EXPECT_NO_THROW(const Model m(s, late, net));
  // One of several `under` units with nothing of the tier below it.
  s = scenario("any");
  s.events = {event("event[0]", "2011-01", AbolishSpec{"community", {"d0s", "d1e"}, {}, false})};
  s.governance = {};
  e = test::expect_error([&] { const Model m(s, city(false, true), net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].under' = 'd1e'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("lies below this unit"), std::string::npos) << e.what();
  // A merge of a unit that has already ceased.
  s = scenario("any");
  s.events.push_back(event("event[4]", "2013-06", MergeSpec{{"d0sc0"}, "d0sc3", ""}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("does not exist before"), std::string::npos) << e.what();
  // A scripted adopt (or promote) addressed to a unit while its tier is abolished.
  s = scenario("any");
  s.events.push_back(event("event[4]", "2012-06", AdoptSpec{{"d1s"}, Mode::none, ""}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("d1s"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("abolished from 2011-01 to 2013-12"), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("date the event before the abolition"), std::string::npos)
      << e.what();
  std::get<AdoptSpec>(s.events[4].spec).units = {"d1t"};  // a town: not abolished
  EXPECT_NO_THROW(const Model m(s, h, net));
  s.events.back() = event("event[4]", "2012-06", PromoteSpec{{"d0s"}, Mode::mandate, "2012-09"});
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("cannot be promoted"), std::string::npos) << e.what();
  // A mandate issued by a unit while its tier is abolished.
  MandateSpec mandate;
  mandate.issuer = "d0s";
  mandate.target_level = "community";
  mandate.deadline = "2012-09";
  s.events.back() = event("event[4]", "2012-06", mandate);
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].issuer"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("name the tier above"), std::string::npos) << e.what();
  // A scripted adopt of a unit that has ceased (merged in 2012-01) or is not born yet.
  for (const auto& [unit, date] : std::vector<std::pair<std::string, std::string>>{
           {"d0sc0", "2012-06"}, {"d0sn0", "2011-06"}}) {
    s = scenario("any");
    s.events.push_back(event("event[4]", date, AdoptSpec{{unit}, Mode::none, ""}));
    e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("event[4].units"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist on the event's date"), std::string::npos)
        << e.what();
  }
  // A unit listed twice in a merge, and a tier abolished twice without re-establishment.
  s = scenario("any");
  std::get<MergeSpec>(s.events[1].spec).units.push_back("d0sc0");
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("listed twice"), std::string::npos) << e.what();
  s = scenario("any");
  s.events.push_back(
      event("event[4]", "2012-03", AbolishSpec{"street", {}, {"street_office"}, false}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("abolished already from 2011-01"), std::string::npos)
      << e.what();
}

// A record ended by its unit's cessation is marked as such, not as a reversal (its rev_period is
// the cessation), and the unit_time panel has rows only for units that exist then.
TEST(Restructure, CessationIsNotAReversalAndPanelRowsExist) {
  const auto h = city();
  const Network net;
  auto s = scenario("any");
  s.output.unit_time_every = 1;
  const Model m(s, h, net);
  const auto& rs = m.restructuring();
  int ceased = 0;
  int reversed = 0;
  for (const auto& r : run_ensemble(m, 10, 2)) {
    for (const auto& a : r.adoptions) {
      if (a.ceased != 0) {
        ++ceased;
        EXPECT_EQ(a.rev_period, rs.end(a.unit));
      } else if (a.rev_period != kNever) {
        ++reversed;
        EXPECT_LT(a.rev_period, rs.end(a.unit));
      }
    }
    int rows = 0;
    for_each_unit_time_row(m, r, [&](int, std::int32_t t, std::int32_t u, const Adoption*) {
      ++rows;
      EXPECT_TRUE(rs.exists(u, t)) << h.id(u) << " " << t;
    });
    EXPECT_GT(rows, 0);
  }
  EXPECT_GT(ceased, 0);    // the merged communities that had adopted
  EXPECT_GT(reversed, 0);  // stages.reversal_rate: real reversals stay reversals
}

// A unit whose exists_until is not after its exists_from would never exist: a data error
// naming the file's line, field and value.
TEST(Restructure, EmptyExistenceWindowIsRefused) {
  HierarchyBuilder b("span.csv", {"population", "exists_from", "exists_until"});
  const double none = std::nan("");
  const double rows[][3] = {{100, none, none}, {100, 201407, 201301}};
  b.add("R", "", "city", "R", rows[0], 2);
  b.add("a", "R", "district", "a", rows[1], 3);
  const auto h = b.build("");
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = 72;
  s.policies.push_back({"p", "p", 0.0});
  const Network net;
  const auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("span.csv:3"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("exists_until"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("never exist"), std::string::npos) << e.what();
}

// A parent that ceases while its children exist is refused, naming the event.
TEST(Restructure, ParentCeasingUnderItsChildrenIsRefused) {
  const auto h = city();
  const Network net;
  auto s = scenario("any");
  s.governance = {};
  s.events.push_back(event("event[4]", "2013-06", MergeSpec{{"d0t"}, "d0s", ""}));
  const auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[4].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("its parent"), std::string::npos) << e.what();
}

}  // namespace pdlab

namespace pdlab {

// Guiyang (docs/cases.md): facts held out of the scenario, checked within stated tolerances.
// The 20-30,000 residents per new-type community (city account, 2012) are not an input: the
// model's residents come from the 2020 census by district and the 470 and 90 counts.
TEST(GuiyangCase, HeldOutFacts) {
  const auto loaded =
      io::load_scenario(std::string(PDLAB_SOURCE_DIR) + "/scenarios/cases/guiyang.toml", {});
  const auto in = io::load_inputs(loaded.scenario);
  const Model m(loaded.scenario, *in.hierarchy, *in.network);
  const auto& h = m.hierarchy();
  const auto& rs = m.restructuring();
  const auto* g = m.governance();
  ASSERT_NE(g, nullptr);
  const std::int32_t reform_end = 47;         // 2012-12
  const std::int32_t last = m.periods() - 1;  // 2021-12
  // (1) Residents per new-type community when formed: mean over the 90 within 20-30,000.
  std::vector<double> residents;
  std::vector<std::int32_t> new_type;
  for (const auto& tr : rs.transitions()) {
    if (tr.to.size() == 1 && rs.begin(tr.to.front()) == tr.period && tr.period <= reform_end) {
      double r = 0;
      for (auto u : tr.from) {
        r += g->population(u);
      }
      residents.push_back(r);
      new_type.push_back(tr.to.front());
    }
  }
  ASSERT_EQ(residents.size(), 90U);
  std::sort(residents.begin(), residents.end());
  const double mean_residents =
      std::accumulate(residents.begin(), residents.end(), 0.0) / static_cast<double>(90);
  std::printf("guiyang: residents per new-type community mean %.0f, 5%%-95%% %.0f-%.0f\n",
              mean_residents, quantile_type7(residents, 0.05), quantile_type7(residents, 0.95));
  EXPECT_GE(mean_residents, 20000);
  EXPECT_LE(mean_residents, 30000);
  // (2) Street offices that are governments at the end of 2021: NBS 2021 release, 73 (+-2).
  // Not held out: the 74 follow from the 2023 list once the 2020-06 re-establishment takes
  // effect (12 without it); the check is that it does (docs/cases.md, Guiyang).
  const int type = static_cast<int>(
      std::find(h.text_attribute_names().begin(), h.text_attribute_names().end(), "type") -
      h.text_attribute_names().begin());
  int streets = 0;
  const int lt = *h.level_index("township");
  for (std::int32_t u = h.level_begin(lt); u < h.level_begin(lt + 1); ++u) {
    streets += h.text_attribute(type, u) == "street_office" && g->governs(u, last) ? 1 : 0;
  }
  std::printf("guiyang: street offices governing in 2021-12: %d (NBS 2021: 73)\n", streets);
  EXPECT_NEAR(streets, 73, 2);
  // (3) "Citywide in 2012": the new-type communities run the reform by the end of 2013 in
  // at least 90% of replicates' communities (mean share >= 0.9).
  const auto runs = run_ensemble(m, 40, 2);
  std::vector<double> share;
  for (const auto& r : runs) {
    double on = 0;
    for (auto v : new_type) {
      for (const auto& a : r.adoptions) {
        on += a.unit == v && a.period <= reform_end + 12 && a.rev_period > reform_end + 12 ? 1 : 0;
      }
    }
    share.push_back(on / static_cast<double>(new_type.size()));
  }
  std::sort(share.begin(), share.end());
  const double mean_share =
      std::accumulate(share.begin(), share.end(), 0.0) / static_cast<double>(share.size());
  std::printf("guiyang: new-type communities running the reform at 2013-12: %.3f (%.3f-%.3f)\n",
              mean_share, quantile_type7(share, 0.05), quantile_type7(share, 0.95));
  EXPECT_GE(mean_share, 0.9);
}

}  // namespace pdlab

namespace pdlab {
namespace {

// A policy for street offices (and the districts above and communities below them), not
// towns: [[policy]] types. Channels exercised: hazard, pilots, a scripted adopt event, a
// mandate from the city with its deadline.
Scenario typed_scenario(std::vector<std::string> types) {
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = 72;
  s.policies.push_back({"p", "street-office reform", 0.0});
  s.policies.back().types = std::move(types);
  s.adoption.alpha = {{"city", -kInf}, {"district", -3}, {"street", -4}, {"community", -4}};
  s.promotion.weights = {0.3, 0.4, 0.3, 0};
  s.promotion.pilot_k = 1;
  s.promotion.mandate_deadline = 12;
  s.seed = 11;
  s.events.push_back(event("event[0]", "2010-01", AdoptSpec{{"d0s"}, Mode::none, ""}));
  MandateSpec mandate;
  mandate.issuer = "R";
  mandate.target_level = "street";
  mandate.deadline = "2010-04";
  s.events.push_back(event("event[1]", "2010-02", mandate));
  for (auto& e : s.events) {
    e.policy = "p";
  }
  return s;
}

}  // namespace

TEST(PolicyTypes, OnlyListedTypesAdoptByAnyChannel) {
  const auto h = city();
  const Network net;
  const Model m(typed_scenario({"district", "street_office", "community"}), h, net);
  const int type = static_cast<int>(
      std::find(h.text_attribute_names().begin(), h.text_attribute_names().end(), "type") -
      h.text_attribute_names().begin());
  std::array<int, kChannels> by_channel{};
  int towns = 0;
  int streets = 0;
  for (const auto& r : run_ensemble(m, 20, 2)) {
    for (const auto& a : r.adoptions) {
      const auto t = h.text_attribute(type, a.unit);
      towns += t == "town" ? 1 : 0;
      streets += t == "street_office" ? 1 : 0;
      ++by_channel[static_cast<int>(a.channel)];
    }
  }
  EXPECT_EQ(towns, 0);
  EXPECT_GT(streets, 0);
  // The channels that could have reached the towns did act on the street offices.
  EXPECT_GT(by_channel[static_cast<int>(Channel::event)], 0);
  EXPECT_GT(by_channel[static_cast<int>(Channel::pilot)], 0);
  EXPECT_GT(by_channel[static_cast<int>(Channel::mandate_deadline)], 0);
  // Without types, towns adopt (the restriction, not the scenario, keeps them out).
  const Model open(typed_scenario({}), h, net);
  int open_towns = 0;
  for (const auto& r : run_ensemble(open, 20, 2)) {
    for (const auto& a : r.adoptions) {
      open_towns += h.text_attribute(type, a.unit) == "town" ? 1 : 0;
    }
  }
  EXPECT_GT(open_towns, 0);
}

// A unit whose tier is abolished is not a government (docs/model.md 7.7, 7.13): while the
// street offices are abolished (2010-03 to 2012-12) none adopts by any channel (hazard, the
// districts' pilots, the city's mandate with its deadline and quota inside the window), and
// they adopt again once re-established. With the path cut (stages.follow_restructuring =
// false) they do adopt in the window, so the check can fail.
TEST(Restructure, AbolishedTierUnitsAdoptByNoChannel) {
  const auto h = city();
  const Network net;
  auto s = typed_scenario({});
  s.promotion.weights = {0.2, 0.5, 0.3, 0};
  auto& mandate = std::get<MandateSpec>(s.events[1].spec);
  mandate.deadline = "2011-06";
  mandate.quotas = {{{"R"}, 1.0, "2011-03"}};
  s.events.push_back(
      event("event[2]", "2010-03", AbolishSpec{"street", {}, {"street_office"}, false}));
  s.events.push_back(
      event("event[3]", "2013-01", ReestablishSpec{"street", {}, {"street_office"}}));
  s.events.back().policy = s.events[2].policy = "p";
  const int type = static_cast<int>(
      std::find(h.text_attribute_names().begin(), h.text_attribute_names().end(), "type") -
      h.text_attribute_names().begin());
  const std::int32_t from = 2;    // 2010-03
  const std::int32_t until = 36;  // 2013-01
  struct Count {
    int during = 0, after = 0, towns = 0;
  };
  const auto count = [&](const Scenario& sc) {
    const Model m(sc, h, net);
    Count c;
    for (const auto& r : run_ensemble(m, 20, 2)) {
      for (const auto& a : r.adoptions) {
        const auto t = h.text_attribute(type, a.unit);
        c.during += t == "street_office" && a.period >= from && a.period < until ? 1 : 0;
        c.after += t == "street_office" && a.period >= until ? 1 : 0;
        c.towns += t == "town" && a.period >= from && a.period < until ? 1 : 0;
      }
    }
    return c;
  };
  const auto on = count(s);
  EXPECT_EQ(on.during, 0);
  EXPECT_GT(on.after, 0);  // re-established: at risk again
  EXPECT_GT(on.towns, 0);  // the channels did act on the tier's other units
  s.stages.follow_restructuring = false;
  EXPECT_GT(count(s).during, 0);
}

// A street office piloting when its tier is abolished: the pilots are judged at the evaluation
// as usual, but a unit that is no longer a government designates no new pilots and issues no
// scale-up mandate (docs/model.md 7.13). Pilots of its communities and compliance with its
// deadlines while it is abolished can come only from such decisions.
TEST(Restructure, AbolishedPilotingUnitDecidesNothingAtItsEvaluation) {
  const auto h = city();
  const Network net;
  auto s = typed_scenario({});
  s.events.erase(s.events.begin() + 1);  // no mandate from the city
  s.events[0].spec = AdoptSpec{{"d0s"}, Mode::pilot, ""};
  s.promotion.pilot_delay = 6;  // evaluated 2010-07, while abolished
  s.promotion.pilot_rounds = 3;
  s.promotion.pilot_success = 0.5;
  s.promotion.scale_up_deadline = 6;
  s.events.push_back(
      event("event[1]", "2010-03", AbolishSpec{"street", {}, {"street_office"}, false}));
  s.events.push_back(
      event("event[2]", "2013-01", ReestablishSpec{"street", {}, {"street_office"}}));
  s.events[1].policy = s.events[2].policy = "p";
  const std::int32_t from = 2;    // 2010-03
  const std::int32_t until = 36;  // 2013-01
  const auto decided = [&](const Scenario& sc) {
    const Model m(sc, h, net);
    int n = 0;
    for (const auto& r : run_ensemble(m, 40, 2)) {
      for (const auto& a : r.adoptions) {
        const bool under = h.parent(a.unit) == h.find("d0s");
        const bool by_it = a.channel == Channel::pilot || a.channel == Channel::mandate_deadline;
        n += under && by_it && a.period >= from && a.period < until ? 1 : 0;
      }
    }
    return n;
  };
  EXPECT_EQ(decided(s), 0);
  s.stages.follow_restructuring = false;  // the abolition not followed: d0s still decides
  EXPECT_GT(decided(s), 0);
}

// Listing every type of the hierarchy restricts nothing: the same bytes as leaving types out.
TEST(PolicyTypes, EveryTypeIsBitIdenticalToUnset) {
  const auto h = city();
  const Network net;
  const Model all(
      typed_scenario({"prefecture_city", "district", "street_office", "town", "community"}), h,
      net);
  const Model unset(typed_scenario({}), h, net);
  EXPECT_TRUE(all.typed(0));
  EXPECT_FALSE(unset.typed(0));
  const auto a = run_ensemble(all, 8, 2);
  const auto b = run_ensemble(unset, 8, 2);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].adoptions.size(), b[i].adoptions.size());
    for (std::size_t j = 0; j < a[i].adoptions.size(); ++j) {
      const auto& x = a[i].adoptions[j];
      const auto& y = b[i].adoptions[j];
      EXPECT_TRUE(x.unit == y.unit && x.period == y.period && x.rev_period == y.rev_period &&
                  x.channel == y.channel && x.quality == y.quality && x.variant == y.variant);
    }
  }
}

TEST(PolicyTypes, ContradictionsAreValidationErrors) {
  const auto h = city();
  const Network net;
  // A type no unit of the policy's levels has (a typo): did you mean.
  auto s = typed_scenario({"streetoffice"});
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("policy[0].types"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("did you mean 'street_office'"), std::string::npos)
      << e.what();
  // A type outside the policy's levels.
  s = typed_scenario({"town"});
  s.policies[0].levels = {"community"};
  s.events.clear();
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("policy[0].types"), std::string::npos) << e.what();
  // A scripted adoption by a unit whose type cannot adopt.
  s = typed_scenario({"street_office"});
  std::get<AdoptSpec>(s.events[0].spec).units = {"d0t"};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("policy[0].types"), std::string::npos) << e.what();
  // A mandate to a level none of whose units has a listed type.
  s = typed_scenario({"street_office"});
  s.events.erase(s.events.begin());
  std::get<MandateSpec>(s.events[0].spec).target_level = "district";
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("target_level"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("no unit of this level has a type"), std::string::npos)
      << e.what();
}

}  // namespace pdlab

namespace pdlab {

// The risk sets of `riskset`, `fit` and `eha` follow the restructuring (docs/model.md 7.7):
// a unit is at risk only while it exists and its tier is not abolished, exposures count the
// existing units only, and an abolished tier passes its parent's pressure on unattenuated, as
// in the simulator. Each check is also run with that part of the options cut (the risk set as
// it was before), which must fail it.
TEST(RiskSet, FollowsRestructuring) {
  const auto h = city();
  const Network net;
  const Model m(scenario("any"), h, net);
  const auto id = [&](const char* x) { return h.find(x); };
  io::EventsFile ev;
  ev.policy_ids = {"gov"};
  // The district d0 adopts in 2010-03; d0sc0 in 2010-11, before it is merged into d0sn0
  // (2012-01); the street offices are abolished 2011-01 .. 2014-01.
  ev.adoptions = {{id("d0"), 0, 2}, {id("d0sc0"), 0, 10}};
  ev.lines = {2, 3};
  RiskSetOptions o;
  o.periods = m.periods();
  io::riskset_availability(m, ev, "e.csv", o);
  const auto rs = build_riskset(h, net, ev.adoptions, 1, {}, o);
  const auto row = [](const RiskSet& r, std::int32_t u, std::int32_t t) {
    for (std::size_t i = 0; i < r.rows(); ++i) {
      if (r.unit[i] == u && r.period[i] == t) {
        return static_cast<std::ptrdiff_t>(i);
      }
    }
    return std::ptrdiff_t{-1};
  };
  // Existence: merged units leave at the merge, units born enter then.
  EXPECT_GE(row(rs, id("d0sc1"), 23), 0);
  EXPECT_LT(row(rs, id("d0sc1"), 24), 0);
  EXPECT_LT(row(rs, id("d0sn0"), 23), 0);
  EXPECT_GE(row(rs, id("d0sn0"), 24), 0);
  EXPECT_LT(row(rs, id("d1sp0"), 35), 0);
  EXPECT_GE(row(rs, id("d1sp0"), 36), 0);
  // Abolition: the street office is not at risk while abolished; the town is.
  EXPECT_GE(row(rs, id("d0s"), 11), 0);
  EXPECT_LT(row(rs, id("d0s"), 12), 0);
  EXPECT_LT(row(rs, id("d0s"), 47), 0);
  EXPECT_GE(row(rs, id("d0s"), 48), 0);
  EXPECT_GE(row(rs, id("d0t"), 30), 0);
  // Vertical: d0's push reaches the street office's communities unattenuated while the office
  // is abolished (1), attenuated once through the town (0.5), and again after 2014-01.
  EXPECT_EQ(rs.vertical[row(rs, id("d0sc3"), 20)], 1.0);
  EXPECT_EQ(rs.vertical[row(rs, id("d0tc0"), 20)], 0.5);
  EXPECT_EQ(rs.vertical[row(rs, id("d0sc3"), 50)], 0.5);
  // Horizontal: before the merge d0sc3's siblings are c0-c2 (c0 adopted): 1/3. After it, d0sn0's
  // only existing sibling is d0sc3 and the adopter c0 has ceased: 0 of 1.
  EXPECT_DOUBLE_EQ(rs.horizontal[row(rs, id("d0sc3"), 20)], 1.0 / 3.0);
  EXPECT_EQ(rs.horizontal[row(rs, id("d0sn0"), 30)], 0.0);
  // Bottom-up: d0s after its re-establishment has two existing children, neither adopted.
  EXPECT_EQ(rs.bottom_up[row(rs, id("d0s"), 50)], 0.0);
  // The path cut: without the existence bounds the merged units stay at risk and d0sn0 counts
  // the 4 never-born or ceased siblings; without the abolition the office is at risk and
  // passes an attenuated push.
  {
    auto cut = o;
    cut.end_period.clear();
    const auto c = build_riskset(h, net, ev.adoptions, 1, {}, cut);
    EXPECT_GE(row(c, id("d0sc1"), 30), 0);
    EXPECT_NE(c.horizontal[row(c, id("d0sn0"), 30)], 0.0);
    cut = o;
    cut.abolished_from.clear();
    cut.abolished_until.clear();
    const auto d = build_riskset(h, net, ev.adoptions, 1, {}, cut);
    EXPECT_GE(row(d, id("d0s"), 20), 0);
    EXPECT_EQ(d.vertical[row(d, id("d0sc3"), 20)], 0.5);
  }
  // Adoptions outside the risk set are data errors naming the file, line, unit and the fix.
  auto bad = ev;
  bad.adoptions.push_back({id("d0sc1"), 0, 30});  // merged away in 2012-01
  bad.lines.push_back(4);
  auto e =
      test::expect_error([&] { io::riskset_availability(m, bad, "e.csv", o); }, ErrorKind::data);
  std::string what = e.what();
  EXPECT_NE(what.find("e.csv:4"), std::string::npos) << what;
  EXPECT_NE(what.find("d0sc1"), std::string::npos) << what;
  EXPECT_NE(what.find("does not exist"), std::string::npos) << what;
  EXPECT_NE(what.find("Fix:"), std::string::npos) << what;
  bad.adoptions.back() = {id("d1s"), 0, 20};  // abolished 2011-01 .. 2014-01
  e = test::expect_error([&] { io::riskset_availability(m, bad, "e.csv", o); }, ErrorKind::data);
  what = e.what();
  EXPECT_NE(what.find("tier is abolished"), std::string::npos) << what;
  bad.adoptions.back() = {id("d1s"), 0, 50};  // re-established: fine
  EXPECT_NO_THROW(io::riskset_availability(m, bad, "e.csv", o));
}

// [[policy]] types reach the risk set: units of other types are never at risk, and an observed
// adoption by one is a data error.
TEST(RiskSet, PolicyTypesBoundTheRiskSet) {
  const auto h = city();
  const Network net;
  const Model m(typed_scenario({"district", "street_office", "community"}), h, net);
  const int type = static_cast<int>(
      std::find(h.text_attribute_names().begin(), h.text_attribute_names().end(), "type") -
      h.text_attribute_names().begin());
  io::EventsFile ev;
  ev.policy_ids = {"p"};
  ev.adoptions = {{h.find("d0s"), 0, 5}};
  ev.lines = {2};
  RiskSetOptions o;
  o.periods = m.periods();
  io::riskset_availability(m, ev, "e.csv", o);
  const auto rs = build_riskset(h, net, ev.adoptions, 1, {}, o);
  int towns = 0;
  int streets = 0;
  for (auto u : rs.unit) {
    towns += h.text_attribute(type, u) == "town" ? 1 : 0;
    streets += h.text_attribute(type, u) == "street_office" ? 1 : 0;
  }
  EXPECT_EQ(towns, 0);
  EXPECT_GT(streets, 0);
  auto cut = o;
  cut.policy_units.clear();
  int cut_towns = 0;
  for (auto u : build_riskset(h, net, ev.adoptions, 1, {}, cut).unit) {
    cut_towns += h.text_attribute(type, u) == "town" ? 1 : 0;
  }
  EXPECT_GT(cut_towns, 0);
  ev.adoptions.push_back({h.find("d1t"), 0, 7});
  ev.lines.push_back(3);
  const auto e =
      test::expect_error([&] { io::riskset_availability(m, ev, "e.csv", o); }, ErrorKind::data);
  const std::string what = e.what();
  EXPECT_NE(what.find("e.csv:3"), std::string::npos) << what;
  EXPECT_NE(what.find("type 'town'"), std::string::npos) << what;
  EXPECT_NE(what.find("policy[0].types"), std::string::npos) << what;
}

}  // namespace pdlab

namespace pdlab {

// Held-out facts count the units (and their spending) existing at the fact's date, not every
// unit that ever existed: 16 of the city's 20 communities exist in 2013-06.
TEST(Restructure, HeldOutFactsCountExistingUnits) {
  const auto h = city();
  const Network net;
  auto sc = scenario("any");
  sc.name = "city";
  const Model m(sc, h, net);
  const auto& rs = m.restructuring();
  const int lc = *h.level_index("community");
  // One replicate: every community existing at the start adopts then and never reverses (as a
  // record that did not follow the restructuring would: the check must bound it itself).
  ReplicateResult rr;
  for (std::int32_t u = h.level_begin(lc); u < h.level_begin(lc + 1); ++u) {
    if (rs.exists(u, 0)) {
      Adoption a;
      a.unit = u;
      rr.adoptions.push_back(a);
    }
  }
  ASSERT_EQ(rr.adoptions.size(), 16U);
  ASSERT_EQ(rs.count(lc, 41), 16);
  study::HeldOutFact share;
  share.case_name = "city";
  share.fact = "share";
  share.statistic = study::FactStatistic::share_adopted;
  share.policy_id = "gov";
  share.level = "community";
  share.date = "2013-06";  // period 41: d0sc0-2 merged (2012-01), d1sc0 split (2013-01)
  auto spend = share;
  spend.statistic = study::FactStatistic::fund_spending;
  spend.region = "d0sc0";  // merged away in 2012-01: funded 24 months
  spend.param = "2010-01:12000";
  const auto res = study::evaluate_held_out({share, spend}, m, {rr});
  ASSERT_EQ(res.size(), 2U);
  // 12 of the 16 communities existing then adopted (counting every unit ever: 16 / 20 = 0.8).
  EXPECT_DOUBLE_EQ(res[0].mean, 12.0 / 16.0);
  // 1,000 yuan a month while d0sc0 exists (42,000 to 2013-06 if it were still counted).
  EXPECT_DOUBLE_EQ(res[1].mean, 24.0 * 1000.0);
}

}  // namespace pdlab

namespace pdlab {

// Governance follows the restructuring of local governments (docs/model.md 7.9.7): Guiyang's
// abolition of the urban street offices (2011-01 to 2013-01) hands their communities to the
// districts, and the re-establishment (Xifeng 2019-12, the urban districts 2020-06) hands
// them back: governed_above (residents whose local government is abolished) is 0 before the
// abolition, rises after it, stays up until 2019 and falls back to 0 after 2020-06, at >= 80%
// of a fixed Latin-hypercube sample of governance and adoption parameters; with the path cut
// (stages.follow_restructuring = false) the local officials stay in charge and it never rises.
TEST(Patterns, GuiyangAbolitionShiftsGovernanceToTheDistricts) {
  auto loaded =
      io::load_scenario(std::string(PDLAB_SOURCE_DIR) + "/scenarios/cases/guiyang.toml", {});
  const auto in = io::load_inputs(loaded.scenario);
  const std::vector<test::Range> ranges = {{"adoption.gamma_vertical", 0.5, 2.5},
                                           {"assessment.tournament", 2.0, 10.0},
                                           {"coproduction.w_belonging", 1.0, 3.0},
                                           {"stability.budget", 0.0, 40000.0}};
  const auto sample = test::latin_hypercube(10, static_cast<int>(ranges.size()), 41);
  const auto holds = [&](const Scenario& s, double* rise) {
    const Model m(s, *in.hierarchy, *in.network);
    const auto* g = m.governance();
    const auto r = run_ensemble(m, 1, 1).front();
    const int nl = m.hierarchy().n_levels();
    const auto v = [&](std::int32_t t) {
      return r.governance.values[(static_cast<std::size_t>(GovMetric::governed_above) * nl +
                                  g->community_level()) *
                                     m.periods() +
                                 t];
    };
    // 2010-06, 2013-06, 2019-06, 2021-06 (the calendar starts 2009-01).
    const double before = v(17), after = v(53), late = v(125), back = v(149);
    *rise = after - before;
    return before <= 1e-9 && after >= before + 0.1 && late >= 0.1 && back <= 1e-9;
  };
  const auto p = test::restructuring_pattern(sample, ranges, loaded.scenario, holds);
  std::printf("guiyang governed_above: held %d of %d (mean rise %.3f), cut %d (rise %.3f)\n",
              p.result.held, p.result.points, p.mean, p.result.held_cut, p.mean_cut);
  EXPECT_GE(p.result.share(), 0.8);
  EXPECT_LT(p.result.share_cut(), 0.5);
}

}  // namespace pdlab

namespace pdlab {
namespace {

// Local governments restructured (docs/model.md 7.9.7). A city with districts d0 (street
// offices s0, s1, s2) and d1 (s3, s4), three communities each (1,000, 1,500, 2,000 residents).
// 2013-01: s0 and s1 merge into m0 (born), their communities into m0's; 2014-01: s3 splits
// into p0 and p1 (born), its communities into theirs; 2014-07: x0 is born from nothing with
// one new community of 2,000; 2015-01: district d2 is born and s4 moves there (merged into
// n0, its communities across the two SO-holding units); 2016-01: s2 ceases, its communities
// merging into m0's (a death without a successor government).
Hierarchy towns() {
  HierarchyBuilder b("towns.csv", {"population", "migrant_share", "exists_from", "exists_until"});
  std::int64_t line = 2;
  const double none = std::nan("");
  const auto add = [&](const std::string& id, const std::string& parent, const std::string& level,
                       double pop, double from, double until) {
    const double x[] = {pop, 0.3, from, until};
    b.add(id, parent, level, id, x, line++);
  };
  add("R", "", "city", none, none, none);
  add("d0", "R", "district", none, none, none);
  add("d1", "R", "district", none, none, none);
  add("d2", "R", "district", none, 2015, none);
  const auto street = [&](const std::string& id, const std::string& d, double from, double until,
                          double pop) { add(id, d, "street", pop, from, until); };
  street("s0", "d0", none, none, none);
  street("s1", "d0", none, none, none);
  street("s2", "d0", none, 2016, none);
  street("m0", "d0", 2013, none, none);
  street("x0", "d0", 201407, none, none);
  street("s3", "d1", none, none, none);
  street("s4", "d1", none, none, none);
  street("p0", "d1", 2014, none, 6e4);
  street("p1", "d1", 2014, none, 4e4);
  street("n0", "d2", 2015, none, none);
  for (const std::string s : {"s0", "s1", "s2", "s3", "s4"}) {
    for (int c = 0; c < 3; ++c) {
      add(s + "c" + std::to_string(c), s, "community", 1000.0 + 500.0 * c, none, none);
    }
  }
  for (int c = 0; c < 3; ++c) {
    add("m0c" + std::to_string(c), "m0", "community", none, 2013, none);
  }
  add("x0c0", "x0", "community", 2000, 201407, none);
  add("p0c0", "p0", "community", none, 2014, none);
  add("p0c1", "p0", "community", none, 2014, none);
  add("p1c0", "p1", "community", 500, 2014, none);
  add("p1c1", "p1", "community", 1500, 2014, none);
  add("n0c0", "n0", "community", none, 2015, none);
  add("n0c1", "n0", "community", none, 2015, none);
  return b.build("");
}

// 2010-01 .. 2017-12, monthly, every governance module on.
Scenario towns_scenario() {
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = 96;
  s.policies.push_back({"gov", "governance model", 0.0});
  s.adoption.alpha = {{"city", -kInf}, {"district", -3}, {"street", -3.5}, {"community", -4}};
  s.promotion.weights = {0.5, 0, 0.5, 0};
  s.seed = 11;
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  int k = 0;
  const auto add = [&](const std::string& date, EventSpec spec) {
    s.events.push_back(event("event[" + std::to_string(k++) + "]", date, std::move(spec)));
  };
  add("2013-01", MergeSpec{{"s0", "s1"}, "m0", ""});
  add("2013-01", MergeSpec{{"s0c0", "s0c1"}, "m0c0", ""});
  add("2013-01", MergeSpec{{"s0c2"}, "m0c1", ""});
  add("2013-01", MergeSpec{{"s1c0", "s1c1", "s1c2"}, "m0c2", ""});
  add("2014-01", SplitSpec{"s3", {"p0", "p1"}, ""});
  add("2014-01", MergeSpec{{"s3c0"}, "p0c0", ""});
  add("2014-01", MergeSpec{{"s3c1"}, "p0c1", ""});
  add("2014-01", SplitSpec{"s3c2", {"p1c0", "p1c1"}, ""});
  add("2015-01", MergeSpec{{"s4"}, "n0", ""});
  add("2015-01", MergeSpec{{"s4c0"}, "n0c0", ""});
  add("2015-01", MergeSpec{{"s4c1", "s4c2"}, "n0c1", ""});
  add("2016-01", MergeSpec{{"s2c0", "s2c1", "s2c2"}, "m0c1", ""});
  return s;
}

// Every invariant of one replicate: residents conserved (they change only by the community
// born from nothing), each community with residents governed by exactly one existing local
// government, panel rows only for existing units. Returns how many were broken.
int broken_governance(const Model& m, const ReplicateResult& r) {
  const auto& h = m.hierarchy();
  const auto& rs = m.restructuring();
  const auto* g = m.governance();
  int broken = 0;
  const auto& res = r.governance.residents;
  if (res.size() != static_cast<std::size_t>(m.periods())) {
    return 1000;
  }
  const int lc = g->community_level();
  for (std::int32_t t = 0; t < m.periods(); ++t) {
    double expect = 0;  // the hierarchy's residents of the communities existing at the start
    for (std::int32_t c = h.level_begin(lc); c < h.level_begin(lc + 1); ++c) {
      expect += rs.exists(c, 0) ? g->population(c) : 0.0;
    }
    expect += t >= 54 ? 2000.0 : 0.0;  // x0c0, born 2014-07 from nothing
    broken += std::abs(res[t][0] - expect) > 1e-3 * expect ? 1 : 0;
    broken += std::abs(res[t][1] - res[t][0]) > 1e-3 * expect ? 1 : 0;
  }
  std::vector<std::vector<std::int32_t>> rows(static_cast<std::size_t>(m.periods()));
  for (const auto& row : r.governance.units) {
    broken += rs.exists(row.unit, row.period) ? 0 : 1;
    rows[row.period].push_back(row.unit);
  }
  for (std::int32_t t = 0; t < m.periods(); ++t) {
    auto& v = rows[t];
    std::sort(v.begin(), v.end());
    for (auto u : v) {
      const bool once = std::count(v.begin(), v.end(), u) == 1;
      const bool governed = h.level(u) != lc || std::binary_search(v.begin(), v.end(), h.parent(u));
      broken += once && governed ? 0 : 1;
    }
  }
  return broken;
}

// The local-government level's stocks of stability work, population-weighted: latent
// grievance, root-cause capital and the claims ratcheted above their base (relative).
double territory_stock(const Model& m, const ReplicateResult& r, std::int32_t t) {
  const int nl = m.hierarchy().n_levels();
  const int lg = m.governance()->local_level();
  const auto v = [&](GovMetric k) {
    return r.governance.values[(static_cast<std::size_t>(k) * nl + lg) * m.periods() + t];
  };
  const double base = m.scenario().governance.stability.claims_base;
  return v(GovMetric::latent_grievance) + v(GovMetric::root_capital) +
         (v(GovMetric::expected_claims) - base) / base;
}

}  // namespace

// A scenario on the small hierarchy: the model is accepted with governance on, runs one period
// at a time, and keeps every invariant; the governments born get new officials.
TEST(Restructure, GovernanceFollowsLocalGovernments) {
  const auto h = towns();
  auto s = towns_scenario();
  s.output.unit_time_every = 1;
  const Network net;
  const Model m(s, h, net);
  ASSERT_NE(m.governance(), nullptr);
  EXPECT_TRUE(m.governance()->follows_governments());
  // Block-major (no feedback) with a new window at each restructuring of governments (2013-01,
  // 2014-01, 2015-01); 2016-01 only merges communities within their block.
  EXPECT_EQ(m.governance()->window(), 96);
  EXPECT_EQ(m.governance()->window_end(0), 36);
  EXPECT_EQ(m.governance()->window_end(36), 48);
  EXPECT_EQ(m.governance()->window_end(48), 60);
  EXPECT_EQ(m.governance()->window_end(60), 96);
  RunOptions check;
  check.check_residents = true;                                   // GovernanceResult::residents
  EXPECT_TRUE(run_replicate(m, 0).governance.residents.empty());  // off by default
  const auto r = run_replicate(m, 0, check);
  EXPECT_EQ(broken_governance(m, r), 0);
  // Rows of the merged, split and moved governments: from their birth, with a new official's
  // full term ahead (terms of 3 to 5 years); none of the ceased ones after.
  const auto id = [&](const char* x) { return h.find(x); };
  int born_rows = 0;
  for (const auto& row : r.governance.units) {
    for (const char* b : {"m0", "p0", "p1", "x0", "n0"}) {
      if (row.unit == id(b) && row.period == m.restructuring().begin(id(b))) {
        ++born_rows;
        EXPECT_GE(row.v[14], 3.0F - 1e-4F) << b;  // tenure_left, years
      }
    }
    EXPECT_FALSE(row.unit == id("s0") && row.period >= 36);
    EXPECT_FALSE(row.unit == id("s2") && row.period >= 72);
  }
  EXPECT_EQ(born_rows, 5);
  // The same with s2 merged into m0 (a government that existed before takes over). With the
  // path cut the residents still follow the communities, but governments keep office outside
  // their existence.
  auto into = s;
  into.events.push_back(event("event[12]", "2016-01", MergeSpec{{"s2"}, "m0", ""}));
  const Model mi(into, h, net);
  EXPECT_EQ(broken_governance(mi, run_replicate(mi, 0, check)), 0);
  auto cut = s;
  cut.stages.follow_restructuring = false;
  const Model mc(cut, h, net);
  EXPECT_FALSE(mc.governance()->follows_governments());
  EXPECT_EQ(mc.governance()->window_end(0), 60);  // the path cut: only the move across blocks
  const auto rc = run_replicate(mc, 0, check);
  EXPECT_GT(broken_governance(mc, rc), 0);  // governments outside their existence keep rows
  for (std::int32_t t = 0; t < mc.periods(); ++t) {
    EXPECT_NEAR(rc.governance.residents[t][0], r.governance.residents[t][0], 1e-6);
  }
  // The same bits on two threads.
  const auto r1 = run_ensemble(m, 2, 1);
  const auto r2 = run_ensemble(m, 2, 2);
  for (std::size_t k = 0; k < 2; ++k) {
    ASSERT_EQ(r1[k].governance.values.size(), r2[k].governance.values.size());
    for (std::size_t i = 0; i < r1[k].governance.values.size(); ++i) {
      const double a = r1[k].governance.values[i];
      const double b = r2[k].governance.values[i];
      ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i;
    }
  }
}

// An agents_root whose communities all cease (s0, merged in 2013) or are born later (m0) is
// warned about: its agent sample ends or starts empty.
TEST(Restructure, AgentsRootWithoutCommunitiesIsWarned) {
  const auto h = towns();
  const Network net;
  const auto warned = [&](const std::string& root, const std::string& what) {
    auto s = towns_scenario();
    s.governance.coproduction.agents_root = root;
    const Model m(s, h, net);
    for (const auto& w : m.warnings()) {
      if (w.find("agents_root = '" + root + "'") != std::string::npos &&
          w.find(what) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(warned("s0", "in the last period"));
  EXPECT_TRUE(warned("m0", "in the first period"));
  EXPECT_FALSE(warned("R", "period"));
}

// A split into communities that already exist mixes the unit's residents into theirs (as a
// merge does) instead of replacing them; a community born without predecessor starts from the
// initial state, not from what its slot computed before it existed (docs/model.md 7.13).
TEST(Restructure, SplitIntoExistingAndBornCommunitiesKeepTheirResidents) {
  const auto h = towns();
  auto s = towns_scenario();
  s.output.unit_time_every = 1;
  s.events.push_back(event("event[12]", "2016-07", SplitSpec{"p1c0", {"p1c1", "p0c0"}, ""}));
  const Network net;
  const Model m(s, h, net);
  RunOptions check;
  check.check_residents = true;
  const auto r = run_replicate(m, 0, check);
  EXPECT_EQ(broken_governance(m, r), 0);  // residents conserved through every transition
  // x0c0, born 2014-07 from nothing: its first period starts from the initial state (belonging
  // 0.5, participation 0.05), one period of dynamics away.
  const std::int32_t born = m.restructuring().begin(h.find("x0c0"));
  int rows = 0;
  for (const auto& row : r.governance.units) {
    if (row.unit == h.find("x0c0") && row.period == born) {
      ++rows;
      EXPECT_NEAR(row.v[6], 0.5, 0.03);   // belonging of locals
      EXPECT_NEAR(row.v[4], 0.05, 0.03);  // participation of locals
    }
  }
  EXPECT_EQ(rows, 1);
}

// Resident agents follow their communities' residents (docs/model.md 7.9.7): through merges,
// a split, and moves to another block (s4's communities join n0 in the district born in 2015)
// the agents are conserved; a community born without predecessor (x0c0, 2014-07) brings its
// own; none exist for communities not yet born; and the same bits on two threads.
TEST(Restructure, ResidentAgentsFollowTheirCommunities) {
  const auto h = towns();
  auto s = towns_scenario();
  s.governance.coproduction.agents_root = "R";
  s.governance.coproduction.agents_per_community = 200;
  const Network net;
  const Model m(s, h, net);
  const auto rs = run_ensemble(m, 2, 1);
  const std::int32_t born = m.restructuring().begin(h.find("x0c0"));
  ASSERT_EQ(born, 54);
  for (const auto& r : rs) {
    ASSERT_EQ(r.governance.agents.size(), 96U);
    const auto& a0 = r.governance.agents[0];
    EXPECT_EQ(a0[4] + a0[5], 15 * 200.0);  // the 15 communities existing at the start
    for (std::int32_t t = 1; t < 96; ++t) {
      const auto& a = r.governance.agents[static_cast<std::size_t>(t)];
      const auto& b = r.governance.agents[static_cast<std::size_t>(t - 1)];
      const double arrived = t == born ? 200.0 : 0.0;
      EXPECT_EQ(a[4] + a[5], b[4] + b[5] + arrived) << t;
      if (t != born) {
        EXPECT_EQ(a[5], b[5]) << t;  // migrants stay migrants
      }
      EXPECT_FALSE(std::isnan(a[2]) || std::isnan(a[3])) << t;
    }
    EXPECT_GT(r.governance.agents[95][0], 0.05);  // they do take part
  }
  const auto r2 = run_ensemble(m, 2, 2);
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t t = 0; t < 96; ++t) {
      for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(rs[k].governance.agents[t][i], r2[k].governance.agents[t][i]);
      }
    }
  }
}

// The merged local government takes over its predecessors' territory: the level's stocks of
// stability work (latent grievance, root-cause capital, ratcheted claims) carry on through the
// merge of s0 and s1 (2013-01: at least 90% of the period before, when above 0.01), at >= 80%
// of a fixed Latin-hypercube sample; with the path cut (stages.follow_restructuring = false)
// the merged government starts afresh and the stocks of 40% of the residents drop.
TEST(Patterns, MergedLocalGovernmentsInheritTheirTerritory) {
  const auto h = towns();
  const std::vector<test::Range> ranges = {{"adoption.gamma_vertical", 0.5, 2.5},
                                           {"assessment.tournament", 2.0, 10.0},
                                           {"coproduction.w_belonging", 1.0, 3.0},
                                           {"stability.budget", 5000.0, 40000.0}};
  const auto sample = test::latin_hypercube(10, static_cast<int>(ranges.size()), 43);
  const Network net;
  const auto holds = [&](const Scenario& s, double* ratio) {
    const Model m(s, h, net);
    const auto r = run_ensemble(m, 1, 1).front();
    const double before = territory_stock(m, r, 35);
    const double after = territory_stock(m, r, 36);
    *ratio = before > 0 ? after / before : 0.0;
    return before > 0.01 && after >= 0.9 * before;
  };
  const auto p = test::restructuring_pattern(sample, ranges, towns_scenario(), holds);
  std::printf("merged territory's stocks after/before: held %d of %d (mean %.3f), cut %d (%.3f)\n",
              p.result.held, p.result.points, p.mean, p.result.held_cut, p.mean_cut);
  EXPECT_GE(p.result.share(), 0.8);
  EXPECT_LT(p.result.share_cut(), 0.5);
}

// Restructuring the governance layer cannot follow is refused, naming the event, field and fix.
TEST(Restructure, GovernanceRestructuringBadInputs) {
  const auto h = towns();
  const Network net;
  // A merge of units of two levels (refused when the events compile).
  auto s = towns_scenario();
  std::get<MergeSpec>(s.events[0].spec).units.push_back("s2c0");
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("units of one level"), std::string::npos) << e.what();
  // A merge of local governments while their tier is abolished.
  s = towns_scenario();
  s.events.push_back(event("event[12]", "2012-01", AbolishSpec{"street", {"d0"}, {}, false}));
  // (re-established before x0 is born from nothing in 2014-07: see below)
  s.events.push_back(event("event[13]", "2014-01", ReestablishSpec{"street", {"d0"}, {}}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("while its tier is abolished"), std::string::npos)
      << e.what();
  // A merge into a government that does not exist then (m0 is born in 2013).
  s = towns_scenario();
  s.events[0].date = "2012-07";
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].into"), std::string::npos) << e.what();
  // A merge that refers to an unknown government.
  s = towns_scenario();
  std::get<MergeSpec>(s.events[0].spec).units.push_back("s9");
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].units"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("s9"), std::string::npos) << e.what();
  // A unit born from nothing (x0, exists_from 2014-07) while its tier is abolished.
  s = towns_scenario();
  s.events.push_back(event("event[12]", "2014-03", AbolishSpec{"street", {"d0"}, {}, false}));
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("towns.csv"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("exists_from"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("born while its tier is abolished (from 2014-03)"),
            std::string::npos)
      << e.what();
  s.events.push_back(event("event[13]", "2014-05", ReestablishSpec{"street", {"d0"}, {}}));
  EXPECT_NO_THROW(const Model m(s, h, net));  // re-established before its birth
}

namespace {

// The scheduler's loop (src/sim/scheduler.cpp) with the windows ending where `end` says, so
// that a test can run a schedule the engine would never choose (residents checked).
// With `signals`, each period's rows of every feedback signal on (need, escalation, reversal,
// outcome, kid_outcome, assessed) are appended to it once the window that holds them ends.
ReplicateResult run_windows(const Model& m, std::int32_t replicate,
                            const std::function<std::int32_t(std::int32_t)>& end,
                            bool check_residents = true, std::vector<float>* signals = nullptr) {
  sim::ReplicateState state;
  state.replicate = replicate;
  state.policies.resize(static_cast<std::size_t>(m.n_policies()));
  std::vector<std::unique_ptr<sim::Process>> adoption;
  for (std::int32_t k = 0; k < m.n_policies(); ++k) {
    adoption.push_back(sim::make_adoption_process(m, k));
  }
  const auto layer =
      sim::make_governance_layer(*m.governance(), m.governance()->window(), check_residents);
  for (auto& p : adoption) {
    p->init(state);
  }
  layer->init(state);
  for (std::int32_t t0 = 0, t1 = 0; t0 < m.periods(); t0 = t1) {
    t1 = end(t0);
    for (std::int32_t t = t0; t < t1; ++t) {
      for (auto& p : adoption) {
        p->step(t, state);
      }
      layer->collect(t, state);
    }
    layer->run_window(t0, t1, state);
    auto& fb = state.feedback;
    for (std::int32_t t = t0; t < t1 && signals != nullptr; ++t) {
      for (auto* v :
           {&fb.need, &fb.escalation, &fb.reversal, &fb.outcome, &fb.kid_outcome, &fb.assessed}) {
        if (!v->empty()) {
          const float* row = fb.write(*v, t);
          signals->insert(signals->end(), row, row + v->size() / fb.lag);
        }
      }
    }
  }
  ReplicateResult r;
  r.replicate = replicate;
  for (auto& p : adoption) {
    p->finish(state, r);
  }
  r.governance = layer->finish();
  r.adoptions.swap(state.policies[0].records);
  return r;
}

// Whether two runs have the same adoption records and governance outputs, byte for byte.
bool same_bits(const ReplicateResult& a, const ReplicateResult& b) {
  const auto bytes = [](const auto& x, const auto& y) {
    using T = typename std::decay_t<decltype(x)>::value_type;
    return x.size() == y.size() &&
           (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0);
  };
  const auto& ga = a.governance;
  const auto& gb = b.governance;
  return bytes(a.adoptions, b.adoptions) && bytes(ga.values, gb.values) &&
         bytes(ga.units, gb.units) && bytes(ga.residents, gb.residents);
}

}  // namespace

// The windows of the governance layer (docs/model.md §3): of the feedback lag, a new window at
// each restructuring that runs before the blocks and at the start of the abolished periods.
// Within a window over abolished periods the blocks with an abolished government run period by
// period after the officials above choose (their communities answer to them), the others run
// the whole window first, and every block's additions to the outputs are replayed in block
// order (with the residents check on, every block runs period by period). The towns of
// GovernanceFollowsLocalGovernments with every feedback on (lag 3) and d1's street offices
// abolished 2015-04 .. 2017-06: the same bits as one period at a time (the schedule before
// variable windows), on every replicate, with the residents check and without it.
TEST(Restructure, VariableWindowsGiveTheBitsOfOnePeriodWindows) {
  const auto h = towns();
  auto s = towns_scenario();
  s.output.unit_time_every = 1;
  auto& f = s.governance.feedback;
  f.need = f.escalation = f.reversal = f.pilot_evaluation = f.learning = true;
  s.events.push_back(event("event[12]", "2015-04", AbolishSpec{"street", {"d1"}, {}, false}));
  s.events.push_back(event("event[13]", "2017-07", ReestablishSpec{"street", {"d1"}, {}}));
  const Network net;
  const Model m(s, h, net);
  const auto* g = m.governance();
  ASSERT_EQ(g->window(), 3);
  // Windows of 3 from 0 (2013-01, 2014-01, 2015-01 and the abolition in 2015-04 (63) start
  // one), through the abolished periods (63 .. 89) too; a window never reaches past such a start.
  EXPECT_EQ(g->window_end(0), 3);
  EXPECT_EQ(g->window_end(34), 36);
  EXPECT_EQ(g->window_end(35), 36);
  EXPECT_EQ(g->window_end(60), 63);
  EXPECT_EQ(g->window_end(62), 63);
  EXPECT_EQ(g->window_end(63), 66);
  EXPECT_EQ(g->window_end(87), 90);
  EXPECT_EQ(g->window_end(88), 91);
  EXPECT_EQ(g->window_end(90), 93);
  EXPECT_EQ(g->window_end(95), 96);
  int windows = 0;
  for (std::int32_t t = 0; t < m.periods(); t = g->window_end(t)) {
    EXPECT_LE(g->window_end(t) - t, 3) << t;
    ++windows;
  }
  EXPECT_EQ(windows, 32);
  RunOptions one;
  one.window = 1;
  one.check_residents = true;
  RunOptions own;
  own.check_residents = true;
  const auto a = run_ensemble(m, 4, 2, {}, one);
  const auto b = run_ensemble(m, 4, 2, {}, own);
  RunOptions one_plain;  // without the residents check: the blocks' additions are logged
  one_plain.window = 1;
  const auto a_plain = run_ensemble(m, 4, 2, {}, one_plain);
  const auto b_plain = run_ensemble(m, 4, 2, {}, RunOptions{});
  for (std::int32_t r = 0; r < 4; ++r) {
    EXPECT_TRUE(same_bits(a[r], b[r])) << r;
    EXPECT_EQ(broken_governance(m, b[r]), 0) << r;
    EXPECT_TRUE(same_bits(a_plain[r], b_plain[r])) << r;
    // The loop of the test reproduces the engine's with the model's windows, and with windows
    // that span the abolition and the re-establishment (62 .. 64, 89 .. 91), each January
    // (where every restructuring falls) still a window's start.
    const auto mine = run_windows(m, r, [&](std::int32_t t) { return g->window_end(t); });
    EXPECT_TRUE(same_bits(a[r], mine)) << r;
    const auto shifted = [&](std::int32_t t) {
      return std::min({t % 12 == 0 ? t + 2 : t + 3, (t / 12 + 1) * 12, m.periods()});
    };
    EXPECT_TRUE(same_bits(a[r], run_windows(m, r, shifted))) << r;
    EXPECT_TRUE(same_bits(a_plain[r], run_windows(m, r, shifted, false))) << r;
  }
  // With the path cut no tier is abolished for the governance layer and governments are not
  // followed: windows of 3 except at the moves across blocks (2015-01), the same bits as one
  // period at a time.
  auto cut = s;
  cut.stages.follow_restructuring = false;
  const Model mc(cut, h, net);
  EXPECT_EQ(mc.governance()->window_end(63), 66);
  EXPECT_EQ(mc.governance()->window_end(58), 60);
  const auto c1 = run_ensemble(mc, 2, 2, {}, one);
  const auto c0 = run_ensemble(mc, 2, 2, {}, own);
  for (std::size_t r = 0; r < 2; ++r) {
    EXPECT_TRUE(same_bits(c1[r], c0[r])) << r;
  }
  // With a warm-up (docs/model.md 5: the units and tiers of the first period, no restructuring
  // before it) the same bits in any window, the residents still add up, and the run differs.
  auto warm = s;
  warm.governance.warmup_years = 2;
  const Model mw(warm, h, net);
  const auto w1 = run_ensemble(mw, 2, 2, {}, one);
  const auto w0 = run_ensemble(mw, 2, 2, {}, own);
  for (std::size_t r = 0; r < 2; ++r) {
    EXPECT_TRUE(same_bits(w1[r], w0[r])) << r;
    EXPECT_EQ(broken_governance(mw, w0[r]), 0) << r;
    EXPECT_FALSE(same_bits(w0[r], b[r])) << r;
  }
}

// While a tier is abolished the officials of the SO-holding units (here the districts) run
// with their blocks in a window whose only yearly tournament falls in its last period (the
// blocks' additions logged otherwise): either way they feed back what one period at a time
// does. The scenario of VariableWindowsGiveTheBitsOfOnePeriodWindows with a veto threshold low
// enough that the districts' officials are vetoed: in December a district's signals read its
// tournament (which clears the veto bit), after every block's period. Every signal's rows,
// byte for byte, with windows of one period, the model's, windows that end with each year and
// windows of 3 that cross the year's end.
TEST(Restructure, SignalsFromAboveTheBlocksAreThoseOfOnePeriodWindows) {
  const auto h = towns();
  auto s = towns_scenario();
  auto& f = s.governance.feedback;
  f.need = f.escalation = f.reversal = f.pilot_evaluation = f.learning = true;
  s.governance.assessment.veto_threshold = 0.05;
  s.events.push_back(event("event[12]", "2015-04", AbolishSpec{"street", {"d1"}, {}, false}));
  s.events.push_back(event("event[13]", "2017-07", ReestablishSpec{"street", {"d1"}, {}}));
  const Network net;
  const Model m(s, h, net);
  const auto* g = m.governance();
  const auto one = [](std::int32_t t) { return t + 1; };
  const auto own = [&](std::int32_t t) { return g->window_end(t); };
  const auto yearly = [&](std::int32_t t) {
    return std::min({t % 12 == 0 ? t + 2 : t + 3, (t / 12 + 1) * 12, m.periods()});
  };
  const auto crossing = [&](std::int32_t t) {
    std::int32_t e = std::min(t + 3 - (t + 2) % 3, m.periods());  // ends at 1, 4, 7, ...
    for (const std::int32_t start : {36, 48, 60}) {  // restructurings that start a window
      e = t < start ? std::min(e, start) : e;
    }
    return e;
  };
  const int nl = h.n_levels();
  int vetoed = 0;  // districts' officials vetoed in a December while d1's streets are abolished
  for (std::int32_t r = 0; r < 2; ++r) {
    std::vector<float> sa;
    const auto a = run_windows(m, r, one, false, &sa);
    for (std::int32_t t = 71; t < 90; t += 12) {
      const double v =
          a.governance
              .values[(static_cast<std::size_t>(GovMetric::vetoed) * nl + 1) * m.periods() + t];
      vetoed += v > 0 ? 1 : 0;
    }
    for (const auto& end : {std::function<std::int32_t(std::int32_t)>(own),
                            std::function<std::int32_t(std::int32_t)>(yearly),
                            std::function<std::int32_t(std::int32_t)>(crossing)}) {
      std::vector<float> sb;
      EXPECT_TRUE(same_bits(a, run_windows(m, r, end, false, &sb))) << r;
      ASSERT_EQ(sa.size(), sb.size());
      EXPECT_EQ(0, std::memcmp(sa.data(), sb.data(), sa.size() * sizeof(float))) << r;
    }
  }
  EXPECT_GT(vetoed, 0);
}
}  // namespace pdlab
