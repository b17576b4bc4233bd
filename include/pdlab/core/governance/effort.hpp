// The officials' effort split between visible outputs and depth (docs/model.md 7.9.1): the
// horizon sums of a marginal unit of effort and the split itself, as pure functions (the
// officials' rule and its test use the same code).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace pdlab::gov::effort {

// x^k for k >= 0 (x^0 = 1; 0 for x <= 0 and k > 0).
inline float power(float x, std::int32_t k) {
  if (k <= 0) {
    return 1.0F;
  }
  if (!(x > 0.0F)) {
    return 0.0F;
  }
  return std::exp(static_cast<float>(k) * std::log(x));
}

// sum_{tau < h} x^tau, h >= 1: what a marginal unit made now is worth over h periods when it
// persists (discounted) at x per period.
inline float discounted_sum(float x, std::int32_t h) {
  if (h <= 0) {
    return 0.0F;
  }
  if (!(x > 0.0F)) {
    return 1.0F;
  }
  if (x >= 1.0F) {
    return static_cast<float>(h);
  }
  return (1.0F - power(x, h)) / (1.0F - x);
}

// sum_{tau < h} rho^tau p_tau, where p is residents' perceived depth after a unit of depth made
// now: the perception smoother p_tau = (1 - k) p_(tau-1) + k a^tau (p_(-1) = 0; the kernel
// updates perceived depth in the same period as depth), depth persisting at a per period. In
// closed form k / (a - b) [a G(rho a) - b G(rho b)], b = 1 - k, G(x) = discounted_sum(x, h);
// g_b = G(rho b), which depends on parameters only (tabulated by make_horizons).
inline float seen_sum(float a, float rho, float k, std::int32_t h, float g_b) {
  if (h <= 0) {
    return 0.0F;
  }
  const float b = 1.0F - k;
  a = std::clamp(a, 0.0F, 1.0F);
  // Where a and b (nearly) coincide the closed form divides by ~0: sum the recursion itself.
  if (std::abs(a - b) < 1e-3F) {
    double sum = 0, p = 0, a_tau = 1, rho_tau = 1;
    for (std::int32_t tau = 0; tau < h; ++tau) {
      p = (1.0 - k) * p + k * a_tau;
      sum += rho_tau * p;
      a_tau *= a;
      rho_tau *= rho;
    }
    return static_cast<float>(sum);
  }
  return k / (a - b) * (a * discounted_sum(rho * a, h) - b * g_b);
}

// The share of effort on depth, e / (1 - e) = (m_depth / m_visible)^(1 / tau): the split that
// equates the marginal values when the returns to each kind of effort have relative curvature
// tau. Where neither pays, an even split; where one alone pays, all on it. tau = 1 needs no
// logarithm.
inline float share(float m_depth, float m_visible, float tau) {
  if (!(m_depth > 0.0F) || !(m_visible > 0.0F)) {
    return m_depth > 0.0F ? 1.0F : m_visible > 0.0F ? 0.0F : 0.5F;
  }
  if (tau == 1.0F) {
    return m_depth / (m_depth + m_visible);
  }
  const float z = std::log(m_depth / m_visible) / tau;
  return 1.0F / (1.0F + std::exp(-std::clamp(z, -80.0F, 80.0F)));
}

}  // namespace pdlab::gov::effort
