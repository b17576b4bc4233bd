#include "pdlab/io/table.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/sqlite_db.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <filesystem>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace pdlab::io {

namespace {

const char* sql_type(ColumnType t) {
  switch (t) {
    case ColumnType::text: return "TEXT";
    case ColumnType::integer: return "INTEGER";
    case ColumnType::real: return "REAL";
  }
  return "TEXT";
}

class CsvWriter final : public TableWriter {
 public:
  CsvWriter(std::ostream& out, TableSchema schema) : TableWriter(std::move(schema)), out_(out) {
    const auto& cols = this->schema().columns;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i > 0) {
        line_ += ',';
      }
      quote(cols[i].name);
    }
    row_done();
  }
  void finish() override {
    flush_line();
    out_.flush();
    if (!out_) {
      fail(ErrorKind::io, {"", 0, "", ""}, "writing table " + schema().name + " failed",
           "check free disk space and any file-size limit (ulimit -f)");
    }
  }

 protected:
  void put_text(int col, std::string_view v) override {
    sep(col);
    quote(v);
  }
  void put_integer(int col, std::int64_t v) override {
    sep(col);
    fmt::format_to(std::back_inserter(line_), "{}", v);
  }
  void put_real(int col, double v) override {
    sep(col);
    fmt::format_to(std::back_inserter(line_), "{}", v);  // shortest form that reads back exactly
  }
  void put_null(int col) override { sep(col); }
  void row_done() override {
    line_ += '\n';
    if (line_.size() >= (1U << 16U)) {
      flush_line();
    }
  }

 private:
  void sep(int col) {
    if (col > 0) {
      line_ += ',';
    }
  }
  void quote(std::string_view v) {
    if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
      line_.append(v);
      return;
    }
    line_ += '"';
    for (char c : v) {
      if (c == '"') {
        line_ += '"';
      }
      line_ += c;
    }
    line_ += '"';
  }
  void flush_line() {
    out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    line_.clear();
  }

 public:
  ~CsvWriter() override {
    if (!line_.empty()) {
      flush_line();
    }
  }

 private:
  std::ostream& out_;
  std::string line_;
};

// Rows are held and inserted kBatch at a time by one multi-row INSERT (a single-row INSERT
// per row spent most of its time opening and closing the table for each row); the rest go
// one by one at finish(). Texts are gathered in one buffer and bound without a copy once
// their rows are complete.
class SqliteWriter final : public TableWriter {
 public:
  SqliteWriter(Db& db, TableSchema schema)
      : TableWriter(std::move(schema)),
        db_(db),
        create_(db, this->schema().create_sql()),
        columns_(this->schema().columns.size()) {
    create_.step();
    one_ = std::make_unique<Stmt>(db, this->schema().insert_sql());
    cells_.resize(kBatch * columns_);
  }
  void finish() override {
    for (std::size_t r = 0; r < held_; ++r) {
      bind_rows(*one_, r, 1);
      one_->step();
    }
    clear();
  }

 protected:
  void put_text(int col, std::string_view v) override {
    if (v.empty()) {
      put_null(col);
      return;
    }
    cell(col) = {Cell::kText, 0, 0.0, text_.size(), v.size()};
    text_.append(v);
  }
  void put_integer(int col, std::int64_t v) override { cell(col) = {Cell::kInt, v, 0.0, 0, 0}; }
  void put_real(int col, double v) override {
    if (std::isnan(v)) {
      put_null(col);
      return;
    }
    cell(col) = {Cell::kReal, 0, v, 0, 0};
  }
  void put_null(int col) override { cell(col) = {Cell::kNull, 0, 0.0, 0, 0}; }
  void row_done() override {
    if (++held_ < kBatch) {
      return;
    }
    if (!batch_) {
      const std::string one = schema().insert_sql();
      const std::string row = one.substr(one.find(" VALUES ") + 8);
      std::string sql = one;
      for (std::size_t r = 1; r < kBatch; ++r) {
        sql += ", " + row;
      }
      batch_ = std::make_unique<Stmt>(db_, sql);
    }
    bind_rows(*batch_, 0, kBatch);
    batch_->step();
    clear();
  }

 private:
  static constexpr std::size_t kBatch = 64;
  struct Cell {
    enum Type : std::uint8_t { kNull, kInt, kReal, kText } type;
    std::int64_t integer;
    double real;
    std::size_t offset;
    std::size_t size;
  };
  Cell& cell(int col) { return cells_[held_ * columns_ + static_cast<std::size_t>(col)]; }
  // Binds rows [first, first + n) of the held rows to the statement's parameters from 1.
  void bind_rows(Stmt& st, std::size_t first, std::size_t n) {
    const std::string_view text(text_);
    int p = 1;
    for (std::size_t i = first * columns_; i < (first + n) * columns_; ++i, ++p) {
      const Cell& c = cells_[i];
      switch (c.type) {
        case Cell::kNull: st.bind_null(p); break;
        case Cell::kInt: st.bind(p, c.integer); break;
        case Cell::kReal: st.bind(p, c.real); break;
        case Cell::kText: st.bind_static(p, text.substr(c.offset, c.size)); break;
      }
    }
  }
  void clear() {
    held_ = 0;
    text_.clear();
  }
  Db& db_;
  Stmt create_;
  std::size_t columns_;
  std::unique_ptr<Stmt> one_;
  std::unique_ptr<Stmt> batch_;
  std::vector<Cell> cells_;
  std::size_t held_ = 0;
  std::string text_;
};

}  // namespace

