#include "study/target_rows.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/text_reader.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace pdlab::study {

std::vector<TargetRow> read_target_rows(const std::string& path) {
  io::CsvReader r(path);
  const auto col = [&](const char* name, bool required) -> std::optional<std::size_t> {
    auto c = r.column(name);
    if (!c && required) {
      fail(ErrorKind::data, {path, 1, name, ""}, "missing column",
           "give columns level,date,share (or value) and optionally policy_id,region,weight,"
           "metric");
    }
    return c;
  };
  // A column a letter or two from one of these is a misspelling (`wieght`): read as nothing,
  // it would leave every weight at 1 without a word. Columns farther off (notes, a source)
  // are the user's own and left alone.
  const std::vector<std::string> known = {"level",     "date",   "share",  "value",
                                          "policy_id", "region", "weight", "metric"};
  for (const auto& name : r.header()) {
    if (std::find(known.begin(), known.end(), name) != known.end()) {
      continue;
    }
    for (const auto& k : known) {
      if (edit_distance(name, k) <= (k.size() > 5 ? 2U : 1U)) {
        fail(ErrorKind::data, {path, 1, "header", name},
             "a column a letter or two from '" + k + "', which is read; this one is not",
             "rename it to " + k +
                 " (or give your own column a name farther from pdlab's: "
                 "level, date, share or value, policy_id, region, weight, metric)");
      }
    }
  }
  const auto c_level = col("level", true);
  const auto c_date = col("date", true);
  const auto c_value = r.column("value");
  if (c_value && r.column("share")) {
    fail(ErrorKind::data, {path, 1, "value", ""},
         "the file has both a share and a value column: which one is the observed number is "
         "ambiguous",
         "keep one of them: share for adoption shares, value for governance metrics (either "
         "may hold both kinds)");
  }
  const auto c_share = c_value ? c_value : col("share", true);
  const char* value_name = c_value ? "value" : "share";
  const auto c_policy = col("policy_id", false);
  const auto c_region = col("region", false);
  const auto c_weight = col("weight", false);
  const auto c_metric = col("metric", false);
  const auto text = [](const std::vector<std::string_view>& f, std::optional<std::size_t> c) {
    return c ? std::string(f[*c]) : std::string();
  };
  std::vector<TargetRow> out;
  std::vector<std::string_view> f;
  while (r.next(f)) {
    TargetRow t;
    t.line = r.line();
    t.value_name = value_name;
    t.level = text(f, c_level);
    t.date = text(f, c_date);
    t.policy = text(f, c_policy);
    t.region = text(f, c_region);
    t.metric = text(f, c_metric);
    const std::string raw(f[*c_share]);
    // (A target has no missing value: the parser's advice to leave the field empty would be
    // refused next.)
    std::optional<double> value;
    try {
      value = io::parse_number(f[*c_share], path, t.line, value_name);
    } catch (const Error&) {
      value.reset();
    }
    if (!value || !std::isfinite(*value)) {
      fail(ErrorKind::data, {path, t.line, value_name, raw}, "must be a finite number",
           t.metric.empty() ? "write a share, e.g. 0.5" : "write the metric's observed value");
    }
    if (t.metric.empty() && (*value < 0 || *value > 1)) {
      fail(ErrorKind::data, {path, t.line, value_name, raw}, "must be a share in [0, 1]",
           "write e.g. 0.5");
    }
    t.value = *value;
    t.value_text = raw;
    if (!t.metric.empty() && !t.region.empty()) {
      fail(ErrorKind::data, {path, t.line, "region", t.region},
           "a governance metric target is a mean over its whole level",
           "leave region empty on rows with a metric");
    }
    if (const auto w = text(f, c_weight); !w.empty()) {
      const auto parsed = io::parse_number(w, path, t.line, "weight");
      if (!parsed || !std::isfinite(*parsed) || *parsed < 0) {
        fail(ErrorKind::data, {path, t.line, "weight", w}, "must be a non-negative number",
             "write e.g. 1");
      }
      t.weight = *parsed;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) {
    fail(ErrorKind::data, {path, r.line(), "", ""}, "no targets in the file",
         "add one row per target under the header level,date,share");
  }
  return out;
}

void check_target_in_calendar(const std::string& path, std::int64_t line, const std::string& date,
                              std::int64_t day, std::int64_t first_day, std::int64_t last_day,
                              const std::string& first, const std::string& last,
                              const std::string& whose, const std::string& fix) {
  if (day < first_day || day > last_day) {
    fail(ErrorKind::data, {path, line, "date", date},
         std::string(day < first_day ? "before" : "after") + " " + whose +
             " calendar, which runs from " + first + " to " + last +
             ": the target cannot be compared with a simulation",
         "date the target within " + first + ".." + last + ", or " + fix);
  }
}

}  // namespace pdlab::study
