// `pdlab report`'s time-series charts: means with bands, scripted events marked on the time
// axis, and the story charts chosen by what the study holds (reversals, quota regions,
// channels, single replicates).
#include "study/report_charts.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/scenario.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <variant>

namespace pdlab::study::report {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string list(const std::vector<std::string>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 4; ++i) {
    s += (i ? ", " : "") + ids[i];
  }
  return ids.size() > 4 ? s + fmt::format(" and {} more", ids.size() - 4) : s;
}

Json event_layer(const Json& events) {
  // Named: the page's blank-chart check does not count these marks as data drawn.
  return {{"name", "events"},
          {"data", {{"values", events}}},
          {"mark", {{"type", "rule"}, {"color", "#888"}, {"strokeDash", {4, 3}}}},
          {"encoding",
           {{"x", {{"field", "day"}, {"type", "temporal"}}},
            {"tooltip", Json::array({{{"field", "date"}, {"title", "event date"}},
                                     {{"field", "event"}, {"title", "scripted event"}}})}}}};
}

int replicates(const Study& db) {
  return std::max(1, std::atoi(db.meta("replicates").c_str()));
}

// Period -> calendar label, from summary_time.
std::map<int, std::string> period_labels(const Study& db) {
  std::map<int, std::string> out;
  db.each("SELECT DISTINCT period, date FROM summary_time ORDER BY period",
          [&](sqlite3_stmt* st) { out[sqlite3_column_int(st, 0)] = text(st, 1); });
  return out;
}

// Rows {series, date, day, share}: the cumulative count of `counts` (period -> adoptions)
// divided by `denominator`, at every period.
void cumulative_rows(Json& rows, const std::string& series, const std::map<int, double>& counts,
                     double denominator, const std::map<int, std::string>& labels) {
  double total = 0;
  for (const auto& [p, label] : labels) {
    if (const auto it = counts.find(p); it != counts.end()) {
      total += it->second;
    }
    rows.push_back({{"series", series},
                    {"date", label},
                    {"day", first_day(label)},
                    {"share", number(total / denominator)}});
  }
}

// Active, reversed and ever adopted, by level: only where some unit reverses.
void reversal_chart(const Study& db, const PolicyInfo& pol, const std::string& caption,
                    std::vector<Chart>& out) {
  const auto rev =
      db.scalar("SELECT MAX(mean) FROM summary_time WHERE metric = 'reversed' AND policy_id = " +
                io::sql_literal(pol.id));
  if (rev.empty() || std::atof(rev.c_str()) <= 0) {
    return;
  }
  const auto band = band_columns(db, "summary_time");
  const auto data =
      json_rows(db, "SELECT level, date, metric, mean, " + band.first + ", " + band.second +
                        " FROM summary_time WHERE metric IN ('adopted', 'active', 'reversed') AND "
                        "policy_id = " +
                        io::sql_literal(pol.id) +
                        " AND level <> (SELECT name FROM levels WHERE level = 0) ORDER BY period");
  out.push_back({"reversal_" + std::to_string(out.size()),
                 "Adopted, still active and reversed, by level: " + pol.name,
                 band_chart(data, band.first, band.second, "metric", "share of units",
                            "Adopted = ever adopted; active = adopted and not reversed; reversed "
                            "= reversed now. Mean and band over replicates; each panel its own "
                            "scale. " +
                                caption,
                            Json::array(), "level", true),
                 ""});
}

