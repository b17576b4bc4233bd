#include "core/calendar.hpp"
#include "core/errors.hpp"
#include "core/params.hpp"
#include "io/results.hpp"
#include "io/text_reader.hpp"

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

namespace {

class Db {
 public:
  Db(const std::string& path, int flags) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      fail(ErrorKind::no_input, {path, 0, "", ""}, "cannot open SQLite file: " + msg,
           "check the path and that it is a pdlab results file");
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "?";
      sqlite3_free(err);
      fail(ErrorKind::io, {path_, 0, "", ""}, "SQLite error: " + msg,
           "check disk space and permissions");
    }
  }
  sqlite3* get() { return db_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(Db& db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
      fail(ErrorKind::io, {db.path(), 0, "", ""},
           std::string("SQLite error: ") + sqlite3_errmsg(db.get()), "");
    }
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, int v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    if (std::isnan(v)) {
      sqlite3_bind_null(st_, i);
    } else {
      sqlite3_bind_double(st_, i, v);
    }
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_text_or_null(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(st_, i);
    } else {
      bind(i, v);
    }
    return *this;
  }
  Stmt& bind_period(int i, std::int32_t p) {
    if (p == kNever) {
      sqlite3_bind_null(st_, i);
    } else {
      sqlite3_bind_int64(st_, i, p);
    }
    return *this;
  }
  void step() {
    if (sqlite3_step(st_) != SQLITE_DONE) {
      fail(ErrorKind::io, {db_.path(), 0, "", ""},
           std::string("SQLite error: ") + sqlite3_errmsg(db_.get()), "check disk space");
    }
    sqlite3_reset(st_);
  }

 private:
  Db& db_;
  sqlite3_stmt* st_ = nullptr;
};

std::string temp_path_for(const std::string& path) {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, ".tmp-%08x", rd());
  return path + buf;
}

std::string now_utc() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Removes the temporary file unless released (an exception unwinds through it).
// The temporary file being written, for remove_pending_output() from a signal handler:
// a fixed buffer, because a handler may only call async-signal-safe functions.
char g_pending[4096] = {0};

