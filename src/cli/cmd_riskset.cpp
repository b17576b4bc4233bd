// `pdlab riskset`: a thin client of study::riskset_study.
#include "cli/common.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct RisksetOptions {
  std::string scenario, events_path, covariates_path, terms, edges, policy, level, out;
  std::vector<std::string> static_columns, inherit, event_covariates, sets;
  std::string before_start = "error", start = "calendar";
  bool force = false;
  bool edges_directed = false;
};

void add_options(CLI::App& sub, RisksetOptions& o) {
  sub.add_option("scenario", o.scenario,
                 "Scenario TOML: hierarchy, edges, calendar and exposure parameters")
      ->required();
  sub.add_option("--events", o.events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  add_riskset_inputs(sub, o.covariates_path, o.static_columns, o.inherit, o.event_covariates,
                     o.edges, o.edges_directed, o.terms);
  sub.add_option("--policy", o.policy,
                 "Only this policy (default: all, pooled); the other policies' rows of the "
                 "events file are not read");
  sub.add_option("--level", o.level, "Only units of this level (default: all levels)");
  sub.add_option("--before-start", o.before_start,
                 "An adoption dated before the calendar's start: an error (error), or the unit "
                 "had adopted when the calendar begins (adopted): never at risk of that policy, "
                 "an adopter in the others' exposures from the start, and counted in a note. "
                 "Deleting such events instead would make those units never-adopters")
      ->check(CLI::IsMember(study::before_start_names()))
      ->capture_default_str();
  sub.add_option("--start", o.start,
                 "When each policy's risk begins: at the calendar's start (calendar), or at the "
                 "policy's first adoption in the events (first-adoption: no rows before it, and "
                 "duration counts from 1 there), for pooled policies invented at different times")
      ->check(CLI::IsMember(study::risk_start_names()))
      ->capture_default_str();
  sub.add_option("--out,-o", o.out, "Output CSV (default: standard output)");
  add_sets(sub, o.sets);
  add_force(sub, o.force);
}

int run(const RisksetOptions& o) {
  note_inputs({o.scenario, o.events_path, o.covariates_path, o.edges});
  check_table_output(o.out, o.force);
  study::RisksetSpec spec;
  spec.scenario = o.scenario;
  spec.overrides = o.sets;
  spec.events_path = o.events_path;
  spec.covariates_path = o.covariates_path;
  spec.static_columns = o.static_columns;
  spec.policy = o.policy;
  spec.level = o.level;
  spec.out = o.out;
  spec.force = o.force;
  spec.terms = o.terms;
  spec.inherit = o.inherit;
  spec.event_covariates = o.event_covariates;
  spec.edges = o.edges;
  spec.edges_directed = o.edges_directed;
  spec.before_start = study::before_start_from_name(o.before_start);
  spec.start = study::risk_start_from_name(o.start);
  const auto r = study::riskset_study(spec);
  fmt::print(
      stderr, "pdlab: risk set of {} rows, {} events, {} polic{}{}{}\n", r.rows, r.events,
      r.policies, r.policies == 1 ? "y" : "ies",
      r.after_horizon ? fmt::format("; {} events after the horizon are censored", r.after_horizon)
                      : "",
      r.outside_subtree ? fmt::format("; {} events outside the subtree ignored", r.outside_subtree)
                        : "");
  for (const auto& note : study::riskset_notes(r)) {
    fmt::print(stderr, "pdlab: note: {}\n", note);
  }
  return EX_OK;
}

}  // namespace

void register_riskset(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<RisksetOptions>();
  auto* sub = app.add_subcommand(
      "riskset", "Build a discrete-time risk set (unit x period rows until adoption) as CSV");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
