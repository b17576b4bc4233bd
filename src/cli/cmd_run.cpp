// `pdlab run`: a thin client of study::run_study.
#include "cli/common.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/study/plan.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <filesystem>
#include <memory>
#include <optional>

namespace pdlab::cli {

namespace {

struct RunOptions {
  std::string scenario, out;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
  bool resume = false;
  bool no_estimate_check = false;
  bool estimate_only = false;
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
               "Finish an interrupted run: keep the replicates already in OUT.partial (or, "
               "after a run on MPI ranks, in OUT.shards/, with any number of ranks)");
  sub.add_flag("--no-estimate-check", o.no_estimate_check,
               "Run even when the up-front estimate says the output or the memory will not fit");
  sub.add_flag("--estimate-only", o.estimate_only,
               "Print the estimate of disk and memory and what is available, then stop "
               "(writes nothing); exits as the run would be refused (73) when it would not fit");
}

// The estimate (one pilot replicate) and what the machine offers, printed before anything is
// written: a study that cannot fit is refused now, not after hours of simulating.
void print_estimate(const study::StudyEstimate& est, const study::Available& avail) {
  const auto b = [](std::uint64_t x) { return study::format_bytes(x); };
  const auto opt = [&](const std::optional<std::uint64_t>& x, const char* none) {
    return x ? b(*x) : std::string(none);
  };
  // On --resume the room still needed leaves out what the partial file already holds.
  const std::string writing =
      est.partial_bytes > 0
          ? fmt::format("{} more at most while writing, beside the {} already written",
                        b(est.peak_disk_bytes), b(est.partial_bytes))
          : fmt::format("{} at most while writing", b(est.peak_disk_bytes));
  fmt::print(stderr,
             "pdlab: estimate: {} on disk ({}; {} adoption rows a replicate), {} more memory "
             "than the {} in use (threads at once: {}, replicates in flight: {})\n",
             b(est.file_bytes), writing, est.adoption_rows, b(est.extra_memory),
             b(est.memory_in_use), est.threads, est.in_flight);
  fmt::print(stderr,
             "pdlab: available: {} free on disk, file-size limit {}, {} memory, address-space "
             "room {}\n",
             opt(avail.disk, "unknown"), opt(avail.file_size, "none"), opt(avail.memory, "unknown"),
             opt(avail.address_space, "unlimited"));
}

int run(const RunOptions& o) {
  study::RunPlan plan;
  plan.scenario = o.scenario;
  plan.overrides = with_overrides(o.sets, o.run);
  plan.out = o.out;
  plan.force = o.force;
  plan.resume = o.resume;
  plan.check_estimate = !o.no_estimate_check;
  plan.estimate_only = o.estimate_only;
  plan.command_line = o.command_line;
  study::RunHooks hooks;
  hooks.on_prepared = [](const study::PreparedStudy& study) {
    const auto& h = *study.inputs.hierarchy;
    const auto& sc = study.model->scenario();
    print_warnings(*study.model);
    fmt::print(stderr, "pdlab: {} units ({}), {} periods, {} replicates\n", h.size(),
               level_counts(h), sc.calendar.periods, sc.replicates);
    note_few_replicates(static_cast<int>(sc.replicates), "q05 and q95 columns of the results");
  };
  hooks.on_estimate = print_estimate;
  hooks.progress = progress_bar();
  const auto& ctx = dist::Context::current();
  const auto res = dist::run_needs_shards(ctx, plan) ? dist::run_plan_across(ctx, plan, hooks)
                                                     : study::run_plan(plan, hooks);
  if (!res.ran || !ctx.root()) {
    return EX_OK;
  }
  const auto& rep = res.report;
  if (rep.resumed_replicates > 0) {
    fmt::print(stderr, "pdlab: resumed: {} of {} replicates were already written\n",
               rep.resumed_replicates, rep.replicates);
  } else if (o.resume) {
    // Not an error (a script may always pass --resume), but not silent either: a mistyped
    // --out would otherwise look like a finished resume.
    fmt::print(stderr,
               "pdlab: --resume found no replicate of an interrupted run ({}.partial, "
               "{}.shards/): all {} replicates were simulated now\n",
               o.out, o.out, rep.replicates);
  }
  std::error_code size_ec;
  const auto bytes = std::filesystem::file_size(o.out, size_ec);
  // (after --resume the count is of the replicates simulated now, not of the whole file)
  // (with output.adoptions_max_level, only the levels down to it are written and counted)
  const std::string counted =
      rep.adoptions_down_to.empty()
          ? fmt::format("{} adoptions", rep.adoptions)
          : fmt::format(
                "{} adoptions written, at the levels down to {} "
                "(output.adoptions_max_level; summary_time counts every level)",
                rep.adoptions, rep.adoptions_down_to);
  const std::string adoptions = rep.resumed_replicates > 0
                                    ? fmt::format("{} in the {} replicates simulated now", counted,
                                                  rep.replicates - rep.resumed_replicates)
                                    : counted;
  fmt::print(stderr, "pdlab: simulated in {:.2f} s, wrote {} ({}, estimated {}) in {:.2f} s ({})\n",
             rep.seconds_simulate, o.out, size_ec ? "?" : study::format_bytes(bytes),
             study::format_bytes(res.estimate.file_bytes), rep.seconds_write, adoptions);
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