class TempFile {
 public:
  explicit TempFile(std::string p) : path_(std::move(p)) {
    if (path_.size() < sizeof g_pending) {
      std::memcpy(g_pending, path_.c_str(), path_.size() + 1);
    }
  }
  ~TempFile() {
    g_pending[0] = '\0';
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove(path_, ec);
      fs::remove(path_ + "-journal", ec);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void commit_to(const std::string& final_path) {
    std::error_code ec;
    fs::rename(path_, final_path, ec);
    if (ec) {
      fail(ErrorKind::cant_create, {final_path, 0, "", ""},
           "cannot move the result into place: " + ec.message(),
           "check permissions of the output directory");
    }
    path_.clear();
    g_pending[0] = '\0';
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

void remove_pending_output() noexcept {
  if (g_pending[0] != '\0') {
    ::unlink(g_pending);
  }
}

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

void check_output_path(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(path, ec) && !force) {
    fail(ErrorKind::cant_create, {path, 0, "", ""}, "output file exists",
         "choose another --out, or pass --force to replace it");
  }
  const auto dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    fail(ErrorKind::cant_create, {path, 0, "", ""}, "output directory does not exist",
         "create the directory first");
  }
}

namespace {

// Tables of the governance layer: governance_time (by level, period and metric over
// replicates), governance_unit_time (per unit panel, with output.unit_time_every) and
// agents_time (resident agents of coproduction.agents_root).
void write_governance(Db& db, const Model& model, const std::vector<ReplicateResult>& results) {
  const auto& sc = model.scenario();
  const auto& h = model.hierarchy();
  const auto gs = summarise_governance(model, results, sc.output.quantiles);
  std::string qcols;
  std::string qmarks;
  for (double p : gs.quantiles) {
    qcols += ", " + quantile_column(p) + " REAL";
    qmarks += ", ?";
  }
  db.exec(
      "CREATE TABLE governance_time (scenario_id INTEGER, level TEXT, period INTEGER, date TEXT, "
      "metric TEXT, replicates INTEGER, mean REAL, sd REAL" +
      qcols + ");");
  {
    Stmt st(db, "INSERT INTO governance_time VALUES (1, ?, ?, ?, ?, ?, ?, ?" + qmarks + ")");
    for (const auto& row : gs.rows) {
      st.bind(1, h.level_names()[row.level])
          .bind(2, row.period)
          .bind(3, period_label(sc.calendar, row.period))
          .bind(4, to_string(row.metric))
          .bind(5, row.replicates)
          .bind(6, row.mean)
          .bind(7, row.sd);
      for (std::size_t i = 0; i < row.q.size(); ++i) {
        st.bind(8 + static_cast<int>(i), row.q[i]);
      }
      st.step();
    }
  }
  if (sc.output.unit_time_every > 0) {
    std::string cols;
    std::string marks;
    for (int i = 0; i < kGovUnitColumns; ++i) {
      cols += std::string(", ") + gov_unit_column(i) + " REAL";
      marks += ", ?";
    }
    db.exec(
        "CREATE TABLE governance_unit_time (scenario_id INTEGER, replicate INTEGER, unit_id TEXT, "
        "level TEXT, period INTEGER, date TEXT" +
        cols + ");");
    Stmt st(db, "INSERT INTO governance_unit_time VALUES (1, ?, ?, ?, ?, ?" + marks + ")");
    for (const auto& r : results) {
      for (const auto& row : r.governance.units) {
        st.bind(1, r.replicate)
            .bind(2, h.id(row.unit))
            .bind(3, h.level_names()[h.level(row.unit)])
            .bind(4, row.period)
            .bind(5, period_label(sc.calendar, row.period));
        for (int i = 0; i < kGovUnitColumns; ++i) {
          st.bind(6 + i, static_cast<double>(row.v[static_cast<std::size_t>(i)]));
        }
        st.step();
      }
    }
  }
  if (!sc.governance.coproduction.agents_root.empty()) {
    db.exec(
        "CREATE TABLE agents_time (scenario_id INTEGER, replicate INTEGER, period INTEGER, "
        "date TEXT, grp TEXT, agents REAL, group_model REAL);");
    Stmt st(db, "INSERT INTO agents_time VALUES (1, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : results) {
      for (std::size_t t = 0; t < r.governance.agents.size(); ++t) {
        const auto& a = r.governance.agents[t];
        for (int k = 0; k < 2; ++k) {
          st.bind(1, r.replicate)
              .bind(2, static_cast<std::int32_t>(t))
              .bind(3, period_label(sc.calendar, static_cast<std::int32_t>(t)))
              .bind(4, k == 0 ? "local" : "migrant")
              .bind(5, a[static_cast<std::size_t>(k)])
              .bind(6, a[static_cast<std::size_t>(2 + k)]);
          st.step();
        }
      }
    }
  }
}

}  // namespace

void write_study(const std::string& path, bool force, const Model& model,
                 const std::vector<ReplicateResult>& results, const Summary& summary,
                 const StudyMeta& meta) {
  check_output_path(path, force);
  TempFile tmp(temp_path_for(path));
  {
    Db db(tmp.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;");
    const auto& sc = model.scenario();
    const auto& h = model.hierarchy();
    db.exec(R"(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE scenarios (scenario_id INTEGER PRIMARY KEY, name TEXT, file TEXT, toml TEXT);
CREATE TABLE params (scenario_id INTEGER, key TEXT, value TEXT, unit TEXT, source TEXT);
CREATE TABLE levels (level INTEGER PRIMARY KEY, name TEXT, n_units INTEGER);
CREATE TABLE policies (policy_index INTEGER PRIMARY KEY, policy_id TEXT, name TEXT, alpha_shift REAL);
CREATE TABLE runs (scenario_id INTEGER, replicate INTEGER, seed INTEGER, n_adoptions INTEGER);
CREATE TABLE adoptions (scenario_id INTEGER, replicate INTEGER, policy_id TEXT, unit_id TEXT,
  unit_name TEXT, level TEXT, period INTEGER, date TEXT, full_period INTEGER, inst_period INTEGER,
  rev_period INTEGER, channel TEXT, variant_id TEXT, promotion_mode TEXT, pilot INTEGER, quality REAL,
  mandated INTEGER, round INTEGER);
)");
    {
      std::string q;
      for (double p : summary.quantiles) {
        q += ", " + quantile_column(p) + " REAL";
      }
      db.exec(
          "CREATE TABLE summary_time (scenario_id INTEGER, policy_id TEXT, level TEXT, "
          "period INTEGER, date TEXT, metric TEXT, n_units INTEGER, replicates INTEGER, "
          "mean REAL, sd REAL" +
          q + ");");
    }
    {
      Stmt st(db, "INSERT INTO meta VALUES (?, ?)");
      std::map<std::string, std::string> rows = {
          {"pdlab_version", PDLAB_VERSION},
          {"results_schema_version", "1"},
          {"scenario_schema_version", std::to_string(sc.schema_version)},
          {"scenario_name", sc.name},
          {"hierarchy_source", h.source()},
          {"hierarchy_root", sc.hierarchy.root},
          {"n_units", std::to_string(h.size())},
          {"n_levels", std::to_string(h.n_levels())},
          {"periods", std::to_string(sc.calendar.periods)},
          {"periods_per_year", std::to_string(sc.calendar.periods_per_year)},
          {"start", period_label(sc.calendar, 0)},
          {"seed", std::to_string(sc.seed)},
          {"replicates", std::to_string(results.size())},
          {"created_at", now_utc()},
          {"command_line", meta.command_line},
          {"missing_values", "empty field in CSV, NULL in SQLite"},
      };
      for (const auto& [k, v] : meta.extra) {
        rows[k] = v;
      }
      for (const auto& [k, v] : rows) {
        st.bind(1, k).bind(2, v).step();
      }
    }
    Stmt(db, "INSERT INTO scenarios VALUES (1, ?, ?, ?)")
        .bind(1, sc.name)
        .bind(2, sc.file)
        .bind(3, meta.scenario_toml)
        .step();
    {
      Stmt st(db, "INSERT INTO params VALUES (1, ?, ?, ?, ?)");
      for (const auto& p : parameters()) {
        if (p.type != ParamType::table) {
          st.bind(1, p.key)
              .bind(2, parameter_value(p, sc))
              .bind(3, p.unit)
              .bind(4, p.source)
              .step();
        }
      }
      auto num = [](double x) {
        std::ostringstream o;
        o << x;
        return o.str();
      };
      for (int l = 0; l < h.n_levels(); ++l) {
        const auto& name = h.level_names()[l];
        const auto it = sc.adoption.alpha.find(name);
        st.bind(1, "adoption.alpha." + name)
            .bind(2, num(it != sc.adoption.alpha.end() ? it->second : sc.adoption.alpha_default))
            .bind(3, "linear predictor")
            .bind(4, "illustrative")
            .step();
      }
      for (const auto& [col, b] : sc.adoption.beta) {
        st.bind(1, "adoption.beta." + col)
            .bind(2, num(b))
            .bind(3, "per covariate unit")
            .bind(4, "illustrative")
            .step();
      }
      for (const auto& [id, v] : sc.adoption.shift) {
        st.bind(1, "adoption.shift." + id)
            .bind(2, num(v))
            .bind(3, "linear predictor")
            .bind(4, "illustrative")
            .step();
      }
      for (const auto& [lvl, w] : sc.promotion.by_level) {
        st.bind(1, "promotion.by_level." + lvl)
            .bind(2, num(w.endorse) + "/" + num(w.pilot) + "/" + num(w.mandate) + "/" +
                         num(w.championship))
            .bind(3, "endorse/pilot/mandate/championship weights")
            .bind(4, "illustrative")
            .step();
      }
    }
    {
      Stmt st(db, "INSERT INTO levels VALUES (?, ?, ?)");
      for (int l = 0; l < h.n_levels(); ++l) {
        st.bind(1, l)
            .bind(2, h.level_names()[l])
            .bind(3, h.level_begin(l + 1) - h.level_begin(l))
            .step();
      }
    }
    {
      Stmt st(db, "INSERT INTO policies VALUES (?, ?, ?, ?)");
      for (std::size_t k = 0; k < sc.policies.size(); ++k) {
        const auto& p = sc.policies[k];
        st.bind(1, static_cast<std::int64_t>(k))
            .bind(2, p.id)
            .bind(3, p.name)
            .bind(4, p.alpha_shift)
            .step();
      }
    }
    {
      Stmt run(db, "INSERT INTO runs VALUES (1, ?, ?, ?)");
      Stmt ad(
          db,
          "INSERT INTO adoptions VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      const int max_level = model.adoptions_max_level();
      for (const auto& r : results) {
        run.bind(1, r.replicate)
            .bind(2, static_cast<std::int64_t>(sc.seed))
            .bind(3, static_cast<std::int64_t>(r.adoptions.size()))
            .step();
        for (const auto& a : r.adoptions) {
          const int lvl = h.level(a.unit);
          if (lvl > max_level) {
            continue;
          }
          ad.bind(1, r.replicate)
              .bind(2, sc.policies[a.policy].id)
              .bind(3, h.id(a.unit))
              .bind(4, h.name(a.unit))
              .bind(5, h.level_names()[lvl])
              .bind(6, a.period)
              .bind(7, period_label(sc.calendar, a.period))
              .bind_period(8, a.full_period)
              .bind_period(9, a.inst_period)
              .bind_period(10, a.rev_period)
              .bind(11, to_string(a.channel))
              .bind(12, h.id(a.variant))
              .bind_text_or_null(13, a.mode == Mode::none ? "" : to_string(a.mode))
              .bind(14, static_cast<int>(a.pilot))
              .bind(15, static_cast<double>(a.quality))
              .bind(16, static_cast<int>(a.mandated))
              .bind(17, static_cast<int>(a.round));
          ad.step();
        }
      }
    }
    {
      std::string q;
      for (std::size_t i = 0; i < summary.quantiles.size(); ++i) {
        q += ", ?";
      }
      Stmt st(db, "INSERT INTO summary_time VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?" + q + ")");
      for (const auto& row : summary.rows) {
        st.bind(1, sc.policies[row.policy].id)
            .bind(2, h.level_names()[row.level])
            .bind(3, row.period)
            .bind(4, period_label(sc.calendar, row.period))
            .bind(5, to_string(row.metric))
            .bind(6, row.n_units)
            .bind(7, static_cast<std::int64_t>(results.size()))
            .bind(8, row.mean)
            .bind(9, row.sd);
        for (std::size_t i = 0; i < row.q.size(); ++i) {
          st.bind(10 + static_cast<int>(i), row.q[i]);
        }
        st.step();
      }
    }
    if (sc.output.unit_time_every > 0) {
      db.exec(
          "CREATE TABLE unit_time (scenario_id INTEGER, replicate INTEGER, policy_id TEXT, "
          "unit_id TEXT, level TEXT, period INTEGER, date TEXT, stage TEXT);");
      Stmt st(db, "INSERT INTO unit_time VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
      const int max_level = model.unit_time_max_level();
      std::vector<std::int32_t> rec_of(static_cast<std::size_t>(h.size()));
      for (const auto& r : results) {
        for (int pol = 0; pol < model.n_policies(); ++pol) {
          // The record in force at t: a unit's last record that started by t (records of a
          // policy are in date order; a unit adopting again has several).
          std::fill(rec_of.begin(), rec_of.end(), -1);
          std::size_t next = 0;
          for (std::int32_t t = sc.output.unit_time_every - 1; t < model.periods();
               t += sc.output.unit_time_every) {
            for (; next < r.adoptions.size() &&
                   (r.adoptions[next].policy != pol || r.adoptions[next].period <= t);
                 ++next) {
              if (r.adoptions[next].policy == pol) {
                rec_of[r.adoptions[next].unit] = static_cast<std::int32_t>(next);
              }
            }
            for (std::int32_t u = 0; u < h.size() && h.level(u) <= max_level; ++u) {
              const Adoption* a = rec_of[u] >= 0 ? &r.adoptions[rec_of[u]] : nullptr;
              st.bind(1, r.replicate)
                  .bind(2, sc.policies[pol].id)
                  .bind(3, h.id(u))
                  .bind(4, h.level_names()[h.level(u)])
                  .bind(5, t)
                  .bind(6, period_label(sc.calendar, t))
                  .bind(7, to_string(stage_at(a, t)));
              st.step();
            }
          }
        }
      }
    }
    if (model.governance() != nullptr) {
      write_governance(db, model, results);
    }
    db.exec("COMMIT;");
  }
  tmp.commit_to(path);
}

std::vector<std::string> list_tables(const std::string& db_path) {
  std::error_code ec;
  if (!fs::is_regular_file(db_path, ec)) {
    fail(ErrorKind::no_input, {db_path, 0, "", ""}, "results file not found",
         "give the .sqlite file written by `pdlab run`");
  }
  Db db(db_path, SQLITE_OPEN_READONLY);
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &st,
                         nullptr) != SQLITE_OK) {
    fail(ErrorKind::data, {db_path, 0, "", ""}, "not a SQLite results file",
         "give the .sqlite file written by `pdlab run`");
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  const int rc = sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    fail(ErrorKind::data, {db_path, 0, "", ""},
         std::string("not a SQLite results file: ") + sqlite3_errstr(rc),
         "give the .sqlite file written by `pdlab run`");
  }
  return out;
}

namespace {

void csv_field(std::ostream& out, const char* s, int n) {
  const std::string_view v(s, static_cast<std::size_t>(n));
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
    out << v;
    return;
  }
  out << '"';
  for (char ch : v) {
    if (ch == '"') {
      out << '"';
    }
    out << ch;
  }
  out << '"';
}

}  // namespace

void export_csv(const std::string& db_path, const std::string& table, std::ostream& out) {
  const auto tables = list_tables(db_path);
  if (std::find(tables.begin(), tables.end(), table) == tables.end()) {
    const auto near = closest(table, tables);
    std::string all;
    for (const auto& t : tables) {
      all += (all.empty() ? "" : ", ") + t;
    }
    fail(ErrorKind::usage, {db_path, 0, "--table", table}, "no such table (tables: " + all + ")",
         near.empty() ? "use one of the tables listed" : "did you mean '" + near + "'?");
  }
  Db db(db_path, SQLITE_OPEN_READONLY);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db.get(), ("SELECT * FROM \"" + table + "\" ORDER BY rowid").c_str(), -1, &st,
                     nullptr);
  const int nc = sqlite3_column_count(st);
  for (int i = 0; i < nc; ++i) {
    if (i) {
      out << ',';
    }
    const char* name = sqlite3_column_name(st, i);
    csv_field(out, name, static_cast<int>(std::strlen(name)));
  }
  out << '\n';
  char num[64];
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < nc; ++i) {
      if (i) {
        out << ',';
      }
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL: break;
        case SQLITE_INTEGER: out << sqlite3_column_int64(st, i); break;
        case SQLITE_FLOAT: {
          // Shortest representation that reads back to the same double.
          const auto* end = fmt::format_to(num, "{}", sqlite3_column_double(st, i));
          out.write(num, end - num);
          break;
        }
        default:
          csv_field(out, reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                    sqlite3_column_bytes(st, i));
      }
    }
    out << '\n';
  }
  sqlite3_finalize(st);
}

