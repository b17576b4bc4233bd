#include "helpers.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/study.hpp"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

using namespace pdlab;

namespace {

// A scenario with no exposures: every leaf has the same constant hazard h per period.
Scenario constant_hazard(double h, Link link, int periods) {
  Scenario s;
  s.calendar.periods = periods;
  s.policies.push_back({"p", "p", 0.0});
  s.adoption.link = link;
  s.adoption.alpha["top"] = -std::numeric_limits<double>::infinity();
  s.adoption.alpha["leaf"] =
      link == Link::cloglog ? std::log(-std::log1p(-h)) : std::log(h / (1 - h));
  s.adoption.gamma_vertical = s.adoption.gamma_horizontal = s.adoption.gamma_bottom_up = 0;
  s.adoption.gamma_need = 0;
  s.promotion.weights = {0, 0, 0, 0};
  s.stages.institutionalise_after = 0;
  return s;
}

// Chi-square goodness of fit of adoption periods to Geometric(h) on bins 0..19 and >= 20.
void expect_geometric(const std::vector<Adoption>& ads, std::int64_t n, double h, int periods) {
  std::vector<double> obs(21, 0.0);
  std::int64_t adopted = 0;
  double sum_t = 0;
  for (const auto& a : ads) {
    obs[std::min(a.period, 20)] += 1;
    ++adopted;
    sum_t += a.period;
  }
  obs[20] += static_cast<double>(n - adopted);  // censored at the horizon: all in the last bin
  ASSERT_GE(periods, 21);
  double chi2 = 0;
  for (int k = 0; k < 21; ++k) {
    const double p = k < 20 ? std::pow(1 - h, k) * h : std::pow(1 - h, 20);
    const double e = p * static_cast<double>(n);
    chi2 += (obs[k] - e) * (obs[k] - e) / e;
  }
  // 99.9% quantile of chi-square with 20 degrees of freedom: false alarm rate 1e-3 at fixed seed.
  EXPECT_LT(chi2, 45.315) << "adoption times are not geometric";
  // P(adopt in first period) = h, tolerance 4 binomial standard errors.
  const double se = std::sqrt(h * (1 - h) / static_cast<double>(n));
  EXPECT_NEAR(obs[0] / static_cast<double>(n), h, 4 * se);
  (void)sum_t;
}

// Each unit's first record of a policy. A unit adopts again only after its previous record
// was reversed (a failed pilot, or a reversed unit readmitted), never while it is active.
std::map<std::int32_t, const Adoption*> by_unit(const std::vector<Adoption>& ads, int policy = 0) {
  std::map<std::int32_t, const Adoption*> first;
  std::map<std::int32_t, const Adoption*> last;
  for (const auto& a : ads) {
    if (a.policy != policy) {
      continue;
    }
    const auto it = last.find(a.unit);
    if (it == last.end()) {
      EXPECT_EQ(a.round, 0) << "unit " << a.unit;
      first.emplace(a.unit, &a);
      last.emplace(a.unit, &a);
      continue;
    }
    const Adoption& prev = *it->second;
    EXPECT_EQ(a.round, prev.round + 1) << "unit " << a.unit;
    EXPECT_NE(prev.rev_period, kNever) << "unit " << a.unit << " adopted twice while active";
    EXPECT_GT(a.period, prev.rev_period) << "unit " << a.unit;
    it->second = &a;
  }
  return first;
}

}  // namespace

TEST(EngineStatistical, ConstantHazardGivesGeometricTimesFastPath) {
  const int n = 20000;
  const auto h = test::star(n);
  const Network net;
  auto s = constant_hazard(0.05, Link::cloglog, 200);
  s.seed = 11;
  const Model m(s, h, net);
  EXPECT_TRUE(m.fast(1));
  const auto r = run_replicate(m, 0);
  expect_geometric(r.adoptions, n, 0.05, 200);
}

TEST(EngineStatistical, ConstantHazardGivesGeometricTimesGenericPaths) {
  const int n = 20000;
  const auto h = test::star(n);
  // Edges make every leaf take the generic (per-period) path; with gamma_h = 0 they do nothing.
  NetworkBuilder nb(h);
  for (int i = 0; i + 1 < n; i += 2) {
    nb.add("t", 0, "c" + std::to_string(i), "c" + std::to_string(i + 1), 1.0, true);
  }
  const auto net = nb.build();
  for (Link link : {Link::cloglog, Link::logit}) {
    auto s = constant_hazard(0.08, link, 100);
    s.seed = 12;
    const Model m(s, h, net);
    EXPECT_FALSE(m.fast(1));
    expect_geometric(run_replicate(m, 3).adoptions, n, 0.08, 100);
  }
}

TEST(EngineStatistical, ZeroHazardGivesNoAdoption) {
  const auto h = test::star(1000);
  const Network net;
  auto s = constant_hazard(0.5, Link::cloglog, 50);
  s.adoption.alpha["leaf"] = -std::numeric_limits<double>::infinity();
  s.adoption.gamma_horizontal = 5;  // exposures cannot create a hazard from -inf
  const Model m(s, h, net);
  EXPECT_TRUE(run_replicate(m, 0).adoptions.empty());
}

TEST(EngineStatistical, CertainMandateGivesFullAdoptionByDeadline) {
  const auto h = test::star(500);
  const Network net;
  auto s = constant_hazard(0.01, Link::cloglog, 60);
  s.calendar.start_year = 2010;
  Event e;
  e.key = "event[0]";
  e.date = "2010-06";
  e.policy = "p";
  e.spec =
      MandateSpec{.issuer = "R", .target_level = "leaf", .deadline = "2012-12", .compliance = 1.0};
  s.events.push_back(e);
  const Model m(s, h, net);
  for (int rep = 0; rep < 5; ++rep) {
    const auto r = run_replicate(m, rep);
    const auto ad = by_unit(r.adoptions);
    EXPECT_EQ(ad.size(), 500U);
    int at_deadline = 0;
    for (const auto& [u, a] : ad) {
      EXPECT_LE(a->period, 35);  // 2012-12 is period 35
      at_deadline += a->channel == Channel::mandate_deadline ? 1 : 0;
    }
    EXPECT_GT(at_deadline, 0);
  }
  // Without the mandate a 1% monthly hazard leaves about (0.99)^36 = 70% unadopted.
  s.events.clear();
  const Model none(s, h, net);
  EXPECT_LT(run_replicate(none, 0).adoptions.size(), 250U);
}

