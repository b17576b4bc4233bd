// Tables written by pdlab: one schema registry (name, columns, types, meaning) from which the
// CSV headers, the SQLite CREATE TABLEs and docs/outputs.md come, and one writer interface
// with an RFC 4180 CSV writer and a SQLite writer that binds parameters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pdlab::io {

class Db;

// Ids (unit, policy, variant) are always text, so "0070" stays "0070".
enum class ColumnType : std::uint8_t { text, integer, real };

struct Column {
  std::string name;
  ColumnType type = ColumnType::real;
  std::string meaning;
};

struct TableSchema {
  std::string name;
  std::string meaning;
  std::vector<Column> columns;
  // `CREATE TABLE name (...)` with SQLite types TEXT / INTEGER / REAL.
  std::string create_sql() const;
  // `INSERT INTO name VALUES (?, ...)`.
  std::string insert_sql() const;
};

// Every table pdlab writes, in the order of docs/outputs.md. Tables with columns that depend
// on the run (quantiles, covariates) list their fixed columns; the rest are described in
// `meaning`.
const std::vector<TableSchema>& table_schemas();
// The registered schema `name`; throws Error(internal) for an unknown name.
const TableSchema& table_schema(std::string_view name);
// docs/outputs.md, generated from the registry.
std::string outputs_markdown();

// Rows are written cell by cell in schema order; end_row() checks the count.
class TableWriter {
 public:
  explicit TableWriter(TableSchema schema) : schema_(std::move(schema)) {}
  virtual ~TableWriter() = default;
  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  TableWriter& text(std::string_view v);  // "" is written as empty / NULL
  TableWriter& integer(std::int64_t v);
  TableWriter& real(double v);  // NaN is written as empty / NULL
  TableWriter& null();
  void end_row();
  // Flushes and checks that everything was written.
  virtual void finish() = 0;
  const TableSchema& schema() const { return schema_; }
  std::int64_t rows() const { return rows_; }

 protected:
  virtual void put_text(int col, std::string_view v) = 0;
  virtual void put_integer(int col, std::int64_t v) = 0;
  virtual void put_real(int col, double v) = 0;
  virtual void put_null(int col) = 0;
  virtual void row_done() = 0;

 private:
  int next_column();
  TableSchema schema_;
  int col_ = 0;
  std::int64_t rows_ = 0;
};

// CSV to a stream: header first, RFC 4180 quoting, numbers in their shortest exact form.
std::unique_ptr<TableWriter> csv_writer(std::ostream& out, TableSchema schema);
// A new table in an open SQLite file (the caller holds the transaction).
std::unique_ptr<TableWriter> sqlite_writer(Db& db, TableSchema schema);

// Whether an output named `path` is written as SQLite: its extension is .sqlite, .sqlite3 or
// .db, in any case (anything else is CSV).
bool sqlite_output(const std::string& path);

// Refuses (usage error naming `option`) a table output whose name ends in neither .csv nor a
// SQLite extension: writing CSV into results.xlsx, or into a name without an extension, would
// leave a file whose name says something else. "" and "-" (standard output) pass.
void check_table_name(const std::string& path, const std::string& option = "--out");
// The same for an output written only as CSV (export's, which writes to standard output
// itself): its name must end in .csv, or be "" or "-"; a device's gets that advice.
void check_csv_name(const std::string& path, const std::string& option = "--out");

// Writes one table to `path`: CSV, or, for sqlite_output(path), a new SQLite file with
// the schema's types; "-" (or "") writes CSV to standard output; any other name is refused
// (check_table_name). Atomic and checked (see
// output_file.hpp).
void write_table(const std::string& path, bool force, const TableSchema& schema,
                 const std::function<void(TableWriter&)>& rows);

// Several tables into one new SQLite file (sqlite_output(path) must hold), atomically.
struct TableOutput {
  TableSchema schema;
  std::function<void(TableWriter&)> rows;
};
void write_tables(const std::string& path, bool force, const std::vector<TableOutput>& tables);

// A `meta` table (key, value) of `facts`, with pdlab_version and created_at added: where a
// command's SQLite output (compare, sensitivity) came from.
TableOutput meta_output(std::vector<std::pair<std::string, std::string>> facts);

}  // namespace pdlab::io
