#include "pdlab/core/errors.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>

namespace pdlab::io {

namespace fs = std::filesystem;

std::string data_dir() {
  if (const char* env = std::getenv("PDLAB_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return PDLAB_DATA_DIR;
}

namespace {

// A numeric cell; the existence columns say their own format (a date such as 2012-06 is not
// a number, and "list a text column" would mislead there).
std::optional<double> number(std::string_view text, const std::string& path, std::int64_t line,
                             const std::string& field) {
  if (field != "exists_from" && field != "exists_until") {
    return parse_number(text, path, line, field, true);
  }
  try {
    return parse_number(text, path, line, field);
  } catch (const Error&) {
    fail(ErrorKind::data, {path, line, field, std::string(text)}, "not a year or a month",
         "write a year YYYY (e.g. 2012) or a month YYYYMM (e.g. 201206, not 2012-06), or leave "
         "the field empty (or NA) when the unit exists from the start (until the end)");
  }
}

}  // namespace

Hierarchy load_hierarchy_csv(const std::string& path, const std::string& root,
                             const std::vector<std::string>& keep,
                             const std::vector<std::string>& text) {
  CsvReader csv(path);
  const auto& hdr = csv.header();
  auto need = [&](const char* name) {
    const auto c = csv.column(name);
    if (!c) {
      fail(ErrorKind::data, {path, 1, name, ""}, "required column missing from the header",
           "the header must start with id,parent_id,level (then name and numeric covariates)");
    }
    return *c;
  };
  const auto c_id = need("id");
  const auto c_parent = need("parent_id");
  const auto c_level = need("level");
  const auto c_name = csv.column("name");
  std::vector<std::size_t> attr_cols;
  std::vector<std::string> attr_names;
  std::vector<std::size_t> text_cols;
  std::vector<std::string> text_names;
  for (const auto& t : text) {
    const auto c = csv.column(t);
    if (!c && t == "type") {
      continue;  // an event that selects by type says the column is missing, naming the event
    }
    text_names.push_back(t);
    if (!c) {
      fail(ErrorKind::config, {path, 1, "hierarchy.text_columns", t},
           "the hierarchy file has no such column", "list columns of the file's header");
    }
    text_cols.push_back(*c);
  }
  // `type` (street office, town, ... docs/model.md 7.13) is text: loaded only when asked for.
  const auto c_type = csv.column("type");
  for (std::size_t i = 0; i < hdr.size(); ++i) {
    if (std::find(text_cols.begin(), text_cols.end(), i) != text_cols.end() ||
        (c_type && i == *c_type)) {
      continue;
    }
    if (i != c_id && i != c_parent && i != c_level && (!c_name || i != *c_name)) {
      if (hdr[i].empty()) {
        fail(ErrorKind::data, {path, 1, "", ""},
             "column " + std::to_string(i + 1) + " of the header has no name", "name every column");
      }
      attr_cols.push_back(i);
      attr_names.push_back(hdr[i]);
    }
  }
  std::vector<std::string> kept_names;
  std::vector<std::size_t> kept;  // indices into attr_cols
  for (std::size_t a = 0; a < attr_names.size(); ++a) {
    if (keep.empty() || std::find(keep.begin(), keep.end(), attr_names[a]) != keep.end()) {
      kept.push_back(a);
      kept_names.push_back(attr_names[a]);
    }
  }
  HierarchyBuilder builder(path, kept_names);
  builder.set_source_columns(attr_names);
  builder.set_text_columns(text_names);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > (1U << 20U)) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    const auto est = gz ? size * 7 : size;
    builder.reserve(est / 60, est);
  }
  std::vector<std::string_view> f;
  std::vector<double> attrs(kept.size());
  std::vector<std::string_view> text_values;
  while (csv.next(f)) {
    std::size_t k = 0;
    for (std::size_t a = 0; a < attr_cols.size(); ++a) {
      const auto v = number(f[attr_cols[a]], path, csv.line(), attr_names[a]);
      if (k < kept.size() && kept[k] == a) {
        attrs[k++] = v ? *v : std::nan("");
      }
    }
    // Ids are compared exactly: a space around one would make it another id, and the error
    // would fall on the line of a unit that names it as its parent.
    for (const auto& [c, field] : {std::pair{c_id, "id"}, std::pair{c_parent, "parent_id"}}) {
      const auto v = f[c];
      if (!v.empty() && (std::isspace(static_cast<unsigned char>(v.front())) != 0 ||
                         std::isspace(static_cast<unsigned char>(v.back())) != 0)) {
        fail(ErrorKind::data, {path, csv.line(), field, std::string(v)},
             "the id has spaces around it (ids are compared exactly)",
             "remove the spaces around it");
      }
    }
    builder.add(f[c_id], f[c_parent], f[c_level], c_name ? f[*c_name] : std::string_view(), attrs,
                csv.line());
    if (!text_cols.empty()) {
      text_values.clear();
      for (auto c : text_cols) {
        text_values.push_back(f[c]);
      }
      builder.add_text(text_values);
    }
  }
  return builder.build(root);
}

void load_edges_csv(const std::string& path, bool symmetric, NetworkBuilder& builder) {
  CsvReader csv(path);
  auto c_from = csv.column("from");
  auto c_to = csv.column("to");
  // `pdlab infer`'s edges as it writes them: origin_node -> destination_node, each of weight 1
  // (its improvement is a gain in log-likelihood, not a strength of the tie; docs/model.md 7.7).
  const bool inferred =
      !c_from && !c_to && csv.column("origin_node") && csv.column("destination_node");
  if (inferred) {
    c_from = csv.column("origin_node");
    c_to = csv.column("destination_node");
  }
  if (!c_from || !c_to) {
    fail(ErrorKind::data, {path, 1, !c_from ? "from" : "to", ""},
         "required column missing from the header",
         "the header must be from,to[,weight], or origin_node,destination_node as `pdlab "
         "infer` writes them");
  }
  const auto c_w = inferred ? std::nullopt : csv.column("weight");
  std::vector<std::string_view> f;
  std::int64_t rows = 0;
  while (csv.next(f)) {
    double w = 1.0;
    if (c_w) {
      const auto v = parse_number(f[*c_w], path, csv.line(), "weight");
      if (!v) {
        fail(ErrorKind::data, {path, csv.line(), "weight", ""}, "missing weight",
             "give every edge a weight, or drop the weight column for unit weights");
      }
      w = *v;
    }
    builder.add(path, csv.line(), f[*c_from], f[*c_to], w, symmetric);
    ++rows;
  }
  if (rows == 0) {
    fail(ErrorKind::data, {path, csv.line(), "", ""}, "the edge list has no rows",
         "add rows from,to,weight or remove the edge source from the scenario");
  }
}

namespace {

// A shipped China neighbour list on a hierarchy read from a file whose ids are China's codes
// (a prefecture-level study of one's own): the edges whose ends are both units of the
// hierarchy are kept, the others dropped, and a note says how many of each. None kept means
// the ids are not China's codes (or padded ones): an error, not an empty network.
void load_shipped_edges(const Scenario& s, const EdgeSource& e, const std::string& path,
                        NetworkBuilder& nb) {
  const auto kept_before = nb.rows_added();
  const auto unknown_before = nb.unknown_dropped();
  const auto subtree_before = nb.dropped_outside();
  nb.drop_unknown_ids(true);
  load_edges_csv(path, e.symmetric, nb);
  nb.drop_unknown_ids(false);
  const auto kept = nb.rows_added() - kept_before;
  const auto unknown = nb.unknown_dropped() - unknown_before;
  const auto outside = nb.dropped_outside() - subtree_before;
  if (kept == 0 && outside == 0) {
    fail(ErrorKind::config, {s.file, 0, "hierarchy.edges.path", e.path},
         fmt::format("none of the shipped list's {} edges joins two units of the hierarchy file "
                     "{}: its ids are China's codes shortened by level (province 2 digits, "
                     "prefecture 4, county 6; data/china/README.md)",
                     unknown, s.hierarchy.path),
         "give the hierarchy China's codes (e.g. 1301, not 130100), use hierarchy.source = "
         "\"china\", or give an edge list of your hierarchy's ids (from,to[,weight])");
  }
  nb.add_note(fmt::format(
      "hierarchy.edges.path = \"{}\" on the hierarchy file {}: kept the {} edges whose ends are "
      "both units of it, dropped {} of the shipped list's {} that name a unit it lacks{}",
      e.path, s.hierarchy.path, kept, unknown, kept + unknown + outside,
      outside > 0 ? fmt::format(" ({} more outside the subtree)", outside) : std::string()));
}

std::string resolve(const Scenario& s, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || s.file.empty()) {
    return p;
  }
  return (fs::path(s.file).parent_path() / p).lexically_normal().string();
}

// A file the scenario names (`given` at `key`, `resolved` from the scenario's folder) that is
// not there: the error names the scenario's line and key, not only the file.
void check_named_file(const Scenario& s, const std::string& key, const std::string& given,
                      const std::string& resolved) {
  std::error_code ec;
  if (fs::is_regular_file(resolved, ec)) {
    return;
  }
  fail(ErrorKind::no_input, {s.file, s.line_of(key), key, given},
       "file not found or not a regular file" +
           (resolved == given ? std::string() : " (looked for " + resolved + ")"),
       "check the path; in a scenario a relative path is relative to the scenario file's folder");
}

}  // namespace