TEST(EngineStatistical, QuotaIsFilledExactly) {
  const auto h = test::star(400);
  const Network net;
  auto s = constant_hazard(0.5, Link::cloglog, 40);
  s.adoption.alpha["leaf"] = -std::numeric_limits<double>::infinity();
  Event e;
  e.key = "event[0]";
  e.date = "3";
  e.policy = "p";
  e.spec = MandateSpec{
      .issuer = "R", .target_level = "leaf", .deadline = "30", .quotas = {{{}, 0.25, "10"}}};
  s.events.push_back(e);
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  int by10 = 0;
  for (const auto& a : r.adoptions) {
    by10 += a.period <= 10 ? 1 : 0;
    if (a.period <= 10) EXPECT_EQ(a.channel, Channel::quota);
  }
  EXPECT_EQ(by10, 100);
  EXPECT_EQ(r.adoptions.size(), 400U);
}

// A prerequisite holds against every channel of the process: a quota and a mandate's deadline
// do not force a unit without it, nor is such a unit designated as a pilot (only scripted
// events override it). The cut: the same runs without `requires`.
TEST(EngineMechanisms, PrerequisitesHoldUnderQuotasDeadlinesAndPilots) {
  const auto h = test::star(400);
  const Network net;
  auto s = constant_hazard(0.5, Link::cloglog, 40);
  s.adoption.alpha["leaf"] = -std::numeric_limits<double>::infinity();
  s.policies = {{"councils", "councils", 0.0}, {"funds", "funds", 0.0}};  // councils: never
  s.promotion.pilot_rule = PilotRule::random;  // (the star has no population column)
  Event quota;
  quota.key = "event[0]";
  quota.date = "3";
  quota.policy = "funds";
  quota.spec = MandateSpec{
      .issuer = "R", .target_level = "leaf", .deadline = "30", .quotas = {{{}, 0.25, "10"}}};
  Event pilots;
  pilots.key = "event[1]";
  pilots.date = "1";
  pilots.policy = "funds";
  pilots.spec = AdoptSpec{.units = {"R"}, .mode = Mode::pilot};
  const auto funds = [&](const Scenario& sc) {
    std::map<Channel, int> by;
    for (const auto& a : run_replicate(Model(sc, h, net), 0).adoptions) {
      by[a.channel] += a.policy == 1 ? 1 : 0;
    }
    return by;
  };
  for (const bool gated : {false, true}) {
    auto q = s;
    q.events = {quota};
    auto p = s;
    p.events = {pilots};
    if (gated) {
      q.policies[1].prerequisites = {"councils"};
      p.policies[1].prerequisites = {"councils"};
    }
    const auto by_quota = funds(q);
    const auto by_pilots = funds(p);
    const auto n = [](const std::map<Channel, int>& by, Channel c) {
      const auto it = by.find(c);
      return it == by.end() ? 0 : it->second;
    };
    EXPECT_EQ(n(by_quota, Channel::quota), gated ? 0 : 100) << gated;
    EXPECT_EQ(n(by_quota, Channel::mandate_deadline), gated ? 0 : 300) << gated;
    EXPECT_EQ(n(by_pilots, Channel::event), 1) << gated;  // the scripted adoption overrides
    EXPECT_EQ(n(by_pilots, Channel::pilot), gated ? 0 : s.promotion.pilot_k) << gated;
  }
}

namespace {

study::PreparedStudy example(const std::string& name, std::vector<std::string> sets = {}) {
  return study::prepare_study(std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/" + name, sets);
}

// Invariants that hold for every scenario and replicate.
void check_invariants(const Model& m, const std::vector<ReplicateResult>& results) {
  for (const auto& r : results) {
    for (int pol = 0; pol < m.n_policies(); ++pol) {
      by_unit(r.adoptions, pol);  // at most once per unit and policy
    }
    for (const auto& a : r.adoptions) {
      EXPECT_GE(a.period, 0);
      EXPECT_LT(a.period, m.periods());
      if (a.full_period != kNever) EXPECT_GE(a.full_period, a.period);
      if (a.inst_period != kNever) {
        EXPECT_NE(a.full_period, kNever);
        EXPECT_GT(a.inst_period, a.full_period);
        EXPECT_EQ(a.rev_period, kNever) << "institutionalised units are not reversed";
      }
      if (a.rev_period != kNever) EXPECT_GE(a.rev_period, a.period);
      if (a.pilot) {
        EXPECT_EQ(a.channel, Channel::pilot);
        EXPECT_TRUE(a.full_period != kNever || a.rev_period != kNever ||
                    a.period + m.scenario().promotion.pilot_delay >= m.periods() - 1);
      }
      EXPECT_GT(a.quality, 0.0F);
      EXPECT_LT(a.quality, 1.0F);
    }
  }
  // Cumulative adoption never falls; shares stay in [0, 1].
  const auto s = summarise(m, results, {0.05, 0.5, 0.95});
  std::map<std::tuple<int, int, int>, double> last;
  for (const auto& row : s.rows) {
    EXPECT_GE(row.mean, 0.0);
    EXPECT_LE(row.mean, 1.0);
    EXPECT_LE(row.q[0], row.q[1]);
    EXPECT_LE(row.q[1], row.q[2]);
    if (row.metric == Metric::adopted) {
      const auto key = std::make_tuple(row.policy, row.level, 0);
      if (last.count(key)) EXPECT_GE(row.mean, last[key]);
      last[key] = row.mean;
    }
  }
}

}  // namespace

TEST(EngineInvariants, AllExampleScenarios) {
  for (const char* f : {"toy_endorse.toml", "toy_pilot.toml", "toy_mandate.toml",
                        "toy_championship.toml", "toy_peer_learning.toml", "toy_bottom_up.toml"}) {
    SCOPED_TRACE(f);
    const auto st = example(f, {"run.replicates=10", "stages.reversal_rate=0.01"});
    const auto res = run_ensemble(*st.model, 10, 2);
    check_invariants(*st.model, res);
    // Risk sets end at adoption: a unit's record is unique and nothing happens before it.
    std::int64_t total = 0;
    for (const auto& r : res) total += static_cast<std::int64_t>(r.adoptions.size());
    EXPECT_GT(total, 0);
  }
}

TEST(EngineDeterminism, IdenticalAtOneAndTwoThreads) {
  for (const char* f : {"toy_pilot.toml", "toy_championship.toml", "toy_peer_learning.toml",
                        "jiangsu_mandate.toml"}) {
    SCOPED_TRACE(f);
    const auto st = example(f, {"stages.reversal_rate=0.01"});
    const auto a = run_ensemble(*st.model, 6, 1);
    const auto b = run_ensemble(*st.model, 6, 2);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t r = 0; r < a.size(); ++r) {
      ASSERT_EQ(a[r].adoptions.size(), b[r].adoptions.size());
      EXPECT_EQ(std::memcmp(a[r].adoptions.data(), b[r].adoptions.data(),
                            a[r].adoptions.size() * sizeof(Adoption)),
                0);
    }
    // A different seed gives different results.
    const auto other = example(f, {"run.seed=777", "stages.reversal_rate=0.01"});
    const auto c = run_ensemble(*other.model, 1, 1);
    EXPECT_FALSE(c[0].adoptions.size() == a[0].adoptions.size() &&
                 std::memcmp(c[0].adoptions.data(), a[0].adoptions.data(),
                             a[0].adoptions.size() * sizeof(Adoption)) == 0);
  }
}

