#include "helpers.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/study_writer.hpp"
#include "pdlab/io/units_table.hpp"
#include "pdlab/study/study.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace pdlab;
namespace fs = std::filesystem;

namespace {

study::PreparedStudy toy(std::vector<std::string> sets = {}) {
  return study::prepare_study(std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_pilot.toml",
                              sets);
}

std::string csv(const std::string& db, const std::string& table) {
  std::ostringstream o;
  io::export_csv(db, table, o);
  return o.str();
}

}  // namespace

TEST(Results, WritesAllTablesAndExportsCsv) {
  const auto dir = test::temp_dir();
  const auto db = dir + "/study.sqlite";
  fs::remove(db);
  const auto st = toy({"run.replicates=4", "output.unit_time_every=12"});
  const auto rep = study::run_study(st, db, false, false, "test", {});
  EXPECT_EQ(rep.replicates, 4);
  const auto tables = io::list_tables(db);
  for (const char* t : {"meta", "scenarios", "params", "levels", "policies", "runs", "adoptions",
                        "summary_time", "unit_time"}) {
    EXPECT_NE(std::find(tables.begin(), tables.end(), t), tables.end()) << t;
  }
  const auto summary = csv(db, "summary_time");
  EXPECT_EQ(
      summary.substr(0, summary.find('\n')),
      "scenario_id,policy_id,level,period,date,metric,n_units,replicates,mean,sd,q05,q50,q95");
  // 4 levels x 120 periods x 5 metrics rows + header
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 4 * 120 * 5 + 1);
  const auto ad = csv(db, "adoptions");
  EXPECT_NE(
      ad.find("scenario_id,replicate,policy_id,unit_id,unit_name,level,period,date,full_period"),
      std::string::npos);
  EXPECT_NE(ad.find(",,"), std::string::npos) << "missing values are empty fields";
  const auto ut = csv(db, "unit_time");
  EXPECT_EQ(std::count(ut.begin(), ut.end(), '\n'), 4 * 49 * 10 + 1);
  const auto params = csv(db, "params");
  EXPECT_NE(params.find("promotion.pilot_k,2,children"), std::string::npos) << params;
  EXPECT_NE(csv(db, "scenarios").find("pilot_delay = 12"), std::string::npos);
  // No temporary files left behind.
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST(Results, NoOverwriteWithoutForce) {
  const auto dir = test::temp_dir();
  const auto db = test::write_file(dir, "exists.sqlite", "precious");
  const auto st = toy();
  test::expect_error([&] { study::run_study(st, db, false, false, "", {}); },
                     ErrorKind::cant_create);
  std::ifstream in(db);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "precious");
  study::run_study(st, db, true, false, "", {});
  EXPECT_EQ(io::list_tables(db).size(), 9U);
  test::expect_error(
      [&] { study::run_study(st, dir + "/no/such/dir/x.sqlite", false, false, "", {}); },
      ErrorKind::cant_create);
}

TEST(Results, ExportErrors) {
  const auto dir = test::temp_dir();
  const auto db = dir + "/s.sqlite";
  fs::remove(db);
  study::run_study(toy(), db, false, false, "", {});
  const auto e = test::expect_error([&] { csv(db, "adoption"); }, ErrorKind::usage);
  EXPECT_NE(std::string(e.what()).find("did you mean 'adoptions'"), std::string::npos);
  test::expect_error([&] { csv(dir + "/none.sqlite", "meta"); }, ErrorKind::no_input);
  const auto junk =
      test::write_file(dir, "junk.sqlite", "this is not a database at all, not at all....");
  test::expect_error([&] { csv(junk, "meta"); }, ErrorKind::data);
  const auto out = test::write_file(dir, "out.csv", "keep");
  test::expect_error([&] { io::export_csv_file(db, "meta", out, false); }, ErrorKind::cant_create);
  io::export_csv_file(db, "meta", out, true);
  EXPECT_GT(fs::file_size(out), 10U);
}

TEST(Results, QuantileColumnNames) {
  EXPECT_EQ(io::quantile_column(0.05), "q05");
  EXPECT_EQ(io::quantile_column(0.5), "q50");
  EXPECT_EQ(io::quantile_column(0.975), "q97_5");
  EXPECT_EQ(io::quantile_column(0.0), "q00");
}

