// Identical communities updated once (RunOptions::share_identical_communities; docs/model.md
// 7.9.2): the never-adopted communities of a local government with the same residents' numbers
// start alike and get the same inputs, so one update stands for all of them until one adopts.
// Sharing may change the sums over communities in their last bits, nothing else.
#include "pdlab/core/governance.hpp"
#include "pdlab/sim/engine.hpp"
#include "sim/adoption.hpp"
#include "sim/governance/kernel.hpp"
#include "sim/state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using namespace pdlab;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Four districts (the blocks) of five streets, whose communities share their residents'
// numbers (as the shipped census gives them: by county) in several ways: streets 0 and 4 have
// one group and two communities of their own, street 1 twelve communities that all differ,
// street 2 two interleaved groups, street 3 one community. Streets 1 and 3 have no group, so
// the shadows' governments skip places (0, 2, 2, 4): each shadow must still read its own
// government's inputs.
Hierarchy twins_city() {
  HierarchyBuilder b("city", {"population", "migrant_share"});
  std::int64_t line = 2;
  const double top[] = {1e6, 0.3};
  b.add("R", "", "city", "city", top, line++);
  for (int d = 0; d < 4; ++d) {
    const std::string di = "d" + std::to_string(d);
    b.add(di, "R", "district", di, top, line++);
    for (int s = 0; s < 5; ++s) {
      const std::string si = di + "s" + std::to_string(s);
      b.add(si, di, "street", si, top, line++);
      const double share = 0.1 + 0.15 * s + 0.02 * d;
      const int communities = s == 3 ? 1 : 12;
      for (int c = 0; c < communities; ++c) {
        double residents = 2000.0;
        double own = share;
        if (s == 1) {
          residents = 1000.0 + 100.0 * c;
        } else if (s == 2) {
          residents = c % 2 == 0 ? 2000.0 : 3000.0;
        } else if (c == 3 || c == 8) {
          residents = c == 3 ? 4000.0 : 2000.0;
          own = c == 3 ? 0.05 : 0.9;
        }
        const double x[] = {residents, own};
        b.add(si + "c" + std::to_string(c), si, "community", "", x, line++);
      }
    }
  }
  return b.build("");
}

Scenario twins_scenario(bool feedback) {
  Scenario s;
  s.calendar.periods = 96;
  s.policies.push_back({"gov", "governance model", 0.0});
  // Streets adopt on their own, then mandate their communities, which adopt one by one: groups
  // lose members (and holders) throughout the run.
  s.adoption.alpha = {{"city", -kInf}, {"district", -kInf}, {"street", -4}, {"community", -6.5}};
  s.promotion.weights = {1, 0, 0, 0};  // endorsement: no deadline, some never adopt
  s.seed = 77;
  s.output.unit_time_every = 1;
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  if (feedback) {
    auto& f = g.feedback;
    f.need = f.escalation = f.reversal = f.pilot_evaluation = f.learning = true;
  }
  return s;
}

std::vector<ReplicateResult> run(const Scenario& s, const Hierarchy& h, bool share) {
  const Network net;
  const Model m(s, h, net);
  RunOptions o;
  o.share_identical_communities = share;
  return run_ensemble(m, 3, 2, {}, o);
}

// Largest difference of two values relative to max(1, |a|), NaN equal to NaN.
double worst(double a, double b, double worst_so_far) {
  if (std::isnan(a) || std::isnan(b)) {
    return std::isnan(a) && std::isnan(b) ? worst_so_far : kInf;
  }
  return std::max(worst_so_far, std::abs(a - b) / std::max(1.0, std::abs(a)));
}

// Runs check(shared, alone), the replicates of the scenario with and without shared updates, at
// every kernel width this CPU runs (the automatic path restored after); how many widths ran.
template <class Check>
int at_every_width(const Scenario& s, const Hierarchy& h, Check check) {
  struct Restore {
    ~Restore() { gov::force_kernel_path(gov::KernelPath::automatic); }
  } restore;
  int widths = 0;
  for (const auto path :
       {gov::KernelPath::sse, gov::KernelPath::avx2, gov::KernelPath::avx512_on_avx2}) {
    if (!gov::force_kernel_path(path)) {
      continue;
    }
    ++widths;
    SCOPED_TRACE("kernel lanes " + std::to_string(gov::community_kernel_lanes()));
    check(run(s, h, true), run(s, h, false));
  }
  return widths;
}

}  // namespace

