// Formula terms (log(), interactions), separation and monotone-likelihood flags, inherited
// time-varying covariates (issue 11, item 5).
#include "helpers.hpp"
#include "pdlab/estimation/cox.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/estimation/riskset.hpp"
#include "pdlab/io/estimation_io.hpp"

#include <cmath>
#include <random>
#include <sstream>

using namespace pdlab;

namespace {

std::vector<std::string> terms(const std::string& formula) {
  return io::parse_formula(formula).terms;
}

}  // namespace

TEST(FormulaTerms, ParsesLogAndInteractions) {
  EXPECT_EQ(terms("y ~ a*b + log( c ) + a:log(c) + a"),
            (std::vector<std::string>{"a", "b", "a:b", "log(c)", "a:log(c)"}));
  EXPECT_EQ(terms("y ~ a*b*c"),
            (std::vector<std::string>{"a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"}));
  const auto parts = io::term_parts("a:log(c)");
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_EQ(parts[0].column, "a");
  EXPECT_FALSE(parts[0].log);
  EXPECT_EQ(parts[1].column, "c");
  EXPECT_TRUE(parts[1].log);
  EXPECT_TRUE(io::term_parts("factor(a)").empty());
}

TEST(FormulaTerms, RefusesOtherFunctions) {
  for (const char* f : {"y ~ exp(a)", "y ~ factor(a):b", "y ~ b:factor(a)", "y ~ log(a:b)",
                        "y ~ a^2", "y ~ log()", "y ~ factor(a"}) {
    const auto e = test::expect_error([&] { io::parse_formula(f); }, ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("Fix:"), std::string::npos) << f;
  }
}

TEST(FormulaTerms, DesignHasTheProductsAndLogs) {
  const auto dir = test::temp_dir();
  const auto p =
      test::write_file(dir, "t.csv", "y,a,b,c\n1,2,3,1\n0,1,5,2.5\n0,4,0.5,10\n1,3,1,4\n");
  const auto f = io::parse_formula("y ~ log(c) + a:b + a:log(c)");
  // The fast reader declines transformed terms; the table path computes them.
  EXPECT_FALSE(io::read_design(p, f, "", ""));
  const auto t = io::read_table(p, 1);
  const auto d = io::build_design(t, f, "", "");
  ASSERT_EQ(d.names, (std::vector<std::string>{"(Intercept)", "log(c)", "a:b", "a:log(c)"}));
  const double a[] = {2, 1, 4, 3};
  const double b[] = {3, 5, 0.5, 1};
  const double c[] = {1, 2.5, 10, 4};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(d.x(i, 1), std::log(c[i]));
    EXPECT_EQ(d.x(i, 2), a[i] * b[i]);
    EXPECT_EQ(d.x(i, 3), a[i] * std::log(c[i]));
  }
}

TEST(FormulaTerms, SameFitAsPrecomputedColumns) {
  // log() and a:b give exactly the fit of the same columns computed beforehand.
  std::mt19937_64 g(7);
  std::uniform_real_distribution<double> u(0.1, 3.0);
  std::ostringstream raw;
  std::ostringstream pre;
  raw << "y,a,b\n";
  pre << "y,la,ab\n";
  for (int i = 0; i < 300; ++i) {
    const double a = u(g);
    const double b = u(g);
    const int y = u(g) < 0.5 + 0.4 * std::log(a) ? 1 : 0;
    raw << y << ',' << a << ',' << b << '\n';
    pre << y << ',' << std::log(a) << ',' << a * b << '\n';
  }
  const auto dir = test::temp_dir();
  const auto p1 = test::write_file(dir, "raw.csv", raw.str());
  const auto p2 = test::write_file(dir, "pre.csv", pre.str());
  // The written log(a) and a*b are rounded to 6 digits: compare at that precision.
  GlmOptions o;
  const auto d1 =
      io::build_design(io::read_table(p1, 1), io::parse_formula("y ~ log(a) + a:b"), "", "");
  const auto d2 = io::build_design(io::read_table(p2, 1), io::parse_formula("y ~ la + ab"), "", "");
  const auto f1 = fit_binomial_glm(d1.x, d1.y, {}, d1.names, o);
  const auto f2 = fit_binomial_glm(d2.x, d2.y, {}, d2.names, o);
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(f1.coef[j], f2.coef[j], 1e-4);
    EXPECT_NEAR(f1.se[j], f2.se[j], 1e-4);
  }
}