// The study carries its units: the ones with adoption rows, with their ancestors' ids.
TEST(Results, UnitsTable) {
  const auto dir = test::temp_dir();
  const auto db = dir + "/study.sqlite";
  study::run_study(toy({"run.replicates=2", "output.adoptions_max_level=\"county\""}), db, false,
                   false, "", {});
  const auto units = csv(db, "units");
  EXPECT_EQ(units.substr(0, units.find('\n')),
            "unit_id,parent_id,level,level_index,type,name,name_en,population,in_province,"
            "in_prefecture");
  // 1 province + 3 prefectures + 9 counties (townships are below adoptions_max_level).
  EXPECT_EQ(std::count(units.begin(), units.end(), '\n'), 13 + 1);
  // The toy hierarchy has no `type` column: the column is NULL; population is its column.
  EXPECT_NE(units.find("P,,province,0,,Province,,5000000,,\n"), std::string::npos) << units;
  EXPECT_NE(units.find("P1C1,P1,county,2,,County 1.1,,520000,P,P1\n"), std::string::npos) << units;
  fs::remove_all(dir);
}

// A hierarchy with a `type` column (street offices and towns at one level) shows it.
TEST(Results, UnitsTableType) {
  HierarchyBuilder b("typed.csv", {});
  b.set_text_columns({"type"});
  std::int64_t line = 2;
  const auto add = [&](const std::string& id, const std::string& parent, const std::string& level,
                       const std::string& type) {
    b.add(id, parent, level, id, {}, line++);
    const std::string_view t[] = {type};
    b.add_text(t);
  };
  add("D", "", "district", "district");
  add("Ds", "D", "township", "street_office");
  add("Dt", "D", "township", "town");
  const auto h = b.build("");
  const auto dir = test::temp_dir();
  const auto out = dir + "/units.csv";
  io::write_table(out, false, io::units_schema(h, 1), [&](io::TableWriter& w) {
    io::write_units(h, std::vector<std::string>(3), 1, w);
  });
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(
      text.find("unit_id,parent_id,level,level_index,type,name,name_en,population,in_district\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("Ds,D,township,1,street_office,Ds,,,D\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Dt,D,township,1,town,Dt,,,D\n"), std::string::npos) << text;
  fs::remove_all(dir);
}

TEST(Results, FindUnits) {
  const auto st = toy();
  const auto& h = *st.inputs.hierarchy;
  const std::vector<std::string> en(static_cast<std::size_t>(h.size()));
  // A code: the unit, then its subtree nearest first.
  const auto code = io::find_units(h, en, "P1C1", 10);
  ASSERT_GE(code.size(), 2U);
  EXPECT_EQ(h.id(code[0]), "P1C1");
  EXPECT_EQ(h.id(code[1]).substr(0, 4), "P1C1");
  EXPECT_EQ(io::find_units(h, en, "P1C1", 1).size(), 1U);
  // The root's code: the whole hierarchy in breadth-first order, and no unit whose name merely
  // contains the code (`units 0` listed communities named "...20号..." after the nation).
  const auto root = io::find_units(h, en, std::string(h.id(0)), 1000);
  ASSERT_EQ(root.size(), static_cast<std::size_t>(h.size()));
  for (std::size_t i = 0; i < root.size(); ++i) {
    EXPECT_EQ(root[i], static_cast<std::int32_t>(i));
  }
  // A subtree follows the hierarchy, whatever the codes: every unit below P1C1 and no other.
  const auto all = io::find_units(h, en, "P1C1", 1000);
  std::size_t below = 0;
  for (std::int32_t u = 0; u < h.size(); ++u) {
    for (std::int32_t a = u; a >= 0; a = h.parent(a)) {
      below += h.id(a) == "P1C1" ? 1 : 0;
    }
  }
  EXPECT_EQ(all.size(), below);
  for (const auto u : all) {
    EXPECT_EQ(h.id(u).substr(0, 4), "P1C1");
  }
  // A name, and an English name case-insensitively.
  const auto named = io::find_units(h, en, "Township 1.1.1", 10);
  ASSERT_EQ(named.size(), 1U);
  EXPECT_EQ(h.id(named[0]), "P1C1T1");
  std::vector<std::string> en2 = en;
  en2[static_cast<std::size_t>(h.find("P1"))] = "Suzhou";
  const auto english = io::find_units(h, en2, "suzhou", 10);
  ASSERT_EQ(english.size(), 1U);
  EXPECT_EQ(h.id(english[0]), "P1");
  EXPECT_TRUE(io::find_units(h, en, "nothing like it", 10).empty());
}

// The SQLite table writer holds rows and inserts them in batches, the rest one by one: every
// row and cell arrives in order, empty text and NaN as NULL, for counts around the batch size.
TEST(Results, SqliteTableWriterKeepsEveryRow) {
  const io::TableSchema schema{"t",
                               "test",
                               {{"id", io::ColumnType::integer, ""},
                                {"name", io::ColumnType::text, ""},
                                {"x", io::ColumnType::real, ""},
                                {"note", io::ColumnType::text, ""}}};
  const auto dir = test::temp_dir();
  for (const int n : {0, 1, 63, 64, 65, 131}) {
    const auto out = dir + "/t" + std::to_string(n) + ".sqlite";
    io::write_table(out, false, schema, [&](io::TableWriter& w) {
      for (int i = 0; i < n; ++i) {
        w.integer(i).text("unit-" + std::to_string(i));
        if (i % 5 == 0) {
          w.real(std::nan(""));
        } else {
          w.real(i * 0.5);
        }
        w.text(i % 3 == 0 ? std::string() : std::string(static_cast<std::size_t>(i % 7), 'n'));
        w.end_row();
      }
    });
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(out.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rowid, id, name, x, note FROM t ORDER BY rowid", -1,
                                 &st, nullptr),
              SQLITE_OK);
    int i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      EXPECT_EQ(sqlite3_column_int64(st, 0), i + 1) << n;
      EXPECT_EQ(sqlite3_column_int64(st, 1), i) << n;
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 2))),
                "unit-" + std::to_string(i));
      if (i % 5 == 0) {
        EXPECT_EQ(sqlite3_column_type(st, 3), SQLITE_NULL) << n << " " << i;
      } else {
        EXPECT_EQ(sqlite3_column_double(st, 3), i * 0.5);
      }
      if (i % 3 == 0 || i % 7 == 0) {
        EXPECT_EQ(sqlite3_column_type(st, 4), SQLITE_NULL) << n << " " << i;
      } else {
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 4))),
                  std::string(static_cast<std::size_t>(i % 7), 'n'));
      }
      ++i;
    }
    EXPECT_EQ(i, n);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
}

