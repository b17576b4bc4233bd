#include "helpers.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/study/study.hpp"

#include <sqlite3.h>

#include <algorithm>
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
  EXPECT_EQ(io::list_tables(db).size(), 8U);
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
