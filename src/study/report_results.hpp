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
