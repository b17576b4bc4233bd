// Stability work chosen by officials (docs/model.md 7.9.4; issue "Residents, stability
// strategies and restructuring", item 3): pattern tests (c) and (d), which hold in at least 80%
// of a fixed Latin-hypercube sample of the illustrative parameters and fail when their path is
// cut (a structural switch, shown by a cut variant), and the bad input of the budget and mix.
#include "helpers.hpp"
#include "patterns.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/governance/kernel.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

using namespace pdlab;

namespace {

using test::Range;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kPoints = 40;  // Latin-hypercube points per pattern
constexpr int kReps = 4;

Event adopt(const std::string& id, std::int32_t period, Mode mode) {
  Event e;
  e.key = "event[" + id + "]";
  e.spec = AdoptSpec{};
  e.date = std::to_string(period);
  e.policy = "gov";
  std::get<AdoptSpec>(e.spec).units = {id};
  std::get<AdoptSpec>(e.spec).mode = mode;
  return e;
}

// Every street (the local governments) adopts the governance model at the start, so that
// root-cause work is open to every official; every module on.
Scenario base(const Hierarchy& h, int periods = 120) {
  Scenario s;
  s.calendar.periods = periods;
  s.policies.push_back({"gov", "governance model", 0.0});
  s.adoption.alpha = {{"city", -kInf}, {"district", -kInf}, {"street", -kInf}, {"community", -6}};
  s.promotion.weights = {0, 0, 1, 0};
  s.promotion.mandate_deadline = 12;
  s.seed = 2018;
  const int ls = *h.level_index("street");
  for (std::int32_t u = h.level_begin(ls); u < h.level_begin(ls + 1); ++u) {
    s.events.push_back(adopt(std::string(h.id(u)), 0, Mode::mandate));
  }
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  return s;
}

Scenario fixed(Scenario s, double control, double compensation, double root) {
  auto& b = s.governance.stability;
  b.mix = Choice::fixed;
  b.control = control;
  b.compensation = compensation;
  b.root_cause = root;
  return s;
}

// Mean over replicates and periods [from, to) of a metric at the street level.
double street_mean(const std::vector<ReplicateResult>& rs, const Hierarchy& h, GovMetric m,
                   std::int32_t from, std::int32_t to, std::int32_t periods) {
  const int nl = h.n_levels();
  const int l = *h.level_index("street");
  double sum = 0;
  double n = 0;
  for (const auto& r : rs) {
    for (std::int32_t t = from; t < to; ++t) {
      const double v = r.governance.values[(static_cast<std::size_t>(m) * nl + l) * periods + t];
      if (!std::isnan(v)) {
        sum += v;
        n += 1;
      }
    }
  }
  return n > 0 ? sum / n : std::nan("");
}

std::vector<ReplicateResult> run(const Scenario& s, const Hierarchy& h, int threads = 2) {
  const Network net;
  const Model m(s, h, net);
  return run_ensemble(m, kReps, threads);
}

}  // namespace

