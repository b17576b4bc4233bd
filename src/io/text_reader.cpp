#include "pdlab/io/text_reader.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace pdlab::io {

CsvReader::CsvReader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) {
    fail(ErrorKind::no_input, {path_, 0, "", ""}, "file not found or not a regular file",
         "check the path (relative paths in a scenario are relative to the scenario file)");
  }
  file_ = gzopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    fail(ErrorKind::no_input, {path_, 0, "", ""}, "cannot open file", "check its permissions");
  }
  note_input(path_);
  try {
    read_header();
  } catch (...) {
    // The destructor does not run for a throwing constructor: close the file here.
    gzclose(file_);
    file_ = nullptr;
    throw;
  }
}

void CsvReader::read_header() {
  gzbuffer(file_, 1U << 18U);
  buf_.resize(1U << 18U);
  std::vector<std::string_view> fields;
  if (!read_line()) {
    fail(ErrorKind::data, {path_, 1, "", ""}, "the file is empty",
         "write a header row and at least one data row");
  }
  if (line_text_.size() >= 3 && line_text_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    line_text_.erase(0, 3);
  }
  split(fields);
  for (auto f : fields) {
    for (const auto& seen : header_) {
      if (seen == f) {
        fail(ErrorKind::data, {path_, 1, std::string(f), std::string(f)},
             "the header names this column twice",
             "give each column a distinct name (pdlab would not know which one to read)");
      }
    }
    header_.emplace_back(f);
  }
}

CsvReader::~CsvReader() {
  if (file_ != nullptr) {
    gzclose(file_);
  }
}

std::optional<std::size_t> CsvReader::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

bool CsvReader::read_line() {
  line_text_.clear();
  for (;;) {
    if (buf_pos_ == buf_end_) {
      if (eof_) {
        break;
      }
      const int got = gzread(file_, buf_.data(), static_cast<unsigned>(buf_.size()));
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(file_, &errnum);
        fail(ErrorKind::io, {path_, line_ + 1, "", ""},
             std::string("read error: ") + (msg ? msg : "unknown"),
             "check that the file is a complete CSV or gzip file");
      }
      if (got == 0) {
        eof_ = true;
        break;
      }
      buf_pos_ = 0;
      buf_end_ = static_cast<std::size_t>(got);
    }
    const char* start = buf_.data() + buf_pos_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', buf_end_ - buf_pos_));
    if (nl != nullptr) {
      line_text_.append(start, nl);
      buf_pos_ += static_cast<std::size_t>(nl - start) + 1;
      ++line_;
      if (!line_text_.empty() && line_text_.back() == '\r') {
        line_text_.pop_back();
      }
      return true;
    }
    line_text_.append(start, buf_end_ - buf_pos_);
    buf_pos_ = buf_end_;
  }
  if (line_text_.empty()) {
    return false;
  }
  ++line_;
  if (line_text_.back() == '\r') {
    line_text_.pop_back();
  }
  return true;
}

void CsvReader::split(std::vector<std::string_view>& fields) {
  fields.clear();
  const std::string& s = line_text_;
  if (s.find('"') == std::string::npos) {
    std::size_t b = 0;
    for (;;) {
      const auto c = s.find(',', b);
      if (c == std::string::npos) {
        fields.emplace_back(s.data() + b, s.size() - b);
        return;
      }
      fields.emplace_back(s.data() + b, c - b);
      b = c + 1;
    }
  }
  // Quoted fields: unquote into a side buffer; reserve so views stay valid.
  unquoted_.clear();
  unquoted_.reserve(s.size());
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  for (;;) {
    const std::size_t start = unquoted_.size();
    if (i < s.size() && s[i] == '"') {
      ++i;
      for (;;) {
        if (i >= s.size()) {
          fail(ErrorKind::data, {path_, line_, "", ""}, "unterminated quoted field",
               "close the quote; fields cannot span lines");
        }
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            unquoted_ += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        unquoted_ += s[i++];
      }
      if (i < s.size() && s[i] != ',') {
        fail(ErrorKind::data, {path_, line_, "", ""}, "text after a closing quote",
             "quote the whole field and double any quote inside it");
      }
    } else {
      while (i < s.size() && s[i] != ',') {
        unquoted_ += s[i++];
      }
    }
    spans.emplace_back(start, unquoted_.size() - start);
    if (i >= s.size()) {
      break;
    }
    ++i;  // comma
  }
  for (auto [b, n] : spans) {
    fields.emplace_back(unquoted_.data() + b, n);
  }
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  do {
    if (!read_line()) {
      return false;
    }
  } while (line_text_.empty());
  split(fields);
  if (fields.size() != header_.size()) {
    fail(ErrorKind::data, {path_, line_, "", ""},
         "row has " + std::to_string(fields.size()) + " fields but the header has " +
             std::to_string(header_.size()),
         "make every row have one field per header column (quote fields containing commas)");
  }
  return true;
}

std::optional<double> parse_number(std::string_view text, const std::string& file,
                                   std::int64_t line, std::string_view field) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  if (text.empty() || text == "NA") {
    return std::nullopt;
  }
  double v = 0;
  const char* b = text.data();
  if (*b == '+') {
    ++b;
  }
  const auto [ptr, ec] = std::from_chars(b, text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    fail(ErrorKind::data, {file, line, std::string(field), std::string(text)},
         "not a finite number",
         "write a decimal number such as 0.25, leave the field empty (or NA) for a missing "
         "value, or list a text column in hierarchy.text_columns");
  }
  return v;
}

}  // namespace pdlab::io