TEST(EngineMechanisms, PilotsComeFirstThenScaleUp) {
  // Prefectures adopt only as pilots or under the scale-up mandate.
  const auto st = example("toy_pilot.toml", {"adoption.alpha.prefecture=-inf"});
  const auto res = run_ensemble(*st.model, 20, 2);
  const auto& h = st.model->hierarchy();
  int scaled = 0;
  for (const auto& r : res) {
    std::vector<const Adoption*> pilots;
    for (const auto& a : r.adoptions) {
      if (a.pilot && h.level(a.unit) == 1) pilots.push_back(&a);
    }
    ASSERT_EQ(pilots.size(), 2U);  // pilot_k = 2 among the prefectures
    for (auto* p : pilots) {
      EXPECT_EQ(h.level_names()[h.level(p->unit)], "prefecture");
      EXPECT_EQ(p->period, 13);  // province adopts 2011-01 (12); pilots start the next month
    }
    // capacity rule: the two most populous prefectures (P3 > P2 > P1)
    std::set<std::string> ids{std::string(h.id(pilots[0]->unit)),
                              std::string(h.id(pilots[1]->unit))};
    EXPECT_EQ(ids, (std::set<std::string>{"P2", "P3"}));
    int ok = 0;
    for (auto* p : pilots) ok += p->full_period == 25 ? 1 : 0;  // evaluated 12 months later
    if (ok >= 1) {
      ++scaled;
      // Scale-up mandate (24 months): every prefecture has adopted by period 25 + 24.
      int prefectures = 0;
      for (const auto& a : r.adoptions) {
        if (h.level(a.unit) == 1 && a.period <= 49 && a.round == 0) ++prefectures;
      }
      EXPECT_EQ(prefectures, 3);
    }
  }
  EXPECT_GT(scaled, 15);  // P(at least 1 of 2 succeeds) = 0.96 with pilot_success 0.8
}

TEST(EngineMechanisms, ScoreRuleRanksByItsLinearScore) {
  // A score of population alone (or its log) ranks as capacity does: same bytes.
  const auto cap = example("toy_pilot.toml");
  const auto a = run_ensemble(*cap.model, 6, 2);
  for (const char* term : {"population", "log(population)"}) {
    SCOPED_TRACE(term);
    const auto sc = example("toy_pilot.toml", {"promotion.pilot_rule=score",
                                               std::string("promotion.score.") + term + "=1"});
    const auto b = run_ensemble(*sc.model, 6, 2);
    for (std::size_t r = 0; r < a.size(); ++r) {
      ASSERT_EQ(a[r].adoptions.size(), b[r].adoptions.size());
      EXPECT_EQ(std::memcmp(a[r].adoptions.data(), b[r].adoptions.data(),
                            a[r].adoptions.size() * sizeof(Adoption)),
                0);
    }
  }
  // The sign of a coefficient turns the ranking round: the two smallest prefectures pilot
  // (P1 < P2 < P3), and a second column can break the order (migrant share P1 < P2 < P3).
  for (const auto& [sets, want] :
       std::vector<std::pair<std::vector<std::string>, std::set<std::string>>>{
           {{"promotion.score.population=-1"}, {"P1", "P2"}},
           {{"promotion.score.population=1e-6", "promotion.score.migrant_share=-10"}, {"P1", "P2"}},
           {{"promotion.score.population=-1e-6", "promotion.score.migrant_share=10"},
            {"P2", "P3"}}}) {
    auto all = sets;
    all.emplace_back("promotion.pilot_rule=score");
    all.emplace_back("adoption.alpha.prefecture=-inf");  // none adopts before the designation
    const auto st = example("toy_pilot.toml", all);
    const auto& h = st.model->hierarchy();
    for (const auto& r : run_ensemble(*st.model, 3, 1)) {
      std::set<std::string> ids;
      for (const auto& ad : r.adoptions) {
        if (ad.pilot && h.level(ad.unit) == 1) ids.emplace(h.id(ad.unit));
      }
      EXPECT_EQ(ids, want) << sets.back();
    }
  }
}