// Without feedback adoption does not depend on the governance layer: the same records, every
// community's state in the first period the same bits, and every governance output and panel
// value within float rounding of the unshared run, at every kernel width this CPU runs; not the
// same bits (else nothing was shared). Cut: sharing off on both sides gives the same bits, so
// the "not identical" check fails.
TEST(Identical, SharedUpdatesGiveTheUnsharedRunUpToRounding) {
  const auto h = twins_city();
  const auto s = twins_scenario(false);
  const int lc = h.n_levels() - 1;
  const auto check = [&](const std::vector<ReplicateResult>& shared,
                         const std::vector<ReplicateResult>& alone) {
    ASSERT_EQ(shared.size(), alone.size());
    bool same_bits = true;
    double values = 0;
    double panel = 0;
    std::size_t first_rows = 0;
    for (std::size_t r = 0; r < shared.size(); ++r) {
      const auto& a = shared[r];
      const auto& b = alone[r];
      ASSERT_EQ(a.adoptions.size(), b.adoptions.size());
      for (std::size_t i = 0; i < a.adoptions.size(); ++i) {
        EXPECT_EQ(a.adoptions[i].unit, b.adoptions[i].unit);
        EXPECT_EQ(a.adoptions[i].period, b.adoptions[i].period);
      }
      ASSERT_EQ(a.governance.values.size(), b.governance.values.size());
      for (std::size_t i = 0; i < a.governance.values.size(); ++i) {
        values = worst(a.governance.values[i], b.governance.values[i], values);
      }
      same_bits = same_bits && std::memcmp(a.governance.values.data(), b.governance.values.data(),
                                           a.governance.values.size() * sizeof(double)) == 0;
      ASSERT_EQ(a.governance.units.size(), b.governance.units.size());
      for (std::size_t i = 0; i < a.governance.units.size(); ++i) {
        const auto& x = a.governance.units[i];
        const auto& y = b.governance.units[i];
        ASSERT_EQ(x.unit, y.unit);
        ASSERT_EQ(x.period, y.period);
        for (std::size_t k = 0; k < x.v.size(); ++k) {
          panel = worst(x.v[k], y.v[k], panel);
        }
        // In the first period no sum has fed back yet: every community's state (shadows' for
        // their members) is the unshared run's, bit for bit; a wrong input (another
        // government's, say) shows here.
        if (x.period == 0 && h.level(x.unit) == lc) {
          ++first_rows;
          EXPECT_EQ(std::memcmp(x.v.data(), y.v.data(), x.v.size() * sizeof(float)), 0)
              << "community " << h.id(x.unit) << " in period 0";
        }
      }
    }
    std::printf("lanes %d: largest relative differences: outputs %g, panel %g\n",
                gov::community_kernel_lanes(), values, panel);
    EXPECT_GT(first_rows, 0U);
    EXPECT_LT(values, 1e-4) << "governance outputs, largest relative difference";
    EXPECT_LT(panel, 1e-4) << "panel rows, largest relative difference";
    EXPECT_FALSE(same_bits) << "no update was shared";
    // Communities did adopt, one by one, while others stayed in their groups.
    std::size_t adopted = 0;
    for (const auto& a : shared.front().adoptions) {
      adopted += h.level(a.unit) == lc ? 1 : 0;
    }
    const auto communities = static_cast<std::size_t>(h.level_begin(lc + 1) - h.level_begin(lc));
    std::printf("communities adopted: %zu of %zu\n", adopted, communities);
    EXPECT_GT(adopted, communities / 4);
    EXPECT_LT(adopted, communities);
  };
  EXPECT_GT(at_every_width(s, h, check), 0);
}

