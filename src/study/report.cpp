// `pdlab report`: one self-contained HTML file from a study: which charts a study gets, and
// their Vega-Lite specs. The page itself is written by report_page.cpp, the map by
// report_map.cpp.
#include "pdlab/study/report.hpp"
#include "study/report_charts.hpp"
#include "study/report_map.hpp"
#include "study/report_page.hpp"
#include "study/report_results.hpp"
#include "study/report_targets.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace pdlab::study {

namespace {

namespace fs = std::filesystem;
using namespace report;

std::string caption_of(const Study& db) {
  const auto get = [&](const std::string& k) {
    return db.scalar("SELECT value FROM meta WHERE key = " + io::sql_literal(k));
  };
  return "Scenario " + get("scenario_name") + " · seed " + get("seed") + " · " + get("replicates") +
         " replicates · pdlab " + get("pdlab_version");
}

// Hierarchy as an icicle (one band per level, each unit as wide as the units below it at the
// deepest level shown), coloured by the median adoption date over replicates. Null when the
// scenario's inputs cannot be read back.
Json hierarchy_chart(const Study& db, const std::string& caption) {
  const auto file = db.scalar("SELECT file FROM scenarios WHERE scenario_id = 1");
  const auto toml = db.scalar("SELECT toml FROM scenarios WHERE scenario_id = 1");
  io::LoadedScenario loaded;
  try {
    loaded = io::parse_scenario(toml, file, {});
  } catch (const Error&) {
    return nullptr;
  }
  io::Inputs inputs;
  try {
    inputs = io::load_inputs(loaded.scenario);
  } catch (const Error&) {
    return nullptr;  // the scenario's input files moved: the report leaves this chart out
  }
  const auto& h = *inputs.hierarchy;
  int lmax = 0;
  while (lmax + 1 < h.n_levels() && h.level_begin(lmax + 2) <= 5000) {
    ++lmax;
  }
  const std::int32_t n = h.level_begin(lmax + 1);
  // Median adoption period (first policy) per unit, over replicates.
  const auto reps =
      std::max(1, std::atoi(db.scalar("SELECT value FROM meta WHERE key = 'replicates'").c_str()));
  const auto pol = db.scalar("SELECT policy_id FROM policies ORDER BY policy_index LIMIT 1");
  std::map<std::string, std::vector<double>> periods;
  db.each("SELECT unit_id, period FROM " + first_adoptions("policy_id = " + io::sql_literal(pol)),
          [&](sqlite3_stmt* st) {
            periods[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].push_back(
                sqlite3_column_double(st, 1));
          });
  const int ppy = std::max(
      1, std::atoi(db.scalar("SELECT value FROM meta WHERE key = 'periods_per_year'").c_str()));
  const auto start = db.scalar("SELECT value FROM meta WHERE key = 'start'");
  // The start label in any calendar's form ("2020", "2020-Q1", "2020-W04", ...) as a decimal
  // year of its first day.
  double y0 = 0;
  DateSpan span;
  if (std::string why; parse_date(start, span, why)) {
    const auto c = civil_from_days(span.first);
    y0 = c.year +
         static_cast<double>(span.first - days_from_civil(c.year, 1, 1)) /
             static_cast<double>(days_from_civil(c.year + 1, 1, 1) - days_from_civil(c.year, 1, 1));
  }
  std::vector<double> width(static_cast<std::size_t>(n), 0.0);
  for (std::int32_t u = n - 1; u >= 0; --u) {
    if (h.level(u) == lmax || h.n_children(u) == 0 || h.level(u) > lmax) {
      width[u] = 1.0;
    }
    if (u > 0) {
      width[h.parent(u)] += h.level(u) <= lmax ? width[u] : 0.0;
    }
  }
  std::vector<double> x0(static_cast<std::size_t>(n), 0.0);
  Json rows = Json::array();
  for (std::int32_t u = 0; u < n; ++u) {
    if (h.level(u) < lmax) {
      double x = x0[u];
      for (std::int32_t c = h.first_child(u); c < h.end_child(u); ++c) {
        x0[c] = x;
        x += width[c];
      }
    }
    const auto it = periods.find(std::string(h.id(u)));
    Json year = nullptr;
    double share = 0;
    if (it != periods.end()) {
      auto v = it->second;
      share = static_cast<double>(v.size()) / reps;
      if (2 * v.size() >= static_cast<std::size_t>(reps)) {
        std::sort(v.begin(), v.end());
        // The median over all replicates (units never adopting count as later).
        year = number(y0 + v[static_cast<std::size_t>((reps - 1) / 2)] / ppy);
      }
    }
    rows.push_back({{"id", h.id(u)},
                    {"name", h.name(u)},
                    {"level", h.level_names()[h.level(u)]},
                    {"depth", h.level(u)},
                    {"x0", number(x0[u])},
                    {"x1", number(x0[u] + width[u])},
                    {"year", std::move(year)},
                    {"share", number(share)}});
  }
  return {
      {"$schema", kSchema},
      {"data", {{"values", std::move(rows)}}},
      {"width", 640},
      {"height", 40 * (lmax + 1)},
      {"mark", {{"type", "rect"}, {"stroke", "white"}, {"strokeWidth", 0.3}}},
      {"encoding",
       {{"x", {{"field", "x0"}, {"type", "quantitative"}, {"axis", nullptr}}},
        {"x2", {{"field", "x1"}}},
        {"y", {{"field", "depth"}, {"type", "ordinal"}, {"title", "level (0 = top)"}}},
        {"color",
         {{"field", "year"},
          {"type", "quantitative"},
          {"title", "median adoption"},
          {"scale", {{"scheme", "viridis"}}},
          {"legend", {{"format", ".0f"}}}}},
        {"tooltip",
         Json::array({{{"field", "name"}},
                      {{"field", "id"}},
                      {{"field", "level"}},
                      {{"field", "year"}, {"title", "median adoption (year)"}, {"format", ".1f"}},
                      {{"field", "share"},
                       {"title", "share of replicates adopting"},
                       {"format", ".2f"}}})}}},
      {"title",
       caption_title(caption + " · units not adopting in most replicates are left blank")}};
}

// Each case's share of communities adopted against years since its start: mean and the
// lowest-highest quantile band over its replicates; the case names link to their pages.
Json curves_chart(const std::vector<ComparisonCurve>& curves) {
  Json rows = Json::array();
  std::string band_name;
  for (const auto& c : curves) {
    const Study db(c.study_path);
    const auto band = band_columns(db, "summary_time");
    band_name = band.first + "–" + band.second;
    const int ppy = std::max(1, std::atoi(db.meta("periods_per_year").c_str()));
    const auto start = db.meta("start");
    db.each("SELECT period, date, mean, " + band.first + ", " + band.second +
                " FROM summary_time WHERE metric = 'adopted' AND policy_id = " +
                io::sql_literal(c.policy_id) + " AND level = " + io::sql_literal(c.level) +
                " ORDER BY period",
            [&](sqlite3_stmt* st) {
              rows.push_back({{"case", c.name + " (" + c.level + ", from " + start + ")"},
                              {"page", c.name + ".html"},
                              {"years", number((sqlite3_column_double(st, 0) + 1) / ppy)},
                              {"date", text(st, 1)},
                              {"mean", number(sqlite3_column_double(st, 2))},
                              {"lo", number(sqlite3_column_double(st, 3))},
                              {"hi", number(sqlite3_column_double(st, 4))}});
            });
  }
  const Json x = {
      {"field", "years"}, {"type", "quantitative"}, {"title", "years since the case's start"}};
  const Json color = {{"field", "case"},
                      {"type", "nominal"},
                      {"title", "case (level, start)"},
                      {"legend", {{"orient", "bottom"}, {"columns", 2}, {"labelLimit", 400}}}};
  return {{"$schema", kSchema},
          {"data", {{"values", std::move(rows)}}},
          {"width", 640},
          {"height", 280},
          {"layer",
           Json::array(
               {{{"mark", {{"type", "area"}, {"opacity", 0.15}}},
                 {"encoding",
                  {{"x", x},
                   {"y", {{"field", "lo"}, {"type", "quantitative"}, {"title", "share adopted"}}},
                   {"y2", {{"field", "hi"}}},
                   {"color", color}}}},
                {{"mark", {{"type", "line"}, {"strokeWidth", 2}}},
                 {"encoding",
                  {{"x", x},
                   {"y", {{"field", "mean"}, {"type", "quantitative"}}},
                   {"color", color},
                   {"href", {{"field", "page"}}},
                   {"tooltip", Json::array({{{"field", "case"}},
                                            {{"field", "date"}},
                                            {{"field", "years"}, {"format", ".2f"}},
                                            {{"field", "mean"}, {"format", ".3f"}},
                                            {{"field", "lo"}, {"format", ".3f"}},
                                            {{"field", "hi"}, {"format", ".3f"}}})}}}}})},
          {"title",
           caption_title("Share of each case's communities (its community level, else its deepest) "
                         "that adopted its reform, against years since the case's own start: the "
                         "mean (line) and the " +
                         band_name +
                         " band over its replicates. Cases start in different years; click a "
                         "line for the case's page.")}};
}

}  // namespace

