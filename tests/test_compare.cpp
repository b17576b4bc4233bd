// compare's contrasts of the user's (--contrast): the arithmetic, the parser's refusals, and a
// 2 x 2 design whose interaction is the difference of the variants' differences.
#include "pdlab/core/errors.hpp"
#include "pdlab/sim/compare.hpp"
#include "pdlab/study/compare_study.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace pdlab;

namespace {

std::string refusal(const std::string& text, std::size_t n) {
  try {
    study::parse_contrast(text, n);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Compare, ContrastOfTwoVariantsIsTheirPairedDifference) {
  const std::vector<double> base = {1, 2, 3, 4, 5};
  const std::vector<double> x = {2, 2.5, 4, 5.5, 6.25};
  const auto paired = contrast(x, base);
  const auto linear = linear_contrast({&base, &x}, {-1, 1});
  EXPECT_EQ(linear.n, paired.n);
  EXPECT_EQ(linear.diff, paired.diff);
  EXPECT_EQ(linear.diff_se, paired.diff_se);
  EXPECT_EQ(linear.lo, paired.lo);
  EXPECT_EQ(linear.hi, paired.hi);
  EXPECT_TRUE(std::isnan(linear.mean));
  EXPECT_TRUE(std::isnan(linear.sd));
}

TEST(Compare, ContrastIsZeroWhereItsVariantsAgreeAndDropsUndefinedReplicates) {
  const double nan = std::nan("");
  const std::vector<double> a = {0.1, 0.7, 0.3};
  // A third of a variant three times over, less the variant: exactly 0, not a rounding.
  const auto same = linear_contrast({&a, &a, &a, &a}, {1.0 / 3, 1.0 / 3, 1.0 / 3, -1});
  EXPECT_EQ(same.n, 3);
  EXPECT_EQ(same.diff, 0.0);
  EXPECT_EQ(same.lo, 0.0);
  EXPECT_EQ(same.hi, 0.0);
  const std::vector<double> b = {1, nan, 2};
  const std::vector<double> unused = {nan, nan, nan};
  const auto c = linear_contrast({&a, &b, &unused}, {-1, 1, 0});
  EXPECT_EQ(c.n, 2);  // replicate 1 is undefined in b; `unused` has no weight
  EXPECT_DOUBLE_EQ(c.diff, ((1 - 0.1) + (2 - 0.3)) / 2);
}

TEST(Compare, ParseContrastReadsTermsAndRefusesWhatItCannot) {
  const auto c = study::parse_contrast(" interaction = v4 - v3 - v2 + v1", 4);
  EXPECT_EQ(c.name, "interaction");
  EXPECT_EQ(c.expression, "v4-v3-v2+v1");
  EXPECT_EQ(c.weights, (std::vector<double>{1, -1, -1, 1}));
  EXPECT_EQ(study::parse_contrast("avg=0.5*v2+0.5v3-V1", 3).weights,
            (std::vector<double>{-1, 0.5, 0.5}));
  EXPECT_EQ(study::parse_contrast("twice=2*v2-v1-v1", 2).weights, (std::vector<double>{-2, 2}));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"v2-v1", "not of the form NAME=EXPR"},
      {"=v2-v1", "no name"},
      {"d=", "no terms"},
      {"d=v2v1", "expected + or -"},
      {"d=v2-x1", "expected a variant"},
      {"d=v2-v", "a variant is v and its number"},
      {"d=v5-v1", "v5: there are 4 variants"},
      {"d=v0-v1", "v0: there are 4 variants"},
      {"d=v2", "the weights sum to 1, not 0"},
      {"d=v2-v2", "the terms cancel"},
      {"depth_reward=1=v2-v1", "a contrast's name cannot contain '='"},
  };
  for (const auto& [text, message] : bad) {
    const auto what = refusal(text, 4);
    EXPECT_NE(what.find(message), std::string::npos) << text << ": " << what;
    EXPECT_NE(what.find("--contrast"), std::string::npos) << what;
  }
}

