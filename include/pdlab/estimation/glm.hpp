// Binomial GLM by iteratively reweighted least squares (Fisher scoring), as R's glm.fit:
// the discrete-time event-history model with a logit or complementary log-log link. A cloglog
// fit that Fisher scoring leaves unconverged goes on by Newton-Raphson (glm.cpp).
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab {

enum class GlmLink : std::uint8_t { logit, cloglog };

struct GlmOptions {
  GlmLink link = GlmLink::logit;
  // R: glm.control(maxit = 25). Fisher scoring's; an unconverged cloglog fit then takes up to
  // as many Newton-Raphson steps.
  int max_iterations = 25;
  double epsilon = 1e-8;  // R: |dev - dev_old| / (|dev| + 0.1) < epsilon
  // A column is aliased when its residual on earlier columns is below this share of its norm
  // (as R's lm, tol = 1e-7; exactly collinear columns are far below it), judged on the
  // unweighted design before IRLS.
  double alias_tolerance = 1e-7;
  // The response column's name, for messages about y.
  std::string response = "event";
  // Cluster ids per row for cluster-robust standard errors (empty = none).
  std::vector<std::int64_t> clusters;
  // Called once, on the fitting thread, when the fit has read x for the last time (before the
  // likelihood sums, or after the sandwich with clusters), so that a caller that owns x may
  // start freeing it while the fit finishes; not called if the fit throws before then.
  std::function<void()> x_done;
  // The caller has checked that y is 0 or 1 and x finite on every row (io::read_design does
  // while parsing; Design::checked), so the fit does not check again. Unchecked values that
  // break this promise give a meaningless fit, not an error.
  bool inputs_checked = false;
  // Whether the model has an intercept, which decides the null model (R takes it from the
  // formula, not from x): `detect` takes a constant column of x as one.
  enum class Intercept : std::uint8_t { detect, yes, no };
  Intercept intercept = Intercept::detect;
};

struct GlmFit {
  std::vector<std::string> names;
  Eigen::VectorXd coef;       // NaN for aliased (collinear) columns, as R's NA
  Eigen::VectorXd se;         // model-based (inverse Fisher information)
  Eigen::VectorXd se_robust;  // cluster-robust sandwich (empty without clusters)
  // The covariance matrices behind se and se_robust (p x p; NaN rows and columns for aliased
  // coefficients; cov_robust empty without clusters).
  Eigen::MatrixXd cov;
  Eigen::MatrixXd cov_robust;
  std::vector<bool> aliased;
  double log_likelihood = 0;
  double deviance = 0;
  double null_deviance = 0;
  double aic = 0;
  int iterations = 0;
  bool converged = false;
  // Whether the model has an intercept (GlmOptions::intercept): the null deviance is then the
  // intercept-only model's (1 parameter), else the offset's alone (none), as R's glm.
  bool has_intercept = false;
  std::int64_t n = 0;
  std::int64_t events = 0;
  std::int64_t n_clusters = 0;
  std::int64_t n_fitted_extreme = 0;  // fitted probabilities numerically 0 or 1
  // Per coefficient: its estimate diverges (separation or quasi-separation: the likelihood
  // keeps rising as it goes to +-inf, so IRLS moves it by a steady step each iteration while
  // the others have converged). Its estimate and every standard error of it are meaningless.
  std::vector<bool> separated;
  // Rows whose fitted probability is below 1e-8 or above 1 - 1e-8 (the rows a separated
  // term predicts perfectly).
  std::int64_t n_fitted_near_extreme = 0;
  std::vector<std::string> warnings;
};

// x: n x p design (include an intercept column if wanted); y in {0, 1}; offset may be empty.
// Throws pdlab::Error (data) for bad input (non-binary y, NaN, sizes) and when IRLS diverges.
GlmFit fit_binomial_glm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                        const Eigen::VectorXd& offset, const std::vector<std::string>& names,
                        const GlmOptions& options);

// Two-sided normal p-value of a z statistic.
double normal_p_value(double z);

// Upper-tail p-value of a chi-squared statistic on df degrees of freedom (Boost.Math); NaN for
// df < 1 or a statistic that is not a number.
double chi_squared_p_value(double statistic, double df);

// A fit's information criteria and its likelihood-ratio test against the null model (`eha` and
// `cox --stats`, the Python fits' attrs).
struct FitStatistics {
  std::int64_t parameters = 0;  // coefficients estimated (aliased ones not counted)
  double aic = 0;               // -2 log L + 2 parameters
  double bic = 0;               // -2 log L + log(n) parameters (Cox: log(events), as R)
  double lr_statistic = 0;
  std::int64_t lr_df = 0;
  double lr_p_value = 0;  // NaN for lr_df 0
};
// Against the intercept-only model (the offset alone without an intercept), as R's glm's null
// deviance: LR = null deviance - deviance, on parameters - 1 df (parameters without one).
FitStatistics glm_statistics(const GlmFit& fit);

}  // namespace pdlab
