#include "pdlab/study/riskset_inputs.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

namespace pdlab::study {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    s += (s.empty() ? "" : ", ") + x;
  }
  return s;
}

// An edge list at the wrong level gives a neighbour exposure of 0 on every row: refused.
void check_edge_level(const RisksetInputs& in, const std::string& edges_path) {
  const auto& h = *in.inputs.hierarchy;
  const auto& net = *in.inputs.network;
  const int level = in.options.level;
  if (level < 0 || net.empty()) {
    return;
  }
  std::int32_t first = -1;
  for (std::int32_t u = 0; u < h.size(); ++u) {
    if (net.neighbours(u).empty()) {
      continue;
    }
    if (h.level(u) == level) {
      return;  // some units at risk have neighbours
    }
    if (first < 0) {
      first = u;
    }
  }
  // The line of the first edge from a unit in the hierarchy (a plain CSV; 0 for shipped lists).
  std::int64_t line = 0;
  std::ifstream file(edges_path);
  std::string text;
  for (std::int64_t l = 1; edges_path.rfind("china:", 0) != 0 && std::getline(file, text); ++l) {
    const auto id = text.substr(0, text.find(','));
    const auto u = l > 1 ? h.find(id) : -1;
    if (u >= 0 && !net.neighbours(u).empty()) {
      line = l;
      first = u;
      break;
    }
  }
  const auto& names = h.level_names();
  const auto& want = names[static_cast<std::size_t>(level)];
  fail(ErrorKind::data, {edges_path, line, "from", std::string(h.id(first))},
       fmt::format("the edge list links {} units, but the units at risk are {} units "
                   "(--level {}): none of them has a neighbour, so the neighbour exposure "
                   "would be 0 on every row",
                   names[static_cast<std::size_t>(h.level(first))], want, want),
       fmt::format("give an edge list between {} units: --edges china:{}_adjacency (shipped "
                   "for county, prefecture and province) or a CSV of {} ids",
                   want, want, want));
}

// A policy id the events lack: the nearest id as a suggestion, and the file's ids listed
// (policy_ids_listed).
[[noreturn]] void unknown_policy(const std::string& events_path, const std::string& option,
                                 const std::string& id, const std::vector<std::string>& ids,
                                 const std::string& what) {
  const auto near = closest(id, ids);
  fail(ErrorKind::usage, {events_path, 0, option, id},
       what + " (" + policy_ids_listed(id, ids) + ")",
       near.empty() ? "use a policy_id of the events" : "did you mean '" + near + "'?");
}

// Adoptions before the calendar's start, refused: the fixes, and why not to delete them.
[[noreturn]] void refuse_before_start(const io::EventsFile& ev, const Hierarchy& h,
                                      const Calendar& cal, const std::string& events_path,
                                      bool offer_option) {
  const auto& a = ev.adoptions[ev.first_before_start];
  std::vector<std::string> policies;
  for (const auto& b : ev.adoptions) {
    const auto& pid = ev.policy_ids[static_cast<std::size_t>(b.policy)];
    if (b.period == io::kBeforeStart &&
        std::find(policies.begin(), policies.end(), pid) == policies.end()) {
      policies.push_back(pid);
    }
  }
  // calendar.start cannot be set before 1900 (set_calendar_start).
  DateSpan span;
  std::string why;
  const bool can_move =
      parse_date(ev.earliest_before_start, span, why) && civil_from_days(span.first).year >= 1900;
  fail(ErrorKind::data,
       {events_path, ev.lines[ev.first_before_start], "time", ev.first_before_start_time},
       fmt::format("the adoption of policy '{}' by {} is before the calendar's start ({}), as "
                   "are {} adoption{} of {} polic{} in all (the earliest {})",
                   ev.policy_ids[static_cast<std::size_t>(a.policy)], h.id(a.unit),
                   period_label(cal, 0), ev.before_start, ev.before_start == 1 ? "" : "s",
                   policies.size(), policies.size() == 1 ? "y" : "ies", ev.earliest_before_start),
       (offer_option
            ? std::string("give --before-start adopted to count such units as adopters from the "
                          "start: not at risk (left-truncated out of the risk set), and adopters "
                          "in the exposures of the others")
            : std::string("correct the dates; a fit takes adoptions inside the calendar "
                          "only (riskset with --before-start adopted keeps such units out of a "
                          "risk set)")) +
           (can_move ? "; or set calendar.start at or before " + ev.earliest_before_start +
                           " to model those adoptions"
                     : "") +
           ". Deleting the events instead would count those units as never-adopters, at risk "
           "in every period");
}

}  // namespace

