// Cox proportional hazards for counting-process data (start, stop], with Efron or Breslow
// handling of tied event times, strata and cluster-robust standard errors, as R's
// survival::coxph (Newton-Raphson from zero, convergence on the relative log partial
// likelihood change).
#pragma once

#include "pdlab/estimation/glm.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab {

enum class CoxTies : std::uint8_t { efron, breslow };

struct CoxOptions {
  CoxTies ties = CoxTies::efron;
  int max_iterations = 20;             // survival: coxph.control(iter.max = 20)
  double epsilon = 1e-9;               // survival: coxph.control(eps = 1e-9)
  std::vector<std::int64_t> strata;    // per row; empty = one stratum
  std::vector<std::int64_t> clusters;  // per row; empty = no robust variance
  // A covariate whose information, net of earlier ones, is below this share of its own (as
  // GlmOptions::alias_tolerance) cannot be estimated: the fit refuses it, naming it.
  double alias_tolerance = 1e-7;
};

struct CoxFit {
  std::vector<std::string> names;
  Eigen::VectorXd coef, se, se_robust;
  double log_likelihood = 0;       // log partial likelihood at the estimate
  double log_likelihood_null = 0;  // at beta = 0
  int iterations = 0;
  bool converged = false;
  std::int64_t n = 0;
  std::int64_t events = 0;
  std::int64_t n_clusters = 0;
  std::int64_t n_strata = 0;  // strata of CoxOptions::strata (0: none given)
  // Per coefficient: monotone likelihood (the partial likelihood keeps rising as it goes to
  // +-inf; Newton still moved it by a steady step at the last iteration). Not meaningful.
  std::vector<bool> separated;
  std::vector<std::string> warnings;
};

// Against every coefficient 0: LR = 2 (log L - log L0) on parameters df (R's coxph
// "Likelihood ratio test"); BIC with log(events), as R's BIC of a coxph fit.
FitStatistics cox_statistics(const CoxFit& fit);

// start < stop for every row; event in {0, 1}.
CoxFit fit_cox(const Eigen::MatrixXd& x, const Eigen::VectorXd& start, const Eigen::VectorXd& stop,
               const Eigen::VectorXd& event, const std::vector<std::string>& names,
               const CoxOptions& options);

}  // namespace pdlab