// ---- (c) Control now, root causes later -------------------------------------------------
// Li & Fang (2018): control and repression "remove visible dissatisfaction from public spaces"
// but heavy-handed control "deepens dissatisfaction and lowers trust in the state"; local
// governments mostly used control and compensation, and the centre therefore turned to fixing
// root causes (docs/domain.md 1.2, 2.3 item 1); repression backfires (Dongyang 2005) and "the
// more stability maintenance, the less stable" (docs/domain.md 3.7a). Pattern: all-control
// gives fewer incidents than all-root-cause work in the first two years and more in years 6-10
// (within the horizon of an official with a long term), and officials with long terms choose
// more root-cause work than officials with one-year terms. Cuts: control's suppressed grievance
// vanishes instead of surfacing later (stability.latent = false), or the mix is fixed.
TEST(Patterns, ControlQuietsNowAndRaisesIncidentsLaterSoLongHorizonsChooseRootCauses) {
  const auto h = test::city(4, 5, 10);
  const std::vector<Range> ranges = {
      {"stability.control_effect", 0.6, 0.9},   {"stability.latent_rate", 0.4, 1.0},
      {"stability.latent_lag", 2.0, 5.0},       {"stability.latent_incidents", 3.0, 6.0},
      {"stability.latent_grievance", 0.5, 1.5}, {"stability.incident_grievance", 2.0, 4.0},
      {"stability.root_places", 0.3, 0.8},      {"stability.root_lag", 1.0, 3.0},
      {"stability.budget", 40000, 80000},       {"stability.control_cost", 30000, 50000},
      {"stability.root_cost", 40000, 80000},    {"assessment.discount", 0.85, 0.95}};
  const auto sample = test::latin_hypercube(kPoints, static_cast<int>(ranges.size()), 31);
  const std::int32_t T = 120;
  test::PatternResult res;
  int held_fixed = 0;  // with the mix fixed (the choice cut)
  for (const auto& x : sample) {
    auto s = base(h, T);
    test::apply_point(s, ranges, x);
    // The dynamics: incidents under all-control and all-root-cause work, early and late.
    const auto crossing = [&](const Scenario& sc) {
      const auto c = run(fixed(sc, 1, 0, 0), h);
      const auto r = run(fixed(sc, 0, 0, 1), h);
      const auto at = [&](const std::vector<ReplicateResult>& rs, std::int32_t a, std::int32_t b) {
        return street_mean(rs, h, GovMetric::incidents, a, b, T);
      };
      return at(c, 0, 24) < at(r, 0, 24) && at(c, 60, T) > at(r, 60, T);
    };
    // The choice: the share of root-cause work of officials with long and with short terms.
    const auto horizons = [&](const Scenario& sc) {
      auto short_terms = sc;
      short_terms.governance.assessment.term_min = short_terms.governance.assessment.term_max = 1;
      auto long_terms = sc;
      long_terms.governance.assessment.term_min = long_terms.governance.assessment.term_max = 8;
      const double root_short =
          street_mean(run(short_terms, h), h, GovMetric::share_root_cause, 24, T, T);
      const double root_long =
          street_mean(run(long_terms, h), h, GovMetric::share_root_cause, 24, T, T);
      return root_long > root_short + 0.05;
    };
    const bool cross = crossing(s);
    const bool choose = horizons(s);
    ++res.points;
    res.held += cross && choose ? 1 : 0;
    auto cut = s;  // control leaves no latent grievance: it only suppresses
    cut.governance.stability.latent = false;
    res.held_cut += crossing(cut) && horizons(cut) ? 1 : 0;
    // Officials who do not choose: the same shares whatever their horizon.
    held_fixed += cross && horizons(fixed(s, 1, 1, 1)) ? 1 : 0;
  }
  std::printf("(10c) held %d of %d, cut (no latent grievance) %d, cut (fixed mix) %d\n", res.held,
              res.points, res.held_cut, held_fixed);
  EXPECT_GE(res.share(), 0.8);
  EXPECT_LT(res.share_cut(), 0.5);
  EXPECT_LT(static_cast<double>(held_fixed) / res.points, 0.5);
}

