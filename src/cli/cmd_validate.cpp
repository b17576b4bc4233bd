// `pdlab validate`: read a scenario and its inputs, compile the model, run nothing.
#include "cli/common.hpp"
#include "pdlab/study/sensitivity_study.hpp"
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
  study::scenario_factors(o.scenario, sc);  // as `pdlab sensitivity` would read them
  print_warnings(*study.model);
  fmt::print("{}: valid. {} units ({}), {} extra peer edges", o.scenario, h.size(), levels,
             study.inputs.network->n_edges());
  if (study.inputs.network->dropped() > 0) {
    fmt::print(" ({} outside the subtree dropped)", study.inputs.network->dropped());
  }
  const auto plural = [](std::size_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
  };
  fmt::print("; {}, {}, {} periods, {}.\n", plural(sc.policies.size(), "policy", "policies"),
             plural(sc.events.size(), "event", "events"), sc.calendar.periods,
             plural(static_cast<std::size_t>(sc.replicates), "replicate", "replicates"));
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
