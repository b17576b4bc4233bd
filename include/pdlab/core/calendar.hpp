// Dates in scenarios ("2013-07", "2013", or a period number) to periods and back.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>

namespace pdlab {

// Period index of a date; throws ErrorKind::config naming `key` on a bad date.
// Dates before the start are errors; dates after the horizon return a period >= periods.
std::int32_t to_period(const Calendar& cal, const std::string& date, const std::string& key,
                       const std::string& file = "", std::int64_t line = 0);
// As to_period, but a date before the start is period 0 (something that already existed).
std::int32_t to_period_from_start(const Calendar& cal, const std::string& date,
                                  const std::string& key, const std::string& file = "",
                                  std::int64_t line = 0);
// "YYYY-MM" of the first month of period p.
std::string period_label(const Calendar& cal, std::int32_t p);

}  // namespace pdlab
