// ABC-SMC (docs/calibrate.md): against the exact posterior of a normal mean, coverage at the
// nominal rate, the same bytes at any thread count, recovery of known parameters of a toy
// scenario, governance-metric targets, and refusals of bad input.
#include "helpers.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/rng.hpp"
#include "pdlab/estimation/abc_smc.hpp"
#include "pdlab/sim/calibrate.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/abc_study.hpp"
#include "pdlab/study/study.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

using namespace pdlab;

namespace {

// The mean of n = 20 draws from N(theta, 1), simulated as its sufficient statistic
// N(theta, 1/20); the distance is |mean - observed|. With a flat prior wide enough, the exact
// posterior is N(observed, 1/20).
constexpr double kN = 20;

AbcDistance normal_mean(double observed) {
  return [observed](const std::vector<double>& th, std::uint64_t seed) {
    const Rng rng(seed);
    const auto w = rng.words(0, 0, 0, 0, Draw::threshold);
    const double z = std::sqrt(-2.0 * std::log(Rng::to_open_unit(w[0], w[1]))) *
                     std::cos(2.0 * M_PI * Rng::to_open_unit(w[2], w[3]));
    return std::abs(th[0] + z / std::sqrt(kN) - observed);
  };
}

AbcOptions normal_options(int particles, std::uint64_t seed, int threads) {
  AbcOptions o;
  o.particles = particles;
  o.max_generations = 12;
  o.quantile = 0.5;
  o.tolerance = 0.01;  // adds eps^2/3 < 4e-5 to the posterior variance 0.05
  o.min_acceptance = 0.01;
  o.seed = seed;
  o.threads = threads;
  return o;
}

}  // namespace

