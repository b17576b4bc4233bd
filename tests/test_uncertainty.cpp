// Parameter uncertainty in simulation ([uncertainty], core/uncertainty.hpp): draws follow
// N(estimate, covariance), are deterministic per (seed, replicate), reach the engine (bands
// widen with the covariance and not without it), and bad input is refused.
#include "helpers.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/study.hpp"

#include <cmath>

using namespace pdlab;

namespace {

Scenario two_keys() {
  Scenario s;
  s.uncertainty.keys = {"adoption.alpha.county", "adoption.gamma_horizontal"};
  s.uncertainty.estimate = {-5.0, 2.0};
  s.uncertainty.covariance = {{0.04, 0.018}, {0.018, 0.09}};  // sd 0.2 and 0.3, r = 0.3
  s.uncertainty.draw = true;
  return s;
}

study::PreparedStudy toy(std::vector<std::string> sets) {
  sets.emplace_back("run.replicates=200");
  return study::prepare_study(
      std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_endorse.toml", sets);
}

// Variance across replicates of the share of townships adopted by the horizon.
double spread(const study::PreparedStudy& st, int threads, std::vector<double>* shares = nullptr) {
  const auto& m = *st.model;
  const auto& h = m.hierarchy();
  const int township = *h.level_index("township");
  const double n = h.level_begin(township + 1) - h.level_begin(township);
  double sum = 0, sum2 = 0;
  const auto rs = run_ensemble(m, m.scenario().replicates, threads);
  for (const auto& r : rs) {
    double k = 0;
    for (const auto& a : r.adoptions) k += h.level(a.unit) == township && a.round == 0 ? 1 : 0;
    sum += k / n;
    sum2 += (k / n) * (k / n);
    if (shares != nullptr) shares->push_back(k / n);
  }
  const double R = static_cast<double>(rs.size());
  return (sum2 - sum * sum / R) / (R - 1);
}

}  // namespace

TEST(Uncertainty, DrawsHaveTheGivenMeanAndCovariance) {
  const auto s = two_keys();
  const auto d = compile_draws(s);
  constexpr int kDraws = 20000;
  double m[2] = {0, 0}, c[3] = {0, 0, 0};
  for (int r = 0; r < kDraws; ++r) {
    const auto x = draw_parameters(d, 7, r);
    ASSERT_EQ(x.size(), 2U);
    const double a = x[0] + 5.0, b = x[1] - 2.0;
    m[0] += a, m[1] += b;
    c[0] += a * a, c[1] += a * b, c[2] += b * b;
  }
  for (auto& v : m) v /= kDraws;
  for (auto& v : c) v /= kDraws;
  // 4 standard errors: of a mean sd/sqrt(n); of a variance about var*sqrt(2/n); of the
  // covariance sqrt((var_a var_b + cov^2)/n).
  const double n = kDraws;
  EXPECT_NEAR(m[0], 0.0, 4 * 0.2 / std::sqrt(n));
  EXPECT_NEAR(m[1], 0.0, 4 * 0.3 / std::sqrt(n));
  EXPECT_NEAR(c[0], 0.04, 4 * 0.04 * std::sqrt(2 / n));
  EXPECT_NEAR(c[2], 0.09, 4 * 0.09 * std::sqrt(2 / n));
  EXPECT_NEAR(c[1], 0.018, 4 * std::sqrt((0.04 * 0.09 + 0.018 * 0.018) / n));
  // Deterministic in (seed, replicate); other seeds and replicates differ.
  EXPECT_EQ(draw_parameters(d, 7, 3), draw_parameters(d, 7, 3));
  EXPECT_NE(draw_parameters(d, 7, 3), draw_parameters(d, 8, 3));
  EXPECT_NE(draw_parameters(d, 7, 3), draw_parameters(d, 7, 4));
  // A degenerate (rank-1) covariance is accepted: the draws stay on its line.
  auto s1 = s;
  s1.uncertainty.covariance = {{0.04, 0.06}, {0.06, 0.09}};
  const auto d1 = compile_draws(s1);
  for (int r = 0; r < 50; ++r) {
    const auto x = draw_parameters(d1, 1, r);
    EXPECT_NEAR((x[1] - 2.0), 1.5 * (x[0] + 5.0), 1e-9);
  }
}

// A held key (uncertainty.held) keeps its own value in every replicate while the other keys
// take exactly the draws they take without the hold (the counterfactual stays paired); a key
// held that is not drawn, or has no value, is refused.
TEST(Uncertainty, AHeldKeyKeepsItsValueAndTheOthersTheirDraws) {
  const auto s = two_keys();
  auto held = s;
  held.uncertainty.held = {"adoption.gamma_horizontal"};
  held.adoption.gamma_horizontal = 0.0;
  const auto d = compile_draws(s);
  const auto dh = compile_draws(held);
  int moved = 0;
  for (int r = 0; r < 200; ++r) {
    const auto x = draw_parameters(d, 7, r);
    const auto xh = draw_parameters(dh, 7, r);
    EXPECT_EQ(xh[0], x[0]) << r;  // the same draw, bit for bit
    EXPECT_EQ(xh[1], 0.0) << r;
    moved += x[1] != 0.0 ? 1 : 0;
  }
  EXPECT_EQ(moved, 200);  // without the hold the key is drawn
  // Through the scenario of a replicate: the held value, not the estimate, is what runs.
  EXPECT_EQ(drawn_scenario(held, dh, 3).adoption.gamma_horizontal, 0.0);
  EXPECT_NE(drawn_scenario(s, d, 3).adoption.gamma_horizontal, 0.0);
  auto bad = s;
  bad.uncertainty.held = {"adoption.gamma_vertical"};
  const auto e = test::expect_error([&] { compile_draws(bad); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("not among uncertainty.keys"), std::string::npos)
      << e.what();
}

TEST(Uncertainty, BadInputIsRefusedNamingTheKey) {
  const auto refused = [](Scenario s, const std::string& field) {
    const auto e = test::expect_error([&] { compile_draws(s); }, ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  };
  auto s = two_keys();
  s.uncertainty.covariance[0][1] = 0.5;
  refused(s, "not symmetric");
  s = two_keys();
  s.uncertainty.covariance = {{0.04, 0.1}, {0.1, 0.09}};  // |r| > 1
  refused(s, "not positive semi-definite");
  s = two_keys();
  s.uncertainty.estimate.pop_back();
  refused(s, "uncertainty.estimate");
  s = two_keys();
  s.uncertainty.covariance[1].pop_back();
  refused(s, "uncertainty.covariance[1]");
  s = two_keys();
  s.uncertainty.keys[1] = "adoption.gamma_horizonal";
  refused(s, "adoption.gamma_horizonal");
  s = two_keys();
  s.uncertainty.keys.clear();
  refused(s, "draw = true but no keys");
}

// A policy's numbers are keys by its id (policy.ID.trend, .alpha_shift, .boosted_by.OTHER):
// read, set, drawn within their ranges; an unknown policy or booster, or a value out of range,
// is refused naming the key and what the scenario has.
TEST(Uncertainty, PolicyKeysReachTheirPolicysNumbers) {
  Scenario s;
  Policy p;
  p.id = "councils";
  p.boosted_by["funds"] = 0.5;
  Policy q;
  q.id = "funds";
  s.policies = {p, q};
  EXPECT_EQ(numeric_parameter(s, "policy.councils.boosted_by.funds"), 0.5);
  EXPECT_EQ(numeric_parameter(s, "policy.funds.trend"), 0.0);
  EXPECT_FALSE(numeric_parameter(s, "policy.committee.trend").has_value());
  EXPECT_FALSE(numeric_parameter(s, "policy.funds.boosted_by.councils").has_value());
  set_numeric_parameter(s, "policy.councils.trend", 0.25);
  set_numeric_parameter(s, "policy.councils.alpha_shift", -3.0);
  set_numeric_parameter(s, "policy.councils.boosted_by.funds", 1.5);
  EXPECT_EQ(s.policies[0].trend, 0.25);
  EXPECT_EQ(s.policies[0].alpha_shift, -3.0);
  EXPECT_EQ(s.policies[0].boosted_by.at("funds"), 1.5);
  EXPECT_EQ(s.policies[1].trend, 0.0);
  const auto refused = [&](const std::string& key, double v, const std::string& what) {
    auto c = s;
    const auto e = test::expect_error([&] { set_numeric_parameter(c, key, v); }, ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  };
  refused("policy.committee.trend", 0.1, "its policies: councils, funds");
  refused("policy.funds.boosted_by.councils", 0.1, "has no booster 'councils'");
  refused("policy.councils.trend", 51.0, "out of range [-50, 50]");
  refused("policy.councils.boosted_by.funds", 60.0, "out of range [-50, 50]");
  // A profile's weight, by the profile's name (which may hold brackets of a term, not dots).
  s.policies[0].profile["factor(period)3"] = {0.5, {"2003"}, {1.0}};
  EXPECT_EQ(numeric_parameter(s, "policy.councils.profile.factor(period)3.weight"), 0.5);
  set_numeric_parameter(s, "policy.councils.profile.factor(period)3.weight", -1.25);
  EXPECT_EQ(s.policies[0].profile.at("factor(period)3").weight, -1.25);
  EXPECT_EQ(canonical_policy_key(s, "policy.0.profile.factor(period)3.weight"),
            "policy.councils.profile.factor(period)3.weight");
  refused("policy.councils.profile.factor(period)4.weight", 0.1,
          "has no profile 'factor(period)4' (its profiles: factor(period)3)");
  refused("policy.funds.profile.x.weight", 0.1, "(its profiles: none)");
  refused("policy.councils.profile.factor(period)3.weight", -50.5, "out of range [-50, 50]");
  EXPECT_FALSE(parse_policy_key("policy.councils.profile.weight").has_value());
  EXPECT_FALSE(parse_policy_key("policy.councils.profile.x.values").has_value());
  // Drawn: clamped to the key's range (a trend of 49.9 with SD 1 often leaves [-50, 50]).
  s.uncertainty.keys = {"policy.councils.trend", "policy.councils.boosted_by.funds"};
  s.uncertainty.estimate = {49.9, 1.5};
  s.uncertainty.covariance = {{1.0, 0.0}, {0.0, 0.01}};
  s.uncertainty.draw = true;
  const auto d = compile_draws(s);
  bool clamped = false;
  for (int r = 0; r < 50; ++r) {
    const auto x = drawn_scenario(s, d, r);
    EXPECT_LE(x.policies[0].trend, 50.0);
    EXPECT_GE(x.policies[0].trend, 48.0 - 5.0);
    clamped = clamped || x.policies[0].trend == 50.0;
    EXPECT_NEAR(x.policies[0].boosted_by.at("funds"), 1.5, 0.6);
  }
  EXPECT_TRUE(clamped);
}

// Through the engine: with draws, the spread of outcomes across replicates grows with the
// covariance; a zero covariance, or draw = false, gives the records of a run without them.
TEST(Uncertainty, DrawsWidenTheBandsAndOffMeansNoChange) {
  const std::vector<std::string> unc = {
      "uncertainty.keys=['adoption.alpha.township', 'adoption.gamma_vertical']",
      "uncertainty.estimate=[-6.0, 2.0]"};
  const auto with = [&](const std::string& cov, bool draw) {
    auto sets = unc;
    sets.push_back("uncertainty.covariance=" + cov);
    sets.push_back(std::string("uncertainty.draw=") + (draw ? "true" : "false"));
    return toy(sets);
  };
  std::vector<double> base, off, zero;
  const double v_plain = spread(toy({}), 2, &base);
  const double v_off = spread(with("[[0.25, 0.0], [0.0, 0.25]]", false), 2, &off);
  const double v_zero = spread(with("[[0.0, 0.0], [0.0, 0.0]]", true), 2, &zero);
  EXPECT_EQ(off, base);
  EXPECT_EQ(zero, base);
  EXPECT_EQ(v_off, v_plain);
  std::vector<double> one, two;
  const double v_drawn = spread(with("[[0.25, 0.0], [0.0, 0.25]]", true), 1, &one);
  spread(with("[[0.25, 0.0], [0.0, 0.25]]", true), 2, &two);
  EXPECT_EQ(one, two);  // same bits at 1 and 2 threads
  // sd 0.5 on the intercept moves each replicate's hazard by a factor e^{+-0.5}: the
  // variance of the share adopted must clearly exceed the Monte Carlo variance alone
  // (F test at 200 replicates: a ratio of 2 is far beyond its 0.1% point, about 1.55).
  EXPECT_GT(v_drawn, 2.0 * v_plain) << v_drawn << " vs " << v_plain;
}

// A governance rate drawn above one step a period made the replicate's model unstable (it was
// refused mid-run): its draws are clamped to periods_per_year as to its registry range, and
// every drawn replicate compiles (docs/model.md 7.9.5).
TEST(Uncertainty, GovernanceRateDrawsStayStable) {
  auto st = study::prepare_study(
      std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_governance.toml",
      {"calendar.periods=12"});
  Scenario s = st.model->scenario();
  s.uncertainty.draw = true;
  s.uncertainty.keys = {"services.so_growth"};
  s.uncertainty.estimate = {11.0};
  s.uncertainty.covariance = {{4.0}};
  const auto d = compile_draws(s);
  int at_bound = 0;
  for (int r = 0; r < 200; ++r) {
    const auto x = draw_parameters(d, 3, r);
    ASSERT_LE(x[0], 12.0);
    at_bound += x[0] == 12.0 ? 1 : 0;
    if (r < 20) {
      EXPECT_NO_THROW(Model(drawn_scenario(s, d, r), st.model->hierarchy(), st.model->network()));
    }
  }
  EXPECT_GT(at_bound, 0);
}
