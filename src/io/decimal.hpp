// Exact short-decimal parsing shared by the CSV readers (text_reader.cpp, design_reader.cpp):
// SWAR digit runs and Clinger's fast path. Internal to src/io.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace pdlab::io::detail {

// 10^0 .. 10^22, each exactly a double.
inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline constexpr std::uint64_t kPow10Int[] = {1,      10,      100,      1000,     10000,
                                              100000, 1000000, 10000000, 100000000};

inline bool is_digit(char c) {
  return static_cast<unsigned>(c - '0') < 10U;
}

// Eight characters at a time (SWAR): the number of leading digits of the 8 bytes in v (in
// memory order), and their value. A byte counts as a digit if its high nibble is 3 and it is
// at most '9'; a carry from a byte >= 0xFA can only end a run early, never extend one.
[[gnu::always_inline]] inline int leading_digits(std::uint64_t v) {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  constexpr std::uint64_t k30 = 0x3030303030303030ULL;
  constexpr std::uint64_t k7F = 0x7F7F7F7F7F7F7F7FULL;
  const std::uint64_t bad = ((v & kHigh) ^ k30) | (((v + 0x0606060606060606ULL) & kHigh) ^ k30);
  const std::uint64_t mask = (((bad & k7F) + k7F) | bad) & ~k7F;  // high bit: not a digit
  return mask == 0 ? 8 : __builtin_ctzll(mask) / 8;
}

[[gnu::always_inline]] inline std::uint64_t digits_value(std::uint64_t v, int k) {
  // Keep the first k bytes' values, as the last k digits of an 8-digit number.
  v &= 0x0F0F0F0F0F0F0F0FULL;
  v = k == 0 ? 0 : v << (8 * (8 - k));
  v = (v * 10) + (v >> 8U);
  return (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32U))) +
          (((v >> 16U) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32U)))) >>
         32U;
}

// r (not negative) with the sign of a leading '-': a bit, not a branch (signs in data are
// random, and a branch on them mispredicts half the time).
[[gnu::always_inline]] inline double with_sign(double r, bool neg) {
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(r) |
                               (static_cast<std::uint64_t>(neg) << 63U));
}

// The commonest CSV number, -?D{1,7}(.D{1,7})? with no exponent, at p, where at least 18
// bytes from p may be read: its value in v and its end; nullptr for anything else (the caller
// then tries parse_decimal_prefix, then from_chars). The mantissa has at most 14 digits (below
// 2^53) and the power of ten at most 10^7, so one division rounds once, as from_chars does.
[[gnu::always_inline]] inline const char* short_decimal(const char* p, double& v) {
  const bool neg = *p == '-';
  p += neg ? 1 : 0;
  int k1 = 1;
  std::uint64_t m = static_cast<unsigned>(*p - '0');
  if (m > 9 || p[1] != '.') {
    // More than one digit before the point (one, the commonest, needs no SWAR).
    std::uint64_t a = 0;
    std::memcpy(&a, p, 8);
    k1 = leading_digits(a);
    if (k1 == 0 || k1 == 8) {
      return nullptr;
    }
    m = digits_value(a, k1);
  }
  p += k1;
  double r = 0;
  if (*p == '.') {
    std::uint64_t b = 0;
    std::memcpy(&b, p + 1, 8);
    const int k2 = leading_digits(b);
    if (k2 == 0 || k2 == 8) {
      return nullptr;
    }
    m = m * kPow10Int[k2] + digits_value(b, k2);
    p += 1 + k2;
    r = static_cast<double>(m) / kPow10[k2];
  } else {
    r = static_cast<double>(m);
  }
  if ((*p | 0x20) == 'e') {
    return nullptr;  // an exponent: the general parser
  }
  v = with_sign(r, neg);
  return p;
}

}  // namespace pdlab::io::detail
