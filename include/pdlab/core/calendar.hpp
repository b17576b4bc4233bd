// Calendar dates to periods and back (docs/model.md §2, "Calendar").
//
// A date is written in one of the ISO-8601 forms "2020" (year), "2020-H1" (half year),
// "2020-Q1" (quarter), "2020-03" (month), "2020-W04" (ISO week) or "2020-01-23" (day), or as a
// period number of at most three digits. Every form denotes a span of days; on a calendar a
// date names the period that contains its first day, except that a span shorter than a period
// (a day or week on a monthly calendar) must lie inside one period (2020-W01, 30 Dec 2019 to
// 5 Jan 2020, is refused on a monthly calendar).
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>

namespace pdlab {

// Days since 1970-01-01 in the proleptic Gregorian calendar.
std::int64_t days_from_civil(int year, int month, int day);
struct CivilDate {
  int year;
  int month;
  int day;
};
CivilDate civil_from_days(std::int64_t days);
// Monday of ISO week `week` of ISO year `year`; week must be valid (iso_weeks_in_year).
std::int64_t iso_week_monday(int year, int week);
int iso_weeks_in_year(int year);  // 52 or 53

enum class DateUnit : std::uint8_t { day, week, month, quarter, half, year };

// The days a written date covers, first and last inclusive.
struct DateSpan {
  std::int64_t first = 0;
  std::int64_t last = 0;
  DateUnit unit = DateUnit::day;
};

// Parses a date (not a period number); on failure returns false and says why in `why`.
bool parse_date(const std::string& text, DateSpan& out, std::string& why);

// The accepted forms, for error messages.
const char* date_forms();

// Whether `ppy` is a supported calendar: 1, 2, 3, 4, 6, 12 (months), 52 (ISO weeks), 365 (days).
bool valid_periods_per_year(int ppy);

// First day of period 0: the start month's first day on month-based calendars, the Monday of
// the start day's ISO week on weekly ones, the start day on daily ones.
std::int64_t calendar_first_day(const Calendar& cal);
// First and last day of period p.
std::int64_t period_first_day(const Calendar& cal, std::int32_t p);
std::int64_t period_last_day(const Calendar& cal, std::int32_t p);

// Period index of a date; throws ErrorKind::config naming file, line, `key` and the value on a
// bad date, with the accepted forms. Dates before the start are errors; dates after the horizon
// return a period >= periods.
std::int32_t to_period(const Calendar& cal, const std::string& date, const std::string& key,
                       const std::string& file = "", std::int64_t line = 0);
// As to_period, but a date before the start is period 0 (something that already existed).
std::int32_t to_period_from_start(const Calendar& cal, const std::string& date,
                                  const std::string& key, const std::string& file = "",
                                  std::int64_t line = 0);
// Period p in the calendar's own form: "2020" (yearly from January), "2020-H1" (half-yearly
// from January or July), "2020-Q1" (quarterly from a quarter's first month), "2020-W04"
// (weekly), "2020-01-23" (daily), else the first month "2020-03". Each parses back to p.
std::string period_label(const Calendar& cal, std::int32_t p);

// Sets cal's start from a date in any form (its first day); throws like to_period.
void set_calendar_start(Calendar& cal, const std::string& date, const std::string& key,
                        const std::string& file = "", std::int64_t line = 0);

}  // namespace pdlab
