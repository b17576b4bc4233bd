// The one SQLite wrapper of pdlab's I/O layer: every return code checked, values bound as
// parameters (never formatted into SQL), errors thrown as pdlab::Error naming the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pdlab::io {

// Quotes an SQL identifier ("a""b"), for table and column names that come from data.
std::string sql_identifier(std::string_view name);
// Quotes an SQL string literal ('it''s'); for ids that go into generated queries.
std::string sql_literal(std::string_view text);

class Db {
 public:
  // Opens `path` with sqlite3_open_v2 flags. A read-only open of a study checks it:
  // `check_integrity` runs PRAGMA quick_check, so a damaged file is refused at once.
  Db(const std::string& path, int flags, bool check_integrity = false);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  void exec(const std::string& sql);
  sqlite3* get() { return db_; }
  const std::string& path() const { return path_; }
  // Throws Error(io or data) with SQLite's message for return code `rc`.
  [[noreturn]] void raise(int rc, const std::string& what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  bool writing_ = false;
};

class Stmt {
 public:
  Stmt(Db& db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v);  // NaN binds NULL
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  // Text that stays valid until the next step (ids of the hierarchy, cached labels): no copy.
  Stmt& bind_static(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind_text_or_null(int i, std::string_view v);
  Stmt& bind_period(int i, std::int32_t p);  // kNever binds NULL
  // Runs an INSERT/UPDATE (expects SQLITE_DONE) and resets the statement.
  void step();
  // Steps a query: true with a row, false when done; errors throw.
  bool next_row();
  sqlite3_stmt* get() { return st_; }

 private:
  void check_bind(int rc, int i);
  Db& db_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace pdlab::io
