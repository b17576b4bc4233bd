// The cascades of `pdlab infer` (NetInf): read from the events format every other command
// reads (unit_id,policy_id,time: a policy is a cascade) or from NetInf's own format
// (node_name,event_time,cascade_id). See include/pdlab/io/estimation_io.hpp.
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <string_view>
#include <tuple>

namespace pdlab::io {

namespace {

// The two headers infer reads, by their column names.
struct CascadeColumns {
  const char* node;
  const char* time;
  const char* cascade;
};
constexpr CascadeColumns kNetInfColumns{"node_name", "event_time", "cascade_id"};
constexpr CascadeColumns kEventsColumns{"unit_id", "time", "policy_id"};

bool is_period_number(std::string_view s) {
  return !s.empty() && s.size() < 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An events-format time as infer's number: a period number (0 to 999) as it is, a date as the
// decimal year of its first day, year + (days since 1 January) / (days in the year), so that
// "2020" is 2020, as in NetInf's format, and "2020-07" is 2020.497. There is no calendar to
// place periods and dates on one scale, so a file that mixes them is refused.
double events_time(const std::string& path, std::int64_t line, std::string_view text,
                   std::optional<bool>& dated, std::int64_t& first_line) {
  const std::string value(text);
  if (value.empty()) {
    fail(ErrorKind::data, {path, line, "time", value}, "missing event time",
         "give the date of the adoption, or drop the row: a unit that did not adopt a policy "
         "has no row for it");
  }
  const bool period = is_period_number(value);
  double t = 0;
  if (period) {
    t = std::stod(value);
  } else {
    DateSpan span;
    std::string why;
    if (!parse_date(value, span, why)) {
      fail(ErrorKind::data, {path, line, "time", value}, why, date_forms());
    }
    const auto year = civil_from_days(span.first).year;
    const auto jan1 = days_from_civil(year, 1, 1);
    const auto days = days_from_civil(year + 1, 1, 1) - jan1;
    t = year + static_cast<double>(span.first - jan1) / static_cast<double>(days);
  }
  if (!dated) {
    dated = !period;
    first_line = line;
  } else if (*dated == period) {
    fail(ErrorKind::data, {path, line, "time", value},
         fmt::format("{} among {} (line {} has one): without a calendar infer cannot put the two "
                     "on one time scale",
                     period ? "a period number" : "a date", period ? "dates" : "period numbers",
                     first_line),
         "date every event (e.g. \"2020\" or \"2020-03\"), or number every event's period");
  }
  return t;
}

// Ids in sorted (byte) order: the order of the rows then decides nothing (docs/model.md 7.8,
// NetInf's ties go by node id).
std::vector<std::int32_t> sorted_ranks(const std::vector<std::string>& names) {
  std::vector<std::int32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return names[a] < names[b]; });
  std::vector<std::int32_t> rank(names.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    rank[static_cast<std::size_t>(order[k])] = static_cast<std::int32_t>(k);
  }
  return rank;
}

}  // namespace

