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
// Cholesky). Shared by the GLM (aliased columns) and Cox (inestimable terms) fits.
template <typename Degenerate>
std::vector<Eigen::Index> kept_columns(const Eigen::MatrixXd& g, double tolerance,
                                       Degenerate degenerate) {
  const Eigen::Index p = g.cols();
  std::vector<Eigen::Index> keep;
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(p, p);  // rows: columns; cols: kept ones
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
    if (degenerate(j) || d < tolerance * tolerance * g(j, j)) {
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

}  // namespace pdlab
