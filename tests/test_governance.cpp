// The governance layer: switches, determinism, events, agents, and the paper's claims as
// statistical tests that pass with each mechanism on and fail with it off or reversed.
#include "core/calibrate.hpp"
#include "core/compare.hpp"
#include "core/engine.hpp"
#include "core/governance.hpp"
#include "sim/governance/kernel.hpp"
#include "core/summary.hpp"
#include "helpers.hpp"
#include "io/scenario_io.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>

using namespace pdlab;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A city "R" with `districts` districts, 5 streets each and 20 communities per street; the
// migrant share varies from 0.05 to 0.75 across communities, populations from 1,000 to 4,000.
Hierarchy city(int districts = 4) {
  HierarchyBuilder b("city", {"population", "migrant_share"});
  std::int64_t line = 2;
  const double top[] = {1e6, 0.3};
  b.add("R", "", "city", "city", top, line++);
  for (int d = 0; d < districts; ++d) {
    const std::string di = "d" + std::to_string(d);
    b.add(di, "R", "district", di, top, line++);
    for (int s = 0; s < 5; ++s) {
      const std::string si = di + "s" + std::to_string(s);
      b.add(si, di, "street", si, top, line++);
      for (int c = 0; c < 20; ++c) {
        const double x[] = {1000.0 + 150.0 * c, 0.05 + 0.7 * ((c * 7 + s * 3 + d) % 20) / 19.0};
        b.add(si + "c" + std::to_string(c), si, "community", "", x, line++);
      }
    }
  }
  return b.build("");
}

// Adoption cascades down from the city by mandates (deadline 12 months at each level).
Scenario cascade(int periods = 120) {
  Scenario s;
  s.calendar.periods = periods;
  s.policies.push_back({"gov", "governance model", 0.0});
  s.adoption.alpha = {{"city", -kInf}, {"district", -5}, {"street", -5}, {"community", -5}};
  s.promotion.weights = {0, 0, 1, 0};
  s.promotion.mandate_deadline = 12;
  Event e;
  e.key = "event[0]";
  e.type = "adopt";
  e.date = "0";
  e.policy = "gov";
  e.units = {"R"};
  e.mode = Mode::mandate;
  s.events.push_back(e);
  s.seed = 2018;
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  return s;
}

std::vector<ReplicateResult> run(const Scenario& s, const Hierarchy& h, int reps = 12,
                                 int threads = 2) {
  const Network net;
  const Model m(s, h, net);
  return run_ensemble(m, reps, threads);
}

// Value of (metric, level, period) in each replicate.
std::vector<double> values(const std::vector<ReplicateResult>& rs, const Hierarchy& h,
                           GovMetric metric, const std::string& level, std::int32_t t,
                           std::int32_t periods) {
  const int nl = h.n_levels();
  const int l = *h.level_index(level);
  std::vector<double> v;
  for (const auto& r : rs) {
    v.push_back(r.governance.values[(static_cast<std::size_t>(metric) * nl + l) * periods + t]);
  }
  return v;
}

// Sum over periods [from, to) of a metric, per replicate.
std::vector<double> total(const std::vector<ReplicateResult>& rs, const Hierarchy& h,
                          GovMetric metric, const std::string& level, std::int32_t from,
                          std::int32_t to, std::int32_t periods) {
  std::vector<double> out(rs.size(), 0.0);
  for (std::int32_t t = from; t < to; ++t) {
    const auto v = values(rs, h, metric, level, t, periods);
    for (std::size_t r = 0; r < v.size(); ++r) {
      out[r] += v[r];
    }
  }
  return out;
}

// Paired comparison on common random numbers: is mean(a - b) > 0 beyond 3 standard errors?
bool larger(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  double m = 0;
  for (std::size_t r = 0; r < a.size(); ++r) {
    m += a[r] - b[r];
  }
  m /= n;
  double ss = 0;
  for (std::size_t r = 0; r < a.size(); ++r) {
    ss += (a[r] - b[r] - m) * (a[r] - b[r] - m);
  }
  const double se = std::sqrt(ss / (n - 1) / n);
  return m > 3 * se && m > 1e-6;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) {
    s += x;
  }
  return s / static_cast<double>(v.size());
}

}  // namespace

