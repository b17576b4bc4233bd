// The `compare` workflow as a library function: design variants of one scenario run on
// common random numbers, with paired differences from the first variant. The CLI, a Python
// module or an MPI runner call this; none of it formats or prints.
#pragma once

#include "pdlab/core/scenario.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/sim/compare.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/grid.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

struct DesignVariant {
  std::string label;                     // "key=value; key=value"
  std::vector<std::string> assignments;  // key=value, applied after the base overrides
  // Where the variant was read (variants_from_csv): the scenario's errors about its keys name
  // this file and line, not the scenario.
  std::string source;
  std::int64_t line = 0;
};

// --vary KEY=V1,V2 (repeatable): all combinations, first key slowest.
std::vector<DesignVariant> variants_from_vary(const std::vector<std::string>& vary);
// A CSV with an optional `variant` column of labels and one column per scenario key (an
// empty field keeps the scenario's own value).
std::vector<DesignVariant> variants_from_csv(const std::string& path);

// Whether a scenario key says how a study runs or what it writes (run.*, output.*, calendar.*)
// rather than the design: compare and sensitivity vary design keys only.
bool is_study_setting(const std::string& key);

// A contrast of the user's (--contrast NAME=EXPR): a linear combination of the variants'
// outcomes, taken replicate by replicate (common random numbers) and then averaged, whose
// weights sum to 0: e.g. the interaction of two switches varied together (difference in
// differences), v4-v3-v2+v1. Variants are numbered from 1 in their order (the table's).
struct UserContrast {
  std::string name;
  std::string expression;       // as given, without spaces
  std::vector<double> weights;  // per variant
};
// Reads NAME=EXPR for `n_variants` variants: terms such as v2, -v1, 0.5*v3 or 2v2; throws a
// usage error naming --contrast and the fix (a term it cannot read, a variant out of range,
// weights that do not sum to 0, a name that is empty or taken by a variant's label).
UserContrast parse_contrast(const std::string& text, std::size_t n_variants);

struct CompareSpec {
  std::string scenario;                 // scenario file
  std::vector<std::string> overrides;   // applied to every variant (key=value)
  std::vector<DesignVariant> variants;  // at least two; the first is the baseline
  std::vector<std::string> contrasts;   // NAME=EXPR (parse_contrast), checked before any run
  // Called with each warning due before anything runs (a varied key a set event also sets);
  // empty: they go to the result's warnings, first.
  std::function<void(const std::string&)> on_warning;
};