TEST(AbcSmc, NormalMeanMatchesTheExactPosterior) {
  const double observed = 1.3;
  const double sd = 1 / std::sqrt(kN);
  const auto r = abc_smc({{"mu", -10, 10}}, normal_mean(observed), normal_options(2000, 7, 0));
  const auto& g = r.posterior();
  const auto s = abc_summary(g, 0);
  ASSERT_LE(g.epsilon, 0.01) << r.stop;
  ASSERT_GT(g.ess, 500);
  // Sampling error of the weighted mean: sd / sqrt(ESS); of the sd: about sd / sqrt(2 ESS).
  EXPECT_NEAR(s.mean, observed, 4 * sd / std::sqrt(g.ess));
  EXPECT_NEAR(s.sd, sd, 4 * sd / std::sqrt(2 * g.ess));
  EXPECT_NEAR(s.q05, observed - 1.6449 * sd, 0.05);
  EXPECT_NEAR(s.q95, observed + 1.6449 * sd, 0.05);
  // The weights are normalised and the generations' tolerances fall.
  double total = 0;
  for (double w : g.weight) {
    total += w;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  for (std::size_t k = 1; k < r.generations.size(); ++k) {
    EXPECT_LT(r.generations[k].epsilon, r.generations[k - 1].epsilon);
  }
}

TEST(AbcSmc, NinetyPercentIntervalsCoverAtTheNominalRate) {
  // 100 data sets simulated at mu = 0.7: the posterior 90% interval must cover it in at least
  // 85 (binomial(100, 0.9): P(X < 85) = 0.04).
  int covered = 0;
  const double truth = 0.7;
  for (int d = 0; d < 100; ++d) {
    const Rng rng(1000 + d);
    const auto w = rng.words(0, 0, 0, 0, Draw::threshold);
    const double z = std::sqrt(-2.0 * std::log(Rng::to_open_unit(w[0], w[1]))) *
                     std::cos(2.0 * M_PI * Rng::to_open_unit(w[2], w[3]));
    const double observed = truth + z / std::sqrt(kN);
    const auto r = abc_smc({{"mu", -5, 5}}, normal_mean(observed), normal_options(300, 50 + d, 0));
    const auto s = abc_summary(r.posterior(), 0);
    covered += s.q05 <= truth && truth <= s.q95 ? 1 : 0;
  }
  std::printf("posterior 90%% intervals covering the truth: %d of 100\n", covered);
  EXPECT_GE(covered, 85);
  EXPECT_LE(covered, 97);
}

TEST(AbcSmc, SameBytesAtAnyThreadCount) {
  const auto a = abc_smc({{"mu", -10, 10}}, normal_mean(0.4), normal_options(300, 3, 1));
  for (int threads : {2, 3, 8}) {
    const auto b = abc_smc({{"mu", -10, 10}}, normal_mean(0.4), normal_options(300, 3, threads));
    ASSERT_EQ(a.generations.size(), b.generations.size());
    for (std::size_t k = 0; k < a.generations.size(); ++k) {
      EXPECT_EQ(a.generations[k].theta, b.generations[k].theta) << threads;
      EXPECT_EQ(a.generations[k].weight, b.generations[k].weight) << threads;
      EXPECT_EQ(a.generations[k].distance, b.generations[k].distance) << threads;
      EXPECT_EQ(a.generations[k].simulations, b.generations[k].simulations) << threads;
    }
  }
}

// A map that runs each batch as MPI ranks would (items i % 3 == k by "rank" k, the ranks
// in reverse order) gives the same populations as the sampler's own threads.
TEST(AbcSmc, SameBytesThroughAMap) {
  const auto a = abc_smc({{"mu", -10, 10}}, normal_mean(0.4), normal_options(300, 3, 2));
  int batches = 0;
  const AbcMap map = [&](int n, const std::function<double(int)>& f) {
    ++batches;
    std::vector<double> v(static_cast<std::size_t>(n));
    for (int k = 2; k >= 0; --k) {
      for (int i = k; i < n; i += 3) {
        v[static_cast<std::size_t>(i)] = f(i);
      }
    }
    return v;
  };
  const auto b = abc_smc({{"mu", -10, 10}}, normal_mean(0.4), normal_options(300, 3, 2), {}, map);
  EXPECT_GE(batches, 3);
  ASSERT_EQ(a.generations.size(), b.generations.size());
  for (std::size_t k = 0; k < a.generations.size(); ++k) {
    EXPECT_EQ(a.generations[k].theta, b.generations[k].theta);
    EXPECT_EQ(a.generations[k].weight, b.generations[k].weight);
    EXPECT_EQ(a.generations[k].distance, b.generations[k].distance);
  }
}

TEST(AbcSmc, BadOptionsAreRefused) {
  const auto d = normal_mean(0);
  auto o = normal_options(1, 1, 1);
  EXPECT_NE(std::string(test::expect_error(
                            [&] {
                              abc_smc({{"mu", -1, 1}}, d, o);
                            },
                            ErrorKind::usage)
                            .what())
                .find("--particles"),
            std::string::npos);
  o = normal_options(10, 1, 1);
  o.quantile = 1.5;
  test::expect_error([&] { abc_smc({{"mu", -1, 1}}, d, o); }, ErrorKind::usage);
  o.quantile = 0.5;
  const auto e = test::expect_error([&] { abc_smc({{"mu", 1, -1}}, d, o); }, ErrorKind::usage);
  EXPECT_NE(std::string(e.what()).find("mu"), std::string::npos);
  test::expect_error([&] { abc_smc({{"mu", -INFINITY, 1}}, d, o); }, ErrorKind::usage);
  test::expect_error([&] { abc_smc({}, d, o); }, ErrorKind::usage);
}

// --- A toy scenario with known parameters -------------------------------------------------

namespace {

// 100 counties of 3 townships each under one province; constant hazards (no exposures), so
// that the county and township intercepts act on their own level's share alone.
struct Toy {
  std::string dir, scenario, targets;
};

Toy toy(double county, double township, int threads) {
  Toy t;
  t.dir = test::temp_dir();
  std::ostringstream h;
  h << "id,parent_id,level,name,population\nP,,province,P,1000000\n";
  for (int c = 0; c < 100; ++c) {
    h << "C" << c << ",P,county,C,10000\n";
    for (int s = 0; s < 3; ++s) {
      h << "T" << c << "_" << s << ",C" << c << ",township,T,1000\n";
    }
  }
  test::write_file(t.dir, "h.csv", h.str());
  t.scenario = test::write_file(t.dir, "toy.toml",
                                R"(schema_version = 1
[calendar]
start_year = 2010
periods = 48
[hierarchy]
source = "csv"
path = "h.csv"
[[policy]]
id = "p"
[adoption]
alpha = { province = -inf, county = )" +
                                    std::to_string(county) +
                                    ", township = " + std::to_string(township) + R"( }
gamma_vertical = 0.0
gamma_horizontal = 0.0
gamma_bottom_up = 0.0
[promotion]
endorse = 0.0
pilot = 0.0
mandate = 0.0
championship = 0.0
[[calibrate.free]]
name = "county"
keys = ["adoption.alpha.county"]
lo = -8.0
hi = -2.0
start = -5.0
[[calibrate.free]]
name = "township"
keys = ["adoption.alpha.township"]
lo = -8.0
hi = -2.0
start = -5.0
[run]
seed = 11
threads = )" + std::to_string(threads) +
                                    "\n");
  return t;
}

}  // namespace