// The packed kernel keeps a block's states packed from one period to the next while nothing
// else reads its tiles (docs/model.md 7.9.5): with panel rows once a year (not every period, as
// above) that is most periods, and the outputs are still the unshared run's up to rounding, at
// every kernel width. Cut: the packed run reusing last period's inputs by place (effort,
// grievance from stability work, ...) moves the outputs by more than rounding.
TEST(Identical, StatesKeptPackedThroughAWindowGiveTheUnsharedRun) {
  const auto h = twins_city();
  auto s = twins_scenario(false);
  s.output.unit_time_every = 12;
  const auto check = [&](const std::vector<ReplicateResult>& shared,
                         const std::vector<ReplicateResult>& alone) {
    ASSERT_EQ(shared.size(), alone.size());
    double values = 0;
    double panel = 0;
    for (std::size_t r = 0; r < shared.size(); ++r) {
      const auto& a = shared[r].governance;
      const auto& b = alone[r].governance;
      ASSERT_EQ(a.values.size(), b.values.size());
      for (std::size_t i = 0; i < a.values.size(); ++i) {
        values = worst(a.values[i], b.values[i], values);
      }
      ASSERT_EQ(a.units.size(), b.units.size());
      for (std::size_t i = 0; i < a.units.size(); ++i) {
        for (std::size_t k = 0; k < a.units[i].v.size(); ++k) {
          panel = worst(a.units[i].v[k], b.units[i].v[k], panel);
        }
      }
    }
    std::printf("lanes %d: largest relative differences: outputs %g, panel %g\n",
                gov::community_kernel_lanes(), values, panel);
    EXPECT_LT(values, 1e-4) << "governance outputs, largest relative difference";
    EXPECT_LT(panel, 1e-4) << "panel rows, largest relative difference";
  };
  EXPECT_GT(at_every_width(s, h, check), 0);
}

// With every feedback on, governance steers adoption, so rounding may move an event; the run
// stays close: the share of communities that adopted by the end, the streets' depth and the
// communities' satisfaction (means over the second half) within a few points of the unshared run.
TEST(Identical, SharedUpdatesKeepTheCoupledRunClose) {
  const auto h = twins_city();
  const auto s = twins_scenario(true);
  const auto shared = run(s, h, true);
  const auto alone = run(s, h, false);
  const int lc = h.n_levels() - 1;
  const int ls = lc - 1;
  const int nl = h.n_levels();
  const auto periods = static_cast<std::size_t>(s.calendar.periods);
  const auto mean = [&](const std::vector<ReplicateResult>& rs, GovMetric m, int level) {
    double sum = 0;
    double n = 0;
    for (const auto& r : rs) {
      for (std::size_t t = periods / 2; t < periods; ++t) {
        const double v =
            r.governance.values[(static_cast<std::size_t>(m) * nl + level) * periods + t];
        if (!std::isnan(v)) {
          sum += v;
          n += 1;
        }
      }
    }
    return sum / n;
  };
  const auto adopted = [&](const std::vector<ReplicateResult>& rs) {
    double n = 0;
    for (const auto& r : rs) {
      for (const auto& a : r.adoptions) {
        n += h.level(a.unit) == lc ? 1 : 0;
      }
    }
    return n / static_cast<double>(
                   rs.size() * static_cast<std::size_t>(h.level_begin(lc + 1) - h.level_begin(lc)));
  };
  EXPECT_NEAR(adopted(shared), adopted(alone), 0.03);
  EXPECT_NEAR(mean(shared, GovMetric::depth, ls), mean(alone, GovMetric::depth, ls), 0.01);
  EXPECT_NEAR(mean(shared, GovMetric::satisfaction, lc), mean(alone, GovMetric::satisfaction, lc),
              0.01);
}