TEST(EngineMechanisms, ChampionshipCreatesVariantsMandateDoesNot) {
  auto count_variants = [](const study::PreparedStudy& st) {
    const auto res = run_ensemble(*st.model, 10, 2);
    std::set<std::int32_t> v;
    for (const auto& a : res[0].adoptions) v.insert(a.variant);
    return v.size();
  };
  const auto champ = example("toy_championship.toml");
  const auto mand =
      example("toy_championship.toml",
              {"event.0.mode=mandate", "promotion.championship=0", "promotion.mandate=1"});
  EXPECT_GT(count_variants(champ), count_variants(mand) + 5);
}

TEST(Summary, QuantileType7MatchesR) {
  // R: quantile(c(1, 2, 4, 8), c(0.05, 0.5, 0.95)) = 1.15, 3.00, 7.40
  const std::vector<double> v{1, 2, 4, 8};
  EXPECT_NEAR(quantile_type7(v, 0.05), 1.15, 1e-12);
  EXPECT_NEAR(quantile_type7(v, 0.5), 3.0, 1e-12);
  EXPECT_NEAR(quantile_type7(v, 0.95), 7.4, 1e-12);
}

namespace {

// A province with 3 prefectures of 4 counties each, built in memory.
Hierarchy small_tree() {
  HierarchyBuilder b("tree", {"population", "need"});
  double x[] = {100, 0.1};
  b.add("P", "", "province", "", x, 2);
  for (int a = 0; a < 3; ++a) {
    const std::string pre = "P" + std::to_string(a);
    x[0] = 10 + a;
    b.add(pre, "P", "prefecture", "", x, 3 + a);
    for (int c = 0; c < 4; ++c) {
      x[0] = 1 + c;
      b.add(pre + "C" + std::to_string(c), pre, "county", "", x, 10 + 4 * a + c);
    }
  }
  return b.build("");
}

Scenario quiet(int periods) {
  Scenario s;
  s.calendar.start_year = 2010;
  s.calendar.periods = periods;
  s.adoption.alpha_default = -std::numeric_limits<double>::infinity();
  s.adoption.gamma_need = 0;
  s.promotion.weights = {0, 0, 0, 0};
  s.promotion.pilot_rule = PilotRule::random;
  s.stages.institutionalise_after = 0;
  return s;
}

Event adopt_event(const std::string& unit, const std::string& date, Mode mode,
                  const std::string& policy = "p") {
  Event e;
  e.key = "event";
  e.date = date;
  e.policy = policy;
  e.spec = AdoptSpec{.units = {unit}, .mode = mode};
  return e;
}

}  // namespace

TEST(EngineMechanisms, SeveralPoliciesRunIndependently) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(36);
  s.policies = {{"a", "A", 0.0}, {"b", "B", 0.0}};
  s.events = {adopt_event("P0", "2010-03", Mode::none, "a"),
              adopt_event("P1C2", "2011-01", Mode::none, "b")};
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  ASSERT_EQ(r.adoptions.size(), 2U);
  EXPECT_EQ(r.adoptions[0].policy, 0);
  EXPECT_EQ(h.id(r.adoptions[0].unit), "P0");
  EXPECT_EQ(r.adoptions[0].period, 2);
  EXPECT_EQ(r.adoptions[1].policy, 1);
  EXPECT_EQ(h.id(r.adoptions[1].unit), "P1C2");
  EXPECT_EQ(r.adoptions[1].period, 12);
  const auto sum = summarise(m, {r}, {0.5});
  int rows_b = 0;
  for (const auto& row : sum.rows) rows_b += row.policy == 1 ? 1 : 0;
  EXPECT_EQ(rows_b, 3 * 36 * kMetrics);
}

TEST(EngineMechanisms, PromoteEventSwitchesToMandateWithDeadline) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(48);
  s.policies = {{"p", "p", 0.0}};
  s.events = {adopt_event("P", "2010-01", Mode::endorse)};
  Event promote = adopt_event("P", "2011-01", Mode::mandate);
  promote.spec = PromoteSpec{.units = {"P"}, .mode = Mode::mandate, .deadline = "2012-01"};
  s.events.push_back(promote);
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  const auto ad = by_unit(r.adoptions);
  for (const char* id : {"P0", "P1", "P2"}) {
    ASSERT_TRUE(ad.count(h.find(id))) << id;
    const auto* a = ad.at(h.find(id));
    EXPECT_EQ(a->period, 24) << "complied at the deadline, not before (alpha = -inf)";
    EXPECT_EQ(a->channel, Channel::mandate_deadline);
  }
}

TEST(EngineMechanisms, DeadlinesTightenDownTheHierarchy) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(60);
  s.policies = {{"p", "p", 0.0}};
  s.promotion.weights = {0, 0, 1, 0};  // every adopting superior mandates
  s.promotion.mandate_deadline = 40;
  s.vertical.deadline_tightening = 6;
  s.events = {adopt_event("P", "2010-01", Mode::mandate)};
  std::get<AdoptSpec>(s.events[0].spec).deadline = "2011-12";  // period 23
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);  // by_unit points into r.adoptions: keep r alive
  const auto ad = by_unit(r.adoptions);
  for (std::int32_t u = 0; u < h.size(); ++u) {
    ASSERT_TRUE(ad.count(u));
    if (h.level(u) == 1) EXPECT_EQ(ad.at(u)->period, 23);
    // Prefectures adopt at 23 and mandate with deadline min(23 + 40, 23 - 6) -> at least 24.
    if (h.level(u) == 2) EXPECT_EQ(ad.at(u)->period, 24);
  }
  // Without an inherited deadline the prefecture's own deadline applies: 23 + 40.
  s.vertical.deadline_tightening = 0;
  std::get<AdoptSpec>(s.events[0].spec).deadline =
      "2010-06";  // period 5; prefectures adopt at 5, counties at min(45, 5) -> 6
  const Model m2(s, h, net);
  const auto r2 = run_replicate(m2, 0);
  const auto ad2 = by_unit(r2.adoptions);
  EXPECT_EQ(ad2.at(h.find("P0C0"))->period, 6);
}

