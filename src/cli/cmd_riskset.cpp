// `pdlab riskset`: a thin client of study::riskset_study.
#include "cli/common.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct RisksetOptions {
  std::string scenario, events_path, covariates_path, policy, level, out;
  std::vector<std::string> static_columns, sets;
  bool force = false;
};

void add_options(CLI::App& sub, RisksetOptions& o) {
  sub.add_option("scenario", o.scenario,
                 "Scenario TOML: hierarchy, edges, calendar and exposure parameters")
      ->required();
  sub.add_option("--events", o.events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  sub.add_option("--covariates", o.covariates_path,
                 "Time-varying covariates CSV: unit_id,time,variable,value");
  sub.add_option("--static", o.static_columns, "Hierarchy attribute columns to include")
      ->delimiter(',');
  sub.add_option("--policy", o.policy, "Only this policy (default: all, pooled)");
  sub.add_option("--level", o.level, "Only units of this level (default: all levels)");
  sub.add_option("--out,-o", o.out, "Output CSV (default: standard output)");
  add_sets(sub, o.sets);
  add_force(sub, o.force);
}

int run(const RisksetOptions& o) {
  check_table_output(o.out, o.force);
  const auto r = study::riskset_study({o.scenario, o.sets, o.events_path, o.covariates_path,
                                       o.static_columns, o.policy, o.level, o.out, o.force});
  fmt::print(
      stderr, "pdlab: risk set of {} rows, {} events, {} policies{}{}\n", r.rows, r.events,
      r.policies,
      r.after_horizon ? fmt::format("; {} events after the horizon are censored", r.after_horizon)
                      : "",
      r.outside_subtree ? fmt::format("; {} events outside the subtree ignored", r.outside_subtree)
                        : "");
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