TEST(Governance, KernelLogisticIsAccurate) {
  double worst = 0;
  for (double x = -30; x <= 30; x += 0.001) {
    const double exact = 1.0 / (1.0 + std::exp(-x));
    const double got = gov::kernel_logistic(static_cast<float>(x));
    worst = std::max(worst, std::abs(got - exact) / exact);
  }
  EXPECT_LT(worst, 1e-5);  // float rounding of x (~1e-7 |x|) and the degree-5 polynomial
}

TEST(Compare, StudentTQuantilesMatchR) {
  // R 4.2.2: print(qt(c(.975, .975, .975, .975, .975, .9), c(1, 2, 9, 29, 1000, 5)), digits = 17)
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062047361746941, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.3026527297494619, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.2621571627982049, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.0452296421327034, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 1000), 1.9623390808264076, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.9, 5), 1.4758840488244804, 1e-10);
}

TEST(Calibrate, NelderMeadFindsMinimaOfSmoothFunctions) {
  // A shifted quadratic and Rosenbrock's valley (minimum at (1, 1)).
  const auto quad = [](const std::vector<double>& x) {
    return (x[0] - 3) * (x[0] - 3) + 10 * (x[1] + 1) * (x[1] + 1);
  };
  auto r = nelder_mead(quad, {0, 0}, {1, 1}, 1e-14, 2000);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 3, 1e-5);
  EXPECT_NEAR(r.x[1], -1, 1e-5);
  const auto rosen = [](const std::vector<double>& x) {
    return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
  };
  r = nelder_mead(rosen, {-1.2, 1}, {0.5, 0.5}, 1e-16, 5000);
  EXPECT_NEAR(r.x[0], 1, 1e-3);
  EXPECT_NEAR(r.x[1], 1, 2e-3);
  // The evaluation budget is respected.
  r = nelder_mead(rosen, {-1.2, 1}, {0.5, 0.5}, 0, 50);
  EXPECT_FALSE(r.converged);
  EXPECT_LE(r.evaluations, 50 + 3);
}

TEST(Calibrate, TargetSharesCountUnitsBelowTheRegionsByTheDate) {
  const auto h = city(2);
  auto s = cascade(60);
  s.governance = GovernanceParams{};
  const Network net;
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  Target all{0, *h.level_index("community"), {0}, 59, 1.0, 1.0, "all"};
  Target d0{0, *h.level_index("community"), {h.find("d0")}, 20, 0.5, 1.0, "d0"};
  Target both{0, *h.level_index("community"), {h.find("d0"), h.find("d1")}, 20, 0.5, 1.0, "b"};
  const auto v = target_shares(m, r, {all, d0, both});
  double n_all = 0;
  double n_d0 = 0;
  double n_both = 0;
  for (const auto& a : r.adoptions) {
    if (h.level(a.unit) == all.level) {
      n_all += a.period <= 59 ? 1 : 0;
      const bool in0 = h.ancestor_at(a.unit, 1) == h.find("d0");
      n_d0 += a.period <= 20 && in0 ? 1 : 0;
      n_both += a.period <= 20 ? 1 : 0;
    }
  }
  EXPECT_DOUBLE_EQ(v[0], n_all / 200.0);
  EXPECT_DOUBLE_EQ(v[1], n_d0 / 100.0);
  EXPECT_DOUBLE_EQ(v[2], n_both / 200.0);
}

