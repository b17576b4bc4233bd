#include "core/errors.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace pdlab {

void fail(ErrorKind kind, const Where& where, const std::string& what, const std::string& fix) {
  std::ostringstream msg;
  if (!where.file.empty()) {
    msg << where.file;
    if (where.line > 0) {
      msg << ':' << where.line;
    }
    msg << ": ";
  }
  if (!where.field.empty()) {
    msg << "field '" << where.field << '\'';
    if (!where.value.empty() || where.line > 0) {
      msg << " = '" << where.value << '\'';
    }
    msg << ": ";
  }
  msg << what;
  if (!fix.empty()) {
    msg << ". Fix: " << fix;
  }
  throw Error(kind, msg.str());
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
