// What `pdlab riskset` and `pdlab fit` read, in one place so that their options mean the same:
// the scenario (hierarchy, edges, calendar, exposure weights), the events, the long
// time-varying covariates file (--covariates), hierarchy columns (--static), covariates that
// subordinates inherit from their superiors (--inherit), other policies' events used as
// covariates (--event-covariate), an edge list replacing the scenario's (--edges), and the
// level at risk (--level). Also the risk set as a table that the formula code (io::build_design)
// reads, with a time trend and the level intercepts.
#pragma once

#include "pdlab/estimation/riskset.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <map>
#include <string>
#include <vector>

namespace pdlab::study {

// What an adoption dated before the calendar's start means (--before-start).
enum class BeforeStart : std::uint8_t {
  error,    // refused, with the fixes (the default)
  adopted,  // the unit had adopted when the calendar begins: never at risk of the policy, an
            // adopter in the exposures of the others from period 0 (left-truncated)
};
// When each policy's risk begins (--start).
enum class RiskStart : std::uint8_t {
  calendar,        // at the calendar's start (or the scenario's [[policy]] from)
  first_adoption,  // at the policy's first adoption in the events (or its from, if later)
};
// The spellings of the options' values ("error", "adopted"; "calendar", "first-adoption") and
// the values of a name; an unknown name is a usage error naming `field` and the choices.
const std::vector<std::string>& before_start_names();
BeforeStart before_start_from_name(const std::string& name,
                                   const std::string& field = "--before-start");
const std::vector<std::string>& risk_start_names();
RiskStart risk_start_from_name(const std::string& name, const std::string& field = "--start");

struct RisksetInputSpec {
  std::string scenario;
  std::vector<std::string> overrides;         // key=value
  std::string events_path;                    // unit_id,policy_id,time
  std::string covariates_path;                // optional long CSV: unit_id,time,variable,value
  std::vector<std::string> static_columns;    // hierarchy attribute columns
  std::vector<std::string> inherit;           // --covariates variables subordinates inherit
  std::vector<std::string> event_covariates;  // policy_ids whose events become covariates
  std::string edges;                          // replaces the scenario's edge lists; empty: keep
  std::string level;                          // only units of this level; empty: all
  std::string policy;                         // only this policy_id; empty: all
  // --edges as a directed list: a row from,to is one edge (from's adoption exposes to); else
  // each row stands for both directions.
  bool edges_directed = false;
  BeforeStart before_start = BeforeStart::error;
  RiskStart start = RiskStart::calendar;
  // Whether the refusal of an adoption before the start offers --before-start adopted (`pdlab
  // fit` has no such option: its fitted scenario could not start with those units adopted).
  bool offer_before_start = true;
};

struct RisksetInputs {
  io::LoadedScenario loaded;
  io::Inputs inputs;
  io::EventsFile events;
  RiskSetOptions options;
  std::vector<TimeVaryingCovariate> time_varying;  // --covariates, then event covariates
  std::vector<std::int32_t> policies;              // the events' policies at risk
  // Where each covariate column came from (hierarchy file, covariates file, events file).
  std::map<std::string, std::string> source;
  // How the inputs were read, to be said: the edge lists' notes (a shipped list on a hierarchy
  // file), and ids of the events or covariates read as China's codes padded with zeros.
  std::vector<std::string> notes;
};

// Reads and checks everything. Errors: an unknown --static column, --inherit variable or
// --policy / --event-covariate policy (with the nearest ids); an edge list none of whose units
// is at the level at risk (its neighbour exposure would be 0 for every row); --covariates given
// a list of hierarchy columns (its meaning before 0.x in `pdlab fit`; now --static); an
// adoption before the calendar's start under BeforeStart::error. With --policy, only that
// policy's rows (and the --event-covariate ones) of the events are read. The scenario's pilot
// settings (promotion.pilot_rule's columns) are not checked: no risk set uses them.
RisksetInputs read_riskset_inputs(const RisksetInputSpec& spec);

// The index of numeric hierarchy column `name` (a --static covariate); an unknown name is a
// usage error that says whether it is a text column, suggests the nearest numeric one and
// lists them, naming `file`, the hierarchy's source.
int static_column(const Hierarchy& h, const std::string& name, const std::string& file);

// The name of the covariate made from policy `policy_id`'s events: "adopted.<policy_id>".
std::string event_covariate_name(const std::string& policy_id);

// The columns every risk set table has beside the event, the level intercepts and the
// covariates: trend, vertical, horizontal, bottom_up.
const std::vector<std::string>& riskset_exposure_columns();

// The risk set as a numeric table for io::build_design: event, trend (the period number,
// 0 at the calendar's start), vertical, horizontal, bottom_up, alpha.<level> (1 for the
// rows of that level) and the covariates; line r + 2 is row r (as `pdlab riskset` writes it).
io::DataTable riskset_table(const RiskSet& rs, const Hierarchy& h, const std::string& label);

// Checks a formula's right-hand side against the table: every column exists (else a usage
// error naming the option and listing the columns), no factor() (when `factors` is false),
// and log() only of positive values (else a data error naming the unit, its date, the value and
// the column's source file).
void check_terms(const io::Formula& f, const io::DataTable& table, const RiskSet& rs,
                 const Hierarchy& h, const Calendar& cal,
                 const std::map<std::string, std::string>& source, const std::string& option,
                 bool factors);

// An events file's policy ids for a message about `id`, which it lacks: all of them when
// they are few, else their count and the 10 nearest to `id` (a file of 728 policies is not one
// line of 25 KB).
std::string policy_ids_listed(const std::string& id, const std::vector<std::string>& ids);

// The values of numeric formula terms on every row of the table (NaN where a part is
// missing), for `pdlab riskset --terms`.
std::vector<double> term_values(const io::DataTable& table, const std::string& term);

}  // namespace pdlab::study