struct CompareResult {
  std::string scenario_name;  // the base scenario's, with its seed: the outputs' provenance
  std::uint64_t seed = 0;
  std::vector<OutcomeDef> outcomes;
  std::vector<std::string> labels;  // per variant
  // What each variant set: the overrides every variant got (--set, key=value) and each
  // variant's own assignments after them, as given: the outputs' provenance.
  std::vector<std::string> overrides;
  std::vector<std::vector<std::string>> assignments;  // per variant
  int replicates = 0;
  // contrasts[outcome][variant]: variant against the first, paired by replicate.
  std::vector<std::vector<Contrast>> contrasts;
  // censored[outcome][variant], for periods_to_half: the share of the contrast's pairs in
  // which this variant or the first never reached half (its value there is the horizon, a
  // bound); NaN for other outcomes.
  std::vector<std::vector<double>> censored;
  // The user's contrasts and, per outcome, their estimates (mean and sd NaN: a contrast has
  // no variant's mean) and censored shares (periods_to_half: replicates in which a variant
  // the contrast weighs never reached half).
  std::vector<UserContrast> user_contrasts;
  std::vector<std::vector<Contrast>> user_results;  // [outcome][contrast]
  std::vector<std::vector<double>> user_censored;   // [outcome][contrast]
  // Every outcome of every replicate: values[variant][outcome][replicate] (NaN: undefined in
  // that replicate), for the compare_replicates table and contrasts of one's own.
  std::vector<std::vector<std::vector<double>>> values;
  // What a user should hear about the variants: the warnings every variant's model raises
  // (once, first: e.g. a deadline after the last period set by --set for all), those a
  // variant's own values raise, prefixed with its label (a key read only under a switch that is
  // off, ...), and variants whose outcomes are exactly the baseline's in every replicate (their
  // keys changed nothing in this scenario).
  std::vector<std::string> warnings;
  // Per variant, whether the governance policy can ever be adopted at the governance layer's
  // community level (Model::can_adopt_at; empty without the layer): where it cannot, in the
  // baseline and a variant, their communities' depth is 0 by construction, not a result.
  std::vector<std::uint8_t> community_adopts;
  std::string community_level;
  std::string deepest_level;  // of the hierarchy, for digests
  std::string top_level;
  // The levels where some variant adopts each policy, from the top (adopting_levels()), for
  // digests.
  std::vector<PolicyLevel> adopting_levels;
  // Each variant's time series over its replicates (adoption by policy, level and period;
  // governance metrics by level and period), at the baseline's output.quantiles.
  std::vector<Summary> time;
  std::vector<GovSummary> governance_time;
  std::vector<std::string> policy_ids;     // by policy index
  std::vector<std::string> level_names;    // by level index
  std::vector<std::string> period_labels;  // by period
  std::vector<double> quantiles;
  // Per variant, the keys [uncertainty] drew in each replicate (empty: the parameters fixed at
  // the scenario's values), and whether the base scenario's [uncertainty] lists keys at all:
  // compare_intervals_note() says what the intervals cover.
  std::vector<std::vector<std::string>> drawn;
  // Per variant, the keys [uncertainty] lists that it held at its own value (uncertainty.held).
  std::vector<std::vector<std::string>> held;
  bool uncertainty_listed = false;
};

// The keys [uncertainty] draws in each replicate of a scenario (uncertainty.draw = true; on
// common random numbers the same draw in every variant or design point), less those it holds
// (uncertainty.held); empty: none.
std::vector<std::string> drawn_keys(const Scenario& sc);
// How the replicates treated the parameters, in the words of a run's report ("Parameter
// uncertainty: ..."): `drawn` keys drawn per replicate (the same draw `across`, e.g. "in every
// variant"), or none (`fixed`, e.g. "the parameters are", fixed at the scenario's values; with a
// pointer to uncertainty.draw where `listed`, [uncertainty] lists keys it does not draw).
std::string parameters_clause(const std::vector<std::string>& drawn, bool listed,
                              const std::string& across, const std::string& fixed);
// What compare's 95% t intervals and the spread of the paired differences cover, in one line
// for its digest and its report: the intervals are the Monte Carlo error of the mean paired
// difference over the replicates (they narrow with more replicates), with the parameters fixed
// at the scenario's values or drawn per replicate from [uncertainty]; under draws it is the
// spread of the paired differences (diff_q025 to diff_q975) that carries the parameters'
// estimation uncertainty, without them the run-to-run variation of one realisation.
std::string compare_intervals_note(const CompareResult& result);
// Which variants drew the parameters per replicate: "every variant", "some variants" or "none"
// (the meta row `parameters_drawn`, which `pdlab report` reads to caption the spread).
std::string parameters_drawn(const CompareResult& result);

// Compiles every variant first (a bad value fails before anything runs), runs each on the
// same replicates (common random numbers) and returns the contrasts. `on_variant(i, n,
// label)` is called before each variant runs and `progress` during it (both may be empty).
// The variants x replicates run through `runner` (empty: run_grid_here), e.g. across MPI
// ranks (pdlab::dist); the result is the same whichever runs them.
CompareResult compare_designs(const CompareSpec& spec,
                              const std::function<void(int, int, const std::string&)>& on_variant,
                              const std::function<void(int, int)>& progress,
                              const GridRunner& runner = {});

