// The estimation workflows as library functions: a risk set built from a scenario and
// observed adoptions, a discrete-time event-history GLM or a Cox model fitted to a data
// table, a diffusion network inferred from cascades. Inputs are read and checked here (each
// bad value named with its file, line and field); nothing is printed.
#pragma once

#include "pdlab/estimation/cox.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/estimation/netinf.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/study/riskset_inputs.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pdlab::study {

struct RisksetSpec {
  std::string scenario;                     // hierarchy, edges, calendar, exposure parameters
  std::vector<std::string> overrides;       // key=value
  std::string events_path;                  // unit_id,policy_id,time
  std::string covariates_path;              // optional: unit_id,time,variable,value
  std::vector<std::string> static_columns;  // hierarchy attribute columns
  std::string policy;                       // only this policy_id; empty: all, pooled
  std::string level;                        // only units of this level; empty: all
  std::string out;                          // CSV; empty or "-": standard output
  bool force = false;
  std::string terms;                              // formula terms added as columns (trend, log(x))
  std::vector<std::string> inherit;               // --covariates variables inherited downwards
  std::vector<std::string> event_covariates;      // policies whose events become covariates
  std::string edges;                              // replaces the scenario's edge lists
  bool edges_directed = false;                    // --edges is directed (from -> to), not symmetric
  BeforeStart before_start = BeforeStart::error;  // adoptions before the calendar's start
  RiskStart start = RiskStart::calendar;          // when each policy's risk begins
};

struct RisksetReport {
  std::size_t rows = 0;
  std::int64_t events = 0;
  std::size_t policies = 0;
  std::int64_t after_horizon = 0;    // events after the horizon, censored
  std::int64_t outside_subtree = 0;  // events of units outside the subtree, ignored
  std::string year_dates_note;       // io::year_dates_note ("" when every date fits)
  // How the inputs were read where a user should hear of it: ids read as padded codes, a
  // shipped neighbour list's edges kept on a hierarchy file (RisksetInputs::notes).
  std::vector<std::string> input_notes;
  // With a level: the events of units of other levels, by level name. They are no rows; they
  // act through the exposures (a superior's adoption is vertical exposure).
  std::vector<std::pair<std::string, std::int64_t>> other_levels;
  // Without a level: the events by level name (levels with events), and the levels below the
  // root with none, whose rows can never be events.
  std::vector<std::pair<std::string, std::int64_t>> event_levels;
  std::vector<std::string> eventless_levels;
  // With BeforeStart::adopted: the adoptions of the policies at risk dated before the
  // calendar's start (units not at risk of them), the policies they are of, and the start.
  std::int64_t before_start = 0;
  std::vector<std::string> before_start_policies;
  std::string calendar_start;
  // With RiskStart::first_adoption: the policies at risk with no adoption before the horizon,
  // which have no rows.
  std::vector<std::string> unstarted_policies;
};

// Builds the risk set (unit x period rows until adoption) and writes it to `spec.out`.
RisksetReport riskset_study(const RisksetSpec& spec);
// What a user should know of a risk set's events (dates read as years, levels whose rows can
// never be events, events of other levels): one sentence each, as the CLI prints its notes.
std::vector<std::string> riskset_notes(const RisksetReport& r);

// A model fitted to a data table, with the rows dropped for missing values.
template <class Fit>
struct TableFit {
  Fit fit;
  std::int64_t dropped_missing = 0;
};

struct EhaSpec {
  std::string data;     // risk-set CSV
  std::string formula;  // "event ~ vertical + horizontal + factor(policy_id)"
  GlmLink link = GlmLink::cloglog;
  std::string cluster;  // column of cluster ids for robust SEs; empty: none
  std::string offset;   // offset column; empty: none
};
// The response must be 0 or 1 on every row used.
TableFit<GlmFit> eha_study(const EhaSpec& spec);

struct CoxSpec {
  std::string data;     // CSV with start, stop, event and covariates
  std::string formula;  // "Surv(tstart, tstop, event) ~ x + z"
  CoxTies ties = CoxTies::efron;
  std::string strata;   // column defining strata; empty: none
  std::string cluster;  // column of cluster ids for robust SEs; empty: none
};
// Every row must be a non-empty interval (start < stop) with a 0/1 event.
TableFit<CoxFit> cox_study(const CoxSpec& spec);

struct InferSpec {
  std::string cascades;  // unit_id,policy_id,time or node_name,event_time,cascade_id
  std::string nodes;     // optional node list (fixes node ids and tie order)
  Transmission model = Transmission::exponential;
  NetInfFlavour flavour = NetInfFlavour::snap;
  std::optional<double> parameter;  // none: 1, or estimated in the networkinference flavour
  double epsilon = 1e-64;
  std::int64_t max_edges = 0;  // 0: all that improve
  double p_value_cutoff = 0;
};

struct InferResult {
  io::Cascades cascades;
  NetInfResult network;
  double parameter = 0;  // the transmission parameter used
  // What makes the network weak or arbitrary (docs/model.md 7.8): tied event times, too few
  // cascades for the nodes, edges of equal gain; for the user, as warnings.
  std::vector<std::string> warnings;
};

// `on_estimated(parameter)` is called when the parameter was estimated from the cascades;
// `on_edge(edges so far)` as the search goes (NetInfOptions::on_edge; it may throw to stop
// it). Either may be empty.
InferResult infer_study(const InferSpec& spec, const std::function<void(double)>& on_estimated,
                        const std::function<void(std::int64_t)>& on_edge = {});

// The names of the enumerated options, shared by the CLI and the Python module: each
// `*_names()` lists the accepted spellings (for help texts and checks), each `*_from_name`
// maps one to its value or throws a usage error naming `field`, the value and the choices.
const std::vector<std::string>& glm_link_names();
GlmLink glm_link_from_name(const std::string& name, const std::string& field = "link");
const char* glm_link_name(GlmLink link);
const std::vector<std::string>& cox_ties_names();
CoxTies cox_ties_from_name(const std::string& name, const std::string& field = "ties");
const std::vector<std::string>& transmission_names();
Transmission transmission_from_name(const std::string& name, const std::string& field = "model");
const std::vector<std::string>& netinf_flavour_names();
NetInfFlavour netinf_flavour_from_name(const std::string& name,
                                       const std::string& field = "flavour");

// Estimates of a fit that did not converge are not results: throws a data error (saying that
// `out` was not written when it is named) with the usual remedies for separation.
void require_converged(bool converged, const std::string& out = {});

}  // namespace pdlab::study
