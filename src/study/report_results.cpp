// `pdlab report` on the output of `pdlab compare` (a .sqlite with the `compare` table): each
// variant's paired differences from the baseline as a forest plot, one panel per outcome,
// and the variants' means side by side.
#include "study/report_results.hpp"
#include "study/report_charts.hpp"

#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/io/results.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pdlab::study::report {

namespace {

// Curves per variant from compare_time: adoption by level for each policy, and each
// governance metric at the deepest level where it is defined.
void compare_time_charts(const Study& db, std::vector<Chart>& charts) {
  const auto band = band_columns(db, "compare_time");
  const std::string& lo = band.first;
  const std::string& hi = band.second;
  const auto reps = db.scalar("SELECT MAX(replicates) FROM compare_time");
  const std::string caption = "Mean over " + reps + " replicates (line) and the " + lo + "–" + hi +
                              " band, variant by variant, on common random numbers. One panel "
                              "per level, each with its own scale.";
  std::vector<std::string> policies;
  db.each(
      "SELECT DISTINCT policy_id FROM compare_time WHERE policy_id IS NOT NULL AND policy_id <> "
      "'' ORDER BY rowid",
      [&](sqlite3_stmt* st) { policies.push_back(text(st, 0)); });
  const auto top = db.scalar("SELECT level FROM compare_time ORDER BY rowid LIMIT 1");
  for (const auto& pol : policies) {
    const auto data = json_rows(db, "SELECT variant, level, date, mean, " + lo + ", " + hi +
                                        " FROM compare_time WHERE metric = 'adopted' AND "
                                        "policy_id = " +
                                        io::sql_literal(pol) + " AND level <> " +
                                        io::sql_literal(top) + " ORDER BY rowid");
    if (data.empty()) {
      continue;
    }
    charts.push_back({"variants_adopted_" + std::to_string(charts.size()),
                      "Share of units adopted, variant by variant: " + pol,
                      band_chart(data, lo, hi, "variant", "share adopted", caption, Json::array(),
                                 "level", true),
                      ""});
  }
  // Governance metrics: the deepest level that has rows of the metric (the communities for
  // residents' metrics, the local governments for costs and incidents).
  const auto gov = json_rows(
      db, "SELECT c.variant, c.metric, c.date, c.mean, c." + lo + ", c." + hi +
              " FROM compare_time c JOIN (SELECT metric, MAX(rowid) AS last FROM compare_time "
              "WHERE policy_id IS NULL OR policy_id = '' GROUP BY metric) m ON m.metric = "
              "c.metric WHERE (c.policy_id IS NULL OR c.policy_id = '') AND c.level = (SELECT "
              "level FROM compare_time WHERE rowid = m.last) ORDER BY c.rowid");
  if (!gov.empty()) {
    Json rows = Json::array();
    for (auto r : gov) {
      r["metric"] = metric_label(r["metric"].get<std::string>());
      rows.push_back(std::move(r));
    }
    charts.push_back(
        {"variants_governance", "Governance metrics, variant by variant",
         band_chart(std::move(rows), lo, hi, "variant", "",
                    "Each metric at the deepest level where it is defined. Mean over " + reps +
                        " replicates and the " + lo + "–" + hi +
                        " band, variant by variant; each panel its own scale.",
                    Json::array(), "metric", true),
         ""});
  }
}

}  // namespace