ReportSummary write_report(const std::string& db_path, const std::string& out_path, bool force,
                           const std::string& targets_path) {
  // One self-contained HTML page: a name that says otherwise (or "-", which is no file here)
  // would be taken for what it says.
  if (!out_path.ends_with(".html") && !out_path.ends_with(".htm")) {
    fail(ErrorKind::usage, {"", 0, "--out", out_path},
         "the report is an HTML page, but the name does not end in .html",
         "name it .html, e.g. --out report.html");
  }
  io::check_output_path(out_path, force);
  const Study db(db_path);
  if (!targets_path.empty() && !db.has_table("summary_time")) {
    fail(ErrorKind::usage, {db_path, 0, "--targets", targets_path},
         "targets are drawn against a study, and this file is not one",
         "give a study (.sqlite of `pdlab run` or `pdlab cases`) with --targets, or leave "
         "--targets out");
  }
  if (!db.has_table("summary_time")) {  // the .sqlite output of another command
    if (db.has_table("compare")) {
      check_assets();
      return {write_compare_report(db, out_path, force), 0};
    }
    if (db.has_table("check_fit")) {
      check_assets();
      return {write_check_fit_report(db, out_path, force), 0};
    }
    if (db.has_table("calibration")) {
      check_assets();
      return {write_calibration_report(db, out_path, force), 0};
    }
    if (db.has_table("sensitivity")) {
      check_assets();
      return {write_sensitivity_report(db, db_path, out_path, force), 0};
    }
    if (db.has_table("abc_predictive")) {
      check_assets();
      return {write_abc_predictive_report(db, out_path, force), 0};
    }
    if (db.has_table("abc_posterior")) {
      check_assets();
      return {write_abc_posterior_report(db, out_path, force), 0};
    }
    if (db.has_table("abc_summary")) {
      check_assets();
      return {write_abc_summary_report(db, out_path, force), 0};
    }
  }
  if (db.has_table("out_of_sample") && !db.has_table("summary_time")) {
    fail(ErrorKind::data, {db_path, 0, "", ""},
         "the out-of-sample scores of `check-fit --train-until` have no report (a table of a "
         "few rows per method)",
         "read them with `pdlab export " + db_path +
             " --table out_of_sample`; `pdlab report` draws `check-fit --out FILE.sqlite` "
             "without --train-until");
  }
  if (!db.has_table("summary_time") || !db.has_table("meta")) {
    fail(ErrorKind::data, {db_path, 0, "", ""},
         std::string("not a pdlab study (no ") +
             (db.has_table("summary_time") ? "meta" : "summary_time") + " table)",
         "give the .sqlite file written by `pdlab run`, `pdlab cases`, or the .sqlite output of "
         "`compare --out`, `check-fit --out` (without --train-until), `sensitivity --out`, or "
         "`calibrate --report` "
         "(with --method abc also --posterior or --summary)");
  }
  if (db.scalar("SELECT COUNT(*) FROM summary_time") == "0") {
    fail(ErrorKind::data, {db_path, 0, "", ""},
         "the study holds no results (its summary_time table is empty): every chart would be "
         "empty",
         "give a study that ran to the end (a killed run leaves FILE.sqlite.partial: finish it "
         "with `pdlab run ... --resume`)");
  }
  const auto caption = caption_of(db);
  check_assets();  // fail early, before any chart work
  std::vector<PolicyInfo> policies;
  db.each(
      "SELECT policy_id, COALESCE(NULLIF(name, ''), policy_id) FROM policies ORDER BY "
      "policy_index",
      [&](sqlite3_stmt* st) {
        policies.push_back({text(st, 0), text(st, 1)});
      });
  // Read and checked before any chart work: a bad row fails with nothing written.
  const auto targets = targets_path.empty() ? std::vector<ReportTarget>{}
                                            : read_report_targets(targets_path, db, policies);
  const auto events = event_rows(db);
  std::vector<Chart> charts;
  auto map = map_charts(db, policies, caption);
  for (auto& c : map.charts) {
    charts.push_back(std::move(c));
  }
  {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    const auto band = band_columns(db, "summary_time");
    const std::string& lo = band.first;
    const std::string& hi = band.second;
    for (const auto& pol : policies) {
      const auto data = json_rows(
          db, "SELECT level, date, mean, " + lo + ", " + hi +
                  " FROM summary_time WHERE metric = 'adopted' AND policy_id = " +
                  io::sql_literal(pol.id) +
                  " AND level <> (SELECT name FROM levels WHERE level = 0) ORDER BY period");
      charts.push_back({"adoption_" + std::to_string(charts.size()),
                        "Share of units adopted, by level: " + pol.name + " (mean and " + lo + "–" +
                            hi + " band over replicates)",
                        band_chart(data, lo, hi, "level", "share adopted", caption, events), ""});
    }
  }
  for (auto& c : target_charts(db, targets, policies, caption)) {
    charts.push_back(std::move(c));
  }
  for (auto& c : story_charts(db, policies, caption, events)) {
    charts.push_back(std::move(c));
  }
  if (db.has_table("governance_time")) {
    const auto band = band_columns(db, "governance_time");
    const std::string& lo = band.first;
    const std::string& hi = band.second;
    // Metrics by their readable label and unit (docs/metrics.md), not their column names.
    const auto q = [&](const std::string& where) {
      auto rows = json_rows(db, "SELECT level, date, metric, mean, " + lo + ", " + hi +
                                    " FROM governance_time WHERE " + where + " ORDER BY period");
      for (auto& r : rows) {
        r["metric"] = metric_label(r["metric"].get<std::string>());
      }
      return rows;
    };
    // The charts and their metrics come from the metric descriptor table: a metric shows in
    // the chart its descriptor names. Charts mixing units get one panel per metric.
    struct GovChart {
      std::string_view id, title;
      bool panel_per_metric;
    };
    static constexpr std::array<GovChart, 8> kCharts{{
        {"officials",
         "Officials: effort on depth, visible outputs, depth, scores and careers, "
         "by level",
         true},
        {"participation", "Participation of locals and migrants against the state's target", false},
        {"residents", "Belonging, trust, grievance and satisfaction of residents", false},
        {"incidents",
         "Incidents, expected claims, latent grievance, root-cause capital and escalated "
         "pressure, by level",
         true},
        {"strategies", "How local officials split the stability budget", false},
        {"costs", "Costs by strategy, each on its own scale", true},
        {"services", "Four o'clock schools: coverage, SO capacity, demand and places", true},
        {"mandates",
         "Mandates: inspections failed, and depth per visible output of mandated and voluntary "
         "adopters (box-ticking), by level",
         true},
    }};
    for (const auto& chart : kCharts) {
      std::string in;
      std::string unit;
      bool one_unit = true;
      for (const auto& m : gov_metrics()) {
        if (m.chart == chart.id) {
          in += std::string(in.empty() ? "" : ", ") + io::sql_literal(m.name);
          one_unit = one_unit && (unit.empty() || unit == m.unit);
          unit = m.unit;
        }
      }
      // A chart of one unit names it on its axis; otherwise each legend entry or panel does.
      if (!one_unit) {
        unit = "value (unit in the legend)";
      }
      const auto data = q("metric IN (" + in + ")");
      if (data.empty()) {
        continue;
      }
      charts.push_back(
          {std::string(chart.id), std::string(chart.title),
           chart.panel_per_metric
               ? band_chart(
                     data, lo, hi, "level", "",
                     "Each panel one metric, its unit in its title, on its own scale. " + caption,
                     events, "metric", true)
               : band_chart(data, lo, hi, "metric", unit, caption, events),
           ""});
    }
  }
  {
    const auto spec = hierarchy_chart(db, caption);
    if (!spec.is_null()) {
      charts.push_back({"hierarchy", "The hierarchy coloured by median adoption date", spec, ""});
    }
  }
  const auto name = db.scalar("SELECT value FROM meta WHERE key = 'scenario_name'");
  PageData shared = std::move(map.shared);
  if (!map.topology.is_null()) {
    shared["@topology"] = std::move(map.topology);
  }
  // With parameter draws every band holds the parameters' uncertainty as well as the
  // replicates' chance: say so once, above the charts.
  std::string draws_note;
  if (db.has_table("draws")) {
    draws_note =
        "<p class=\"cap\">Parameter uncertainty: each replicate ran with its own draw "
        "of " +
        html_escape(db.scalar("SELECT group_concat(key, ', ') FROM (SELECT DISTINCT key "
                              "FROM draws ORDER BY key)")) +
        " from [uncertainty] (table draws), so the bands over replicates hold the "
        "parameters' uncertainty as well as chance.</p>\n";
  }
  write_page(out_path, force, "pdlab report: " + name,
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n" + draws_note + map.note_html,
             charts, shared);
  return {static_cast<int>(charts.size()), map.features};
}