TEST(Compare, PairedContrast) {
  const std::vector<double> base = {1, 2, 3, 4, 5};
  const std::vector<double> x = {2, 2.5, 4, 5.5, 6};
  const auto c = contrast(x, base);
  EXPECT_EQ(c.n, 5);
  EXPECT_DOUBLE_EQ(c.mean, 4.0);
  EXPECT_DOUBLE_EQ(c.diff, 1.0);
  // differences 1, 0.5, 1, 1.5, 1: sd = sqrt(0.125), se = sd / sqrt(5)
  EXPECT_NEAR(c.diff_se, std::sqrt(0.125 / 5), 1e-12);
  EXPECT_NEAR(c.hi - c.diff, 2.7764451051977934 * std::sqrt(0.125 / 5), 1e-9);  // qt(.975, 4)
  const auto nan = std::nan("");
  EXPECT_EQ(contrast({1, nan, 3}, {0, 0, 0}).n, 2);
}

TEST(Governance, ModulesDoNotChangeAdoptionAndOffMeansNoOutput) {
  const auto h = city(2);
  auto on = cascade();
  auto off = on;
  off.governance = GovernanceParams{};
  const auto a = run(on, h, 4);
  const auto b = run(off, h, 4);
  for (std::size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].adoptions.size(), b[r].adoptions.size());
    EXPECT_EQ(0, std::memcmp(a[r].adoptions.data(), b[r].adoptions.data(),
                             a[r].adoptions.size() * sizeof(Adoption)));
    EXPECT_FALSE(a[r].governance.values.empty());
    EXPECT_TRUE(b[r].governance.values.empty());
  }
}

TEST(Governance, SameBitsAtAnyThreadCount) {
  const auto h = city(3);
  const auto a = run(cascade(), h, 6, 1);
  const auto b = run(cascade(), h, 6, 2);
  for (std::size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].governance.values.size(), b[r].governance.values.size());
    EXPECT_EQ(0, std::memcmp(a[r].governance.values.data(), b[r].governance.values.data(),
                             a[r].governance.values.size() * sizeof(double)));
  }
}

TEST(Governance, StatesStayInRangeAndParticipationBelowCeiling) {
  const auto h = city(2);
  const auto s = cascade();
  const auto rs = run(s, h, 3);
  for (auto m : {GovMetric::participation_local, GovMetric::participation_migrant,
                 GovMetric::belonging_local, GovMetric::belonging_migrant, GovMetric::trust_local,
                 GovMetric::trust_migrant, GovMetric::grievance_local, GovMetric::grievance_migrant,
                 GovMetric::coverage, GovMetric::depth}) {
    for (std::int32_t t = 0; t < 120; ++t) {
      for (double v : values(rs, h, m, "community", t, 120)) {
        EXPECT_GE(v, 0.0) << to_string(m);
        EXPECT_LE(v, 1.0) << to_string(m);
        if (m == GovMetric::participation_local || m == GovMetric::participation_migrant) {
          EXPECT_LE(v, s.governance.coproduction.ceiling + 1e-6);
        }
      }
    }
  }
  for (double v : values(rs, h, GovMetric::incidents, "street", 60, 120)) {
    EXPECT_GE(v, 0.0);
  }
}

TEST(Governance, SetEventChangesParametersFromItsDate) {
  const auto h = city(2);
  auto base = cascade();
  base.governance.coproduction.mobilisation = 0.0;
  auto with = base;
  Event e;
  e.key = "event[1]";
  e.type = "set";
  e.date = "60";
  e.policy = "gov";
  e.param = "coproduction.mobilisation";
  e.value = 2.0;
  with.events.push_back(e);
  const auto a = run(base, h, 3);
  const auto b = run(with, h, 3);
  const auto m = GovMetric::participation_migrant;
  EXPECT_EQ(values(a, h, m, "community", 59, 120), values(b, h, m, "community", 59, 120));
  EXPECT_TRUE(
      larger(values(b, h, m, "community", 119, 120), values(a, h, m, "community", 119, 120)));
}

