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
