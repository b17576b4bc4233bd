// `pdlab report`: the share of replicates in which each step of a study's story happened:
// its scripted events (a pilot that became a full adoption, a deadline met, a quota met, a
// reversal, a restructuring) and what the model did on its own (pilots, mandates, deadline
// and quota adoptions, escalations, reversals, institutionalisation).
#include "study/report_charts.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/io/results.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <variant>

namespace pdlab::study::report {

namespace {

struct StepContext {
  const Study& db;
  std::string policy;
  int reps = 1;
  std::map<int, std::string> labels;  // period -> date
  std::set<std::string> stored;       // units with adoption rows possible (the units table)
  Json rows = Json::array();
};

// The period whose label covers `date` (the last period starting on or before its first day).
int period_of(const StepContext& c, const std::string& date) {
  const auto day = first_day(date);
  int out = 0;
  for (const auto& [p, label] : c.labels) {
    if (first_day(label) <= day) {
      out = p;
    }
  }
  return out;
}

std::string in_list(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) {
    s += std::string(s.empty() ? "" : ", ") + io::sql_literal(id);
  }
  return s;
}

// `sql` selects (replicate, first period) of the replicates in which the step happened.
void add_step(StepContext& c, const std::string& step, const std::string& kind,
              const std::string& sql) {
  std::vector<int> first;
  c.db.each(sql, [&](sqlite3_stmt* st) { first.push_back(sqlite3_column_int(st, 1)); });
  if (kind == "model" && first.empty()) {
    return;  // the model never took this step: not shown
  }
  Json when = nullptr;
  if (!first.empty()) {
    std::sort(first.begin(), first.end());
    const auto it = c.labels.find(first[(first.size() - 1) / 2]);
    if (it != c.labels.end()) {
      when = it->second;
    }
  }
  c.rows.push_back({{"step", step},
                    {"kind", kind},
                    {"share", number(static_cast<double>(first.size()) / c.reps)},
                    {"replicates", static_cast<int>(first.size())},
                    {"of", c.reps},
                    {"first", std::move(when)}});
}

// Every replicate, at the event's period: a step the scenario takes by construction.
void add_always(StepContext& c, const std::string& step, const std::string& date) {
  c.rows.push_back({{"step", step},
                    {"kind", "scripted (every replicate by construction)"},
                    {"share", 1.0},
                    {"replicates", c.reps},
                    {"of", c.reps},
                    {"first", date}});
}

std::string pol(const StepContext& c) {
  return "policy_id = " + io::sql_literal(c.policy);
}

// Replicates in which every listed unit has a row meeting `cond`, with the period the last of
// them met it.
std::string all_units(const StepContext& c, const std::vector<std::string>& units,
                      const std::string& cond, const std::string& period) {
  return "SELECT replicate, MAX(p) FROM (SELECT replicate, unit_id, MIN(" + period +
         ") AS p FROM adoptions WHERE " + pol(c) + " AND unit_id IN (" + in_list(units) + ") AND " +
         cond + " GROUP BY replicate, unit_id) GROUP BY replicate HAVING COUNT(*) = " +
         std::to_string(units.size());
}

void scripted_steps(StepContext& c, const Event& e) {
  const auto label = e.date + ": " + describe(e);
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, AdoptSpec> || std::is_same_v<T, ReverseSpec>) {
          std::vector<std::string> units;
          for (const auto& u : s.units) {
            if (c.stored.count(u) > 0) {
              units.push_back(u);
            }
          }
          if (units.empty()) {
            return;
          }
          if constexpr (std::is_same_v<T, AdoptSpec>) {
            add_step(c, label + " · adopted", "scripted", all_units(c, units, "1 = 1", "period"));
            if (s.mode == Mode::pilot) {
              add_step(c, label + " · the pilot became a full adoption", "scripted",
                       all_units(c, units, "full_period IS NOT NULL", "full_period"));
            }
          } else {
            add_step(c, label + " · reversed", "scripted",
                     all_units(c, units, "rev_period IS NOT NULL AND ceased = 0", "rev_period"));
          }
        } else if constexpr (std::is_same_v<T, MandateSpec>) {
          const auto n = c.db.scalar("SELECT COUNT(*) FROM units WHERE level = " +
                                     io::sql_literal(s.target_level));
          if (n == "0" || n.empty()) {
            add_always(c, label, e.date);
            return;
          }
          const auto level = "level = " + io::sql_literal(s.target_level);
          // The period by which the n-th unit of the level adopted, where all did by then.
          const auto met = [&](const std::string& by, const std::string& where,
                               const std::string& count, double share) {
            return "SELECT replicate, MAX(p) FROM (SELECT replicate, unit_id, MIN(period) AS p "
                   "FROM adoptions WHERE " +
                   pol(c) + " AND " + level + where +
                   " AND period <= " + std::to_string(period_of(c, by)) +
                   " GROUP BY replicate, unit_id) GROUP BY replicate HAVING COUNT(*) >= " +
                   fmt::format("{:.17g}", share) + " * " + count;
          };
          add_always(c, label, e.date);
          if (!s.deadline.empty()) {
            add_step(c,
                     e.date + ": deadline " + s.deadline + " met (every " + s.target_level +
                         " unit adopted)",
                     "scripted", met(s.deadline, "", n, 1.0));
          }
          const auto cols = c.db.columns("units");
          for (const auto& q : s.quotas) {
            std::string cond;
            for (const auto& r : q.regions) {
              const auto lvl =
                  c.db.scalar("SELECT level FROM units WHERE unit_id = " + io::sql_literal(r));
              if (std::find(cols.begin(), cols.end(), "in_" + lvl) != cols.end()) {
                cond += std::string(cond.empty() ? "" : " OR ") + "\"in_" + lvl +
                        "\" = " + io::sql_literal(r);
              }
            }
            if (cond.empty()) {
              continue;
            }
            const auto units =
                "unit_id IN (SELECT unit_id FROM units WHERE " + level + " AND (" + cond + "))";
            const auto count =
                c.db.scalar("SELECT COUNT(*) FROM units WHERE " + level + " AND (" + cond + ")");
            add_step(c,
                     fmt::format("{}: quota of {:.0f}% by {} met ({})", e.date, 100 * q.share, q.by,
                                 fmt::join(q.regions, "+")),
                     "scripted", met(q.by, " AND " + units, count, q.share));
          }
        } else {
          add_always(c, label, e.date);
        }
      },
      e.spec);
}

