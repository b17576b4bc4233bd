// Four local governments at a time (vf4 lanes) in the per-government loops of the governance
// layer (stability.cpp, officials.cpp): loads of a group of four, or of the block's last,
// shorter group, and lane masks. Each lane does the float arithmetic of one government alone,
// in the same order, so the grouping never changes a bit.
#pragma once

#include "pdlab/core/simd.hpp"

#include <algorithm>
#include <cstdint>

namespace pdlab::gov::lanes {

using T = simd::vf4;
using I = simd::vi4;
constexpr std::int32_t N = 4;

// p[0, m) for m in [1, 4]; spare lanes repeat p[m - 1] (computed, never stored).
PDLAB_INLINE T load(const float* p, std::int32_t m) {
  if (m == N) {
    return simd::load<T>(p);
  }
  T x;
  for (std::int32_t l = 0; l < N; ++l) {
    x[l] = p[std::min(l, m - 1)];
  }
  return x;
}
// The same from doubles, each converted to float as the scalar code converts it.
PDLAB_INLINE T load_float(const double* p, std::int32_t m) {
  T x;
  for (std::int32_t l = 0; l < N; ++l) {
    x[l] = static_cast<float>(p[std::min(l, m - 1)]);
  }
  return x;
}
// -1 in lanes [0, m) where p > 0, else 0.
PDLAB_INLINE I positive(const double* p, std::int32_t m) {
  I x;
  for (std::int32_t l = 0; l < N; ++l) {
    x[l] = l < m && p[l] > 0 ? -1 : 0;
  }
  return x;
}
PDLAB_INLINE T select(I mask, T a, T b) {
  return mask ? a : b;
}
PDLAB_INLINE bool any(I mask) {
  return (mask[0] | mask[1] | mask[2] | mask[3]) != 0;
}
PDLAB_INLINE bool all(I mask) {
  return (mask[0] & mask[1] & mask[2] & mask[3]) != 0;
}

}  // namespace pdlab::gov::lanes
