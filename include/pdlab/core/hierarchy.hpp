// The hierarchy of units (jurisdictions), stored breadth-first in flat arrays.
//
// Units are renumbered in breadth-first order from the root, so every parent precedes its
// children, the children of a unit are contiguous (CSR without an index array), and the units
// of one level (depth) are contiguous. Sibling peers are implicit: they are a unit's parent's
// children, which saves ~10 million explicit edges on China's hierarchy.
#pragma once

#include "pdlab/core/string_pool.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab {

class Hierarchy {
 public:
  [[nodiscard]] std::int32_t size() const { return static_cast<std::int32_t>(parent_.size()); }
  [[nodiscard]] std::int32_t parent(std::int32_t u) const { return parent_[u]; }
  [[nodiscard]] std::uint8_t level(std::int32_t u) const { return level_[u]; }
  [[nodiscard]] std::int32_t first_child(std::int32_t u) const { return child_begin_[u]; }
  [[nodiscard]] std::int32_t end_child(std::int32_t u) const { return child_begin_[u + 1]; }
  [[nodiscard]] std::int32_t n_children(std::int32_t u) const {
    return child_begin_[u + 1] - child_begin_[u];
  }
  [[nodiscard]] std::string_view id(std::int32_t u) const { return ids_[row_[u]]; }
  [[nodiscard]] std::string_view name(std::int32_t u) const { return names_[row_[u]]; }
  [[nodiscard]] std::int64_t source_line(std::int32_t u) const { return line_[row_[u]]; }

  [[nodiscard]] int n_levels() const { return static_cast<int>(level_names_.size()); }
  [[nodiscard]] const std::vector<std::string>& level_names() const { return level_names_; }
  [[nodiscard]] std::optional<int> level_index(std::string_view name) const;
  // Units of level l are [level_begin(l), level_begin(l + 1)).
  [[nodiscard]] std::int32_t level_begin(int l) const { return level_begin_[l]; }

  [[nodiscard]] const std::vector<std::string>& attribute_names() const { return attr_names_; }
  // Text attributes (declared with hierarchy.text_columns), e.g. a region label.
  [[nodiscard]] const std::vector<std::string>& text_attribute_names() const { return text_names_; }
  [[nodiscard]] std::string_view text_attribute(int a, std::int32_t u) const {
    return text_[a][row_[u]];
  }
  // Every covariate column of the source file, loaded or not (for did-you-mean).
  [[nodiscard]] const std::vector<std::string>& source_columns() const { return source_columns_; }
  [[nodiscard]] std::optional<int> attribute_index(std::string_view name) const;
  // Column of attribute a in unit order; NaN marks a missing value.
  [[nodiscard]] std::span<const double> attribute(int a) const { return attrs_[a]; }
  // Where attribute a comes from: empty for the hierarchy's own file, else the file joined by
  // hierarchy.attributes, which gives it for some levels only (the others' units are NaN, and
  // not "missing": the file says nothing about them).
  [[nodiscard]] const std::string& attribute_file(int a) const { return attr_files_[a]; }
  [[nodiscard]] bool attribute_given_at(int a, int level) const {
    return attr_levels_[a].empty() || attr_levels_[a][level] != 0;
  }
  // Joins a column (values in unit order, NaN = missing) from `file`, given for the levels
  // flagged in `given_levels` (one flag per level). The caller checks the name is new.
  void add_joined_attribute(std::string name, std::vector<double> values, std::string file,
                            std::vector<std::uint8_t> given_levels);
  // A joined column not loaded (the scenario does not use it): named for did-you-mean and clashes.
  void add_source_column(std::string name) { source_columns_.push_back(std::move(name)); }

  // Unit index of an id, or -1.
  [[nodiscard]] std::int32_t find(std::string_view id) const;
  // True if the id was in the source file but outside the selected subtree.
  [[nodiscard]] bool excluded(std::string_view id) const;
  // Ancestor of u at level l (u itself if level(u) == l), or -1 when l > level(u).
  [[nodiscard]] std::int32_t ancestor_at(std::int32_t u, int l) const;

  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  friend class HierarchyBuilder;
  std::string source_;
  std::vector<std::int32_t> parent_;
  std::vector<std::uint8_t> level_;
  std::vector<std::int32_t> child_begin_;
  // Strings and lines stay in file order (no copy); row_[u] is unit u's row in the file.
  std::vector<std::int32_t> row_;
  std::vector<std::int32_t> line_;
  StringPool ids_;
  StringPool names_;
  std::vector<std::int32_t> by_id_;     // unit indices sorted by id
  std::vector<std::int32_t> excluded_;  // file rows outside the subtree, sorted by id
  std::vector<std::string> level_names_;
  std::vector<std::int32_t> level_begin_;
  std::vector<std::string> attr_names_;
  std::vector<std::string> source_columns_;
  std::vector<std::vector<double>> attrs_;
  std::vector<std::string> attr_files_;                 // per attribute; empty = own file
  std::vector<std::vector<std::uint8_t>> attr_levels_;  // per attribute; empty = every level
  std::vector<std::string> text_names_;
  std::vector<StringPool> text_;  // file order, like ids_
};

// Collects rows in any order, validates them and builds the breadth-first Hierarchy.
// Errors name the source file, line, field, value and a fix (ErrorKind::data).
class HierarchyBuilder {
 public:
  HierarchyBuilder(std::string source, std::vector<std::string> attribute_names);
  void reserve(std::size_t n, std::size_t bytes);
  // Names of all covariate columns of the source, when only some are loaded.
  void set_source_columns(std::vector<std::string> names) { source_columns_ = std::move(names); }
  // Declares text attribute columns; add_text() then gives each row's values.
  void set_text_columns(std::vector<std::string> names) {
    text_names_ = std::move(names);
    text_.assign(text_names_.size(), StringPool());
  }
  void add_text(std::span<const std::string_view> values) {
    for (std::size_t a = 0; a < text_.size(); ++a) {
      text_[a].push(values[a]);
    }
  }
  // attributes.size() must equal attribute_names.size(); NaN = missing.
  void add(std::string_view id, std::string_view parent_id, std::string_view level,
           std::string_view name, std::span<const double> attributes, std::int64_t line);
  // root_id empty: the whole file, which must have exactly one root.
  // Otherwise the subtree under root_id, which must exist.
  Hierarchy build(std::string_view root_id);

 private:
  std::string source_;
  std::vector<std::string> attr_names_;
  std::vector<std::string> source_columns_;
  std::vector<std::string> text_names_;
  std::vector<StringPool> text_;
  StringPool ids_, parents_, names_;
  std::vector<std::uint8_t> level_code_;  // index into level_seen_
  std::vector<std::string> level_seen_;
  std::vector<std::int32_t> lines_;
  std::vector<std::vector<double>> attrs_;  // column-major
};

}  // namespace pdlab
