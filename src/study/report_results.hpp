// Internal to `pdlab report`: reports of the outputs of other commands (report_results.cpp).
#pragma once

#include "report_page.hpp"

#include <string>

namespace pdlab::study::report {

// The report of a `pdlab compare` output (a .sqlite holding the `compare` table); returns the
// number of charts.
int write_compare_report(const Study& db, const std::string& out_path, bool force);

}  // namespace pdlab::study::report
