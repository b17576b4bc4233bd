#include "pdlab/core/calendar.hpp"

#include "pdlab/core/errors.hpp"

#include <cstdio>
#include <regex>

namespace pdlab {

std::int32_t to_period(const Calendar& cal, const std::string& date, const std::string& key,
                       const std::string& file, std::int64_t line) {
  static const std::regex ym(R"(^(\d{4})(?:-(\d{2}))?$)");
  static const std::regex num(R"(^\d+$)");
  std::smatch m;
  if (date.size() < 4 && std::regex_match(date, num)) {
    return std::stoi(date);
  }
  if (!std::regex_match(date, m, ym)) {
    fail(ErrorKind::config, {file, line, key, date}, "not a date",
         "write a date as \"YYYY-MM\" or \"YYYY\", or a period number");
  }
  const int year = std::stoi(m[1]);
  const int month = m[2].matched ? std::stoi(m[2]) : 1;
  if (month < 1 || month > 12) {
    fail(ErrorKind::config, {file, line, key, date}, "month out of range",
         "use a month from 01 to 12");
  }
  const int months = (year - cal.start_year) * 12 + (month - cal.start_month);
  if (months < 0) {
    fail(ErrorKind::config, {file, line, key, date}, "date before the calendar's start",
         "use a date at or after calendar.start_year/start_month, or move the start earlier");
  }
  return static_cast<std::int32_t>(months * cal.periods_per_year / 12);
}

std::int32_t to_period_from_start(const Calendar& cal, const std::string& date,
                                  const std::string& key, const std::string& file,
                                  std::int64_t line) {
  static const std::regex ym(R"(^(\d{4})(?:-(\d{2}))?$)");
  std::smatch m;
  if (std::regex_match(date, m, ym)) {
    const int month = m[2].matched ? std::stoi(m[2]) : 1;
    const int months = (std::stoi(m[1]) - cal.start_year) * 12 + (month - cal.start_month);
    if (months < 0 && month >= 1 && month <= 12) {
      return 0;
    }
  }
  return to_period(cal, date, key, file, line);
}

std::string period_label(const Calendar& cal, std::int32_t p) {
  const int months = cal.start_month - 1 + p * 12 / cal.periods_per_year;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", cal.start_year + months / 12, months % 12 + 1);
  return buf;
}

}  // namespace pdlab
