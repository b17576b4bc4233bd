#include "pdlab/io/text_reader.hpp"

#include "io/decimal.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace pdlab::io {

using detail::digits_value;
using detail::is_digit;
using detail::kPow10;
using detail::kPow10Int;
using detail::leading_digits;

namespace {

// A SQLite file (a study, or a .sqlite output) given where CSV is read: its header line is
// binary, and the CSV errors that follow ("row has 1 fields") would mislead.
void refuse_sqlite(std::string_view start, const std::string& path) {
  constexpr std::string_view kMagic("SQLite format 3", 15);
  if (start.substr(0, kMagic.size()) == kMagic) {
    fail(ErrorKind::data, {path, 1, "", ""}, "this is an SQLite file, not CSV",
         "give a CSV file; `pdlab export " + path + " --table NAME` writes a table of it as CSV");
  }
}

void check_regular(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "file not found or not a regular file",
         "check the path (a relative path is relative to the current folder on the command "
         "line, and to the scenario file's folder in a scenario)");
  }
}

std::int64_t lines_in(const std::string& s) {
  return static_cast<std::int64_t>(std::count(s.begin(), s.end(), '\n'));
}

// The whole of a gzip file, decompressed.
void read_gzip(const std::string& path, std::string& out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "cannot open file", "check its permissions");
  }
  gzbuffer(f, 1U << 18U);
  std::size_t n = 0;
  for (;;) {
    if (out.size() - n < (1U << 20U)) {
      out.resize(std::max<std::size_t>(2 * out.size(), 1U << 22U));
    }
    const auto want = static_cast<unsigned>(std::min<std::size_t>(out.size() - n, 1U << 30U));
    const int got = gzread(f, out.data() + n, want);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      std::string text = std::string("read error: ") + (msg ? msg : "unknown");
      gzclose(f);
      out.resize(n);
      fail(ErrorKind::io, {path, lines_in(out) + 1, "", ""}, text,
           "check that the file is a complete CSV or gzip file");
    }
    if (got == 0) {
      break;
    }
    n += static_cast<std::size_t>(got);
  }
  gzclose(f);
  out.resize(n);
}

// The whole of a plain file, with large reads (no copy through zlib).
void read_plain(int fd, const std::string& path, std::string& out) {
  struct stat st {};
  std::size_t cap = ::fstat(fd, &st) == 0 && st.st_size > 0
                        ? static_cast<std::size_t>(st.st_size) + 1
                        : std::size_t{1} << 22U;
  out.resize(cap);
  std::size_t n = 0;
  for (;;) {
    if (n == out.size()) {
      out.resize(2 * out.size());
    }
    const ssize_t got =
        ::read(fd, out.data() + n, std::min<std::size_t>(out.size() - n, 1U << 30U));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      const std::string text = std::string("read error: ") + std::strerror(errno);
      out.resize(n);
      fail(ErrorKind::io, {path, lines_in(out) + 1, "", ""}, text,
           "check that the file is a complete CSV or gzip file");
    }
    if (got == 0) {
      break;
    }
    n += static_cast<std::size_t>(got);
  }
  out.resize(n);
}

// A run of digits from p: adds them to m, counts them in n, returns the end of the run.
[[gnu::always_inline]] inline const char* digit_run(const char* p, const char* e, std::uint64_t& m,
                                                    int& n) {
  while (e - p >= 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    const int k = leading_digits(v);
    if (n + k <= 19) {
      m = m * kPow10Int[k] + digits_value(v, k);
    }
    n += k;
    p += k;
    if (k < 8) {
      return p;
    }
  }
  for (; p < e && is_digit(*p); ++p, ++n) {
    m = 10 * m + static_cast<std::uint64_t>(*p - '0');
  }
  return p;
}

}  // namespace

const char* parse_decimal_prefix(const char* p, const char* e, double& v) {
  // Clinger's fast path: a mantissa of at most 2^53 and a power of ten of at most 10^22 are
  // both exact doubles, so one multiply or divide rounds once, as from_chars does. Anything
  // else (long mantissas, big exponents, inf, nan, hex, "1.", ".5") is left to from_chars.
  if (e - p >= 18) {
    if (const char* q = detail::short_decimal(p, v)) {
      return q;
    }
  }
  const bool neg = p < e && *p == '-';
  p += neg ? 1 : 0;
  std::uint64_t m = 0;
  int digits = 0;
  int exp10 = 0;
  const char* q = digit_run(p, e, m, digits);
  if (q == p) {
    return nullptr;
  }
  if (q < e && *q == '.') {
    const int before = digits;
    const char* const frac = q + 1;
    q = digit_run(frac, e, m, digits);
    if (q == frac) {
      return nullptr;
    }
    exp10 = before - digits;
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    ++q;
    const bool eneg = q < e && *q == '-';
    q += (q < e && (*q == '-' || *q == '+')) ? 1 : 0;
    const char* const xb = q;
    int x = 0;
    for (; q < e && is_digit(*q) && q - xb < 4; ++q) {
      x = 10 * x + (*q - '0');
    }
    if (q == xb || (q < e && is_digit(*q))) {
      return nullptr;
    }
    exp10 += eneg ? -x : x;
  }
  if (digits > 19 || m > (std::uint64_t{1} << 53U) || exp10 < -22 || exp10 > 22) {
    return nullptr;
  }
  const auto d = static_cast<double>(m);
  const double r = exp10 < 0 ? d / kPow10[-exp10] : d * kPow10[exp10];
  v = detail::with_sign(r, neg);
  return q;
}

