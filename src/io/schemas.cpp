// The registry of every table pdlab writes; docs/outputs.md is generated from it
// (`pdlab_paramdoc --outputs`, checked current by a test).
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/result.hpp"
#include "pdlab/io/table.hpp"

#include <fmt/format.h>

namespace pdlab::io {

namespace {

constexpr auto T = ColumnType::text;
constexpr auto I = ColumnType::integer;
constexpr auto R = ColumnType::real;

std::vector<TableSchema> build() {
  std::vector<TableSchema> v;
  // --- A study (`pdlab run --out FILE.sqlite`) ---
  v.push_back({"meta",
               "Key-value facts of the study: pdlab version, command line, seed, creation time "
               "(SOURCE_DATE_EPOCH if set), and complete = 1 once every replicate and summary "
               "is written (0 in a partial study, OUT.partial, that `pdlab run --resume` can "
               "finish). The .sqlite outputs of `compare`, `sensitivity` and `check-fit` have "
               "one too: version, command line, scenario file and name, seed, replicates, "
               "creation time (and the number of variants, or the method and factors, or the "
               "events file and, with --train-until, train_until), and `intervals`, what the "
               "intervals (check-fit: its bands) cover and whether the parameters were fixed or "
               "drawn from [uncertainty] (from 2026-12-07).",
               {{"key", T, "name"}, {"value", T, "value"}}});
  v.push_back({"scenarios",
               "The scenario simulated, with its resolved TOML (every default filled in).",
               {{"scenario_id", I, "1 in a study file"},
                {"name", T, "scenario name"},
                {"file", T, "scenario file as given"},
                {"toml", T, "resolved scenario"}}});
  v.push_back({"params",
               "Every behavioural parameter with its value, unit and source.",
               {{"scenario_id", I, "scenario"},
                {"key", T, "parameter key (docs/parameters.md)"},
                {"value", T, "value as used"},
                {"unit", T, "unit or meaning"},
                {"source", T, "source, or 'illustrative'"}}});
  v.push_back({"levels",
               "The hierarchy's levels, top first.",
               {{"level", I, "0 = top"},
                {"name", T, "level name"},
                {"n_units", I,
                 "units of the level in the hierarchy, also those that exist only part of the "
                 "run (summary_time.n_units: the units existing in each period)"}}});
  v.push_back({"units",
               "The units down to output.adoptions_max_level (the ones with adoption rows), "
               "for joins, regional shares and the units that never adopted; then one column "
               "in_<level> per level above that one with the id of the unit's ancestor there "
               "(NULL at or above it). `pdlab units QUERY` looks units up.",
               {{"unit_id", T, "unit code (text: leading zeros kept)"},
                {"parent_id", T, "parent's code (NULL for the top unit)"},
                {"level", T, "level name"},
                {"level_index", I, "0 = top"},
                {"type", T,
                 "unit type, the hierarchy's column `type` (China: street_office, town, "
                 "township, ethnic_township, village, community, district, county, ... derived "
                 "from the name, docs/model.md 7.13); NULL when the hierarchy has none"},
                {"name", T, "name as in the hierarchy (Chinese for the China data)"},
                {"name_en", T,
                 "English (pinyin) name where a source gives one: China's provinces and "
                 "counties (data/china/README.md); a CSV hierarchy's text column name_en; else "
                 "NULL"},
                {"population", R,
                 "the hierarchy's column population (China: 2020 census residents, counties "
                 "and, summed, the levels above; data/china/README.md), for population-weighted "
                 "shares; NULL where missing (China: below county level) or when the hierarchy "
                 "has no such column"}}});
  v.push_back({"policies",
               "The policies of the scenario.",
               {{"policy_index", I, "0-based index"},
                {"policy_id", T, "id"},
                {"name", T, "display name"},
                {"alpha_shift", R, "shift of the baseline log-odds"},
                {"trend", R,
                 "[[policy]] trend: b, added to the exponent as b t in period t (per period of "
                 "the run's calendar; under uncertainty.draw, each replicate's is in `draws`)"},
                {"profiles", T,
                 "[[policy]] profiles as NAME=weight, '; '-separated, in the order of their names "
                 "(each adds weight times its value in force to the exponent; under "
                 "uncertainty.draw, each replicate's weight is in `draws`); NULL when none"}}});
  v.push_back({"runs",
               "One row per replicate.",
               {{"scenario_id", I, "scenario"},
                {"replicate", I, "0-based replicate"},
                {"seed", I, "run.seed"},
                {"n_adoptions", I, "adoption records of the replicate"}}});
  v.push_back({"draws",
               "With [uncertainty] draw = true only: the value each replicate ran with of each "
               "key drawn from N(estimate, covariance) (docs/model.md 7.11), one row per "
               "replicate and key.",
               {{"scenario_id", I, "scenario"},
                {"replicate", I, "replicate"},
                {"key", T, "the parameter's key (uncertainty.keys)"},
                {"value", R,
                 "its drawn value, clamped to the key's range, or the value it was held at "
                 "(uncertainty.held)"}}});
  v.push_back(
      {"adoptions",
       "One row per adoption (levels down to output.adoptions_max_level): a unit that reverses and "
       "adopts again has a row for each adoption; shares adopted (summary_time's adopted, "
       "the report's charts) count it once.",
       {{"scenario_id", I, "scenario"},
        {"replicate", I, "replicate"},
        {"policy_id", T, "policy"},
        {"unit_id", T, "unit code (text: leading zeros kept)"},
        {"unit_name", T, "unit name"},
        {"level", T, "level name"},
        {"period", I, "period of adoption (first stage reached)"},
        {"date", T, "calendar label of period"},
        {"full_period", I, "period of full adoption (NULL: never)"},
        {"inst_period", I, "period of institutionalisation (NULL: never)"},
        {"rev_period", I, "period of reversal (NULL: never)"},
        {"channel", T,
         "dominant channel: spontaneous, vertical, horizontal, bottom_up, need, "
         "escalation, booster, event, pilot, mandate_deadline, quota, inherited "
         "(docs/model.md 7.1, 7.13)"},
        {"variant_id", T, "unit whose variant was adopted"},
        {"promotion_mode", T, "endorse / pilot / mandate / championship (NULL: none)"},
        {"pilot", I, "1 if adopted as a pilot"},
        {"quality", R,
         "a uniform draw in (0, 1) standing in for implementation quality where outcomes "
         "are not modelled: a pilot passes its evaluation when it is >= 1 - "
         "promotion.pilot_success (unless feedback.pilot_evaluation: realised outcomes), "
         "and success-weighted exposure weighs the adopter by it (unless "
         "feedback.learning: peers' realised depth); with both feedbacks on it stands "
         "for nothing modelled (realised depth is in governance_time)"},
        {"mandated", I, "1 if adopted under a mandate"},
        {"round", I, "pilot round"},
        {"ceased", I,
         "1 if rev_period is the unit's cessation (merged, split or exists_until), not "
         "a reversal (docs/model.md 7.13)"}}});
  v.push_back({"summary_time",
               "Adoption by policy, level and period over replicates; then one column per "
               "output.quantiles (q05, q50, q95 by default). Shares are over the units of the "
               "level that exist in the period (n_units): units merged, split or ceased before "
               "it, or born after it, are in neither numerator nor denominator (docs/model.md "
               "7.13).",
               {{"scenario_id", I, "scenario"},
                {"policy_id", T, "policy"},
                {"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"metric", T, "adopted (ever), active, pilot, institutionalised, reversed (now)"},
                {"n_units", I, "units of the level that exist in the period (the denominator)"},
                {"replicates", I, "replicates"},
                {"mean", R, "mean share over replicates"},
                {"sd", R, "standard deviation over replicates (n - 1); NULL with one replicate"}}});
  v.push_back({"unit_time",
               "Per unit and period stage panel (output.unit_time_max_level), while the unit "
               "exists.",
               {{"scenario_id", I, "scenario"},
                {"replicate", I, "replicate"},
                {"policy_id", T, "policy"},
                {"unit_id", T, "unit code"},
                {"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"stage", T,
                 "none, pilot, adopted, institutionalised or reversed at the end of the period"}}});
  v.push_back({"governance_time",
               "Governance metrics by level and period over replicates (docs/metrics.md); then "
               "one column per output.quantiles.",
               {{"scenario_id", I, "scenario"},
                {"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"metric", T, "metric (docs/metrics.md)"},
                {"replicates", I, "replicates"},
                {"mean", R, "mean over replicates"},
                {"sd", R, "standard deviation over replicates (n - 1); NULL with one replicate"}}});
  v.push_back({"governance_unit_time",
               "Per unit governance panel every output.unit_time_every periods: a row per local "
               "government and per community while it exists (output.unit_time_max_level); "
               "columns that do not apply to the row's unit are NULL.",
               {{"scenario_id", I, "scenario"},
                {"replicate", I, "replicate"},
                {"unit_id", T, "unit code"},
                {"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"}}});
  for (int i = 0; i < kGovUnitColumns; ++i) {
    v.back().columns.push_back({gov_unit_column(i), R, gov_unit_column_meaning(i)});
  }
  v.push_back(
      {"agents_time",
       "Resident agents of coproduction.agents_root beside the group model.",
       {{"scenario_id", I, "scenario"},
        {"replicate", I, "replicate"},
        {"period", I, "period"},
        {"date", T, "calendar label"},
        {"grp", T, "local / migrant"},
        {"agents", R, "share of agents participating"},
        {"group_model", R, "group model's share"},
        {"n_agents", I, "agents of the group (they follow merged and split communities)"}}});
  // --- Estimation and comparison outputs (--out FILE.csv or FILE.sqlite) ---
  v.push_back(
      {"riskset",
       "`pdlab riskset`: one row per unit, policy and period at risk; then one column "
       "per --static attribute and time-varying covariate. A unit that adopted a policy "
       "before the calendar's start (--before-start adopted) has no rows for it.",
       {{"unit_id", T, "unit code"},
        {"parent_id", T, "parent's code"},
        {"level", T, "level"},
        {"policy_id", T, "policy"},
        {"period", I, "period"},
        {"date", T, "calendar label"},
        {"tstart", I, "interval start (counting process)"},
        {"tstop", I, "interval end"},
        {"event", I, "1 if the unit adopted in the period"},
        {"duration", I,
         "periods since the risk began, this one included: period + 1, from the calendar's "
         "start (also under [[policy]] from and exists_from); with --start first-adoption, "
         "from the policy's first adoption in the events (or its from, if later), 1 there"},
        {"log_duration", R, "log(duration)"},
        {"vertical", R,
         "vertical exposure: adopting ancestors, attenuated by vertical.attenuation per level"},
        {"horizontal", R,
         "horizontal exposure: adopting siblings and edge peers (adoption.sibling_weight, "
         "adoption.edge_weight)"},
        {"bottom_up", R, "bottom-up exposure: share of the unit's children that adopted"}}});
  v.push_back({"eha",
               "`pdlab eha`: coefficients of the discrete-time event history model.",
               {{"term", T, "term"},
                {"estimate", R, "coefficient"},
                {"std_error", R, "standard error"},
                {"z_value", R, "estimate / std_error"},
                {"p_value", R, "two-sided normal p-value"},
                {"conf_low", R, "95% interval, lower"},
                {"conf_high", R, "95% interval, upper"},
                {"se_type", T, "which standard error std_error is: model or cluster"},
                {"std_error_model", R,
                 "model-based standard error (inverse information), kept beside a robust one"},
                {"separated", I,
                 "1 if the estimate diverges (separation, or monotone likelihood in a Cox "
                 "model): estimate and standard errors not meaningful"}}});
  v.push_back(
      {"eha_stats",
       "`pdlab eha --stats FILE`: the fit's statistics, one row.",
       {{"model", T, "the formula as given (with + offset(COL) where --offset is given)"},
        {"link", T, "logit or cloglog"},
        {"n", I, "rows fitted"},
        {"events", I, "rows with event = 1"},
        {"clusters", I, "clusters of --cluster (0: model-based standard errors)"},
        {"dropped_missing", I, "rows left out for a missing value"},
        {"parameters", I, "coefficients estimated (aliased ones not counted)"},
        {"log_likelihood", R, "log-likelihood at the estimate"},
        {"aic", R, "-2 log_likelihood + 2 parameters (R's AIC)"},
        {"bic", R, "-2 log_likelihood + log(n) parameters (R's BIC)"},
        {"deviance", R, "residual deviance"},
        {"null_deviance", R,
         "deviance of the intercept-only model (of the offset alone without an intercept), as "
         "R's glm"},
        {"lr_statistic", R, "null_deviance - deviance: the likelihood-ratio statistic"},
        {"lr_df", I, "its degrees of freedom: parameters, less 1 for an intercept"},
        {"lr_p_value", R,
         "upper chi-squared tail of lr_statistic on lr_df (empty for lr_df 0). With "
         "clusters the standard errors are robust, but this test is not"},
        {"iterations", I, "IRLS iterations"},
        {"converged", I, "1 if IRLS converged (a fit that does not writes nothing)"}}});
  v.push_back(
      {"cox_stats",
       "`pdlab cox --stats FILE`: the fit's statistics, one row.",
       {{"model", T, "the formula as given"},
        {"ties", T, "efron or breslow"},
        {"n", I, "rows fitted"},
        {"events", I, "rows with event = 1"},
        {"clusters", I, "clusters of --cluster (0: model-based standard errors)"},
        {"strata", I,
         "strata of --strata (0: none; each stratum has a baseline hazard of its own, which "
         "the parameters do not count, as R's)"},
        {"dropped_missing", I, "rows left out for a missing value"},
        {"parameters", I, "coefficients estimated"},
        {"log_partial_likelihood", R, "log partial likelihood at the estimate"},
        {"null_log_partial_likelihood", R, "at every coefficient 0"},
        {"aic", R, "-2 log_partial_likelihood + 2 parameters (R's AIC of a coxph fit)"},
        {"bic", R, "-2 log_partial_likelihood + log(events) parameters (R's BIC of a coxph fit)"},
        {"lr_statistic", R,
         "2 (log_partial_likelihood - null_log_partial_likelihood): the likelihood-ratio "
         "statistic (R's coxph 'Likelihood ratio test')"},
        {"lr_df", I, "its degrees of freedom: parameters"},
        {"lr_p_value", R,
         "upper chi-squared tail of lr_statistic on lr_df. With clusters the standard errors "
         "are robust, but this test is not"},
        {"iterations", I, "Newton iterations"},
        {"converged", I, "1 if Newton converged (a fit that does not writes nothing)"}}});
  v.push_back({"cox",
               "`pdlab cox`: coefficients of the Cox model.",
               {{"term", T, "term"},
                {"estimate", R, "log hazard ratio"},
                {"hazard_ratio", R, "exp(estimate)"},
                {"std_error", R, "standard error"},
                {"z_value", R, "estimate / std_error"},
                {"p_value", R, "two-sided normal p-value"},
                {"conf_low", R, "95% interval of estimate (the log hazard ratio), lower"},
                {"conf_high", R, "95% interval of estimate (the log hazard ratio), upper"},
                {"se_type", T, "which standard error std_error is: model or cluster"},
                {"std_error_model", R,
                 "model-based standard error (inverse information), kept beside a robust one"},
                {"separated", I,
                 "1 if the estimate diverges (separation, or monotone likelihood in a Cox "
                 "model): estimate and standard errors not meaningful"},
                {"hr_low", R, "95% interval of hazard_ratio, lower: exp(conf_low)"},
                {"hr_high", R, "95% interval of hazard_ratio, upper: exp(conf_high)"}}});
  v.push_back(
      {"edges",
       "`pdlab infer`: the inferred diffusion network, in the order edges were added. `pdlab "
       "riskset --edges FILE --edges-directed` (and `hierarchy.edges`) read the CSV as it is: "
       "origin_node exposes destination_node, each edge of weight 1.",
       {{"origin_node", T, "node that was copied"},
        {"destination_node", T, "node that copied"},
        {"improvement", R, "gain in log-likelihood when the edge was added"},
        {"p_value", R, "Vuong-type p-value (NetworkInference flavour; NULL for SNAP)"},
        {"volume", I,
         "cascades in which origin became destination's most likely parent when the "
         "edge was added (as SNAP counts it; fewer than the cascades in which origin "
         "preceded destination, and it depends on --model)"},
        {"median_time_difference", R,
         "upper median time from origin to destination over those cascades"},
        {"mean_time_difference", R, "mean time from origin to destination over those cascades"}}});
  v.push_back({"check_fit",
               "`pdlab check-fit`: observed against simulated cumulative adoption (as .sqlite "
               "with a meta table, from 2026-12-07).",
               {{"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"observed", R,
                 "observed share adopted: of the units of the level existing in the period, as "
                 "the simulated share (docs/model.md 7.13)"},
                {"sim_mean", R, "simulated mean share"},
                {"sim_q05", R, "simulated 5% quantile"},
                {"sim_q95", R, "simulated 95% quantile"},
                {"inside", I, "1 if observed lies in the 90% band"}}});
  v.push_back(
      {"out_of_sample",
       "`pdlab check-fit --train-until`: out-of-sample scores of the refitted model and "
       "two baselines over the held-out periods (docs/model.md 7.12), one row per method (as "
       ".sqlite with a meta table, from 2026-12-07).",
       {{"method", T, "model, constant_hazard or logistic"},
        {"train_until", T, "last training period"},
        {"first_scored", T, "first held-out period"},
        {"last_scored", T, "last held-out period"},
        {"units", I, "units scored: of the fitted levels, not adopted by train_until"},
        {"events", I, "held-out adoptions among them"},
        {"replicates", I, "replicates of each forecast"},
        {"log_score", R, "mean per-unit log score (higher is better)"},
        {"brier", R, "mean Brier score of adopted by the end (lower is better)"},
        {"crps", R, "mean CRPS of the cumulative count over held-out periods (lower is better)"},
        {"coverage50", R, "share of held-out periods with the count in the central 50% interval"},
        {"coverage90", R, "share of held-out periods with the count in the central 90% interval"},
        {"seconds", R, "wall time of the method's fit, simulation and scoring"},
        {"log_score_se", R,
         "Monte Carlo standard error of log_score (delete-one jackknife over the replicates)"},
        {"brier_se", R, "Monte Carlo standard error of brier (idem)"}}});
  v.push_back({"compare",
               "`pdlab compare`: outcomes of each variant and their differences from the first "
               "(common random numbers, 95% t intervals: the Monte Carlo error of the mean "
               "paired difference over the replicates, with the parameters fixed at the "
               "scenario's values or, with uncertainty.draw = true, drawn in each replicate from "
               "[uncertainty], the same draw in every variant; the meta row `intervals` says "
               "which). The t interval narrows with more replicates whatever the parameters' "
               "uncertainty; the spread of the paired differences themselves (diff_q025 to "
               "diff_q975) does not: with drawn parameters it is what carries their estimation "
               "uncertainty, without them the run-to-run variation of one realisation. Adoption "
               "outcomes (share_at_end, "
               "periods_to_half, reached_half), for each policy at the levels below the top "
               "where it can be adopted, are over the units of the level that exist in each "
               "period (docs/model.md 7.13). periods_to_half is the first period in which half "
               "of them have adopted, censored at the horizon (the calendar's periods) in a "
               "replicate that never gets there; reached_half is 1 in a replicate that gets "
               "there and 0 otherwise, so its mean is the share of replicates that do (read "
               "periods_to_half only where it is near 1, or where `censored` is 0). "
               "share_at_end of `adopted` counts every unit that has adopted by the last period, "
               "reversed or not; of `active`, the units running the policy in the last period "
               "(adopted or piloting, not reversed: summary_time's active). Governance metrics: "
               "stocks by their last-year mean, flows by their total over the horizon "
               "(docs/metrics.md). Each row is over the replicates in which both the variant and "
               "the first have a value (a governance metric may be empty in some, e.g. "
               "inspection_fail_share in a replicate with no inspection): mean, sd and the "
               "difference are over those pairs, and `replicates` counts them. After an "
               "outcome's variants come its rows for the contrasts given with --contrast "
               "(compare_contrasts), `variant` holding the contrast's name: the mean over the "
               "replicates of the combination of the variants' values (diff, its standard error "
               "and 95% t interval, the combination's quantiles; mean and sd empty), over the "
               "replicates in which every "
               "variant it weighs has a value.",
               {{"outcome", T, "outcome"},
                {"statistic", T, "statistic of the outcome"},
                {"policy_id", T, "policy (empty for governance outcomes)"},
                {"level", T, "level"},
                {"variant", T, "variant label, or a contrast's name (--contrast)"},
                {"replicates", I,
                 "pairs: replicates in which this variant and the first both have a value"},
                {"mean", R, "mean over those replicates"},
                {"sd", R, "standard deviation over those replicates"},
                {"diff", R, "mean paired difference from the first variant"},
                {"diff_se", R, "standard error of the difference"},
                {"diff_lo", R,
                 "95% t interval of the mean difference, lower: its Monte Carlo error, which "
                 "narrows with more replicates"},
                {"diff_hi", R, "95% t interval of the mean difference, upper"},
                {"diff_q025", R,
                 "2.5% quantile of the paired differences over the replicates (type 7): their "
                 "spread, which more replicates do not narrow; with uncertainty.draw = true it "
                 "carries the parameters' estimation uncertainty, otherwise the run-to-run "
                 "variation of one realisation (empty below 2 pairs; periods_to_half with "
                 "`censored` above 0: a bound, as diff)"},
                {"diff_q975", R, "97.5% quantile of the paired differences (as diff_q025)"},
                {"unit", T, "unit of mean and diff"},
                {"censored", R,
                 "periods_to_half only: share of the pairs in which this variant or the first "
                 "never reached half (the horizon stands in: a bound, not a time); empty "
                 "otherwise"}}});
  v.push_back({"compare_variants",
               "`pdlab compare --out FILE.sqlite`: what each variant set, a row per key: the "
               "overrides every variant got (--set) first, then the variant's own (--vary or a "
               "row of --variants), values as given. Not written with a .csv output.",
               {{"variant", T, "variant label"},
                {"key", T, "scenario key"},
                {"value", T, "value as given"},
                {"set_by", T, "every variant (--set) or this variant"}}});
  v.push_back({"compare_contrasts",
               "`pdlab compare --contrast NAME=EXPR --out FILE.sqlite`: each contrast's weights, a "
               "row per variant it weighs (variants numbered from 1 in the order of the compare "
               "table; with --vary, the first key slowest). Its estimate, for each outcome, is "
               "in the compare table under its name. Empty without --contrast; not written with "
               "a .csv output.",
               {{"contrast", T, "contrast's name"},
                {"expression", T, "the contrast as given, without spaces (e.g. v4-v3-v2+v1)"},
                {"variant_number", I, "the variant's number (v1 is the baseline)"},
                {"variant", T, "variant label"},
                {"weight", R, "weight of the variant's value (the weights sum to 0)"}}});
  v.push_back({"compare_replicates",
               "`pdlab compare --out FILE.sqlite`: every outcome of every replicate of every "
               "variant, the values the compare table's means, differences and contrasts are "
               "made of: replicate r of every variant ran on the same random numbers, so any "
               "contrast of one's own is a per-replicate combination of these, averaged. Not "
               "written with a .csv output.",
               {{"variant", T, "variant label"},
                {"replicate", I, "0-based replicate (the same random numbers in every variant)"},
                {"outcome", T, "outcome"},
                {"statistic", T, "statistic of the outcome"},
                {"policy_id", T, "policy (empty for governance outcomes)"},
                {"level", T, "level"},
                {"value", R,
                 "the outcome in this replicate (empty where it has none, e.g. "
                 "inspection_fail_share without an inspection)"}}});
  v.push_back({"compare_time",
               "`pdlab compare --out FILE.sqlite`: each variant's time series over its "
               "replicates, as summary_time (adoption metrics by policy) and governance_time "
               "(governance metrics, empty policy_id) of a study; then one column per quantile "
               "of the first variant's output.quantiles (the quantile levels; each variant's "
               "values are its own). Not written with a .csv output.",
               {{"variant", T, "variant label"},
                {"policy_id", T, "policy (empty for governance metrics)"},
                {"level", T, "level"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"metric", T,
                 "adopted, active, pilot, institutionalised, reversed (shares of the units that "
                 "exist in the period), or a governance metric (docs/metrics.md)"},
                {"replicates", I, "replicates in which the value is defined"},
                {"mean", R, "mean over replicates"},
                {"sd", R, "standard deviation over replicates (n - 1); NULL with one replicate"}}});
  v.push_back({"sensitivity",
               "`pdlab sensitivity`: Morris elementary effects or Sobol indices of each outcome "
               "`compare` knows, per factor (means over replicates on common random numbers; "
               "percentile-bootstrap intervals). docs/sensitivity.md.",
               {{"outcome", T, "outcome"},
                {"statistic", T, "statistic of the outcome"},
                {"policy_id", T, "policy (empty for governance outcomes)"},
                {"level", T, "level"},
                {"factor", T, "scenario key varied"},
                {"factor_lo", R, "lower end of its range"},
                {"factor_hi", R, "upper end of its range"},
                {"method", T, "morris or sobol"},
                {"measure", T,
                 "morris: mu, mu_star, sigma (per whole range of the factor); sobol: first, "
                 "total"},
                {"estimate", R, "the index (empty where the outcome does not vary)"},
                {"ci_lo", R,
                 "bootstrap interval, lower (resamples where the index is undefined count below "
                 "it; empty where it would rest on one: docs/sensitivity.md)"},
                {"ci_hi", R, "bootstrap interval, upper (likewise, counting them above it)"},
                {"design_points", I, "design points run"},
                {"replicates", I, "replicates per design point"},
                {"unit", T,
                 "unit of estimate: morris, the outcome's unit over the factor's whole range; "
                 "sobol, a share of the outcome's variance"}}});
  v.push_back({"calibration",
               "`pdlab calibrate --report`: each target against the calibrated model. A "
               "simulated share is the units of the level and region that exist at the target's "
               "period and first adopted by then, over the units of the level and region that "
               "exist then (docs/model.md 7.13).",
               {{"target", T, "target label"},
                {"metric", T, "governance metric (empty: adoption share)"},
                {"policy_id", T, "policy (adoption shares)"},
                {"level", T, "level"},
                {"region", T, "region of the target ((all) for a metric)"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"share", R, "target share, or the metric's target value"},
                {"sim_mean", R, "simulated mean share (or metric)"},
                {"sim_q05", R, "simulated 5% quantile"},
                {"sim_q95", R, "simulated 95% quantile"},
                {"error", R, "sim_mean - share"}}});
  v.push_back({"abc_posterior",
               "`pdlab calibrate --method abc --posterior`: the posterior sample, one row per "
               "particle and free parameter (docs/calibrate.md).",
               {{"particle", I, "particle index (0-based)"},
                {"generation", I, "ABC-SMC generation of the sample"},
                {"weight", R, "normalised importance weight of the particle"},
                {"distance", R, "distance of its simulation to the targets"},
                {"parameter", T, "free parameter ([[calibrate.free]] name)"},
                {"value", R, "the parameter's value in the particle"}}});
  v.push_back({"abc_summary",
               "`pdlab calibrate --method abc --summary`: prior and weighted posterior of each "
               "free parameter.",
               {{"parameter", T, "free parameter"},
                {"prior_lo", R, "lower bound of the uniform prior"},
                {"prior_hi", R, "upper bound of the uniform prior"},
                {"prior_sd", R, "prior standard deviation, (hi - lo) / sqrt(12)"},
                {"mean", R, "posterior mean"},
                {"sd", R, "posterior standard deviation"},
                {"q05", R, "posterior 5% quantile"},
                {"q50", R, "posterior median"},
                {"q95", R, "posterior 95% quantile"},
                {"generations", I, "generations run, the prior's included"},
                {"epsilon", R, "tolerance of the last generation"},
                {"ess", R, "effective sample size of the last generation"}}});
  v.push_back({"abc_predictive",
               "`pdlab calibrate --method abc --report`: posterior predictive band of each "
               "target (simulations at draws from the posterior).",
               {{"target", T, "target label"},
                {"metric", T, "governance metric (empty: adoption share)"},
                {"policy_id", T, "policy (adoption shares)"},
                {"level", T, "level"},
                {"region", T, "region of the target"},
                {"period", I, "period"},
                {"date", T, "calendar label"},
                {"observed", R, "target value"},
                {"mean", R, "predictive mean"},
                {"q05", R, "predictive 5% quantile"},
                {"q50", R, "predictive median"},
                {"q95", R, "predictive 95% quantile"},
                {"draws", I, "predictive draws with a defined value"}}});
  // --- `pdlab cases` (OUT_DIR/comparison.csv, OUT_DIR/held_out.csv; docs/cases.md) ---
  v.push_back(
      {"cases_comparison",
       "`pdlab cases`: comparison.csv, one row per case. Means over the case's replicates; "
       "communities are the governance layer's community level (else the deepest level), "
       "counted as they exist in each period (docs/model.md 7.13). Empty where the case has no "
       "such outcome (a module off).",
       {{"case", T, "the case's scenario name"},
        {"root", T, "id of the hierarchy's root unit"},
        {"policy", T,
         "the policy whose adoption first_adoption, communities_adopted_end and the years to "
         "half measure: the scenario's governance policy, or its first (Chengdu's is "
         "village_funds, not the councils it piloted first)"},
        {"units", I,
         "units of every level existing in the last period (restructuring removes some: "
         "Guiyang's hierarchy has 2,346 units over the horizon, 1,786 at its end)"},
        {"communities", I, "communities existing in the last period"},
        {"replicates", I, "replicates"},
        {"first_adoption", T, "date of the first adoption (mean period over the replicates)"},
        {"communities_adopted_end", R, "share of the communities adopted in the last period"},
        {"years_to_half_of_communities", R,
         "years from the first adoption until half of the existing communities have adopted; "
         "a replicate that never gets there counts the horizon"},
        {"years_to_half_capped", R,
         "share of replicates that never reach half (their years are capped at the horizon)"},
        {"participation_local", R, "locals' participation, mean over the last year"},
        {"participation_migrant", R, "migrants' participation, mean over the last year"},
        {"participation_target", R, "the state's participation target, mean over the last year"},
        {"depth", R, "implementation depth, mean over the last year"},
        {"coverage", R, "share of service demand covered, mean over the last year"},
        {"incidents_per_10k_year", R,
         "incidents per 10,000 residents a year in the local governments, mean over the last "
         "year"},
        {"cost_per_10k_year", R,
         "stability work (control, compensation, root causes) and contracted services, yuan per "
         "10,000 residents a year, mean over the horizon"},
        {"escalated_to_top_per_10k_year", R,
         "pressure escalated from below and received by the case's root unit, per 10,000 "
         "residents a year, mean over the horizon"},
        {"horizon_end", T, "date of the last period"}}});
  v.push_back(
      {"cases_held_out",
       "`pdlab cases`: held_out.csv, the facts of scenarios/cases/held_out.csv checked against "
       "the model (docs/cases.md, held-out facts); only those of status held_out are evidence.",
       {{"case", T, "case"},
        {"fact", T, "the fact, in words"},
        {"statistic", T,
         "what is measured: fund_spending, schools, adopters_before, share_adopted or migrants"},
        {"date", T, "date, or FROM..TO for a span"},
        {"observed", R, "the source's value"},
        {"tolerance", R, "how far the model's mean may be from it, in the fact's unit"},
        {"replicates", I, "replicates with a value"},
        {"mean", R, "model mean"},
        {"q05", R, "model 5% quantile"},
        {"q95", R, "model 95% quantile"},
        {"within", R,
         "share of the replicates whose value is within tolerance of the observed one (a pass "
         "on the mean may hide replicates that miss)"},
        {"pass", T, "pass (|mean - observed| <= tolerance) or miss"},
        {"expected", T, "pass or miss, as the facts file says the model does"},
        {"status", T,
         "held_out (no input uses the fact: evidence), tuned_after_miss (an input was set after "
         "it missed: checked, not evidence) or data_check (it checks the inputs' data under the "
         "model, not its behaviour)"},
        {"source", T, "where the fact comes from"}}});
  return v;
}

const char* type_name(ColumnType t) {
  switch (t) {
    case ColumnType::text: return "text";
    case ColumnType::integer: return "integer";
    case ColumnType::real: return "real";
  }
  return "text";
}

}  // namespace

const std::vector<TableSchema>& table_schemas() {
  static const std::vector<TableSchema> v = build();
  return v;
}

const TableSchema& table_schema(std::string_view name) {
  for (const auto& s : table_schemas()) {
    if (s.name == name) {
      return s;
    }
  }
  throw Error(ErrorKind::internal, fmt::format("no table schema '{}'", name));
}

std::string outputs_markdown() {
  std::string o =
      "# Output tables\n\n"
      "Generated from pdlab's table registry (`pdlab_paramdoc --outputs`); do not edit.\n"
      "A study file (`pdlab run`) holds the first group; the estimation and comparison "
      "commands write one table each, as CSV (`--out FILE.csv`) or, for `--out FILE.sqlite` "
      "(also `.sqlite3`, `.db`, in any case), as SQLite with the same columns and types; `--out "
      "-` writes CSV to standard output, and any other name (`.txt`, `.xlsx`, none) is refused "
      "before any work. Ids are always text; empty CSV fields are SQLite NULLs.\n";
  for (const auto& s : table_schemas()) {
    o += fmt::format("\n## {}\n\n{}\n\n| column | type | meaning |\n|---|---|---|\n", s.name,
                     s.meaning);
    for (const auto& c : s.columns) {
      o += fmt::format("| {} | {} | {} |\n", c.name, type_name(c.type), c.meaning);
    }
  }
  return o;
}

}  // namespace pdlab::io
