// Held-out facts of the cases: facts from the sources that no case scenario uses as an input
// (no scripted date, no calibration target, no deadline with full compliance), checked as
// outputs of the model: the replicates' mean and 90% interval against the fact, within a
// stated tolerance. Read from `held_out.csv` in the folder of case scenarios (docs/cases.md).
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/scenario.hpp"
#include "pdlab/sim/engine.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pdlab {
class Model;
}

namespace pdlab::study {

// What a fact measures, per replicate:
// * fund_spending: yuan spent by `date` (from `from`, if given) by the units of `level` in
//   `region` that adopted `policy_id`, each from its adoption month (until a reversal) at the
//   yearly amount of `param` ("YYYY-MM:yuan;YYYY-MM:yuan", a step schedule);
// * schools: four o'clock schools running at `date` (the `schools` metric times the residents
//   of the community level / 100,000);
// * adopters_before: units of `level` outside `region` whose first adoption of `policy_id`
//   comes before the first one inside `region` (the order of first adopters);
// * share_adopted: share of the units of `level` in `region` that adopted by `date`;
// * migrants: residents without local hukou in the communities of `region` (each community's
//   residents times its migrant share, as the residents' model holds them; `date` is the
//   fact's, the model's shares are the 2020 census's).
enum class FactStatistic : std::uint8_t {
  fund_spending,
  schools,
  adopters_before,
  share_adopted,
  migrants
};

// What a fact can show (held_out.csv's optional `status`, default held_out): only a held-out
// fact is evidence; one that constrained an input after it missed, or that checks the inputs'
// data under the model, is still checked but is not.
enum class FactStatus : std::uint8_t { held_out, tuned_after_miss, data_check };
const char* to_string(FactStatus s);

struct HeldOutFact {
  std::string case_name, fact, source;
  FactStatus status = FactStatus::held_out;
  FactStatistic statistic = FactStatistic::share_adopted;
  std::string policy_id, level, region, from, date, param;
  double observed = 0;
  double tolerance = 0;     // absolute, in the fact's unit: |model mean - observed| <= tolerance
  bool expect_pass = true;  // false: a known miss, said so in docs/cases.md
  std::string path;         // where it was read, for errors
  std::int64_t line = 0;
};

struct HeldOutResult {
  HeldOutFact fact;
  int replicates = 0;
  double mean = 0, q05 = 0, q95 = 0;  // over the replicates (q: linear interpolation)
  double within = 0;  // share of the replicates within tolerance of the observed value
  bool pass = false;  // |mean - observed| <= tolerance
};

// Every row of `path` (columns case,fact,statistic,policy_id,level,region,from,date,param,
// observed,tolerance,expect,source and optionally status), checked for form; errors name the
// file, line, field, value and the fix.
std::vector<HeldOutFact> read_held_out(const std::string& path);

// Checks that every fact of `case_name` can be evaluated on this scenario and hierarchy
// (policy, level, region, dates): called before any case runs, so that nothing is written on
// bad input.
void check_held_out(const std::vector<HeldOutFact>& facts, const std::string& case_name,
                    const Scenario& scenario, const Hierarchy& hierarchy);

// The facts of the model's case, evaluated on its replicates (in replicate order).
std::vector<HeldOutResult> evaluate_held_out(const std::vector<HeldOutFact>& facts,
                                             const Model& model,
                                             const std::vector<ReplicateResult>& results);

// The columns of held_out.csv (the output) and one result's cells.
const std::vector<std::string>& held_out_columns();
std::vector<std::string> held_out_cells(const HeldOutResult& r);

}  // namespace pdlab::study
