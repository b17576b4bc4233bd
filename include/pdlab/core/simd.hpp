// Vector helpers of the governance kernels (GCC/Clang vector extensions): N lanes of float,
// N = 4 (SSE2, every x86-64), 8 (AVX2) or 16 (AVX-512), the widest chosen at run time.
// Every lane does the same arithmetic, so a community's values do not depend on N; only sums
// over lanes (and fused multiply-adds in the wider clones) may change last bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

// The helpers are internal; their ABI on non-AVX builds does not matter.
#pragma GCC diagnostic ignored "-Wpsabi"

#define PDLAB_INLINE inline __attribute__((always_inline))

namespace pdlab::simd {

// Arrays the kernels read are padded to a multiple of the widest vector.
constexpr std::size_t kMaxLanes = 16;

// Concrete typedefs: GCC ignores vector_size on dependent types inside templates.
using vf4 = float __attribute__((vector_size(16)));
using vi4 = std::int32_t __attribute__((vector_size(16)));
using vf8 = float __attribute__((vector_size(32)));
using vi8 = std::int32_t __attribute__((vector_size(32)));
using vf16 = float __attribute__((vector_size(64)));
using vi16 = std::int32_t __attribute__((vector_size(64)));
template <int N>
struct V;
template <>
struct V<4> {
  using f = vf4;
  using i = vi4;
};
template <>
struct V<8> {
  using f = vf8;
  using i = vi8;
};
template <>
struct V<16> {
  using f = vf16;
  using i = vi16;
};
static_assert(sizeof(V<4>::f) == 16 && sizeof(V<8>::f) == 32 && sizeof(V<8>::i) == 32);

template <class T, class E>
PDLAB_INLINE T load(const E* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T, class E>
PDLAB_INLINE void store(E* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
PDLAB_INLINE T min(T a, T b) {
  return b < a ? b : a;
}
template <class T>
PDLAB_INLINE T max(T a, T b) {
  return a < b ? b : a;
}
template <class T>
PDLAB_INLINE T clamp01(T x) {
  return min(T{} + 1.0F, max(T{}, x));
}
// 1.0F in lanes where the integer mask is -1, else 0.0F.
template <class T, class I>
PDLAB_INLINE T mask_to_one(I mask) {
  const I bits = mask & 0x3F800000;
  T out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// Whether any lane is not 0 (+0 or -0 count as 0): the lanes' bits, sign bit cleared, ORed.
// Two lanes per 64-bit word, the sign bits cleared once after the OR.
template <class T>
PDLAB_INLINE bool any_nonzero(T v) {
  constexpr std::size_t words = sizeof(T) / sizeof(std::uint64_t);
  std::uint64_t bits[words];
  std::memcpy(bits, &v, sizeof v);
  std::uint64_t any = 0;
  for (std::size_t w = 0; w < words; ++w) {
    any |= bits[w];
  }
  return (any & 0x7FFFFFFF7FFFFFFFULL) != 0;
}

// exp by Cody-Waite reduction to 2^n e^f, |f| <= ln2 / 2, and e^f by its Taylor polynomial of
// degree 5 (relative error below 3e-6 plus the rounding of the reduction, ~1e-7 |x|). Plain
// arithmetic, same bits on every run.
template <int N>
PDLAB_INLINE typename V<N>::f exp(typename V<N>::f x) {
  using T = typename V<N>::f;
  using I = typename V<N>::i;
  x = min(T{} + 88.0F, max(T{} - 87.0F, x));
  const T t = x * 1.44269504088896341F;
  // Adding 1.5 * 2^23 rounds t to an integer n held in the low mantissa bits.
  const T shifted = t + 12582912.0F;
  const T n = shifted - 12582912.0F;
  const T f = (t - n) * 0.693147180559945309F;
  T p = T{} + 1.0F / 120.0F;
  p = p * f + 1.0F / 24.0F;
  p = p * f + 1.0F / 6.0F;
  p = p * f + 0.5F;
  p = p * f + 1.0F;
  p = p * f + 1.0F;
  I bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - 0x4B400000 + 127) << 23;  // 2^n
  T scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
template <int N>
PDLAB_INLINE typename V<N>::f logistic(typename V<N>::f x) {
  return 1.0F / (1.0F + exp<N>(-x));
}

// The same exp for one value (officials' choices): same bits on every machine, unlike libm.
PDLAB_INLINE float exp1(float x) {
  x = x < -87.0F ? -87.0F : (x > 88.0F ? 88.0F : x);
  const float t = x * 1.44269504088896341F;
  const float shifted = t + 12582912.0F;
  const float n = shifted - 12582912.0F;
  const float f = (t - n) * 0.693147180559945309F;
  float p = 1.0F / 120.0F;
  p = p * f + 1.0F / 24.0F;
  p = p * f + 1.0F / 6.0F;
  p = p * f + 0.5F;
  p = p * f + 1.0F;
  p = p * f + 1.0F;
  std::int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - 0x4B400000 + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
PDLAB_INLINE float logistic1(float x) {
  return 1.0F / (1.0F + exp1(-x));
}

}  // namespace pdlab::simd