Cascades read_cascades(const std::string& path, const std::string& node_list) {
  Cascades out;
  std::map<std::string, std::int32_t> node_id;
  std::map<std::string, std::int32_t> cascade_id;
  std::vector<std::string_view> f;
  if (!node_list.empty()) {
    CsvReader nodes(node_list);
    // A node list of NetInf's format, or any table of units (a hierarchy file) by its unit_id.
    auto c = nodes.column("node_name");
    if (!c) {
      c = nodes.column("unit_id");
    }
    if (!c) {
      fail(ErrorKind::data, {node_list, 1, "node_name", ""},
           "required column missing from the header",
           "the header must have node_name (or unit_id, as in the events and a units table)");
    }
    const char* field = nodes.column("node_name") ? "node_name" : "unit_id";
    while (nodes.next(f)) {
      const std::string name(f[*c]);
      if (name.empty()) {
        fail(ErrorKind::data, {node_list, nodes.line(), field, name}, "an empty node name",
             "give every node a name");
      }
      if (!node_id.emplace(name, static_cast<std::int32_t>(out.node_names.size())).second) {
        fail(ErrorKind::data, {node_list, nodes.line(), field, name}, "duplicate node",
             "list each node once");
      }
      out.node_names.push_back(name);
    }
  }
  CsvReader csv(path);
  const bool events_format = !csv.column("node_name") && csv.column("unit_id");
  out.events_format = events_format;
  const auto& cols = events_format ? kEventsColumns : kNetInfColumns;
  const auto need = [&](const char* name) {
    const auto c = csv.column(name);
    if (!c) {
      fail(ErrorKind::data, {path, 1, name, ""}, "required column missing from the header",
           "the header must be unit_id,policy_id,time (the events, as riskset and fit read "
           "them; a policy is a cascade) or node_name,event_time,cascade_id (NetInf's format)");
    }
    return *c;
  };
  const auto cn = need(cols.node);
  const auto ct = need(cols.time);
  const auto cc = need(cols.cascade);
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> first_line;  // (cascade, node)
  std::optional<bool> dated;  // events format: dates (true) or period numbers (false)
  std::int64_t first_time_line = 0;
  while (csv.next(f)) {
    const std::string name(f[cn]);
    if (name.empty()) {
      fail(ErrorKind::data, {path, csv.line(), cols.node, name}, "an empty node name",
           "give every event its node's name (drop the row if the node is unknown)");
    }
    auto it = node_id.find(name);
    if (it == node_id.end()) {
      if (!node_list.empty()) {
        fail(ErrorKind::data, {path, csv.line(), cols.node, name}, "node not in the node list",
             "add it to " + node_list);
      }
      it = node_id.emplace(name, static_cast<std::int32_t>(out.node_names.size())).first;
      out.node_names.push_back(name);
    }
    double t = 0;
    if (events_format) {
      t = events_time(path, csv.line(), f[ct], dated, first_time_line);
    } else {
      // A cascade lists only the nodes that adopted in it: a missing time is no missing value
      // here, and the advice says so (not the general "leave it empty").
      std::optional<double> v;
      try {
        v = parse_number(f[ct], path, csv.line(), "event_time");
      } catch (const Error&) {
        fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])}, "not a number",
             "give the time of the event as a number, e.g. a year (a node that did not adopt "
             "in a cascade has no row in it)");
      }
      if (!v) {
        fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])},
             "missing event time",
             "give the time of the event, or drop the row: a node that did not adopt in a "
             "cascade has no row in it");
      }
      if (!std::isfinite(*v)) {
        fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])},
             "event times must be finite", "give the time of the event, e.g. a year");
      }
      t = *v;
    }
    const std::string cid(f[cc]);
    if (cid.empty()) {
      fail(ErrorKind::data, {path, csv.line(), cols.cascade, cid},
           events_format ? "an empty policy id" : "an empty cascade id",
           "give every event the id of the cascade (the policy) it belongs to");
    }
    auto ci = cascade_id.emplace(cid, static_cast<std::int32_t>(out.cascade_ids.size())).first;
    if (ci->second == static_cast<std::int32_t>(out.cascade_ids.size())) {
      out.cascade_ids.push_back(cid);
    }
    if (const auto [seen, fresh] =
            first_line.emplace(std::pair{ci->second, it->second}, csv.line());
        !fresh) {
      fail(ErrorKind::data, {path, csv.line(), cols.node, name},
           "the node appears twice in " + std::string(events_format ? "policy" : "cascade") + " '" +
               cid + "' (first at line " + std::to_string(seen->second) + ")",
           events_format ? "keep each unit's first adoption of a policy only"
                         : "keep each node's first event in a cascade only");
    }
    out.events.push_back({it->second, ci->second, t});
  }
  if (out.events.empty()) {
    fail(ErrorKind::data, {path, csv.line(), "", ""}, "no cascades",
         events_format ? "give rows unit_id,policy_id,time"
                       : "give rows node_name,event_time,cascade_id");
  }
  // Row order decides nothing: nodes (unless the node list fixes them) and cascades are
  // numbered in their ids' sorted order, and each cascade's events come by time, then node.
  const auto cascade_rank = sorted_ranks(out.cascade_ids);
  std::vector<std::int32_t> node_rank;
  if (node_list.empty()) {
    node_rank = sorted_ranks(out.node_names);
    std::vector<std::string> names(out.node_names.size());
    for (std::size_t k = 0; k < names.size(); ++k) {
      names[static_cast<std::size_t>(node_rank[k])] = std::move(out.node_names[k]);
    }
    out.node_names = std::move(names);
  }
  std::vector<std::string> ids(out.cascade_ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ids[static_cast<std::size_t>(cascade_rank[k])] = std::move(out.cascade_ids[k]);
  }
  out.cascade_ids = std::move(ids);
  for (auto& e : out.events) {
    e.cascade = cascade_rank[static_cast<std::size_t>(e.cascade)];
    if (!node_rank.empty()) {
      e.node = node_rank[static_cast<std::size_t>(e.node)];
    }
  }
  std::sort(out.events.begin(), out.events.end(), [](const auto& a, const auto& b) {
    return std::tie(a.cascade, a.time, a.node) < std::tie(b.cascade, b.time, b.node);
  });
  return out;
}

}  // namespace pdlab::io
