// Calendars: civil and ISO-week arithmetic, date forms, labels that parse back, the mapping of
// coarse and fine dates, errors, and the same process simulated at monthly, weekly and daily
// resolution.
#include "helpers.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"

#include <cmath>
#include <set>

using namespace pdlab;

namespace {

Calendar make(int ppy, int year, int month, int day = 1) {
  Calendar c;
  c.periods_per_year = ppy;
  c.start_year = year;
  c.start_month = month;
  c.start_day = day;
  return c;
}

std::string day_text(std::int64_t z) {
  const auto c = civil_from_days(z);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Every day 1900-2200 against a counter written independently (month lengths, leap rule).
TEST(Calendar, CivilDaysEveryDay) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  int y = 1900;
  int m = 1;
  int d = 1;
  std::int64_t z = days_from_civil(1900, 1, 1);
  EXPECT_EQ(z, -25567);
  while (y <= 2200) {
    ASSERT_EQ(days_from_civil(y, m, d), z) << y << '-' << m << '-' << d;
    const auto c = civil_from_days(z);
    ASSERT_TRUE(c.year == y && c.month == m && c.day == d) << z;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int len[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (++d > len[m - 1]) {
      d = 1;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
    ++z;
  }
}

// ISO weeks: the years with 53 weeks 1900-2200 (Python's date.isocalendar), known boundary
// days, and every day of 1990-2060 in the week its label names.
TEST(Calendar, IsoWeeks) {
  const std::set<int> long_years = {
      1903, 1908, 1914, 1920, 1925, 1931, 1936, 1942, 1948, 1953, 1959, 1964, 1970, 1976,
      1981, 1987, 1992, 1998, 2004, 2009, 2015, 2020, 2026, 2032, 2037, 2043, 2048, 2054,
      2060, 2065, 2071, 2076, 2082, 2088, 2093, 2099, 2105, 2111, 2116, 2122, 2128, 2133,
      2139, 2144, 2150, 2156, 2161, 2167, 2172, 2178, 2184, 2189, 2195};
  for (int y = 1900; y <= 2200; ++y) {
    EXPECT_EQ(iso_weeks_in_year(y), long_years.count(y) != 0 ? 53 : 52) << y;
  }
  const auto w = make(52, 2000, 1, 3);
  const auto week_of = [&](const std::string& day) {
    return period_label(w, to_period(w, day, "k"));
  };
  EXPECT_EQ(week_of("2021-01-03"), "2020-W53");
  EXPECT_EQ(week_of("2021-01-04"), "2021-W01");
  EXPECT_EQ(week_of("2008-12-29"), "2009-W01");
  EXPECT_EQ(week_of("2010-01-03"), "2009-W53");
  EXPECT_EQ(week_of("2020-01-23"), "2020-W04");
  EXPECT_EQ(week_of("2024-12-30"), "2025-W01");
  EXPECT_EQ(to_period(w, "2000-W01", "k"), 0);  // the start 2000-01-03 is a Monday of W01
  const auto first = days_from_civil(1990, 1, 1);
  const auto c = make(52, 1990, 1, 1);  // a Monday: 1990-W01
  for (std::int64_t z = first; z < days_from_civil(2061, 1, 1); ++z) {
    const auto p = to_period(c, day_text(z), "k");
    ASSERT_EQ(p, (z - first) / 7) << day_text(z);
    ASSERT_EQ(to_period(c, period_label(c, p), "k"), p);
    ASSERT_LE(period_first_day(c, p), z);
    ASSERT_GE(period_last_day(c, p), z);
  }
}

// Labels parse back to their period on every calendar and several starts, for 40 years.
TEST(Calendar, LabelsRoundTrip) {
  struct Case {
    Calendar cal;
    const char* label0;
  };
  const Case cases[] = {{make(1, 2010, 1), "2010"},
                        {make(1, 2010, 7), "2010-07"},
                        {make(2, 2010, 1), "2010-H1"},
                        {make(2, 2010, 7), "2010-H2"},
                        {make(2, 2010, 3), "2010-03"},
                        {make(3, 2010, 1), "2010-01"},
                        {make(4, 2010, 1), "2010-Q1"},
                        {make(4, 2010, 10), "2010-Q4"},
                        {make(4, 2010, 2), "2010-02"},
                        {make(6, 2010, 5), "2010-05"},
                        {make(12, 2010, 3), "2010-03"},
                        {make(52, 2020, 1, 23), "2020-W04"},
                        {make(52, 2021, 1, 1), "2020-W53"},
                        {make(365, 2020, 2, 29), "2020-02-29"},
                        {make(365, 1999, 12, 31), "1999-12-31"}};
  for (const auto& [cal0, label0] : cases) {
    auto cal = cal0;
    EXPECT_EQ(period_label(cal, 0), label0) << cal.periods_per_year;
    const int n = cal.periods_per_year == 365 ? 40 * 366 : 40 * cal.periods_per_year + 3;
    std::int64_t prev_last = period_first_day(cal, 0) - 1;
    for (int p = 0; p < n; ++p) {
      const auto label = period_label(cal, p);
      ASSERT_EQ(to_period(cal, label, "k"), p) << label << " ppy " << cal.periods_per_year;
      ASSERT_EQ(period_first_day(cal, p), prev_last + 1);  // periods tile the days
      prev_last = period_last_day(cal, p);
      ASSERT_GE(prev_last, period_first_day(cal, p));
    }
  }
}

// A date names the period of its first day; a date shorter than a period must lie in one.
TEST(Calendar, CoarseAndFineDates) {
  const auto month = make(12, 2019, 1);
  EXPECT_EQ(to_period(month, "2020-01-23", "k"), 12);  // a day: its month
  EXPECT_EQ(to_period(month, "2020-W04", "k"), 12);    // 20-26 January
  EXPECT_EQ(to_period(month, "2020-Q2", "k"), 15);     // its first month, April
  EXPECT_EQ(to_period(month, "2020-H2", "k"), 18);
  EXPECT_EQ(to_period(month, "2020", "k"), 12);
  EXPECT_EQ(to_period(month, "2020-q2", "k"), 15);  // lower case tags are accepted
  // 2020-W01 is 30 December 2019 to 5 January 2020: two months.
  const auto e = error_of([&] { to_period(month, "2020-W01", "time", "ev.csv", 7); });
  EXPECT_NE(e.find("ev.csv:7: field 'time' = '2020-W01'"), std::string::npos) << e;
  EXPECT_NE(e.find("2019-12 and 2020-01"), std::string::npos) << e;
  const auto day = make(365, 2020, 1, 1);
  EXPECT_EQ(to_period(day, "2020-03", "k"), 31 + 29);  // a month: its first day (2020 leaps)
  EXPECT_EQ(to_period(day, "2021-03", "k"), 366 + 31 + 28);
  EXPECT_EQ(to_period(day, "2020-W04", "k"), 19);  // its Monday, 20 January
  EXPECT_EQ(to_period(day, "2020-Q3", "k"),
            days_from_civil(2020, 7, 1) - days_from_civil(2020, 1, 1));
  EXPECT_EQ(to_period(day, "17", "k"), 17);  // a period number
  const auto week = make(52, 2020, 1, 1);    // 2020-W01, from Monday 30 December 2019
  EXPECT_EQ(period_label(week, 0), "2020-W01");
  EXPECT_EQ(to_period(week, "2019-12-30", "k"), 0);  // before the start day, in its week
  EXPECT_EQ(to_period(week, "2021", "k"), 52);       // 1 January 2021 is in 2020-W53
  EXPECT_EQ(to_period(week, "2021-02", "k"), 57);    // 1 February 2021 is 2021-W05
  // Four-month periods: Q2 (April-June) falls in two of them; H1 begins in the first.
  const auto tri = make(3, 2020, 1);
  EXPECT_THROW(to_period(tri, "2020-Q2", "k"), Error);
  EXPECT_EQ(to_period(tri, "2020-H2", "k"), 1);
  // Before the start: an error, or period 0 for things that already existed.
  EXPECT_THROW(to_period(day, "2019-12-31", "k"), Error);
  EXPECT_EQ(to_period_from_start(day, "2019-12-31", "k"), 0);
  EXPECT_EQ(to_period_from_start(day, "2020-01-05", "k"), 4);
}

TEST(Calendar, InvalidDatesOneClearError) {
  const auto day = make(365, 2000, 1, 1);
  const std::pair<const char*, const char*> bad[] = {
      {"2021-W53", "weeks W01 to W52"},
      {"2020-W54", "weeks W01 to W53"},
      {"2020-W00", "weeks W01 to W53"},
      {"2021-02-29", "2021 is not a leap year"},
      {"2100-02-29", "2100 is not a leap year"},
      {"2020-04-31", "days 01 to 30"},
      {"2020-13", "month 13 does not exist"},
      {"2020-00-10", "month 00 does not exist"},
      {"2020-Q5", "Q1, Q2, Q3 or Q4"},
      {"2020-H3", "H1 or H2"},
      {"2020-1-5", "not a date"},
      {"20200123", "not a date"},
      {"23/01/2020", "not a date"},
      {"2020-01-23T10:00", "not a date"},
      {"", "not a date"},
  };
  for (const auto& [value, why] : bad) {
    const std::string text = value;  // a lambda cannot capture a structured binding in C++17
    const auto e = error_of([&] { to_period(day, text, "time", "events.csv", 12); });
    EXPECT_NE(e.find(std::string("events.csv:12: field 'time' = '") + value + "'"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find(why), std::string::npos) << e;
    EXPECT_NE(e.find("\"2020-W04\""), std::string::npos) << e;  // the accepted forms, once
    EXPECT_EQ(e.find("Fix:"), e.rfind("Fix:")) << e;
  }
  EXPECT_NO_THROW(to_period(day, "2000-02-29", "k"));  // 2000 is a leap year
  EXPECT_NO_THROW(to_period(day, "2020-W53", "k"));
}

TEST(Calendar, ScenarioStart) {
  const std::string head = "schema_version = 1\n[calendar]\n";
  const auto load = [&](const std::string& body) {
    return io::parse_scenario(head + body, "s.toml", {}).scenario;
  };
  auto s = load("periods_per_year = 365\nperiods = 100\nstart = 2020-01-23\n");
  EXPECT_EQ(period_label(s.calendar, 0), "2020-01-23");
  EXPECT_EQ(to_period(s.calendar, "2020-02-01", "k"), 9);
  s = load("periods_per_year = 52\nstart = \"2020-W04\"\n");
  EXPECT_EQ(period_label(s.calendar, 0), "2020-W04");
  s = load("start = \"2020-Q2\"\n");
  EXPECT_EQ(period_label(s.calendar, 0), "2020-04");
  const auto both = error_of([&] { load("start = \"2020-03\"\nstart_year = 2020\n"); });
  EXPECT_NE(both.find("calendar.start_year"), std::string::npos) << both;
  const auto bad_start = error_of([&] { load("start = \"2021-02-29\"\n"); });
  EXPECT_NE(bad_start.find("s.toml:3: field 'calendar.start' = '2021-02-29'"), std::string::npos)
      << bad_start;
  for (const char* ppy : {"5", "7", "53", "360", "366"}) {
    const auto e = error_of([&] { load(std::string("periods_per_year = ") + ppy + "\n"); });
    EXPECT_NE(e.find("calendar.periods_per_year"), std::string::npos) << e;
  }
}

// One process (a yearly hazard 0.15 raised by adopted siblings) on monthly, weekly and daily
// calendars: per-period intercepts log(0.15 / periods_per_year) (cloglog), dates written once.
// The shares adopted by 1 January of each year agree within sampling error, and with no
// siblings' effect they match 1 - exp(-0.15 years) (years counted as periods / periods_per_year).
TEST(EngineStatistical, CalendarsAgree) {
  const auto h = test::star(3000);
  const Network net;
  constexpr int kReps = 4;
  const auto curve = [&](int ppy, double gamma) {
    Scenario s;
    s.calendar.periods_per_year = ppy;
    s.calendar.start_year = 2010;
    s.calendar.periods = to_period(s.calendar, "2019", "k") + 1;
    s.policies.push_back({"p", "p", 0.0});
    s.adoption.link = Link::cloglog;
    s.adoption.alpha["top"] = -std::numeric_limits<double>::infinity();
    s.adoption.alpha["leaf"] = std::log(0.15 / ppy);
    s.adoption.gamma_vertical = s.adoption.gamma_bottom_up = s.adoption.gamma_need = 0;
    s.adoption.gamma_horizontal = gamma;
    s.promotion.weights = {0, 0, 0, 0};
    s.stages.institutionalise_after = 0;
    const Model m(s, h, net);
    std::vector<double> share(9, 0.0);
    for (int rep = 0; rep < kReps; ++rep) {
      const auto r = run_replicate(m, rep);
      for (int y = 0; y < 9; ++y) {
        const auto before = to_period(s.calendar, std::to_string(2011 + y) + "-01-01", "k");
        for (const auto& a : r.adoptions) {
          share[static_cast<std::size_t>(y)] += a.period < before ? 1.0 / (3000.0 * kReps) : 0.0;
        }
      }
    }
    return share;
  };
  for (const double gamma : {0.0, 1.5}) {
    const auto monthly = curve(12, gamma);
    const auto weekly = curve(52, gamma);
    const auto daily = curve(365, gamma);
    for (std::size_t y = 0; y < monthly.size(); ++y) {
      const double p = monthly[y];
      const double se = std::sqrt(2 * p * (1 - p) / (3000.0 * kReps));
      EXPECT_NEAR(weekly[y], p, 4 * se + 0.005) << "year " << 2011 + y << " gamma " << gamma;
      EXPECT_NEAR(daily[y], p, 4 * se + 0.005) << "year " << 2011 + y << " gamma " << gamma;
      if (gamma == 0) {
        const double expect = 1 - std::exp(-0.15 * static_cast<double>(y + 1));
        EXPECT_NEAR(p, expect, 4 * se);
        EXPECT_NEAR(daily[y],
                    1 - std::exp(-0.15 *
                                 (days_from_civil(2011 + static_cast<int>(y), 1, 1) -
                                  days_from_civil(2010, 1, 1)) /
                                 365.0),
                    4 * se);
      }
    }
  }
}

// Scripted events dated in ISO forms land on the right periods of weekly and daily calendars,
// and adoption records carry those periods.
TEST(Calendar, EventsOnWeeklyAndDailyCalendars) {
  const auto h = test::star(3);
  const Network net;
  const auto adopted_at = [&](int ppy, const std::string& start, const std::string& date) {
    Scenario s;
    s.calendar.periods_per_year = ppy;
    set_calendar_start(s.calendar, start, "calendar.start");
    s.calendar.periods = 200;
    s.policies.push_back({"p", "p", 0.0});
    s.adoption.alpha["top"] = s.adoption.alpha["leaf"] = -std::numeric_limits<double>::infinity();
    s.promotion.weights = {0, 0, 0, 0};
    Event e;
    e.key = "event[0]";
    e.date = date;
    e.policy = "p";
    e.spec = AdoptSpec{.units = {"c1"}};
    s.events.push_back(e);
    const Model m(s, h, net);
    const auto r = run_replicate(m, 0);
    EXPECT_EQ(r.adoptions.size(), 1U);
    return r.adoptions.empty() ? -1 : r.adoptions[0].period;
  };
  EXPECT_EQ(adopted_at(365, "2020-01-23", "2020-02"), 9);      // 1 February
  EXPECT_EQ(adopted_at(365, "2020-01-23", "2020-03-01"), 38);  // over 29 February
  EXPECT_EQ(adopted_at(365, "2021-01-23", "2021-03-01"), 37);  // no 29 February
  EXPECT_EQ(adopted_at(52, "2020-W04", "2020-03-09"), 7);      // 2020-W11
  EXPECT_EQ(adopted_at(52, "2020-12-01", "2021-01-03"), 4);    // 2020-W53, from 2020-W49
  EXPECT_EQ(adopted_at(12, "2020-01-23", "2020-W11"), 2);      // March, from January
  EXPECT_THROW(adopted_at(12, "2020-01", "2020-W05"), Error);  // 27 Jan - 2 Feb
}