// ---- (d) Compensation ratchets claims ---------------------------------------------------
// Li & Fang (2018): compensation "stimulated the appetite for more compensation" (docs/domain.md
// 1.2, 2.3 item 1: "compensation raises future demands (ratchet)"); big trouble wins a big
// settlement, and concessions are followed by more protest (docs/domain.md 3.7a). Pattern:
// the more of the budget goes to compensation (paid per incident), the higher the claims per
// incident residents expect at the end; under heavy compensation expected claims keep rising
// past the base and past what the budget can pay (part of the raised claims goes unpaid), and
// the unmet expectations raise incidents over time more than under light compensation. Cut:
// what is paid no longer raises the claims expected (stability.ratchet = false).
TEST(Patterns, CompensationRatchetsClaimsAndUnmetClaimsFeedIncidents) {
  const auto h = test::city(4, 5, 10);
  const std::vector<Range> ranges = {
      {"stability.claims_base", 10000, 30000},     {"stability.claims_rate", 0.3, 0.8},
      {"stability.claims_decay", 0.1, 0.3},        {"stability.claims_incidents", 1.0, 3.0},
      {"stability.claims_grievance", 0.2, 0.8},    {"stability.compensation_effect", 0.4, 0.8},
      {"stability.budget", 40000, 80000},          {"stability.incident_grievance", 2.0, 4.0},
      {"coproduction.grievance_inflow", 0.2, 0.5}, {"stability.root_places", 0.3, 0.8}};
  const auto sample = test::latin_hypercube(kPoints, static_cast<int>(ranges.size()), 32);
  const std::int32_t T = 120;
  test::PatternResult res;
  for (const auto& x : sample) {
    auto s = base(h, T);
    test::apply_point(s, ranges, x);
    const auto pattern = [&](const Scenario& sc) {
      const auto heavy = run(fixed(sc, 0, 0.8, 0.2), h);
      const auto light = run(fixed(sc, 0, 0.2, 0.8), h);
      const auto at = [&](const std::vector<ReplicateResult>& rs, GovMetric m, std::int32_t a,
                          std::int32_t b) { return street_mean(rs, h, m, a, b, T); };
      const double q0 = sc.governance.stability.claims_base;
      const double q_heavy = at(heavy, GovMetric::expected_claims, T - 12, T);
      const double q_light = at(light, GovMetric::expected_claims, T - 12, T);
      const double q_early = at(heavy, GovMetric::expected_claims, 12, 24);
      const double unpaid = at(heavy, GovMetric::unmet_claims, T - 12, T);
      const double rise_heavy =
          at(heavy, GovMetric::incidents, 72, T) / at(heavy, GovMetric::incidents, 0, 24);
      const double rise_light =
          at(light, GovMetric::incidents, 72, T) / at(light, GovMetric::incidents, 0, 24);
      return q_heavy > q_light && q_heavy > q_early && q_early > q0 && unpaid > 0.01 &&
             rise_heavy > rise_light;
    };
    ++res.points;
    res.held += pattern(s) ? 1 : 0;
    auto cut = s;
    cut.governance.stability.ratchet = false;
    res.held_cut += pattern(cut) ? 1 : 0;
  }
  std::printf("(10d) held %d of %d, cut (no ratchet) %d\n", res.held, res.points, res.held_cut);
  EXPECT_GE(res.share(), 0.8);
  EXPECT_LT(res.share_cut(), 0.5);
}

// The chosen mix and every stability state: the same bits at 1 and 2 threads, in range, and
// the shares a distribution that varies across officials.
TEST(Stability, ChosenMixIsThreadInvariantAndStatesStayInRange) {
  const auto h = test::city(3, 4, 8);
  auto s = base(h, 60);
  s.output.unit_time_every = 6;
  const auto one = run(s, h, 1);
  const auto two = run(s, h, 2);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t r = 0; r < one.size(); ++r) {
    const auto& a = one[r].governance.values;
    const auto& b = two[r].governance.values;
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(double)));
  }
  const auto in = [&](GovMetric m, double lo, double hi) {
    const int l = *h.level_index("street");
    for (const auto& r : one) {
      for (std::int32_t t = 0; t < 60; ++t) {
        const double v =
            r.governance.values[(static_cast<std::size_t>(m) * h.n_levels() + l) * 60 + t];
        ASSERT_FALSE(std::isnan(v)) << to_string(m) << " at " << t;
        ASSERT_GE(v, lo) << to_string(m);
        ASSERT_LE(v, hi) << to_string(m);
      }
    }
  };
  const auto& b = s.governance.stability;
  in(GovMetric::share_control, 0, 1);
  in(GovMetric::share_compensation, 0, 1);
  in(GovMetric::share_root_cause, 0, 1);
  in(GovMetric::latent_grievance, 0, 1);
  in(GovMetric::root_capital, 0, 1);
  in(GovMetric::unmet_claims, 0, 1);
  in(GovMetric::expected_claims, b.claims_base, 1e9);
  in(GovMetric::cost_control, 0, b.control_cost);
  in(GovMetric::cost_root_cause, 0, b.root_cost);
  in(GovMetric::cost_compensation, 0, b.budget);
  // The panel: shares differ between officials (they respond to what they face).
  double lo = 1, hi = 0;
  for (const auto& row : one[0].governance.units) {
    if (h.level(row.unit) == *h.level_index("street") && !std::isnan(row.v[15])) {
      lo = std::min(lo, static_cast<double>(row.v[15]));
      hi = std::max(hi, static_cast<double>(row.v[15]));
    }
  }
  EXPECT_GT(hi - lo, 0.05);
}

