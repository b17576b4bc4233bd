// `pdlab report` on the output of `pdlab compare` (a .sqlite with the `compare` table): each
// variant's paired differences from the baseline as a forest plot, one panel per outcome,
// and the variants' means side by side.
#include "report_results.hpp"

#include "pdlab/io/results.hpp"

#include <fmt/format.h>

namespace pdlab::study::report {

int write_compare_report(const Study& db, const std::string& out_path, bool force) {
  // One row per outcome and variant; the label says what the outcome measures and where.
  const std::string label =
      "outcome || ' ' || statistic || CASE WHEN level <> '' THEN ' (' || level || ')' ELSE '' "
      "END || CASE WHEN policy_id <> '' THEN ' · ' || policy_id ELSE '' END";
  const auto baseline = db.scalar("SELECT variant FROM compare ORDER BY rowid LIMIT 1");
  const auto reps = db.scalar("SELECT MAX(replicates) FROM compare");
  const auto diffs = json_rows(
      db, "SELECT " + label +
              " AS outcome, variant, diff, diff_lo, diff_hi, mean, replicates FROM compare WHERE "
              "variant <> " +
              io::sql_literal(baseline) + " ORDER BY rowid");
  const auto means = json_rows(
      db, "SELECT " + label + " AS outcome, variant, mean, sd FROM compare ORDER BY rowid");
  const std::string caption = fmt::format(
      "Differences from the baseline variant \"{}\" over {} replicates on common random "
      "numbers (the same random draws in every variant), with 95% t intervals; a difference "
      "whose interval crosses the dashed zero line is not distinguishable from none.",
      baseline, reps);
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
              {{"mark", {{"type", "rule"}, {"strokeWidth", 2}}},
               {"encoding",
                {{"x", {{"field", "diff_lo"}, {"type", "quantitative"}, {"title", nullptr}}},
                 {"x2", {{"field", "diff_hi"}}},
                 {"y", variant_axis}}}},
              {{"mark", {{"type", "point"}, {"filled", true}, {"size", 60}, {"color", "black"}}},
               {"encoding",
                {{"x", {{"field", "diff"}, {"type", "quantitative"}}},
                 {"y", variant_axis},
                 {"tooltip",
                  Json::array(
                      {{{"field", "outcome"}},
                       {{"field", "variant"}},
                       {{"field", "diff"}, {"format", ".4g"}},
                       {{"field", "diff_lo"}, {"title", "95% low"}, {"format", ".4g"}},
                       {{"field", "diff_hi"}, {"title", "95% high"}, {"format", ".4g"}}})}}}}})}}},
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
  const std::vector<Chart> charts = {
      {"forest", "Paired differences from the baseline (forest plot)", std::move(forest), ""},
      {"means", "Each variant's mean", std::move(side), ""}};
  write_page(out_path, force, "pdlab report: compare",
             "<p class=\"cap\">" + html_escape(caption) + "</p>\n", charts);
  return static_cast<int>(charts.size());
}

}  // namespace pdlab::study::report
