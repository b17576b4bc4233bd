#include "pdlab/core/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace pdlab {

namespace {

// Control characters (a NUL would cut the message short) shown as \xHH; long values cut.
std::string printable(const std::string& v, bool all_controls = true) {
  const std::size_t kMax = all_controls ? 200 : std::string::npos;
  std::string o;
  for (std::size_t i = 0; i < v.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c == 0 || (all_controls && (c < 0x20 || c == 0x7f))) {
      static constexpr char kHex[] = "0123456789abcdef";
      o += "\\x";
      o += kHex[c >> 4U];
      o += kHex[c & 15U];
    } else {
      o += static_cast<char>(c);
    }
  }
  if (v.size() > kMax) {
    o += "...";
  }
  return o;
}

}  // namespace

void fail(ErrorKind kind, const Where& where, const std::string& what, const std::string& fix) {
  std::ostringstream msg;
  if (!where.file.empty()) {
    msg << printable(where.file);
    if (where.line > 0) {
      msg << ':' << where.line;
    }
    msg << ": ";
  }
  if (!where.field.empty()) {
    msg << "field '" << printable(where.field) << '\'';
    // (an empty value on a numbered line is shown, as a CSV's empty field; a missing key has
    // none to show)
    if (!where.value.empty() || (where.line > 0 && what != "missing")) {
      msg << " = '" << printable(where.value) << '\'';
    }
    msg << ": ";
  }
  msg << printable(what, false);
  if (!fix.empty()) {
    msg << ". Fix: " << printable(fix, false);
  }
  throw Error(kind, msg.str());
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace pdlab