bool parse_double(std::string_view s, double& v) {
  const char* const e = s.data() + s.size();
  if (parse_decimal_prefix(s.data(), e, v) == e) {
    return true;
  }
  double r = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), e, r);
  if (ec != std::errc() || ptr != e) {
    return false;
  }
  v = r;
  return true;
}

void split_csv_line(char* b, char* e, std::vector<std::string_view>& fields,
                    const std::string& path, std::int64_t line) {
  fields.clear();
  const auto n = static_cast<std::size_t>(e - b);
  if (std::memchr(b, '"', n) == nullptr) {
    for (char* p = b;;) {
      auto* c = static_cast<char*>(std::memchr(p, ',', static_cast<std::size_t>(e - p)));
      if (c == nullptr) {
        fields.emplace_back(p, static_cast<std::size_t>(e - p));
        return;
      }
      fields.emplace_back(p, static_cast<std::size_t>(c - p));
      p = c + 1;
    }
  }
  // Quoted fields: unquote in place (the text only shrinks), so the views stay in [b, e).
  char* i = b;
  char* w = b;
  for (;;) {
    char* const start = w;
    if (i < e && *i == '"') {
      ++i;
      for (;;) {
        if (i >= e) {
          fail(ErrorKind::data, {path, line, "", ""}, "unterminated quoted field",
               "close the quote; fields cannot span lines");
        }
        if (*i == '"') {
          if (i + 1 < e && i[1] == '"') {
            *w++ = '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        *w++ = *i++;
      }
      if (i < e && *i != ',') {
        fail(ErrorKind::data, {path, line, "", ""}, "text after a closing quote",
             "quote the whole field and double any quote inside it");
      }
    } else {
      while (i < e && *i != ',') {
        *w++ = *i++;
      }
    }
    fields.emplace_back(start, static_cast<std::size_t>(w - start));
    if (i >= e) {
      break;
    }
    ++i;  // comma
  }
}

namespace {

// Header names: split as a row, each name once.
std::vector<std::string> parse_header(std::string line, const std::string& path) {
  std::vector<std::string> header;
  std::vector<std::string_view> fields;
  split_csv_line(line.data(), line.data() + line.size(), fields, path, 1);
  for (auto name : fields) {
    for (const auto& seen : header) {
      if (seen == name) {
        fail(ErrorKind::data, {path, 1, std::string(name), std::string(name)},
             "the header names this column twice",
             "give each column a distinct name (pdlab would not know which one to read)");
      }
    }
    header.emplace_back(name);
  }
  return header;
}

}  // namespace

CsvFile read_csv_file(const std::string& path) {
  check_regular(path);
  CsvFile f;
  f.path = path;
  f.text = std::make_shared<std::string>();
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fail(ErrorKind::no_input, {path, 0, "", ""}, "cannot open file", "check its permissions");
    }
    unsigned char magic[2] = {0, 0};
    const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    try {
      if (gzip) {
        ::close(fd);
        read_gzip(path, *f.text);
      } else {
        read_plain(fd, path, *f.text);
        ::close(fd);
      }
    } catch (...) {
      if (!gzip) {
        ::close(fd);
      }
      throw;
    }
  }
  note_input(path);
  std::string& s = *f.text;
  if (s.empty()) {
    fail(ErrorKind::data, {path, 1, "", ""}, "the file is empty",
         "write a header row and at least one data row");
  }
  refuse_sqlite(s, path);
  const auto nl = s.find('\n');
  f.body = nl == std::string::npos ? s.size() : nl + 1;
  std::string line = s.substr(0, nl == std::string::npos ? s.size() : nl);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    line.erase(0, 3);
  }
  f.header = parse_header(std::move(line), path);
  return f;
}