TEST(EngineMechanisms, SuccessWeightedLearningUsesPeersQuality) {
  // Two identical star worlds; with success weighting the exposure is the sum of peers'
  // quality (< count), so horizontal diffusion is slower on average.
  const auto h = test::star(3000);
  const Network net;
  auto s = quiet(60);
  s.policies = {{"p", "p", 0.0}};
  s.adoption.alpha["leaf"] = -6;
  s.adoption.gamma_horizontal = 8;
  auto count_by = [&](bool weighted) {
    s.adoption.success_weighted = weighted;
    const Model m(s, h, net);
    std::size_t total = 0;
    for (int rep = 0; rep < 4; ++rep) total += run_replicate(m, rep).adoptions.size();
    return total;
  };
  const auto imitation = count_by(false);
  const auto learning = count_by(true);
  EXPECT_GT(imitation, learning + 100);
  EXPECT_GT(learning, 0U);
}

TEST(EngineMechanisms, ReversalRateMatchesGeometricWaiting) {
  const auto h = test::star(4000);
  const Network net;
  auto s = quiet(200);
  s.policies = {{"p", "p", 0.0}};
  s.stages.reversal_rate = 0.05;
  Event e = adopt_event("R", "2010-01", Mode::none);
  auto& units = std::get<AdoptSpec>(e.spec).units;
  units.clear();
  for (int i = 0; i < 4000; ++i) units.push_back("c" + std::to_string(i));
  s.events = {e};
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  double n_rev = 0, sum_wait = 0;
  for (const auto& a : r.adoptions) {
    if (a.rev_period != kNever) {
      n_rev += 1;
      sum_wait += a.rev_period - a.period;
    }
  }
  // P(reversed within 199 periods) = 1 - 0.95^199 ~ 1; mean wait 1/0.05 = 20, sd ~19.5.
  EXPECT_GT(n_rev, 3990);
  EXPECT_NEAR(sum_wait / n_rev, 20.0, 4 * 19.5 / std::sqrt(n_rev));
}

TEST(EngineMechanisms, WarningsForEventsAfterTheHorizon) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(12);
  s.policies = {{"p", "p", 0.0}};
  s.events = {adopt_event("P", "2015-01", Mode::none)};
  const Model m(s, h, net);
  ASSERT_EQ(m.warnings().size(), 1U);
  EXPECT_NE(m.warnings()[0].find("after the last period"), std::string::npos);
  EXPECT_TRUE(run_replicate(m, 0).adoptions.empty());
}

TEST(EngineMechanisms, WarningsForPilotsEvaluatedAfterTheHorizon) {
  // Pilots designated by an event in 2010-03 (period 2 of 12) are evaluated in period
  // 3 + pilot_delay: at 12 that is after the last period (2010-12), so they are never judged;
  // the warning names the event, the date and the key to change (at most 12 - 2 - 2 = 8).
  const auto h = small_tree();
  const Network net;
  auto s = quiet(12);
  s.policies = {{"p", "p", 0.0}};
  s.events = {adopt_event("P", "2010-03", Mode::pilot)};
  s.promotion.pilot_delay = 12;
  {
    const Model m(s, h, net);
    ASSERT_EQ(m.warnings().size(), 1U);
    const auto& w = m.warnings()[0];
    EXPECT_NE(w.find("event (adopt at 2010-03, mode pilot): its pilots are evaluated in 2011-04"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("after the last period (2010-12)"), std::string::npos) << w;
    EXPECT_NE(w.find("set promotion.pilot_delay to at most 8"), std::string::npos) << w;
  }
  // Judged in time, but a scale-up then would have its deadline after the last period.
  s.promotion.pilot_delay = 8;
  s.promotion.scale_up_deadline = 24;
  {
    const Model m(s, h, net);
    ASSERT_EQ(m.warnings().size(), 1U);
    EXPECT_NE(m.warnings()[0].find("evaluated in 2010-12, but the deadline of a scale-up then, "
                                   "2012-12 (promotion.scale_up_deadline: 24 periods on)"),
              std::string::npos)
        << m.warnings()[0];
  }
  // Within the horizon: nothing to say; nor for a mode that designates no pilots.
  s.promotion.pilot_delay = 2;
  s.promotion.scale_up_deadline = 3;
  EXPECT_TRUE(Model(s, h, net).warnings().empty());
  s.promotion.pilot_delay = 12;
  s.events = {adopt_event("P", "2010-03", Mode::endorse)};
  EXPECT_TRUE(Model(s, h, net).warnings().empty());
}

TEST(EngineInvariants, RandomisedParameterSets) {
  // Many random combinations of mechanisms on the toy province with edges: invariants hold,
  // and results are identical at 1 and 2 threads.
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525U + 1013904223U;
    return static_cast<double>(state >> 8) / static_cast<double>(1U << 24);
  };
  const char* modes[] = {"endorse", "pilot", "mandate", "championship"};
  for (int trial = 0; trial < 25; ++trial) {
    SCOPED_TRACE(trial);
    std::vector<std::string> sets = {
        "adoption.alpha.prefecture=" + std::to_string(-9 + 6 * next()),
        "adoption.alpha.county=" + std::to_string(-9 + 6 * next()),
        "adoption.alpha.township=" + std::to_string(-9 + 6 * next()),
        "adoption.gamma_vertical=" + std::to_string(3 * next()),
        "adoption.gamma_horizontal=" + std::to_string(6 * next() - 1),
        "adoption.gamma_bottom_up=" + std::to_string(3 * next()),
        "adoption.link=" + std::string(next() < 0.3 ? "logit" : "cloglog"),
        "adoption.success_weighted=" + std::string(next() < 0.5 ? "true" : "false"),
        "promotion.endorse=" + std::to_string(next()),
        "promotion.pilot=" + std::to_string(next()),
        "promotion.mandate=" + std::to_string(next()),
        "promotion.championship=" + std::to_string(next()),
        "promotion.pilot_rule=" + std::string(next() < 0.5 ? "random" : "capacity"),
        "promotion.compliance=" + std::to_string(next()),
        "vertical.deadline_tightening=" + std::to_string(static_cast<int>(12 * next())),
        "stages.reversal_rate=" + std::to_string(0.05 * next()),
        "stages.institutionalise_after=" + std::to_string(static_cast<int>(40 * next())),
        "event=[{type=\"adopt\", date=\"2011-01\", units=[\"P\"], mode=\"" +
            std::string(modes[static_cast<int>(4 * next()) % 4]) + "\"}]",
    };
    const auto st = example("toy_peer_learning.toml", sets);
    const auto a = run_ensemble(*st.model, 4, 1);
    const auto b = run_ensemble(*st.model, 4, 2);
    check_invariants(*st.model, a);
    for (std::size_t r = 0; r < a.size(); ++r) {
      ASSERT_EQ(a[r].adoptions.size(), b[r].adoptions.size());
      EXPECT_EQ(std::memcmp(a[r].adoptions.data(), b[r].adoptions.data(),
                            a[r].adoptions.size() * sizeof(Adoption)),
                0);
    }
  }
}

