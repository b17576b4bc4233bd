// Reading an estimation table (CSV) into typed columns, in parallel blocks of lines.
#include "pdlab/io/estimation_io.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/text_reader.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

namespace pdlab::io {

std::optional<std::size_t> DataTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

void TextColumn::push_back(std::string_view s) {
  if (shared_) {
    throw Error(ErrorKind::internal, "TextColumn::push_back on a column of a file's text");
  }
  if (s.size() > kMaxLength || own_.size() + s.size() >= (std::uint64_t{1} << 40U)) {
    throw Error(ErrorKind::data, "a column holds a field over 16 MB or more than 1 TB of text");
  }
  cells_.push_back(cell(own_.size(), s.size()));
  own_.append(s);
}

namespace {

// One block of lines of a table, parsed by one thread into rows [row0, row0 + rows).
struct TableBlock {
  std::size_t begin = 0;  // offsets in the file's text: whole lines
  std::size_t end = 0;
  std::int64_t line0 = 0;  // line number of the block's first line
  std::size_t row0 = 0;    // first row (counting every line; empty lines are dropped later)
  std::size_t lines = 0;
  std::size_t rows = 0;
  std::vector<std::pair<std::int64_t, std::string>> first_text;  // per column, line 0: none
  std::exception_ptr error;
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);  // R's format() pads numbers
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// A field's number: NaN for empty or NA (missing); false (and NaN) for text.
bool field_number(std::string_view s, double& v) {
  s = trimmed(s);
  v = std::nan("");
  if (s.empty() || s == "NA") {
    return true;
  }
  if (!parse_double(s, v)) {
    v = std::nan("");
    return false;
  }
  return true;
}

// What read_table keeps of a column.
enum class Keep : std::uint8_t { skip, number, text };

// A row of plain decimals (no quotes, spaces, NA or text) in one pass, with no splitting
// first; false, having written nothing that counts, for any other row, which the general
// path then reads (and refuses with its message if it is bad). A skipped column's field may be
// anything short enough (no quotes: the caller checked).
bool fast_row(const char* text, const char* p, const char* end, std::size_t row,
              const std::vector<Keep>& keep, std::vector<std::vector<double>>& num,
              std::vector<std::vector<std::uint64_t>>& cells) {
  const std::size_t nc = keep.size();
  for (std::size_t c = 0; c < nc; ++c) {
    const bool last = c + 1 == nc;
    if (keep[c] == Keep::skip) {
      const auto left = static_cast<std::size_t>(end - p);
      const auto* comma = static_cast<const char*>(std::memchr(p, ',', left));
      const char* fe = last ? end : comma;
      if ((last ? comma != nullptr : comma == nullptr) ||
          static_cast<std::size_t>(fe - p) > TextColumn::kMaxLength) {
        return false;
      }
      p = fe + 1;
      continue;
    }
    double v = 0;
    const char* fe = parse_decimal_prefix(p, end, v);
    if (fe == nullptr || (last ? fe != end : (fe == end || *fe != ','))) {
      return false;
    }
    if (keep[c] == Keep::text) {
      cells[c][row] =
          TextColumn::cell(static_cast<std::size_t>(p - text), static_cast<std::size_t>(fe - p));
    }
    num[c][row] = v;
    p = fe + 1;
  }
  return true;
}

void parse_block(char* text, TableBlock& b, const std::string& path, const std::vector<Keep>& keep,
                 std::vector<std::vector<double>>& num,
                 std::vector<std::vector<std::uint64_t>>& cells,
                 std::vector<std::int64_t>& line_of) {
  std::vector<std::string_view> f;
  const std::size_t nc = keep.size();
  b.first_text.assign(nc, {});
  std::int64_t line = b.line0;
  std::size_t row = b.row0;
  char* p = text + b.begin;
  char* const e = text + b.end;
  try {
    for (; p < e; ++line) {
      auto* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
      char* const le = nl != nullptr ? nl : e;
      char* const next = nl != nullptr ? nl + 1 : e;
      char* end = le;
      if (end > p && end[-1] == '\r') {
        --end;
      }
      if (end == p) {
        p = next;
        continue;
      }
      if (std::memchr(p, '"', static_cast<std::size_t>(end - p)) == nullptr &&
          fast_row(text, p, end, row, keep, num, cells)) {
        line_of[row] = line;
        ++row;
        p = next;
        continue;
      }
      split_csv_line(p, end, f, path, line);
      if (f.size() != nc) {
        fail(ErrorKind::data, {path, line, "", ""},
             "row has " + std::to_string(f.size()) + " fields but the header has " +
                 std::to_string(nc),
             "make every row have one field per header column (quote fields containing commas)");
      }
      line_of[row] = line;
      for (std::size_t c = 0; c < nc; ++c) {
        std::string_view s = f[c];
        if (s.size() > TextColumn::kMaxLength) {
          fail(ErrorKind::data, {path, line, "", ""}, "a field is longer than 16 MB",
               "shorten the field; a table for fitting holds numbers and short labels");
        }
        if (keep[c] == Keep::skip) {
          continue;
        }
        if (keep[c] == Keep::text) {
          cells[c][row] = TextColumn::cell(static_cast<std::size_t>(s.data() - text), s.size());
        }
        double v = std::nan("");
        if (!field_number(s, v) && b.first_text[c].first == 0) {
          b.first_text[c] = {line, std::string(trimmed(s))};
        }
        num[c][row] = v;
      }
      ++row;
      p = next;
    }
  } catch (...) {
    b.error = std::current_exception();
  }
  b.rows = row - b.row0;
}

}  // namespace

namespace {

// Parses the lines text[begin, end) (whole lines; the first is line `line`) in parallel into
// rows appended to t, and the text columns' cells (offsets into `text`) at the same rows.
// Advances `line` past them. Throws the first error in these lines.
void parse_lines(char* text, std::size_t begin, std::size_t end, std::int64_t& line,
                 const std::vector<Keep>& keep, tbb::task_arena& arena, DataTable& t,
                 std::vector<std::vector<std::uint64_t>>& cells) {
  const auto nc = keep.size();
  // Blocks of whole lines, about 4 MB each, so that threads share the work evenly.
  std::vector<TableBlock> blocks;
  {
    const std::size_t size = end - begin;
    const std::size_t n = std::max<std::size_t>(1, size >> 22U);
    const std::string_view s(text, end);
    std::size_t at = begin;
    for (std::size_t k = 1; k <= n && at < end; ++k) {
      std::size_t stop = end;
      if (k < n) {
        const auto nl = s.find('\n', std::max(at, begin + size * k / n));
        stop = nl == std::string::npos ? end : nl + 1;
      }
      TableBlock b;
      b.begin = at;
      b.end = stop;
      blocks.push_back(std::move(b));
      at = stop;
    }
  }
  const auto each_block = [&](auto&& fn) {
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t k) { fn(blocks[k]); });
    });
  };
  each_block([&](TableBlock& b) {
    b.lines = static_cast<std::size_t>(std::count(text + b.begin, text + b.end, '\n'));
    if (b.end > b.begin && text[b.end - 1] != '\n') {
      ++b.lines;  // the last line has no newline
    }
  });
  const std::size_t base = t.line.size();
  std::size_t total = base;
  for (auto& b : blocks) {
    b.row0 = total;
    b.line0 = line;
    total += b.lines;
    line += static_cast<std::int64_t>(b.lines);
  }
  t.line.resize(total);
  for (std::size_t c = 0; c < nc; ++c) {
    if (keep[c] != Keep::skip) {
      t.num[c].resize(total);
    }
    if (keep[c] == Keep::text) {
      cells[c].resize(total);
    }
  }
  each_block([&](TableBlock& b) { parse_block(text, b, t.path, keep, t.num, cells, t.line); });
  // The first error in the file, as a reader going line by line would meet it.
  for (const auto& b : blocks) {
    if (b.error) {
      std::rethrow_exception(b.error);
    }
  }
  // Close the gaps left by empty lines.
  std::size_t rows = base;
  for (const auto& b : blocks) {
    if (rows != b.row0) {
      for (std::size_t c = 0; c < nc; ++c) {
        if (keep[c] != Keep::skip) {
          std::copy_n(t.num[c].begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                      t.num[c].begin() + static_cast<std::ptrdiff_t>(rows));
        }
        if (keep[c] == Keep::text) {
          std::copy_n(cells[c].begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                      cells[c].begin() + static_cast<std::ptrdiff_t>(rows));
        }
      }
      std::copy_n(t.line.begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                  t.line.begin() + static_cast<std::ptrdiff_t>(rows));
    }
    rows += b.rows;
  }
  t.line.resize(rows);
  for (std::size_t c = 0; c < nc; ++c) {
    if (keep[c] == Keep::skip) {
      continue;
    }
    t.num[c].resize(rows);
    if (keep[c] == Keep::text) {
      cells[c].resize(rows);
    }
    for (const auto& b : blocks) {
      if (t.first_text[c].first == 0 && b.first_text[c].first != 0) {
        t.first_text[c] = b.first_text[c];
      }
    }
  }
}

}  // namespace

