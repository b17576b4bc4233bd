#include "pdlab/core/rng.hpp"

#include <gtest/gtest.h>

#include <set>

using pdlab::Draw;
using pdlab::Rng;

// Known-answer vectors of Philox4x32-10 from Random123's kat_vectors (counter, key -> output).
TEST(Rng, PhiloxKnownAnswers) {
  EXPECT_EQ(Rng::raw({0, 0, 0, 0}, {0, 0}),
            (std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Rng::raw({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Rng::raw({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// pdlab's stream layout: counter = (unit, period, replicate, policy << 8 | purpose), key = seed.
TEST(Rng, StreamLayoutIsStable) {
  const Rng rng(0x299f31d0a4093822ULL);
  const auto w = rng.words(0x13198a2e, 0x85a308d3, 0x243f6a88, 0x37073, static_cast<Draw>(0x44));
  EXPECT_EQ(w,
            Rng::raw({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}));
}

TEST(Rng, UniformIsInOpenUnitInterval) {
  EXPECT_GT(Rng::to_open_unit(0, 0), 0.0);
  EXPECT_LT(Rng::to_open_unit(0xffffffff, 0xffffffff), 1.0);
  const Rng rng(42);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    sum += rng.uniform(0, 0, static_cast<std::uint32_t>(i), 0, Draw::threshold);
  }
  // Mean of n uniforms: sd = sqrt(1/12/n) = 0.00091; 5 sd.
  EXPECT_NEAR(sum / n, 0.5, 5 * 0.00091);
}

TEST(Rng, StreamsDifferByEveryKeyComponent) {
  const Rng a(1);
  const Rng b(2);
  std::set<double> seen;
  seen.insert(a.uniform(0, 0, 0, 0, Draw::threshold));
  seen.insert(b.uniform(0, 0, 0, 0, Draw::threshold));
  seen.insert(a.uniform(1, 0, 0, 0, Draw::threshold));
  seen.insert(a.uniform(0, 1, 0, 0, Draw::threshold));
  seen.insert(a.uniform(0, 0, 1, 0, Draw::threshold));
  seen.insert(a.uniform(0, 0, 0, 1, Draw::threshold));
  seen.insert(a.uniform(0, 0, 0, 0, Draw::quality));
  EXPECT_EQ(seen.size(), 7U);
  // Same key, same draw: pure function.
  EXPECT_EQ(a.uniform(3, 4, 5, 0, Draw::mode), Rng(1).uniform(3, 4, 5, 0, Draw::mode));
}