TEST(AbcCalibration, RecoversKnownInterceptsOfAToyScenario) {
  // The data: one replicate at the truth (county -4.0, township -4.5), its shares by two dates
  // per level as targets. The posterior 90% intervals must cover the truth and be far
  // narrower than the prior.
  const double truth[] = {-4.0, -4.5};
  auto t = toy(truth[0], truth[1], 0);
  const auto st = study::prepare_study(t.scenario, {});
  const auto rep = run_replicate(*st.model, 0);
  const auto& h = st.model->hierarchy();
  std::vector<Target> tg;
  for (int level : {1, 2}) {
    for (int period : {11, 35}) {
      Target x;
      x.level = level;
      x.period = period;
      x.regions = {0};
      tg.push_back(x);
    }
  }
  const auto shares = target_shares(*st.model, rep, tg);
  std::string csv = "level,date,share\n";
  for (std::size_t j = 0; j < tg.size(); ++j) {
    csv += h.level_names()[static_cast<std::size_t>(tg[j].level)] +
           (tg[j].period == 11 ? ",2010-12," : ",2012-12,") + std::to_string(shares[j]) + "\n";
  }
  t.targets = test::write_file(t.dir, "targets.csv", csv);
  study::AbcSpec spec;
  spec.calibrate = {t.scenario, {}, t.targets, {}};
  spec.options.particles = 300;
  spec.options.max_generations = 8;
  spec.options.min_acceptance = 0.02;
  spec.draws = 200;
  const auto c = study::abc_calibrate(spec);
  ASSERT_EQ(c.parameters.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& p = c.parameters[i];
    EXPECT_LE(p.posterior.q05, truth[i]) << p.free.name;
    EXPECT_GE(p.posterior.q95, truth[i]) << p.free.name;
    EXPECT_LT(p.posterior.sd, 0.25 * p.prior_sd) << p.free.name;
    RecordProperty(p.free.name + "_posterior", std::to_string(p.posterior.mean) + " sd " +
                                                   std::to_string(p.posterior.sd) + " [" +
                                                   std::to_string(p.posterior.q05) + ", " +
                                                   std::to_string(p.posterior.q95) + "]");
    std::printf(
        "%s: truth %.3f, posterior mean %.3f sd %.3f, 90%% [%.3f, %.3f], prior sd %.3f, "
        "%zu generations, eps %.4f\n",
        p.free.name.c_str(), truth[i], p.posterior.mean, p.posterior.sd, p.posterior.q05,
        p.posterior.q95, p.prior_sd, c.abc.generations.size(), c.abc.posterior().epsilon);
  }
  // Every observed share lies inside its posterior predictive 90% band.
  ASSERT_EQ(c.predictive.size(), 4U);
  for (const auto& b : c.predictive) {
    EXPECT_EQ(b.draws, 200);
    EXPECT_LE(b.q05, b.target.share) << b.target.label;
    EXPECT_GE(b.q95, b.target.share) << b.target.label;
  }
}