namespace {

// The forest plot's points: filled black where the difference is a time to half read in
// every replicate (or another outcome), hollow red where the horizon stood in for some.
Json point_layer(const Json& variant_axis, bool censored) {
  return {
      {"transform",
       Json::array({{{"filter", censored ? "datum.censored > 0" : "!(datum.censored > 0)"}}})},
      {"mark",
       {{"type", "point"},
        {"filled", !censored},
        {"size", 60},
        {"color", censored ? "#c0392b" : "black"}}},
      {"encoding",
       {{"x", {{"field", "diff"}, {"type", "quantitative"}}},
        {"y", variant_axis},
        {"tooltip",
         Json::array(
             {{{"field", "outcome"}},
              {{"field", "variant"}},
              {{"field", "diff"}, {"format", ".4g"}},
              {{"field", "diff_lo"}, {"title", "95% low"}, {"format", ".4g"}},
              {{"field", "diff_hi"}, {"title", "95% high"}, {"format", ".4g"}},
              {{"field", "diff_q025"}, {"title", "paired differences 2.5%"}, {"format", ".4g"}},
              {{"field", "diff_q975"}, {"title", "paired differences 97.5%"}, {"format", ".4g"}},
              {{"field", "replicates"}},
              {{"field", "censored"},
               {"title", "share of replicates censored"},
               {"format", ".2f"}}})}}}};
}

// The censored share where the study has it (a compare table written before the column
// existed reads as none censored).
std::string censored_column(const Study& db) {
  const auto cols = db.columns("compare");
  return std::find(cols.begin(), cols.end(), "censored") != cols.end() ? "censored" : "NULL";
}

// The spread of the paired differences where the study has it (a compare table written
// before the columns existed has none: the forest plot then draws the intervals alone).
bool has_spread(const Study& db) {
  const auto cols = db.columns("compare");
  return std::find(cols.begin(), cols.end(), "diff_q025") != cols.end();
}

// How to read the forest plot's bars, by what the replicates did with the parameters
// (`parameters_drawn`, compare's meta row: "every variant", "some variants" or "none"): the t
// interval narrows with more replicates whatever the estimates' precision, so under draws only
// the spread of the paired differences can say whether a difference is told from none.
std::string bars_sentence(bool spread, const std::string& drawn) {
  const std::string interval =
      "95% t intervals of the mean difference (their Monte Carlo error: more replicates narrow "
      "them)";
  if (!spread) {
    return ", with " + interval +
           "; this file, written by an earlier pdlab, has no spread of the paired differences, "
           "so whether its parameters' uncertainty is in them cannot be read here. A difference "
           "whose interval crosses the dashed zero line is not distinguishable from none by "
           "this many replicates.";
  }
  const std::string bars = "; thick bar: the " + interval +
                           "; thin whisker: the 2.5%–97.5% range of the paired differences, "
                           "replicate by replicate";
  if (drawn == "every variant") {
    return bars +
           ". Each replicate drew the parameters from [uncertainty], so the whisker is what "
           "carries their estimation uncertainty: a difference is told from none, given the "
           "fit, only where its whisker stays clear of the dashed zero line. A thick bar clear "
           "of it only says the mean over the draws is known precisely.";
  }
  if (drawn == "none") {
    return bars +
           ". The parameters were fixed at the scenario's values, so the whisker is the "
           "run-to-run variation of one realisation, and neither includes the parameters' "
           "estimation uncertainty: a thick bar clear of the dashed zero line says the mean "
           "difference at these values is more than Monte Carlo error.";
  }
  return bars +
         ". Some variants drew the parameters from [uncertainty] and others did not (see "
         "below), so a whisker mixes the draws' uncertainty with run-to-run variation, and a "
         "thick bar clear of the dashed zero line says only that the mean difference is more "
         "than Monte Carlo error.";
}

// The user's contrasts (--contrast), for the forest plot's caption: "" where there are none.
std::string contrasts_sentence(const Study& db) {
  if (!db.has_table("compare_contrasts")) {
    return "";
  }
  std::string list;
  db.each(
      "SELECT contrast, expression FROM compare_contrasts GROUP BY contrast ORDER BY "
      "MIN(rowid)",
      [&](sqlite3_stmt* st) {
        list += (list.empty() ? "" : ", ") + text(st, 0) + " = " + text(st, 1);
      });
  if (list.empty()) {
    return "";
  }
  std::string legend;
  db.each(
      "SELECT DISTINCT variant_number, variant FROM compare_contrasts ORDER BY "
      "variant_number",
      [&](sqlite3_stmt* st) {
        legend += (legend.empty() ? "" : ", ") + std::string("v") + text(st, 0) + " \"" +
                  text(st, 1) + "\"";
      });
  return " Rows named by a contrast (" + list +
         ") are that combination of the variants, taken replicate by replicate on the same "
         "random numbers, with its 95% t interval; " +
         legend +
         ". A contrast's hollow red point is not even a bound: its terms' signs differ, so the "
         "horizon standing in moves it either way.";
}

}  // namespace

