// Fit, then simulate: estimate the engine's adoption hazard from observed adoptions and write a
// scenario the simulator runs; compare its simulated adoption curves with the observed ones.
#pragma once

#include "pdlab/estimation/glm.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/riskset_inputs.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pdlab::study {

struct FitOptions {
  // The right-hand side of the hazard, as in `pdlab eha` (numeric columns, log(x), a:b, a*b)
  // over the risk set's columns: trend (the period number), vertical, horizontal, bottom_up,
  // the --static columns, the --covariates variables and the --event-covariate indicators.
  // Empty: vertical + horizontal + bottom_up + every covariate. One intercept per level at
  // risk is always in.
  std::string terms;
  std::vector<std::string> covariates;  // hierarchy columns (the overload without inputs)
  int level = -1;                       // only this level at risk (idem); -1 = all
  GlmLink link = GlmLink::cloglog;
  bool cluster_by_parent = true;  // robust SEs clustered by the unit's parent
  std::string events_path;        // for messages
  // Where the fitted scenario will be written (empty: nowhere): --covariates terms constant
  // within each unit are carried per unit in attributes_path(out), beside it.
  std::string out;
};

struct FitResult {
  GlmFit glm;
  std::string scenario_toml;       // the fitted scenario, ready for `pdlab run`
  std::vector<std::string> notes;  // what was fixed, dropped or approximated, for the user
  // The per-unit values of the terms carried by unit (unit_id,term1,...), which the scenario
  // joins by hierarchy.attributes; empty when there are none. To be written at
  // attributes_path(out) before the scenario.
  std::string attributes_csv;
};
// The file beside a fitted scenario `out` that holds its per-unit terms: fitted.toml ->
// fitted_attributes.csv.
std::string attributes_path(const std::string& out);

// The hazard eta = alpha[level] + terms, with V built from adopting ancestors as endorsements
// (signal 1): the fitted scenario therefore has every superior endorse with
// vertical.endorse = 1, no scripted events but replays, no reversals. Terms
// the engine has are carried exactly (exposures, vertical:horizontal as gamma_vh, plain --static
// columns as beta, --covariates variables constant within each unit as beta on a column of the
// attributes file, trend as the fitted policy's `trend`, time profiles as the policy's `profile`,
// by date where they change); any other term (log(), interactions, time-varying covariates) enters
// the simulation at its mean over the level's risk-set rows, folded into the level's intercept, and
// a note says so and how far that moves the expected adoptions.
FitResult fit_scenario(const RisksetInputs& inputs, const FitOptions& options);
// The same from loaded inputs: the hierarchy columns `options.covariates` (static), units of
// `options.level`, every policy of `events` (which must be one), no time-varying covariates.
FitResult fit_scenario(const io::LoadedScenario& scenario, const io::Inputs& inputs,
                       const io::EventsFile& events, const FitOptions& options);

struct FitSpec {
  RisksetInputSpec inputs;  // scenario, events, --covariates, --static, --inherit, ...
  std::string terms;        // see FitOptions::terms
  GlmLink link = GlmLink::cloglog;
  std::string out;  // where the fitted scenario will go: checked, once the inputs are read
  bool force = false;
  bool cluster_by_parent = true;  // see FitOptions (--cluster parent|none)
};
// The fit workflow: reads the scenario, its inputs and the events, checks `spec.out`, fits.
// Writing the fitted scenario (when the fit converged) is the caller's.
FitResult fit_study(const FitSpec& spec);
// Whether a scenario file was written by `pdlab fit` (its first line says so): check-fit
// notes when it checks a scenario whose hazard was never fitted.
bool written_by_fit(const std::string& scenario_path);

struct CheckRow {
  std::string level;
  std::int32_t period;
  std::string date;
  double observed;  // cumulative share adopted
  double sim_mean, sim_q05, sim_q95;
};
// The events check-fit compares with the model's (first) policy: the rows of `policy` (empty:
// the scenario's policy id; when the scenario leaves its one policy unnamed, the events' only
// policy), read alone, so that it is policy 0. An error naming the file, the ids it holds and
// --policy if it has none of them; a note in `notes` when the file holds other policies.
io::EventsFile read_compared_events(const Model& model, const std::string& events_path,
                                    const std::string& policy, std::vector<std::string>& notes);
// Observed vs simulated cumulative adoption by level and period: the levels with adopters
// whose intercept is finite (a fitted scenario: the levels that were fitted).
std::vector<CheckRow> check_fit(const Model& model, const Summary& summary,
                                const io::EventsFile& events, int policy);
void write_check(const std::vector<CheckRow>& rows, io::TableWriter& w);
// The observed share lies inside the simulated 90% band (to 1e-12).
bool inside_band(const CheckRow& r);

// Per level (in name order): its last row and how many periods the observed share lies
// inside the simulated 90% band.
struct CheckLevel {
  CheckRow last;
  int inside = 0;
  int periods = 0;
};
std::vector<CheckLevel> check_by_level(const std::vector<CheckRow>& rows);

struct PreparedStudy;
struct CheckFitResult {
  std::vector<CheckRow> rows;
  // What the comparison left out of the events (e.g. those of units outside the scenario's
  // subtree), for the user, as `pdlab fit` notes them.
  std::vector<std::string> notes;
};
// The check-fit workflow: simulates the study's replicates and compares cumulative adoption
// by level with the observed events (90% bands).
// `policy`: the events' policy to compare with (empty: the scenario's; read_compared_events).
CheckFitResult check_fit_study(const PreparedStudy& study, const std::string& events_path,
                               const std::function<void(int, int)>& progress,
                               const std::string& policy = "");

// The meta rows of check-fit's .sqlite output, named as compare's (docs/outputs.md): command
// line, scenario file and name, events file, seed, replicates, `train_until` (out of sample
// only) and `intervals`, what the bands (or forecast intervals) cover and whether the
// parameters were fixed or drawn from [uncertainty]. The writer adds version and time.
std::vector<std::pair<std::string, std::string>> check_fit_meta(
    const Scenario& scenario, const std::string& command_line, const std::string& scenario_file,
    const std::string& events_file, int replicates, const std::string& train_until);

}  // namespace pdlab::study
