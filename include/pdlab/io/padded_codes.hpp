// China's NBS codes written padded with zeros to 6, 9 or 12 digits (130100 for the prefecture
// 1301, 110000 for the province 11), as most Chinese datasets give them, read as the
// hierarchy's codes, which are shortened by level: province 2 digits, prefecture 4, county 6,
// township 9, village 12 (data/china/README.md).
#pragma once

#include "pdlab/core/hierarchy.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::io {

// The units whose code, padded with zeros, is `id` (6, 9 or 12 digits): a unit of the
// hierarchy whose id is a 2-, 4-, 6- or 9-digit prefix of `id` followed only by zeros and sits
// where China's code layout puts it (a 2-digit code under the top unit, a longer one under the
// unit named by its own prefix). Empty for any other id. Two units (4419 and 441900 for
// 441900000000, where the county 441900 is the prefecture 4419's only one) make it ambiguous.
std::vector<std::int32_t> padded_code_units(const Hierarchy& h, std::string_view id);

// "prefecture 1301 (石家庄市)"
std::string unit_label(const Hierarchy& h, std::int32_t u);

// Reading the unit ids of one file (events, covariates): each id is the hierarchy's, or,
// where none has it, a padded code of exactly one unit (counted, announced by note()). A file
// that reads padded codes must hold no id that is itself a padded code of another unit
// (441900 is the county 441900, and padded, the prefecture 4419): finish() refuses it.
class UnitIdReader {
 public:
  // `column`: the unit id's place in the file's rows (0 first), for the conversion it offers.
  UnitIdReader(const Hierarchy& h, std::string path, std::size_t column)
      : h_(h), path_(std::move(path)), column_(column) {}
  // The unit (-1 outside the subtree, *outside set); throws Error(data) naming the file, line
  // and field for an unknown or ambiguous id.
  std::int32_t read(std::string_view id, std::int64_t line, const char* field, bool* outside);
  // Throws for a file that mixes padded codes with ids that would read differently padded.
  void finish() const;
  [[nodiscard]] std::int64_t padded_rows() const { return padded_rows_; }
  // "" when no id was read padded.
  [[nodiscard]] std::string note() const;

 private:
  const Hierarchy& h_;
  std::string path_;
  std::size_t column_ = 0;
  std::int64_t padded_rows_ = 0;
  std::map<int, std::int64_t> padded_by_level_;
  std::int64_t first_padded_line_ = 0;
  std::string first_padded_id_;
  std::int32_t first_padded_unit_ = -1;
  std::int64_t clash_line_ = 0;  // first exact id that is also a padded code of another unit
  std::string clash_id_;
  std::int32_t clash_other_ = -1;
};

}  // namespace pdlab::io
