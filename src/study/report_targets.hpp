// Internal to `pdlab report`: calibration targets read against a study and drawn on its
// charts (report_targets.cpp).
#pragma once

#include "study/report_map.hpp"
#include "study/report_page.hpp"

#include <string>
#include <vector>

namespace pdlab::study::report {

// One target: by `date`, `share` of the units of `level` (below `regions`, pooled; all when
// empty) have adopted `policy`; or, with `metric`, the governance metric at `level` has the
// value `share`.
struct ReportTarget {
  std::string policy;  // policy id ("" for a metric target)
  std::string level;
  std::vector<std::string> regions;
  std::string region_text;  // as in the file ("" = the whole level)
  std::string metric;       // "" for an adoption share
  std::string date;
  double share = 0;
};

// The targets CSV of `pdlab calibrate` (level,date,share or value; optionally policy_id,
// region, weight, metric), checked against the study: every bad field is an error naming the
// file, line, field and value, before anything is written.
std::vector<ReportTarget> read_report_targets(const std::string& path, const Study& db,
                                              const std::vector<PolicyInfo>& policies);

// One chart of every target series against the study (mean and 5%-95% band over replicates,
// the targets as diamonds); none without targets.
std::vector<Chart> target_charts(const Study& db, const std::vector<ReportTarget>& targets,
                                 const std::vector<PolicyInfo>& policies,
                                 const std::string& caption);

}  // namespace pdlab::study::report