TEST(AbcCalibration, SameBytesAtAnyThreadCount) {
  const auto one = toy(-4.0, -4.5, 1);
  const auto targets = test::write_file(
      one.dir, "targets.csv", "level,date,share\ncounty,2012-12,0.4\ntownship,2011-12,0.2\n");
  study::AbcSpec spec;
  spec.calibrate = {one.scenario, {}, targets, {}};
  spec.options.particles = 40;
  spec.options.max_generations = 3;
  spec.draws = 30;
  const auto a = study::abc_calibrate(spec);
  spec.calibrate.overrides = {"run.threads=3"};
  const auto b = study::abc_calibrate(spec);
  EXPECT_EQ(a.abc.posterior().theta, b.abc.posterior().theta);
  EXPECT_EQ(a.abc.posterior().weight, b.abc.posterior().weight);
  ASSERT_EQ(a.predictive.size(), b.predictive.size());
  for (std::size_t j = 0; j < a.predictive.size(); ++j) {
    EXPECT_EQ(a.predictive[j].q05, b.predictive[j].q05);
    EXPECT_EQ(a.predictive[j].mean, b.predictive[j].mean);
  }
}

TEST(AbcCalibration, GovernanceMetricTargets) {
  const std::string ex = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/";
  const auto st = study::prepare_study(ex + "toy_governance.toml", {});
  const auto dir = test::temp_dir();
  // Participation of migrants in the communities (townships) in 2015-06, as a survey gives it.
  const auto good = test::write_file(dir, "g.csv",
                                     "level,date,value,metric\n"
                                     "township,2015-06,0.2,participation_migrant\n"
                                     "township,2015-06,0.5,\n");
  const auto tg = study::read_targets(good, *st.model);
  ASSERT_EQ(tg.size(), 2U);
  EXPECT_EQ(tg[0].metric, static_cast<int>(GovMetric::participation_migrant));
  EXPECT_EQ(tg[1].metric, -1);
  const auto rep = run_replicate(*st.model, 0);
  const auto v = target_shares(*st.model, rep, tg);
  const auto& h = st.model->hierarchy();
  const auto periods = static_cast<std::size_t>(st.model->scenario().calendar.periods);
  const auto i = (static_cast<std::size_t>(tg[0].metric) * static_cast<std::size_t>(h.n_levels()) +
                  static_cast<std::size_t>(tg[0].level)) *
                     periods +
                 static_cast<std::size_t>(tg[0].period);
  EXPECT_EQ(v[0], rep.governance.values[i]);
  EXPECT_TRUE(v[0] > 0 && v[0] < 1) << v[0];
  // Refusals name the field and the fix.
  const auto err = [&](const std::string& csv, const Model& m) {
    const auto p = test::write_file(dir, "bad.csv", csv);
    return std::string(
        test::expect_error([&] { study::read_targets(p, m); }, ErrorKind::data).what());
  };
  auto e = err("level,date,value,metric\ntownship,2015-06,0.2,participation_migrnt\n", *st.model);
  EXPECT_NE(e.find("metric"), std::string::npos) << e;
  EXPECT_NE(e.find("participation_migrant"), std::string::npos) << e;  // did you mean
  e = err("level,date,value,metric\nprovince,2015-06,0.2,trust_local\n", *st.model);
  EXPECT_NE(e.find("does not compute trust_local at level province (it does at 'township')"),
            std::string::npos)
      << e;
  e = err("level,date,value,metric,region\ntownship,2015-06,0.2,trust_local,C1\n", *st.model);
  EXPECT_NE(e.find("region"), std::string::npos) << e;
  e = err("level,date,value,metric\ntownship,2015-06,nan,trust_local\n", *st.model);
  EXPECT_NE(e.find("value"), std::string::npos) << e;
  // A scenario without the governance layer computes no metric.
  const auto plain = study::prepare_study(ex + "toy_pilot.toml", {});
  e = err("level,date,value,metric\ntownship,2012-06,0.2,trust_local\n", *plain.model);
  EXPECT_NE(e.find("(nor at any level). Fix: switch the metric's governance module on"),
            std::string::npos)
      << e;
}

