// Internal to `pdlab report`: the study reader, JSON helpers and the page writer shared by the
// report's chart files (report.cpp, report_charts.cpp, report_map.cpp).
#pragma once

#include "pdlab/io/sqlite_db.hpp"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pdlab::study::report {

// Objects keep their keys in insertion order, so the specs read as Vega-Lite's examples do.
using Json = nlohmann::ordered_json;

inline constexpr const char* kSchema = "https://vega.github.io/schema/vega-lite/v5.json";

// A study opened for reading: integrity-checked on open, every step checked.
class Study {
 public:
  explicit Study(const std::string& path);

  // First column of the first row as text ("" when no row or NULL).
  std::string scalar(const std::string& sql) const;
  template <typename F>
  void each(const std::string& sql, F&& f) const {
    io::Stmt st(db_, sql);
    while (st.next_row()) {
      f(st.get());
    }
  }
  bool has_table(const std::string& t) const;
  std::vector<std::string> columns(const std::string& t) const;
  std::string meta(const std::string& key) const;

 private:
  mutable io::Db db_;
};

// Each unit's first adoption of a policy in each replicate, as a table to select from: a unit
// that reverses and adopts again has a row in `adoptions` for each adoption, and every share
// adopted counts it once, as summary_time's `adopted` does. Columns replicate, policy_id,
// unit_id, level, channel (the first adoption's: SQLite takes a bare column from the row with
// the minimum) and period; `where` filters the adoptions first.
std::string first_adoptions(const std::string& where);

// Where an analysis output came from, from its meta table (compare and sensitivity write one):
// "Scenario NAME (FILE, or FILE alone) · seed S · R replicates · pdlab V · command: LINE"; ""
// without one (an output of an older pdlab).
std::string provenance(const Study& db);

// Column i of a row as text ("" for NULL).
std::string text(sqlite3_stmt* st, int i);

// Text for HTML element content and attribute values.
std::string html_escape(std::string_view s);

// A number as the report shows it: six significant digits; NaN and infinities are null.
Json number(double x);

// The first day "YYYY-MM-DD" of a period label ("2020-Q1" -> "2020-01-01").
std::string first_day(const std::string& label);

// Rows as JSON objects; numeric columns stay numbers; a `date` column also gives `day`.
Json json_rows(const Study& db, const std::string& sql);

// A chart's caption as a Vega-Lite title drawn under the chart (wrapped into lines), so that
// it shows on the page and in exported SVG/PNG.
Json caption_title(const std::string& caption);

struct Chart {
  std::string id;
  std::string title;
  Json spec;                // Vega-Lite
  std::string before_html;  // shown between the heading and the chart (escaped by the caller)
};

// Page-level data shared by charts, inlined once: a spec's {"values": "@name"} is replaced by
// the value of key "@name" in the browser.
using PageData = Json;

// Fails early (before any chart work) when the chart libraries are missing.
void check_assets();

// The page: inlined libraries, one section per chart, and a hidden status line that says
// whether every chart rendered with marks drawn (read by the browser test).
void write_page(const std::string& out_path, bool force, const std::string& title,
                const std::string& intro_html, const std::vector<Chart>& charts,
                const PageData& shared = Json::object());

}  // namespace pdlab::study::report
