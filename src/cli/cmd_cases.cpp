// `pdlab cases`: a thin client of study::run_cases; prints the comparison, readable.
#include "cli/common.hpp"
#include "pdlab/study/cases.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <algorithm>
#include <cmath>
#include <memory>

namespace pdlab::cli {

namespace {

struct CasesOptions {
  std::string folder, out;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
};

void add_options(CLI::App& sub, CasesOptions& o) {
  sub.add_option("folder", o.folder, "Folder of case scenarios (default: the shipped cases)");
  sub.add_option("--out,-o", o.out, "Output folder (default results/cases)");
  add_force(sub, o.force, "Replace the folder's case files if they exist");
  add_replicates(sub, o.run, "Replicates per case (overrides each case's)");
  add_threads(sub, o.run, "Threads, 0 = all cores");
  add_sets(sub, o.sets, "Override a key in every case (repeatable)");
}

int run(const CasesOptions& o) {
  study::CasesOptions spec;
  spec.folder = o.folder;
  spec.out_dir = o.out;
  spec.overrides = with_overrides(o.sets, o.run);
  spec.force = o.force;
  spec.command_line = command_line();
  int fewest = 0;  // the fewest replicates of a case
  const auto res = study::run_cases(
      spec,
      [&fewest](const std::string& name, int units, int replicates) {
        fmt::print(stderr, "pdlab: case {} ({} units, {} replicates)\n", name, units, replicates);
        fewest = fewest == 0 ? replicates : std::min(fewest, replicates);
      },
      progress_bar());
  for (const auto& n : res.notes) {
    fmt::print(stderr, "pdlab: note: {}\n", n);
  }
  if (!res.reports_skipped.empty()) {
    fmt::print(stderr, "pdlab: warning: no HTML reports: {}\n", res.reports_skipped);
  }
  // The comparison table, readable: a selection of comparison.csv's cells, found by name.
  const std::vector<std::pair<const char*, const char*>> shown{
      {"communities", "comm."},
      {"first_adoption", "first"},
      {"communities_adopted_end", "adopted"},
      {"years_to_half_of_communities", "half y"},
      {"years_to_half_capped", "capped"},
      {"participation_local", "part.loc"},
      {"participation_migrant", "part.mig"},
      {"participation_target", "target"},
      {"depth", "depth"},
      {"coverage", "cover."},
      {"incidents_per_10k_year", "incid/10k"},
      {"cost_per_10k_year", "cost/10k"}};
  const auto& columns = study::comparison_columns();
  std::vector<std::size_t> at;
  fmt::print("{:<16}", "case");
  for (const auto& [column, label] : shown) {
    at.push_back(static_cast<std::size_t>(std::find(columns.begin(), columns.end(), column) -
                                          columns.begin()));
    fmt::print(" {:>9}", label);
  }
  fmt::print("\n");
  std::string unreached;  // the cases whose communities can never adopt
  for (const auto& r : res.cases) {
    auto c = study::comparison_cells(r);
    if (!r.community_adopts) {
      // Years to half and depth measure adoption that cannot happen: n/a, not the horizon or 0
      // (comparison.csv keeps the numbers).
      for (const char* column : {"years_to_half_of_communities", "depth"}) {
        const auto i = static_cast<std::size_t>(std::find(columns.begin(), columns.end(), column) -
                                                columns.begin());
        c[i] = "n/a";
      }
      unreached += (unreached.empty() ? "" : ", ") + r.name + " (" + r.community_level + ")";
    }
    fmt::print("{:<16}", c[0]);
    for (const auto i : at) {
      fmt::print(" {:>9}", i < c.size() ? c[i] : "");
    }
    fmt::print("\n");
  }
  // Which adoption the adoption columns are of: a case with several policies follows the one
  // its governance layer follows, not necessarily the first piloted (Chengdu).
  std::string followed;
  for (const auto& r : res.cases) {
    followed += (followed.empty() ? "" : ", ") + r.name + " " + r.policy_id;
  }
  fmt::print("first, adopted, half y: the adoption of each case's governance policy ({})\n",
             followed);
  if (!unreached.empty()) {
    fmt::print(
        "n/a: the community level never adopts in {}: the policy can never be adopted there, "
        "so years to half and depth are undefined and the other community metrics are their "
        "values without it (`pdlab validate` on the case names the key and the fix)\n",
        unreached);
  }
  // Held-out facts: the model's mean against each fact within the fact's tolerance (its
  // stated precision), which decides pass or miss; the 90% interval is the model's spread.
  if (!res.held_out.empty()) {
    fmt::print("\n{:<16} {:<44} {:>12} {:>12} {:>12} {:>27} {:>7} {:>5}  {}\n", "case",
               "checked fact", "observed", "tolerance", "model mean", "90% interval", "within", "",
               "status");
    for (const auto& h : res.held_out) {
      const auto c = study::held_out_cells(h);
      fmt::print("{:<16} {:<44} {:>12} {:>12} {:>12} {:>27} {:>7} {:>5}  {}{}\n", c[0],
                 c[1].substr(0, 44), c[4], "+/- " + c[5], c[7], "[" + c[8] + ", " + c[9] + "]",
                 std::isnan(h.within) ? std::string() : fmt::format("{:.0f}%", 100 * h.within),
                 c[11], study::to_string(h.fact.status),
                 h.pass == h.fact.expect_pass ? "" : " (unexpected)");
    }
    int evidence = 0, passed = 0;
    for (const auto& h : res.held_out) {
      evidence += h.fact.status == study::FactStatus::held_out ? 1 : 0;
      passed += h.fact.status == study::FactStatus::held_out && h.pass ? 1 : 0;
    }
    fmt::print(
        "pass: |model mean - observed| <= tolerance (the fact's precision, held_out.csv); the "
        "90% interval is the model's spread over the replicates, not the verdict; within: the "
        "share of replicates within tolerance. Only facts of status held_out are evidence "
        "({} of {} here, {} passed); tuned_after_miss: an input was set after the check "
        "missed; data_check: it checks the inputs' data under the model.\n",
        evidence, res.held_out.size(), passed);
    note_few_replicates(fewest, "90% intervals");
  }
  fmt::print(stderr,
             "wrote {}, comparison.html{}, and one .sqlite study and .html report per case (with "
             "NAME-targets.csv where a case has calibration targets or quotas) in {}\n",
             res.comparison_csv, res.held_out_csv.empty() ? "" : ", held_out.csv", res.out_dir);
  return EX_OK;
}

}  // namespace

void register_cases(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CasesOptions>();
  auto* sub = app.add_subcommand(
      "cases", "Run the case scenarios (Haicang, Guiyang, Chengdu, Taicang, Jiangsu) side by side");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
