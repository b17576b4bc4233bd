// Line-oriented CSV reading of plain or gzip-compressed files, with line numbers for errors.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
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

  std::string path_;
  gzFile file_ = nullptr;
  std::string buf_;
  std::size_t buf_pos_ = 0;
  std::size_t buf_end_ = 0;
  bool eof_ = false;
  std::string line_text_;
  std::int64_t line_ = 0;
  std::vector<std::string> header_;
};

// Splits one line [b, e) (no newline, no trailing CR) into fields, removing quotes in place,
// so the views point into [b, e). Errors name `path` and `line`.
void split_csv_line(char* b, char* e, std::vector<std::string_view>& fields,
                    const std::string& path, std::int64_t line);

// A whole CSV file in memory (decompressed), for readers that parse its rows in parallel
// (rows cannot span lines, so any line boundary is a place to split the work). The header
// is checked as CsvReader checks it.
struct CsvFile {
  std::string path;
  std::vector<std::string> header;
  std::shared_ptr<std::string> text;  // the whole file
  std::size_t body = 0;               // offset of the line after the header
};
CsvFile read_csv_file(const std::string& path);

// The same file (plain or gzip) in pieces of whole lines, for readers that need not hold it
// all: the header is read and checked as read_csv_file does, then each next() replaces `out`
// with the following lines (about `size` bytes, more where a line is longer; the last piece may
// lack its final newline). Errors are read_csv_file's, with the same lines.
class CsvChunks {
 public:
  explicit CsvChunks(std::string path);
  ~CsvChunks();
  CsvChunks(const CsvChunks&) = delete;
  CsvChunks& operator=(const CsvChunks&) = delete;
  const std::vector<std::string>& header() const { return header_; }
  // Bytes of the file (plain) or 0 (gzip, or unknown): a hint for reserving.
  std::size_t file_bytes() const { return file_bytes_; }
  bool next(std::string& out, std::size_t size);

 private:
  // Appends up to `want` bytes to buf_; 0 at end of file.
  std::size_t fill(std::size_t want);
  std::string path_;
  int fd_ = -1;
  gzFile gz_ = nullptr;
  std::size_t file_bytes_ = 0;
  std::string buf_;             // read, not yet handed out (whole lines and a partial one)
  std::int64_t lines_out_ = 0;  // newlines handed out (header included)
  bool eof_ = false;
  std::vector<std::string> header_;
};

// Exactly std::from_chars's double (general format) for the whole of `s`, false where that
// fails or leaves characters; plain decimals such as -0.123457 take a faster exact path.
bool parse_double(std::string_view s, double& v);
// The plain decimal at the start of [p, e) (-?D+(.D+)?([eE][+-]?D+)?) where it is short
// enough to convert exactly at once: its value in v and its end; nullptr otherwise.
const char* parse_decimal_prefix(const char* p, const char* e, double& v);

// Parses a number; nullopt for empty or "NA" (missing); throws naming file/line/field otherwise
// (for a hierarchy column, the fix also offers hierarchy.text_columns).
std::optional<double> parse_number(std::string_view text, const std::string& file,
                                   std::int64_t line, std::string_view field,
                                   bool hierarchy_column = false);

}  // namespace pdlab::io