TEST(AbcCalibration, RecoversACoproductionParameterFromSurveyMoments) {
  // The governance toy with the participation intercept free on [-5, 1]: the data are one
  // replicate's participation of locals and migrants in the communities in June 2013, 2015
  // and 2017 (survey-like moments) at the truth -2.0 (the registry default).
  const std::string ex = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/";
  const auto dir = test::temp_dir();
  std::ifstream in(ex + "toy_governance.toml");
  std::stringstream text;
  text << in.rdbuf();
  auto toml = text.str();
  const std::string rel = "path = \"toy_hierarchy.csv\"";
  ASSERT_NE(toml.find(rel), std::string::npos);
  toml.replace(toml.find(rel), rel.size(), "path = \"" + ex + "toy_hierarchy.csv\"");
  toml += R"(
[[calibrate.free]]
name = "participation_intercept"
keys = ["coproduction.intercept"]
lo = -5.0
hi = 1.0
start = -2.0
)";
  const auto scenario = test::write_file(dir, "gov.toml", toml);
  const auto st = study::prepare_study(scenario, {});
  const auto rep = run_replicate(*st.model, 0);
  std::string csv = "level,date,value,metric\n";
  std::vector<Target> tg;
  for (const char* metric : {"participation_local", "participation_migrant"}) {
    for (const char* date : {"2013-06", "2015-06", "2017-06"}) {
      csv += std::string("township,") + date + ",0.5," + metric + "\n";
    }
  }
  const auto probe = study::read_targets(test::write_file(dir, "probe.csv", csv), *st.model);
  const auto v = target_shares(*st.model, rep, probe);
  csv = "level,date,value,metric\n";
  for (std::size_t j = 0; j < probe.size(); ++j) {
    ASSERT_FALSE(std::isnan(v[j])) << probe[j].label;
    const auto& label = probe[j].label;  // "metric township in DATE"
    csv += "township," + label.substr(label.size() - 7) + "," + std::to_string(v[j]) + "," +
           label.substr(0, label.find(' ')) + "\n";
  }
  study::AbcSpec spec;
  spec.calibrate = {scenario, {}, test::write_file(dir, "targets.csv", csv), {}};
  spec.options.particles = 200;
  spec.options.max_generations = 6;
  spec.options.min_acceptance = 0.02;
  spec.draws = 100;
  const auto c = study::abc_calibrate(spec);
  const auto& p = c.parameters[0];
  std::printf(
      "participation intercept: truth -2.000, posterior mean %.3f sd %.3f, 90%% [%.3f, "
      "%.3f], prior sd %.3f\n",
      p.posterior.mean, p.posterior.sd, p.posterior.q05, p.posterior.q95, p.prior_sd);
  EXPECT_LE(p.posterior.q05, -2.0);
  EXPECT_GE(p.posterior.q95, -2.0);
  EXPECT_LT(p.posterior.sd, 0.25 * p.prior_sd);
  for (const auto& b : c.predictive) {
    EXPECT_EQ(b.draws, 100);
    EXPECT_FALSE(b.metric.empty());
  }
}