void model_steps(StepContext& c) {
  struct Step {
    const char* name;
    const char* cond;
    const char* period;
  };
  static constexpr Step kSteps[] = {
      {"a unit adopted as a pilot", "pilot = 1", "period"},
      {"a unit adopted under a mandate", "mandated = 1", "period"},
      {"an adoption forced by a mandate's deadline", "channel = 'mandate_deadline'", "period"},
      {"an adoption to meet a quota", "channel = 'quota'", "period"},
      {"an adoption pushed bottom-up", "channel = 'bottom_up'", "period"},
      {"an adoption after escalated pressure", "channel = 'escalation'", "period"},
      {"a unit institutionalised the policy", "inst_period IS NOT NULL", "inst_period"},
      {"a unit reversed the policy", "rev_period IS NOT NULL AND ceased = 0", "rev_period"},
  };
  for (const auto& s : kSteps) {
    add_step(c, s.name, "model",
             std::string("SELECT replicate, MIN(") + s.period + ") FROM adoptions WHERE " + pol(c) +
                 " AND " + s.cond + " GROUP BY replicate");
  }
}

}  // namespace

void steps_chart(const Study& db, const PolicyInfo& policy, const std::vector<Event>& events,
                 const std::string& caption, std::vector<Chart>& out) {
  StepContext c{db, policy.id, 1, {}, {}, Json::array()};
  c.reps = std::max(1, std::atoi(db.meta("replicates").c_str()));
  db.each("SELECT DISTINCT period, date FROM summary_time ORDER BY period",
          [&](sqlite3_stmt* st) { c.labels[sqlite3_column_int(st, 0)] = text(st, 1); });
  db.each("SELECT unit_id FROM units", [&](sqlite3_stmt* st) { c.stored.insert(text(st, 0)); });
  for (const auto& e : events) {
    if (e.policy.empty() || e.policy == policy.id) {
      scripted_steps(c, e);
    }
  }
  model_steps(c);
  if (c.rows.empty()) {
    return;
  }
  const auto n = c.rows.size();
  const Json y = {{"field", "step"},
                  {"type", "nominal"},
                  {"sort", nullptr},
                  {"title", nullptr},
                  {"axis", {{"labelLimit", 420}}}};
  const Json x = {{"field", "share"},
                  {"type", "quantitative"},
                  {"title", "share of replicates"},
                  {"scale", {{"domain", {0, 1}}}},
                  {"axis", {{"format", ".0%"}}}};
  out.push_back(
      {"steps_" + std::to_string(out.size()),
       "In how many replicates each step happened: " + policy.name,
       {{"$schema", kSchema},
        {"data", {{"values", std::move(c.rows)}}},
        {"width", 360},
        {"height", {{"step", 22}}},
        {"layer",
         Json::array(
             {{{"mark", "bar"},
               {"encoding",
                {{"x", x},
                 {"y", y},
                 {"color",
                  {{"field", "kind"},
                   {"type", "nominal"},
                   {"title", nullptr},
                   {"legend", {{"orient", "bottom"}, {"labelLimit", 400}}}}},
                 {"tooltip",
                  Json::array(
                      {{{"field", "step"}},
                       {{"field", "share"}, {"title", "share of replicates"}, {"format", ".0%"}},
                       {{"field", "replicates"}},
                       {{"field", "of"}, {"title", "of replicates"}},
                       {{"field", "first"}, {"title", "median date it happened"}}})}}}},
              {{"mark", {{"type", "text"}, {"align", "left"}, {"dx", 4}}},
               {"encoding",
                {{"x", x},
                 {"y", y},
                 {"text", {{"field", "share"}, {"type", "quantitative"}, {"format", ".0%"}}}}}}})},
        {"title",
         caption_title(
             fmt::format(
                 "{} steps. Scripted: the scenario's events, each with what had to follow (all the "
                 "listed units adopted or reversed, the pilot fully adopted, every unit adopted by "
                 "the deadline, the quota share reached by its date); model: what the model did "
                 "on its own in at least one replicate. Hover for the median date. ",
                 n) +
             caption)}},
       ""});
}

}  // namespace pdlab::study::report
