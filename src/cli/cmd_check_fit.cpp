// `pdlab check-fit`: a thin client of study::check_fit_study; prints the bands per level.
#include "cli/common.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct CheckFitOptions {
  std::string scenario, events_path, out;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
};

void add_options(CLI::App& sub, CheckFitOptions& o) {
  sub.add_option("scenario", o.scenario, "Fitted scenario TOML (from `pdlab fit`)")->required();
  sub.add_option("--events", o.events_path, "Observed adoption events CSV")->required();
  add_sets(sub, o.sets,
           "Override a scenario key, e.g. --set uncertainty.draw=true to put the estimates' "
           "uncertainty into the bands (repeatable)");
  add_replicates(sub, o.run, "Replicates (overrides run.replicates)");
  add_seed(sub, o.run, "Master seed");
  sub.add_option("--out,-o", o.out, "Comparison table CSV");
  add_force(sub, o.force);
}

int run(const CheckFitOptions& o) {
  if (!o.out.empty()) {
    io::check_output_path(o.out, o.force);
  }
  const auto study = study::prepare_study(o.scenario, with_overrides(o.sets, o.run));
  const auto& sc = study.model->scenario();
  const auto rows = study::check_fit_study(study, o.events_path, progress_bar());
  fmt::print("Observed vs simulated cumulative adoption ({} replicates, 90% bands)\n",
             sc.replicates);
  fmt::print("{:<14} {:>10} {:>10} {:>10} {:>10} {:>10} {:>16}\n", "level", "end", "observed",
             "sim mean", "sim q05", "sim q95", "periods inside");
  for (const auto& c : study::check_by_level(rows)) {
    const auto& r = c.last;
    fmt::print("{:<14} {:>10} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f} {:>10}/{}\n", r.level, r.date,
               r.observed, r.sim_mean, r.sim_q05, r.sim_q95, c.inside, c.periods);
  }
  if (!o.out.empty()) {
    io::write_table(o.out, o.force, io::table_schema("check_fit"),
                    [&](io::TableWriter& w) { study::write_check(rows, w); });
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  return EX_OK;
}

}  // namespace

void register_check_fit(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CheckFitOptions>();
  auto* sub = app.add_subcommand(
      "check-fit", "Simulate a fitted scenario and compare adoption curves with the events");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
