#include "core/calendar.hpp"
#include "core/errors.hpp"
#include "core/params.hpp"
#include "io/results.hpp"
#include "io/sqlite_db.hpp"
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

std::string now_utc() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

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
  OutputFile out(path, force);
  {
    Db db(out.temp_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
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
  out.commit();
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
    fail(ErrorKind::usage, {db_path, 0, "--table", table}, "no such table (tables: " + all + ")",
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