// The local governments' stability work runs four at a time (vf4 lanes, stability.cpp) and must
// give the bits of the code that ran one government at a time: the digests were first made by
// that code (before the lanes, 9f75901), one per vector width of the community kernel, whose
// last bits differ by width (kernel.hpp): AVX-512 on an Intel CPU (2026-12-03), AVX2 and SSE2
// on an AVX2-only AMD EPYC (2026-12-04). Every path this CPU can run is checked: on a CPU with
// AVX2 the AVX-512 digest too, from the 16-lane code run on AVX2 (KernelPath::avx512_on_avx2,
// which met the Intel CPU's digest on the EPYC on 2026-12-05), and on a CPU with AVX-512 both.
// The digests below are of 2026-12-06 (night), after a local official's value of depth effort
// came to count only the communities that run the model (a change of the model, CHANGELOG.md
// "docs/model.md read against the code"), all three made on the EPYC; the ones before it were
// made after the tournament's score became the mean over the periods a unit ran the model. A
// change of the arithmetic or its order (say 1 - (a + b) for 1 - a - b) changes them; update
// them only for an intended change of the model, and say so in CHANGELOG.md.
TEST(Stability, LanesGiveTheBitsOfOneGovernmentAtATime) {
  const auto h = test::city(3, 6, 8, 0.5);
  auto s = base(h, 48);
  s.output.unit_time_every = 4;
  const auto digest_of_run = [&] {
    const auto rs = run(s, h, 1);
    std::uint64_t digest = 14695981039346656037ULL;  // FNV-1a, 64 bits
    const auto mix = [&](const void* p, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) {
        digest = (digest ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ULL;
      }
    };
    // The metrics that existed when the digests were made (metrics added since are appended
    // to the values, [metric][level][period], and left out): 41.
    constexpr std::size_t kPinnedMetrics = 41;
    for (const auto& r : rs) {
      const std::size_t per_metric = r.governance.values.size() / kGovMetrics;
      mix(r.governance.values.data(), kPinnedMetrics * per_metric * sizeof(double));
      for (const auto& row : r.governance.units) {
        mix(&row.unit, sizeof row.unit);
        mix(&row.period, sizeof row.period);
        mix(row.v.data(), row.v.size() * sizeof(float));
      }
    }
    return digest;
  };
  struct Pinned {
    gov::KernelPath path;
    const char* name;
    std::uint64_t digest;
  };
  const Pinned pinned[] = {
      {gov::KernelPath::sse, "SSE2", 0x6cfb68fee781fc13ULL},
      {gov::KernelPath::avx2, "AVX2", 0x8c5d5a7478d455a1ULL},
      {gov::KernelPath::avx512_on_avx2, "AVX-512 (on AVX2)", 0x4a18b0693c824448ULL},
      {gov::KernelPath::avx512, "AVX-512", 0x4a18b0693c824448ULL}};
  // The automatic path again whatever happens (a later test of this process runs on it).
  struct Restore {
    ~Restore() { gov::force_kernel_path(gov::KernelPath::automatic); }
  } restore;
  [[maybe_unused]] int checked = 0;
  std::string digests;
  for (const auto& p : pinned) {
    if (!gov::force_kernel_path(p.path)) {
      continue;
    }
    const std::uint64_t digest = digest_of_run();
    char text[64];
    std::snprintf(text, sizeof text, "%s 0x%016llx; ", p.name,
                  static_cast<unsigned long long>(digest));
    digests += text;
#if !defined(__clang__) && defined(__x86_64__)
    EXPECT_EQ(digest, p.digest) << p.name << ": digest " << text;
    ++checked;
#endif
  }
#if defined(__clang__)
  // The digests pin g++'s bits; clang (the sanitizer build) may fuse multiply-adds otherwise.
  GTEST_SKIP() << digests << "(pinned for g++ only)";
#elif !defined(__x86_64__)
  // The digests are of x86-64's kernels; another CPU's fused multiply-adds differ.
  GTEST_SKIP() << digests << "(pinned for x86-64 only)";
#else
  std::printf("digests checked: %s\n", digests.c_str());
  EXPECT_GE(checked, 1);
#endif
}