std::string policy_ids_listed(const std::string& id, const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 10;
  const auto near = closest(id, ids);
  std::vector<std::string> shown = ids;
  if (shown.size() > kShown) {
    if (!near.empty()) {  // (else the nearest are no nearer than any others)
      std::stable_sort(shown.begin(), shown.end(), [&](const auto& a, const auto& b) {
        return edit_distance(id, a) < edit_distance(id, b);
      });
    }
    shown.resize(kShown);
  }
  return ids.size() > kShown
             ? fmt::format("the events hold {} policy ids; the {} {}: {}", ids.size(), kShown,
                           near.empty() ? "first" : "nearest", join(shown))
             : "the events' policy ids: " + join(shown);
}

const std::vector<std::string>& before_start_names() {
  static const std::vector<std::string> names = {"error", "adopted"};
  return names;
}

BeforeStart before_start_from_name(const std::string& name, const std::string& field) {
  if (name == "adopted") {
    return BeforeStart::adopted;
  }
  if (name != "error") {
    fail(ErrorKind::usage, {"", 0, field, name}, "not a choice",
         "use error (refuse adoptions before the calendar's start) or adopted (their units "
         "are not at risk)");
  }
  return BeforeStart::error;
}

const std::vector<std::string>& risk_start_names() {
  static const std::vector<std::string> names = {"calendar", "first-adoption"};
  return names;
}

RiskStart risk_start_from_name(const std::string& name, const std::string& field) {
  if (name == "first-adoption") {
    return RiskStart::first_adoption;
  }
  if (name != "calendar") {
    fail(ErrorKind::usage, {"", 0, field, name}, "not a choice",
         "use calendar (every policy at risk from the calendar's start) or first-adoption "
         "(each policy from its first adoption in the events)");
  }
  return RiskStart::calendar;
}

std::string event_covariate_name(const std::string& policy_id) {
  return "adopted." + policy_id;
}

int static_column(const Hierarchy& h, const std::string& name, const std::string& file) {
  if (const auto a = h.attribute_index(name)) {
    return *a;
  }
  // Every numeric column of the file (the loaded hierarchy keeps only the ones asked for).
  const auto& numeric = h.source_columns().empty() ? h.attribute_names() : h.source_columns();
  const auto& text = h.text_attribute_names();
  const bool is_text = std::find(text.begin(), text.end(), name) != text.end();
  const std::string near = closest(name, numeric);
  const std::string list =
      numeric.empty() ? "it has none" : "its numeric columns: " + join(numeric);
  fail(ErrorKind::usage, {"", 0, "--static", name},
       is_text ? "a text column of the hierarchy (" + file + "), not a number"
               : "no numeric column of this name in the hierarchy (" + file + ")",
       (near.empty() || is_text ? "use a numeric column" : "did you mean '" + near + "'?") + " (" +
           list + ")");
}

