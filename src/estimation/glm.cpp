#include "pdlab/estimation/glm.hpp"

#include "estimation/gram.hpp"
#include "pdlab/core/errors.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <boost/math/distributions/chi_squared.hpp>

#include <cfloat>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

namespace pdlab {

namespace {

// Link functions with R's numerical guards (family.R, logit_link in C).
struct Link {
  GlmLink kind;
  double linkfun(double mu) const {
    return kind == GlmLink::logit ? std::log(mu / (1 - mu)) : std::log(-std::log1p(-mu));
  }
  double linkinv(double eta) const {
    if (kind == GlmLink::logit) {
      if (eta < -30) {
        return DBL_EPSILON;
      }
      if (eta > 30) {
        return 1 - DBL_EPSILON;
      }
      return 1 / (1 + std::exp(-eta));
    }
    return std::max(std::min(-std::expm1(-std::exp(eta)), 1 - DBL_EPSILON), DBL_EPSILON);
  }
  double mu_eta(double eta) const {
    if (kind == GlmLink::logit) {
      const double opexp = 1 + std::exp(eta);
      return (eta > 30 || eta < -30) ? DBL_EPSILON : std::exp(eta) / (opexp * opexp);
    }
    eta = std::min(eta, 700.0);
    return std::max(std::exp(eta) * std::exp(-std::exp(eta)), DBL_EPSILON);
  }
};

double binomial_deviance(double y, double mu) {
  // 2 * (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu))) for y in {0, 1}.
  return y > 0.5 ? -2 * std::log(mu) : -2 * std::log1p(-mu);
}

// One row's cloglog log-likelihood derivatives in eta, for Newton-Raphson: the score dl/deta and
// the observed information -d2l/deta2, >= 0 for either y (so each step ascends). With
// u = exp(eta): y = 0 gives l = -u; y = 1 gives l = log(1 - exp(-u)), with score u / expm1(u)
// and information u exp(-u) (u + expm1(-u)) / expm1(-u)^2, from their series below u = 1e-3
// (where u + expm1(-u) cancels). Floored at DBL_EPSILON as Fisher's weights are (by mu_eta).
struct RowNewton {
  double score;
  double info;
};
RowNewton cloglog_newton(double y, double eta) {
  const double u = std::exp(std::min(eta, 700.0));
  if (y < 0.5) {
    return {-u, std::max(u, DBL_EPSILON)};
  }
  if (u < 1e-3) {
    // -expm1(-u) / u and (u + expm1(-u)) / u^2, to O(u^4)
    const double q = 1 - u / 2 * (1 - u / 3 * (1 - u / 4));
    const double half = 0.5 * (1 - u / 3 * (1 - u / 4 * (1 - u / 5)));
    return {std::exp(-u) / q, std::max(u * std::exp(-u) * half / (q * q), DBL_EPSILON)};
  }
  const double e = std::expm1(-u);
  return {u / std::expm1(u), std::max(u * std::exp(-u) * (u + e) / (e * e), DBL_EPSILON)};
}

// The deviance of R's starting values, summed in row order.
double dev_start_sum(const Eigen::VectorXd& y, const double (&dev_start)[2]) {
  double d = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    d += dev_start[y[i] > 0.5 ? 1 : 0];
  }
  return d;
}

}  // namespace

double normal_p_value(double z) {
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

FitStatistics glm_statistics(const GlmFit& fit) {
  FitStatistics s;
  for (Eigen::Index j = 0; j < fit.coef.size(); ++j) {
    s.parameters += std::isnan(fit.coef[j]) ? 0 : 1;
  }
  const auto k = static_cast<double>(s.parameters);
  s.aic = -2 * fit.log_likelihood + 2 * k;
  s.bic = -2 * fit.log_likelihood + std::log(static_cast<double>(fit.n)) * k;
  s.lr_statistic = fit.null_deviance - fit.deviance;
  s.lr_df = s.parameters - (fit.has_intercept ? 1 : 0);
  s.lr_p_value = chi_squared_p_value(s.lr_statistic, static_cast<double>(s.lr_df));
  return s;
}

double chi_squared_p_value(double statistic, double df) {
  if (!(df >= 1) || std::isnan(statistic)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (statistic <= 0) {
    return 1.0;
  }
  if (std::isinf(statistic)) {
    return 0.0;  // (Boost's cdf refuses an infinite argument)
  }
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), statistic));
}

