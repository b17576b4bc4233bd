// `pdlab report`: one self-contained HTML file from a study: Vega-Lite charts with the Vega,
// Vega-Lite and vega-embed libraries inlined (from report/node_modules, installed by
// scripts/setup.sh from the npm registry), so the report opens offline.
#include "pdlab/study/report.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/sqlite_db.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

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
// Objects keep their keys in insertion order, so the specs read as Vega-Lite's examples do.
using Json = nlohmann::ordered_json;

constexpr const char* kSchema = "https://vega.github.io/schema/vega-lite/v5.json";

std::string assets_dir() {
  if (const char* d = std::getenv("PDLAB_REPORT_ASSETS")) {
    return d;
  }
  return PDLAB_REPORT_ASSETS;
}

std::string read_asset(const std::string& rel) {
  const auto path = assets_dir() + "/" + rel;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "chart library not found",
         "run scripts/setup.sh (it installs the report's libraries with npm ci in report/), or "
         "set PDLAB_REPORT_ASSETS to a node_modules folder with vega, vega-lite and vega-embed");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string js = ss.str();
  // Inline scripts must not contain a closing script tag: write "<\/script" instead.
  std::string out;
  out.reserve(js.size());
  std::size_t from = 0;
  for (std::size_t p = js.find("</script"); p != std::string::npos;
       p = js.find("</script", p + 1)) {
    out.append(js, from, p - from);
    out += "<\\/";
    from = p + 2;
  }
  out.append(js, from, std::string::npos);
  return out;
}

// A study opened for reading: integrity-checked on open, every step checked.
class Study {
 public:
  explicit Study(const std::string& path) : db_(path, SQLITE_OPEN_READONLY, true) {
    io::note_input(path);
  }

  // First column of the first row as text ("" when no row or NULL).
  std::string scalar(const std::string& sql) const {
    std::string out;
    each(sql, [&](sqlite3_stmt* st) {
      if (out.empty() && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      }
    });
    return out;
  }
  template <typename F>
  void each(const std::string& sql, F&& f) const {
    io::Stmt st(db_, sql);
    while (st.next_row()) {
      f(st.get());
    }
  }
  bool has_table(const std::string& t) const {
    return !scalar("SELECT name FROM sqlite_master WHERE type='table' AND name=" +
                   io::sql_literal(t))
                .empty();
  }
  std::vector<std::string> columns(const std::string& t) const {
    std::vector<std::string> out;
    each("SELECT name FROM pragma_table_info(" + io::sql_literal(t) + ")", [&](sqlite3_stmt* st) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    });
    return out;
  }

 private:
  mutable io::Db db_;
};

// Text for HTML element content and attribute values.
std::string html_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

// A number as the report shows it: six significant digits (the charts need no more, and the
// page stays small); NaN and infinities are null.
Json number(double x) {
  if (!std::isfinite(x)) {
    return nullptr;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return std::strtod(buf, nullptr);
}

// JSON for inside a <script> element. '<' can only occur inside JSON strings, where "\u003c"
// means the same: no "</script>" or "<!--" in the data can end or change the script. Text
// that is not valid UTF-8 (a unit name from a CSV) is replaced, not an error.
std::string script_json(const Json& j) {
  const auto s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// Rows of a query as a JSON array of objects; numeric columns stay numbers.
// The first day "YYYY-MM-DD" of a period label: charts read it as a time, which they cannot
// do for "2020-Q1" or "2020-W04".
std::string first_day(const std::string& label) {
  DateSpan span;
  std::string why;
  if (!parse_date(label, span, why)) {
    return label;
  }
  const auto c = civil_from_days(span.first);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.year, c.month, c.day);
}

// Rows as JSON objects; a `date` column also gives `day`, its first day.
Json json_rows(const Study& db, const std::string& sql) {
  Json out = Json::array();
  std::map<std::string, std::string> days;
  db.each(sql, [&](sqlite3_stmt* st) {
    Json row = Json::object();
    const int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i) {
      const std::string name = sqlite3_column_name(st, i);
      auto& cell = row[name];
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL: cell = nullptr; break;
        case SQLITE_INTEGER: cell = sqlite3_column_int64(st, i); break;
        case SQLITE_FLOAT: cell = number(sqlite3_column_double(st, i)); break;
        default: cell = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      }
      if (name == "date" && cell.is_string()) {
        const auto label = cell.get<std::string>();
        auto it = days.find(label);
        if (it == days.end()) {
          it = days.emplace(label, first_day(label)).first;
        }
        row["day"] = it->second;
      }
    }
    out.push_back(std::move(row));
  });
  return out;
}

// The caption under a chart.
Json subtitle(const std::string& caption) {
  return {{"text", ""}, {"subtitle", caption}, {"anchor", "start"}, {"orient", "bottom"}};
}

struct Chart {
  std::string id;
  std::string title;
  Json spec;  // Vega-Lite
};

