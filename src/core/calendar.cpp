#include "pdlab/core/calendar.hpp"

#include "pdlab/core/errors.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

namespace pdlab {

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// ISO weekday, Monday = 1 ... Sunday = 7 (1970-01-01 was a Thursday).
int iso_weekday(std::int64_t z) {
  return static_cast<int>(floor_div(z + 3, 7) * -7 + z + 3) + 1;
}

std::int64_t monday_of(std::int64_t z) {
  return z - (iso_weekday(z) - 1);
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};

bool month_based(const Calendar& cal) {
  return cal.periods_per_year >= 1 && cal.periods_per_year <= 12 && 12 % cal.periods_per_year == 0;
}

// Months a span covers (0 for days and weeks), to compare with a month-based period's length.
int span_months(DateUnit u) {
  switch (u) {
    case DateUnit::month: return 1;
    case DateUnit::quarter: return 3;
    case DateUnit::half: return 6;
    case DateUnit::year: return 12;
    default: return 0;
  }
}

// A span at least as long as the calendar's periods names the period of its first day; a
// shorter one must lie inside one period.
bool at_least_a_period(DateUnit u, const Calendar& cal) {
  if (cal.periods_per_year == 365) {
    return true;
  }
  if (cal.periods_per_year == 52) {
    return u != DateUnit::day;
  }
  return span_months(u) >= 12 / cal.periods_per_year;
}

std::int64_t period_of_day(const Calendar& cal, std::int64_t z) {
  if (month_based(cal)) {
    const auto c = civil_from_days(z);
    const std::int64_t months =
        static_cast<std::int64_t>(c.year - cal.start_year) * 12 + (c.month - cal.start_month);
    return floor_div(months, 12 / cal.periods_per_year);
  }
  const auto first = calendar_first_day(cal);
  return cal.periods_per_year == 52 ? floor_div(z - first, 7) : z - first;
}

const char* calendar_name(const Calendar& cal) {
  switch (cal.periods_per_year) {
    case 365: return "daily";
    case 52: return "weekly";
    case 12: return "monthly";
    case 4: return "quarterly";
    case 2: return "half-yearly";
    case 1: return "yearly";
    default: return "multi-month";
  }
}

bool digits(const std::string& s, std::size_t from, std::size_t n) {
  if (s.size() < from + n) {
    return false;
  }
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from),
                     s.begin() + static_cast<std::ptrdiff_t>(from + n),
                     [](char c) { return c >= '0' && c <= '9'; });
}

int number(const std::string& s, std::size_t from, std::size_t n) {
  return std::stoi(s.substr(from, n));
}

bool is_period_number(const std::string& s) {
  return !s.empty() && s.size() < 4 && digits(s, 0, s.size());
}

std::string fmt_day(std::int64_t z) {
  const auto c = civil_from_days(z);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

}  // namespace

std::int64_t days_from_civil(int year, int month, int day) {
  // H. Hinnant's algorithm (howardhinnant.github.io/date_algorithms.html).
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), m, d};
}

// ISO week 1 is the week that holds 4 January.
std::int64_t iso_week_monday(int year, int week) {
  return monday_of(days_from_civil(year, 1, 4)) + 7 * static_cast<std::int64_t>(week - 1);
}

int iso_weeks_in_year(int year) {
  return static_cast<int>((iso_week_monday(year + 1, 1) - iso_week_monday(year, 1)) / 7);
}

bool parse_date(const std::string& s, DateSpan& out, std::string& why) {
  why = "not a date";
  if (!digits(s, 0, 4) || (s.size() > 4 && s[4] != '-')) {
    return false;
  }
  const int y = number(s, 0, 4);
  if (s.size() == 4) {
    out = {days_from_civil(y, 1, 1), days_from_civil(y, 12, 31), DateUnit::year};
    return true;
  }
  const char tag =
      static_cast<char>(std::toupper(static_cast<unsigned char>(s.size() > 5 ? s[5] : ' ')));
  if ((tag == 'H' || tag == 'Q') && s.size() == 7 && digits(s, 6, 1)) {
    const int k = number(s, 6, 1);
    const int n = tag == 'H' ? 2 : 4;
    if (k < 1 || k > n) {
      why = tag == 'H' ? "a half year is H1 or H2" : "a quarter is Q1, Q2, Q3 or Q4";
      return false;
    }
    const int len = 12 / n;
    const int m0 = (k - 1) * len + 1;
    out = {days_from_civil(y, m0, 1),
           days_from_civil(y, m0 + len - 1, days_in_month(y, m0 + len - 1)),
           tag == 'H' ? DateUnit::half : DateUnit::quarter};
    return true;
  }
  if (tag == 'W' && s.size() == 8 && digits(s, 6, 2)) {
    const int w = number(s, 6, 2);
    const int nw = iso_weeks_in_year(y);
    if (w < 1 || w > nw) {
      why = "ISO year " + std::to_string(y) + " has weeks W01 to W" + std::to_string(nw);
      return false;
    }
    const auto mon = iso_week_monday(y, w);
    out = {mon, mon + 6, DateUnit::week};
    return true;
  }
  if (!digits(s, 5, 2) || !(s.size() == 7 || (s.size() == 10 && s[7] == '-' && digits(s, 8, 2)))) {
    return false;
  }
  const int m = number(s, 5, 2);
  if (m < 1 || m > 12) {
    why = "month " + s.substr(5, 2) + " does not exist (01 to 12)";
    return false;
  }
  if (s.size() == 7) {
    out = {days_from_civil(y, m, 1), days_from_civil(y, m, days_in_month(y, m)), DateUnit::month};
    return true;
  }
  const int d = number(s, 8, 2);
  if (d < 1 || d > days_in_month(y, m)) {
    why = std::string(kMonths[m - 1]) + " " + std::to_string(y) + " has days 01 to " +
          std::to_string(days_in_month(y, m)) +
          (m == 2 && d == 29 ? " (" + std::to_string(y) + " is not a leap year)" : "");
    return false;
  }
  const auto z = days_from_civil(y, m, d);
  out = {z, z, DateUnit::day};
  return true;
}

