// `pdlab report` on the outputs of `pdlab sensitivity` (indices with their bootstrap
// intervals) and of `pdlab calibrate --method abc` (posterior predictive bands against the
// targets, the posterior sample, the posterior against the prior).
#include "study/report_charts.hpp"
#include "study/report_results.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/results.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pdlab::study::report {

namespace {

const Json kOutcomeRow = {
    {"field", "outcome"},
    {"type", "nominal"},
    {"sort", nullptr},
    {"title", nullptr},
    {"header", {{"labelAngle", 0}, {"labelAlign", "left"}, {"labelLimit", 320}}}};

}  // namespace

int write_sensitivity_report(const Study& db, const std::string& db_path,
                             const std::string& out_path, bool force) {
  const auto method = db.scalar("SELECT method FROM sensitivity LIMIT 1");
  // Morris effects are in each outcome's unit (its panel says which); Sobol indices all in one.
  const auto cols = db.columns("sensitivity");
  const bool units = std::find(cols.begin(), cols.end(), "unit") != cols.end();
  const std::string sobol_unit =
      units ? db.scalar("SELECT unit FROM sensitivity WHERE measure IN ('first', 'total') LIMIT 1")
            : std::string();
  // The indices a reader compares: Sobol's first-order and total, Morris's mu* and sigma (mu
  // has a sign and is in the table for the direction).
  const std::string label =
      "outcome || ' ' || statistic || CASE WHEN level <> '' THEN ' (' || level || ')' ELSE '' "
      "END || CASE WHEN policy_id <> '' THEN ' · ' || policy_id ELSE '' END" +
      std::string(units && method == "morris"
                      ? " || CASE WHEN unit <> '' THEN ' [' || unit || ']' ELSE '' END"
                      : "") +
      // Sobol: the first-order indices' sum (at most 1 in truth), as the digest gives it.
      std::string(method == "morris"
                      ? ""
                      : " || ' · sum of S1 ' || (SELECT printf('%.3g', SUM(f.estimate)) FROM "
                        "sensitivity AS f WHERE f.measure = 'first' AND f.outcome = "
                        "sensitivity.outcome AND f.statistic = sensitivity.statistic AND "
                        "f.level = sensitivity.level AND f.policy_id = sensitivity.policy_id)");
  const auto data =
      json_rows(db, "SELECT " + label +
                        " AS outcome, factor, factor_lo, factor_hi, measure, estimate, ci_lo, "
                        "ci_hi, design_points, replicates FROM sensitivity WHERE measure IN "
                        "('first', 'total', 'mu_star', 'sigma') AND estimate IS NOT NULL "
                        "ORDER BY rowid");
  if (data.empty()) {
    fail(ErrorKind::data, {db_path, 0, "sensitivity", ""},
         "the sensitivity table has no index to draw (no outcome varies)",
         "widen the factors' ranges or run more replicates");
  }
  const auto points = db.scalar("SELECT MAX(design_points) FROM sensitivity");
  const auto reps = db.scalar("SELECT MAX(replicates) FROM sensitivity");
  const std::string caption =
      method == "morris"
          ? fmt::format(
                "Morris elementary effects per factor over its whole range: mu* (mean absolute "
                "effect: how much the outcome moves) and sigma (spread of the effects: "
                "interactions or non-linearity), with percentile-bootstrap intervals; {} design "
                "points of {} replicates on common random numbers. One panel per outcome, "
                "each its own scale.",
                points, reps)
          : fmt::format(
                "Sobol indices per factor: first-order (the share of the outcome's variance the "
                "factor explains alone) and total (with its interactions), with "
                "percentile-bootstrap intervals; {} design points of {} replicates on common "
                "random numbers. One panel per outcome.",
                points, reps);
  const Json y = {{"field", "factor"},
                  {"type", "nominal"},
                  {"title", nullptr},
                  {"axis", {{"labelLimit", 260}}}};
  const Json color = {{"field", "measure"},
                      {"type", "nominal"},
                      {"title", "index"},
                      {"legend", {{"orient", "bottom"}}}};
  const Json offset = {{"field", "measure"}, {"type", "nominal"}};
  Json spec = {
      {"$schema", kSchema},
      {"data", {{"values", data}}},
      {"facet", {{"row", kOutcomeRow}}},
      {"spec",
       {{"width", 420},
        {"layer",
         Json::array(
             {{{"mark", {{"type", "rule"}, {"strokeWidth", 2}}},
               {"encoding",
                {{"x",
                  {{"field", "ci_lo"},
                   {"type", "quantitative"},
                   {"title",
                    sobol_unit.empty() || method == "morris" ? Json(nullptr) : Json(sobol_unit)}}},
                 {"x2", {{"field", "ci_hi"}}},
                 {"y", y},
                 {"yOffset", offset},
                 {"color", color}}}},
              {{"mark", {{"type", "point"}, {"filled", true}, {"size", 50}}},
               {"encoding",
                {{"x", {{"field", "estimate"}, {"type", "quantitative"}}},
                 {"y", y},
                 {"yOffset", offset},
                 {"color", color},
                 {"tooltip",
                  Json::array(
                      {{{"field", "outcome"}},
                       {{"field", "factor"}},
                       {{"field", "factor_lo"}, {"title", "range from"}},
                       {{"field", "factor_hi"}, {"title", "range to"}},
                       {{"field", "measure"}},
                       {{"field", "estimate"}, {"format", ".4g"}},
                       {{"field", "ci_lo"}, {"title", "low"}, {"format", ".4g"}},
                       {{"field", "ci_hi"}, {"title", "high"}, {"format", ".4g"}}})}}}}})}}},
      {"resolve", {{"scale", {{"x", method == "morris" ? "independent" : "shared"}}}}},
      {"title", caption_title(caption)}};
  const std::vector<Chart> charts = {{"sensitivity",
                                      method == "morris"
                                          ? "Morris screening: which factors move each outcome"
                                          : "Sobol indices: which factors explain each outcome",
                                      std::move(spec), ""}};
  const auto source = provenance(db);
  // What the intervals cover and how the other parameters were held, as the digest says it
  // (none in a file from before the meta row).
  const auto intervals = db.has_table("meta") ? db.meta("intervals") : std::string();
  // Sobol indices no variance decomposition allows (sampling error), as the digest notes them.
  const auto sampling = db.has_table("meta") ? db.meta("sampling") : std::string();
  write_page(
      out_path, force, "pdlab report: sensitivity",
      (source.empty() ? "" : "<p class=\"cap\">" + html_escape(source) + "</p>\n") +
          "<p class=\"cap\">" + html_escape(caption) + "</p>\n" +
          (intervals.empty() ? "" : "<p class=\"cap\">" + html_escape(intervals) + "</p>\n") +
          (sampling.empty() ? ""
                            : "<p class=\"cap\"><b>Note:</b> " + html_escape(sampling) + ".</p>\n"),
      charts);
  return 1;
}

