// Per-period parameters stated on one calendar and run on another (restate.hpp, docs/model.md
// §2): the rules value by value, refusals, and the same yearly process simulated on monthly,
// weekly and daily calendars from parameters stated once, monthly.
#include "helpers.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/restate.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"

#include <cmath>

using namespace pdlab;

namespace {

Scenario stated_monthly(int ppy) {
  Scenario s;
  s.calendar.periods_per_year = ppy;
  s.calendar.stated_periods_per_year = 12;
  s.adoption.link = Link::cloglog;
  s.adoption.alpha["leaf"] = -4.0;
  s.adoption.alpha_default = -6.0;
  s.stages.reversal_rate = 0.02;
  s.promotion.mandate_deadline = 36;
  s.promotion.pilot_delay = 12;
  s.promotion.scale_up_deadline = 24;
  s.stages.institutionalise_after = 0;
  return s;
}

}  // namespace

TEST(Restate, ValueByValue) {
  const auto s = stated_monthly(365);
  const auto r = restated_for_calendar(s);
  EXPECT_DOUBLE_EQ(r.adoption.alpha.at("leaf"), -4.0 + std::log(12.0 / 365.0));
  EXPECT_DOUBLE_EQ(r.adoption.alpha_default, -6.0 + std::log(12.0 / 365.0));
  // The yearly cumulative hazard of the intercept alone is the same on both calendars.
  EXPECT_NEAR(365 * std::exp(r.adoption.alpha.at("leaf")), 12 * std::exp(-4.0), 1e-12);
  // The chance of reversal within a year is the same.
  EXPECT_NEAR(std::pow(1 - r.stages.reversal_rate, 365), std::pow(1 - 0.02, 12), 1e-12);
  EXPECT_EQ(r.promotion.mandate_deadline, std::lround(36 * 365.0 / 12));
  EXPECT_EQ(r.promotion.pilot_delay, std::lround(12 * 365.0 / 12));
  EXPECT_EQ(r.promotion.scale_up_deadline, std::lround(24 * 365.0 / 12));
  EXPECT_EQ(r.stages.institutionalise_after, 0) << "0 means never and stays 0";
  EXPECT_EQ(r.calendar.stated_periods_per_year, 0);
  // Coarser: a 1-month count on a yearly calendar keeps at least one period.
  auto y = stated_monthly(1);
  y.promotion.pilot_delay = 1;
  EXPECT_EQ(restated_for_calendar(y).promotion.pilot_delay, 1);
  // Restating the restated scenario changes nothing; stated == run changes nothing.
  const auto again = restated_for_calendar(r);
  EXPECT_EQ(again.adoption.alpha.at("leaf"), r.adoption.alpha.at("leaf"));
  EXPECT_EQ(again.promotion.pilot_delay, r.promotion.pilot_delay);
  const auto same = restated_for_calendar(stated_monthly(12));
  EXPECT_EQ(same.adoption.alpha.at("leaf"), -4.0);
  EXPECT_EQ(same.stages.reversal_rate, 0.02);
  EXPECT_EQ(same.promotion.mandate_deadline, 36);
  EXPECT_FALSE(restated_with_calendar("adoption.gamma_horizontal"));
  EXPECT_TRUE(restated_with_calendar("adoption.alpha.county"));
}

TEST(Restate, SetEventsAndDrawnIntercepts) {
  auto s = stated_monthly(52);
  Event e;
  e.key = "event[0]";
  e.spec = SetSpec{"adoption.alpha.leaf", -3.0};
  s.events.push_back(e);
  e.spec = SetSpec{"adoption.gamma_horizontal", 2.0};
  s.events.push_back(e);
  s.uncertainty.keys = {"adoption.alpha.leaf", "adoption.gamma_horizontal"};
  s.uncertainty.estimate = {-4.0, 1.0};
  s.uncertainty.covariance = {{0.1, 0.01}, {0.01, 0.2}};
  const auto r = restated_for_calendar(s);
  EXPECT_DOUBLE_EQ(std::get<SetSpec>(r.events[0].spec).value, -3.0 + std::log(12.0 / 52.0));
  EXPECT_EQ(std::get<SetSpec>(r.events[1].spec).value, 2.0);
  EXPECT_DOUBLE_EQ(r.uncertainty.estimate[0], -4.0 + std::log(12.0 / 52.0));
  EXPECT_EQ(r.uncertainty.estimate[1], 1.0);
  EXPECT_EQ(r.uncertainty.covariance, s.uncertainty.covariance);
}

// A policy's trend is per period: run yearly from a monthly statement, 12 times the monthly
// step; drawn, its estimate and its row and column of the covariance scale alike (its variance
// by 144), the other keys' entries stay, and the draws compile (the range is the run's).
TEST(Restate, PolicyTrendScalesWithItsCovariance) {
  auto s = stated_monthly(1);
  Policy p;
  p.id = "p";
  p.trend = 0.2;
  s.policies = {p};
  s.uncertainty.keys = {"adoption.alpha.leaf", "policy.p.trend", "adoption.gamma_horizontal"};
  s.uncertainty.estimate = {-4.0, 0.2, 1.0};
  s.uncertainty.covariance = {{0.04, 0.005, 0.002}, {0.005, 0.0025, 0.003}, {0.002, 0.003, 0.1}};
  const auto r = restated_for_calendar(s);
  EXPECT_DOUBLE_EQ(r.policies[0].trend, 2.4);
  EXPECT_DOUBLE_EQ(r.uncertainty.estimate[1], 2.4);
  const auto& c = r.uncertainty.covariance;
  EXPECT_DOUBLE_EQ(c[1][1], 0.0025 * 144);
  EXPECT_DOUBLE_EQ(c[0][1], 0.06);
  EXPECT_DOUBLE_EQ(c[1][0], 0.06);
  EXPECT_DOUBLE_EQ(c[1][2], 0.036);
  EXPECT_DOUBLE_EQ(c[2][1], 0.036);
  EXPECT_EQ(c[0][0], 0.04);
  EXPECT_EQ(c[0][2], 0.002);
  EXPECT_EQ(c[2][2], 0.1);
  EXPECT_NO_THROW(compile_draws(r));
}