const char* date_forms() {
  return "write a date as \"2020\", \"2020-H1\", \"2020-Q1\", \"2020-03\", \"2020-W04\" (ISO "
         "week) or \"2020-01-23\", or a period number from 0 to 999";
}

bool valid_periods_per_year(int ppy) {
  return (ppy >= 1 && ppy <= 12 && 12 % ppy == 0) || ppy == 52 || ppy == 365;
}

std::int64_t calendar_first_day(const Calendar& cal) {
  if (month_based(cal)) {
    return days_from_civil(cal.start_year, cal.start_month, 1);
  }
  const auto z = days_from_civil(cal.start_year, cal.start_month, cal.start_day);
  return cal.periods_per_year == 52 ? monday_of(z) : z;
}

std::int64_t period_first_day(const Calendar& cal, std::int32_t p) {
  if (month_based(cal)) {
    const std::int64_t months =
        cal.start_month - 1 + static_cast<std::int64_t>(p) * (12 / cal.periods_per_year);
    return days_from_civil(cal.start_year + static_cast<int>(floor_div(months, 12)),
                           static_cast<int>(months - floor_div(months, 12) * 12) + 1, 1);
  }
  return calendar_first_day(cal) +
         static_cast<std::int64_t>(p) * (cal.periods_per_year == 52 ? 7 : 1);
}

std::int64_t period_last_day(const Calendar& cal, std::int32_t p) {
  return period_first_day(cal, p + 1) - 1;
}

std::int32_t to_period(const Calendar& cal, const std::string& date, const std::string& key,
                       const std::string& file, std::int64_t line) {
  if (is_period_number(date)) {
    return std::stoi(date);
  }
  DateSpan span;
  std::string why;
  if (!parse_date(date, span, why)) {
    fail(ErrorKind::config, {file, line, key, date}, why, date_forms());
  }
  const auto p = period_of_day(cal, span.first);
  if (p < 0) {
    fail(ErrorKind::config, {file, line, key, date},
         (span.unit == DateUnit::day ? std::string() : "begins " + fmt_day(span.first) + ", ") +
             "before the calendar's start (" + period_label(cal, 0) + ")",
         "use a date at or after calendar.start, or move the start earlier");
  }
  if (!at_least_a_period(span.unit, cal) && period_of_day(cal, span.last) != p) {
    fail(ErrorKind::config, {file, line, key, date},
         "runs from " + fmt_day(span.first) + " to " + fmt_day(span.last) + ", over two periods (" +
             period_label(cal, static_cast<std::int32_t>(p)) + " and " +
             period_label(cal, static_cast<std::int32_t>(p + 1)) + ") of this " +
             calendar_name(cal) + " calendar",
         "write a date inside one period, e.g. a day \"YYYY-MM-DD\"");
  }
  return static_cast<std::int32_t>(
      std::min<std::int64_t>(p, std::numeric_limits<std::int32_t>::max()));
}

std::int32_t to_period_from_start(const Calendar& cal, const std::string& date,
                                  const std::string& key, const std::string& file,
                                  std::int64_t line) {
  DateSpan span;
  std::string why;
  if (!is_period_number(date) && parse_date(date, span, why) &&
      period_of_day(cal, span.first) < 0) {
    return 0;
  }
  return to_period(cal, date, key, file, line);
}

std::string period_label(const Calendar& cal, std::int32_t p) {
  const auto z = period_first_day(cal, p);
  if (cal.periods_per_year == 365) {
    return fmt_day(z);
  }
  char buf[24];
  if (cal.periods_per_year == 52) {
    const auto thursday = z + 3;  // a week belongs to the ISO year of its Thursday
    const int y = civil_from_days(thursday).year;
    std::snprintf(buf, sizeof buf, "%04d-W%02d", y,
                  static_cast<int>((thursday - days_from_civil(y, 1, 1)) / 7 + 1));
    return buf;
  }
  const auto c = civil_from_days(z);
  const int sm = cal.start_month;
  if (cal.periods_per_year == 1 && sm == 1) {
    std::snprintf(buf, sizeof buf, "%04d", c.year);
  } else if (cal.periods_per_year == 2 && (sm == 1 || sm == 7)) {
    std::snprintf(buf, sizeof buf, "%04d-H%d", c.year, (c.month - 1) / 6 + 1);
  } else if (cal.periods_per_year == 4 && (sm - 1) % 3 == 0) {
    std::snprintf(buf, sizeof buf, "%04d-Q%d", c.year, (c.month - 1) / 3 + 1);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d", c.year, c.month);
  }
  return buf;
}

void set_calendar_start(Calendar& cal, const std::string& date, const std::string& key,
                        const std::string& file, std::int64_t line) {
  DateSpan span;
  std::string why;
  if (!parse_date(date, span, why)) {
    fail(ErrorKind::config, {file, line, key, date}, why,
         "write the start as \"2020\", \"2020-Q1\", \"2020-03\", \"2020-W04\" or \"2020-01-23\"");
  }
  const auto c = civil_from_days(span.first);
  if (c.year < 1900 || c.year > 2200) {
    fail(ErrorKind::config, {file, line, key, date}, "year out of range [1900, 2200]",
         "choose a start within the range");
  }
  cal.start_year = c.year;
  cal.start_month = c.month;
  cal.start_day = c.day;
}

}  // namespace pdlab