void write_text_file(const std::string& path, bool force,
                     const std::function<void(std::ostream&)>& write) {
  check_output_path(path, force);
  TempFile tmp(temp_path_for(path));
  {
    std::ofstream f(tmp.path(), std::ios::binary);
    if (!f) {
      fail(ErrorKind::cant_create, {path, 0, "", ""}, "cannot create file", "check permissions");
    }
    write(f);
    f.close();
    if (!f) {
      fail(ErrorKind::io, {path, 0, "", ""}, "write failed", "check disk space");
    }
  }
  tmp.commit_to(path);
}

void write_table_output(const std::string& path, bool force, const std::string& table,
                        const std::function<void(std::ostream&)>& write) {
  const bool sqlite = path.size() > 7 && path.compare(path.size() - 7, 7, ".sqlite") == 0;
  if (!sqlite) {
    write_text_file(path, force, write);
    return;
  }
  check_output_path(path, force);
  // Produce the CSV, read it back with the CSV reader (quoting rules in one place).
  TempFile csv(temp_path_for(path) + ".csv");
  {
    std::ofstream f(csv.path(), std::ios::binary);
    write(f);
  }
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  {
    CsvReader reader(csv.path());
    header = reader.header();
    std::vector<std::string_view> fields;
    while (reader.next(fields)) {
      rows.emplace_back(fields.begin(), fields.end());
    }
  }
  std::vector<bool> numeric(header.size(), true);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (!r[c].empty()) {
        char* end = nullptr;
        std::strtod(r[c].c_str(), &end);
        numeric[c] = numeric[c] && end == r[c].c_str() + r[c].size();
      }
    }
  }
  TempFile tmp(temp_path_for(path));
  {
    Db db(tmp.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("BEGIN;");
    std::string create = "CREATE TABLE \"" + table + "\" (";
    std::string insert = "INSERT INTO \"" + table + "\" VALUES (";
    for (std::size_t c = 0; c < header.size(); ++c) {
      create += (c ? ", \"" : "\"") + header[c] + (numeric[c] ? "\" REAL" : "\" TEXT");
      insert += c ? ", ?" : "?";
    }
    db.exec(create + ");");
    Stmt st(db, insert + ")");
    for (const auto& r : rows) {
      for (std::size_t c = 0; c < header.size(); ++c) {
        const int i = static_cast<int>(c) + 1;
        if (r[c].empty()) {
          st.bind(i, std::nan(""));
        } else if (numeric[c]) {
          st.bind(i, std::strtod(r[c].c_str(), nullptr));
        } else {
          st.bind(i, std::string_view(r[c]));
        }
      }
      st.step();
    }
    db.exec("COMMIT;");
  }
  tmp.commit_to(path);
}

void export_csv_file(const std::string& db_path, const std::string& table,
                     const std::string& out_path, bool force) {
  if (out_path == "-" || out_path.empty()) {
    export_csv(db_path, table, std::cout);
    std::cout.flush();
    return;
  }
  check_output_path(out_path, force);
  TempFile tmp(temp_path_for(out_path));
  {
    std::ofstream f(tmp.path(), std::ios::binary);
    if (!f) {
      fail(ErrorKind::cant_create, {out_path, 0, "", ""}, "cannot create file",
           "check permissions");
    }
    export_csv(db_path, table, f);
    f.close();
    if (!f) {
      fail(ErrorKind::io, {out_path, 0, "", ""}, "write failed", "check disk space");
    }
  }
  tmp.commit_to(out_path);
}

}  // namespace pdlab::io