TEST(Restate, Refusals) {
  auto logit = stated_monthly(52);
  logit.adoption.link = Link::logit;
  const auto e1 = test::expect_error([&] { restated_for_calendar(logit); }, ErrorKind::config);
  EXPECT_NE(std::string(e1.what()).find("calendar.stated_periods_per_year"), std::string::npos);
  EXPECT_NE(std::string(e1.what()).find("cloglog"), std::string::npos);
  // On the stated calendar the logit link is fine.
  logit.calendar.periods_per_year = 12;
  EXPECT_NO_THROW(restated_for_calendar(logit));
  auto drawn = stated_monthly(52);
  drawn.uncertainty.keys = {"stages.reversal_rate"};
  drawn.uncertainty.estimate = {0.02};
  drawn.uncertainty.covariance = {{0.0001}};
  const auto e2 = test::expect_error([&] { restated_for_calendar(drawn); }, ErrorKind::config);
  EXPECT_NE(std::string(e2.what()).find("stages.reversal_rate"), std::string::npos);
  // Not a calendar: named with the key and the fix, when the scenario is read.
  const auto e3 = test::expect_error(
      [&] {
        io::parse_scenario(
            "schema_version = 1\n[calendar]\nperiods_per_year = 52\nstated_periods_per_year = 7\n",
            "bad.toml", {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e3.what()).find("calendar.stated_periods_per_year"), std::string::npos);
  EXPECT_NE(std::string(e3.what()).find("bad.toml"), std::string::npos);
}

// The same yearly process from parameters stated monthly: spontaneous and peer-driven adoption
// (cloglog intercepts) and reversal (a chance per period) give the same yearly curves on weekly
// and daily calendars as on the monthly one. Cut: without the statement the intercepts are read
// as per week or per day, and the curves differ by far more than the sampling error.
TEST(EngineStatistical, StatedInterceptsKeepTheYearlyProcess) {
  const auto h = test::star(3000);
  const Network net;
  constexpr int kReps = 4;
  // Adopted by each year end, and active (adopted and not reversed) at each year end.
  const auto curves = [&](int ppy, int stated, double gamma) {
    Scenario s;
    s.calendar.periods_per_year = ppy;
    s.calendar.stated_periods_per_year = stated;
    s.calendar.start_year = 2010;
    s.calendar.periods = to_period(s.calendar, "2017", "k") + 1;
    s.policies.push_back({"p", "p", 0.0});
    s.adoption.link = Link::cloglog;
    s.adoption.alpha["top"] = -std::numeric_limits<double>::infinity();
    s.adoption.alpha["leaf"] = std::log(0.2 / 12);  // stated per month
    s.adoption.gamma_vertical = s.adoption.gamma_bottom_up = s.adoption.gamma_need = 0;
    s.adoption.gamma_horizontal = gamma;
    s.promotion.weights = {0, 0, 0, 0};
    s.stages.institutionalise_after = 0;
    s.stages.reversal_rate = 0.01;  // per month
    const Model m(s, h, net);
    std::vector<double> adopted(7, 0.0);
    std::vector<double> active(7, 0.0);
    const double w = 1.0 / (3000.0 * kReps);
    for (int rep = 0; rep < kReps; ++rep) {
      const auto r = run_replicate(m, rep);
      for (int y = 0; y < 7; ++y) {
        const auto before = to_period(s.calendar, std::to_string(2011 + y) + "-01-01", "k");
        for (const auto& a : r.adoptions) {
          adopted[static_cast<std::size_t>(y)] += a.period < before ? w : 0.0;
          active[static_cast<std::size_t>(y)] +=
              a.period < before && (a.rev_period == kNever || a.rev_period >= before) ? w : 0.0;
        }
      }
    }
    return std::pair{adopted, active};
  };
  for (const double gamma : {0.0, 1.5}) {
    const auto [m_adopted, m_active] = curves(12, 0, gamma);
    int cut_far = 0;
    for (const int ppy : {52, 365}) {
      const auto [adopted, active] = curves(ppy, 12, gamma);
      const auto [cut_adopted, cut_active] = curves(ppy, 0, gamma);
      for (std::size_t y = 0; y < m_adopted.size(); ++y) {
        const double p = m_adopted[y];
        const double se = std::sqrt(2 * p * (1 - p) / (3000.0 * kReps));
        EXPECT_NEAR(adopted[y], p, 4 * se + 0.005) << ppy << " year " << 2011 + y << " " << gamma;
        const double q = m_active[y];
        const double se_q = std::sqrt(2 * q * (1 - q) / (3000.0 * kReps));
        EXPECT_NEAR(active[y], q, 4 * se_q + 0.005) << ppy << " year " << 2011 + y;
        cut_far += std::abs(cut_adopted[y] - p) > 10 * se + 0.05 ? 1 : 0;
        if (gamma == 0 && ppy == 52) {  // spontaneous only: 1 - exp(-0.2 t) by year end t
          EXPECT_NEAR(p, 1 - std::exp(-0.2 * static_cast<double>(y + 1)), 4 * se);
        }
      }
    }
    EXPECT_GE(cut_far, 10) << "the cut should move most yearly points far from the monthly curve";
  }
}
