// A self-contained HTML report of a study (charts inlined; opens offline).
#pragma once

#include <string>
#include <vector>

namespace pdlab::study {

struct ReportSummary {
  int charts = 0;
  int map_features = 0;  // county shapes on the map (0: no map)
};

// Writes the report of study `db_path` to `out_path` (atomically; no overwrite unless force).
// `targets_path`: a targets CSV (`pdlab calibrate`'s: level,date,share, optionally region,
// policy_id, metric) drawn against the study; "" for none.
ReportSummary write_report(const std::string& db_path, const std::string& out_path, bool force,
                           const std::string& targets_path = "");

// A case's adoption curve for the comparison: the share of `level` units that adopted
// `policy_id` in the study `study_path`, over years since the study's start.
struct ComparisonCurve {
  std::string name;
  std::string study_path;
  std::string policy_id;
  std::string level;
};

// Side-by-side report of several studies from a comparison table given as CSV text (header
// row, then one row per case; numeric columns are charted case by case), with each case's
// adoption curve aligned to its start (mean and band over its replicates).
ReportSummary write_comparison_report(const std::string& csv, const std::string& title,
                                      const std::string& caption, const std::string& out_path,
                                      bool force, const std::vector<ComparisonCurve>& curves = {});

}  // namespace pdlab::study
