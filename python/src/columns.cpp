#include "columns.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/sqlite_db.hpp"

#include <pybind11/numpy.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace py = pybind11;

namespace pdlab::python {

ColumnCollector::ColumnCollector(io::TableSchema schema) : io::TableWriter(std::move(schema)) {
  for (const auto& c : this->schema().columns) {
    cols_.push_back({c.type, {}, {}, {}, {}});
  }
}

// A value of another type than the column's is converted to it (the writers of pdlab do
// not mix them; SQLite's dynamic typing might).
void ColumnCollector::put_text(int col, std::string_view v) {
  auto& b = cols_[col];
  switch (b.type) {
    case io::ColumnType::text: b.text.emplace_back(v); break;
    case io::ColumnType::integer: b.integer.push_back(std::stoll(std::string(v))); break;
    case io::ColumnType::real: b.real.push_back(std::stod(std::string(v))); break;
  }
  b.null.push_back(0);
}

void ColumnCollector::put_integer(int col, std::int64_t v) {
  auto& b = cols_[col];
  switch (b.type) {
    case io::ColumnType::text: b.text.push_back(std::to_string(v)); break;
    case io::ColumnType::integer: b.integer.push_back(v); break;
    case io::ColumnType::real: b.real.push_back(static_cast<double>(v)); break;
  }
  b.null.push_back(0);
}

void ColumnCollector::put_real(int col, double v) {
  auto& b = cols_[col];
  switch (b.type) {
    case io::ColumnType::text: b.text.push_back(std::to_string(v)); break;
    case io::ColumnType::integer: b.integer.push_back(static_cast<std::int64_t>(v)); break;
    case io::ColumnType::real: b.real.push_back(v); break;
  }
  b.null.push_back(0);
}

void ColumnCollector::put_null(int col) {
  auto& b = cols_[col];
  switch (b.type) {
    case io::ColumnType::text: b.text.emplace_back(); break;
    case io::ColumnType::integer: b.integer.push_back(0); break;
    case io::ColumnType::real: b.real.push_back(std::numeric_limits<double>::quiet_NaN()); break;
  }
  b.null.push_back(1);
}

namespace {

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) {
    std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  }
  return a;
}

const char* type_name(io::ColumnType t) {
  switch (t) {
    case io::ColumnType::text: return "text";
    case io::ColumnType::integer: return "integer";
    case io::ColumnType::real: return "real";
  }
  return "text";
}

}  // namespace

py::list ColumnCollector::to_python() const {
  py::list out;
  for (std::size_t c = 0; c < cols_.size(); ++c) {
    const auto& b = cols_[c];
    py::object values;
    if (b.type == io::ColumnType::text) {
      py::list l(b.text.size());
      for (std::size_t r = 0; r < b.text.size(); ++r) {
        l[r] = b.null[r] ? py::object(py::none()) : py::object(py::str(b.text[r]));
      }
      values = std::move(l);
    } else if (b.type == io::ColumnType::integer) {
      values = to_array(b.integer);
    } else {
      values = to_array(b.real);
    }
    py::array_t<bool> mask(static_cast<py::ssize_t>(b.null.size()));
    for (std::size_t r = 0; r < b.null.size(); ++r) {
      mask.mutable_data()[r] = b.null[r] != 0;
    }
    out.append(py::make_tuple(schema().columns[c].name, type_name(b.type), values, mask));
  }
  return out;
}

namespace {

io::ColumnType declared_type(const char* decl) {
  const std::string d = decl != nullptr ? decl : "";
  if (d == "INTEGER") {
    return io::ColumnType::integer;
  }
  if (d == "REAL") {
    return io::ColumnType::real;
  }
  return io::ColumnType::text;
}

py::list read_table(io::Db& db, const std::string& table) {
  io::Stmt st(db, "SELECT * FROM " + io::sql_identifier(table) + " ORDER BY rowid");
  const int nc = sqlite3_column_count(st.get());
  io::TableSchema schema;
  schema.name = table;
  for (int i = 0; i < nc; ++i) {
    schema.columns.push_back({sqlite3_column_name(st.get(), i),
                              declared_type(sqlite3_column_decltype(st.get(), i)), ""});
  }
  ColumnCollector w(schema);
  while (st.next_row()) {
    for (int i = 0; i < nc; ++i) {
      switch (sqlite3_column_type(st.get(), i)) {
        case SQLITE_NULL: w.null(); break;
        case SQLITE_INTEGER: w.integer(sqlite3_column_int64(st.get(), i)); break;
        case SQLITE_FLOAT: w.real(sqlite3_column_double(st.get(), i)); break;
        default: {
          const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), i));
          const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i));
          w.text(std::string_view(t, n));
        }
      }
    }
    w.end_row();
  }
  return w.to_python();
}

}  // namespace

py::dict read_sqlite_tables(const std::string& path, const std::vector<std::string>& only) {
  io::Db db(path, SQLITE_OPEN_READONLY, true);
  std::vector<std::string> names;
  {
    io::Stmt st(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
    while (st.next_row()) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
    }
  }
  std::string missing;
  for (const auto& n : only) {
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      missing += (missing.empty() ? "" : ", ") + n;
    }
  }
  if (!missing.empty()) {
    std::string all;
    for (const auto& n : names) {
      all += (all.empty() ? "" : ", ") + n;
    }
    fail(ErrorKind::usage, {path, 0, "tables", missing}, "the study has no such table",
         "name tables it has: " + all);
  }
  py::dict out;
  for (const auto& n : only.empty() ? names : only) {
    out[py::str(n)] = read_table(db, n);
  }
  return out;
}

}  // namespace pdlab::python