RisksetInputs read_riskset_inputs(const RisksetInputSpec& spec) {
  RisksetInputs in;
  in.loaded = io::load_scenario(spec.scenario, spec.overrides);
  auto& sc = in.loaded.scenario;
  std::string edges_path = sc.hierarchy.edges.empty() ? "" : sc.hierarchy.edges.front().path;
  if (!spec.edges.empty()) {
    // A path on the command line is relative to the working directory, not the scenario.
    const bool shipped = spec.edges.rfind("china:", 0) == 0;
    edges_path = shipped ? spec.edges : std::filesystem::absolute(spec.edges).string();
    if (shipped && spec.edges_directed) {
      fail(ErrorKind::usage, {"", 0, "--edges-directed", spec.edges},
           "the shipped lists are adjacencies, one row per pair of neighbours: read as "
           "directed, each pair would link one way only",
           "drop --edges-directed with a china: list");
    }
    sc.hierarchy.edges = {EdgeSource{edges_path, !spec.edges_directed}};
  } else if (spec.edges_directed) {
    fail(ErrorKind::usage, {"", 0, "--edges-directed", ""},
         "--edges-directed says how to read the list given by --edges, and there is none",
         "give the directed list with --edges PATH (the scenario's own lists say so with "
         "symmetric = false under [[hierarchy.edges]])");
  }
  // `--covariates` once took hierarchy columns in `pdlab fit`: say so rather than "no file".
  if (!spec.covariates_path.empty() && !std::filesystem::exists(spec.covariates_path) &&
      spec.covariates_path.find_first_of("/.") == std::string::npos) {
    fail(ErrorKind::usage, {"", 0, "--covariates", spec.covariates_path},
         "no such file: --covariates takes a long CSV (unit_id,time,variable,value) of "
         "time-varying covariates in both `pdlab riskset` and `pdlab fit`",
         "name hierarchy columns with --static " + spec.covariates_path +
             ", and time-varying ones in a file given to --covariates");
  }
  try {
    in.inputs = io::load_inputs(sc, spec.static_columns);
  } catch (const Error& e) {
    // An edge list given by --edges is blamed on --edges, not on the scenario's key.
    const std::string what = e.what();
    // A list that gives both directions of a pair, read as symmetric: the fix is an option
    // of this command, not a key of the scenario.
    const std::string symmetric_fix = "Fix: set symmetric = false for this edge list";
    if (const auto at = what.find(symmetric_fix); !spec.edges.empty() && at != std::string::npos) {
      auto head = what.substr(0, at);
      const std::string as_key = "with symmetric = true";
      if (const auto k = head.find(as_key); k != std::string::npos) {
        head.replace(k, as_key.size(), "read as symmetric (--edges without --edges-directed),");
      }
      throw Error(e.kind(), head +
                                "Fix: give --edges-directed if each row is one direction, from "
                                "-> to (a directed list, such as NetInf's inferred edges), or "
                                "keep one row per pair");
    }
    const auto field = what.find("field 'hierarchy.edges.path' = '");
    const auto text = field == std::string::npos ? field : what.find("': ", field + 32);
    if (spec.edges.empty() || text == std::string::npos) {
      throw;
    }
    const auto fix = what.find(". Fix: ", text);
    // (a bad value is a usage error of the option; a missing file stays one)
    fail(e.kind() == ErrorKind::config ? ErrorKind::usage : e.kind(),
         {"", 0, "--edges", spec.edges},
         what.substr(text + 3, fix == std::string::npos ? fix : fix - text - 3),
         fix == std::string::npos ? "" : what.substr(fix + 7));
  }
  const auto& h = *in.inputs.hierarchy;
  io::EventsReadOptions read;
  read.keep_before_start = true;  // refused below, with this command's fixes, unless adopted
  if (!spec.policy.empty()) {
    // Only the rows in use: another policy's bad date or unit must not stop this one.
    read.policies = spec.event_covariates;
    read.policies.push_back(spec.policy);
  }
  in.events = io::read_events(spec.events_path, h, sc.calendar, read);
  in.notes = in.inputs.network->notes();
  if (!in.events.padded_ids_note.empty()) {
    in.notes.push_back(in.events.padded_ids_note);
  }
  for (const auto& [option, ids] :
       {std::pair<std::string, std::vector<std::string>>{"--policy", {spec.policy}},
        std::pair<std::string, std::vector<std::string>>{"--event-covariate",
                                                         spec.event_covariates}}) {
    for (const auto& id : ids) {
      const auto& file_ids = in.events.file_policy_ids;
      if (!id.empty() && std::find(file_ids.begin(), file_ids.end(), id) == file_ids.end()) {
        unknown_policy(spec.events_path, option, id, file_ids, "no event has this policy_id");
      }
    }
  }
  if (in.events.before_start > 0 && spec.before_start == BeforeStart::error) {
    refuse_before_start(in.events, h, sc.calendar, spec.events_path, spec.offer_before_start);
  }
  auto& ro = in.options;
  ro.periods = sc.calendar.periods;
  ro.attenuation = sc.vertical.attenuation;
  ro.sibling_weight = sc.adoption.sibling_weight;
  ro.edge_weight = sc.adoption.edge_weight;
  // The scenario compiled against the hierarchy bounds the risk set as it bounds a run:
  // restructuring and the policies' from, levels and types.
  // Pilots are chosen only in a simulation: their ranking column (promotion.capacity, by
  // default "population", which a hierarchy of one's own may lack) is no concern of a risk set.
  // (`pdlab fit` writes pilot_rule = "random" and no pilots into the fitted scenario.)
  Scenario compiled = sc;
  compiled.promotion.pilot_rule = PilotRule::random;
  const Model model(compiled, h, *in.inputs.network);
  io::riskset_availability(model, in.events, spec.events_path, ro);
  const std::string hier_file =
      sc.hierarchy.source == "china" ? "china:units (the shipped hierarchy)" : sc.hierarchy.path;
  for (const auto& c : spec.static_columns) {
    ro.static_columns.push_back(static_column(h, c, hier_file));
    in.source[c] = hier_file;
  }
  if (!spec.level.empty()) {
    const auto l = h.level_index(spec.level);
    if (!l) {
      const auto near = closest_level(spec.level, h.level_names());
      fail(ErrorKind::usage, {"", 0, "--level", spec.level},
           "no such level in the hierarchy (levels: " + join(h.level_names()) + ")",
           near.empty() ? "use one of the levels listed" : "did you mean '" + near + "'?");
    }
    ro.level = *l;
  }
  if (!spec.covariates_path.empty()) {
    std::string padded;
    in.time_varying = io::read_time_varying(spec.covariates_path, h, sc.calendar, &padded);
    if (!padded.empty()) {
      in.notes.push_back(padded);
    }
    for (const auto& tv : in.time_varying) {
      in.source[tv.name] = spec.covariates_path;
    }
  }
  for (const auto& name : spec.inherit) {
    auto it = std::find_if(in.time_varying.begin(), in.time_varying.end(),
                           [&](const auto& tv) { return tv.name == name; });
    if (it == in.time_varying.end()) {
      std::vector<std::string> names;
      for (const auto& tv : in.time_varying) {
        names.push_back(tv.name);
      }
      fail(ErrorKind::usage, {spec.covariates_path, 0, "--inherit", name},
           "no such variable in the --covariates file",
           names.empty() ? "give the covariates file with --covariates"
                         : "use one of: " + join(names));
    }
    it->inherit = true;
  }
  // Other policies' events as covariates: 1 from the period after the unit or its nearest
  // superior adopted it (lagged like the exposures), 0 before.
  std::vector<bool> covariate_policy(in.events.policy_ids.size(), false);
  for (const auto& pid : spec.event_covariates) {
    const auto it = std::find(in.events.policy_ids.begin(), in.events.policy_ids.end(), pid);
    if (it == in.events.policy_ids.end()) {
      unknown_policy(spec.events_path, "--event-covariate", pid, in.events.file_policy_ids,
                     "no event of a unit in the hierarchy has this policy_id");
    }
    const auto k = static_cast<std::int32_t>(it - in.events.policy_ids.begin());
    covariate_policy[static_cast<std::size_t>(k)] = true;
    TimeVaryingCovariate tv;
    tv.name = event_covariate_name(pid);
    tv.inherit = true;
    tv.before = 0.0;
    for (const auto& a : in.events.adoptions) {
      if (a.policy == k && a.period + 1 < sc.calendar.periods) {
        tv.obs.push_back({a.unit, a.period + 1, 1.0});
      }
    }
    in.source[tv.name] = spec.events_path;
    in.time_varying.push_back(std::move(tv));
  }
  for (std::size_t k = 0; k < in.events.policy_ids.size(); ++k) {
    if (covariate_policy[k] || (!spec.policy.empty() && in.events.policy_ids[k] != spec.policy)) {
      continue;
    }
    in.policies.push_back(static_cast<std::int32_t>(k));
  }
  if (!spec.policy.empty() && in.policies.empty()) {
    unknown_policy(spec.events_path, "--policy", spec.policy, in.events.file_policy_ids,
                   "no event of a unit in the hierarchy has this policy_id (or it is an "
                   "--event-covariate)");
  }
  if (in.policies.empty()) {
    fail(ErrorKind::usage, {spec.events_path, 0, "--event-covariate", join(spec.event_covariates)},
         "every policy of the events is an --event-covariate: no policy is left whose adoption "
         "the risk set models",
         "keep at least one policy out of --event-covariate (the response); an "
         "--event-covariate is another policy whose adoption is a covariate");
  }
  ro.policies = in.policies;
  if (spec.start == RiskStart::first_adoption) {
    // A policy that did not exist before its first adoption had no one at risk of it: its rows
    // begin in that period (the first adopter's row is its event), and duration counts from it.
    std::vector<std::int32_t> first(in.events.policy_ids.size(), kNever);
    for (const auto& a : in.events.adoptions) {
      auto& f = first[static_cast<std::size_t>(a.policy)];
      f = std::min(f, std::max(a.period, 0));
    }
    for (const auto k : in.policies) {
      auto& from = ro.policy_from[static_cast<std::size_t>(k)];
      from = std::max(from, first[static_cast<std::size_t>(k)]);
    }
    ro.duration_from_policy_start = true;
  }
  check_edge_level(in, edges_path);
  // Each covariate becomes a column of the risk set: a name given twice, or one of the risk
  // set's own columns, would write a table with two columns of one name (which `eha` then
  // refuses to read).
  std::set<std::string> taken{"trend"};
  for (const auto& c : io::table_schema("riskset").columns) {
    taken.insert(c.name);
  }
  const auto claim = [&](const std::string& name, const std::string& option,
                         const std::string& value) {
    if (!taken.insert(name).second) {
      fail(ErrorKind::usage, {"", 0, option, value},
           fmt::format("the risk set would have two columns named '{}'", name),
           "give each covariate once, under a name that is not one of the risk set's own "
           "columns (unit_id ... bottom_up, trend)");
    }
  };
  for (const auto& c : spec.static_columns) {
    claim(c, "--static", c);
  }
  for (const auto& tv : in.time_varying) {
    const bool from_events = in.source[tv.name] == spec.events_path;
    claim(tv.name, from_events ? "--event-covariate" : "--covariates",
          from_events ? tv.name : spec.covariates_path + ": variable " + tv.name);
  }
  return in;
}