// Root-cause work can be used only once the governance model is adopted: before that it is
// not in the officials' choice (its share is 0, the budget goes to control and compensation),
// and a fixed mix gives its share to the other two.
TEST(Stability, RootCauseWorkIsOutOfTheChoiceUntilTheModelIsAdopted) {
  const auto h = test::city(2, 3, 6);
  auto s = base(h, 72);
  for (auto& e : s.events) {
    e.date = "36";
  }
  const auto rs = run(s, h);
  const auto mean = [&](const std::vector<ReplicateResult>& r, GovMetric m, std::int32_t a,
                        std::int32_t b) { return street_mean(r, h, m, a, b, 72); };
  EXPECT_EQ(mean(rs, GovMetric::share_root_cause, 0, 36), 0.0);
  EXPECT_EQ(mean(rs, GovMetric::cost_root_cause, 0, 36), 0.0);
  EXPECT_NEAR(
      mean(rs, GovMetric::share_control, 0, 36) + mean(rs, GovMetric::share_compensation, 0, 36),
      1.0, 1e-6);
  EXPECT_GT(mean(rs, GovMetric::share_root_cause, 40, 72), 0.0);
  const auto fx = run(fixed(s, 1, 0, 1), h);
  EXPECT_NEAR(mean(fx, GovMetric::share_control, 0, 36), 1.0, 1e-6);
  EXPECT_NEAR(mean(fx, GovMetric::share_control, 40, 72), 0.5, 1e-6);
}

// The value of control comes from what the official faces, not a standing priority: officials
// whose incidents come near the veto threshold give control more of the budget than officials
// far below it, and without the veto the threshold makes no difference.
TEST(Stability, ControlRespondsToTheVetoRiskOfficialsFace) {
  const auto h = test::city(4, 5, 10);
  auto near = base(h, 72);
  near.governance.assessment.veto_threshold = 3;
  auto far = near;
  far.governance.assessment.veto_threshold = 100;
  const auto control = [&](const Scenario& sc) {
    return street_mean(run(sc, h), h, GovMetric::share_control, 12, 72, 72);
  };
  const double c_near = control(near);
  const double c_far = control(far);
  std::printf("share of control: veto near %.3f, far %.3f\n", c_near, c_far);
  EXPECT_GT(c_near, c_far + 0.02);
  near.governance.assessment.veto = far.governance.assessment.veto = false;
  EXPECT_EQ(control(near), control(far));
}

// Chen, Lu & Xu (2014), CGSS 2010 (docs/domain.md 3.7b): migrants vote less in committee
// elections, partly for want of eligibility, but join mass incidents no more than locals; Li &
// Fang (2018): excluding migrants sows "the seeds of social instability". Open contention weighs
// a group's grievance by its contention weight (stability.migrant_contention), not by its
// electoral voice: voting is not protest. So in a city of migrants under hukou rules, (1) making
// migrants eligible to vote does not raise incidents; (2) including them (eligibility and access
// to hukou-bound services) lowers incidents, through the grievance exclusion causes (by a
// twentieth at least with their grievance counted as locals', weight 1; little at the default
// weight, 0.22); (3) at weight 1 the city has more incidents than a city of locals. Contention
// weighted by electoral voice (before 2026-12-07) raised incidents by 60% when migrants became
// eligible (clause 1 fails) and made the weight 1 unreachable (clauses 2 and 3 fail with it).
TEST(Stability, IncludingMigrantsLowersContentionAndVotingDoesNotFeedIt) {
  const auto town = [](double migrant) {
    HierarchyBuilder b("town", {"population", "migrant_share"});
    const double top[] = {1e6, migrant};
    b.add("R", "", "city", "city", top, 2);
    b.add("d", "R", "district", "d", top, 3);
    std::int64_t line = 4;
    for (int s = 0; s < 8; ++s) {
      const std::string si = "s" + std::to_string(s);
      b.add(si, "d", "street", si, top, line++);
      for (int c = 0; c < 8; ++c) {
        const double x[] = {3000.0, migrant};
        b.add(si + "c" + std::to_string(c), si, "community", "", x, line++);
      }
    }
    return b.build("");
  };
  const auto low = town(0.1);
  const auto high = town(0.8);
  const auto incidents = [&](const Hierarchy& h, double eligibility, double access,
                             double weight = Scenario{}.governance.stability.migrant_contention) {
    auto s = base(h, 120);
    s.governance.stability.migrant_contention = weight;
    s.governance.coproduction.migrant_eligibility = eligibility;
    if (eligibility >= 1) {
      s.governance.coproduction.residence_years = 0;
    }
    s.governance.services.migrant_access = access;
    return street_mean(run(s, h), h, GovMetric::incidents, 24, 120, 120);
  };
  const auto& d = Scenario{}.governance;
  const double excluded =
      incidents(high, d.coproduction.migrant_eligibility, d.services.migrant_access);
  const double eligible = incidents(high, 1.0, d.services.migrant_access);
  const double included = incidents(high, 1.0, 1.0);
  const double migrants_1 =
      incidents(high, d.coproduction.migrant_eligibility, d.services.migrant_access, 1.0);
  const double included_1 = incidents(high, 1.0, 1.0, 1.0);
  const double locals_1 =
      incidents(low, d.coproduction.migrant_eligibility, d.services.migrant_access, 1.0);
  std::printf(
      "incidents, 80%% migrants: %.3f excluded, %.3f eligible, %.3f included; at weight 1: "
      "%.3f excluded, %.3f included, 10%% migrants %.3f\n",
      excluded, eligible, included, migrants_1, included_1, locals_1);
  EXPECT_LT(eligible, 1.02 * excluded);
  EXPECT_LT(included, excluded);
  EXPECT_LT(included_1, 0.95 * migrants_1);
  EXPECT_GT(migrants_1, 1.05 * locals_1);
}

