// How a formula codes its factors and decides its null model without an intercept, as R does:
// model.matrix codes every level of the first factor when the formula has no intercept (its
// dummies then span it), and glm takes the intercept of its null model from the formula, not
// from a constant column of the design.
#include "helpers.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <cmath>
#include <string>
#include <vector>

using namespace pdlab;

namespace {

// Three groups with event shares 3/10, 6/10 and 2/8, a second factor h and a constant column.
std::string grouped_csv() {
  std::string s = "event,g,h,x,k\n";
  const struct {
    const char* g;
    int rows;
    int events;
  } groups[] = {{"a", 10, 3}, {"b", 10, 6}, {"c", 8, 2}};
  int i = 0;
  for (const auto& gr : groups) {
    for (int r = 0; r < gr.rows; ++r, ++i) {
      s += std::string(r < gr.events ? "1," : "0,") + gr.g + "," + (i % 2 == 0 ? "p" : "q") + "," +
           std::to_string(0.1 * (i % 7)) + ",1\n";
    }
  }
  return s;
}

double logit(double p) {
  return std::log(p / (1 - p));
}

}  // namespace

TEST(FactorCoding, WithoutAnInterceptTheFirstFactorCodesEveryLevel) {
  const auto dir = test::temp_dir();
  const auto data = test::write_file(dir, "g.csv", grouped_csv());
  const auto table = io::read_table(data);
  // R: colnames(model.matrix(~ 0 + x + factor(g) + factor(h))) = x, factor(g)a, factor(g)b,
  // factor(g)c, factor(h)q (only the first factor keeps its reference level).
  const auto d =
      io::build_design(table, io::parse_formula("event ~ 0 + x + factor(g) + factor(h)"), "", "");
  EXPECT_EQ(d.names, (std::vector<std::string>{"x", "factor(g)a", "factor(g)b", "factor(g)c",
                                               "factor(h)q"}));
  // With an intercept, or with a baseline of the model's own (Cox's, fit's levels), every
  // factor drops its reference level.
  EXPECT_EQ(io::build_design(table, io::parse_formula("event ~ factor(g)"), "", "").names,
            (std::vector<std::string>{"(Intercept)", "factor(g)b", "factor(g)c"}));
  auto cox_like = io::parse_formula("event ~ factor(g)");
  cox_like.intercept = false;
  cox_like.baseline = true;
  EXPECT_EQ(io::build_design(table, cox_like, "", "").names,
            (std::vector<std::string>{"factor(g)b", "factor(g)c"}));

  // The fit of one coefficient per group is each group's logit; the same model as with an
  // intercept (the same likelihood), but its null model is the offset alone (mu = 1/2), as R's
  // glm(event ~ 0 + factor(g), binomial): null deviance 2 n log 2 on n df, LR test on 3 df.
  study::EhaSpec spec;
  spec.data = data;
  spec.link = GlmLink::logit;
  spec.formula = "event ~ 0 + factor(g)";
  const auto every = study::eha_study(spec).fit;
  ASSERT_TRUE(every.converged);
  ASSERT_EQ(every.coef.size(), 3);
  EXPECT_NEAR(every.coef[0], logit(0.3), 1e-6);
  EXPECT_NEAR(every.coef[1], logit(0.6), 1e-6);
  EXPECT_NEAR(every.coef[2], logit(0.25), 1e-6);
  EXPECT_FALSE(every.has_intercept);
  EXPECT_NEAR(every.null_deviance, 2 * 28 * std::log(2.0), 1e-9);
  EXPECT_EQ(glm_statistics(every).lr_df, 3);
  spec.formula = "event ~ factor(g)";
  const auto reference = study::eha_study(spec).fit;
  EXPECT_NEAR(reference.log_likelihood, every.log_likelihood, 1e-9);
  EXPECT_NEAR(reference.coef[0], every.coef[0], 1e-6);
  EXPECT_EQ(glm_statistics(reference).lr_df, 2);
  const double ybar = 11.0 / 28.0;
  EXPECT_NEAR(reference.null_deviance, -2 * (11 * std::log(ybar) + 17 * std::log(1 - ybar)), 1e-9);
}