int write_compare_report(const Study& db, const std::string& out_path, bool force) {
  // One row per outcome and variant; the label says what the outcome measures, where, and in
  // what unit (outcomes in yuan, periods and shares share the page).
  const auto cols = db.columns("compare");
  const bool units = std::find(cols.begin(), cols.end(), "unit") != cols.end();
  const std::string label =
      "outcome || ' ' || statistic || CASE WHEN level <> '' THEN ' (' || level || ')' ELSE '' "
      "END || CASE WHEN policy_id <> '' THEN ' · ' || policy_id ELSE '' END" +
      std::string(units ? " || CASE WHEN unit <> '' THEN ' [' || unit || ']' ELSE '' END" : "");
  const auto baseline = db.scalar("SELECT variant FROM compare ORDER BY rowid LIMIT 1");
  const auto reps = db.scalar("SELECT MAX(replicates) FROM compare");
  const bool spread = has_spread(db);
  const auto diffs =
      json_rows(db, "SELECT " + label + " AS outcome, variant, diff, diff_lo, diff_hi, " +
                        (spread ? "diff_q025, diff_q975" : "NULL AS diff_q025, NULL AS diff_q975") +
                        ", mean, replicates, " + censored_column(db) +
                        " AS censored FROM compare WHERE "
                        "variant <> " +
                        io::sql_literal(baseline) + " ORDER BY rowid");
  // (a contrast's rows, --contrast, have no mean: they are in the forest plot only)
  const auto means = json_rows(db, "SELECT " + label +
                                       " AS outcome, variant, mean, sd FROM compare WHERE mean "
                                       "IS NOT NULL ORDER BY rowid");
  const std::string caption = fmt::format(
      "Differences from the baseline variant \"{}\" over {} replicates on common random "
      "numbers (the same random draws in every variant; a row over fewer, where its metric is "
      "undefined in some replicates, says so in its tooltip){} A hollow red point is a time to "
      "half censored at the horizon in some replicates of the variant or the baseline: the "
      "horizon stands in for a time never reached, so the difference is a bound (in every "
      "replicate: no difference can be read).{}",
      baseline, reps,
      bars_sentence(spread, db.has_table("meta") ? db.meta("parameters_drawn") : ""),
      contrasts_sentence(db));
  const Json variant_axis = {{"field", "variant"},
                             {"type", "nominal"},
                             {"title", nullptr},
                             {"axis", {{"labelLimit", 260}}}};
  Json forest = {
      {"$schema", kSchema},
      {"data", {{"values", diffs}}},
      {"facet",
       {{"row",
         {{"field", "outcome"},
          {"type", "nominal"},
          {"sort", nullptr},
          {"title", nullptr},
          {"header", {{"labelAngle", 0}, {"labelAlign", "left"}, {"labelLimit", 320}}}}}}},
      {"spec",
       {{"width", 360},
        {"layer",
         Json::array(
             {{{"mark", {{"type", "rule"}, {"strokeDash", {4, 3}}, {"color", "#888"}}},
               {"encoding", {{"x", {{"datum", 0}, {"type", "quantitative"}}}}}},
              // The spread of the paired differences, thin, under the interval's thick bar.
              {{"transform", Json::array({{{"filter", "isValid(datum.diff_q025)"}}})},
               {"mark", {{"type", "rule"}, {"strokeWidth", 1}, {"color", "#555"}}},
               {"encoding",
                {{"x", {{"field", "diff_q025"}, {"type", "quantitative"}, {"title", nullptr}}},
                 {"x2", {{"field", "diff_q975"}}},
                 {"y", variant_axis}}}},
              {{"mark", {{"type", "rule"}, {"strokeWidth", spread ? 5 : 2}}},
               {"encoding",
                {{"x", {{"field", "diff_lo"}, {"type", "quantitative"}, {"title", nullptr}}},
                 {"x2", {{"field", "diff_hi"}}},
                 {"y", variant_axis}}}},
              point_layer(variant_axis, false),
              point_layer(variant_axis, true)})}}},
      {"resolve", {{"scale", {{"x", "independent"}}}}},
      {"title", caption_title(caption)}};
  Json side = {
      {"$schema", kSchema},
      {"data", {{"values", means}}},
      {"facet",
       {{"row",
         {{"field", "outcome"},
          {"type", "nominal"},
          {"sort", nullptr},
          {"title", nullptr},
          {"header", {{"labelAngle", 0}, {"labelAlign", "left"}, {"labelLimit", 320}}}}}}},
      {"spec",
       {{"width", 360},
        {"layer",
         Json::array({{{"mark", {{"type", "bar"}, {"color", "#9ecae1"}}},
                       {"encoding",
                        {{"x", {{"field", "mean"}, {"type", "quantitative"}, {"title", nullptr}}},
                         {"y", variant_axis},
                         {"tooltip", Json::array({{{"field", "outcome"}},
                                                  {{"field", "variant"}},
                                                  {{"field", "mean"}, {"format", ".4g"}},
                                                  {{"field", "sd"}, {"format", ".4g"}}})}}}}})}}},
      {"resolve", {{"scale", {{"x", "independent"}}}}},
      {"title", caption_title("Mean of each outcome over replicates, variant by variant.")}};
  std::vector<Chart> charts = {
      {"forest", "Paired differences from the baseline (forest plot)", std::move(forest), ""},
      {"means", "Each variant's mean", std::move(side), ""}};
  if (db.has_table("compare_time")) {
    compare_time_charts(db, charts);
  }
  const auto source = provenance(db);
  // What the intervals cover, as compare's digest says it (a file from before the meta row: the
  // Monte Carlo part, which holds for every comparison).
  std::string intervals = db.has_table("meta") ? db.meta("intervals") : "";
  if (intervals.empty()) {
    intervals =
        "95% t intervals: the Monte Carlo error of the mean paired difference over the "
        "replicates (more replicates narrow them). Whether the parameters were drawn from "
        "[uncertainty] is not recorded in this file (written by an earlier pdlab): see its "
        "scenario's uncertainty.draw and its command line.";
  }
  // What each variant set (a file from before the table: only the labels), one line each and
  // numbered as contrasts name them: labels hold ';' and ':' themselves.
  std::string variants;
  if (db.has_table("compare_variants")) {
    std::string every;
    std::vector<std::pair<std::string, std::string>> own;  // label, its assignments
    const auto first = db.scalar("SELECT variant FROM compare_variants ORDER BY rowid LIMIT 1");
    db.each("SELECT variant, key, value, set_by FROM compare_variants ORDER BY rowid",
            [&](sqlite3_stmt* st) {
              const auto variant = text(st, 0);
              const auto assignment = text(st, 1) + " = " + text(st, 2);
              if (text(st, 3) == "every variant") {
                if (variant == first) {
                  every += (every.empty() ? "" : ", ") + assignment;
                }
                return;
              }
              if (own.empty() || own.back().first != variant) {
                own.emplace_back(variant, assignment);
              } else {
                own.back().second += ", " + assignment;
              }
            });
    variants = "<p class=\"cap\">Variants (what each set, after the scenario" +
               (every.empty() ? std::string() : "; every variant: " + html_escape(every)) +
               (own.empty() ? std::string("): none set a key.</p>\n") : std::string("):</p>\n"));
    if (!own.empty()) {
      variants += "<ul class=\"cap\">\n";
      for (std::size_t i = 0; i < own.size(); ++i) {
        variants += fmt::format("<li>v{} \u201c{}\u201d: {}</li>\n", i + 1,
                                html_escape(own[i].first), html_escape(own[i].second));
      }
      variants += "</ul>\n";
    }
  }
  write_page(out_path, force, "pdlab report: compare",
             (source.empty() ? "" : "<p class=\"cap\">" + html_escape(source) + "</p>\n") +
                 variants + "<p class=\"cap\">" + html_escape(caption) + "</p>\n<p class=\"cap\">" +
                 html_escape(intervals) + "</p>\n",
             charts);
  return static_cast<int>(charts.size());
}

