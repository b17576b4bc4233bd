// The governance layer's warm-up (governance.warmup_years, docs/model.md 5): the layer runs
// that many years before the first period with no adoption anywhere and the run starts from
// the states it reached. Without adoption the layer is the same process in every year, so a
// run with a warm-up of W years starts where a run without one is W years in.
#include "governance_city.hpp"
#include "helpers.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace pdlab;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using test::cascade;
using test::city;

// The same with no reform: no unit ever adopts (the pre-reform regime throughout).
Scenario no_reform(int periods) {
  auto s = cascade(periods);
  s.events.clear();
  s.adoption.alpha = {
      {"city", -kInf}, {"district", -kInf}, {"street", -kInf}, {"community", -kInf}};
  s.adoption.alpha_default = -kInf;
  return s;
}

std::vector<ReplicateResult> run(const Scenario& s, const Hierarchy& h, int reps,
                                 std::int32_t window = 0, int threads = 2) {
  const Network net;
  const Model m(s, h, net);
  RunOptions o;
  o.window = window;
  return run_ensemble(m, reps, threads, {}, o);
}

double value(const ReplicateResult& r, const Hierarchy& h, GovMetric m, const std::string& level,
             std::int32_t t, std::int32_t periods) {
  const auto l = static_cast<std::size_t>(*h.level_index(level));
  return r.governance.values[(static_cast<std::size_t>(m) * h.n_levels() + l) * periods + t];
}

struct Moments {
  double mean = 0, se = 0;
};

// Mean over replicates of a metric in period t, and its standard error.
Moments moments(const std::vector<ReplicateResult>& rs, const Hierarchy& h, GovMetric m,
                const std::string& level, std::int32_t t, std::int32_t periods) {
  double sum = 0, sq = 0;
  for (const auto& r : rs) {
    const double v = value(r, h, m, level, t, periods);
    sum += v;
    sq += v * v;
  }
  const auto n = static_cast<double>(rs.size());
  const double mean = sum / n;
  const double var = std::max(0.0, (sq - n * mean * mean) / (n - 1));
  return {mean, std::sqrt(var / n)};
}

// memcmp of two arrays of n bytes; empty arrays (whose data() may be null, which memcmp must
// not be given) are equal.
bool same_bytes(const void* a, const void* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n) == 0;
}

void expect_same_bits(const std::vector<ReplicateResult>& a, const std::vector<ReplicateResult>& b,
                      bool governance = true) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].adoptions.size(), b[r].adoptions.size());
    EXPECT_TRUE(same_bytes(a[r].adoptions.data(), b[r].adoptions.data(),
                           a[r].adoptions.size() * sizeof(Adoption)));
    if (!governance) {
      continue;
    }
    const auto& ga = a[r].governance;
    const auto& gb = b[r].governance;
    ASSERT_EQ(ga.values.size(), gb.values.size());
    EXPECT_TRUE(same_bytes(ga.values.data(), gb.values.data(), ga.values.size() * sizeof(double)));
    ASSERT_EQ(ga.units.size(), gb.units.size());
    EXPECT_TRUE(same_bytes(ga.units.data(), gb.units.data(), ga.units.size() * sizeof(GovUnitRow)));
  }
}

bool same_governance(const ReplicateResult& a, const ReplicateResult& b) {
  return a.governance.values.size() == b.governance.values.size() &&
         same_bytes(a.governance.values.data(), b.governance.values.data(),
                    a.governance.values.size() * sizeof(double));
}

}  // namespace

// Without stability work nothing random reaches the residents before adoption (no effort, no
// control, no incidents): the residents' states are one deterministic path, and a run with a
// warm-up of W years is the run without one shifted by W years, period for period.
TEST(Warmup, WithoutDrawsOnTheGroundTheRunIsTheColdRunShiftedByTheWarmup) {
  const auto h = city(1);
  const std::int32_t years = 3;
  auto cold = no_reform(12 * (years + 2));
  cold.governance.stability.enabled = false;
  auto warm = cold;
  warm.calendar.periods = 24;
  warm.governance.warmup_years = years;
  const auto c = run(cold, h, 2);
  const auto w = run(warm, h, 2);
  const GovMetric metrics[] = {GovMetric::trust_local,       GovMetric::trust_migrant,
                               GovMetric::grievance_local,   GovMetric::participation_local,
                               GovMetric::belonging_migrant, GovMetric::satisfaction};
  for (const auto m : metrics) {
    for (std::int32_t t = 0; t < warm.calendar.periods; ++t) {
      const double x = value(w[0], h, m, "community", t, warm.calendar.periods);
      const double y = value(c[0], h, m, "community", t + 12 * years, cold.calendar.periods);
      ASSERT_NEAR(x, y, 1e-6 * std::abs(y) + 1e-12) << static_cast<int>(m) << " period " << t;
    }
  }
  // The residents moved in those years: the warm-up changed the starting states.
  EXPECT_GT(std::abs(value(c[0], h, GovMetric::trust_local, "community", 12 * years,
                           cold.calendar.periods) -
                     value(c[0], h, GovMetric::trust_local, "community", 0, cold.calendar.periods)),
            1e-3);
}

