// Internal to the study library: the rows of a calibration targets CSV (the file
// `pdlab calibrate` reads and `pdlab report --targets` draws), checked for what does not
// depend on the model or the study: required columns, finite values, shares in [0, 1],
// no region on a governance metric, non-negative weights. Callers resolve levels, dates,
// policies and regions against their model or study.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab::study {

struct TargetRow {
  std::int64_t line = 0;
  std::string level, date, policy, region, metric;  // empty when the column is absent or empty
  double value = 0;                                 // a share, or the metric's value
  std::string value_text;                           // the value as written
  double weight = 1;
  const char* value_name = "share";  // the column the value came from: "value" or "share"
};

// Every row of the targets CSV at `path`; a data error naming file, line, field and value
// for a malformed row, for a file without rows, and for a file with both a share and a value
// column.
std::vector<TargetRow> read_target_rows(const std::string& path);

// A data error unless the target's date `date` (its first day `day`) lies within the span
// [first_day, last_day] of the calendar whose first and last periods are `first` and `last`
// (labels) of `whose` ("the scenario's"), naming file, line, date and the span; `fix` ends
// the message.
void check_target_in_calendar(const std::string& path, std::int64_t line, const std::string& date,
                              std::int64_t day, std::int64_t first_day, std::int64_t last_day,
                              const std::string& first, const std::string& last,
                              const std::string& whose, const std::string& fix);

}  // namespace pdlab::study