TEST(Governance, ReverseEventReversesUnitsAndDescendants) {
  const auto h = city(2);
  auto s = cascade();
  Event e;
  e.key = "event[1]";
  e.type = "reverse";
  e.date = "80";
  e.policy = "gov";
  e.units = {"d0"};
  e.descendants = true;
  s.events.push_back(e);
  const Network net;
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  const int ld = *h.level_index("district");
  int reversed = 0;
  for (const auto& a : r.adoptions) {
    const bool under = h.ancestor_at(a.unit, ld) == h.find("d0");
    if (under && a.period < 80) {
      EXPECT_LE(a.rev_period, 80) << h.id(a.unit);
      reversed += a.rev_period == 80 ? 1 : 0;
    }
    if (!under) {
      EXPECT_NE(a.rev_period, 80);
    }
  }
  EXPECT_GT(reversed, 100);
}

TEST(Governance, AbolishedTierPassesPressureStraightThrough) {
  const auto h = city(3);
  auto s = cascade(60);
  s.governance = GovernanceParams{};
  s.adoption.alpha = {{"city", -kInf}, {"district", -kInf}, {"street", -kInf}, {"community", -7}};
  s.promotion.weights = {1, 0, 0, 0};  // districts endorse; streets never adopt
  s.events[0].units = {"d0", "d1", "d2"};
  s.events[0].mode = Mode::endorse;
  auto abolished = s;
  Event e;
  e.key = "event[1]";
  e.type = "abolish";
  e.date = "0";
  e.policy = "gov";
  e.level = "street";
  abolished.events.push_back(e);
  const auto a = run(s, h, 8);
  const auto b = run(abolished, h, 8);
  std::vector<double> na;
  std::vector<double> nb;
  for (std::size_t r = 0; r < a.size(); ++r) {
    na.push_back(static_cast<double>(a[r].adoptions.size()));
    nb.push_back(static_cast<double>(b[r].adoptions.size()));
  }
  // Without the street tier communities feel their district's pressure unattenuated.
  EXPECT_TRUE(larger(nb, na));
}

TEST(Governance, MergedCommunitiesLeaveThePanel) {
  const auto h = city(1);
  auto s = cascade(24);
  s.output.unit_time_every = 1;
  Event e;
  e.key = "event[1]";
  e.type = "merge";
  e.date = "10";
  e.policy = "gov";
  e.units = {"d0s0c1", "d0s0c2"};
  e.into = "d0s0c0";
  s.events.push_back(e);
  const Network net;
  const Model m(s, h, net);
  const auto r = run_replicate(m, 0);
  const auto c1 = h.find("d0s0c1");
  const auto c0 = h.find("d0s0c0");
  int before = 0;
  int after = 0;
  int survivor = 0;
  for (const auto& row : r.governance.units) {
    if (row.unit == c1) {
      (row.period < 10 ? before : after) += 1;
    }
    survivor += row.unit == c0 ? 1 : 0;
  }
  EXPECT_EQ(before, 10);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(survivor, 24);
}

TEST(Governance, ResidentAgentsAgreeWithTheGroupModelInMean) {
  const auto h = city(2);
  auto s = cascade();
  s.governance.coproduction.agents_root = "d0";
  s.governance.coproduction.agents_per_community = 300;
  const auto rs = run(s, h, 8);
  // Per replicate: agents minus group model, averaged over the last five years (both groups).
  std::vector<double> diff;
  std::vector<double> zero;
  for (const auto& r : rs) {
    ASSERT_EQ(r.governance.agents.size(), 120U);
    double d = 0;
    for (std::size_t t = 60; t < 120; ++t) {
      const auto& a = r.governance.agents[t];
      d += (a[0] - a[2]) + (a[1] - a[3]);
    }
    diff.push_back(d / 120.0);
    zero.push_back(0.0);
    EXPECT_GT(r.governance.agents[119][1], 0.05);  // the agents do participate
  }
  // No systematic difference in either direction (3 standard errors of the paired mean).
  EXPECT_FALSE(larger(diff, zero));
  for (auto& x : diff) {
    x = -x;
  }
  EXPECT_FALSE(larger(diff, zero));
  EXPECT_LT(std::abs(mean(diff)), 0.01);
}