// The comparison table (schema "compare"): one row per outcome and variant, then one per
// outcome and user contrast (its name as the variant; mean and sd empty).
void write_compare(const CompareResult& result, io::TableWriter& w);
// Estimates the user's contrasts from result.values (compare_designs calls it).
void estimate_user_contrasts(CompareResult& result);
// The user's contrasts, a row per variant each weighs (schema "compare_contrasts"), and every
// outcome of every replicate (schema "compare_replicates"), for the .sqlite output.
void write_compare_contrasts(const CompareResult& result, io::TableWriter& w);
void write_compare_replicates(const CompareResult& result, io::TableWriter& w);
// Whether user contrast j of outcome `d` weighs only variants whose communities never run the
// governance policy (community_unreached, for every variant it weighs).
bool contrast_unreached(const CompareResult& result, const OutcomeDef& d, std::size_t j);

// The outcomes worth a digest: the share adopted and the share still running the policy at the
// end (active) at every level where some variant adopts, and
// the time to half at the deepest of them, migrant participation, last-year depth at the
// deepest level, incidents, escalations to the top level.
bool is_headline(const CompareResult& result, const OutcomeDef& outcome);

// Whether outcome `d` is a governance metric at the community level and the governance policy
// can be adopted there neither in the baseline nor in variant `variant` (community_adopts): its
// values are those without the policy, and its depth 0 by construction (undefined, not 0).
bool community_unreached(const CompareResult& result, const OutcomeDef& d, std::size_t variant);

// The unit of an outcome's values, for printing: the share of the level's units, calendar
// periods (periods_to_half), the share of replicates (reached_half), a governance metric's
// unit (its last-year mean) or that unit over the horizon (a flow's total).
std::string outcome_unit(const OutcomeDef& outcome);

// The levels whose share adopted at the horizon is above 0 somewhere, by policy, from the top:
// `mean_share(k)` gives the largest mean of outcome k over the variants or design points. A
// mandate to townships is summarised there as well as at villages that adopt on their own,
// a scenario whose policy stops at townships is not summarised by its villages' zeros, and a
// policy is not summarised at the levels where only another one is adopted; a policy adopted
// nowhere is summarised at its deepest level where it can be adopted (its zeros say so).
std::vector<PolicyLevel> adopting_levels(const std::vector<OutcomeDef>& outcomes,
                                         const std::vector<std::string>& level_names,
                                         const std::function<double(std::size_t)>& mean_share);

// What each variant set (schema "compare_variants"): a row per key, the overrides every
// variant got first, then the variant's own.
void write_compare_variants(const CompareResult& result, io::TableWriter& w);

// The schema of the per-variant time table (schema "compare_time" and one column per
// quantile) and its rows: variant, policy, level, period, date, metric, mean, sd, quantiles.
io::TableSchema compare_time_schema(const CompareResult& result);
void write_compare_time(const CompareResult& result, io::TableWriter& w);
// A comparison as a study file (.sqlite at `out`, replaced only with `force`): the compare
// table, what each variant set, the variants' time series (which `pdlab report` draws as curves
// per variant) and the meta table (the command line, the scenario, seed, replicates, variants), for
// the CLI's and Python's `out`.
void write_compare_study(const std::string& out, bool force, const CompareResult& result,
                         const std::string& command_line, const std::string& scenario_file);
// The same, given the adopting levels and the hierarchy's deepest and top level names.
bool is_headline(const std::vector<PolicyLevel>& adopting_levels, const std::string& deepest_level,
                 const std::string& top_level, const OutcomeDef& outcome);

// Whether outcome k, the share still running a policy at the end (active), only repeats the
// share that adopted (three outcomes up, as compare's outcome list orders them): where no unit
// reversed or ceased in any variant or design point the two are equal, and digests leave the
// active row out. `same(k, j)` says whether outcomes k and j give the same values everywhere
// the digest looks (contrasts, indices). False for any other outcome.
bool active_repeats_adopted(const std::vector<OutcomeDef>& outcomes, std::size_t k,
                            const std::function<bool(std::size_t, std::size_t)>& same);

}  // namespace pdlab::study