// A 2 x 2 design on common random numbers: the interaction v4-v3-v2+v1 is, for every outcome,
// the fourth variant's difference from the first less the second's and the third's; the
// per-replicate values give every estimate; a bad contrast fails before anything runs.
TEST(Compare, InteractionOfTwoKeysIsTheDifferenceOfTheirDifferences) {
  study::CompareSpec spec;
  spec.scenario = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_governance.toml";
  spec.overrides = {"run.replicates=4", "run.threads=1"};
  spec.variants = study::variants_from_vary(
      {"assessment.depth_reward=0,1", "assessment.satisfaction_weight=0.2,0.6"});
  spec.contrasts = {"interaction=v4-v3-v2+v1"};
  const auto res = study::compare_designs(spec, {}, {});
  ASSERT_EQ(res.user_contrasts.size(), 1U);
  ASSERT_EQ(res.values.size(), 4U);
  int moved = 0;
  for (std::size_t k = 0; k < res.outcomes.size(); ++k) {
    const auto& i = res.user_results[k][0];
    const auto& c = res.contrasts[k];
    if (i.n < res.replicates || c[1].n < res.replicates || c[2].n < res.replicates ||
        c[3].n < res.replicates) {
      continue;  // a metric undefined in some replicate: other pairs, other means
    }
    const double expected = c[3].diff - c[2].diff - c[1].diff;
    EXPECT_NEAR(i.diff, expected, 1e-9 * (1 + std::abs(expected))) << res.outcomes[k].name;
    double by_hand = 0;
    for (int r = 0; r < res.replicates; ++r) {
      const auto v = [&](int variant) { return res.values[variant][k][r]; };
      by_hand += (v(3) - v(0)) - (v(2) - v(0)) - (v(1) - v(0));
    }
    EXPECT_NEAR(i.diff, by_hand / res.replicates, 1e-9 * (1 + std::abs(by_hand)));
    EXPECT_TRUE(i.lo <= i.diff && i.diff <= i.hi);
    moved += i.diff != 0 ? 1 : 0;
  }
  EXPECT_GT(moved, 0);  // the two keys interact somewhere (depth, satisfaction, ...)

  int ran = 0;
  spec.contrasts = {"interaction=v5-v1"};
  EXPECT_THROW(study::compare_designs(spec, [&](int, int, const std::string&) { ++ran; }, {}),
               Error);
  spec.variants[1].label = "more";  // (as a --variants file's `variant` column names it)
  spec.contrasts = {"more=v2-v1"};
  EXPECT_THROW(study::compare_designs(spec, [&](int, int, const std::string&) { ++ran; }, {}),
               Error);
  spec.contrasts = {"d=v2-v1", "d=v3-v1"};
  EXPECT_THROW(study::compare_designs(spec, [&](int, int, const std::string&) { ++ran; }, {}),
               Error);
  EXPECT_EQ(ran, 0);
}

// A contrast exactly 0 everywhere weighs variants that agree (a numbering slip, or a key that
// changes nothing): the warning says so and what v1..vN are; one that moves is not warned of.
TEST(Compare, ContrastOfAgreeingVariantsIsWarnedOf) {
  study::CompareSpec spec;
  spec.scenario = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_pilot.toml";
  spec.overrides = {"run.replicates=3", "run.threads=1"};
  // The stability module is off in toy_pilot: its budget changes nothing.
  spec.variants =
      study::variants_from_vary({"promotion.pilot_success=0.8,0.2", "stability.budget=1000,90000"});
  spec.contrasts = {"idle=v2-v1", "pilots=v3-v1"};
  const auto res = study::compare_designs(spec, {}, {});
  const auto warned = [&](const std::string& name) {
    return std::any_of(res.warnings.begin(), res.warnings.end(), [&](const std::string& w) {
      return w.starts_with("contrast \"" + name + "\"") && w.find("v1 = \"") != std::string::npos;
    });
  };
  EXPECT_TRUE(warned("idle"));
  EXPECT_FALSE(warned("pilots"));
}