const std::vector<std::string>& riskset_exposure_columns() {
  static const std::vector<std::string> columns = {"trend", "vertical", "horizontal", "bottom_up"};
  return columns;
}

io::DataTable riskset_table(const RiskSet& rs, const Hierarchy& h, const std::string& label) {
  io::DataTable t;
  t.path = label;
  const auto n = rs.rows();
  const auto add = [&](const std::string& name, std::vector<double> v) {
    t.names.push_back(name);
    t.num.push_back(std::move(v));
  };
  add("event", std::vector<double>(rs.event.begin(), rs.event.end()));
  // (in the order of riskset_exposure_columns())
  const auto& exposures = riskset_exposure_columns();
  add(exposures[0], std::vector<double>(rs.period.begin(), rs.period.end()));
  add(exposures[1], rs.vertical);
  add(exposures[2], rs.horizontal);
  add(exposures[3], rs.bottom_up);
  for (int l = 0; l < h.n_levels(); ++l) {
    std::vector<double> v(n);
    for (std::size_t r = 0; r < n; ++r) {
      v[r] = h.level(rs.unit[r]) == l ? 1.0 : 0.0;
    }
    add("alpha." + h.level_names()[static_cast<std::size_t>(l)], std::move(v));
  }
  for (std::size_t c = 0; c < rs.covariate_names.size(); ++c) {
    add(rs.covariate_names[c], rs.covariates[c]);
  }
  const auto nc = t.names.size();
  t.text.resize(nc);
  t.numeric.assign(nc, true);
  t.kept.assign(nc, true);
  t.first_text.assign(nc, {0, ""});
  t.line.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    t.line[r] = static_cast<std::int64_t>(r) + 2;
  }
  return t;
}