// Share adopted at a mandate's target level in each quota region, with the quota as a
// target marker: only where the adoptions table reaches the target level.
void quota_chart(const Study& db, const PolicyInfo& pol, const std::vector<Event>& events,
                 const std::string& caption, const Json& event_marks, std::vector<Chart>& out) {
  const auto labels = period_labels(db);
  const auto cols = db.columns("units");
  const double reps = replicates(db);
  for (const auto& e : events) {
    const auto* m = std::get_if<MandateSpec>(&e.spec);
    if (m == nullptr || m->quotas.empty() || (!e.policy.empty() && e.policy != pol.id)) {
      continue;
    }
    if (db.scalar("SELECT COUNT(*) FROM adoptions WHERE level = " +
                  io::sql_literal(m->target_level)) == "0") {
      continue;  // output.adoptions_max_level stops above the target level
    }
    Json rows = Json::array();
    Json targets = Json::array();
    for (const auto& q : m->quotas) {
      std::string cond;
      std::vector<std::string> region_names;
      for (const auto& r : q.regions) {
        const auto lvl = db.scalar("SELECT level FROM units WHERE unit_id = " + io::sql_literal(r));
        const auto col = "in_" + lvl;
        if (std::find(cols.begin(), cols.end(), col) == cols.end()) {
          continue;
        }
        cond += std::string(cond.empty() ? "" : " OR ") + col + " = " + io::sql_literal(r);
        region_names.push_back(
            db.scalar("SELECT name FROM units WHERE unit_id = " + io::sql_literal(r)));
      }
      if (cond.empty()) {
        continue;
      }
      const auto n = std::atof(db.scalar("SELECT COUNT(*) FROM units WHERE level = " +
                                         io::sql_literal(m->target_level) + " AND (" + cond + ")")
                                   .c_str());
      if (n <= 0) {
        continue;
      }
      std::map<int, double> counts;
      db.each("SELECT a.period, COUNT(*) FROM " +
                  first_adoptions("policy_id = " + io::sql_literal(pol.id) +
                                  " AND level = " + io::sql_literal(m->target_level)) +
                  " a JOIN units u ON u.unit_id = a.unit_id WHERE (" + cond + ") GROUP BY a.period",
              [&](sqlite3_stmt* st) {
                counts[sqlite3_column_int(st, 0)] = sqlite3_column_double(st, 1);
              });
      const auto series = list(region_names) + fmt::format(" ({:.0f}% by {})", 100 * q.share, q.by);
      cumulative_rows(rows, series, counts, n * reps, labels);
      targets.push_back({{"series", series},
                         {"date", q.by},
                         {"day", first_day(q.by)},
                         {"share", number(q.share)}});
    }
    if (targets.empty()) {
      continue;
    }
    const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
    const Json color = {{"field", "series"},
                        {"type", "nominal"},
                        {"title", "region (quota)"},
                        {"legend", {{"orient", "bottom"}, {"columns", 1}, {"labelLimit", 600}}}};
    Json layers = Json::array(
        {{{"data", {{"values", std::move(rows)}}},
          {"mark", "line"},
          {"encoding",
           {{"x", x},
            {"y",
             {{"field", "share"},
              {"type", "quantitative"},
              {"title", "share of " + m->target_level + " units adopted"}}},
            {"color", color},
            {"tooltip", Json::array({{{"field", "series"}, {"title", "region"}},
                                     {{"field", "date"}},
                                     {{"field", "share"}, {"format", ".1%"}}})}}}},
         {{"data", {{"values", std::move(targets)}}},
          {"mark", {{"type", "point"}, {"shape", "diamond"}, {"size", 120}, {"filled", true}}},
          {"encoding",
           {{"x", x},
            {"y", {{"field", "share"}, {"type", "quantitative"}}},
            {"color", color},
            {"tooltip",
             Json::array({{{"field", "series"}, {"title", "quota"}},
                          {{"field", "date"}, {"title", "due"}},
                          {{"field", "share"}, {"title", "target"}, {"format", ".0%"}}})}}}}});
    if (!event_marks.empty()) {
      layers.push_back(event_layer(event_marks));
    }
    out.push_back(
        {"quota_" + std::to_string(out.size()),
         "By region against the mandate's quotas: " + pol.name,
         {{"$schema", kSchema},
          {"width", 640},
          {"height", 260},
          {"layer", std::move(layers)},
          {"title", caption_title("Mean over replicates of the share of " + m->target_level +
                                  " units adopted in each quota region; diamonds: the "
                                  "quota (share due by its date); dashed rules: "
                                  "scripted events. " +
                                  caption)}},
         ""});
  }
}

