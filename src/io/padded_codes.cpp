#include "pdlab/io/padded_codes.hpp"

#include "pdlab/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace pdlab::io {

namespace {

constexpr std::array<std::size_t, 4> kCodeLengths{2, 4, 6, 9};  // then 12: a village

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// u (code `code`, one of kCodeLengths long) sits where China's layout puts it.
bool in_code_layout(const Hierarchy& h, std::int32_t u, std::string_view code) {
  const auto p = h.parent(u);
  if (p < 0) {
    return true;  // the top unit of the (sub)tree
  }
  if (code.size() == 2) {
    return h.parent(p) < 0;
  }
  const auto it = std::find(kCodeLengths.begin(), kCodeLengths.end(), code.size());
  return it != kCodeLengths.begin() && h.id(p) == code.substr(0, *(it - 1));
}

std::string row_count(std::int64_t n, std::string_view what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

}  // namespace

std::vector<std::int32_t> padded_code_units(const Hierarchy& h, std::string_view id) {
  std::vector<std::int32_t> out;
  if ((id.size() != 6 && id.size() != 9 && id.size() != 12) || !digits(id)) {
    return out;
  }
  for (const auto n : kCodeLengths) {
    if (n >= id.size() || id.find_first_not_of('0', n) != std::string_view::npos) {
      continue;
    }
    const auto code = id.substr(0, n);
    if (const auto u = h.find(code); u >= 0 && in_code_layout(h, u, code)) {
      out.push_back(u);
    }
  }
  return out;
}

std::string unit_label(const Hierarchy& h, std::int32_t u) {
  const auto name = h.name(u);
  return fmt::format("{} {}{}", h.level_names()[h.level(u)], h.id(u),
                     name.empty() ? "" : fmt::format(" ({})", name));
}

std::int32_t UnitIdReader::read(std::string_view id, std::int64_t line, const char* field,
                                bool* outside) {
  if (const auto u = h_.find(id); u >= 0) {
    if (clash_line_ == 0) {
      if (const auto other = padded_code_units(h_, id); !other.empty()) {
        clash_line_ = line;
        clash_id_ = std::string(id);
        clash_other_ = other.back();
      }
    }
    return u;
  }
  if (h_.excluded(id)) {
    *outside = true;
    return -1;
  }
  const auto found = padded_code_units(h_, id);
  if (found.size() > 1) {
    std::string units;
    for (std::size_t k = 0; k < found.size(); ++k) {
      units += (k == 0 ? "" : k + 1 == found.size() ? " or " : ", ") + unit_label(h_, found[k]);
    }
    std::string codes;
    for (std::size_t k = 0; k < found.size(); ++k) {
      codes += (k == 0 ? "" : " or ") + std::string(h_.id(found[k]));
    }
    fail(ErrorKind::data, {path_, line, field, std::string(id)},
         "no unit has this id, and read as a code padded with zeros it is ambiguous: " + units,
         "write the hierarchy's code of the unit meant (" + codes +
             "; codes are shortened by level, data/china/README.md)");
  }
  if (found.empty()) {
    // A padded code of a unit outside the subtree is outside too.
    for (const auto n : kCodeLengths) {
      if (n < id.size() && (id.size() == 6 || id.size() == 9 || id.size() == 12) && digits(id) &&
          id.find_first_not_of('0', n) == std::string_view::npos && h_.excluded(id.substr(0, n))) {
        *outside = true;
        return -1;
      }
    }
    fail(ErrorKind::data, {path_, line, field, std::string(id)},
         "no unit in the hierarchy has this id", "use ids of the scenario's hierarchy");
  }
  const auto u = found.front();
  if (padded_rows_ == 0) {
    first_padded_line_ = line;
    first_padded_id_ = std::string(id);
    first_padded_unit_ = u;
  }
  ++padded_rows_;
  ++padded_by_level_[h_.level(u)];
  return u;
}

void UnitIdReader::finish() const {
  if (padded_rows_ == 0 || clash_line_ == 0) {
    return;
  }
  fail(ErrorKind::data, {path_, clash_line_, "unit_id", clash_id_},
       fmt::format("ambiguous id: it is {}, but this file writes codes padded with zeros (e.g. "
                   "'{}' on line {}, read as {}), and padded it is {}",
                   unit_label(h_, h_.find(clash_id_)), first_padded_id_, first_padded_line_,
                   unit_label(h_, first_padded_unit_), unit_label(h_, clash_other_)),
       fmt::format("write the hierarchy's codes, shortened by level (data/china/README.md): {} "
                   "for the {}, {} for the {}; a file of 6-digit codes converts in one step, "
                   "each XX0000 to XX and XXYY00 to XXYY: awk -F, -v OFS=, 'NR > 1 && "
                   "length(${}) == 6 {{ if (!sub(/0000$/, \"\", ${})) sub(/00$/, \"\", ${}) }} 1' "
                   "{} > codes.csv",
                   h_.id(clash_other_), h_.level_names()[h_.level(clash_other_)], clash_id_,
                   h_.level_names()[h_.level(h_.find(clash_id_))], column_ + 1, column_ + 1,
                   column_ + 1, path_));
}

std::string UnitIdReader::note() const {
  if (padded_rows_ == 0) {
    return "";
  }
  std::string levels;
  for (const auto& [level, n] : padded_by_level_) {
    levels += (levels.empty() ? "" : ", ") + row_count(n, h_.level_names()[level]);
  }
  return fmt::format(
      "{}: {} read as China's codes padded with zeros ({}; e.g. '{}' on line {} as {}): the "
      "hierarchy's codes are shortened by level (province 2 digits, prefecture 4, county 6, "
      "township 9), as data/china/README.md says",
      path_, row_count(padded_rows_, "unit id"), levels, first_padded_id_, first_padded_line_,
      unit_label(h_, first_padded_unit_));
}

}  // namespace pdlab::io