// With every module on (incidents, control and officials' draws), a warm-up of W years starts
// the run where the run without one is after W years, in distribution: each metric's mean over
// replicates in period t of the warm run is within four standard errors (of the difference of
// the two means) of the cold run's in period t + 12 W, while the cold run's own start lies
// many standard errors away. The draws of the warm-up are its own (periods < 0), so the two
// are independent samples.
TEST(Warmup, EveryModuleOnStartsWhereTheColdRunIsWYearsIn) {
  const auto h = city(2);
  const std::int32_t years = 6;
  const int reps = 16;
  const auto cold = no_reform(12 * (years + 3));
  auto warm = cold;
  warm.calendar.periods = 36;
  warm.governance.warmup_years = years;
  const auto c = run(cold, h, reps);
  const auto w = run(warm, h, reps);
  struct Check {
    GovMetric metric;
    const char* level;
  };
  const Check checks[] = {{GovMetric::trust_local, "community"},
                          {GovMetric::grievance_local, "community"},
                          {GovMetric::participation_local, "community"},
                          {GovMetric::latent_grievance, "street"}};
  for (const auto& k : checks) {
    for (const std::int32_t t : {0, 11, 35}) {
      const auto x = moments(w, h, k.metric, k.level, t, warm.calendar.periods);
      const auto y = moments(c, h, k.metric, k.level, t + 12 * years, cold.calendar.periods);
      const double se = std::sqrt(x.se * x.se + y.se * y.se);
      EXPECT_LE(std::abs(x.mean - y.mean), 4 * se + 1e-9)
          << static_cast<int>(k.metric) << " period " << t << ": " << x.mean << " vs " << y.mean
          << " (se " << se << ")";
    }
  }
  const auto start = moments(c, h, GovMetric::trust_local, "community", 0, cold.calendar.periods);
  const auto later =
      moments(c, h, GovMetric::trust_local, "community", 12 * years, cold.calendar.periods);
  const auto warm_start =
      moments(w, h, GovMetric::trust_local, "community", 0, warm.calendar.periods);
  EXPECT_GT(std::abs(start.mean - later.mean),
            10 * std::sqrt(start.se * start.se + later.se * later.se));
  EXPECT_LT(std::abs(warm_start.mean - later.mean), std::abs(warm_start.mean - start.mean));
}

// Warm-up 0 is the default and changes nothing; a warm-up gives the same bits at 1 and 2
// threads and in any window (block-major, one period, the feedback lag), with and without
// feedback.
TEST(Warmup, SameBitsAtAnyThreadCountAndWindow) {
  const auto h = city(2);
  auto plain = cascade(48);
  auto zero = plain;
  zero.governance.warmup_years = 0;
  expect_same_bits(run(plain, h, 3), run(zero, h, 3));
  plain.governance.warmup_years = 2;
  plain.output.unit_time_every = 5;
  plain.governance.coproduction.agents_root = "d1";
  expect_same_bits(run(plain, h, 4, 0, 1), run(plain, h, 4, 0, 2));
  expect_same_bits(run(plain, h, 3, 0), run(plain, h, 3, 1));
  expect_same_bits(run(plain, h, 3, 0), run(plain, h, 3, 7));
  auto fed = plain;
  auto& f = fed.governance.feedback;
  f.need = f.escalation = f.reversal = f.pilot_evaluation = f.learning = true;
  f.lag_months = 6;
  fed.adoption.success_weighted = true;
  fed.promotion.weights = {0.3, 0.3, 0.3, 0.1};
  expect_same_bits(run(fed, h, 4, 0, 1), run(fed, h, 4, 0, 2));
  expect_same_bits(run(fed, h, 3, 0), run(fed, h, 3, 1));
  expect_same_bits(run(fed, h, 3, 0), run(fed, h, 3, 4));
}

// Nothing of the warm-up reaches adoption: without feedback adoption is bit-identical with and
// without it (while the layer's outputs differ); with feedback, adoption reads no signal in its
// first `lag` periods either way, so every record dated before the lag is the same.
TEST(Warmup, AdoptionReadsNothingOfTheWarmup) {
  const auto h = city(2);
  const auto cold = cascade(48);
  auto warm = cold;
  warm.governance.warmup_years = 3;
  const auto a = run(cold, h, 4);
  const auto b = run(warm, h, 4);
  expect_same_bits(a, b, false);
  for (std::size_t r = 0; r < a.size(); ++r) {
    EXPECT_FALSE(same_governance(a[r], b[r])) << r;
  }
  auto fed_cold = cold;
  auto& f = fed_cold.governance.feedback;
  f.need = f.escalation = true;
  f.lag_months = 6;
  auto fed_warm = fed_cold;
  fed_warm.governance.warmup_years = 3;
  const auto c = run(fed_cold, h, 4);
  const auto d = run(fed_warm, h, 4);
  for (std::size_t r = 0; r < c.size(); ++r) {
    std::vector<Adoption> early_c, early_d;
    for (const auto& x : c[r].adoptions) {
      if (x.period < 6) {
        early_c.push_back(x);
      }
    }
    for (const auto& x : d[r].adoptions) {
      if (x.period < 6) {
        early_d.push_back(x);
      }
    }
    ASSERT_EQ(early_c.size(), early_d.size()) << r;
    ASSERT_FALSE(early_c.empty());
    for (std::size_t i = 0; i < early_c.size(); ++i) {
      EXPECT_EQ(early_c[i].unit, early_d[i].unit);
      EXPECT_EQ(early_c[i].period, early_d[i].period);
    }
  }
}

// The key is checked when a scenario is read: whole years from 0 to 200.
TEST(Warmup, OutOfRangeIsRefusedNamingTheKey) {
  const auto parse = [](const std::string& v) {
    return io::parse_scenario(
        "schema_version = 1\n[[policy]]\nid = \"p\"\n[governance]\nwarmup_years = " + v + "\n",
        "s.toml", {});
  };
  EXPECT_EQ(parse("10").scenario.governance.warmup_years, 10);
  for (const std::string bad : {"-1", "201", "2.5"}) {
    const auto e = test::expect_error([&] { parse(bad); }, ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("warmup_years"), std::string::npos) << bad;
  }
}
