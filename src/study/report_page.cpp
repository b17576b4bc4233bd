// `pdlab report`'s page: the study reader, JSON helpers, and the self-contained HTML page with
// the Vega, Vega-Lite and vega-embed libraries inlined (from report/node_modules, installed by
// scripts/setup.sh from the npm registry), so a report opens offline.
#include "study/report_page.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/results.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace pdlab::study::report {

namespace {

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

// Runs every chart, then writes the status line the browser test reads: each chart must draw
// at least one data mark (a blank chart is an error), console errors are errors, and the map
// reports how many county shapes it drew.
constexpr const char* kPageScript = R"JS(
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message)));
const consoleError = console.error;
console.error = (...a) => { errors.push(a.map(String).join(' ')); consoleError(...a); };
function inject(s) {
  if (!s || typeof s !== 'object') return;
  for (const k of Object.keys(s)) {
    if (k === 'values' && typeof s[k] === 'string' && s[k] in shared) {
      // Copies, so that no two views share (and mark) the same objects; the topology is only
      // read, so it is shared.
      s[k] = s[k] === '@topology' ? shared[s[k]] : JSON.parse(JSON.stringify(shared[s[k]]));
    } else inject(s[k]);
  }
}
const options = {renderer: 'svg', actions: {export: true, source: false, compiled: false, editor: false}};
Promise.all(Object.entries(specs).map(([id, spec]) => {
  inject(spec);
  return vegaEmbed('#' + id, spec, options).then(() => {
    const svg = document.querySelector('#' + id + ' svg');
    if (!svg || svg.querySelectorAll('g.role-mark:not(.events_marks) > *').length === 0) errors.push(id + ': no marks drawn');
  }).catch(e => errors.push(id + ': ' + e));
})).then(() => {
  const n = Object.keys(specs).length;
  const features = document.querySelectorAll('g.counties_marks > path').length;
  const status = document.getElementById('pdlab-status');
  status.dataset.ms = Math.round(performance.now());  // time from navigation to all rendered
  status.textContent = errors.length ?
    'errors: ' + errors.join('; ') :
    'rendered ' + n + ' of ' + n + ' charts; map features ' + features;
});
)JS";

}  // namespace

Study::Study(const std::string& path) : db_(path, SQLITE_OPEN_READONLY, true) {
  io::note_input(path);
}

std::string Study::scalar(const std::string& sql) const {
  std::string out;
  bool first = true;
  each(sql, [&](sqlite3_stmt* st) {
    if (first) {
      out = text(st, 0);
      first = false;
    }
  });
  return out;
}

bool Study::has_table(const std::string& t) const {
  return !scalar("SELECT name FROM sqlite_master WHERE type='table' AND name=" + io::sql_literal(t))
              .empty();
}

std::vector<std::string> Study::columns(const std::string& t) const {
  std::vector<std::string> out;
  each("SELECT name FROM pragma_table_info(" + io::sql_literal(t) + ")",
       [&](sqlite3_stmt* st) { out.push_back(text(st, 0)); });
  return out;
}

std::string Study::meta(const std::string& key) const {
  return scalar("SELECT value FROM meta WHERE key = " + io::sql_literal(key));
}

std::string text(sqlite3_stmt* st, int i) {
  const auto* p = sqlite3_column_text(st, i);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

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

Json number(double x) {
  if (!std::isfinite(x)) {
    return nullptr;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return std::strtod(buf, nullptr);
}

std::string provenance(const Study& db) {
  if (!db.has_table("meta")) {
    return "";
  }
  const auto get = [&](const char* k) {
    return db.scalar(std::string("SELECT value FROM meta WHERE key = ") + io::sql_literal(k));
  };
  const auto name = get("scenario_name");
  const auto file = get("scenario_file");
  return "Scenario " + (name.empty() ? file : name + " (" + file + ")") + " · seed " + get("seed") +
         " · " + get("replicates") + " replicates · pdlab " + get("pdlab_version") +
         " · command: " + get("command_line");
}

std::string first_adoptions(const std::string& where) {
  return "(SELECT replicate, policy_id, unit_id, level, channel, MIN(period) AS period FROM "
         "adoptions WHERE " +
         where + " GROUP BY replicate, policy_id, unit_id)";
}

std::string first_day(const std::string& label) {
  DateSpan span;
  std::string why;
  if (!parse_date(label, span, why)) {
    return label;
  }
  const auto c = civil_from_days(span.first);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.year, c.month, c.day);
}

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
        default: cell = text(st, i);
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

Json caption_title(const std::string& caption) {
  // Lines of at most ~110 characters, broken at spaces.
  Json lines = Json::array();
  std::string line;
  std::istringstream words(caption);
  for (std::string w; words >> w;) {
    if (!line.empty() && line.size() + 1 + w.size() > 110) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty()) {
    lines.push_back(line);
  }
  return {{"text", std::move(lines)}, {"anchor", "start"}, {"orient", "bottom"}, {"fontSize", 11},
          {"fontWeight", "normal"},   {"color", "#555"},   {"offset", 12}};
}

void check_assets() {
  read_asset("vega/build/vega.min.js");
}

void write_page(const std::string& out_path, bool force, const std::string& title,
                const std::string& intro_html, const std::vector<Chart>& charts,
                const PageData& shared) {
  const std::string vega = read_asset("vega/build/vega.min.js");
  const std::string vega_lite = read_asset("vega-lite/build/vega-lite.min.js");
  const std::string vega_embed = read_asset("vega-embed/build/vega-embed.min.js");
  io::write_text_file(out_path, force, [&](std::ostream& o) {
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
      << html_escape(title)
      << "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:"
         "2em auto;color:#222}h2{font-size:1.1em;margin-top:2em}.cap{color:#555;font-size:"
         ".9em}.note{background:#f6f6f6;padding:.5em 1em}table{border-collapse:collapse;"
         "font-size:.85em}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
         "td:first-child,th:first-child{text-align:left}.flag{color:#b00}</style>\n";
    o << "<script>" << vega << "</script>\n<script>" << vega_lite << "</script>\n<script>"
      << vega_embed << "</script>\n</head><body>\n";
    o << "<h1>" << html_escape(title) << "</h1>\n" << intro_html;
    for (const auto& c : charts) {
      o << "<h2>" << html_escape(c.title) << "</h2>\n"
        << c.before_html << "<div id=\"" << html_escape(c.id) << "\"></div>\n";
    }
    Json specs = Json::object();
    for (const auto& c : charts) {
      specs[c.id] = c.spec;
    }
    o << "<p id=\"pdlab-status\" hidden>rendering</p>\n<script>\nconst specs = "
      << script_json(specs) << ";\nconst shared = " << script_json(shared) << ";" << kPageScript
      << "</script>\n</body></html>\n";
  });
}

}  // namespace pdlab::study::report