// What adoption reads of the communities' feedback rows (outcome for learning, assessed for
// pilot evaluation): a community in a group reads its shadow's entry (sim::Feedback::entry), and
// one that leaves takes the shadow's entries in the rows still to be read. Run beside an
// unshared run, window by window, while both have the same adoption records: every unit's value
// in every row adoption may still read is the unshared one (a community's the same bits in
// period 0; within rounding after, and for governments, whose sums count a shadow n times), for
// communities in groups and for those that left one. Cuts: without the entry, members read rows the
// kernel no longer writes; without the fill, a community that left reads its stale own entries
// (each fails here).
TEST(Identical, MembersReadTheirShadowsFeedbackRows) {
  const auto h = twins_city();
  auto s = twins_scenario(true);
  const Network net;
  const Model m(s, h, net);
  ASSERT_NE(m.governance(), nullptr);
  struct Run {
    sim::ReplicateState state;
    std::unique_ptr<sim::Process> adoption;
    std::unique_ptr<sim::GovernanceLayer> layer;
  };
  const auto start = [&](bool share) {
    auto r = std::make_unique<Run>();
    r->state.replicate = 0;
    r->state.policies.resize(1);
    r->adoption = sim::make_adoption_process(m, 0);
    r->layer = sim::make_governance_layer(*m.governance(), m.governance()->window(), false, share);
    r->adoption->init(r->state);
    r->layer->init(r->state);
    return r;
  };
  const auto shared = start(true);
  const auto alone = start(false);
  const int lc = h.n_levels() - 1;
  ASSERT_TRUE(static_cast<bool>(shared->state.feedback.entry));
  ASSERT_FALSE(static_cast<bool>(alone->state.feedback.entry));
  std::size_t members = 0;  // values read through a shadow's entry
  std::size_t left = 0;     // values of a community that left a group after the row's period
  double largest = 0;
  std::int32_t compared = 0;  // periods run with the same adoption records
  std::vector<std::int32_t> adopted_at(static_cast<std::size_t>(h.size()), -1);
  for (std::int32_t t0 = 0, t1 = 0; t0 < m.periods(); t0 = t1) {
    t1 = m.governance()->window_end(t0);
    for (Run* r : {shared.get(), alone.get()}) {
      for (std::int32_t t = t0; t < t1; ++t) {
        r->adoption->step(t, r->state);
        r->layer->collect(t, r->state);
      }
      r->layer->run_window(t0, t1, r->state);
    }
    const auto& ra = shared->state.policies[0].records;
    const auto& rb = alone->state.policies[0].records;
    bool same = ra.size() == rb.size();
    for (std::size_t i = 0; same && i < ra.size(); ++i) {
      same = ra[i].unit == rb[i].unit && ra[i].period == rb[i].period;
    }
    if (!same) {
      break;
    }
    compared = t1;
    for (const auto& a : ra) {
      adopted_at[static_cast<std::size_t>(a.unit)] = a.period;
    }
    const auto& fa = shared->state.feedback;
    const auto& fb = alone->state.feedback;
    for (std::int32_t p = std::max(0, t1 - fa.lag); p < t1; ++p) {  // the rows still to be read
      for (auto signal : {&sim::Feedback::outcome, &sim::Feedback::assessed}) {
        auto& va = shared->state.feedback.*signal;
        auto& vb = alone->state.feedback.*signal;
        ASSERT_FALSE(va.empty());
        const float* a = fa.write(va, p);
        const float* b = fb.write(vb, p);
        for (std::int32_t u = 0; u < h.size(); ++u) {
          const float x = fa.value(a, u);
          const float y = fb.value(b, u);
          if (h.level(u) == lc) {
            members += fa.entry(u) != u ? 1 : 0;
            const std::int32_t when = adopted_at[static_cast<std::size_t>(u)];
            left += fa.entry(u) == u && when > p ? 1 : 0;
          }
          if (p == 0 && h.level(u) == lc) {  // (governments' sums may differ in the last bits)
            EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << h.id(u) << " in period 0";
          }
          largest = worst(y, x, largest);
        }
      }
    }
  }
  std::printf(
      "periods compared %d; values read through a shadow %zu, of communities that left "
      "a group later %zu; largest relative difference %g\n",
      compared, members, left, largest);
  EXPECT_GE(compared, 12);
  EXPECT_GT(members, 0U);
  EXPECT_GT(left, 0U);
  EXPECT_LT(largest, 1e-4);
}