// Adoptions per year by channel (mean per replicate), stacked.
void channel_chart(const Study& db, const PolicyInfo& pol, const std::string& caption,
                   std::vector<Chart>& out) {
  const auto data = json_rows(
      db, "SELECT substr(date, 1, 4) AS year, level, channel, COUNT(*) * 1.0 / " +
              std::to_string(replicates(db)) + " AS adoptions FROM adoptions WHERE policy_id = " +
              io::sql_literal(pol.id) + " GROUP BY year, level, channel ORDER BY year");
  if (data.empty()) {
    return;
  }
  const auto deepest = db.scalar(
      "SELECT MAX(l.level) FROM adoptions a JOIN levels l ON l.name = "
      "a.level");
  const auto deepest_name =
      db.scalar("SELECT name FROM levels WHERE level = " + io::sql_literal(deepest));
  out.push_back(
      {"channels_" + std::to_string(out.size()),
       "Adoptions by channel, year by year: " + pol.name,
       {{"$schema", kSchema},
        {"data", {{"values", data}}},
        {"width", 640},
        {"height", 240},
        {"mark", "bar"},
        {"encoding",
         {{"x",
           {{"field", "year"},
            {"type", "ordinal"},
            {"title", nullptr},
            {"axis", {{"labelAngle", -45}}}}},
          {"y",
           {{"aggregate", "sum"},
            {"field", "adoptions"},
            {"type", "quantitative"},
            {"title", "adoptions per replicate"}}},
          {"color", {{"field", "channel"}, {"type", "nominal"}, {"title", "dominant channel"}}},
          {"tooltip", Json::array({{{"field", "year"}},
                                   {{"field", "channel"}},
                                   {{"field", "adoptions"},
                                    {"aggregate", "sum"},
                                    {"title", "adoptions per replicate"},
                                    {"format", ".1f"}}})}}},
        {"title",
         caption_title("Mean number of adoptions per replicate in each year, by the channel "
                       "that dominated the unit's adoption (docs/model.md), units down to " +
                       deepest_name + " level (output.adoptions_max_level). " + caption)}},
       ""});
}