GlmFit fit_binomial_glm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                        const Eigen::VectorXd& offset_in, const std::vector<std::string>& names,
                        const GlmOptions& opt) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  if (y.size() != n || static_cast<Eigen::Index>(names.size()) != p ||
      (offset_in.size() != 0 && offset_in.size() != n)) {
    throw Error(ErrorKind::internal, "fit_binomial_glm: inconsistent sizes");
  }
  if (n == 0) {
    fail(ErrorKind::data, {}, "no rows to fit", "check the risk set and missing values");
  }
  // A caller whose reader checked both while parsing (read_design) spares the fit a serial
  // pass over x (20,000,000 values for the 1,000,000 x 20 design of `make bench`).
  const bool check = !opt.inputs_checked;
  for (Eigen::Index i = 0; check && i < n; ++i) {
    if (y[i] != 0.0 && y[i] != 1.0) {
      fail(ErrorKind::data, {"", 0, opt.response, std::to_string(y[i])},
           "the response must be 0 or 1 (row " + std::to_string(i + 1) + ")",
           "code events as 1 and non-events as 0");
    }
  }
  // Without an event (or with nothing else) the likelihood has no maximum: every coefficient
  // would run off to -inf (+inf), reported as a failure to converge.
  const double n_events = y.sum();
  if (n_events == 0) {
    fail(ErrorKind::data, {"", 0, opt.response, "0"},
         "no events: the response is 0 in all " + std::to_string(n) + " rows used",
         "a hazard needs adoptions: check the response column (1 for an adoption) and which "
         "rows are kept (missing values drop rows)");
  }
  if (n_events == static_cast<double>(n)) {
    fail(ErrorKind::data, {"", 0, opt.response, "1"},
         "every one of the " + std::to_string(n) +
             " rows used is an event: no period at risk "
             "without adoption, so the hazard cannot be estimated",
         "include the periods at risk before each adoption (pdlab riskset builds them)");
  }
  if (check && !x.allFinite()) {
    fail(ErrorKind::data, {}, "the design matrix has missing or infinite values",
         "drop or fill rows with missing covariates before fitting");
  }
  if (check && offset_in.size() == n && !offset_in.allFinite()) {
    fail(ErrorKind::data, {}, "the offset has missing or infinite values",
         "drop or fill rows with a missing or infinite offset before fitting");
  }
  // No copy of the offset, and none of zeros when there is none: adding or subtracting 0 changes
  // no bit the fit uses (only the sign of an eta of exactly zero, which no link sees).
  const bool has_offset = offset_in.size() == n;
  const Eigen::VectorXd& offset = offset_in;
  const Link link{opt.link};
  GlmFit fit;
  fit.names = names;
  fit.n = n;
  fit.events = static_cast<std::int64_t>(n_events);
  fit.aliased.assign(p, false);

  // Aliased columns, in column order as R's pivoting QR, decided once on the design itself
  // (not on IRLS's weights, which separation drives towards 0): a column is aliased when its
  // residual on the previous kept columns is below alias_tolerance of its norm. A column-ordered
  // Cholesky of X'X (one pass over the data) settles the clear cases. Its squared residuals carry
  // rounding of order 1e-13 of g(j, j) on a factor design (an exact collinearity measured
  // 2.4e-13), above the 1e-14 the tolerance asks it to resolve, so when any column comes within
  // kClear of the earlier ones a QR of X decides, whose residuals carry rounding near 1e-16.
  std::vector<Eigen::Index> keep;
  {
    constexpr double kClear = 1e-6;  // a squared residual share: 1e-3 of the column's norm
    const Eigen::MatrixXd gram = unweighted_gram(x);
    for (Eigen::Index j = 0; j < p; ++j) {
      if (const double v = badly_scaled(x, gram, j); v > 0) {
        refuse_scale(names[static_cast<std::size_t>(j)], v);
      }
    }
    double closest = 1;
    keep = kept_columns(
        gram, opt.alias_tolerance, [&](Eigen::Index j) { return gram(j, j) == 0; }, &closest);
    if (closest < kClear) {
      keep = kept_columns_qr(r_factor(x), opt.alias_tolerance);
    }
    for (Eigen::Index j = 0, at = 0; j < p; ++j) {
      if (at < static_cast<Eigen::Index>(keep.size()) && keep[static_cast<std::size_t>(at)] == j) {
        ++at;
        continue;
      }
      fit.aliased[j] = true;
      fit.warnings.push_back("'" + names[j] +
                             "' is collinear with earlier terms and was dropped (NA)");
    }
  }
  const auto k = static_cast<Eigen::Index>(keep.size());
  Eigen::MatrixXd x_kept;
  if (k < p) {
    x_kept.resize(n, k);
    for (Eigen::Index j = 0; j < k; ++j) {
      x_kept.col(j) = x.col(keep[j]);
    }
  }
  const Eigen::MatrixXd& xk = k < p ? x_kept : x;

  // IRLS from R's starting values mustart = (y + 0.5) / 2. Every y is 0 or 1 (checked above,
  // or by the caller's reader), so they take two values, each with its link and deviance
  // computed once: the same bits as per row, without 2,000,000 logarithms on one core for the
  // 1,000,000 rows of `make bench`.
  Eigen::VectorXd eta(n), mu(n), beta = Eigen::VectorXd::Zero(k);
  const double mu_start[2] = {0.25, 0.75};
  const double eta_start[2] = {link.linkfun(0.25), link.linkfun(0.75)};
  const double dev_start[2] = {binomial_deviance(0, 0.25), binomial_deviance(1, 0.75)};
  double dev_old = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int event = y[i] > 0.5 ? 1 : 0;
    mu[i] = mu_start[event];
    eta[i] = eta_start[event];
    dev_old += dev_start[event];
  }
  Eigen::MatrixXd xtwx(k, k);
  // The working weights of the last step, kept only for the sandwich (8 MB for 1,000,000 rows).
  const bool keep_w = !opt.clusters.empty();
  Eigen::VectorXd w(keep_w ? n : 0);
  Eigen::LDLT<Eigen::MatrixXd> solver;
  const Eigen::Index blocks = (n + kGramBlock - 1) / kGramBlock;
  std::vector<double> dev_part(static_cast<std::size_t>(blocks));
  std::vector<Eigen::MatrixXd> gram_part(static_cast<std::size_t>(blocks));
  std::vector<Eigen::VectorXd> cross_part(static_cast<std::size_t>(blocks));
  // Each thread's work space for a block, allocated (and its pages faulted in) once per fit,
  // not once per block and iteration.
  struct BlockBuffers {
    std::unique_ptr<double[]> sx;
  };
  tbb::enumerable_thread_specific<BlockBuffers> buffers;
  // The last two IRLS steps, for the divergence test (separation) after the loop.
  Eigen::VectorXd step_last = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd step_prev = Eigen::VectorXd::Zero(k);
  // Fisher scoring, as R's glm.fit, for max_iterations. Under cloglog (not the canonical link)
  // it converges only linearly, at a rate set by how far the expected information is from the
  // observed: a fit with 50 events at rate 0.86 a step, oscillating, had not converged in 25
  // (nor would R's glm.fit, taking the same steps). Such a fit goes on with Newton-Raphson
  // steps (the observed information, quadratic convergence), halved while they raise the
  // deviance, for up to max_iterations more. Fits that converge by Fisher scoring keep R's path
  // and bits. (Under logit the two informations are equal: more steps would be the same steps.)
  bool newton = false;
  int limit = opt.max_iterations;
  for (fit.iterations = 1; fit.iterations <= limit; ++fit.iterations) {
    // One parallel pass over X: working weights and response, then X'WX and X'Wz per block
    // (fixed blocks summed in order: the same bits at any thread count).
    tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
      const Eigen::Index r0 = b * kGramBlock;
      const Eigen::Index m = std::min(kGramBlock, n - r0);
      BlockBuffers& buf = buffers.local();
      if (!buf.sx) {
        // Not zeroed: every element a block reads is written first.
        buf.sx = std::make_unique_for_overwrite<double[]>(
            static_cast<std::size_t>(std::min(kGramBlock, n) * (k + 2)));
      }
      // The block's weighted rows (m x k, column-major as a MatrixXd of that size would be),
      // then the square roots of the weights and the weighted working response.
      Eigen::Map<Eigen::MatrixXd> sx(buf.sx.get(), m, k);
      Eigen::Map<Eigen::VectorXd> sw(buf.sx.get() + m * k, m);
      Eigen::Map<Eigen::VectorXd> swz(buf.sx.get() + m * (k + 1), m);
      for (Eigen::Index i = r0; newton && i < r0 + m; ++i) {
        const auto [score, info] = cloglog_newton(y[i], eta[i]);
        const double z = (has_offset ? eta[i] - offset[i] : eta[i]) + score / info;
        sw[i - r0] = std::sqrt(info);
        swz[i - r0] = sw[i - r0] * z;
      }
      for (Eigen::Index i = r0; !newton && i < r0 + m; ++i) {
        const double me = link.mu_eta(eta[i]);
        const double var = mu[i] * (1 - mu[i]);
        // The working response, used only here: not kept (8 MB less for 1,000,000 rows).
        const double z = (has_offset ? eta[i] - offset[i] : eta[i]) + (y[i] - mu[i]) / me;
        const double wi = me * me / var;
        if (keep_w) {
          w[i] = wi;
        }
        sw[i - r0] = std::sqrt(wi);
        swz[i - r0] = sw[i - r0] * z;
      }
      sx.array() = xk.middleRows(r0, m).array().colwise() * sw.array();
      Eigen::MatrixXd g = Eigen::MatrixXd::Zero(k, k);
      if (k > 0) {  // no columns ("y ~ 0", or all aliased): Eigen would bind a null reference
        g.selfadjointView<Eigen::Lower>().rankUpdate(sx.transpose());
      }
      gram_part[static_cast<std::size_t>(b)] = std::move(g);
      cross_part[static_cast<std::size_t>(b)] = sx.transpose() * swz;
    });
    xtwx.setZero();
    Eigen::VectorXd xtwz = Eigen::VectorXd::Zero(k);
    for (Eigen::Index b = 0; b < blocks; ++b) {
      xtwx += gram_part[static_cast<std::size_t>(b)];
      xtwz += cross_part[static_cast<std::size_t>(b)];
    }
    xtwx = xtwx.selfadjointView<Eigen::Lower>();
    solver.compute(xtwx);
    if (solver.info() != Eigen::Success) {
      fail(ErrorKind::data, {}, "the weighted design is singular", "remove collinear terms");
    }
    Eigen::VectorXd beta_new = solver.solve(xtwz);
    // Step halving while the deviance is not finite (R's glm.fit does the same) or, for a
    // Newton step, while it rises.
    double dev = 0;
    for (int half = 0; half < 30; ++half) {
      tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
        const Eigen::Index r0 = b * kGramBlock;
        const Eigen::Index m = std::min(kGramBlock, n - r0);
        if (has_offset) {
          eta.segment(r0, m) = xk.middleRows(r0, m) * beta_new + offset.segment(r0, m);
        } else {
          eta.segment(r0, m).noalias() = xk.middleRows(r0, m) * beta_new;
        }
        double d = 0;
        for (Eigen::Index i = r0; i < r0 + m; ++i) {
          mu[i] = link.linkinv(eta[i]);
          d += binomial_deviance(y[i], mu[i]);
        }
        dev_part[static_cast<std::size_t>(b)] = d;
      });
      dev = 0;
      for (double d : dev_part) {
        dev += d;
      }
      const bool rose = newton && dev - dev_old > opt.epsilon * (std::fabs(dev_old) + 0.1);
      if (std::isfinite(dev) && !rose) {
        break;
      }
      beta_new = (beta_new + beta) / 2;
    }
    if (!std::isfinite(dev)) {
      fail(ErrorKind::data, {}, "IRLS diverged (non-finite deviance)",
           "check for separation or rescale covariates");
    }
    step_prev = step_last;
    step_last = beta_new - beta;
    beta = beta_new;
    fit.deviance = dev;
    if (std::fabs(dev - dev_old) / (std::fabs(dev) + 0.1) < opt.epsilon) {
      fit.converged = true;
      break;
    }
    dev_old = dev;
    if (fit.iterations == opt.max_iterations && opt.link == GlmLink::cloglog) {
      newton = true;
      limit += opt.max_iterations;
    }
  }
  if (!fit.converged) {
    fit.iterations = limit;
    const std::string cap = std::to_string(opt.max_iterations);
    fit.warnings.push_back("IRLS did not converge in " +
                           (newton
                                ? cap + " Fisher scoring and " + cap + " Newton-Raphson iterations"
                                : cap + " iterations") +
                           ": estimates are unreliable (separation or a flat likelihood)");
  }
  if (newton) {
    // Newton's last information was the observed one; standard errors come from the Fisher
    // information (as R's summary.glm), here at the estimates.
    Eigen::VectorXd sw_fisher(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double me = link.mu_eta(eta[i]);
      sw_fisher[i] = std::sqrt(me * me / (mu[i] * (1 - mu[i])));
    }
    if (keep_w) {
      w = sw_fisher.array().square();
    }
    xtwx = weighted_gram(xk, sw_fisher);
    solver.compute(xtwx);
  }
  // Covariance from the Fisher information at the final weights of the last IRLS step (as R).
  const Eigen::MatrixXd bread = solver.solve(Eigen::MatrixXd::Identity(k, k));
  fit.coef = Eigen::VectorXd::Constant(p, std::nan(""));
  fit.se = Eigen::VectorXd::Constant(p, std::nan(""));
  fit.cov = Eigen::MatrixXd::Constant(p, p, std::nan(""));
  for (Eigen::Index j = 0; j < k; ++j) {
    fit.coef[keep[j]] = beta[j];
    fit.se[keep[j]] = std::sqrt(bread(j, j));
    for (Eigen::Index i = 0; i < k; ++i) {
      fit.cov(keep[i], keep[j]) = bread(i, j);
    }
  }
  // Likelihood, null deviance, fitted extremes.
  double ll = 0;
  const double ybar = static_cast<double>(fit.events) / static_cast<double>(n);
  bool has_intercept = opt.intercept == GlmOptions::Intercept::yes;
  for (Eigen::Index j = 0; opt.intercept == GlmOptions::Intercept::detect && j < k; ++j) {
    has_intercept = has_intercept || (xk.col(j).array() == xk(0, j)).all();
  }
  fit.has_intercept = has_intercept;
  // The columns' scales for the separation check below, taken while x is still here (x_done
  // may hand it back): only of coefficients whose last step did not shrink, the only ones that
  // check can flag. A column's scale is its largest centred |value| (a constant column's, the
  // intercept's, its value), as the Cox check's.
  std::vector<double> col_unit(static_cast<std::size_t>(k), 1.0);
  for (Eigen::Index j = 0; j < k; ++j) {
    if (std::fabs(step_last[j]) > 0.3 * std::fabs(step_prev[j])) {
      const auto col = xk.col(j).array();
      const double centred = (col - col.mean()).abs().maxCoeff();
      col_unit[static_cast<std::size_t>(j)] = centred > 0 ? centred : col.abs().maxCoeff();
    }
  }
  if (opt.clusters.empty() && opt.x_done) {
    opt.x_done();  // x is read no more
  }
  {
    // Each row's log-likelihood and null deviance in parallel, summed in row order (the bits of
    // one serial loop at any thread count). With an intercept the null model's mean is ybar,
    // so its deviance takes two values.
    std::vector<double> ll_row(static_cast<std::size_t>(n));
    std::vector<double> null_row(has_intercept ? 0 : static_cast<std::size_t>(n));
    tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
      const Eigen::Index r0 = b * kGramBlock;
      const Eigen::Index r1 = std::min(n, r0 + kGramBlock);
      for (Eigen::Index i = r0; i < r1; ++i) {
        const auto at = static_cast<std::size_t>(i);
        ll_row[at] = y[i] > 0.5 ? std::log(mu[i]) : std::log1p(-mu[i]);
        if (!has_intercept) {
          null_row[at] = binomial_deviance(y[i], link.linkinv(has_offset ? offset[i] : 0.0));
        }
      }
    });
    const double null_with_intercept[2] = {binomial_deviance(0, ybar), binomial_deviance(1, ybar)};
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto at = static_cast<std::size_t>(i);
      ll += ll_row[at];
      fit.null_deviance += has_intercept ? null_with_intercept[y[i] > 0.5 ? 1 : 0] : null_row[at];
      if (mu[i] <= 10 * DBL_EPSILON || mu[i] >= 1 - 10 * DBL_EPSILON) {
        ++fit.n_fitted_extreme;
      }
    }
  }
  // (An offset of zeros is no offset: the null model's mean is then ybar, bit for bit.)
  if (has_intercept && has_offset && (offset.array() != 0.0).any()) {
    // With an offset the null model is the intercept alone beside the offset, fitted by IRLS
    // from the same start as the model (R's glm() refits it so; ybar ignores the offset).
    Eigen::VectorXd eta0(n), mu0(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const int event = y[i] > 0.5 ? 1 : 0;
      mu0[i] = mu_start[event];
      eta0[i] = eta_start[event];
    }
    std::vector<double> sw(static_cast<std::size_t>(blocks)), swz(sw.size()), dev0(sw.size());
    double dev_prev = dev_start_sum(y, dev_start);
    double null_dev = dev_prev;
    for (int it = 0; it < opt.max_iterations; ++it) {
      tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
        const Eigen::Index r0 = b * kGramBlock;
        const Eigen::Index r1 = std::min(n, r0 + kGramBlock);
        double a = 0;
        double c = 0;
        for (Eigen::Index i = r0; i < r1; ++i) {
          const double me = link.mu_eta(eta0[i]);
          const double wi = me * me / (mu0[i] * (1 - mu0[i]));
          a += wi;
          c += wi * (eta0[i] - offset[i] + (y[i] - mu0[i]) / me);
        }
        sw[static_cast<std::size_t>(b)] = a;
        swz[static_cast<std::size_t>(b)] = c;
      });
      double a = 0;
      double c = 0;
      for (std::size_t b = 0; b < sw.size(); ++b) {
        a += sw[b];
        c += swz[b];
      }
      const double alpha = c / a;
      tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
        const Eigen::Index r0 = b * kGramBlock;
        const Eigen::Index r1 = std::min(n, r0 + kGramBlock);
        double d = 0;
        for (Eigen::Index i = r0; i < r1; ++i) {
          eta0[i] = alpha + offset[i];
          mu0[i] = link.linkinv(eta0[i]);
          d += binomial_deviance(y[i], mu0[i]);
        }
        dev0[static_cast<std::size_t>(b)] = d;
      });
      null_dev = 0;
      for (double d : dev0) {
        null_dev += d;
      }
      if (!std::isfinite(null_dev) ||
          std::fabs(null_dev - dev_prev) / (std::fabs(null_dev) + 0.1) < opt.epsilon) {
        break;
      }
      dev_prev = null_dev;
    }
    fit.null_deviance = null_dev;
  }
  fit.log_likelihood = ll;
  fit.aic = -2 * ll + 2 * static_cast<double>(k);
  // At a maximum of the likelihood the deviance is at most the null model's: that model (every
  // coefficient 0, or the intercept alone when there is no offset) is nested in this one. IRLS
  // may stop elsewhere: its steps diverge while the deviance stops changing (cloglog with a
  // far-out covariate value), or the covariates' scale (1e300) defeats its arithmetic. That is
  // no fit, whatever the convergence test said.
  const bool above_null = fit.converged && std::isfinite(fit.null_deviance) &&
                          fit.deviance > fit.null_deviance * (1 + 1e-6) + 1e-6;
  if (above_null) {
    fit.converged = false;
    std::ostringstream o;
    o << "IRLS stopped at a deviance of " << fit.deviance << ", above the null model's "
      << fit.null_deviance
      << ": it did not reach the maximum of the likelihood (its steps diverged, or the "
         "covariates' scale defeated its arithmetic); rescale the covariates (e.g. standardise "
         "them), or try the other link";
    fit.warnings.push_back(o.str());
  }
  // Separation: a converging coefficient's steps shrink quadratically; a diverging one's stay
  // about constant (about 1 per iteration for logit and cloglog: the likelihood's slope along it
  // decays like its fitted probabilities, the information with them) until the deviance stops
  // changing. Flagged whatever the standard errors reported (a sandwich can make a diverging
  // estimate look precise).
  fit.separated.assign(static_cast<std::size_t>(p), false);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (mu[i] < 1e-8 || mu[i] > 1 - 1e-8) {
      ++fit.n_fitted_near_extreme;
    }
  }
  // One statement of the rows at the edge, for either warning below: those within 1e-8 of 0 or
  // 1, and among them those within 10 machine epsilons (R's glm "numerically 0 or 1").
  const auto extreme_rows = [&] {
    return std::to_string(fit.n_fitted_near_extreme) +
           " rows have fitted probabilities within 1e-8 of 0 or 1, " +
           std::to_string(fit.n_fitted_extreme) +
           " of them numerically 0 or 1 (within 10 machine epsilons, as R's glm counts them)";
  };
  std::string diverging;
  {
    // On the scale of the column (col_unit, above): the same flags in any unit of a covariate.
    // (not after IRLS went astray: the likelihood may well have a maximum it missed)
    for (Eigen::Index j = 0; !above_null && fit.iterations >= 3 && j < k; ++j) {
      const double u = col_unit[static_cast<std::size_t>(j)];
      const double b = std::fabs(beta[j]) * u;
      const double last = std::fabs(step_last[j]) * u;
      const double prev = std::fabs(step_prev[j]) * u;
      // A far-out estimate still moving away, or, in a fit that converged, an estimate moving
      // the same way by an undiminished step: with a cloglog link an intercept that separates
      // crawls (its rows' fitted probabilities saturate double-exponentially), at about 0.07
      // a step from 2.7 on. A diverging estimate moves one way; IRLS that stalls or
      // oscillates without converging (Fisher scoring under cloglog, whose steps alternate in
      // sign) is no evidence of divergence.
      const bool same_way = step_last[j] * step_prev[j] > 0;
      const bool steady = fit.converged && same_way && last > 1e-2 && last > 0.8 * prev;
      if ((b > 3 && same_way && last > 1e-3 * (1 + b) && last > 0.3 * prev) || steady) {
        fit.separated[static_cast<std::size_t>(keep[j])] = true;
        diverging += (diverging.empty() ? "'" : ", '") + names[keep[j]] + "'";
      }
    }
    // The intercept moving one way and other terms the other by the same step: the rows that
    // separate are those where all of those terms are 0 (a factor's reference level), whose
    // linear predictor is the intercept alone; the other rows do not move.
    std::size_t opposite = 0;
    Eigen::Index intercept = -1;
    for (Eigen::Index j = 0; j < k; ++j) {
      if (names[keep[j]] == "(Intercept)" && fit.separated[static_cast<std::size_t>(keep[j])]) {
        intercept = j;
      }
    }
    for (Eigen::Index j = 0; intercept >= 0 && j < k; ++j) {
      opposite += j != intercept && fit.separated[static_cast<std::size_t>(keep[j])] &&
                          std::fabs(step_last[j] + step_last[intercept]) <
                              0.01 * std::fabs(step_last[intercept])
                      ? 1
                      : 0;
    }
    if (!diverging.empty()) {
      fit.warnings.push_back(
          "separation: the estimate of " + diverging +
          " diverges (it still moved by a steady step at the last IRLS iteration; " +
          extreme_rows() +
          "): the likelihood has no "
          "maximum along it, so its estimate, model-based and robust standard errors are not "
          "meaningful. Drop the term, merge the categories that never (or always) adopt, or "
          "use a coarser term" +
          (opposite > 0
               ? "; the intercept moves opposite to " + std::to_string(opposite) +
                     " of them by the same step, so the rows that separate are those where all "
                     "of those are 0, such as a factor's reference (first) level: those rows "
                     "all adopt (or none does); merge that level or drop its rows, not the " +
                     std::to_string(opposite) + " others"
               : std::string()));
    }
    // The Newton-Raphson steps are there to reach a maximum that Fisher scoring was slow to
    // find. Estimates that still diverge had none to reach (the deviance only flattened as
    // they ran off): not converged, as Fisher scoring left the fit.
    if (newton && fit.converged && !diverging.empty()) {
      fit.converged = false;
      fit.warnings.push_back(
          "IRLS did not converge in " + std::to_string(opt.max_iterations) +
          " Fisher scoring iterations, and the Newton-Raphson steps after them only moved " +
          diverging + " further out: estimates are unreliable (separation)");
    }
  }
  // (The separation warning above names the diverging terms and counts these rows already.)
  if (fit.n_fitted_extreme > 0 && !above_null && diverging.empty()) {
    std::ostringstream o;
    o << "(quasi-)separation: " << extreme_rows()
      << "; terms with huge estimates or standard errors:";
    bool any = false;
    for (Eigen::Index j = 0; j < k; ++j) {
      if (std::fabs(beta[j]) > 10 || std::sqrt(bread(j, j)) > 100) {
        o << " " << names[keep[j]];
        any = true;
      }
    }
    if (!any) {
      o << " none stand out";
    }
    fit.warnings.push_back(o.str());
  }
  // Cluster-robust sandwich with the small-sample factor G/(G-1) * (N-1)/(N-K) (Stata,
  // statsmodels' default, sandwich::vcovCL type HC1).
  if (!opt.clusters.empty()) {
    if (static_cast<Eigen::Index>(opt.clusters.size()) != n) {
      throw Error(ErrorKind::internal, "clusters: wrong size");
    }
    std::map<std::int64_t, Eigen::Index> index;
    for (auto c : opt.clusters) {
      index.emplace(c, static_cast<Eigen::Index>(index.size()));
    }
    const auto g = static_cast<Eigen::Index>(index.size());
    fit.n_clusters = g;
    if (g < 2) {
      fail(ErrorKind::data, {}, "cluster-robust standard errors need at least 2 clusters",
           "choose a cluster variable with several values, or none");
    }
    // As R's sandwich::vcovCL on a glm: scores are the final working residuals times the
    // working weights of the last IRLS step, the bread its inverse information.
    Eigen::MatrixXd scores = Eigen::MatrixXd::Zero(g, k);
    for (Eigen::Index i = 0; k > 0 && i < n; ++i) {  // k = 0: xk.row(i) offsets a null pointer
      const double working_residual = (y[i] - mu[i]) / link.mu_eta(eta[i]);
      scores.row(index[opt.clusters[i]]) += (working_residual * w[i]) * xk.row(i);
    }
    const Eigen::MatrixXd meat = scores.transpose() * scores;
    const double factor = static_cast<double>(g) / static_cast<double>(g - 1) *
                          static_cast<double>(n - 1) / static_cast<double>(n - k);
    const Eigen::MatrixXd vc = factor * bread * meat * bread;
    fit.se_robust = Eigen::VectorXd::Constant(p, std::nan(""));
    fit.cov_robust = Eigen::MatrixXd::Constant(p, p, std::nan(""));
    for (Eigen::Index j = 0; j < k; ++j) {
      fit.se_robust[keep[j]] = std::sqrt(vc(j, j));
      for (Eigen::Index i = 0; i < k; ++i) {
        fit.cov_robust(keep[i], keep[j]) = vc(i, j);
      }
    }
    if (opt.x_done) {
      opt.x_done();
    }
  }
  // A variance that is not a positive number (the information numerically singular at the
  // estimates) leaves a NaN standard error beside a finite estimate: never without saying so.
  const auto usable = [](double se) { return se > 0 && std::isfinite(se); };
  std::string no_se;
  for (Eigen::Index j = 0; j < p; ++j) {
    const bool bad = !fit.aliased[j] && (!usable(fit.se[j]) ||
                                         (fit.se_robust.size() > 0 && !usable(fit.se_robust[j])));
    if (bad) {
      no_se += (no_se.empty() ? "'" : ", '") + names[j] + "'";
    }
  }
  if (!no_se.empty()) {
    fit.warnings.push_back(
        "no standard error for " + no_se +
        " (NaN): the information matrix is numerically singular at the estimates (fitted "
        "probabilities at 0 or 1 leave their rows no weight, or terms are nearly collinear), so "
        "those estimates are not identified by the data either. Drop or merge those terms, or "
        "the categories that never (or always) adopt");
  }
  return fit;
}

}  // namespace pdlab