TEST(FactorCoding, TheNullModelFollowsTheFormulasIntercept) {
  const auto dir = test::temp_dir();
  study::EhaSpec spec;
  spec.data = test::write_file(dir, "g.csv", grouped_csv());
  spec.link = GlmLink::logit;
  // k is 1 on every row: the same column as an intercept, but "- 1" says there is none, so R's
  // null model is mu = 1/2 and the test has 1 df.
  spec.formula = "event ~ k - 1";
  const auto fit = study::eha_study(spec).fit;
  EXPECT_FALSE(fit.has_intercept);
  EXPECT_NEAR(fit.null_deviance, 2 * 28 * std::log(2.0), 1e-9);
  EXPECT_EQ(glm_statistics(fit).lr_df, 1);
  EXPECT_NEAR(fit.coef[0], logit(11.0 / 28.0), 1e-6);
  // The library's default (no formula) still takes the constant column as an intercept.
  Eigen::MatrixXd x = Eigen::MatrixXd::Ones(28, 1);
  Eigen::VectorXd y = Eigen::VectorXd::Zero(28);
  for (int i : {0, 1, 2, 10, 11, 12, 13, 14, 15, 20, 21}) {
    y[i] = 1;
  }
  const auto detected = fit_binomial_glm(x, y, {}, {"k"}, {});
  EXPECT_TRUE(detected.has_intercept);
  EXPECT_NEAR(detected.null_deviance, detected.deviance, 1e-9);
  EXPECT_EQ(glm_statistics(detected).lr_df, 0);
}

TEST(NullModel, WithAnOffsetItIsTheInterceptFittedBesideTheOffset) {
  // R's glm refits the intercept beside the offset for the null deviance; without an intercept
  // the null model is the offset alone (mu = linkinv(offset)). Both checked against their
  // definitions: the deviance of `event ~ 1` with the same offset, and the sum by rows.
  std::string csv = "event,x,o\n";
  std::vector<std::pair<int, double>> rows;
  for (int i = 0; i < 40; ++i) {
    const int y = (i * 7) % 5 < 2 ? 1 : 0;
    const double o = -1.0 + 0.05 * ((i * 3) % 17);
    rows.emplace_back(y, o);
    csv += std::to_string(y) + "," + std::to_string(0.1 * ((i * 11) % 9)) + "," +
           std::to_string(o) + "\n";
  }
  const auto dir = test::temp_dir();
  study::EhaSpec spec;
  spec.data = test::write_file(dir, "o.csv", csv);
  spec.link = GlmLink::logit;
  spec.offset = "o";
  spec.formula = "event ~ x";
  const auto with = study::eha_study(spec).fit;
  spec.formula = "event ~ 1";
  const auto null_fit = study::eha_study(spec).fit;
  EXPECT_NEAR(with.null_deviance, null_fit.deviance, 1e-8);
  EXPECT_EQ(glm_statistics(with).lr_df, 1);
  spec.formula = "event ~ 0 + x";
  const auto without = study::eha_study(spec).fit;
  double by_rows = 0;
  for (const auto& [y, o] : rows) {
    const double p = 1 / (1 + std::exp(-std::stod(std::to_string(o))));
    by_rows += -2 * (y == 1 ? std::log(p) : std::log1p(-p));
  }
  EXPECT_NEAR(without.null_deviance, by_rows, 1e-9);
  EXPECT_EQ(glm_statistics(without).lr_df, 1);
}

TEST(FactorCoding, LevelsComeFromTheRowsFitted) {
  // Level "a" (the first, the reference were it kept) and level "d" appear only on rows whose
  // x is missing: R's glm drops unused levels after dropping those rows, so neither has a
  // column and "b" is the reference (before 2026-12-07 pdlab kept "a" as the reference, which
  // left b and c collinear with the intercept, one of them aliased).
  const auto dir = test::temp_dir();
  std::string csv = "event,g,x\n1,a,\n0,a,NA\n0,d,\n";
  for (int i = 0; i < 24; ++i) {
    csv += std::string(i % 3 == 0 ? "1," : "0,") + (i % 2 == 0 ? "b," : "c,") +
           std::to_string(0.1 * (i % 5)) + "\n";
  }
  const auto table = io::read_table(test::write_file(dir, "m.csv", csv));
  const auto d = io::build_design(table, io::parse_formula("event ~ x + factor(g)"), "", "");
  EXPECT_EQ(d.names, (std::vector<std::string>{"(Intercept)", "x", "factor(g)c"}));
  EXPECT_EQ(d.dropped_missing, 3);
  const auto every =
      io::build_design(table, io::parse_formula("event ~ 0 + x + factor(g)"), "", "");
  EXPECT_EQ(every.names, (std::vector<std::string>{"x", "factor(g)b", "factor(g)c"}));
}
