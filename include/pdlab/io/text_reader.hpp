// Line-oriented CSV reading of plain or gzip-compressed files, with line numbers for errors.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::io {

// Reads RFC 4180 CSV (quoted fields with "" escapes; no newlines inside fields), UTF-8,
// optional BOM, LF or CRLF. Transparently decompresses gzip. Throws pdlab::Error with file
// and line on malformed input.
class CsvReader {
 public:
  explicit CsvReader(std::string path);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const { return header_; }
  // Index of a header column, or nullopt.
  std::optional<std::size_t> column(std::string_view name) const;
  // Next row's fields (views valid until the next call); false at end of file.
  bool next(std::vector<std::string_view>& fields);
  std::int64_t line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  void read_header();
  bool read_line();
  void split(std::vector<std::string_view>& fields);

  std::string path_;
  gzFile file_ = nullptr;
  std::string buf_;
  std::size_t buf_pos_ = 0;
  std::size_t buf_end_ = 0;
  bool eof_ = false;
  std::string line_text_;
  std::string unquoted_;
  std::int64_t line_ = 0;
  std::vector<std::string> header_;
};

// Parses a number; nullopt for empty or "NA" (missing); throws naming file/line/field otherwise.
std::optional<double> parse_number(std::string_view text, const std::string& file,
                                   std::int64_t line, std::string_view field);

}  // namespace pdlab::io
