// Internal to `pdlab report`: reports of the outputs of other commands (report_results.cpp).
#pragma once

#include "study/report_page.hpp"

#include <string>

namespace pdlab::study::report {

// The report of a `pdlab compare` output (a .sqlite holding the `compare` table); returns the
// number of charts.
int write_compare_report(const Study& db, const std::string& out_path, bool force);

// `pdlab check-fit --out FILE.sqlite` (table `check_fit`): observed vs simulated with bands.
int write_check_fit_report(const Study& db, const std::string& out_path, bool force);

// `pdlab calibrate --report FILE.sqlite` (table `calibration`): targets vs the fitted model.
int write_calibration_report(const Study& db, const std::string& out_path, bool force);

// How a table of calibration targets (`calibration`, `abc_predictive`: a `metric` column,
// empty for an adoption share) labels their values: "share adopted" on [0, 1] only where every
// target is an adoption share; one metric's label and unit where all are that metric; else
// "target value". `diamond` says what the red diamond is, for the caption.
struct TargetAxis {
  Json axis;
  std::string diamond;
};
TargetAxis target_axis(const Study& db, const std::string& table);

// `pdlab sensitivity`'s table: each index per factor with its bootstrap interval, a panel per
// outcome (report_analyses.cpp).
int write_sensitivity_report(const Study& db, const std::string& db_path,
                             const std::string& out_path, bool force);
// `pdlab calibrate --method abc` outputs: --report (posterior predictive bands against the
// targets), --posterior (weighted histograms), --summary (posterior against prior).
int write_abc_predictive_report(const Study& db, const std::string& out_path, bool force);
int write_abc_posterior_report(const Study& db, const std::string& out_path, bool force);
int write_abc_summary_report(const Study& db, const std::string& out_path, bool force);

}  // namespace pdlab::study::report
