// `pdlab report`'s map of China: counties coloured by median adoption date and by the share
// adopted at a date chosen with a slider, prefecture and province borders drawn over them,
// zoomed to the study's region. Boundaries: data/china/map_counties.topojson.gz (built by
// scripts/make_china_map.py; source and licence in data/china/README.md).
#include "study/report_map.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/results.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace pdlab::study::report {

namespace {

std::string map_file() {
  return io::data_dir() + "/china/map_counties.topojson.gz";
}

std::string read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "map boundaries not found",
         "reinstall pdlab's shipped data (data/china), or set PDLAB_DATA_DIR to it");
  }
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  const bool bad = n < 0;
  gzclose(f);
  if (bad) {
    fail(ErrorKind::data, {path, 0, "", ""}, "map boundaries are not valid gzip",
         "reinstall pdlab's shipped data (data/china)");
  }
  return out;
}

Json load_topology() {
  const auto path = map_file();
  try {
    return Json::parse(read_gz(path));
  } catch (const Json::exception& e) {
    fail(ErrorKind::data, {path, 0, "", ""}, std::string("map boundaries unreadable: ") + e.what(),
         "reinstall pdlab's shipped data (data/china)");
  }
}

// The counties in `keep` with only the arcs they use, renumbered, plus two line objects:
// `prefecture` (arcs between counties of different prefectures) and `province` (arcs between
// provinces and the region's outline).
Json county_topology(const Json& topo,
                     const std::map<std::string, std::pair<std::string, std::string>>& keep) {
  const auto& arcs = topo.at("arcs");
  std::unordered_map<int, int> renumber;
  std::vector<std::vector<std::string>> users;  // new arc -> counties using it
  Json old_arcs = Json::array();
  Json geoms = Json::array();
  const auto remap = [&](int a, const std::string& id) {
    const int abs_a = a >= 0 ? a : ~a;
    auto [it, fresh] = renumber.emplace(abs_a, static_cast<int>(old_arcs.size()));
    if (fresh) {
      old_arcs.push_back(arcs.at(static_cast<std::size_t>(abs_a)));
      users.emplace_back();
    }
    auto& u = users[static_cast<std::size_t>(it->second)];
    if (std::find(u.begin(), u.end(), id) == u.end()) {
      u.push_back(id);
    }
    return a >= 0 ? it->second : ~it->second;
  };
  for (const auto& g : topo.at("objects").at("county").at("geometries")) {
    const auto id = g.at("id").get<std::string>();
    if (keep.count(id) == 0) {
      continue;
    }
    const bool multi = g.at("type") == "MultiPolygon";
    Json polys = multi ? g.at("arcs") : Json::array({g.at("arcs")});
    for (auto& poly : polys) {
      for (auto& ring : poly) {
        for (auto& a : ring) {
          a = remap(a.get<int>(), id);
        }
      }
    }
    geoms.push_back({{"type", g.at("type")}, {"arcs", multi ? polys : polys[0]}, {"id", id}});
  }
  Json pref = Json::array();
  Json prov = Json::array();
  for (std::size_t a = 0; a < users.size(); ++a) {
    const auto& u = users[a];
    const Json line = Json::array({static_cast<int>(a)});
    if (u.size() == 1 || keep.at(u[0]).second != keep.at(u[1]).second) {
      prov.push_back(line);
    } else if (keep.at(u[0]).first != keep.at(u[1]).first) {
      pref.push_back(line);
    }
  }
  const auto lines = [](Json l) {
    return Json{
        {"type", "GeometryCollection"},
        {"geometries", Json::array({{{"type", "MultiLineString"}, {"arcs", std::move(l)}}})}};
  };
  return {{"type", "Topology"},
          {"transform", topo.at("transform")},
          {"objects",
           {{"county", {{"type", "GeometryCollection"}, {"geometries", std::move(geoms)}}},
            {"prefecture", lines(std::move(pref))},
            {"province", lines(std::move(prov))}}},
          {"arcs", std::move(old_arcs)}};
}

struct CountyData {
  std::vector<int> periods;  // adoption periods of the county's mapped units, all replicates
  std::map<std::string, int> channels;
  int n_units = 1;  // mapped units in the county (townships for a township-level policy)
};

Json mesh_layer(const char* object, const char* colour, double width) {
  return {
      {"data", {{"values", "@topology"}, {"format", {{"type", "topojson"}, {"feature", object}}}}},
      {"mark",
       {{"type", "geoshape"}, {"filled", false}, {"stroke", colour}, {"strokeWidth", width}}}};
}

}  // namespace

