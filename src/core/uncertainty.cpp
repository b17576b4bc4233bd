#include "pdlab/core/uncertainty.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/rates.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/rng.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace pdlab {

namespace {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix) {
  fail(ErrorKind::config, {s.file, s.line_of(key), key, value}, what, fix);
}

}  // namespace

CompiledDraws compile_draws(const Scenario& s) {
  const auto& u = s.uncertainty;
  CompiledDraws d;
  const auto k = u.keys.size();
  if (k == 0) {
    if (u.draw) {
      bad(s, "uncertainty.keys", "", "draw = true but no keys are uncertain",
          "list the keys and give estimate and covariance (pdlab fit writes them)");
    }
    return d;
  }
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (u.keys[i] == u.keys[j]) {
        bad(s, "uncertainty.keys", u.keys[i], "the key is listed twice",
            "list each key once, with one estimate and one row and column of the covariance");
      }
    }
  }
  if (u.estimate.size() != k) {
    bad(s, "uncertainty.estimate", std::to_string(u.estimate.size()) + " values",
        "needs one value per key (" + std::to_string(k) + " keys)",
        "give the estimates in the order of uncertainty.keys");
  }
  if (u.covariance.size() != k) {
    bad(s, "uncertainty.covariance", std::to_string(u.covariance.size()) + " rows",
        "needs one row per key (" + std::to_string(k) + " keys)", "give a k x k matrix");
  }
  Eigen::MatrixXd cov(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  for (std::size_t i = 0; i < k; ++i) {
    if (u.covariance[i].size() != k) {
      bad(s, "uncertainty.covariance[" + std::to_string(i) + "]",
          std::to_string(u.covariance[i].size()) + " values",
          "each row needs one value per key (" + std::to_string(k) + ")", "give a k x k matrix");
    }
    for (std::size_t j = 0; j < k; ++j) {
      cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = u.covariance[i][j];
    }
  }
  const double scale = std::max(1e-300, cov.cwiseAbs().maxCoeff());
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto a = cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      const auto b = cov(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i));
      if (std::fabs(a - b) > 1e-9 * scale) {
        bad(s, "uncertainty.covariance[" + std::to_string(i) + "][" + std::to_string(j) + "]",
            std::to_string(a),
            "the covariance is not symmetric (the mirrored entry is " + std::to_string(b) + ")",
            "give a symmetric matrix");
      }
    }
  }
  // Eigen-decomposition rather than Cholesky: a covariance of collinear estimates is only
  // semi-definite, and the draws then stay on its subspace.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  const auto& lambda = eig.eigenvalues();
  if (lambda.minCoeff() < -1e-8 * std::max(1e-300, lambda.maxCoeff())) {
    bad(s, "uncertainty.covariance", "smallest eigenvalue " + std::to_string(lambda.minCoeff()),
        "the covariance is not positive semi-definite", "give a covariance matrix");
  }
  // Eigenvalues at rounding level are the zero of a singular matrix: kept at 0, the draws stay
  // exactly on its subspace.
  const double floor = 1e-12 * std::max(0.0, lambda.maxCoeff());
  const Eigen::VectorXd root =
      lambda.unaryExpr([floor](double l) { return l > floor ? std::sqrt(l) : 0.0; });
  const Eigen::MatrixXd f = eig.eigenvectors() * root.asDiagonal();
  d.keys = u.keys;
  d.estimate = u.estimate;
  d.factor.resize(k * k);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      d.factor[i * k + j] = f(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    }
  }
  // Each key must be a numeric key that typed overrides reach, and its estimate in range.
  Scenario probe = s;
  for (std::size_t i = 0; i < k; ++i) {
    set_numeric_parameter(probe, u.keys[i], u.estimate[i]);
    double lo = -1e9;
    double hi = 1e9;
    if (const auto pk = parse_policy_key(u.keys[i])) {
      lo = pk->lo;
      hi = pk->hi;
    } else if (const Param* p = find_parameter(u.keys[i])) {
      lo = p->lo;
      hi = p->hi;
    } else if (const KeyedParam* kp = find_keyed_parameter(u.keys[i])) {
      lo = kp->lo;
      hi = kp->hi;
    }
    // A governance rate is stable only up to one step a period (docs/model.md 7.9.5): its
    // draws are clamped there too, as to its range.
    for (const char* key : gov::step_rate_keys()) {
      if (u.keys[i] == key) {
        hi = std::min(hi, static_cast<double>(s.calendar.periods_per_year));
      }
    }
    d.lo.push_back(lo);
    d.hi.push_back(hi);
  }
  d.held.assign(k, std::numeric_limits<double>::quiet_NaN());
  for (const auto& key : u.held) {
    const auto at = std::find(u.keys.begin(), u.keys.end(), key);
    if (at == u.keys.end()) {
      bad(s, "uncertainty.held", key, "the key is held but not among uncertainty.keys",
          "hold only keys that [uncertainty] draws (uncertainty.keys), or drop it from "
          "uncertainty.held");
    }
    const auto own = numeric_parameter(s, key);
    if (!own) {
      bad(s, "uncertainty.held", key, "the key has no value of its own to be held at",
          "give the key a value (e.g. --set " + key + "=0)");
    }
    d.held[static_cast<std::size_t>(at - u.keys.begin())] = *own;
  }
  return d;
}

void refuse_drawn_key(const Scenario& s, const std::string& key, ErrorKind kind,
                      const Where& where) {
  const auto& u = s.uncertainty;
  if (!u.draw || std::find(u.keys.begin(), u.keys.end(), key) == u.keys.end()) {
    return;
  }
  fail(kind, where,
       "'" + key +
           "' is drawn from [uncertainty] (draw = true): each replicate's draw would replace "
           "this value, so it would change nothing",
       "change uncertainty.estimate to move the draws, or set uncertainty.draw = false to "
       "give the key a value of its own");
}

std::vector<double> draw_parameters(const CompiledDraws& d, std::uint64_t seed,
                                    std::int32_t replicate) {
  const auto k = d.keys.size();
  const Rng rng(seed);
  std::vector<double> z(k);
  for (std::size_t i = 0; i < k; ++i) {
    // Box-Muller on two 52-bit uniforms of the key's own counter.
    const auto w = rng.words(static_cast<std::uint32_t>(replicate), 0,
                             static_cast<std::uint32_t>(i), 0, Draw::parameters);
    const double u1 = Rng::to_open_unit(w[0], w[1]);
    const double u2 = Rng::to_open_unit(w[2], w[3]);
    z[i] = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  std::vector<double> x(k);
  for (std::size_t i = 0; i < k; ++i) {
    double v = d.estimate[i];
    for (std::size_t j = 0; j < k; ++j) {
      v += d.factor[i * k + j] * z[j];
    }
    x[i] = std::isnan(d.held[i]) ? std::clamp(v, d.lo[i], d.hi[i]) : d.held[i];
  }
  return x;
}

Scenario drawn_scenario(const Scenario& s, const CompiledDraws& d, std::int32_t replicate) {
  Scenario out = s;
  out.uncertainty.draw = false;
  const auto x = draw_parameters(d, s.seed, replicate);
  for (std::size_t i = 0; i < x.size(); ++i) {
    set_numeric_parameter(out, d.keys[i], x[i]);
  }
  return out;
}

}  // namespace pdlab
