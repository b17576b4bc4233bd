// The units of a hierarchy as a table (the study's `units` table, `pdlab units`): ids,
// parents, levels, types, names, English names where a source gives them, and ancestors' ids.
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/io/table.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::io {

// English names by unit (empty: none). China's hierarchy: data/china/names_en.csv.gz
// (provinces and counties; scripts/make_english_names.py); any other hierarchy: its text
// column `name_en` when the scenario declares it in hierarchy.text_columns.
std::vector<std::string> english_names(const Hierarchy& h, bool china);
// Index of the hierarchy's text column `type` (street office, town, ...), or -1.
int type_column(const Hierarchy& h);

// Columns: unit_id, parent_id, level, level_index, type, name, name_en, then one column
// `in_<level>` per level above `max_level` with the id of the unit's ancestor there (NULL
// for units at or above that level): regional shares and map joins without parsing codes.
TableSchema units_schema(const Hierarchy& h, int max_level);
// One row per unit down to `max_level`, in hierarchy (breadth-first) order.
void write_units(const Hierarchy& h, const std::vector<std::string>& names_en, int max_level,
                 TableWriter& w);

// Units matching `query`, at most `limit`: a unit whose id is the query, then its subtree
// breadth-first; with no such unit, those whose id starts with the query, then those whose
// name (or English name, case-insensitively) contains it.
std::vector<std::int32_t> find_units(const Hierarchy& h, const std::vector<std::string>& names_en,
                                     std::string_view query, std::size_t limit);

}  // namespace pdlab::io
