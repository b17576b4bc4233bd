// The study workflows called as a library (the CLI's subcommands are thin clients of these).
#include "helpers.hpp"
#include "pdlab/study/cases.hpp"
#include "pdlab/study/fit.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pdlab;
namespace fs = std::filesystem;

namespace {

// An example scenario copied into `dir` as `file`, named `name`, its hierarchy path absolute.
void copy_example(const std::string& example, const std::string& dir, const std::string& file,
                  const std::string& name) {
  const std::string src = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/";
  std::ifstream in(src + example);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
  };
  replace("path = \"toy_hierarchy.csv\"", "path = \"" + src + "toy_hierarchy.csv\"");
  // A top-level name (before the first table) is replaced, else one is added.
  const auto top = s.find("\nname = ");
  if (top != std::string::npos && top < s.find('[')) {
    s.replace(top, s.find('\n', top + 1) - top, "\nname = \"" + name + "\"");
  } else {
    replace("schema_version = 1\n", "schema_version = 1\nname = \"" + name + "\"\n");
  }
  test::write_file(dir, file, s);
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

}  // namespace

TEST(Cases, RunsEveryCaseAndWritesTheComparison) {
  const auto dir = test::temp_dir();
  fs::create_directories(dir + "/in");
  copy_example("toy_governance.toml", dir + "/in", "1.toml", "governed");
  copy_example("toy_pilot.toml", dir + "/in", "2.toml", "pilot");
  study::CasesOptions opt{dir + "/in", dir + "/out", {"run.replicates=2", "run.threads=1"}, false};
  std::vector<std::string> announced;
  const auto res = study::run_cases(
      opt, [&](const std::string& name, int, int) { announced.push_back(name); }, {});
  ASSERT_EQ(res.cases.size(), 2U);
  EXPECT_EQ(announced, (std::vector<std::string>{"governed", "pilot"}));
  const auto& gov = res.cases[0];
  const auto& pilot = res.cases[1];
  EXPECT_EQ(gov.name, "governed");
  EXPECT_EQ(gov.units, 49);
  EXPECT_EQ(gov.replicates, 2);
  EXPECT_GT(gov.communities, 0);
  EXPECT_GE(gov.communities_adopted_end, 0.0);
  EXPECT_LE(gov.communities_adopted_end, 1.0);
  // The governance layer's metrics exist only where the model has one.
  EXPECT_FALSE(std::isnan(gov.participation_local));
  EXPECT_TRUE(std::isnan(pilot.participation_local));
  EXPECT_TRUE(std::isnan(pilot.cost_per_10k_year));
  EXPECT_EQ(pilot.horizon_end, "2019-12");
  for (const auto& c : res.cases) {
    EXPECT_TRUE(fs::exists(c.study_path)) << c.study_path;
  }
  // comparison.csv: the header, then each case's cells as comparison_cells formats them.
  const auto csv = lines(res.comparison_csv);
  ASSERT_EQ(csv.size(), 3U);
  std::string header;
  for (const auto& c : study::comparison_columns()) {
    header += (header.empty() ? "" : ",") + c;
  }
  EXPECT_EQ(csv[0], header);
  const auto cells = study::comparison_cells(pilot);
  EXPECT_EQ(cells.size(), study::comparison_columns().size());
  EXPECT_EQ(cells[10], "");  // participation_local, NaN: an empty field
  EXPECT_EQ(cells[2], pilot.policy_id);
  EXPECT_EQ(csv[2].substr(0, 6), "pilot,");
  EXPECT_NE(std::find(res.written.begin(), res.written.end(), res.comparison_csv),
            res.written.end());
  // Run again without force: refused before anything runs.
  announced.clear();
  test::expect_error(
      [&] { study::run_cases(opt, [&](auto&&...) { announced.push_back(""); }, {}); },
      ErrorKind::cant_create);
  EXPECT_TRUE(announced.empty());
}

TEST(Cases, RefusesDuplicateNamesAndEmptyFolders) {
  const auto dir = test::temp_dir();
  fs::create_directories(dir + "/in");
  fs::create_directories(dir + "/empty");
  copy_example("toy_pilot.toml", dir + "/in", "1.toml", "same");
  copy_example("toy_mandate.toml", dir + "/in", "2.toml", "same");
  const auto e = test::expect_error(
      [&] {
        study::run_cases({dir + "/in", dir + "/out", {}, false}, {}, {});
      },
      ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("same name"), std::string::npos) << e.what();
  test::expect_error(
      [&] {
        study::run_cases({dir + "/empty", dir + "/out", {}, false}, {}, {});
      },
      ErrorKind::no_input);
}

TEST(CheckFit, ByLevelCountsPeriodsInsideTheBand) {
  const std::vector<study::CheckRow> rows{{"county", 0, "2010-01", 0.1, 0.1, 0.0, 0.2},
                                          {"county", 1, "2010-02", 0.5, 0.2, 0.1, 0.3},
                                          {"prefecture", 0, "2010-01", 0.0, 0.0, 0.0, 0.0}};
  const auto by = study::check_by_level(rows);
  ASSERT_EQ(by.size(), 2U);
  EXPECT_EQ(by[0].last.level, "county");
  EXPECT_EQ(by[0].last.period, 1);
  EXPECT_EQ(by[0].inside, 1);
  EXPECT_EQ(by[0].periods, 2);
  EXPECT_EQ(by[1].last.level, "prefecture");
  EXPECT_EQ(by[1].inside, 1);
}
