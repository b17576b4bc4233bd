// Tables handed to Python as columns: a TableWriter that keeps each column in one typed
// buffer (int64 and float64 become numpy arrays, text a list of str), and a reader that
// loads a table of a SQLite study file the same way. pdlab/__init__.py builds the DataFrame.
#pragma once

#include "pdlab/io/table.hpp"

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab::python {

class ColumnCollector : public io::TableWriter {
 public:
  explicit ColumnCollector(io::TableSchema schema);
  void finish() override {}
  // [(name, "text" | "integer" | "real", values, null mask)]: values a numpy array (int64,
  // float64 with NaN where null) or a list of str/None; mask a numpy bool array.
  pybind11::list to_python() const;

 protected:
  void put_text(int col, std::string_view v) override;
  void put_integer(int col, std::int64_t v) override;
  void put_real(int col, double v) override;
  void put_null(int col) override;
  void row_done() override {}

 private:
  struct Buffer {
    io::ColumnType type;
    std::vector<std::string> text;
    std::vector<std::int64_t> integer;
    std::vector<double> real;
    std::vector<std::uint8_t> null;
  };
  std::vector<Buffer> cols_;
};

// Every table of a SQLite file written by pdlab (opened read-only, integrity checked), each
// typed by its declared column types: {name: columns as in ColumnCollector::to_python()}.
// The tables of a SQLite file (those named in `only`, in that order; empty: all), each as
// columns; a name the file lacks is a usage error naming the file's tables.
pybind11::dict read_sqlite_tables(const std::string& path,
                                  const std::vector<std::string>& only = {});

}  // namespace pdlab::python