TEST(ParameterRecovery, AbcIntervalsCoverAToyInterceptAtTheNominalRate) {
  // 100 data sets simulated from tests/data/toy_calibrate.toml at township intercept -4.5
  // (36 townships; the share adopted by 2011-06 and by 2012-12 as targets), each calibrated by
  // ABC-SMC: the 90% interval must cover -4.5 in at least 85.
  const std::string scenario = std::string(PDLAB_SOURCE_DIR) + "/tests/data/toy_calibrate.toml";
  const auto dir = test::temp_dir();
  const double truth = -4.5;
  int covered = 0;
  double width = 0;
  for (int d = 0; d < 100; ++d) {
    const auto seed = "run.seed=" + std::to_string(500 + d);
    const auto st = study::prepare_study(scenario, {seed, "adoption.alpha.township=-4.5"});
    const auto rep = run_replicate(*st.model, 0);
    Target a;
    a.level = 3;
    a.regions = {0};
    a.period = 17;
    Target b = a;
    b.period = 35;
    const auto v = target_shares(*st.model, rep, {a, b});
    const auto targets =
        test::write_file(dir, "t.csv",
                         "level,date,share\ntownship,2011-06," + std::to_string(v[0]) +
                             "\ntownship,2012-12," + std::to_string(v[1]) + "\n");
    study::AbcSpec spec;
    spec.calibrate = {scenario, {seed, "run.threads=0"}, targets, {}};
    spec.options.particles = 100;
    spec.options.max_generations = 6;
    spec.draws = 1;
    const auto c = study::abc_calibrate(spec);
    const auto& p = c.parameters[0].posterior;
    covered += p.q05 <= truth && truth <= p.q95 ? 1 : 0;
    width += (p.q95 - p.q05) / 100;
  }
  std::printf("toy intercept: 90%% intervals covering the truth: %d of 100, mean width %.3f\n",
              covered, width);
  EXPECT_GE(covered, 85);
  EXPECT_LT(width, 2.0);  // informative: the prior's 90% interval is 5.4 wide
}

// A simulated value that is infinite, or undefined in every replicate, makes the objective
// infinite at every point: the point fit and ABC refuse it, naming the target, instead of
// reading a best point that no start found (a crash) or returning the prior as a posterior.
TEST(Calibration, AnObjectiveInfiniteEverywhereIsAnErrorNamingTheTarget) {
  auto t = toy(-4.0, -4.5, 1);
  t.targets = test::write_file(t.dir, "targets.csv", "level,date,share\ncounty,2012-12,0.4\n");
  const study::CalibrateSpec spec{t.scenario,
                                  {"calibrate.max_evaluations=10", "calibrate.replicates=2",
                                   "calibrate.starts=2", "calibrate.validation_replicates=2"},
                                  t.targets,
                                  {},
                                  {}};
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const double v : {kInf, -kInf, std::nan(""), 1e300}) {
    const study::EnsembleRunner runner = [v](std::int32_t n, std::int32_t values,
                                             const study::PointEval&) {
      return std::vector<std::vector<double>>(
          static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(values), v));
    };
    const auto e = test::expect_error([&] { study::calibrate_scenario(spec, {}, {}, runner); },
                                      ErrorKind::data);
    const std::string what = e.what();
    EXPECT_NE(what.find("the objective is not finite"), std::string::npos) << what;
    EXPECT_NE(what.find("county by 2012-12"), std::string::npos) << what;
    EXPECT_NE(what.find("targets.csv"), std::string::npos) << what;
  }
  study::AbcSpec abc;
  abc.calibrate = {t.scenario, {}, t.targets, {}};
  abc.options.particles = 4;
  abc.options.max_generations = 3;
  abc.draws = 2;
  abc.map = [](int n, int width, const std::function<std::vector<double>(int)>&) {
    return std::vector<std::vector<double>>(
        static_cast<std::size_t>(n),
        std::vector<double>(static_cast<std::size_t>(width), INFINITY));
  };
  const auto e = test::expect_error([&] { study::abc_calibrate(abc, {}); }, ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("every distance is infinite"), std::string::npos)
      << e.what();
}