ReportSummary write_comparison_report(const std::string& csv, const std::string& title,
                                      const std::string& caption, const std::string& out_path,
                                      bool force, const std::vector<ComparisonCurve>& curves) {
  // Parse the simple CSV we wrote (no quoted fields).
  std::vector<std::vector<std::string>> rows;
  std::stringstream ss(csv);
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) {
      cells.push_back(c);
    }
    rows.push_back(cells);
  }
  if (rows.size() < 2) {
    fail(ErrorKind::data, {out_path, 0, "", ""}, "no cases to report", "run at least one case");
  }
  const auto& header = rows[0];
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t i_half = col("years_to_half_of_communities");
  const std::size_t i_capped = col("years_to_half_capped");
  // "Years to half" counts the horizon for a replicate in which half the communities never
  // adopted: the mean is then a lower bound, flagged when any replicate was capped.
  const auto capped = [&](const std::vector<std::string>& row) {
    return i_capped < row.size() && std::strtod(row[i_capped].c_str(), nullptr) > 0;
  };
  // Transposed (a row per measure, a column per case), so the table fits the page; each case
  // links to its own report, written beside this one.
  // Each measure with what it is and its unit, from the registry of comparison.csv's columns.
  const auto& schema = io::table_schema("cases_comparison");
  const auto meaning = [&](const std::string& name) {
    for (const auto& c : schema.columns) {
      if (c.name == name) {
        return c.meaning;
      }
    }
    return std::string();
  };
  std::string table = "<table><tr><th>measure</th>";
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& name = rows[r][0];
    table += "<th><a href=\"" + html_escape(name) + ".html\">" + html_escape(name) + "</a></th>";
  }
  table += "<th>what it is (unit)</th></tr>";
  Json values = Json::array();
  for (std::size_t i = 1; i < header.size(); ++i) {
    table += "<tr><td>" + html_escape(header[i]) + "</td>";
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const std::string cell = i < rows[r].size() ? rows[r][i] : "";
      if (i == i_half && capped(rows[r])) {
        table +=
            "<td class=\"flag\" title=\"in some replicates half the communities never "
            "adopted: counted at the horizon, so a lower bound\">&ge; " +
            html_escape(cell) + " &#9873;</td>";
      } else {
        table += "<td>" + html_escape(cell) + "</td>";
      }
      char* end = nullptr;
      const double x = std::strtod(cell.c_str(), &end);
      if (!cell.empty() && end != nullptr && *end == '\0') {
        values.push_back({{"case", rows[r][0]},
                          {"measure", header[i]},
                          {"value", number(x)},
                          {"capped", i == i_half && capped(rows[r])},
                          {"meaning", meaning(header[i])}});
      }
    }
    table += "<td class=\"cap\">" + html_escape(meaning(header[i])) + "</td></tr>";
  }
  table +=
      "</table>\n<p class=\"cap\">&#9873; years to half capped at the horizon: in some "
      "replicates (share in years_to_half_capped) half the communities never adopted, so the "
      "mean is a lower bound (pale bar in the chart). Case names link to each case's report.</p>\n";
  const Json measures = {"communities_adopted_end",
                         "years_to_half_of_communities",
                         "participation_local",
                         "participation_migrant",
                         "depth",
                         "coverage",
                         "incidents_per_10k_year",
                         "cost_per_10k_year"};
  Json spec = {
      {"$schema", kSchema},
      {"data", {{"values", std::move(values)}}},
      {"transform", Json::array({{{"filter", {{"field", "measure"}, {"oneOf", measures}}}}})},
      {"facet", {{"field", "measure"}, {"type", "nominal"}, {"title", nullptr}}},
      {"columns", 4},
      {"spec",
       {{"width", 170},
        {"height", 140},
        {"mark", "bar"},
        {"encoding",
         {{"x", {{"field", "case"}, {"type", "nominal"}, {"title", nullptr}}},
          {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", nullptr}}},
          {"color", {{"field", "case"}, {"type", "nominal"}, {"legend", nullptr}}},
          {"opacity", {{"condition", {{"test", "datum.capped"}, {"value", 0.35}}}, {"value", 1}}},
          {"tooltip", Json::array({{{"field", "case"}},
                                   {{"field", "measure"}},
                                   {{"field", "value"}, {"format", ".3f"}},
                                   {{"field", "meaning"}, {"title", "what it is (unit)"}},
                                   {{"field", "capped"}, {"title", "capped at the horizon"}}})}}}}},
      {"resolve", {{"scale", {{"y", "independent"}}}}},
      {"title", caption_title(caption)}};
  std::vector<Chart> charts = {{"comparison", "The cases side by side", std::move(spec), ""}};
  if (!curves.empty()) {
    charts.push_back({"curves", "Adoption in each case, from its start", curves_chart(curves), ""});
  }
  write_page(out_path, force, title, "<p class=\"cap\">" + html_escape(caption) + "</p>\n" + table,
             charts);
  return {static_cast<int>(charts.size())};
}

}  // namespace pdlab::study