namespace {

std::string lower_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace

bool sqlite_output(const std::string& path) {
  const auto ext = lower_extension(path);
  return ext == ".sqlite" || ext == ".sqlite3" || ext == ".db";
}

namespace {

// Refuses a table output whose name says neither CSV nor (when sqlite_too) SQLite; see
// check_table_name().
void check_table_format(const std::string& path, const std::string& option, bool sqlite_too) {
  if (path.empty() || path == "-") {
    return;
  }
  const auto ext = lower_extension(path);
  if (ext == ".csv" || (sqlite_too && sqlite_output(path))) {
    return;
  }
  // A device or a pipe (/dev/null, /dev/stdout, a shell's <(...)) gets CSV, as standard
  // output does: its name says nothing of a format. (A CSV-only output, export's, writes to
  // standard output itself and replaces only regular files.)
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (sqlite_too && !ec &&
      (std::filesystem::is_character_file(st) || std::filesystem::is_fifo(st))) {
    return;
  }
  // out.csv.gz: suggest out.csv, not out.csv.csv.
  auto stem = std::filesystem::path(path).replace_extension().string();
  const auto inner = lower_extension(stem);
  if (inner == ".csv" || sqlite_output(stem)) {
    stem = std::filesystem::path(stem).replace_extension().string();
  }
  const std::string what = ext.empty()
                               ? "the output has no extension, so its format is not known"
                               : (sqlite_too ? "pdlab writes tables as CSV or SQLite, not as '"
                                             : "this output is written as CSV, not as '") +
                                     ext + "'";
  if (!sqlite_too && path.rfind("/dev/", 0) == 0) {
    fail(ErrorKind::usage, {"", 0, option, path},
         "this output is written to standard output itself, not to a device or a pipe",
         "give " + option + " - (or leave it out) and redirect standard output");
  }
  fail(ErrorKind::usage, {"", 0, option, path}, what,
       "name it " + stem + ".csv" +
           (sqlite_too ? " (CSV) or " + stem + ".sqlite (SQLite: also .sqlite3, .db)" : ""));
}

}  // namespace

void check_table_name(const std::string& path, const std::string& option) {
  check_table_format(path, option, true);
}

void check_csv_name(const std::string& path, const std::string& option) {
  check_table_format(path, option, false);
}

std::string TableSchema::create_sql() const {
  std::string s = "CREATE TABLE " + sql_identifier(name) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    s += (i > 0 ? ", " : "") + sql_identifier(columns[i].name) + " " + sql_type(columns[i].type);
  }
  return s + ")";
}

std::string TableSchema::insert_sql() const {
  std::string s = "INSERT INTO " + sql_identifier(name) + " VALUES (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    s += i > 0 ? ", ?" : "?";
  }
  return s + ")";
}

int TableWriter::next_column() {
  if (col_ >= static_cast<int>(schema_.columns.size())) {
    throw Error(ErrorKind::internal, "table " + schema_.name + ": more cells than columns");
  }
  return col_++;
}

TableWriter& TableWriter::text(std::string_view v) {
  const int c = next_column();
  if (v.empty()) {
    put_null(c);
  } else {
    put_text(c, v);
  }
  return *this;
}

TableWriter& TableWriter::integer(std::int64_t v) {
  put_integer(next_column(), v);
  return *this;
}

TableWriter& TableWriter::real(double v) {
  const int c = next_column();
  if (std::isnan(v)) {
    put_null(c);
  } else {
    put_real(c, v);
  }
  return *this;
}

TableWriter& TableWriter::null() {
  put_null(next_column());
  return *this;
}

void TableWriter::end_row() {
  if (col_ != static_cast<int>(schema_.columns.size())) {
    throw Error(ErrorKind::internal, fmt::format("table {}: a row of {} cells for {} columns",
                                                 schema_.name, col_, schema_.columns.size()));
  }
  row_done();
  col_ = 0;
  ++rows_;
}

std::unique_ptr<TableWriter> csv_writer(std::ostream& out, TableSchema schema) {
  return std::make_unique<CsvWriter>(out, std::move(schema));
}

std::unique_ptr<TableWriter> sqlite_writer(Db& db, TableSchema schema) {
  return std::make_unique<SqliteWriter>(db, std::move(schema));
}

void write_table(const std::string& path, bool force, const TableSchema& schema,
                 const std::function<void(TableWriter&)>& rows) {
  check_table_name(path);
  if (path.empty() || path == "-") {
    auto w = csv_writer(std::cout, schema);
    rows(*w);
    w->finish();
    w.reset();
    check_stdout();
    return;
  }
  if (!sqlite_output(path)) {
    write_text_file(path, force, [&](std::ostream& o) {
      auto w = csv_writer(o, schema);
      rows(*w);
      w->finish();
    });
    return;
  }
  OutputFile out(path, force);
  {
    Db db(out.temp_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;");
    {
      auto w = sqlite_writer(db, schema);
      rows(*w);
      w->finish();
    }
    db.exec("COMMIT;");
  }
  out.commit();
}

void write_tables(const std::string& path, bool force, const std::vector<TableOutput>& tables) {
  if (!sqlite_output(path)) {
    fail(ErrorKind::internal, {path, 0, "", ""}, "several tables need a .sqlite file",
         "report this as a bug");
  }
  OutputFile out(path, force);
  {
    Db db(out.temp_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;");
    for (const auto& t : tables) {
      auto w = sqlite_writer(db, t.schema);
      t.rows(*w);
      w->finish();
    }
    db.exec("COMMIT;");
  }
  out.commit();
}

}  // namespace pdlab::io
