#include "pdlab/io/units_table.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/text_reader.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>

namespace pdlab::io {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

int type_column(const Hierarchy& h) {
  const auto& names = h.text_attribute_names();
  const auto it = std::find(names.begin(), names.end(), "type");
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::vector<std::string> english_names(const Hierarchy& h, bool china) {
  std::vector<std::string> out(static_cast<std::size_t>(h.size()));
  if (china) {
    const std::string path = data_dir() + "/china/names_en.csv.gz";
    if (!std::filesystem::exists(path)) {
      return out;  // an older data folder: names stay NULL
    }
    CsvReader r(path);
    const auto id = r.column("id");
    const auto en = r.column("name_en");
    if (!id || !en) {
      fail(ErrorKind::data, {path, 1, "header", ""}, "expected the columns id,name_en",
           "rebuild it with scripts/make_english_names.py");
    }
    std::vector<std::string_view> f;
    while (r.next(f)) {
      if (const auto u = h.find(f[*id]); u >= 0) {
        out[static_cast<std::size_t>(u)] = std::string(f[*en]);
      }
    }
    return out;
  }
  const auto& names = h.text_attribute_names();
  const auto it = std::find(names.begin(), names.end(), "name_en");
  if (it != names.end()) {
    const int a = static_cast<int>(it - names.begin());
    for (std::int32_t u = 0; u < h.size(); ++u) {
      out[static_cast<std::size_t>(u)] = std::string(h.text_attribute(a, u));
    }
  }
  return out;
}

TableSchema units_schema(const Hierarchy& h, int max_level) {
  TableSchema s = table_schema("units");
  for (int l = 0; l < std::min(max_level, h.n_levels() - 1); ++l) {
    s.columns.push_back({"in_" + h.level_names()[static_cast<std::size_t>(l)], ColumnType::text,
                         "id of the ancestor at this level"});
  }
  return s;
}

void write_units(const Hierarchy& h, const std::vector<std::string>& names_en, int max_level,
                 TableWriter& w) {
  const int above = std::min(max_level, h.n_levels() - 1);
  const int type = type_column(h);
  const auto population = h.attribute_index("population");
  for (std::int32_t u = 0; u < h.size() && h.level(u) <= max_level; ++u) {
    const std::int32_t p = h.parent(u);
    w.text(h.id(u));
    if (p >= 0) {
      w.text(h.id(p));
    } else {
      w.null();
    }
    w.text(h.level_names()[h.level(u)]).integer(h.level(u));
    if (type >= 0) {
      w.text(h.text_attribute(type, u));
    } else {
      w.null();
    }
    w.text(h.name(u));
    w.text(u < static_cast<std::int32_t>(names_en.size()) ? names_en[static_cast<std::size_t>(u)]
                                                          : std::string());
    w.real(population ? h.attribute(*population)[static_cast<std::size_t>(u)]  // NaN: NULL
                      : std::numeric_limits<double>::quiet_NaN());
    for (int l = 0; l < above; ++l) {
      if (l < h.level(u)) {
        w.text(h.id(h.ancestor_at(u, l)));
      } else {
        w.null();
      }
    }
    w.end_row();
  }
}

std::vector<std::int32_t> find_units(const Hierarchy& h, const std::vector<std::string>& names_en,
                                     std::string_view query, std::size_t limit) {
  if (query.empty() || limit == 0) {
    return {};
  }
  // A code names one unit: it, then its subtree breadth-first (children before grandchildren).
  // The units are stored breadth-first, so each generation of the subtree is one range.
  for (std::int32_t u = 0; u < h.size(); ++u) {
    if (h.id(u) != query) {
      continue;
    }
    std::vector<std::int32_t> out{u};
    std::int32_t begin = u;
    std::int32_t end = u + 1;
    while (out.size() < limit && begin < end) {
      const std::int32_t next_begin = h.first_child(begin);
      const std::int32_t next_end = h.end_child(end - 1);
      for (std::int32_t v = next_begin; v < next_end && out.size() < limit; ++v) {
        out.push_back(v);
      }
      begin = next_begin;
      end = next_end;
    }
    return out;
  }
  // Otherwise the units whose code starts with the query, then those whose name contains it,
  // each in breadth-first order.
  std::vector<std::int32_t> prefix;
  std::vector<std::int32_t> named;
  const std::string q = lower(query);
  for (std::int32_t u = 0; u < h.size(); ++u) {
    const auto id = h.id(u);
    if (id.size() > query.size() && id.substr(0, query.size()) == query) {
      prefix.push_back(u);
    } else if (lower(h.name(u)).find(q) != std::string::npos ||
               (u < static_cast<std::int32_t>(names_en.size()) &&
                lower(names_en[static_cast<std::size_t>(u)]).find(q) != std::string::npos)) {
      named.push_back(u);
    }
  }
  std::vector<std::int32_t> out = prefix;
  out.insert(out.end(), named.begin(), named.end());
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

}  // namespace pdlab::io