// The lowest and highest quantile columns of a summary table (q05 / q95 by default).
std::pair<std::string, std::string> band_columns(const Study& db, const std::string& table) {
  std::vector<std::string> q;
  for (const auto& c : db.columns(table)) {
    if (c.size() > 1 && c[0] == 'q' && std::isdigit(static_cast<unsigned char>(c[1]))) {
      q.push_back(c);
    }
  }
  if (q.empty()) {
    return {"mean", "mean"};
  }
  return {q.front(), q.back()};
}

std::string caption_of(const Study& db) {
  const auto get = [&](const std::string& k) {
    return db.scalar("SELECT value FROM meta WHERE key = " + io::sql_literal(k));
  };
  return "Scenario " + get("scenario_name") + " · seed " + get("seed") + " · " + get("replicates") +
         " replicates · pdlab " + get("pdlab_version");
}

// A line of means with a band between two quantiles, coloured by `color`.
Json band_chart(Json data, const std::string& lo, const std::string& hi, const std::string& color,
                const std::string& y_title, const std::string& caption,
                const std::string& facet = "", bool wrap = false) {
  const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
  const Json by_color = {{"field", color}, {"type", "nominal"}};
  const Json layer =
      Json::array({{{"mark", {{"type", "area"}, {"opacity", 0.2}}},
                    {"encoding",
                     {{"x", x},
                      {"y", {{"field", lo}, {"type", "quantitative"}, {"title", y_title}}},
                      {"y2", {{"field", hi}}},
                      {"color", by_color}}}},
                   {{"mark", "line"},
                    {"encoding",
                     {{"x", x},
                      {"y", {{"field", "mean"}, {"type", "quantitative"}}},
                      {"color", by_color},
                      {"tooltip", Json::array({{{"field", "date"}, {"type", "nominal"}},
                                               {{"field", color}},
                                               {{"field", "mean"}, {"format", ".3f"}},
                                               {{"field", lo}, {"format", ".3f"}},
                                               {{"field", hi}, {"format", ".3f"}}})}}}}});
  Json spec = {{"$schema", kSchema}, {"data", {{"values", std::move(data)}}}};
  if (wrap) {  // one panel per value of `facet`, four a row, each with its own y scale
    spec["facet"] = {{"field", facet}, {"type", "nominal"}, {"title", nullptr}};
    spec["columns"] = 4;
    spec["resolve"] = {{"scale", {{"y", "independent"}}}};
    spec["spec"] = {{"width", 200}, {"height", 150}, {"layer", layer}};
  } else if (!facet.empty()) {
    spec["facet"] = {{"column", {{"field", facet}, {"type", "nominal"}}}};
    spec["spec"] = {{"width", 220}, {"height", 180}, {"layer", layer}};
  } else {
    spec["width"] = 640;
    spec["height"] = 260;
    spec["layer"] = layer;
  }
  spec["title"] = subtitle(caption);
  return spec;
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
  db.each("SELECT unit_id, period FROM adoptions WHERE policy_id = " + io::sql_literal(pol),
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
      {"title", subtitle(caption + " · units not adopting in most replicates are left blank")}};
}

// The page: inlined libraries, one section per chart, and a status line that says whether
// every chart rendered (read by the browser test).
void write_page(const std::string& out_path, bool force, const std::string& title,
                const std::string& intro_html, const std::vector<Chart>& charts) {
  const std::string vega = read_asset("vega/build/vega.min.js");
  const std::string vega_lite = read_asset("vega-lite/build/vega-lite.min.js");
  const std::string vega_embed = read_asset("vega-embed/build/vega-embed.min.js");
  io::write_text_file(out_path, force, [&](std::ostream& o) {
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
      << html_escape(title)
      << "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:"
         "2em auto;color:#222}h2{font-size:1.1em;margin-top:2em}.cap{color:#666;font-size:"
         ".85em}#pdlab-status{color:#666;font-size:.8em}table{border-collapse:collapse;font-size:"
         ".85em}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}</style>\n";
    o << "<script>" << vega << "</script>\n<script>" << vega_lite << "</script>\n<script>"
      << vega_embed << "</script>\n</head><body>\n";
    o << "<h1>" << html_escape(title) << "</h1>\n" << intro_html;
    for (const auto& c : charts) {
      o << "<h2>" << html_escape(c.title) << "</h2>\n<div id=\"" << html_escape(c.id)
        << "\"></div>\n";
    }
    Json specs = Json::object();
    for (const auto& c : charts) {
      specs[c.id] = c.spec;
    }
    o << "<p id=\"pdlab-status\">rendering</p>\n<script>\nconst specs = " << script_json(specs)
      << ";\nconst errors = [];\nwindow.addEventListener('error', e => "
         "errors.push(String(e.message)));\n"
         "Promise.all(Object.entries(specs).map(([id, spec]) =>\n"
         "  vegaEmbed('#' + id, spec, {actions: false, renderer: 'svg'})\n"
         "    .then(r => { if (!document.querySelector('#' + id + ' svg')) errors.push(id + ': no "
         "svg'); })\n"
         "    .catch(e => errors.push(id + ': ' + e))))\n"
         "  .then(() => { document.getElementById('pdlab-status').textContent = errors.length ?\n"
         "    'errors: ' + errors.join('; ') : 'rendered ' + Object.keys(specs).length + ' of ' +\n"
         "    Object.keys(specs).length + ' charts'; });\n</script>\n</body></html>\n";
  });
}

}  // namespace

