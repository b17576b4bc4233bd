// Internal to `pdlab report`: the map of China (report_map.cpp).
#pragma once

#include "study/report_page.hpp"

#include <string>
#include <vector>

namespace pdlab::study::report {

struct PolicyInfo {
  std::string id;
  std::string name;  // display name (the id when the study has none)
};

struct MapCharts {
  std::vector<Chart> charts;
  Json shared = Json::object();  // page data the charts refer to ("@map_rows_0", ...)
  Json topology;                 // null: no map
  int features = 0;              // county shapes in the topology
  std::string note_html;         // why there is no map
};

// Maps of every policy for a study on China's hierarchy; otherwise no charts and a note.
MapCharts map_charts(const Study& db, const std::vector<PolicyInfo>& policies,
                     const std::string& caption);

}  // namespace pdlab::study::report