int write_check_fit_report(const Study& db, const std::string& out_path, bool force) {
  const auto data = json_rows(db,
                              "SELECT level, date, observed, sim_mean, sim_q05, sim_q95, inside "
                              "FROM check_fit ORDER BY level, period");
  const auto inside =
      db.scalar("SELECT CAST(ROUND(100.0 * AVG(inside)) AS INTEGER) FROM check_fit");
  const std::string caption =
      "Observed cumulative share adopted (black points) against the simulated mean (blue "
      "line) and its 5%-95% band over replicates; the observed share lies inside the band in " +
      inside + "% of the periods. One panel per level.";
  const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
  const Json layer = Json::array(
      {{{"mark", {{"type", "area"}, {"opacity", 0.25}, {"color", "#4c78a8"}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "sim_q05"}, {"type", "quantitative"}, {"title", "share adopted"}}},
          {"y2", {{"field", "sim_q95"}}}}}},
       {{"mark", {{"type", "line"}, {"color", "#4c78a8"}}},
        {"encoding", {{"x", x}, {"y", {{"field", "sim_mean"}, {"type", "quantitative"}}}}}},
       {{"mark", {{"type", "point"}, {"filled", true}, {"color", "black"}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "observed"}, {"type", "quantitative"}}},
          {"tooltip",
           Json::array({{{"field", "level"}},
                        {{"field", "date"}},
                        {{"field", "observed"}, {"format", ".3f"}},
                        {{"field", "sim_mean"}, {"title", "simulated mean"}, {"format", ".3f"}},
                        {{"field", "sim_q05"}, {"title", "5%"}, {"format", ".3f"}},
                        {{"field", "sim_q95"}, {"title", "95%"}, {"format", ".3f"}}})}}}}});
  Json spec = {{"$schema", kSchema},
               {"data", {{"values", data}}},
               {"facet", {{"field", "level"}, {"type", "nominal"}, {"title", nullptr}}},
               {"columns", 2},
               {"spec", {{"width", 420}, {"height", 240}, {"layer", layer}}},
               {"title", caption_title(caption)}};
  const std::vector<Chart> charts = {
      {"check_fit", "Observed against simulated adoption", std::move(spec), ""}};
  // Provenance and what the bands cover, from the meta table (a file from before 2026-12-07
  // has none).
  const auto source = provenance(db);
  const auto intervals = db.has_table("meta") ? db.meta("intervals") : std::string();
  write_page(out_path, force, "pdlab report: check-fit",
             (source.empty() ? "" : "<p class=\"cap\">" + html_escape(source) + "</p>\n") +
                 "<p class=\"cap\">" + html_escape(caption) + "</p>\n" +
                 (intervals.empty() ? "" : "<p class=\"cap\">" + html_escape(intervals) + "</p>\n"),
             charts);
  return 1;
}