TEST(Governance, ErrorsNameTheKey) {
  const auto h = city(1);
  const Network net;
  auto s = cascade();
  s.governance.coproduction.community_level = "city";
  auto e = test::expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("coproduction.community_level"), std::string::npos);
  s = cascade();
  s.governance.coproduction.enabled = false;
  s.governance.coproduction.agents_root = "d0";
  e = test::expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("agents_root"), std::string::npos);
  s = cascade();
  s.governance.coproduction.population = "populaton";
  e = test::expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("did you mean 'population'"), std::string::npos);
  const auto toml = [](const std::string& body) {
    return "schema_version = 1\n[[policy]]\nid = \"p\"\n" + body;
  };
  e = test::expect_error(
      [&] {
        io::parse_scenario(toml("[[event]]\ntype = \"set\"\ndate = \"2001\"\nkey = "
                                "\"adoption.gamma_vertical\"\nvalue = 1\n"),
                           "s.toml", {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("cannot be changed by an event"), std::string::npos);
  e = test::expect_error(
      [&] {
        io::parse_scenario(
            toml("[[event]]\ntype = \"set\"\ndate = \"2001\"\nkey = \"stability.budget\"\n"
                 "value = 3\n"),
            "s.toml", {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos);
  e = test::expect_error(
      [&] {
        io::parse_scenario(
            toml("[[event]]\ntype = \"abolish\"\ndate = \"2001\"\nunits = [\"x\"]\n"), "s.toml",
            {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("level"), std::string::npos);
  e = test::expect_error(
      [&] { io::parse_scenario(toml("[stability]\nbudgett = 0.5\n"), "s.toml", {}); },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("did you mean 'budget'"), std::string::npos);
}

// ---- The paper's claims (DOMAIN.md 2.3, 3.1-3.2): each passes with the mechanism and fails
// ---- without it or with it reversed.

namespace {

// Zhu (2014): mandates spread faster and more uniformly; championship gives more variants.
bool mandate_beats_championship(const Scenario& mandate, const Scenario& champ,
                                const Hierarchy& h) {
  const auto a = run(mandate, h, 10);
  const auto b = run(champ, h, 10);
  const int lc = *h.level_index("community");
  std::vector<double> mean_a, mean_b, sd_a, sd_b, var_a, var_b;
  for (const auto* rs : {&a, &b}) {
    for (const auto& r : *rs) {
      std::vector<double> times;
      // Local versions: the share of units adopting under an adopting superior whose variant
      // differs from the superior's (spontaneous pioneers start their own under any mode).
      std::vector<const Adoption*> rec(static_cast<std::size_t>(h.size()), nullptr);
      for (const auto& ad : r.adoptions) {
        rec[ad.unit] = &ad;
      }
      double responders = 0;
      double own = 0;
      for (const auto& ad : r.adoptions) {
        if (h.level(ad.unit) == lc) {
          times.push_back(ad.period);
        }
        const auto* up = ad.unit > 0 ? rec[h.parent(ad.unit)] : nullptr;
        if (up != nullptr && up->period < ad.period) {
          responders += 1;
          own += ad.variant != up->variant ? 1 : 0;
        }
      }
      // Units never adopting count at the horizon.
      const auto n = static_cast<std::size_t>(h.level_begin(lc + 1) - h.level_begin(lc));
      times.resize(n, 120.0);
      const double m = mean(times);
      double ss = 0;
      for (double x : times) {
        ss += (x - m) * (x - m);
      }
      (rs == &a ? mean_a : mean_b).push_back(m);
      (rs == &a ? sd_a : sd_b).push_back(std::sqrt(ss / static_cast<double>(n)));
      (rs == &a ? var_a : var_b).push_back(responders > 0 ? own / responders : 0.0);
    }
  }
  return larger(mean_b, mean_a) && larger(sd_b, sd_a) && larger(var_b, var_a);
}

Scenario promotion(ModeWeights w, int periods = 120) {
  auto s = cascade(periods);
  s.governance = GovernanceParams{};
  s.adoption.alpha = {{"city", -kInf}, {"district", -6}, {"street", -6}, {"community", -6}};
  s.promotion.weights = w;
  s.events[0].mode = Mode::none;
  return s;
}

}  // namespace

TEST(GovernanceClaims, MandateFasterAndMoreUniformChampionshipMoreVariants) {
  const auto h = city(4);
  auto mandate = promotion({0, 0, 1, 0});
  auto champ = promotion({0, 0, 0, 1});
  mandate.events[0].mode = Mode::mandate;
  champ.events[0].mode = Mode::championship;
  EXPECT_TRUE(mandate_beats_championship(mandate, champ, h));
  // Reversed: championship without local invention gives no more variants than the mandate.
  champ.promotion.variant_innovation = 0.0;
  EXPECT_FALSE(mandate_beats_championship(mandate, champ, h));
}

TEST(GovernanceClaims, PilotsThenScaleUpGiveADelayedPointToSurfaceCurve) {
  const int n = 40;
  const auto h = test::star(n);
  const Network net;
  Scenario s;
  s.calendar.periods = 60;
  s.policies.push_back({"p", "p", 0.0});
  s.adoption.alpha = {{"top", -kInf}, {"leaf", -8}};
  s.promotion.pilot_k = 3;
  s.promotion.pilot_delay = 12;
  s.promotion.scale_up_deadline = 12;
  s.promotion.pilot_success = 1.0;
  s.promotion.pilot_rule = PilotRule::random;
  Event e;
  e.key = "event[0]";
  e.type = "adopt";
  e.date = "0";
  e.policy = "p";
  e.units = {"R"};
  e.mode = Mode::pilot;
  s.events.push_back(e);
  const auto point_to_surface = [&](const Scenario& sc) {
    const Model m(sc, h, net);
    const auto rs = run_ensemble(m, 10, 2);
    std::vector<double> early, late, zero;
    for (const auto& r : rs) {
      double before = 0;
      double after = 0;
      for (const auto& a : r.adoptions) {
        if (a.unit == 0) {
          continue;
        }
        before += a.period <= 12 ? 1 : 0;
        after += a.period <= 30 ? 1 : 0;
      }
      early.push_back(before / n);
      late.push_back(after / n);
      zero.push_back(0.0);
    }
    // A few points for a year (the pilots), then the surface after the evaluation.
    return mean(early) < 0.2 && mean(late) > 0.9 && larger(late, early);
  };
  EXPECT_TRUE(point_to_surface(s));
  s.promotion.pilot_success = 0.0;  // pilots fail: no scale-up
  EXPECT_FALSE(point_to_surface(s));
}

TEST(GovernanceClaims, MobilisationRaisesParticipationWhichLevelsOffBelowTarget) {
  const auto h = city(2);
  const auto claim = [&](const Scenario& on, const Scenario& without) {
    const auto a = run(on, h, 8);
    const auto b = run(without, h, 8);
    const auto m = GovMetric::participation_local;
    const auto end_on = values(a, h, m, "community", 119, 120);
    const auto end_off = values(b, h, m, "community", 119, 120);
    const auto two_years_before = values(a, h, m, "community", 95, 120);
    const double target = on.governance.coproduction.target;
    return larger(end_on, end_off) && mean(end_on) < target &&
           std::abs(mean(end_on) - mean(two_years_before)) < 0.02;
  };
  auto on = cascade();
  auto off = on;
  off.governance.coproduction.mobilisation = 0.0;
  EXPECT_TRUE(claim(on, off));
  EXPECT_FALSE(claim(off, off));  // switched off: no rise
  auto reversed = on;
  reversed.governance.coproduction.w_mobilisation = -2.0;
  EXPECT_FALSE(claim(reversed, off));
}

TEST(GovernanceClaims, IncompatibleAssessmentsGiveBoxTicking) {
  const auto h = city(2);
  const auto box_ticking = [&](const Scenario& a_sc, const Scenario& b_sc) {
    const auto a = run(a_sc, h, 6);
    const auto b = run(b_sc, h, 6);
    return larger(values(a, h, GovMetric::visible, "street", 119, 120),
                  values(b, h, GovMetric::visible, "street", 119, 120)) &&
           larger(values(b, h, GovMetric::depth, "street", 119, 120),
                  values(a, h, GovMetric::depth, "street", 119, 120));
  };
  auto incompatible = cascade();
  auto compatible = incompatible;
  compatible.governance.assessment.depth_reward = compatible.governance.assessment.visible_reward;
  EXPECT_TRUE(box_ticking(incompatible, compatible));
  auto reversed = incompatible;  // the hierarchy rewards depth more than visible outputs
  reversed.governance.assessment.depth_reward = 2.0;
  EXPECT_FALSE(box_ticking(reversed, compatible));
  auto off = incompatible;
  off.governance.assessment.enabled = false;
  auto off2 = compatible;
  off2.governance.assessment.enabled = false;
  EXPECT_FALSE(box_ticking(off, off2));
}

namespace {

Scenario strategy(double control, double compensation, double root) {
  auto s = cascade();
  s.governance.stability.control = control;
  s.governance.stability.compensation = compensation;
  s.governance.stability.root_cause = root;
  s.governance.stability.budget = 0.8;
  return s;
}

}  // namespace

TEST(GovernanceClaims, ControlCutsIncidentsFirstButCostsTrustAndRaisesGrievance) {
  const auto h = city(4);
  const auto claim = [&](const Scenario& control, const Scenario& root) {
    const auto a = run(control, h, 12);
    const auto b = run(root, h, 12);
    const auto early_a = total(a, h, GovMetric::incidents, "street", 0, 24, 120);
    const auto early_b = total(b, h, GovMetric::incidents, "street", 0, 24, 120);
    return larger(early_b, early_a) &&
           larger(values(b, h, GovMetric::trust_migrant, "community", 119, 120),
                  values(a, h, GovMetric::trust_migrant, "community", 119, 120)) &&
           larger(values(a, h, GovMetric::grievance_migrant, "community", 119, 120),
                  values(b, h, GovMetric::grievance_migrant, "community", 119, 120));
  };
  const auto root = strategy(0, 0, 1);
  EXPECT_TRUE(claim(strategy(1, 0, 0), root));
  auto inert = strategy(1, 0, 0);  // control that does nothing
  inert.governance.stability.control_effect = 0;
  inert.governance.stability.control_trust = 0;
  inert.governance.stability.control_grievance = 0;
  EXPECT_FALSE(claim(inert, root));
}

TEST(GovernanceClaims, CompensationRaisesLaterClaims) {
  const auto h = city(2);
  const auto claim = [&](const Scenario& comp, const Scenario& root) {
    const auto a = run(comp, h, 6);
    const auto b = run(root, h, 6);
    return larger(values(a, h, GovMetric::claims, "street", 119, 120),
                  values(b, h, GovMetric::claims, "street", 119, 120)) &&
           larger(values(a, h, GovMetric::claims, "street", 119, 120),
                  values(a, h, GovMetric::claims, "street", 12, 120));
  };
  EXPECT_TRUE(claim(strategy(0, 1, 0), strategy(0, 0, 1)));
  auto off = strategy(0, 1, 0);
  off.governance.stability.claims_rate = 0.0;
  EXPECT_FALSE(claim(off, strategy(0, 0, 1)));
}

TEST(GovernanceClaims, ContractingSocialOrganizationsLowersEscalatedPressure) {
  const auto h = city(4);
  const auto claim = [&](const Scenario& contracting, const Scenario& none) {
    const auto a = run(contracting, h, 12);
    const auto b = run(none, h, 12);
    return larger(total(b, h, GovMetric::escalated, "district", 36, 120, 120),
                  total(a, h, GovMetric::escalated, "district", 36, 120, 120));
  };
  auto on = cascade();
  auto none = on;
  none.governance.services.contracting = 0.0;
  EXPECT_TRUE(claim(on, none));
  auto no_so = on;  // contracts that build no SO capacity change nothing
  no_so.governance.services.so_growth = 0.0;
  EXPECT_FALSE(claim(no_so, none));
}