namespace {

// toy_pilot with [uncertainty] over the township intercept and the vertical coefficient, drawn
// in every replicate (the same draw in every variant).
study::CompareSpec drawn_spec(const std::string& vary) {
  study::CompareSpec spec;
  spec.scenario = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_pilot.toml";
  spec.overrides = {"run.replicates=12",
                    "run.threads=1",
                    "uncertainty.keys=['adoption.alpha.township', 'adoption.gamma_vertical']",
                    "uncertainty.estimate=[-7.0, 1.0]",
                    "uncertainty.covariance=[[0.25, 0.0], [0.0, 0.25]]",
                    "uncertainty.draw=true"};
  spec.variants = study::variants_from_vary({vary});
  return spec;
}

double type7(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(h);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

// The spread of the paired differences is their 2.5% and 97.5% quantiles (type 7), whatever
// the count of replicates (unlike the t interval, which narrows); NaN below 2 pairs.
TEST(Compare, SpreadIsTheQuantilesOfThePairedDifferences) {
  const std::vector<double> base = {0, 0, 0, 0, 0};
  const std::vector<double> x = {-4, -1, 0, 2, 3};
  const auto c = contrast(x, base);
  EXPECT_DOUBLE_EQ(c.diff_q025, -4 + 0.1 * 3);  // h = 4 * 0.025 = 0.1 between -4 and -1
  EXPECT_DOUBLE_EQ(c.diff_q975, 2 + 0.9 * 1);
  const auto l = linear_contrast({&base, &x}, {-1, 1});
  EXPECT_EQ(l.diff_q025, c.diff_q025);
  EXPECT_EQ(l.diff_q975, c.diff_q975);
  const auto one = contrast({1.0}, {0.5});
  EXPECT_TRUE(std::isnan(one.diff_q025) && std::isnan(one.diff_q975));
  // Equal differences: that value, exactly (the baseline's row is 0, 0).
  const auto same = contrast(x, x);
  EXPECT_EQ(same.diff_q025, 0.0);
  EXPECT_EQ(same.diff_q975, 0.0);
}

// Through compare_designs with drawn parameters: each variant's and each contrast's quantiles
// are those of the per-replicate paired differences it keeps in `values` (compare_replicates).
TEST(Compare, SpreadMatchesThePerReplicateDifferences) {
  auto spec = drawn_spec("promotion.pilot_success=0.8,0.2,0.5");
  spec.contrasts = {"far=v3-v2"};
  const auto res = study::compare_designs(spec, {}, {});
  EXPECT_EQ(study::parameters_drawn(res), "every variant");
  int spread_out = 0;
  for (std::size_t k = 0; k < res.outcomes.size(); ++k) {
    for (std::size_t i = 0; i < res.labels.size(); ++i) {
      std::vector<double> d;
      for (int r = 0; r < res.replicates; ++r) {
        const double a = res.values[i][k][r];
        const double b = res.values[0][k][r];
        if (!std::isnan(a) && !std::isnan(b)) {
          d.push_back(a - b);
        }
      }
      const auto& c = res.contrasts[k][i];
      ASSERT_EQ(static_cast<std::size_t>(c.n), d.size());
      if (d.size() < 2) {
        continue;
      }
      EXPECT_DOUBLE_EQ(c.diff_q025, type7(d, 0.025)) << res.outcomes[k].name << " " << i;
      EXPECT_DOUBLE_EQ(c.diff_q975, type7(d, 0.975)) << res.outcomes[k].name << " " << i;
      EXPECT_LE(c.diff_q025, c.diff_q975);
      spread_out += c.diff_q975 - c.diff_q025 > c.hi - c.lo ? 1 : 0;
    }
    std::vector<double> l;
    for (int r = 0; r < res.replicates; ++r) {
      const double a = res.values[2][k][r];
      const double b = res.values[1][k][r];
      if (!std::isnan(a) && !std::isnan(b)) {
        l.push_back(a - b);
      }
    }
    if (l.size() >= 2) {
      const auto& u = res.user_results[k][0];
      EXPECT_NEAR(u.diff_q025, type7(l, 0.025), 1e-12);
      EXPECT_NEAR(u.diff_q975, type7(l, 0.975), 1e-12);
    }
  }
  // The spread of single differences is wider than the interval of their mean (12 replicates).
  EXPECT_GT(spread_out, 0);
  // What the intervals and the spread are, in the digest's words.
  const auto note = study::compare_intervals_note(res);
  EXPECT_NE(note.find("the t intervals do not carry that uncertainty"), std::string::npos) << note;
  EXPECT_NE(note.find("is what carries the parameters' estimation uncertainty"), std::string::npos)
      << note;
  EXPECT_EQ(note.find("the intervals include that"), std::string::npos) << note;
}

// A variant that sets a key [uncertainty] draws holds it at that value in its replicates: a
// warning says so, and where the value is within 1e-3 of the scenario's, that it looks like a
// rounding of the fitted value, with the exact value to give.
TEST(Compare, VariantHoldingADrawnKeyIsWarnedOf) {
  const auto warned = [](const study::CompareResult& res, const std::string& label,
                         const std::string& text) {
    return std::any_of(res.warnings.begin(), res.warnings.end(), [&](const std::string& w) {
      return w.starts_with("variant \"" + label +
                           "\": adoption.gamma_vertical is among the "
                           "keys uncertainty.draw draws") &&
             w.find(text) != std::string::npos;
    });
  };
  const auto rounded =
      study::compare_designs(drawn_spec("adoption.gamma_vertical=1.0004,0"), {}, {});
  const std::string r = "adoption.gamma_vertical=1.0004";
  EXPECT_TRUE(warned(rounded, r, "held fixed at 1.0004 in this variant's replicates"));
  EXPECT_TRUE(warned(rounded, r, "it looks like a rounding of the fitted value"));
  EXPECT_TRUE(warned(rounded, r, "give the exact value (adoption.gamma_vertical=1)"));
  const std::string z = "adoption.gamma_vertical=0";
  EXPECT_TRUE(warned(rounded, z, "held fixed at 0 in this variant's replicates"));
  EXPECT_FALSE(warned(rounded, z, "rounding"));
  // The scenario's own value, exactly: drawn, not held, and nothing to warn of.
  const auto exact = study::compare_designs(drawn_spec("adoption.gamma_vertical=1.0,0"), {}, {});
  EXPECT_FALSE(warned(exact, "adoption.gamma_vertical=1.0", ""));
  EXPECT_TRUE(warned(exact, z, "held fixed at 0"));
  EXPECT_TRUE(exact.held[0].empty());
}
namespace pdlab {
namespace {

// A varied key that a scripted `set` event also sets (toy_governance's event 1 sets
// coproduction.mobilisation to 1.5 from 2014-01) was overridden from the event's date on with
// no word: the warning comes before any variant runs, and varying the event's value instead
// raises none and does move the outcomes.
TEST(Compare, WarnsBeforeRunningWhenAnEventSetsAVariedKey) {
  study::CompareSpec spec;
  spec.scenario = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_governance.toml";
  spec.overrides = {"run.replicates=2", "run.threads=1"};
  spec.variants = study::variants_from_vary({"coproduction.mobilisation=1,2"});
  std::vector<std::string> said;
  int ran_when_warned = -1;
  int ran = 0;
  spec.on_warning = [&](const std::string& w) {
    said.push_back(w);
    ran_when_warned = ran;
  };
  study::compare_designs(spec, [&](int, int, const std::string&) { ++ran; }, {});
  ASSERT_EQ(said.size(), 1U);
  EXPECT_EQ(ran_when_warned, 0);
  EXPECT_NE(said[0].find("coproduction.mobilisation is varied, but event.1 (set, "),
            std::string::npos)
      << said[0];
  EXPECT_NE(said[0].find("sets it to 1.5 from 2014-01: the varied values hold only before "
                         "2014-01"),
            std::string::npos)
      << said[0];
  EXPECT_NE(said[0].find("--vary event.1.value=V1,V2,..."), std::string::npos) << said[0];

  // Without a callback it is the result's first warning (Python's route).
  spec.on_warning = {};
  EXPECT_EQ(study::compare_designs(spec, {}, {}).warnings.at(0), said[0]);

  said.clear();
  spec.on_warning = [&](const std::string& w) { said.push_back(w); };
  spec.variants = study::variants_from_vary({"event.1.value=1,2"});
  const auto res = study::compare_designs(spec, {}, {});
  EXPECT_TRUE(said.empty());
  bool moved = false;
  for (std::size_t k = 0; k < res.outcomes.size(); ++k) {
    moved = moved || (res.contrasts[k][1].n > 0 && res.contrasts[k][1].diff != 0);
  }
  EXPECT_TRUE(moved);
}

}  // namespace
}  // namespace pdlab
