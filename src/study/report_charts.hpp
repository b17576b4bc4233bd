// Internal to `pdlab report`: time-series charts and the story charts chosen by what a study
// contains (report_charts.cpp).
#pragma once

#include "pdlab/core/scenario.hpp"
#include "study/report_map.hpp"
#include "study/report_page.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pdlab::study::report {

// The lowest and highest quantile columns of a summary table (q05 / q95 by default).
std::pair<std::string, std::string> band_columns(const Study& db, const std::string& table);

// A governance metric as charts show it: its readable label and unit ("Migrant participation
// (share 0-1)"); other names unchanged.
std::string metric_label(const std::string& name);

// The scenario's scripted events (none when the stored scenario cannot be read back), and
// what one does, in a few words.
std::vector<Event> scenario_events(const Study& db);
std::string describe(const Event& e);

// In how many replicates each step of the policy's story happened: its scripted events with
// what had to follow them, and the steps the model took on its own (report_steps.cpp).
void steps_chart(const Study& db, const PolicyInfo& policy, const std::vector<Event>& events,
                 const std::string& caption, std::vector<Chart>& out);

// The scenario's scripted events as rows {day, date, event} for markers on time axes.
Json event_rows(const Study& db);

// A line of means with a band between two quantiles, coloured by `color`; `facet` gives one
// panel per value (four a row with `wrap`). Scripted events are marked on unfaceted charts.
Json band_chart(Json data, const std::string& lo, const std::string& hi, const std::string& color,
                const std::string& y_title, const std::string& caption, const Json& events,
                const std::string& facet = "", bool wrap = false);

// One row per target (y: `target`, in data order): a band from `band.lo` to `band.hi` (bar),
// the simulated centre `centre` (black tick) and the observed value `observed` (red diamond).
// `x` is the band's x encoding (title, scale); the calibration and ABC pages share it.
struct TargetBand {
  std::string lo, hi, centre, observed;
};
Json target_band_chart(Json data, const TargetBand& band, const Json& x, const Json& tooltip,
                       const std::string& caption);

// Charts that tell the study's story, each only where the study has what it needs: active vs
// reversed by level, regional shares against quota targets, adoptions by channel, a few
// replicates against the median.
std::vector<Chart> story_charts(const Study& db, const std::vector<PolicyInfo>& policies,
                                const std::string& caption, const Json& events);

}  // namespace pdlab::study::report