// Places offered beyond demand (space and provision above it) stay empty: they are counted as
// offered (school_supply), not as used (school_places), which never exceed demand.
TEST(Stability, PlacesBeyondDemandAreOfferedNotUsed) {
  const auto h = test::city(2, 3, 6);
  auto s = base(h, 36);
  s.governance.services.space = 2.0;
  s.governance.services.government_direct = 1.5;
  const auto rs = run(s, h);
  const auto mean = [&](GovMetric m) { return street_mean(rs, h, m, 12, 36, 36); };
  const double demand = mean(GovMetric::school_demand);
  const double used = mean(GovMetric::school_places);
  const double offered = mean(GovMetric::school_supply);
  EXPECT_GT(offered, demand);
  EXPECT_NEAR(used, demand, 1e-4 * demand);
  EXPECT_NEAR(used,
              mean(GovMetric::places_so) + mean(GovMetric::places_volunteers) +
                  mean(GovMetric::places_government),
              1e-4 * used);
}

// Bad input: a budget below zero, and fixed shares given or missing against the mix; each a
// validation error naming the key and the fix before anything runs.
TEST(Stability, BudgetBelowZeroAndMisplacedSharesAreErrorsNamingTheKeyAndTheFix) {
  const auto h = test::city(1, 2, 4);
  const Network net;
  const auto expect = [&](const Scenario& s, const std::string& key, const std::string& fix) {
    const auto e = test::expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fix), std::string::npos) << e.what();
  };
  auto s = base(h);
  s.governance.stability.budget = -1;
  expect(s, "stability.budget", "0 or more yuan per 10,000 residents a year");
  s = base(h);
  s.governance.stability.control = 0.5;
  expect(s, "stability.control", "set stability.mix = \"fixed\"");
  s = fixed(base(h), 1, 0, 0);
  s.governance.stability.root_cause = std::nan("");
  expect(s, "stability.root_cause", "set stability.control, stability.compensation");
  // In a scenario file (and so in a set event), the range names the key and the fix.
  const auto toml = [](const std::string& body) {
    return "schema_version = 1\n[[policy]]\nid = \"p\"\n" + body;
  };
  auto e = test::expect_error(
      [&] { io::parse_scenario(toml("[stability]\nbudget = -5\n"), "s.toml", {}); },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("stability.budget"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("choose a value within the range"), std::string::npos);
  e = test::expect_error(
      [&] {
        io::parse_scenario(toml("[[event]]\ntype = \"set\"\ndate = \"2001\"\nkey = "
                                "\"stability.budget\"\nvalue = -1\n"),
                           "s.toml", {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("event[0].value"), std::string::npos) << e.what();
  // Removed keys say what replaced them.
  e = test::expect_error(
      [&] { io::parse_scenario(toml("[stability]\nchoice = \"fixed\"\n"), "s.toml", {}); },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("stability.mix"), std::string::npos) << e.what();
}
