#include "pdlab/io/sqlite_db.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/scenario.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace pdlab::io {

std::string sql_identifier(std::string_view name) {
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') {
      q += '"';
    }
    q += c;
  }
  return q + "\"";
}

std::string sql_literal(std::string_view text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') {
      q += '\'';
    }
    q += c;
  }
  return q + "'";
}

Db::Db(const std::string& path, int flags, bool check_integrity)
    : path_(path), writing_((flags & SQLITE_OPEN_READWRITE) != 0) {
  if (!writing_) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      fail(ErrorKind::no_input, {path, 0, "", ""}, "results file not found",
           "give the .sqlite file written by `pdlab run`");
    }
    // A file that is not SQLite at all (a CSV, a scenario, an empty file) is named as such,
    // not as a damaged study.
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int err = errno;  // there, but not readable (permissions): not "empty"
      fail(ErrorKind::no_input, {path, 0, "", ""},
           std::string("cannot read the results file: ") + std::strerror(err),
           "check its permissions (the user running pdlab must be able to read it)");
    }
    char head[16] = {};
    in.read(head, sizeof head);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0 || std::string_view(head, got) != std::string_view("SQLite format 3\0", 16)) {
      std::string start;
      for (std::size_t i = 0; i < got && start.size() < 12; ++i) {
        start += head[i] >= 32 && head[i] < 127 ? head[i] : '.';
      }
      fail(ErrorKind::data, {path, 0, "", ""},
           got == 0 ? std::string("the file is empty: not a results file")
                    : "not a results file (not an SQLite database: it starts with '" + start + "')",
           "give the .sqlite file written by `pdlab run --out FILE.sqlite` (or by the command "
           "whose output it is)");
    }
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    if (writing_) {
      fail(ErrorKind::cant_create, {path, 0, "", ""}, "cannot create SQLite file: " + msg,
           "check permissions and free space of the output folder");
    }
    fail(ErrorKind::no_input, {path, 0, "", ""}, "cannot open SQLite file: " + msg,
         "check the path and that it is a pdlab results file");
  }
  sqlite3_extended_result_codes(db_, 1);
  if (check_integrity) {
    // quick_check reads every page: a truncated or overwritten file fails here rather than
    // halfway through an export.
    sqlite3_stmt* st = nullptr;
    int r = sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &st, nullptr);
    std::string verdict;
    if (r == SQLITE_OK) {
      while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        if (t != nullptr && verdict.empty()) {
          verdict = reinterpret_cast<const char*>(t);
        }
      }
    }
    sqlite3_finalize(st);
    if ((r & 0xff) == SQLITE_BUSY || (r & 0xff) == SQLITE_LOCKED) {
      sqlite3_close(db_);
      db_ = nullptr;
      fail(ErrorKind::cant_create, {path, 0, "", ""}, "another process is writing this file",
           "wait for it to finish, or choose another file");
    }
    if ((r != SQLITE_DONE && r != SQLITE_OK) || verdict != "ok") {
      std::string msg = verdict.empty() ? sqlite3_errstr(r) : verdict;
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      if (msg.size() > 160) {
        msg = msg.substr(0, 160) + "...";
      }
      sqlite3_close(db_);
      db_ = nullptr;
      fail(ErrorKind::data, {path, 0, "", ""}, "the results file is damaged (" + msg + ")",
           "run the study again (`pdlab run ... --out FILE`); the file cannot be read reliably");
    }
  }
}

Db::~Db() {
  sqlite3_close(db_);
}

void Db::raise(int rc, const std::string& what) const {
  const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    fail(ErrorKind::data, {path_, 0, "", ""}, what + ": the file is damaged (" + msg + ")",
         "run the study again; the file cannot be read reliably");
  }
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR) {
    fail(ErrorKind::io, {path_, 0, "", ""}, what + ": " + msg,
         "check free disk space and any file-size limit (ulimit -f)");
  }
  if (!writing_) {
    fail(ErrorKind::data, {path_, 0, "", ""}, what + ": " + msg,
         "give the .sqlite file written by `pdlab run`");
  }
  fail(ErrorKind::io, {path_, 0, "", ""}, what + ": " + msg,
       "check free disk space and permissions of the output folder");
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    raise(rc, "SQLite error (" + msg + ")");
  }
}

Stmt::Stmt(Db& db, const std::string& sql) : db_(db) {
  const int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st_, nullptr);
  if (rc != SQLITE_OK) {
    db.raise(rc, "SQLite error");
  }
}

Stmt::~Stmt() {
  sqlite3_finalize(st_);
}

void Stmt::check_bind(int rc, int i) {
  if (rc != SQLITE_OK) {
    db_.raise(rc, "SQLite error binding parameter " + std::to_string(i));
  }
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check_bind(sqlite3_bind_int64(st_, i, v), i);
  return *this;
}

Stmt& Stmt::bind(int i, double v) {
  check_bind(std::isnan(v) ? sqlite3_bind_null(st_, i) : sqlite3_bind_double(st_, i, v), i);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  check_bind(sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8), i);
  return *this;
}

Stmt& Stmt::bind_static(int i, std::string_view v) {
  check_bind(sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8), i);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  check_bind(sqlite3_bind_null(st_, i), i);
  return *this;
}

Stmt& Stmt::bind_text_or_null(int i, std::string_view v) {
  return v.empty() ? bind_null(i) : bind(i, v);
}

Stmt& Stmt::bind_period(int i, std::int32_t p) {
  return p == kNever ? bind_null(i) : bind(i, static_cast<std::int64_t>(p));
}

void Stmt::step() {
  const int rc = sqlite3_step(st_);
  if (rc != SQLITE_DONE) {
    sqlite3_reset(st_);
    db_.raise(rc, "SQLite error");
  }
  sqlite3_reset(st_);
}

bool Stmt::next_row() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  db_.raise(rc, "SQLite error reading");
}

}  // namespace pdlab::io
