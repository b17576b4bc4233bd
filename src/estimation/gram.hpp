// X' diag(w) X in fixed row blocks, in parallel, summed in block order: the same bits at any
// thread count. Shared by the GLM (Fisher information) and Cox (second moments) fits.
#pragma once

#include "pdlab/core/errors.hpp"

#include <tbb/parallel_for.h>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace pdlab {

constexpr Eigen::Index kGramBlock = 32768;

// `sqrt_w` holds the square roots of the row weights (>= 0). X may be row- or column-major.
template <typename Matrix>
Eigen::MatrixXd weighted_gram(const Matrix& x, const Eigen::VectorXd& sqrt_w) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  if (p == 0) {
    // A model without columns (e.g. "event ~ 0"): Eigen's rank update would form a reference
    // through the empty operand's null data pointer (UBSan), so skip it.
    return Eigen::MatrixXd(0, 0);
  }
  const Eigen::Index blocks = (n + kGramBlock - 1) / kGramBlock;
  std::vector<Eigen::MatrixXd> part(static_cast<std::size_t>(blocks));
  tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
    const Eigen::Index r0 = b * kGramBlock;
    const Eigen::Index m = std::min(kGramBlock, n - r0);
    const Eigen::MatrixXd sx =
        x.middleRows(r0, m).array().colwise() * sqrt_w.segment(r0, m).array();
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(p, p);
    g.selfadjointView<Eigen::Lower>().rankUpdate(sx.transpose());
    part[static_cast<std::size_t>(b)] = std::move(g);
  });
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(p, p);
  for (const auto& g : part) {
    out += g;
  }
  return out.selfadjointView<Eigen::Lower>();
}

// X' X in the same blocks and order as weighted_gram(x, ones) and with the same bits (a weight
// of 1 changes no value), without the vector of ones or the weighted copy of each block.
template <typename Matrix>
Eigen::MatrixXd unweighted_gram(const Matrix& x) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  if (p == 0) {
    return Eigen::MatrixXd(0, 0);  // as weighted_gram: no rank update through a null pointer
  }
  const Eigen::Index blocks = (n + kGramBlock - 1) / kGramBlock;
  std::vector<Eigen::MatrixXd> part(static_cast<std::size_t>(blocks));
  tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
    const Eigen::Index r0 = b * kGramBlock;
    const Eigen::Index m = std::min(kGramBlock, n - r0);
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(p, p);
    g.selfadjointView<Eigen::Lower>().rankUpdate(x.middleRows(r0, m).transpose());
    part[static_cast<std::size_t>(b)] = std::move(g);
  });
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(p, p);
  for (const auto& g : part) {
    out += g;
  }
  return out.selfadjointView<Eigen::Lower>();
}

// Values whose squares leave double precision's range (below about 1e-308 or above 1e308) make
// the Gram matrix and the information underflow to 0 or overflow: a rank or estimability
// check on them depends on the column's unit, not its information. Columns whose root mean
// square (from the Gram diagonal: no pass over the data unless it is 0) lies outside
// [1e-100, 1e100] are refused by the fits; this is the largest |value| of column j of x, or 0
// when the column is well scaled (or all zero).
template <typename Matrix>
double badly_scaled(const Matrix& x, const Eigen::MatrixXd& gram, Eigen::Index j) {
  constexpr double kLow = 1e-100;
  constexpr double kHigh = 1e100;
  const double g = gram(j, j);
  const auto n = static_cast<double>(x.rows());
  if (n > 0 && g > 0 && std::isfinite(g)) {
    const double rms = std::sqrt(g / n);
    if (rms >= kLow && rms <= kHigh) {
      return 0;
    }
  }
  const double largest = x.rows() > 0 ? x.col(j).cwiseAbs().maxCoeff() : 0.0;
  return largest > 0 && std::isfinite(largest) ? largest : 0;
}

// "1e-300": the order of magnitude of v, for messages.
inline std::string order_of(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(std::floor(std::log10(v))));
  return buf;
}

// Refuses covariate `name`, whose largest |value| is `largest` (badly_scaled).
[[noreturn]] inline void refuse_scale(const std::string& name, double largest) {
  fail(ErrorKind::data, {"", 0, name, ""},
       "the values of '" + name + "' are of order " + order_of(largest) +
           ": their squares leave double precision's range, so its collinearity and "
           "information cannot be judged",
       "rescale column " + name + " (its values are of order " + order_of(largest) +
           "), e.g. divide it by " + order_of(largest) +
           ": its coefficient is multiplied by the same factor");
}

