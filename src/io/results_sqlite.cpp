#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/sqlite_db.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace pdlab::io {

namespace fs = std::filesystem;

std::string quantile_column(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p * 100.0);
  std::string s = buf;
  if (s.size() == 1) {
    s = "0" + s;
  }
  for (auto& ch : s) {
    if (ch == '.') {
      ch = '_';
    }
  }
  return "q" + s;
}

namespace {

std::vector<std::string> tables_of(Db& db) {
  std::vector<std::string> out;
  Stmt st(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
  while (st.next_row()) {
    const auto* t = sqlite3_column_text(st.get(), 0);
    out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "");
  }
  return out;
}

}  // namespace

std::vector<std::string> list_tables(const std::string& db_path) {
  Db db(db_path, SQLITE_OPEN_READONLY, true);
  return tables_of(db);
}

void export_csv(const std::string& db_path, const std::string& table, std::ostream& out) {
  Db db(db_path, SQLITE_OPEN_READONLY, true);
  const auto tables = tables_of(db);
  if (std::find(tables.begin(), tables.end(), table) == tables.end()) {
    const auto near = closest(table, tables);
    std::string all;
    for (const auto& t : tables) {
      all += (all.empty() ? "" : ", ") + t;
    }
    // The optional tables say how to get them.
    std::string how;
    if (table == "unit_time" || table == "governance_unit_time") {
      how =
          " (written only with output.unit_time_every > 0: rerun with --set "
          "output.unit_time_every=12, say)";
    } else if (table == "governance_time") {
      how = " (written only with a governance module on)";
    }
    fail(ErrorKind::usage, {db_path, 0, "--table", table},
         "no such table in this file" + how + " (tables: " + all + ")",
         near.empty() ? "use one of the tables listed" : "did you mean '" + near + "'?");
  }
  Stmt st(db, "SELECT * FROM " + sql_identifier(table) + " ORDER BY rowid");
  const int nc = sqlite3_column_count(st.get());
  TableSchema schema;
  schema.name = table;
  for (int i = 0; i < nc; ++i) {
    schema.columns.push_back({sqlite3_column_name(st.get(), i), ColumnType::text, ""});
  }
  auto w = csv_writer(out, schema);
  while (st.next_row()) {
    for (int i = 0; i < nc; ++i) {
      switch (sqlite3_column_type(st.get(), i)) {
        case SQLITE_NULL: w->null(); break;
        case SQLITE_INTEGER: w->integer(sqlite3_column_int64(st.get(), i)); break;
        case SQLITE_FLOAT: w->real(sqlite3_column_double(st.get(), i)); break;
        default: {
          const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), i));
          const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i));
          w->text(std::string_view(t, n));
        }
      }
    }
    w->end_row();
  }
  w->finish();
}

void export_csv_file(const std::string& db_path, const std::string& table,
                     const std::string& out_path, bool force) {
  if (out_path == "-" || out_path.empty()) {
    export_csv(db_path, table, std::cout);
    check_stdout();
    return;
  }
  note_input(db_path);
  write_text_file(out_path, force, [&](std::ostream& o) { export_csv(db_path, table, o); });
}

}  // namespace pdlab::io