int write_abc_predictive_report(const Study& db, const std::string& out_path, bool force) {
  const auto data = json_rows(db,
                              "SELECT target, metric, level, region, date, observed, mean, q05, "
                              "q50, q95, draws FROM abc_predictive ORDER BY rowid");
  const auto draws = db.scalar("SELECT MAX(draws) FROM abc_predictive");
  const auto axis = target_axis(db, "abc_predictive");
  const std::string caption =
      "Each calibration target (red diamond: " + axis.diamond +
      ") against the posterior "
      "predictive distribution of `pdlab calibrate --method abc`: simulations at " +
      draws +
      " draws from the posterior, their median (black) and 5%-95% band (bar). A target outside "
      "its band is one the posterior does not reproduce.";
  const Json tooltip =
      Json::array({{{"field", "target"}},
                   {{"field", "observed"}, {"format", ".4g"}},
                   {{"field", "q50"}, {"title", "predictive median"}, {"format", ".4g"}},
                   {{"field", "q05"}, {"title", "5%"}, {"format", ".4g"}},
                   {{"field", "q95"}, {"title", "95%"}, {"format", ".4g"}},
                   {{"field", "draws"}}});
  Json spec =
      target_band_chart(data, {"q05", "q95", "q50", "observed"}, axis.axis, tooltip, caption);
  const std::vector<Chart> charts = {
      {"abc_predictive", "Targets against the posterior predictive", std::move(spec), ""}};
  write_page(out_path, force, "pdlab report: calibrate (ABC posterior predictive)",
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n", charts);
  return 1;
}

int write_abc_posterior_report(const Study& db, const std::string& out_path, bool force) {
  const auto data = json_rows(
      db, "SELECT parameter, value, weight FROM abc_posterior ORDER BY parameter, particle");
  const auto n = db.scalar("SELECT COUNT(DISTINCT particle) FROM abc_posterior");
  const auto gen = db.scalar("SELECT MAX(generation) FROM abc_posterior");
  const std::string caption =
      "The ABC-SMC posterior sample (" + n + " particles of generation " + gen +
      "): a weighted histogram of each free parameter (bar height: the particles' summed "
      "importance weight). One panel per parameter, each its own scale.";
  Json spec = {
      {"$schema", kSchema},
      {"data", {{"values", data}}},
      {"facet", {{"field", "parameter"}, {"type", "nominal"}, {"title", nullptr}}},
      {"columns", 3},
      {"spec",
       {{"width", 220},
        {"height", 150},
        {"mark", {{"type", "bar"}, {"color", "#4c78a8"}}},
        {"encoding",
         {{"x",
           {{"field", "value"},
            {"type", "quantitative"},
            {"bin", {{"maxbins", 20}}},
            {"title", nullptr}}},
          {"y",
           {{"aggregate", "sum"},
            {"field", "weight"},
            {"type", "quantitative"},
            {"title", "posterior weight"}}},
          {"tooltip",
           Json::array({{{"field", "value"}, {"bin", {{"maxbins", 20}}}, {"title", "value"}},
                        {{"aggregate", "sum"},
                         {"field", "weight"},
                         {"title", "weight"},
                         {"format", ".3f"}}})}}}}},
      {"resolve", {{"scale", {{"x", "independent"}, {"y", "independent"}}}}},
      {"title", caption_title(caption)}};
  const std::vector<Chart> charts = {
      {"abc_posterior", "The posterior of each free parameter", std::move(spec), ""}};
  write_page(out_path, force, "pdlab report: calibrate (ABC posterior)",
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n", charts);
  return 1;
}

int write_abc_summary_report(const Study& db, const std::string& out_path, bool force) {
  const auto data = json_rows(db,
                              "SELECT parameter, prior_lo, prior_hi, prior_sd, mean, sd, q05, q50, "
                              "q95, generations, epsilon, ess FROM abc_summary ORDER BY rowid");
  const std::string caption =
      "Each free parameter's uniform prior (grey: its range) against the ABC-SMC posterior "
      "(blue: the 5%-95% interval; black: the median). A posterior as wide as its prior: the "
      "targets say little about that parameter. One panel per parameter, each its own scale.";
  const Json tooltip =
      Json::array({{{"field", "parameter"}},
                   {{"field", "prior_lo"}, {"title", "prior from"}, {"format", ".4g"}},
                   {{"field", "prior_hi"}, {"title", "prior to"}, {"format", ".4g"}},
                   {{"field", "q05"}, {"title", "posterior 5%"}, {"format", ".4g"}},
                   {{"field", "q50"}, {"title", "posterior median"}, {"format", ".4g"}},
                   {{"field", "q95"}, {"title", "posterior 95%"}, {"format", ".4g"}},
                   {{"field", "sd"}, {"title", "posterior sd"}, {"format", ".4g"}},
                   {{"field", "prior_sd"}, {"title", "prior sd"}, {"format", ".4g"}},
                   {{"field", "ess"}, {"title", "effective sample size"}, {"format", ".1f"}}});
  Json spec = {
      {"$schema", kSchema},
      {"data", {{"values", data}}},
      {"facet", {{"row", kOutcomeRow}}},
      {"spec",
       {{"width", 420},
        {"height", 40},
        {"layer",
         Json::array(
             {{{"mark", {{"type", "rule"}, {"strokeWidth", 10}, {"color", "#ddd"}}},
               {"encoding",
                {{"x", {{"field", "prior_lo"}, {"type", "quantitative"}, {"title", nullptr}}},
                 {"x2", {{"field", "prior_hi"}}},
                 {"tooltip", tooltip}}}},
              {{"mark", {{"type", "rule"}, {"strokeWidth", 5}, {"color", "#4c78a8"}}},
               {"encoding",
                {{"x", {{"field", "q05"}, {"type", "quantitative"}}},
                 {"x2", {{"field", "q95"}}},
                 {"tooltip", tooltip}}}},
              {{"mark", {{"type", "tick"}, {"color", "black"}, {"thickness", 2}}},
               {"encoding",
                {{"x", {{"field", "q50"}, {"type", "quantitative"}}}, {"tooltip", tooltip}}}}})}}},
      {"resolve", {{"scale", {{"x", "independent"}}}}},
      {"title", caption_title(caption)}};
  spec["facet"]["row"]["field"] = "parameter";
  const std::vector<Chart> charts = {
      {"abc_summary", "Posterior against prior", std::move(spec), ""}};
  write_page(out_path, force, "pdlab report: calibrate (ABC posterior summary)",
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n", charts);
  return 1;
}

}  // namespace pdlab::study::report