TEST(FormulaTerms, LogOfNonPositiveNamesFileLineFieldValue) {
  const auto dir = test::temp_dir();
  const auto p = test::write_file(dir, "t.csv", "y,a\n1,2\n0,0\n0,3\n1,4\n");
  const auto t = io::read_table(p, 1);
  const auto e = test::expect_error(
      [&] { io::build_design(t, io::parse_formula("y ~ log(a)"), "", ""); }, ErrorKind::data);
  const std::string msg = e.what();
  EXPECT_NE(msg.find("t.csv:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'a' = '0'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not positive"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Fix:"), std::string::npos) << msg;
  // A missing value is dropped, not an error.
  const auto p2 = test::write_file(dir, "t2.csv", "y,a\n1,2\n0,NA\n0,3\n1,4\n0,1\n");
  const auto d = io::build_design(io::read_table(p2, 1), io::parse_formula("y ~ log(a)"), "", "");
  EXPECT_EQ(d.dropped_missing, 1);
}

TEST(FormulaTerms, UnknownColumnInTerm) {
  const auto dir = test::temp_dir();
  const auto p = test::write_file(dir, "t.csv", "y,alpha\n1,2\n0,1\n");
  const auto t = io::read_table(p, 1);
  const auto e = test::expect_error(
      [&] { io::build_design(t, io::parse_formula("y ~ log(alpah)"), "", ""); }, ErrorKind::usage);
  EXPECT_NE(std::string(e.what()).find("did you mean 'alpha'"), std::string::npos) << e.what();
}

namespace {

// y never 1 where x = 1: the MLE of x's coefficient is -inf (quasi-complete separation).
struct Separated {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  std::vector<std::int64_t> clusters;
};
Separated separated_data(bool separate) {
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 600;
  Separated s{Eigen::MatrixXd(n, 3), Eigen::VectorXd(n), {}};
  for (int i = 0; i < n; ++i) {
    const double x = i % 3 == 0 ? 1.0 : 0.0;
    const double z = u(g) - 0.5;
    const double p = separate && x == 1.0 ? 0.0 : 0.25 + 0.2 * z + (separate ? 0.0 : 0.1 * x);
    s.x(i, 0) = 1.0;
    s.x(i, 1) = x;
    s.x(i, 2) = z;
    s.y[i] = u(g) < p ? 1.0 : 0.0;
    s.clusters.push_back(i % 20);
  }
  return s;
}

}  // namespace

TEST(Separation, FlaggedWhateverTheStandardErrors) {
  const auto s = separated_data(true);
  for (auto link : {GlmLink::logit, GlmLink::cloglog}) {
    for (bool clustered : {false, true}) {
      GlmOptions o;
      o.link = link;
      if (clustered) {
        o.clusters = s.clusters;
      }
      const auto f = fit_binomial_glm(s.x, s.y, {}, {"(Intercept)", "x", "z"}, o);
      ASSERT_EQ(f.separated.size(), 3U);
      EXPECT_FALSE(f.separated[0]);
      EXPECT_TRUE(f.separated[1]) << "coef " << f.coef[1];
      EXPECT_FALSE(f.separated[2]);
      EXPECT_GT(f.n_fitted_near_extreme, 0);
      bool warned = false;
      for (const auto& w : f.warnings) {
        warned = warned || w.find("separation: the estimate of 'x' diverges") != std::string::npos;
      }
      EXPECT_TRUE(warned);
      // Both standard errors are kept.
      EXPECT_EQ(f.se.size(), 3);
      EXPECT_EQ(f.se_robust.size(), clustered ? 3 : 0);
    }
  }
}

TEST(Separation, NotFlaggedWhenTheEstimateExists) {
  const auto s = separated_data(false);
  for (auto link : {GlmLink::logit, GlmLink::cloglog}) {
    GlmOptions o;
    o.link = link;
    const auto f = fit_binomial_glm(s.x, s.y, {}, {"(Intercept)", "x", "z"}, o);
    EXPECT_TRUE(f.converged);
    for (bool b : f.separated) {
      EXPECT_FALSE(b);
    }
  }
}

// A factor's reference level where every row adopts: its rows' linear predictor is the intercept
// alone, so the intercept diverges (with cloglog it crawls, about 0.07 a step from 2.7) and
// the other levels' coefficients with it, in the opposite direction. The intercept must be
// flagged too (it was not: |estimate| < 3), and the warning must point at the reference level.
TEST(Separation, ReferenceLevelThatAlwaysAdoptsFlagsTheIntercept) {
  for (bool separate : {true, false}) {
    std::mt19937_64 g(5);
    std::uniform_real_distribution<double> u(0, 1);
    const int n = 900;
    Eigen::MatrixXd x(n, 4);
    Eigen::VectorXd y(n);
    for (int i = 0; i < n; ++i) {
      const int level = i % 30 == 0 ? 0 : 1 + i % 2;  // a small reference level A, then B, C
      const double z = u(g) - 0.5;
      x.row(i) << 1.0, level == 1 ? 1.0 : 0.0, level == 2 ? 1.0 : 0.0, z;
      const double p = level == 0 ? (separate ? 1.0 : 0.6) : 0.2 + 0.2 * z + 0.05 * level;
      y[i] = u(g) < p ? 1.0 : 0.0;
    }
    for (auto link : {GlmLink::logit, GlmLink::cloglog}) {
      GlmOptions o;
      o.link = link;
      const auto f = fit_binomial_glm(x, y, {}, {"(Intercept)", "f(B)", "f(C)", "z"}, o);
      ASSERT_EQ(f.separated.size(), 4U);
      EXPECT_EQ(f.separated[0], separate) << "intercept " << f.coef[0];
      EXPECT_EQ(f.separated[1], separate) << f.coef[1];
      EXPECT_EQ(f.separated[2], separate) << f.coef[2];
      EXPECT_FALSE(f.separated[3]) << f.coef[3];
      bool points = false;
      for (const auto& w : f.warnings) {
        points = points || w.find("the intercept moves opposite to 2 of them") != std::string::npos;
      }
      EXPECT_EQ(points, separate);
    }
  }
}

// IRLS stopped before it converged (here by an iteration cap) moves every estimate by steps
// that have not yet shrunk: no evidence of divergence, so nothing is flagged by the
// undiminished-step rule (a review found a stalled cloglog fit with every term flagged).
TEST(Separation, NotFlaggedWhenIrlsStopsBeforeConverging) {
  const auto s = separated_data(false);
  for (auto link : {GlmLink::logit, GlmLink::cloglog}) {
    for (int cap : {3, 4}) {
      GlmOptions o;
      o.link = link;
      o.max_iterations = cap;
      o.epsilon = 1e-300;
      const auto f = fit_binomial_glm(s.x, s.y, {}, {"(Intercept)", "x", "z"}, o);
      EXPECT_FALSE(f.converged);
      for (bool b : f.separated) {
        EXPECT_FALSE(b) << "link " << static_cast<int>(link) << " cap " << cap;
      }
    }
  }
}

TEST(Separation, OutputTableHasBothStandardErrorsAndTheFlag) {
  const auto s = separated_data(true);
  GlmOptions o;
  o.clusters = s.clusters;
  const auto f = fit_binomial_glm(s.x, s.y, {}, {"(Intercept)", "x", "z"}, o);
  std::ostringstream report;
  io::print_glm(f, "t", report);
  EXPECT_NE(report.str().find("robust se"), std::string::npos);
  EXPECT_NE(report.str().find("model se"), std::string::npos);
  EXPECT_NE(report.str().find("DIVERGES"), std::string::npos);
}

TEST(Separation, CoxMonotoneLikelihoodFlagged) {
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 200;
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd start = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd stop(n);
  Eigen::VectorXd event(n);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = i % 2 == 0 ? 1.0 : 0.0;  // never has an event
    x(i, 1) = u(g);
    stop[i] = 1.0 + std::floor(10 * u(g));
    event[i] = x(i, 0) == 1.0 ? 0.0 : (u(g) < 0.6 ? 1.0 : 0.0);
  }
  const auto f = fit_cox(x, start, stop, event, {"x", "z"}, CoxOptions{});
  ASSERT_EQ(f.separated.size(), 2U);
  EXPECT_TRUE(f.separated[0]) << f.coef[0];
  EXPECT_FALSE(f.separated[1]);
  // Without the separation: not flagged.
  for (int i = 0; i < n; i += 4) {
    event[i] = 1.0;
  }
  const auto ok = fit_cox(x, start, stop, event, {"x", "z"}, CoxOptions{});
  EXPECT_FALSE(ok.separated[0]) << ok.coef[0];
  EXPECT_FALSE(ok.separated[1]);
}

namespace {

Hierarchy tree() {
  // P -> A (a1, a2), B (b1)
  HierarchyBuilder b("tree", {"x"});
  const double x[] = {0.5};
  b.add("P", "", "province", "", x, 2);
  b.add("A", "P", "prefecture", "", x, 3);
  b.add("B", "P", "prefecture", "", x, 4);
  b.add("a1", "A", "county", "", x, 5);
  b.add("a2", "A", "county", "", x, 6);
  b.add("b1", "B", "county", "", x, 7);
  return b.build("");
}

}  // namespace

TEST(RiskSet, InheritedCovariatesComeFromTheNearestSuperior) {
  const auto h = tree();
  const Network net;
  RiskSetOptions o;
  o.periods = 4;
  o.level = 2;
  // A provincial order from period 2; a1 has its own value; A (prefecture) its own from 3.
  TimeVaryingCovariate tv{"order",
                          {{h.find("P"), 2, 1.0}, {h.find("a1"), 0, 5.0}, {h.find("A"), 3, 7.0}}};
  const auto value = [&](const RiskSet& rs, const char* unit, int period) {
    for (std::size_t r = 0; r < rs.rows(); ++r) {
      if (rs.unit[r] == h.find(unit) && rs.period[r] == period) return rs.covariates[0][r];
    }
    return -1.0;
  };
  const auto plain = build_riskset(h, net, {}, 1, {tv}, o);
  EXPECT_TRUE(std::isnan(value(plain, "a2", 3)));  // not inherited: missing
  tv.inherit = true;
  const auto rs = build_riskset(h, net, {}, 1, {tv}, o);
  EXPECT_TRUE(std::isnan(value(rs, "a2", 1)));  // nothing yet at any level
  EXPECT_EQ(value(rs, "a2", 2), 1.0);           // the province's
  EXPECT_EQ(value(rs, "a2", 3), 7.0);           // the nearer superior's, once it has one
  EXPECT_EQ(value(rs, "b1", 3), 1.0);
  EXPECT_EQ(value(rs, "a1", 0), 5.0);  // its own value wins
  EXPECT_EQ(value(rs, "a1", 3), 5.0);
  tv.before = 0.0;  // event covariates: 0 before any superior adopted
  const auto zero = build_riskset(h, net, {}, 1, {tv}, o);
  EXPECT_EQ(value(zero, "a2", 1), 0.0);
}
