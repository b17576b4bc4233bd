// `pdlab units QUERY`: look units up by code or name in China's hierarchy or a scenario's.
#include "cli/common.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/units.hpp"

#include <fmt/core.h>
#include <algorithm>
#include <cctype>
#include <limits>

#include <sysexits.h>
#include <iostream>
#include <memory>

namespace pdlab::cli {

namespace {

struct UnitsOptions {
  std::string query;
  std::string scenario;
  std::size_t limit = 20;
  bool csv = false;
};

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

int run(const UnitsOptions& o) {
  // One more than shown, to know whether any were left out.
  std::string padded_note;
  auto found = study::find_units(
      o.scenario, o.query,
      o.limit < std::numeric_limits<std::size_t>::max() ? o.limit + 1 : o.limit, &padded_note);
  if (!padded_note.empty()) {
    fmt::print(stderr, "pdlab: note: {}\n", padded_note);
  }
  const bool more = found.size() > o.limit;
  if (more) {
    found.resize(o.limit);
  }
  if (o.csv) {
    io::TableSchema schema{"units_found",
                           "",
                           {{"unit_id", io::ColumnType::text, ""},
                            {"parent_id", io::ColumnType::text, ""},
                            {"level", io::ColumnType::text, ""},
                            {"level_index", io::ColumnType::integer, "0 = top"},
                            {"type", io::ColumnType::text, ""},
                            {"name", io::ColumnType::text, ""},
                            {"name_en", io::ColumnType::text, ""},
                            {"within", io::ColumnType::text, ""},
                            {"within_ids", io::ColumnType::text, ""}}};
    io::write_table("-", false, schema, [&](io::TableWriter& w) {
      for (const auto& m : found) {
        w.text(m.id).text(m.parent_id).text(m.level).integer(m.level_index).text(m.type);
        w.text(m.name).text(m.name_en);
        w.text(joined(m.ancestors, " / ")).text(joined(m.ancestor_ids, "/")).end_row();
      }
    });
  } else {
    for (const auto& m : found) {
      fmt::print("{:<13} {:<11} {:<16} {}{}{}\n", m.id, m.level, m.type, m.name,
                 m.name_en.empty() ? "" : " (" + m.name_en + ")",
                 m.ancestors.empty() ? "" : "  in " + joined(m.ancestors, " / "));
    }
  }
  if (found.empty()) {
    fmt::print(stderr,
               "pdlab: no unit matches '{}' (the query matches part of an id, a Chinese name, "
               "or an English name, which only provinces and counties have: try 苏州, 3205 or "
               "Jiangsu)\n",
               o.query);
    return EX_DATAERR;
  }
  if (more) {
    fmt::print(stderr, "pdlab: showing the first {} matches (--limit N shows more)\n", o.limit);
  }
  // Only provinces and counties have English names (data/china/README.md): "Suzhou" finds
  // 肃州区, not the prefecture 苏州市.
  const bool latin =
      std::any_of(o.query.begin(), o.query.end(),
                  [](unsigned char c) { return std::isalpha(c) != 0; }) &&
      std::all_of(o.query.begin(), o.query.end(), [](unsigned char c) { return c < 0x80; });
  const bool province =
      std::any_of(found.begin(), found.end(), [](const auto& m) { return m.level_index == 1; });
  if (o.scenario.empty() && latin && !province) {
    fmt::print(stderr,
               "pdlab: note: English names cover provinces and counties only; find a prefecture "
               "or township by its Chinese name (e.g. 苏州) or code\n");
  }
  return EX_OK;
}

}  // namespace

void register_units(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<UnitsOptions>();
  auto* sub = app.add_subcommand(
      "units", "Look units up by code or name (China's hierarchy, or a scenario's)");
  sub->add_option("query", o->query,
                  "A code (the unit, then its subtree) or part of a name, Chinese or English")
      ->required();
  sub->add_option("--scenario", o->scenario,
                  "Look in this scenario's hierarchy instead of China's shipped one");
  // A negative --limit would wrap to a huge one (the option is unsigned), and 0 would show
  // nothing as if nothing matched: both refused here.
  sub->add_option("--limit", o->limit, "Most matches to show")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](const std::string& v) {
            const auto digits = v.find_first_not_of("+0");
            const bool zero = !v.empty() && digits == std::string::npos;
            return v.find('-') == std::string::npos && !zero
                       ? std::string()
                       : "field '--limit' = '" + v +
                             "': must be at least 1. Fix: give --limit 1 or more";
          },
          "", "positive"));
  sub->add_flag("--csv", o->csv, "Write CSV to standard output");
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