// Five replicates' cumulative share at the deepest stored level, against the median over all
// replicates: two-way outcomes show as curves apart, not as a wide band around a mean.
void replicate_chart(const Study& db, const PolicyInfo& pol, const std::string& caption,
                     const Json& events, std::vector<Chart>& out) {
  const auto level = db.scalar(
      "SELECT l.name FROM adoptions a JOIN levels l ON l.name = a.level WHERE a.policy_id = " +
      io::sql_literal(pol.id) + " ORDER BY l.level DESC LIMIT 1");
  if (level.empty()) {
    return;
  }
  const auto n = std::atof(
      db.scalar("SELECT n_units FROM levels WHERE name = " + io::sql_literal(level)).c_str());
  if (n <= 0) {
    return;
  }
  const auto labels = period_labels(db);
  Json rows = Json::array();
  const int shown = std::min(5, replicates(db));
  for (int r = 0; r < shown; ++r) {
    std::map<int, double> counts;
    db.each("SELECT period, COUNT(*) FROM " +
                first_adoptions("policy_id = " + io::sql_literal(pol.id) + " AND level = " +
                                io::sql_literal(level) + " AND replicate = " + std::to_string(r)) +
                " GROUP BY period",
            [&](sqlite3_stmt* st) {
              counts[sqlite3_column_int(st, 0)] = sqlite3_column_double(st, 1);
            });
    cumulative_rows(rows, fmt::format("replicate {}", r), counts, n, labels);
  }
  const auto cols = db.columns("summary_time");
  const bool has_median = std::find(cols.begin(), cols.end(), "q50") != cols.end();
  const std::string mid = has_median ? "q50" : "mean";
  const auto med = json_rows(db, "SELECT date, " + mid +
                                     " AS share FROM summary_time WHERE metric = 'adopted' AND "
                                     "policy_id = " +
                                     io::sql_literal(pol.id) +
                                     " AND level = " + io::sql_literal(level) + " ORDER BY period");
  const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
  Json layers =
      Json::array({{{"data", {{"values", std::move(rows)}}},
                    {"mark", {{"type", "line"}, {"strokeWidth", 1}, {"opacity", 0.7}}},
                    {"encoding",
                     {{"x", x},
                      {"y",
                       {{"field", "share"},
                        {"type", "quantitative"},
                        {"title", "share of " + level + " units adopted"}}},
                      {"color",
                       {{"field", "series"},
                        {"type", "nominal"},
                        {"title", "replicate"},
                        {"scale", {{"scheme", "tableau10"}}}}},
                      {"tooltip", Json::array({{{"field", "series"}},
                                               {{"field", "date"}},
                                               {{"field", "share"}, {"format", ".1%"}}})}}}},
                   {{"data", {{"values", med}}},
                    {"mark", {{"type", "line"}, {"color", "black"}, {"strokeWidth", 2.5}}},
                    {"encoding",
                     {{"x", x},
                      {"y", {{"field", "share"}, {"type", "quantitative"}}},
                      {"tooltip", Json::array({{{"field", "date"}},
                                               {{"field", "share"},
                                                {"title", has_median ? "median" : "mean"},
                                                {"format", ".1%"}}})}}}}});
  if (!events.empty()) {
    layers.push_back(event_layer(events));
  }
  out.push_back(
      {"replicates_" + std::to_string(out.size()),
       fmt::format("{} replicates and the {} ({} level): {}", shown, has_median ? "median" : "mean",
                   level, pol.name),
       {{"$schema", kSchema},
        {"width", 640},
        {"height", 260},
        {"layer", std::move(layers)},
        {"title",
         caption_title(fmt::format("Coloured: the first {} replicates, each on its own; black: the "
                                   "{} over all replicates. Dashed rules: scripted events. ",
                                   shown, has_median ? "median" : "mean") +
                       caption)}},
       ""});
}

}  // namespace

// What an event does, in a few words.
std::string describe(const Event& e) {
  return std::visit(
      Overloaded{
          [](const AdoptSpec& s) {
            return "adopt " + list(s.units) +
                   (s.mode == Mode::none ? "" : std::string(" (") + to_string(s.mode) + ")");
          },
          [](const MandateSpec& s) {
            return "mandate by " + s.issuer + " to " + s.target_level + " level" +
                   (s.deadline.empty() ? "" : ", deadline " + s.deadline) +
                   (s.quotas.empty() ? "" : fmt::format(", {} regional quotas", s.quotas.size()));
          },
          [](const PromoteSpec& s) {
            return "promote by " + list(s.units) +
                   (s.mode == Mode::none ? "" : std::string(" (") + to_string(s.mode) + ")");
          },
          [](const SetSpec& s) { return fmt::format("set {} = {}", s.key, s.value); },
          [](const ReverseSpec& s) { return "reverse " + list(s.units); },
          [](const AbolishSpec& s) { return "abolish the " + s.level + " tier"; },
          [](const MergeSpec& s) { return "merge " + list(s.units) + " into " + s.into; },
          [](const SplitSpec& s) { return "split " + s.unit + " into " + list(s.into); },
          [](const ReestablishSpec& s) { return "re-establish the " + s.level + " tier"; },
      },
      e.spec);
}

std::vector<Event> scenario_events(const Study& db) {
  try {
    return io::parse_scenario(db.scalar("SELECT toml FROM scenarios WHERE scenario_id = 1"),
                              db.scalar("SELECT file FROM scenarios WHERE scenario_id = 1"), {})
        .scenario.events;
  } catch (const Error&) {
    return {};  // a study written by another version: no markers
  }
}