DataTable read_table(const std::string& path, int threads, const TableColumns& want) {
  // The whole file, for a table that keeps its text as views into it; else pieces of it,
  // so that memory holds the kept columns and one piece.
  std::optional<CsvFile> file;
  std::optional<CsvChunks> chunks;
  DataTable t;
  t.path = path;
  if (want.all) {
    file = read_csv_file(path);
    t.names = file->header;
  } else {
    chunks.emplace(path);
    t.names = chunks->header();
  }
  const auto nc = t.names.size();
  std::vector<Keep> keep(nc, want.all ? Keep::text : Keep::skip);
  if (!want.all) {
    for (std::size_t c = 0; c < nc; ++c) {
      const auto named = [&](const std::vector<std::string>& v) {
        return std::find(v.begin(), v.end(), t.names[c]) != v.end();
      };
      keep[c] = named(want.text) ? Keep::text : named(want.numbers) ? Keep::number : Keep::skip;
    }
  }
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  std::vector<std::vector<std::uint64_t>> cells(nc);
  t.num.resize(nc);
  t.first_text.assign(nc, {});
  t.text.resize(nc);
  std::int64_t line = 2;
  if (want.all) {
    std::string& text = *file->text;
    if (text.size() >> (64U - TextColumn::kLengthBits) != 0) {
      fail(ErrorKind::data, {path, 0, "", ""}, "the table is larger than 1 TB",
           "split it, or fit on a sample of its rows");
    }
    parse_lines(text.data(), file->body, text.size(), line, keep, arena, t, cells);
    const std::shared_ptr<const std::string> shared = std::move(file->text);
    for (std::size_t c = 0; c < nc; ++c) {
      t.text[c].share(shared, std::move(cells[c]));
    }
  } else {
    constexpr std::size_t kPiece = std::size_t{32} << 20U;
    std::string piece;
    bool reserved = false;
    while (chunks->next(piece, kPiece)) {
      const std::size_t from = t.line.size();
      parse_lines(piece.data(), 0, piece.size(), line, keep, arena, t, cells);
      if (!reserved && chunks->file_bytes() > piece.size() && !t.line.empty()) {
        // Rows in the file, from the first piece's bytes per row, so columns grow once.
        const double per_row =
            static_cast<double>(piece.size()) / static_cast<double>(t.line.size());
        const auto expect =
            static_cast<std::size_t>(1.02 * static_cast<double>(chunks->file_bytes()) / per_row) +
            16;
        t.line.reserve(expect);
        for (std::size_t c = 0; c < nc; ++c) {
          if (keep[c] != Keep::skip) {
            t.num[c].reserve(expect);
          }
          if (keep[c] == Keep::text) {
            cells[c].reserve(expect);
            t.text[c].reserve(expect, 0);
          }
        }
      }
      reserved = true;
      // The kept text, copied out of the piece (a few columns of short fields).
      for (std::size_t c = 0; c < nc; ++c) {
        for (std::size_t r = from; r < cells[c].size(); ++r) {
          const auto cell = cells[c][r];
          t.text[c].push_back({piece.data() + (cell >> TextColumn::kLengthBits),
                               static_cast<std::size_t>(cell & TextColumn::kMaxLength)});
        }
      }
    }
  }
  t.numeric.assign(nc, true);
  t.kept.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    t.numeric[c] = t.first_text[c].first == 0;
    t.kept[c] = keep[c] != Keep::skip;
  }
  if (t.rows() == 0) {
    fail(ErrorKind::data, {path, line - 1, "", ""}, "the table has no rows",
         "give a CSV with a header and data rows");
  }
  return t;
}

}  // namespace pdlab::io