CsvChunks::CsvChunks(std::string path) : path_(std::move(path)) {
  check_regular(path_);
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    fail(ErrorKind::no_input, {path_, 0, "", ""}, "cannot open file", "check its permissions");
  }
  // The destructor does not run for a throwing constructor: release the file here.
  try {
    unsigned char magic[2] = {0, 0};
    if (::pread(fd_, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      ::close(fd_);
      fd_ = -1;
      gz_ = gzopen(path_.c_str(), "rb");
      if (gz_ == nullptr) {
        fail(ErrorKind::no_input, {path_, 0, "", ""}, "cannot open file", "check its permissions");
      }
      gzbuffer(gz_, 1U << 18U);
    } else {
      struct stat st {};
      if (::fstat(fd_, &st) == 0 && st.st_size > 0) {
        file_bytes_ = static_cast<std::size_t>(st.st_size);
      }
    }
    // The header line, whole.
    std::size_t nl = std::string::npos;
    while ((nl = buf_.find('\n')) == std::string::npos && fill(1U << 16U) > 0) {
    }
    note_input(path_);
    if (buf_.empty()) {
      fail(ErrorKind::data, {path_, 1, "", ""}, "the file is empty",
           "write a header row and at least one data row");
    }
    refuse_sqlite(buf_, path_);
    std::string line = buf_.substr(0, nl == std::string::npos ? buf_.size() : nl);
    buf_.erase(0, nl == std::string::npos ? buf_.size() : nl + 1);
    lines_out_ = nl == std::string::npos ? 0 : 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      line.erase(0, 3);
    }
    header_ = parse_header(std::move(line), path_);
  } catch (...) {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (gz_ != nullptr) {
      gzclose(gz_);
      gz_ = nullptr;
    }
    throw;
  }
}

CsvChunks::~CsvChunks() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (gz_ != nullptr) {
    gzclose(gz_);
  }
}

std::size_t CsvChunks::fill(std::size_t want) {
  if (eof_) {
    return 0;
  }
  const std::size_t n = buf_.size();
  buf_.resize(n + want);
  for (;;) {
    std::int64_t got = 0;
    std::string text;
    if (gz_ != nullptr) {
      got = gzread(gz_, buf_.data() + n, static_cast<unsigned>(want));
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(gz_, &errnum);
        text = std::string("read error: ") + (msg ? msg : "unknown");
      }
    } else {
      got = ::read(fd_, buf_.data() + n, want);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        text = std::string("read error: ") + std::strerror(errno);
      }
    }
    if (got < 0) {
      buf_.resize(n);
      fail(ErrorKind::io, {path_, lines_out_ + lines_in(buf_) + 1, "", ""}, text,
           "check that the file is a complete CSV or gzip file");
    }
    buf_.resize(n + static_cast<std::size_t>(got));
    eof_ = got == 0;
    return static_cast<std::size_t>(got);
  }
}

bool CsvChunks::next(std::string& out, std::size_t size) {
  // Read until the buffer holds `size` bytes and a newline after them (or the end).
  while (buf_.size() < size && fill(size - buf_.size()) > 0) {
  }
  std::size_t cut = buf_.size();
  if (!eof_) {
    std::size_t nl = std::string::npos;
    while ((nl = buf_.rfind('\n')) == std::string::npos && fill(1U << 16U) > 0) {
    }
    cut = nl == std::string::npos ? buf_.size() : nl + 1;
  }
  if (cut == 0) {
    return false;
  }
  out.assign(buf_, 0, cut);
  buf_.erase(0, cut);
  lines_out_ += static_cast<std::int64_t>(std::count(out.begin(), out.end(), '\n'));
  return true;
}

CsvReader::CsvReader(std::string path) : path_(std::move(path)) {
  check_regular(path_);
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
  refuse_sqlite(line_text_, path_);
  if (line_text_.size() >= 3 && line_text_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    line_text_.erase(0, 3);
  }
  split_csv_line(line_text_.data(), line_text_.data() + line_text_.size(), fields, path_, line_);
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

bool CsvReader::next(std::vector<std::string_view>& fields) {
  do {
    if (!read_line()) {
      return false;
    }
  } while (line_text_.empty());
  split_csv_line(line_text_.data(), line_text_.data() + line_text_.size(), fields, path_, line_);
  if (fields.size() != header_.size()) {
    fail(ErrorKind::data, {path_, line_, "", ""},
         "row has " + std::to_string(fields.size()) + " fields but the header has " +
             std::to_string(header_.size()),
         "make every row have one field per header column (quote fields containing commas)");
  }
  return true;
}

std::optional<double> parse_number(std::string_view text, const std::string& file,
                                   std::int64_t line, std::string_view field,
                                   bool hierarchy_column) {
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
  const std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  if (!parse_double(digits, v) || !std::isfinite(v)) {
    fail(ErrorKind::data, {file, line, std::string(field), std::string(text)},
         "not a finite number",
         hierarchy_column
             ? "write a decimal number such as 0.25, leave the field empty (or NA) for a "
               "missing value, or list a text column in hierarchy.text_columns"
             : "write a decimal number such as 0.25, or leave the field empty (or NA) for a "
               "missing value");
  }
  return v;
}

}  // namespace pdlab::io
