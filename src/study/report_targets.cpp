// `pdlab report --targets FILE`: calibration targets (the CSV `pdlab calibrate` reads) checked
// against the study and drawn as diamonds on the study's curves: the share adopted in a
// level or region, or a governance metric, with its band over replicates.
#include "study/report_targets.hpp"

#include "study/report_charts.hpp"
#include "study/target_rows.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/sim/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

namespace pdlab::study::report {

namespace {

std::string key_of(const ReportTarget& t) {
  return t.policy + "\x1f" + t.level + "\x1f" + t.region_text + "\x1f" + t.metric;
}

std::string series_name(const Study& db, const ReportTarget& t,
                        const std::vector<PolicyInfo>& policies) {
  if (!t.metric.empty()) {
    return metric_label(t.metric) + " · " + t.level;
  }
  // The policy only where the study has several.
  std::string name;
  for (const auto& p : policies) {
    if (p.id == t.policy && policies.size() > 1) {
      name = p.name + " · ";
    }
  }
  std::string where = "all " + t.level + " units";
  if (!t.regions.empty()) {
    where = t.level + " units in ";
    for (std::size_t i = 0; i < t.regions.size(); ++i) {
      if (i == 4) {
        where += fmt::format(" and {} more", t.regions.size() - 4);
        break;
      }
      // The English name where the study has one.
      const auto n =
          db.scalar("SELECT COALESCE(NULLIF(name_en, ''), name) FROM units WHERE unit_id = " +
                    io::sql_literal(t.regions[i]));
      where += (i ? ", " : "") + (n.empty() ? t.regions[i] : n);
    }
  }
  return name + where;
}

// The share adopted of the target level's units below the regions, replicate by replicate:
// mean and 5%-95% quantiles at every period. Rows {date, day, mean, lo, hi}.
Json regional_curve(const Study& db, const ReportTarget& t) {
  std::string cond;
  for (const auto& r : t.regions) {
    const auto lvl = db.scalar("SELECT level FROM units WHERE unit_id = " + io::sql_literal(r));
    cond +=
        std::string(cond.empty() ? "" : " OR ") + "u.\"in_" + lvl + "\" = " + io::sql_literal(r);
  }
  const auto n = std::atof(db.scalar("SELECT COUNT(*) FROM units u WHERE u.level = " +
                                     io::sql_literal(t.level) + " AND (" + cond + ")")
                               .c_str());
  const int reps = std::max(1, std::atoi(db.meta("replicates").c_str()));
  std::vector<std::pair<int, std::string>> labels;
  db.each("SELECT DISTINCT period, date FROM summary_time ORDER BY period",
          [&](sqlite3_stmt* st) { labels.emplace_back(sqlite3_column_int(st, 0), text(st, 1)); });
  const int periods = labels.empty() ? 0 : labels.back().first + 1;
  // first[replicate][period]: units whose first adoption came in the period.
  std::vector<std::vector<double>> first(static_cast<std::size_t>(reps),
                                         std::vector<double>(static_cast<std::size_t>(periods)));
  db.each(
      "SELECT a.replicate, MIN(a.period) FROM adoptions a JOIN units u ON u.unit_id = a.unit_id "
      "WHERE a.policy_id = " +
          io::sql_literal(t.policy) + " AND a.level = " + io::sql_literal(t.level) + " AND (" +
          cond + ") GROUP BY a.replicate, a.unit_id",
      [&](sqlite3_stmt* st) {
        const int r = sqlite3_column_int(st, 0);
        const int p = sqlite3_column_int(st, 1);
        if (r >= 0 && r < reps && p >= 0 && p < periods) {
          first[static_cast<std::size_t>(r)][static_cast<std::size_t>(p)] += 1;
        }
      });
  Json rows = Json::array();
  std::vector<double> total(static_cast<std::size_t>(reps), 0.0);
  std::vector<double> v(static_cast<std::size_t>(reps));
  std::size_t next = 0;
  for (int p = 0; p < periods; ++p) {
    double mean = 0;
    for (std::size_t r = 0; r < total.size(); ++r) {
      total[r] += first[r][static_cast<std::size_t>(p)];
      v[r] = n > 0 ? total[r] / n : 0.0;
      mean += v[r];
    }
    while (next < labels.size() && labels[next].first < p) {
      ++next;
    }
    if (next == labels.size() || labels[next].first != p) {
      continue;
    }
    std::sort(v.begin(), v.end());
    const auto& label = labels[next].second;
    rows.push_back({{"date", label},
                    {"day", first_day(label)},
                    {"mean", number(mean / reps)},
                    {"lo", number(quantile_type7(v, 0.05))},
                    {"hi", number(quantile_type7(v, 0.95))}});
  }
  return rows;
}

}  // namespace

std::vector<ReportTarget> read_report_targets(const std::string& path, const Study& db,
                                              const std::vector<PolicyInfo>& policies) {
  std::map<std::string, int> levels;
  db.each("SELECT name, level FROM levels",
          [&](sqlite3_stmt* st) { levels[text(st, 0)] = sqlite3_column_int(st, 1); });
  const auto unit_cols = db.has_table("units") ? db.columns("units") : std::vector<std::string>{};
  // The study's calendar: its first period (meta "start") to its last (summary_time).
  std::string first = db.meta("start");
  std::string last;
  if (db.has_table("summary_time")) {
    last = db.scalar("SELECT date FROM summary_time ORDER BY period DESC LIMIT 1");
  }
  DateSpan first_span;
  DateSpan last_span;
  std::string why_not;
  const bool span_known =
      parse_date(first, first_span, why_not) && parse_date(last, last_span, why_not);
  std::vector<ReportTarget> out;
  for (const auto& row : read_target_rows(path)) {
    const auto line = row.line;
    ReportTarget t;
    t.level = row.level;
    const auto lvl = levels.find(t.level);
    if (lvl == levels.end()) {
      fail(ErrorKind::data, {path, line, "level", t.level}, "no such level in the study",
           "use a level of the study's hierarchy (its `levels` table)");
    }
    t.date = row.date;
    DateSpan span;
    if (std::string why; !parse_date(t.date, span, why)) {
      fail(ErrorKind::data, {path, line, "date", t.date}, "not a date: " + why,
           "write e.g. 2014-12 or 2014");
    }
    if (span_known) {
      check_target_in_calendar(path, line, t.date, span.first, first_span.first, last_span.last,
                               first, last, "the study's",
                               "run the study over a calendar that covers it");
    }
    t.metric = row.metric;
    t.share = row.value;
    if (!t.metric.empty()) {
      if (!db.has_table("governance_time") ||
          db.scalar(
              "SELECT COUNT(*) FROM governance_time WHERE metric = " + io::sql_literal(t.metric) +
              " AND level = " + io::sql_literal(t.level)) == "0") {
        fail(ErrorKind::data, {path, line, "metric", t.metric},
             "the study has no governance metric of that name at level " + t.level,
             "use a metric the study's governance_time table holds at that level "
             "(docs/metrics.md)");
      }
      out.push_back(std::move(t));
      continue;
    }
    t.policy = policies.empty() ? "" : policies.front().id;
    if (!row.policy.empty()) {
      t.policy = row.policy;
      if (std::none_of(policies.begin(), policies.end(),
                       [&](const PolicyInfo& p) { return p.id == t.policy; })) {
        fail(ErrorKind::data, {path, line, "policy_id", t.policy}, "no such policy in the study",
             "use the id of one of the study's policies (its `policies` table)");
      }
    }
    if (!row.region.empty()) {
      t.region_text = row.region;
      if (!db.has_table("adoptions") || !db.has_table("units") ||
          db.scalar("SELECT COUNT(*) FROM units WHERE level = " + io::sql_literal(t.level)) ==
              "0") {
        fail(ErrorKind::data, {path, line, "level", t.level},
             "a regional target needs the study's adoption rows at its level, and the study "
             "stores none there",
             "run the study with output.adoptions_max_level at or below " + t.level);
      }
      std::stringstream ss(t.region_text);
      for (std::string id; std::getline(ss, id, '+');) {
        const auto ul = db.scalar("SELECT level FROM units WHERE unit_id = " + io::sql_literal(id));
        const auto il = levels.find(ul);
        if (ul.empty() || il == levels.end() || il->second >= lvl->second ||
            std::find(unit_cols.begin(), unit_cols.end(), "in_" + ul) == unit_cols.end()) {
          fail(ErrorKind::data, {path, line, "region", id},
               "not a unit of the study above the target level",
               "use ids of units above the level, joined by '+', e.g. 3201+3202");
        }
        t.regions.push_back(id);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Chart> target_charts(const Study& db, const std::vector<ReportTarget>& targets,
                                 const std::vector<PolicyInfo>& policies,
                                 const std::string& caption) {
  if (targets.empty()) {
    return {};
  }
  const auto band = band_columns(db, "summary_time");
  Json rows = Json::array();
  std::map<std::string, std::string> done;  // key -> series name
  for (const auto& t : targets) {
    const auto key = key_of(t);
    auto it = done.find(key);
    if (it == done.end()) {
      const auto series = series_name(db, t, policies);
      it = done.emplace(key, series).first;
      Json curve;
      if (!t.metric.empty()) {
        const auto gb = band_columns(db, "governance_time");
        curve = json_rows(
            db, "SELECT date, mean, " + gb.first + " AS lo, " + gb.second +
                    " AS hi FROM governance_time WHERE metric = " + io::sql_literal(t.metric) +
                    " AND level = " + io::sql_literal(t.level) + " ORDER BY period");
      } else if (t.regions.empty()) {
        curve = json_rows(db, "SELECT date, mean, " + band.first + " AS lo, " + band.second +
                                  " AS hi FROM summary_time WHERE metric = 'adopted' AND "
                                  "policy_id = " +
                                  io::sql_literal(t.policy) +
                                  " AND level = " + io::sql_literal(t.level) + " ORDER BY period");
      } else {
        curve = regional_curve(db, t);
      }
      for (auto& row : curve) {
        row["series"] = series;
        row["kind"] = "curve";
        rows.push_back(std::move(row));
      }
    }
    rows.push_back({{"series", it->second},
                    {"kind", "target"},
                    {"date", t.date},
                    {"day", first_day(t.date)},
                    {"target", number(t.share)}});
  }
  const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
  const auto is = [](const char* kind) {
    return Json::array({{{"filter", std::string("datum.kind === '") + kind + "'"}}});
  };
  Json layer = Json::array(
      {{{"transform", is("curve")},
        {"mark", {{"type", "area"}, {"opacity", 0.25}, {"color", "#4c78a8"}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "lo"}, {"type", "quantitative"}, {"title", nullptr}}},
          {"y2", {{"field", "hi"}}}}}},
       {{"transform", is("curve")},
        {"mark", {{"type", "line"}, {"color", "#4c78a8"}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "mean"}, {"type", "quantitative"}}},
          {"tooltip", Json::array({{{"field", "date"}},
                                   {{"field", "mean"}, {"format", ".3f"}},
                                   {{"field", "lo"}, {"title", "5%"}, {"format", ".3f"}},
                                   {{"field", "hi"}, {"title", "95%"}, {"format", ".3f"}}})}}}},
       {{"transform", is("target")},
        {"mark",
         {{"type", "point"},
          {"shape", "diamond"},
          {"filled", true},
          {"size", 120},
          {"color", "#d62728"}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "target"}, {"type", "quantitative"}}},
          {"tooltip",
           Json::array({{{"field", "series"}, {"title", "target"}},
                        {{"field", "date"}, {"title", "due"}},
                        {{"field", "target"}, {"title", "value"}, {"format", ".3f"}}})}}}}});
  Json spec = {
      {"$schema", kSchema},
      {"data", {{"values", std::move(rows)}}},
      {"facet",
       {{"field", "series"},
        {"type", "nominal"},
        {"title", nullptr},
        {"sort", nullptr},
        {"header", {{"labelLimit", 420}}}}},
      {"columns", 2},
      {"spec", {{"width", 420}, {"height", 200}, {"layer", std::move(layer)}}},
      {"resolve", {{"scale", {{"y", "independent"}}}}},
      {"title", caption_title("Red diamonds: the targets (share of the units adopted by the date, "
                              "or a governance metric's value). Blue: the study's mean and "
                              "its 5%–95% band over replicates (a regional share counts the "
                              "region's units in the study's units table). " +
                              caption)}};
  return {{"targets", "Against the calibration targets", std::move(spec), ""}};
}

}  // namespace pdlab::study::report