// ---- Time-varying and interacting mechanisms, channels, readmission ---------------------

namespace {

Event set_event(const std::string& key, double value, std::int32_t period,
                const std::string& policy = "p") {
  Event e;
  e.key = "event[set]";
  e.date = std::to_string(period);
  e.policy = policy;
  e.spec = SetSpec{key, value};
  return e;
}

// Units not adopted by `from` and their adoption periods after it, shifted to start at 0.
std::pair<std::vector<Adoption>, std::int64_t> after(const std::vector<Adoption>& ads,
                                                     std::int64_t n, std::int32_t from) {
  std::vector<Adoption> later;
  std::int64_t before = 0;
  for (auto a : ads) {
    if (a.period < from) {
      ++before;
    } else {
      a.period -= from;
      later.push_back(a);
    }
  }
  return {later, n - before};
}

}  // namespace

TEST(EngineStatistical, SetEventChangesTheInterceptFromItsDateOnBothPaths) {
  // A constant hazard of 0.02 a period, raised to 0.06 at period 30 by a set event on the
  // leaves' intercept: adoption times before 30 are geometric(0.02), and the units still
  // waiting then adopt geometric(0.06) from 30 on. The fast path re-sorts its thresholds;
  // the generic path (edges) reads the new intercept. Same law on both.
  const int n = 20000;
  const auto h = test::star(n);
  NetworkBuilder nb(h);
  for (int i = 0; i + 1 < n; i += 2) {
    nb.add("t", 0, "c" + std::to_string(i), "c" + std::to_string(i + 1), 1.0, true);
  }
  const auto edges = nb.build();
  const Network none;
  for (const Network* net : {&none, &edges}) {
    auto s = constant_hazard(0.02, Link::cloglog, 100);
    s.seed = 31;
    s.events.push_back(set_event("adoption.alpha.leaf", std::log(-std::log1p(-0.06)), 30));
    const Model m(s, h, *net);
    EXPECT_EQ(m.fast(1), net == &none);
    const auto r = run_replicate(m, 0);
    std::vector<Adoption> early;
    for (const auto& a : r.adoptions) {
      if (a.period < 30) early.push_back(a);
    }
    expect_geometric(early, n, 0.02, 30);  // bins 0..19 and >= 20 (censored)
    const auto [later, waiting] = after(r.adoptions, n, 30);
    expect_geometric(later, waiting, 0.06, 70);
  }
}

TEST(EngineMechanisms, SetEventsChangeHazardWeightsFromTheirDateOnly) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(60);
  s.policies = {{"p", "p", 0.0}};
  s.adoption.alpha = {{"prefecture", -6}, {"county", -6}};
  s.adoption.gamma_vertical = 0.5;
  s.events = {adopt_event("P", "2010-01", Mode::endorse)};
  auto raised = s;
  raised.events.push_back(set_event("adoption.gamma_vertical", 3.0, 24));
  raised.events.back().date = "2012-01";
  const Model a(s, h, net);
  const Model b(raised, h, net);
  std::vector<double> na, nb;
  for (int r = 0; r < 40; ++r) {
    const auto ra = run_replicate(a, r);
    const auto rb = run_replicate(b, r);
    // Identical before the date (same thresholds, same weights).
    for (std::size_t i = 0; i < ra.adoptions.size() && i < rb.adoptions.size(); ++i) {
      if (ra.adoptions[i].period < 24 || rb.adoptions[i].period < 24) {
        EXPECT_EQ(ra.adoptions[i].unit, rb.adoptions[i].unit);
        EXPECT_EQ(ra.adoptions[i].period, rb.adoptions[i].period);
      }
    }
    na.push_back(static_cast<double>(ra.adoptions.size()));
    nb.push_back(static_cast<double>(rb.adoptions.size()));
  }
  double diff = 0;
  for (std::size_t r = 0; r < na.size(); ++r) diff += nb[r] - na[r];
  EXPECT_GT(diff / static_cast<double>(na.size()), 1.0);  // more adopt once the push counts more
}

TEST(EngineMechanisms, SuperiorsPushUnlocksPeerCopying) {
  // g_h = 0 and g_vh > 0: peers matter only under pressure from above.
  const auto h = test::star(2000);
  const Network net;
  auto s = constant_hazard(0.002, Link::cloglog, 80);
  s.adoption.gamma_vertical = 0.0;
  s.adoption.gamma_vh = 6.0;
  auto plain = s;
  plain.adoption.gamma_vh = 0.0;
  // No pressure from above: the interaction adds nothing, bit for bit.
  EXPECT_EQ(0, [&] {
    const Model a(s, h, net);
    const Model b(plain, h, net);
    const auto ra = run_replicate(a, 0);
    const auto rb = run_replicate(b, 0);
    return ra.adoptions.size() == rb.adoptions.size()
               ? std::memcmp(ra.adoptions.data(), rb.adoptions.data(),
                             ra.adoptions.size() * sizeof(Adoption))
               : 1;
  }());
  // The root endorses: now adopted peers speed the rest up.
  s.adoption.alpha["top"] = 0;
  plain.adoption.alpha["top"] = 0;
  s.events = {adopt_event("R", "0", Mode::endorse)};
  plain.events = s.events;
  const Model a(s, h, net);
  const Model b(plain, h, net);
  const auto ra = run_replicate(a, 1);
  const auto rb = run_replicate(b, 1);
  EXPECT_GT(ra.adoptions.size(), rb.adoptions.size() + 100);
  int horizontal = 0;
  for (const auto& x : ra.adoptions) horizontal += x.channel == Channel::horizontal ? 1 : 0;
  EXPECT_GT(horizontal, 100);  // the interaction counts as peer copying
}

