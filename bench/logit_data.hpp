// The logit benchmark's data (1,000,000 x 20 with an intercept column), generated
// deterministically; shared by the fit benchmark and the CSV ingest benchmark.
#pragma once

#include <Eigen/Dense>

#include <cmath>
#include <random>

namespace pdlab::bench {

inline void logit_data(Eigen::MatrixXd& x, Eigen::VectorXd& y, Eigen::Index n = 1000000,
                       Eigen::Index p = 20) {
  std::mt19937_64 gen(1);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  x.resize(n, p);
  y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = 1.0;
    double eta = -1.0;
    for (Eigen::Index j = 1; j < p; ++j) {
      x(i, j) = z(gen);
      eta += 0.1 * static_cast<double>(j % 5 - 2) * x(i, j);
    }
    y[i] = u(gen) < 1 / (1 + std::exp(-eta)) ? 1.0 : 0.0;
  }
}

}  // namespace pdlab::bench