ReportSummary write_report(const std::string& db_path, const std::string& out_path, bool force) {
  io::check_output_path(out_path, force);
  const Study db(db_path);
  if (!db.has_table("summary_time") || !db.has_table("meta")) {
    fail(ErrorKind::data, {db_path, 0, "", ""}, "not a pdlab study (no summary_time table)",
         "give the .sqlite file written by `pdlab run` or `pdlab cases`");
  }
  const auto caption = caption_of(db);
  read_asset("vega/build/vega.min.js");  // fail early, before any chart work
  std::vector<Chart> charts;
  {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    const auto band = band_columns(db, "summary_time");
    const std::string& lo = band.first;
    const std::string& hi = band.second;
    db.each("SELECT policy_id FROM policies ORDER BY policy_index", [&](sqlite3_stmt* st) {
      const std::string pol = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      const auto data = json_rows(
          db, "SELECT level, date, mean, " + lo + ", " + hi +
                  " FROM summary_time WHERE metric = 'adopted' AND policy_id = " +
                  io::sql_literal(pol) +
                  " AND level <> (SELECT name FROM levels WHERE level = 0) ORDER BY period");
      charts.push_back({"adoption_" + std::to_string(charts.size()),
                        "Share of units adopted, by level: " + pol + " (mean and " + lo + "–" + hi +
                            " band over replicates)",
                        band_chart(data, lo, hi, "level", "share adopted", caption)});
    });
  }
  if (db.has_table("governance_time")) {
    const auto band = band_columns(db, "governance_time");
    const std::string& lo = band.first;
    const std::string& hi = band.second;
    const auto q = [&](const std::string& where) {
      return json_rows(db, "SELECT level, date, metric, mean, " + lo + ", " + hi +
                               " FROM governance_time WHERE " + where + " ORDER BY period");
    };
    // The charts and their metrics come from the metric descriptor table: a metric shows in
    // the chart its descriptor names. Charts mixing units get one panel per metric.
    struct GovChart {
      std::string_view id, title;
      bool panel_per_metric;
    };
    static constexpr std::array<GovChart, 7> kCharts{{
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
        {"costs", "Costs by strategy", false},
        {"services", "Four o'clock school coverage and SO capacity", false},
    }};
    for (const auto& chart : kCharts) {
      std::string in;
      std::string_view unit;
      for (const auto& m : gov_metrics()) {
        if (m.chart == chart.id) {
          in += std::string(in.empty() ? "" : ", ") + io::sql_literal(m.name);
          unit = m.unit;
        }
      }
      const auto data = q("metric IN (" + in + ")");
      if (data.empty()) {
        continue;
      }
      charts.push_back({std::string(chart.id), std::string(chart.title),
                        chart.panel_per_metric
                            ? band_chart(data, lo, hi, "level", "", caption, "metric", true)
                            : band_chart(data, lo, hi, "metric", std::string(unit), caption)});
    }
  }
  {
    const auto spec = hierarchy_chart(db, caption);
    if (!spec.is_null()) {
      charts.push_back({"hierarchy", "The hierarchy coloured by median adoption date", spec});
    }
  }
  const auto name = db.scalar("SELECT value FROM meta WHERE key = 'scenario_name'");
  write_page(out_path, force, "pdlab report: " + name,
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n", charts);
  return {static_cast<int>(charts.size())};
}

ReportSummary write_comparison_report(const std::string& csv, const std::string& title,
                                      const std::string& caption, const std::string& out_path,
                                      bool force) {
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
  std::string table = "<div style=\"overflow-x:auto\"><table><tr>";
  for (const auto& h : header) {
    table += "<th>" + html_escape(h) + "</th>";
  }
  table += "</tr>";
  Json values = Json::array();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    table += "<tr>";
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      table += "<td>" + html_escape(rows[r][i]) + "</td>";
      if (i == 0 || i >= header.size()) {
        continue;
      }
      char* end = nullptr;
      const double x = std::strtod(rows[r][i].c_str(), &end);
      if (!rows[r][i].empty() && end != nullptr && *end == '\0') {
        values.push_back({{"case", rows[r][0]}, {"measure", header[i]}, {"value", number(x)}});
      }
    }
    table += "</tr>";
  }
  table += "</table></div>\n";
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
          {"tooltip", Json::array({{{"field", "case"}},
                                   {{"field", "measure"}},
                                   {{"field", "value"}, {"format", ".3f"}}})}}}}},
      {"resolve", {{"scale", {{"y", "independent"}}}}},
      {"title", subtitle(caption)}};
  const std::vector<Chart> charts = {{"comparison", "The cases side by side", std::move(spec)}};
  write_page(out_path, force, title, "<p class=\"cap\">" + html_escape(caption) + "</p>\n" + table,
             charts);
  return {1};
}

}  // namespace pdlab::study