std::string metric_label(const std::string& name) {
  for (const auto& m : gov_metrics()) {
    if (m.name == name) {
      return std::string(m.label) + " (" + std::string(m.unit) + ")";
    }
  }
  return name;
}

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

Json event_rows(const Study& db) {
  Json out = Json::array();
  for (const auto& e : scenario_events(db)) {
    out.push_back({{"day", first_day(e.date)}, {"date", e.date}, {"event", describe(e)}});
  }
  return out;
}

std::vector<Chart> story_charts(const Study& db, const std::vector<PolicyInfo>& policies,
                                const std::string& caption, const Json& events) {
  std::vector<Chart> out;
  const auto scripted = scenario_events(db);
  const bool adoptions = db.has_table("adoptions");
  for (const auto& pol : policies) {
    reversal_chart(db, pol, caption, out);
    if (adoptions && db.has_table("units")) {
      quota_chart(db, pol, scripted, caption, events, out);
    }
    if (adoptions) {
      channel_chart(db, pol, caption, out);
      replicate_chart(db, pol, caption, events, out);
      if (db.has_table("units")) {
        steps_chart(db, pol, scripted, caption, out);
      }
    }
  }
  return out;
}

Json band_chart(Json data, const std::string& lo, const std::string& hi, const std::string& color,
                const std::string& y_title, const std::string& caption, const Json& events,
                const std::string& facet, bool wrap) {
  const Json x = {{"field", "day"}, {"type", "temporal"}, {"title", nullptr}};
  // One legend for both layers (a `legend: null` on the band's layer took the merged legend
  // away), drawn as solid strokes: the lines' colours, not the pale band's.
  const Json by_color = {{"field", color},
                         {"type", "nominal"},
                         {"title", nullptr},
                         {"legend",
                          {{"orient", "bottom"},
                           {"columns", 3},
                           {"labelLimit", 360},
                           {"symbolType", "stroke"},
                           {"symbolStrokeWidth", 3},
                           {"symbolOpacity", 1}}}};
  Json layer = Json::array({{{"mark", {{"type", "area"}, {"opacity", 0.2}}},
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
    if (!events.empty()) {
      layer.push_back(event_layer(events));
    }
    spec["width"] = 640;
    spec["height"] = 260;
    spec["layer"] = layer;
  }
  spec["title"] = caption_title(caption);
  return spec;
}

Json target_band_chart(Json data, const TargetBand& band, const Json& x, const Json& tooltip,
                       const std::string& caption) {
  const Json y = {{"field", "target"},
                  {"type", "nominal"},
                  {"sort", nullptr},
                  {"title", nullptr},
                  {"axis", {{"labelLimit", 360}}}};
  Json x_band = x;
  x_band["field"] = band.lo;
  x_band["type"] = "quantitative";
  auto layer = [&](Json mark, Json x_enc, bool with_x2) {
    Json enc = {{"x", std::move(x_enc)}, {"y", y}, {"tooltip", tooltip}};
    if (with_x2) {
      enc["x2"] = {{"field", band.hi}};
    }
    return Json{{"mark", std::move(mark)}, {"encoding", std::move(enc)}};
  };
  return {{"$schema", kSchema},
          {"data", {{"values", std::move(data)}}},
          {"width", 480},
          {"layer",
           Json::array(
               {layer({{"type", "rule"}, {"strokeWidth", 6}, {"color", "#9ecae1"}}, x_band, true),
                layer({{"type", "tick"}, {"color", "black"}, {"thickness", 2}},
                      Json{{"field", band.centre}, {"type", "quantitative"}}, false),
                layer({{"type", "point"},
                       {"shape", "diamond"},
                       {"filled", true},
                       {"size", 110},
                       {"color", "#d62728"}},
                      Json{{"field", band.observed}, {"type", "quantitative"}}, false)})},
          {"title", caption_title(caption)}};
}

}  // namespace pdlab::study::report
