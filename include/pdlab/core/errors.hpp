// Typed exceptions of pdlab. The core throws these; clients map them to exit codes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pdlab {

// What went wrong, in the categories of sysexits.h; the CLI maps each to its code.
enum class ErrorKind : std::uint8_t {
  usage,        // bad command-line use (EX_USAGE 64)
  data,         // bad input data: CSV, hierarchy, edges (EX_DATAERR 65)
  no_input,     // an input file is missing or unreadable (EX_NOINPUT 66)
  cant_create,  // output exists (without --force) or cannot be created (EX_CANTCREAT 73)
  io,           // read or write failed midway (EX_IOERR 74)
  config,       // bad scenario: unknown key, out-of-range value (EX_CONFIG 78)
  resources,    // not enough memory or address space for the run (EX_OSERR 71, as bad_alloc)
  internal,     // a bug in pdlab (EX_SOFTWARE 70)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Where a bad value came from and how to fix it; every field is optional except what.
struct Where {
  std::string file;       // path of the input file
  std::int64_t line = 0;  // 1-based line, 0 when not line-oriented
  std::string field;      // column or scenario key
  std::string value;      // the offending value as read
};

// Formats "FILE:LINE: field 'F' = 'V': WHAT. Fix: FIX" and throws Error(kind).
[[noreturn]] void fail(ErrorKind kind, const Where& where, const std::string& what,
                       const std::string& fix);

// A number for a message: six significant digits, no trailing zeros (0.3, 1e+09, not
// 0.300000 or 1000000000.000000).
std::string number_text(double v);

// Edit distance, for did-you-mean suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace pdlab
