// Looking units up by code or name (`pdlab units`, pdlab.units() in Python).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pdlab::study {

struct UnitMatch {
  std::string id;
  std::string parent_id;  // empty for the top unit
  std::string level;
  int level_index = 0;
  std::string type;  // hierarchy column `type` (street_office, town, ...); empty: none
  std::string name;
  std::string name_en;                 // empty: no English name in the sources
  std::vector<std::string> ancestors;  // names, top first (without the top unit itself)
  std::vector<std::string> ancestor_ids;
};

// Units of a scenario's hierarchy (`scenario` empty: China's shipped hierarchy) matching
// `query`: the unit with that code, then codes beginning with it (its subtree, nearest first),
// then names or English names containing it (io::find_units); at most `limit`. A query no
// unit has that is a code padded with zeros to 6, 9 or 12 digits (130100, 110000,
// 130100000000) finds the unit it pads, then its subtree; where two units pad to it (4419 and
// 441900 for 441900000000) both are listed. `note` (when given) then says how it was read.
// Throws Error(usage) for an empty query or limit 0, and the loaders' errors for bad files.
std::vector<UnitMatch> find_units(const std::string& scenario, const std::string& query,
                                  std::size_t limit, std::string* note = nullptr);

}  // namespace pdlab::study