MapCharts map_charts(const Study& db, const std::vector<PolicyInfo>& policies,
                     const std::string& caption) {
  MapCharts out;
  if (!db.has_table("units") || !db.has_table("adoptions")) {
    out.note_html =
        "<p class=\"note\">No map: the study has no units or adoptions table (written by an "
        "older pdlab; rerun it).</p>\n";
    return out;
  }
  const auto county_level = db.scalar("SELECT level FROM levels WHERE name = 'county'");
  if (county_level.empty()) {
    out.note_html =
        "<p class=\"note\">No map: this study's hierarchy has no level named county, and "
        "pdlab's boundaries are those of China's counties (data/china). The other charts "
        "follow.</p>\n";
    return out;
  }
  const int lc = std::stoi(county_level);
  // Counties of the study with their prefecture and province; parents of units down to
  // townships.
  std::map<std::string, std::pair<std::string, std::string>> counties;
  std::unordered_map<std::string, std::string> parent;
  std::map<std::string, std::string> names;
  db.each("SELECT unit_id, parent_id, level_index, name, name_en FROM units WHERE level_index <= " +
              std::to_string(lc + 1),
          [&](sqlite3_stmt* st) {
            const auto id = text(st, 0);
            parent[id] = text(st, 1);
            if (sqlite3_column_int(st, 2) == lc) {
              const auto en = text(st, 4);
              names[id] = text(st, 3) + (en.empty() ? "" : " (" + en + ")");
            }
          });
  for (const auto& [id, nm] : names) {
    const auto& pref = parent[id];
    const auto it = parent.find(pref);
    counties[id] = {pref, it == parent.end() ? std::string() : it->second};
  }
  // The map needs the study's counties to be China's: at least 90% of their codes in the
  // boundary file (a CSV hierarchy of real counties, such as Guiyang's, qualifies).
  const Json topo = load_topology();
  std::set<std::string> with_shape;
  for (const auto& g : topo.at("objects").at("county").at("geometries")) {
    with_shape.insert(g.at("id").get<std::string>());
  }
  std::vector<std::string> no_shape;
  for (const auto& [id, nm] : names) {
    if (with_shape.count(id) == 0) {
      no_shape.push_back(id);
    }
  }
  if (names.empty() || 10 * no_shape.size() > names.size()) {
    out.note_html = fmt::format(
        "<p class=\"note\">No map: {} of this study's {} county codes have no boundary in "
        "pdlab's map of China's counties (data/china), so this is not China's hierarchy or not "
        "its codes. The other charts follow.</p>\n",
        no_shape.size(), names.size());
    return out;
  }
  if (names.size() - no_shape.size() < 2) {
    out.note_html =
        "<p class=\"note\">No map: the study covers a single county, and pdlab ships no "
        "boundaries below county level. The other charts follow.</p>\n";
    return out;
  }
  std::string missing_note;
  if (!no_shape.empty()) {
    missing_note =
        fmt::format(" {} count{} without a boundary in the 2021 map (not drawn):", no_shape.size(),
                    no_shape.size() == 1 ? "y" : "ies");
    for (std::size_t i = 0; i < no_shape.size() && i < 8; ++i) {
      missing_note +=
          " " + no_shape[i] + " " + names[no_shape[i]] + (i + 1 < no_shape.size() ? "," : ".");
    }
    if (no_shape.size() > 8) {
      missing_note += " ...";
    }
  }
  const int n_periods =
      std::stoi(db.scalar("SELECT COALESCE(MAX(period), 0) + 1 FROM summary_time"));
  std::vector<std::string> labels(static_cast<std::size_t>(n_periods));
  db.each("SELECT DISTINCT period, date FROM summary_time", [&](sqlite3_stmt* st) {
    const int p = sqlite3_column_int(st, 0);
    if (p >= 0 && p < n_periods) {
      labels[static_cast<std::size_t>(p)] = text(st, 1);
    }
  });
  const int reps = std::max(1, std::atoi(db.meta("replicates").c_str()));
  const int ppy = std::max(1, std::atoi(db.meta("periods_per_year").c_str()));
  const double year0 = [&] {
    const auto d = first_day(db.meta("start"));
    return d.size() >= 7 ? std::stoi(d.substr(0, 4)) + (std::stoi(d.substr(5, 2)) - 1) / 12.0 : 0.0;
  }();
  // Snapshots for the slider: at most 60, at the end of every `stride`-th period.
  const int stride = std::max(1, (n_periods + 59) / 60);
  std::vector<int> snaps;
  for (int p = stride - 1; p < n_periods + stride - 1; p += stride) {
    snaps.push_back(std::min(p, n_periods - 1));
  }
  Json snap_labels = Json::array();
  for (int p : snaps) {
    snap_labels.push_back(labels[static_cast<std::size_t>(p)]);
  }
  const double step = stride / static_cast<double>(ppy);
  const double first_year = year0 + snaps.front() / static_cast<double>(ppy);
  for (std::size_t pi = 0; pi < policies.size(); ++pi) {
    const auto& pol = policies[pi];
    // The mapped level: the deepest level with adoptions, at most one below counties.
    int level = lc;
    std::string level_name = "county";
    db.each(
        "SELECT DISTINCT l.level, l.name FROM adoptions a JOIN levels l ON l.name = a.level "
        "WHERE a.policy_id = " +
            io::sql_literal(pol.id) + " ORDER BY l.level",
        [&](sqlite3_stmt* st) {
          const int l = sqlite3_column_int(st, 0);
          if (l <= lc + 1) {
            level = l;
            level_name = text(st, 1);
          }
        });
    std::map<std::string, CountyData> data;
    // The county of a unit at the mapped level (its ancestor or descendant).
    std::map<std::string, std::vector<std::string>> below;  // unit at a level above -> counties
    if (level < lc) {
      for (const auto& [c, pp] : counties) {
        std::string u = c;
        for (int l = lc; l > level && !u.empty(); --l) {
          u = parent[u];
        }
        below[u].push_back(c);
      }
    }
    if (level == lc + 1) {
      db.each("SELECT parent_id, COUNT(*) FROM units WHERE level_index = " + std::to_string(level) +
                  " GROUP BY parent_id",
              [&](sqlite3_stmt* st) { data[text(st, 0)].n_units = sqlite3_column_int(st, 1); });
    }
    db.each("SELECT unit_id, period, channel FROM " +
                first_adoptions("policy_id = " + io::sql_literal(pol.id) +
                                " AND level = " + io::sql_literal(level_name)),
            [&](sqlite3_stmt* st) {
              const auto id = text(st, 0);
              std::vector<std::string> cs;
              if (level == lc) {
                cs = {id};
              } else if (level == lc + 1) {
                cs = {parent[id]};
              } else {
                cs = below[id];
              }
              for (const auto& c : cs) {
                auto& d = data[c];
                d.periods.push_back(sqlite3_column_int(st, 1));
                ++d.channels[text(st, 2)];
              }
            });
    // The slider starts at the median of all mapped adoptions: half the adoptions happen before.
    std::vector<int> all;
    for (const auto& [c, d] : data) {
      all.insert(all.end(), d.periods.begin(), d.periods.end());
    }
    std::size_t start_snap = snaps.size() - 1;
    if (!all.empty()) {
      std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(all.size() / 2),
                       all.end());
      const int mid = all[all.size() / 2];
      start_snap = static_cast<std::size_t>(std::lower_bound(snaps.begin(), snaps.end(), mid) -
                                            snaps.begin());
    }
    Json rows = Json::array();
    for (const auto& [id, nm] : names) {
      auto& d = data[id];
      std::sort(d.periods.begin(), d.periods.end());
      const auto total = static_cast<std::size_t>(reps) * static_cast<std::size_t>(d.n_units);
      Json shares = Json::array();
      std::size_t k = 0;
      for (int p : snaps) {
        while (k < d.periods.size() && d.periods[k] <= p) {
          ++k;
        }
        shares.push_back(static_cast<int>(
            std::lround(100.0 * static_cast<double>(k) / static_cast<double>(total))));
      }
      // The period by which half of the county's mapped units (over all replicates) adopted:
      // for a county-level policy, the median over replicates, never-adopters counted as later.
      const std::size_t half = (total + 1) / 2;
      Json year = nullptr;
      std::string median = "not in half the replicates";
      if (half >= 1 && d.periods.size() >= half) {
        const int p = d.periods[half - 1];
        year = number(year0 + p / static_cast<double>(ppy));
        median = labels[static_cast<std::size_t>(std::clamp(p, 0, n_periods - 1))];
      }
      std::string channel = "none";
      int best = 0;
      for (const auto& [ch, n] : d.channels) {
        if (n > best) {
          best = n;
          channel = ch;
        }
      }
      rows.push_back({{"id", id},
                      {"name", nm},
                      {"year", std::move(year)},
                      {"median", median},
                      {"channel", channel},
                      {"s", std::move(shares)}});
    }
    const std::string rows_name = "@map_rows_" + std::to_string(pi);
    out.shared[rows_name] = std::move(rows);
    const std::string share_title =
        level > lc ? "share of " + level_name + " units adopted" : "share of replicates adopted";
    const Json counties_data = {{"values", "@topology"},
                                {"format", {{"type", "topojson"}, {"feature", "county"}}}};
    const Json lookup = {{"lookup", "id"},
                         {"from",
                          {{"data", {{"values", rows_name}}},
                           {"key", "id"},
                           {"fields", {"name", "year", "median", "channel", "s"}}}}};
    const Json base_tooltip =
        Json::array({{{"field", "name"}, {"title", "county"}},
                     {{"field", "id"}, {"title", "code"}},
                     {{"field", "median"}, {"title", "median adoption"}},
                     {{"field", "channel"}, {"title", "most frequent channel"}}});
    const std::string level_note =
        level == lc       ? ""
        : level == lc + 1 ? " Each county shows its " + level_name +
                                " units (the policy's deepest level with adoptions): the date by "
                                "which half of them adopted, over all replicates."
                          : " The policy is adopted at " + level_name +
                                " level: each county shows its " + level_name + "'s adoption.";
    // Median adoption date.
    {
      // One layer: counties without a median date are grey (the condition), so every county
      // is one shape (invalid values kept, not filtered, for the condition to see them).
      Json base = {
          {"data", counties_data},
          {"transform", Json::array({lookup})},
          {"mark",
           {{"type", "geoshape"}, {"stroke", "#fff"}, {"strokeWidth", 0.2}, {"invalid", nullptr}}},
          {"encoding",
           {{"color",
             {{"condition", {{"test", "!isValid(datum.year)"}, {"value", "#e6e6e6"}}},
              {"field", "year"},
              {"type", "quantitative"},
              {"title", "median adoption (year)"},
              {"scale", {{"scheme", "viridis"}, {"reverse", true}}},
              {"legend", {{"format", "d"}}}}},
            {"tooltip", base_tooltip}}}};
      if (pi == 0) {
        base["name"] = "counties";  // the browser test counts this layer's shapes
      }
      out.charts.push_back(
          {"map_median_" + std::to_string(pi),
           "Map: median adoption date by county, " + pol.name,
           {{"$schema", kSchema},
            {"width", 640},
            {"height", 480},
            {"projection", {{"type", "identity"}, {"reflectY", true}}},
            {"layer", Json::array({base, mesh_layer("prefecture", "#666", 0.6),
                                   mesh_layer("province", "#222", 1.2)})},
            {"title",
             caption_title("Counties in grey did not adopt in half the replicates." + level_note +
                           " Thin lines: prefectures; thick: provinces. " + caption)}},
           ""});
    }
    // Share adopted by the slider's date.
    {
      const std::string k_expr =
          fmt::format("clamp(round((adopted_by - {}) / {}), 0, {})", number(first_year).dump(),
                      number(step).dump(), snaps.size() - 1);
      Json layer = {
          {"data", counties_data},
          {"transform",
           Json::array({lookup,
                        {{"calculate", k_expr}, {"as", "k"}},
                        {{"calculate", "datum.s ? datum.s[datum.k] / 100 : 0"}, {"as", "share"}},
                        {{"calculate", snap_labels.dump() + "[datum.k]"}, {"as", "by"}}})},
          {"mark", {{"type", "geoshape"}, {"stroke", "#fff"}, {"strokeWidth", 0.2}}},
          {"encoding",
           {{"color",
             {{"field", "share"},
              {"type", "quantitative"},
              {"title", share_title},
              {"scale", {{"domain", {0, 1}}, {"scheme", "blues"}}},
              {"legend", {{"format", ".0%"}}}}},
            {"tooltip",
             Json::array({{{"field", "name"}, {"title", "county"}},
                          {{"field", "id"}, {"title", "code"}},
                          {{"field", "by"}, {"title", "date"}},
                          {{"field", "share"}, {"title", share_title}, {"format", ".0%"}},
                          {{"field", "median"}, {"title", "median adoption"}},
                          {{"field", "channel"}, {"title", "most frequent channel"}}})}}}};
      out.charts.push_back(
          {"map_share_" + std::to_string(pi),
           "Map: share adopted by a date (move the slider), " + pol.name,
           {{"$schema", kSchema},
            {"width", 640},
            {"height", 480},
            {"params",
             Json::array(
                 {{{"name", "adopted_by"},
                   {"value", number(first_year + step * static_cast<double>(start_snap))},
                   {"bind",
                    {{"input", "range"},
                     {"min", number(first_year)},
                     {"max", number(first_year + step * static_cast<double>(snaps.size() - 1))},
                     {"step", number(step)},
                     {"name", "adopted by (year) "}}}}})},
            {"projection", {{"type", "identity"}, {"reflectY", true}}},
            {"layer", Json::array({layer, mesh_layer("prefecture", "#666", 0.6),
                                   mesh_layer("province", "#222", 1.2)})},
            {"title",
             caption_title((level > lc ? "Mean share over replicates of each county's " +
                                             level_name + " units adopted by the date. "
                                       : std::string("Share of replicates in which the county "
                                                     "adopted by the date. ")) +
                           caption)}},
           ""});
    }
  }
  out.topology = county_topology(topo, counties);
  out.features = static_cast<int>(out.topology["objects"]["county"]["geometries"].size());
  return out;
}

}  // namespace pdlab::study::report