TargetAxis target_axis(const Study& db, const std::string& table) {
  const auto cols = db.columns(table);
  // (a file from before the metric column holds adoption shares only)
  const bool has_metric = std::find(cols.begin(), cols.end(), "metric") != cols.end();
  const auto count = [&](const std::string& where) {
    return has_metric ? db.scalar("SELECT COUNT(*) FROM " + table + " WHERE " + where)
                      : std::string("0");
  };
  const bool all_shares = count("metric IS NOT NULL AND metric <> ''") == "0";
  if (all_shares) {
    return {{{"title", "share adopted"}, {"scale", {{"domain", {0, 1}}}}},
            "the share due by its date in its region"};
  }
  const auto metric = db.scalar("SELECT MIN(metric) FROM " + table);
  const bool one_metric = count("metric IS NULL OR metric = ''") == "0" &&
                          db.scalar("SELECT COUNT(DISTINCT metric) FROM " + table) == "1";
  if (one_metric) {
    for (const auto& m : gov_metrics()) {
      if (m.name == metric) {
        return {{{"title", std::string(m.label) + " (" + std::string(m.unit) + ")"}},
                "the target value of " + metric + " at its level in its period"};
      }
    }
  }
  return {{{"title",
            "target value (each target's own: a share adopted or a metric, by its "
            "label)"}},
          "the target value: a share adopted by its date in its region, or a governance "
          "metric's value at its level in its period"};
}

int write_calibration_report(const Study& db, const std::string& out_path, bool force) {
  const auto data =
      json_rows(db,
                "SELECT target, level, region, date, share, sim_mean, sim_q05, sim_q95, error FROM "
                "calibration ORDER BY rowid");
  const auto axis = target_axis(db, "calibration");
  const std::string caption =
      "Each calibration target (red diamond: " + axis.diamond +
      ") against the calibrated model on fresh validation replicates: the simulated mean "
      "(black) and its 5%-95% band (bar).";
  const Json tooltip =
      Json::array({{{"field", "target"}},
                   {{"field", "share"}, {"title", "target"}, {"format", ".3f"}},
                   {{"field", "sim_mean"}, {"title", "simulated mean"}, {"format", ".3f"}},
                   {{"field", "sim_q05"}, {"title", "5%"}, {"format", ".3f"}},
                   {{"field", "sim_q95"}, {"title", "95%"}, {"format", ".3f"}},
                   {{"field", "error"}, {"format", "+.3f"}}});
  Json spec = target_band_chart(data, {"sim_q05", "sim_q95", "sim_mean", "share"}, axis.axis,
                                tooltip, caption);
  const std::vector<Chart> charts = {
      {"calibration", "Targets against the calibrated model", std::move(spec), ""}};
  // Provenance and the fitted values, from the meta table (a --report from before 2026-12-07,
  // or a CSV turned into one, has none).
  const auto source = provenance(db);
  const auto fitted = db.has_table("meta") ? db.meta("fitted") : std::string();
  write_page(
      out_path, force, "pdlab report: calibrate",
      (source.empty() ? "" : "<p class=\"cap\">" + html_escape(source) + "</p>\n") +
          (fitted.empty() ? "" : "<p class=\"cap\">Fitted: " + html_escape(fitted) + "</p>\n") +
          "<p class=\"cap\">" + html_escape(caption) + "</p>\n",
      charts);
  return 1;
}

}  // namespace pdlab::study::report