Inputs load_inputs(const Scenario& s, const std::vector<std::string>& extra_columns) {
  Inputs in;
  const std::string units_path = s.hierarchy.source == "china" ? data_dir() + "/china/units.csv.gz"
                                                               : resolve(s, s.hierarchy.path);
  if (s.hierarchy.source != "china") {
    check_named_file(s, "hierarchy.path", s.hierarchy.path, units_path);
  }
  // Store only the covariates the scenario can use (all are still checked).
  std::vector<std::string> keep{s.adoption.need, s.promotion.capacity, "exists_from",
                                "exists_until", "population"};
  // Unit types whenever the file has them: events and policies select units by type, and the
  // study's units table shows it (a file without the column loads as before).
  auto text = s.hierarchy.text_columns;
  if (std::find(text.begin(), text.end(), "type") == text.end()) {
    text.emplace_back("type");
  }
  for (const auto& [col, b] : s.adoption.beta) {
    keep.push_back(col);
  }
  for (const auto& [term, b] : s.promotion.score) {  // a column or log(column)
    const bool is_log = term.size() > 5 && term.rfind("log(", 0) == 0 && term.back() == ')';
    keep.push_back(is_log ? term.substr(4, term.size() - 5) : term);
  }
  keep.insert(keep.end(), extra_columns.begin(), extra_columns.end());
  if (s.governance.any()) {  // the governance layer's columns (docs/model.md 7.9.2-7.9.3)
    keep.push_back(s.governance.coproduction.population);
    keep.push_back(s.governance.coproduction.migrant_share);
    if (s.governance.services.enabled) {
      keep.push_back(s.governance.services.children);
    }
  }
  in.hierarchy =
      std::make_unique<Hierarchy>(load_hierarchy_csv(units_path, s.hierarchy.root, keep, text));
  for (std::size_t i = 0; i < s.hierarchy.attributes.size(); ++i) {
    const auto& given = s.hierarchy.attributes[i];
    const auto path = resolve(s, given);
    check_named_file(s, "hierarchy.attributes", given, path);
    join_unit_attributes(*in.hierarchy, path, given, keep);
  }
  NetworkBuilder nb(*in.hierarchy);
  for (const auto& e : s.hierarchy.edges) {
    std::string p = e.path;
    if (p.rfind("china:", 0) == 0) {
      // Shipped neighbour lists (data/china/README.md); "china:prefecture" is short for
      // "china:prefecture_adjacency".
      auto name = p.substr(6);
      if (name == "county" || name == "prefecture" || name == "province") {
        name += "_adjacency";
      }
      if (name != "county_adjacency" && name != "prefecture_adjacency" &&
          name != "province_adjacency") {
        fail(ErrorKind::config, {s.file, 0, "hierarchy.edges.path", p}, "unknown shipped edge list",
             "use \"china:county_adjacency\", \"china:prefecture_adjacency\", "
             "\"china:province_adjacency\" or a CSV file");
      }
      p = data_dir() + "/china/" + name + ".csv.gz";
      if (s.hierarchy.source != "china") {
        load_shipped_edges(s, e, p, nb);
        continue;
      }
    } else {
      p = resolve(s, p);
      const auto i = static_cast<std::size_t>(&e - s.hierarchy.edges.data());
      check_named_file(s, "hierarchy.edges[" + std::to_string(i) + "].path", e.path, p);
    }
    load_edges_csv(p, e.symmetric, nb);
  }
  in.network = std::make_unique<Network>(nb.build());
  return in;
}

}  // namespace pdlab::io