TEST(EngineMechanisms, PrerequisitesGateAndBoostersRaiseTheHazard) {
  // Chengdu-like chain: councils, then funds (which need councils in the unit or its
  // superior), boosted by councils in another variant.
  const auto h = small_tree();
  const Network net;
  auto s = quiet(120);
  s.policies = {{"councils", "councils", 0.0}, {"funds", "funds", 0.0}};
  s.adoption.alpha = {{"province", -4}, {"prefecture", -4}, {"county", -4}};
  s.policies[1].prerequisites = {"councils"};
  s.events = {adopt_event("P1", "2015-01", Mode::none, "councils")};
  const Model m(s, h, net);
  for (int r = 0; r < 20; ++r) {
    const auto res = run_replicate(m, r);
    std::map<std::int32_t, std::int32_t> councils;
    for (const auto& a : res.adoptions) {
      if (a.policy == 0 && a.round == 0) councils[a.unit] = a.period;
    }
    for (const auto& a : res.adoptions) {
      if (a.policy != 1) continue;
      // The unit or its superior ran councils by the end of the period before.
      const auto own = councils.find(a.unit);
      const auto up = councils.find(h.parent(a.unit));
      const bool ok = (own != councils.end() && own->second <= a.period - 1) ||
                      (up != councils.end() && up->second <= a.period - 1);
      EXPECT_TRUE(ok) << "funds before councils in " << h.id(a.unit) << " at " << a.period;
    }
  }
  // Boosters: funds adopt faster where councils run.
  auto boosted = s;
  boosted.policies[1].prerequisites.clear();
  boosted.policies[1].boosted_by = {{"councils", 2.0}};
  auto plain = boosted;
  plain.policies[1].boosted_by.clear();
  const Model mb(boosted, h, net);
  const Model mp(plain, h, net);
  double when[2] = {0, 0}, n[2] = {0, 0};  // mean period of funds' adoptions
  for (int r = 0; r < 40; ++r) {
    for (int k = 0; k < 2; ++k) {
      for (const auto& a : run_replicate(k == 0 ? mb : mp, r).adoptions) {
        if (a.policy == 1 && a.round == 0) {
          when[k] += a.period;
          n[k] += 1;
        }
      }
    }
  }
  EXPECT_LT(when[0] / n[0], when[1] / n[1] - 5);
}

TEST(EngineMechanisms, ChannelsNameTheCauseWithTheLargestShareOfTheHazard) {
  const auto h = test::star(3000);
  const Network net;
  // Intercept alone, and with a small static need term (exp(0.1) - 1 < 1): spontaneous.
  auto s = constant_hazard(0.01, Link::cloglog, 100);
  for (const auto& a : run_replicate(Model(s, h, net), 0).adoptions) {
    ASSERT_EQ(a.channel, Channel::spontaneous);
  }
  // A strong push from above (g_v V = 2: exp(-2) < (1 - exp(-2))): vertical.
  s.adoption.gamma_vertical = 2.0;
  s.vertical.endorse = 1.0;
  s.adoption.alpha["top"] = 0;
  s.events = {adopt_event("R", "0", Mode::endorse)};
  int vertical = 0, total = 0;
  for (const auto& a : run_replicate(Model(s, h, net), 0).adoptions) {
    if (a.unit == 0 || a.period == 0) continue;  // the push starts the period after the root
    vertical += a.channel == Channel::vertical ? 1 : 0;
    ++total;
  }
  EXPECT_EQ(vertical, total);
  // A weak push (g_v V = 0.5 < ln 2): most adoptions are still spontaneous.
  s.adoption.gamma_vertical = 0.5;
  int spontaneous = 0;
  total = 0;
  for (const auto& a : run_replicate(Model(s, h, net), 0).adoptions) {
    if (a.unit == 0) continue;
    spontaneous += a.channel == Channel::spontaneous ? 1 : 0;
    ++total;
  }
  EXPECT_EQ(spontaneous, total);
}

TEST(EngineMechanisms, FailedPilotsMayAdoptAgain) {
  const auto count = [](const study::PreparedStudy& st) {
    int again = 0;
    for (const auto& r : run_ensemble(*st.model, 10, 2)) {
      for (const auto& a : r.adoptions) again += a.round > 0 ? 1 : 0;
    }
    return again;
  };
  // Every pilot fails; the province falls back to endorsement.
  EXPECT_GT(count(example("toy_pilot.toml", {"promotion.pilot_success=0"})), 5);
  EXPECT_EQ(count(example("toy_pilot.toml",
                          {"promotion.pilot_success=0", "stages.readmit_pilots=false"})),
            0);
}