// The columns kept in column order, as R's pivoting QR keeps them, from a Gram-like matrix g
// (X'X, or an information matrix): column j is dropped when `degenerate(j)` says so, or when
// its residual on the kept columns before it is below tolerance^2 of g(j, j) (a column-ordered
// Cholesky). Shared by the GLM (aliased columns) and Cox (inestimable terms) fits. `closest`,
// when given, receives the smallest residual share d / g(j, j) over the columns not degenerate
// (1 if none): how near the decision came to the tolerance.
template <typename Degenerate>
std::vector<Eigen::Index> kept_columns(const Eigen::MatrixXd& g, double tolerance,
                                       Degenerate degenerate, double* closest = nullptr) {
  const Eigen::Index p = g.cols();
  std::vector<Eigen::Index> keep;
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(p, p);  // rows: columns; cols: kept ones
  if (closest != nullptr) {
    *closest = 1;
  }
  for (Eigen::Index j = 0; j < p; ++j) {
    Eigen::VectorXd row(static_cast<Eigen::Index>(keep.size()));
    double d = g(j, j);
    for (std::size_t a = 0; a < keep.size(); ++a) {
      const auto ka = static_cast<Eigen::Index>(a);
      double v = g(j, keep[a]);
      for (Eigen::Index b = 0; b < ka; ++b) {
        v -= row[b] * l(keep[a], b);
      }
      row[ka] = v / l(keep[a], ka);
      d -= row[ka] * row[ka];
    }
    if (degenerate(j)) {
      continue;
    }
    if (closest != nullptr) {
      *closest = std::min(*closest, d / g(j, j));
    }
    if (d < tolerance * tolerance * g(j, j)) {
      continue;
    }
    for (std::size_t a = 0; a < keep.size(); ++a) {
      l(j, static_cast<Eigen::Index>(a)) = row[static_cast<Eigen::Index>(a)];
    }
    l(j, static_cast<Eigen::Index>(keep.size())) = std::sqrt(d);
    keep.push_back(j);
  }
  return keep;
}

// The R factor of a QR of x (at most p x p; rows' signs arbitrary): a Householder QR of each
// fixed row block, in parallel, then one of their R factors stacked in block order (the same
// bits at any thread count). Unlike X'X it does not square x's condition number.
template <typename Matrix>
Eigen::MatrixXd r_factor(const Matrix& x) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  const Eigen::Index blocks = (n + kGramBlock - 1) / kGramBlock;
  std::vector<Eigen::MatrixXd> part(static_cast<std::size_t>(blocks));
  tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index b) {
    const Eigen::Index r0 = b * kGramBlock;
    const Eigen::Index m = std::min(kGramBlock, n - r0);
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Eigen::MatrixXd(x.middleRows(r0, m)));
    part[static_cast<std::size_t>(b)] =
        qr.matrixQR().topRows(std::min(m, p)).template triangularView<Eigen::Upper>();
  });
  Eigen::Index rows = 0;
  for (const auto& r : part) {
    rows += r.rows();
  }
  Eigen::MatrixXd stacked(rows, p);
  for (Eigen::Index b = 0, at = 0; b < blocks; ++b) {
    const auto& r = part[static_cast<std::size_t>(b)];
    stacked.middleRows(at, r.rows()) = r;
    at += r.rows();
  }
  if (blocks == 1) {
    return stacked;
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(stacked);
  return qr.matrixQR().topRows(std::min(rows, p)).triangularView<Eigen::Upper>();
}

// The columns kept in column order from r, an R factor of X (r_factor): as R's dqrdc2 (the QR
// of lm and glm.fit), column j is dropped when it is zero or its residual on the kept columns
// before it is below `tolerance` of its norm. R has X's column norms and every residual norm
// of X (Q is orthogonal), so this is the QR of X itself, without X.
inline std::vector<Eigen::Index> kept_columns_qr(Eigen::MatrixXd r, double tolerance) {
  const Eigen::Index rows = r.rows();
  const Eigen::Index p = r.cols();
  const Eigen::VectorXd norm = r.colwise().norm();
  std::vector<Eigen::Index> keep;
  Eigen::VectorXd essential;
  Eigen::VectorXd workspace(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto at = static_cast<Eigen::Index>(keep.size());  // rows the kept columns fill
    const Eigen::Index rest = rows - at;
    if (rest == 0 || norm[j] == 0 || r.col(j).tail(rest).norm() < tolerance * norm[j]) {
      continue;
    }
    // Reflect column j's residual onto row `at`, and the later columns with it.
    double tau = 0;
    double beta = 0;
    essential.resize(rest - 1);
    r.col(j).tail(rest).makeHouseholder(essential, tau, beta);
    r.block(at, j, rest, p - j).applyHouseholderOnTheLeft(essential, tau, workspace.data());
    keep.push_back(j);
  }
  return keep;
}

}  // namespace pdlab
