// hierarchy.attributes: per-unit numeric columns joined onto any hierarchy (the shipped China
// one included) by unit id.
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/text_reader.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pdlab::io {

namespace {

// The names a joined column may not take: the hierarchy file's own fields and columns (loaded
// or not), its text columns, and the columns already joined.
void check_column_name(const Hierarchy& h, const std::string& path, const std::string& name,
                       const std::vector<std::string>& earlier) {
  static const char* const reserved[] = {"unit_id", "id", "parent_id", "level", "name", "type"};
  const auto fix = "rename the column in " + path +
                   " (its name must differ from the hierarchy's "
                   "columns and those of the other hierarchy.attributes files)";
  if (name.empty()) {
    fail(ErrorKind::data, {path, 1, "", ""}, "a column of the header has no name",
         "name every column");
  }
  for (const char* r : reserved) {
    if (name == r) {
      fail(ErrorKind::data, {path, 1, name, name}, "a field of the hierarchy's own", fix);
    }
  }
  const auto& text = h.text_attribute_names();
  const auto& own = h.source_columns();
  const bool twice = std::find(earlier.begin(), earlier.end(), name) != earlier.end();
  if (twice || std::find(own.begin(), own.end(), name) != own.end() ||
      std::find(text.begin(), text.end(), name) != text.end()) {
    const auto a = h.attribute_index(name);
    const std::string from = twice ? "this file's header"
                             : a && !h.attribute_file(*a).empty()
                                 ? "the hierarchy.attributes file " + h.attribute_file(*a)
                                 : "the hierarchy (" + h.source() + ")";
    fail(ErrorKind::data, {path, 1, name, name}, "the column is already in " + from, fix);
  }
}

}  // namespace

void join_unit_attributes(Hierarchy& h, const std::string& path, const std::string& given,
                          const std::vector<std::string>& keep) {
  CsvReader csv(path);
  const auto& hdr = csv.header();
  if (hdr.empty() || hdr.front() != "unit_id") {
    fail(ErrorKind::data, {path, 1, "unit_id", hdr.empty() ? "" : hdr.front()},
         "the first column must be unit_id",
         "write the header unit_id,col1,col2,... (one row per unit, numeric columns)");
  }
  if (hdr.size() < 2) {
    fail(ErrorKind::data, {path, 1, "", ""}, "the file has no column besides unit_id",
         "add the numeric columns to join: unit_id,col1,col2,...");
  }
  std::vector<std::string> names;
  for (std::size_t c = 1; c < hdr.size(); ++c) {
    check_column_name(h, path, hdr[c], names);
    names.push_back(hdr[c]);
  }
  // Only the columns the scenario uses are stored (8 bytes a unit each); all are checked.
  std::vector<int> slot(names.size(), -1);
  std::vector<std::vector<double>> values;
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (keep.empty() || std::find(keep.begin(), keep.end(), names[c]) != keep.end()) {
      slot[c] = static_cast<int>(values.size());
      values.emplace_back(static_cast<std::size_t>(h.size()),
                          std::numeric_limits<double>::quiet_NaN());
    }
  }
  std::vector<std::int32_t> line_of(static_cast<std::size_t>(h.size()), 0);
  std::vector<std::string_view> f;
  std::int64_t rows = 0;
  while (csv.next(f)) {
    ++rows;
    const auto u = h.find(f[0]);
    if (u < 0) {
      if (h.excluded(f[0])) {
        continue;  // outside hierarchy.root's subtree
      }
      std::vector<std::string> ids;
      ids.reserve(static_cast<std::size_t>(h.size()));
      for (std::int32_t k = 0; k < h.size(); ++k) {
        ids.emplace_back(h.id(k));
      }
      const auto near = closest(f[0], ids);
      fail(ErrorKind::data, {path, csv.line(), "unit_id", std::string(f[0])},
           "no unit in the hierarchy has this id",
           (near.empty() ? std::string() : "did you mean '" + near + "'? ") +
               "use ids of the scenario's hierarchy (`pdlab units` lists them)");
    }
    auto& first = line_of[static_cast<std::size_t>(u)];
    if (first != 0) {
      fail(ErrorKind::data, {path, csv.line(), "unit_id", std::string(f[0])},
           "the unit already has a row (line " + std::to_string(first) + ")",
           "give each unit one row");
    }
    first = static_cast<std::int32_t>(csv.line());
    for (std::size_t c = 0; c < names.size(); ++c) {
      const auto v = parse_number(f[c + 1], path, csv.line(), names[c]);
      if (slot[c] >= 0) {
        values[static_cast<std::size_t>(slot[c])][static_cast<std::size_t>(u)] =
            v ? *v : std::numeric_limits<double>::quiet_NaN();
      }
    }
  }
  if (rows == 0) {
    fail(ErrorKind::data, {path, 1, "", ""}, "the file has no rows",
         "add one row per unit (unit_id,col1,...), or drop the file from hierarchy.attributes");
  }
  // A level the file gives must be given whole: a unit left out would otherwise read as a
  // value (a silent mean or 0) that the file never stated.
  std::vector<std::uint8_t> given_levels(static_cast<std::size_t>(h.n_levels()), 0);
  for (int l = 0; l < h.n_levels(); ++l) {
    std::int32_t absent = -1;
    std::int32_t present = 0;
    for (std::int32_t u = h.level_begin(l); u < h.level_begin(l + 1); ++u) {
      if (line_of[static_cast<std::size_t>(u)] != 0) {
        ++present;
      } else if (absent < 0) {
        absent = u;
      }
    }
    given_levels[static_cast<std::size_t>(l)] = present > 0 ? 1 : 0;
    if (present > 0 && absent >= 0) {
      const auto& level = h.level_names()[static_cast<std::size_t>(l)];
      const auto total = h.level_begin(l + 1) - h.level_begin(l);
      fail(ErrorKind::data, {path, 0, "unit_id", std::string(h.id(absent))},
           "the file gives " + std::to_string(present) + " of the " + std::to_string(total) +
               " units of level '" + level + "' but has no row for this one (" + given +
               ", hierarchy.attributes)",
           "add a row for every unit of the level (an empty field or NA marks a missing value, "
           "which adoption.missing then fills), or leave the level out of the file");
    }
  }
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (slot[c] < 0) {
      h.add_source_column(names[c]);
    } else {
      h.add_joined_attribute(names[c], std::move(values[static_cast<std::size_t>(slot[c])]), path,
                             given_levels);
    }
  }
}

}  // namespace pdlab::io