// [[policy]] from and levels (issue 10, item 5): a policy exists from a date and can be
// adopted only at its levels, by every channel (hazard, pilots, events, mandates).
TEST(EngineMechanisms, PoliciesExistFromTheirDateAndOnlyAtTheirLevels) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(120);
  s.policies = {{"p", "p", 0.0}};
  s.adoption.alpha = {{"province", -3}, {"prefecture", -3}, {"county", -3}};
  s.promotion.weights = {0.5, 0.5, 0, 0};  // endorsement and pilots from adopting superiors
  const auto records = [&](const Scenario& sc, int reps) {
    const Model m(sc, h, net);
    std::vector<Adoption> all;
    for (int r = 0; r < reps; ++r) {
      const auto res = run_replicate(m, r);
      all.insert(all.end(), res.adoptions.begin(), res.adoptions.end());
    }
    return all;
  };
  const auto first_period = [](const std::vector<Adoption>& ads) {
    std::int32_t first = kNever;
    for (const auto& a : ads) first = std::min(first, a.period);
    return first;
  };
  // Without `from`, units adopt in the first years (the test could fail on that path).
  const auto plain = records(s, 20);
  ASSERT_FALSE(plain.empty());
  EXPECT_LT(first_period(plain), 36);
  // From 2013-01 (period 36): nothing before, and adoption follows (the hazard starts then).
  auto later = s;
  later.policies[0].from = "2013-01";
  const auto dated = records(later, 20);
  ASSERT_FALSE(dated.empty());
  EXPECT_EQ(first_period(dated), 36);
  // A date before the calendar's start: the policy already existed; the same records.
  auto earlier = s;
  earlier.policies[0].from = "2005";
  const auto same = records(earlier, 20);
  ASSERT_EQ(same.size(), plain.size());
  for (std::size_t i = 0; i < same.size(); ++i) {
    EXPECT_EQ(same[i].unit, plain[i].unit);
    EXPECT_EQ(same[i].period, plain[i].period);
  }
  // Prefectures only: no province or county ever adopts (they do without the level set,
  // through the hazard and through pilots under adopting prefectures).
  const auto level_counts = [&](const std::vector<Adoption>& ads) {
    std::array<int, 3> n{};
    for (const auto& a : ads) ++n[static_cast<std::size_t>(h.level(a.unit))];
    return n;
  };
  const auto all_levels = level_counts(plain);
  EXPECT_GT(all_levels[0], 0);
  EXPECT_GT(all_levels[2], 0);
  auto prefectures = s;
  prefectures.policies[0].levels = {"prefecture"};
  const auto only = level_counts(records(prefectures, 20));
  EXPECT_EQ(only[0], 0);
  EXPECT_GT(only[1], 0);
  EXPECT_EQ(only[2], 0);
}

TEST(EngineMechanisms, EventsOnAPolicyBeforeItExistsOrOffItsLevelsAreErrors) {
  const auto h = small_tree();
  const Network net;
  auto s = quiet(120);
  s.policies = {{"p", "p", 0.0}};
  s.policies[0].from = "2013-01";
  s.events = {adopt_event("P1", "2012-06", Mode::none)};
  auto e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("before it exists"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("event.date"), std::string::npos) << e.what();
  s.events = {adopt_event("P1", "2013-01", Mode::none)};
  { const Model ok(s, h, net); }
  s.policies[0].levels = {"province"};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("can be adopted only at province"), std::string::npos)
      << e.what();
  Event mandate;
  mandate.key = "event";
  mandate.date = "2014-01";
  mandate.policy = "p";
  mandate.spec = MandateSpec{.issuer = "P", .target_level = "county", .deadline = "2016-01"};
  s.events = {mandate};
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("target_level"), std::string::npos) << e.what();
  s.policies[0].levels = {"nowhere"};
  s.events.clear();
  e = test::expect_error([&] { const Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("levels"), std::string::npos) << e.what();
}

TEST(EngineMechanisms, CanAdoptAtFollowsEveryRouteToALevel) {
  // Province P, prefectures P0-P2, counties: every intercept -inf, P adopts by a scripted event.
  const auto h = small_tree();
  const Network net;
  auto s = quiet(24);
  s.policies = {{"p", "p", 0.0}};
  s.events = {adopt_event("P", "2010-03", Mode::none)};
  const auto reach = [&](int level) { return Model(s, h, net).can_adopt_at(0, level); };
  EXPECT_TRUE(reach(0));   // the scripted adoption
  EXPECT_FALSE(reach(1));  // endorse only, and -inf below
  EXPECT_FALSE(reach(2));
  s.promotion.weights = {0, 1, 0, 0};  // superiors pilot: P's children, then theirs
  EXPECT_TRUE(reach(1));
  EXPECT_TRUE(reach(2));
  s.promotion.weights = {1, 0, 0, 0};
  s.events = {adopt_event("P", "2010-03", Mode::mandate)};  // P mandates its prefectures only
  EXPECT_TRUE(reach(1));
  EXPECT_FALSE(reach(2));
  s.adoption.alpha["county"] = -3;  // a hazard of their own
  EXPECT_TRUE(reach(2));
  s.policies[0].levels = {"province", "prefecture"};
  EXPECT_FALSE(reach(2));
  s.policies[0].levels.clear();
  s.adoption.alpha["county"] = -std::numeric_limits<double>::infinity();
  s.events = {adopt_event("P", "2013-01", Mode::none)};  // after the horizon: nothing reaches
  EXPECT_FALSE(reach(0));
}

TEST(EngineMechanisms, WarnsWhereAFittedTrendStopsBeforeTheHorizon) {
  // `pdlab fit` writes a trend b*t as one set event a period; past the last the shift stays.
  const auto h = small_tree();
  const Network net;
  auto s = quiet(4);
  s.calendar.periods_per_year = 1;
  s.policies = {{"p", "p", 0.0}};
  for (int t = 1; t <= 3; ++t) {
    Event e;
    e.key = "event[" + std::to_string(t - 1) + "]";
    e.date = std::to_string(2010 + t);
    e.policy = "p";
    e.spec = SetSpec{"adoption.alpha_shift", 0.5 * t};
    s.events.push_back(e);
  }
  EXPECT_TRUE(Model(s, h, net).warnings().empty());  // at the fitted horizon
  s.calendar.periods = 10;
  {
    const Model m(s, h, net);
    ASSERT_EQ(m.warnings().size(), 1U);
    const auto& w = m.warnings()[0];
    EXPECT_NE(w.find("event[2] (set adoption.alpha_shift at 2013 = 1.5, policy 'p') is the last "
                     "of the 3 events of a trend (0.5 a period"),
              std::string::npos)
        << w;
    EXPECT_NE(w.find("events from 2014 to 2019"), std::string::npos) << w;
  }
  // A step a user scripts (not b times its period) is not taken for a trend.
  std::get<SetSpec>(s.events[0].spec).value = 1.0;
  EXPECT_TRUE(Model(s, h, net).warnings().empty());
}
