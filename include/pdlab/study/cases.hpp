// The `cases` workflow as a library function: every case scenario of a folder run as a
// study, each stored (SQLite and an HTML report), and a side-by-side comparison written
// (comparison.csv, comparison.html): what each reform achieved, how fast, at what cost, with
// what participation of migrants. Nothing is printed here.
#pragma once

#include "pdlab/study/case_checks.hpp"

#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

struct CasesOptions {
  std::string folder;                  // of case scenarios (*.toml); empty: the shipped cases
  std::string out_dir;                 // empty: results/cases
  std::vector<std::string> overrides;  // key=value, applied to every case
  bool force = false;                  // replace existing output files
  std::string command_line;            // recorded in each study's meta ("pdlab cases" if empty)
};

// One case's row of the comparison. Means over the replicates; NaN where the case's model
// has no such metric (e.g. no governance layer).
struct CaseOutcome {
  std::string name, root;
  int units = 0;
  int communities = 0;  // units of the community level (else the deepest) existing at the end
  int replicates = 0;
  std::string first_adoption;          // date of the mean first adoption
  double communities_adopted_end = 0;  // share of the communities existing then, at the horizon
  double years_to_half = 0;  // from the first adoption to half of the communities existing then
  double years_to_half_capped =
      0;  // share of replicates that never reached half: counted at the horizon
  double participation_local = 0, participation_migrant = 0, participation_target = 0;
  double depth = 0, coverage = 0;  // in the last year, at the community level
  double incidents_per_10k_year = 0;
  double cost_per_10k_year = 0;
  double escalated_to_top_per_10k_year = 0;
  std::string horizon_end;      // date of the last period
  std::string policy_id;        // the policy the comparison follows (the governance policy)
  std::string community_level;  // the level its communities are counted at
  // Whether the policy can ever be adopted there (Model::can_adopt_at): where it cannot, the
  // years to half and the depth have nothing to measure (their cells hold the horizon and 0).
  bool community_adopts = true;
  std::string study_path;  // its .sqlite study
};

struct CasesResult {
  std::string folder;   // the folder read
  std::string out_dir;  // the folder written
  std::vector<CaseOutcome> cases;
  std::string comparison_csv;  // path of comparison.csv
  // The held-out facts of the folder's held_out.csv (none without one), checked on each
  // case's replicates and written to held_out.csv in the output folder.
  std::vector<HeldOutResult> held_out;
  std::string held_out_csv;          // its path; empty without facts
  std::vector<std::string> written;  // every file written, in order
  // Why no HTML reports were written (the chart libraries missing); empty when they were.
  std::string reports_skipped;
  // What the user should know about the held-out facts: no held_out.csv in the folder, or
  // facts of cases not in it (not checked).
  std::vector<std::string> notes;
};

// The columns of comparison.csv and one case's cells, formatted as written there (NaN as
// an empty field).
const std::vector<std::string>& comparison_columns();
std::vector<std::string> comparison_cells(const CaseOutcome& c);

// Reads every case (and the folder's held_out.csv, whose facts of the folder's cases must
// resolve on them; facts of other cases are noted and skipped) first and checks every output (safe,
// distinct names; no file replaced without `force`), then runs the cases one by one. `on_case(name,
// units, replicates)` is called before each case runs and `progress(done, total)` during it (both
// may be empty).
CasesResult run_cases(const CasesOptions& options,
                      const std::function<void(const std::string&, int, int)>& on_case,
                      const std::function<void(int, int)>& progress);

}  // namespace pdlab::study