// A replicate reduced where it was simulated (distributed runs, docs/mpi.md) is written as the
// whole replicate is: the same rows in every table. Fails if the reduced replicate lost what
// a table needs (its count of adoptions in `runs`, its cells in `summary_time`).
TEST(Results, AReducedReplicateWritesTheSameStudy) {
  const auto dir = test::temp_dir();
  const auto st = study::prepare_study(
      std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_governance.toml",
      {"run.replicates=3", "output.adoptions_max_level=prefecture"});
  ASSERT_NE(st.model->governance(), nullptr);
  const auto& model = *st.model;
  io::StudyMeta meta;
  meta.scenario_toml = st.loaded.resolved_toml;
  std::size_t whole_rows = 0;
  std::size_t reduced_rows = 0;
  for (const bool reduce : {false, true}) {
    const auto db = dir + (reduce ? "/reduced.sqlite" : "/whole.sqlite");
    io::StudyWriter writer(db, false, false, model, 3, meta);
    for (const auto r : writer.pending()) {
      auto res = run_replicate(model, r);
      (reduce ? reduced_rows : whole_rows) += res.adoptions.size();
      if (reduce) {
        io::reduce_for_study(model, res);
        ASSERT_TRUE(res.reduced);
        reduced_rows -= res.adoptions.size();
      }
      writer.add(res);
    }
    writer.finish();
  }
  // reduced_rows: the adoptions the reduction dropped (below prefectures, not written as rows).
  EXPECT_GT(reduced_rows, 0U);
  EXPECT_LT(reduced_rows, whole_rows);
  for (const auto& t : io::list_tables(dir + "/whole.sqlite")) {
    if (t != "meta") {  // created_at
      EXPECT_EQ(csv(dir + "/whole.sqlite", t), csv(dir + "/reduced.sqlite", t)) << t;
    }
  }
  // A reduced replicate made from other inputs (another count of cells) is refused.
  {
    io::StudyWriter writer(dir + "/other.sqlite", false, false, model, 3, meta);
    auto res = run_replicate(model, writer.pending().front());
    io::reduce_for_study(model, res);
    res.cells.pop_back();
    EXPECT_THROW(writer.add(res), Error);
  }
  // With unit panels every adoption is needed: the replicate is left whole.
  const auto panels = toy({"run.replicates=1", "output.unit_time_every=12"});
  auto res = run_replicate(*panels.model, 0);
  const auto n = res.adoptions.size();
  io::reduce_for_study(*panels.model, res);
  EXPECT_FALSE(res.reduced);
  EXPECT_EQ(res.adoptions.size(), n);
}