void check_terms(const io::Formula& f, const io::DataTable& table, const RiskSet& rs,
                 const Hierarchy& h, const Calendar& cal,
                 const std::map<std::string, std::string>& source, const std::string& option,
                 bool factors) {
  std::vector<std::string> usable;
  for (const auto& name : table.names) {
    if (name != "event" && name.rfind("alpha.", 0) != 0) {
      usable.push_back(name);
    }
  }
  for (const auto& term : f.terms) {
    const auto parts = io::term_parts(term);
    if (parts.empty() && !factors) {
      fail(ErrorKind::usage, {"", 0, option, term},
           "factor() terms other than factor(period) cannot be simulated by the fitted "
           "scenario",
           "for a time profile use factor(period) or `trend` (the fitted scenario carries "
           "period effects as the policy's `profile`, as it does any --covariates variable with "
           "one value a period, and a trend as the policy's `trend`); a unit-level "
           "factor's dummies as --covariates columns "
           "(constant within each unit) are carried per unit");
    }
    for (const auto& part : parts) {
      const auto c = table.column(part.column);
      if (!c || part.column == "event" || part.column.rfind("alpha.", 0) == 0) {
        fail(ErrorKind::usage, {"", 0, option, term},
             "no column '" + part.column + "' in the risk set",
             "use one of: " + join(usable) +
                 " (add hierarchy columns with --static, time-varying ones with --covariates)");
      }
      if (!part.log) {
        continue;
      }
      const auto& v = table.num[*c];
      for (std::size_t r = 0; r < v.size(); ++r) {
        if (!std::isnan(v[r]) && !(v[r] > 0)) {
          const auto it = source.find(part.column);
          fail(ErrorKind::data,
               {it == source.end() ? table.path : it->second, 0, part.column,
                fmt::format("{}", v[r])},
               fmt::format("log({}) of a value that is not positive (unit {} at {}, used by "
                           "the term '{}' of {})",
                           part.column, h.id(rs.unit[r]), period_label(cal, rs.period[r]), term,
                           option),
               "give " + part.column +
                   " only positive values (or leave it missing to drop the row), or use it "
                   "without log()");
        }
      }
    }
  }
}

std::vector<double> term_values(const io::DataTable& table, const std::string& term) {
  std::vector<double> out(table.rows(), 1.0);
  for (const auto& part : io::term_parts(term)) {
    const auto& v = table.num[*table.column(part.column)];
    for (std::size_t r = 0; r < out.size(); ++r) {
      out[r] *= part.log ? std::log(v[r]) : v[r];
    }
  }
  return out;
}

}  // namespace pdlab::study
