// `pdlab run`: a thin client of study::run_study.
#include "cli/common.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct RunOptions {
  std::string scenario, out;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
  bool resume = false;
  std::string command_line;  // stored with the study
};

void add_options(CLI::App& sub, RunOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML file")->required();
  sub.add_option("--out,-o", o.out, "Results file (.sqlite)")->required();
  add_sets(sub, o.sets, "Override a scenario key: --set vertical.attenuation=0.3 (repeatable)");
  add_seed(sub, o.run, "Master seed (overrides run.seed)");
  add_replicates(sub, o.run, "Number of replicates (overrides run.replicates)");
  add_threads(sub, o.run, "Threads, 0 = all cores (overrides run.threads)");
  add_force(sub, o.force);
  sub.add_flag("--resume", o.resume,
               "Finish an interrupted run: keep the replicates already in OUT.partial");
}

int run(const RunOptions& o) {
  const auto study = study::prepare_study(o.scenario, with_overrides(o.sets, o.run));
  const auto& h = *study.inputs.hierarchy;
  const auto& sc = study.model->scenario();
  const auto levels = level_counts(h);
  print_warnings(*study.model);
  fmt::print(stderr, "pdlab: {} units ({}), {} periods, {} replicates\n", h.size(), levels,
             sc.calendar.periods, sc.replicates);
  const auto rep =
      study::run_study(study, o.out, o.force, o.resume, o.command_line, progress_bar());
  if (rep.resumed_replicates > 0) {
    fmt::print(stderr, "pdlab: resumed: {} of {} replicates were already written\n",
               rep.resumed_replicates, rep.replicates);
  }
  fmt::print(stderr, "pdlab: simulated in {:.2f} s, wrote {} in {:.2f} s ({} adoptions)\n",
             rep.seconds_simulate, o.out, rep.seconds_write, rep.adoptions);
  fmt::print("{}\n", o.out);
  return EX_OK;
}

}  // namespace

void register_run(CLI::App& app, Commands& cmds, const std::string& command_line) {
  auto o = std::make_shared<RunOptions>();
  o->command_line = command_line;
  auto* sub = app.add_subcommand("run", "Run a scenario and write results to a SQLite file");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
