// `pdlab validate`: read a scenario and its inputs, compile the model, run nothing.
#include "cli/common.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct ValidateOptions {
  std::string scenario;
  std::vector<std::string> sets;
};

void add_options(CLI::App& sub, ValidateOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML file")->required();
  add_sets(sub, o.sets);
}

int run(const ValidateOptions& o) {
  const auto study = study::prepare_study(o.scenario, o.sets);
  const auto& h = *study.inputs.hierarchy;
  const auto& sc = study.model->scenario();
  const auto levels = level_counts(h);
  print_warnings(*study.model);
  fmt::print("{}: valid. {} units ({}), {} extra peer edges", o.scenario, h.size(), levels,
             study.inputs.network->n_edges());
  if (study.inputs.network->dropped() > 0) {
    fmt::print(" ({} outside the subtree dropped)", study.inputs.network->dropped());
  }
  fmt::print("; {} policies, {} events, {} periods, {} replicates.\n", sc.policies.size(),
             sc.events.size(), sc.calendar.periods, sc.replicates);
  return EX_OK;
}

}  // namespace

void register_validate(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check a scenario and its inputs without running");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
