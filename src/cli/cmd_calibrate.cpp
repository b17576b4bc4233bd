// `pdlab calibrate`: a thin client of study::calibrate_scenario: run it, print each start and
// the fit, write the fitted scenario and the fit table.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/study/calibrate_study.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <sysexits.h>
#include <chrono>
#include <filesystem>
#include <memory>

namespace pdlab::cli {

namespace {

struct CalibrateOptions {
  std::string scenario, targets_path, out, report;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
};

void add_options(CLI::App& sub, CalibrateOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML with [[calibrate.free]] tables")
      ->required();
  sub.add_option("--targets", o.targets_path,
                 "Targets CSV: level,date,share and optionally policy_id,region,weight")
      ->required();
  sub.add_option("--out,-o", o.out, "Write the calibrated scenario (TOML)");
  sub.add_option("--report", o.report, "Write the fit table (.csv or .sqlite)");
  add_sets(sub, o.sets);
  add_seed(sub, o.run, "Master seed");
  add_threads(sub, o.run, "Threads, 0 = all cores");
  add_force(sub, o.force, "Replace output files if they exist");
}

// Each start as it finishes, after a header before the first.
void print_start(const study::CalibrateResult& r, bool& header) {
  if (!header) {
    fmt::print(
        "Calibrating {} free parameter(s) to {} target(s): {} start(s), {} replicates per "
        "evaluation\n",
        r.free.size(), r.targets.size(), r.planned_starts, r.replicates_per_evaluation);
    header = true;
  }
  const auto& st = r.starts.back();
  std::string shown;
  for (std::size_t i = 0; i < r.free.size(); ++i) {
    shown += fmt::format("{}{} = {:.4f}", i ? ", " : "", r.free[i].name, st.x[i]);
  }
  fmt::print(
      "  start {} (seed {}): {}; objective {:.3g} ({} evaluations{}), on validation "
      "replicates {:.3g}\n",
      r.starts.size(), st.seed, shown, st.search.value, st.search.evaluations,
      st.search.converged ? "" : ", not converged", st.validation_objective);
}

int run(const CalibrateOptions& o) {
  const auto sets = with_overrides(o.sets, o.run);
  if (!o.out.empty()) {
    io::check_output_path(o.out, o.force);
  }
  if (!o.report.empty()) {
    io::check_output_path(o.report, o.force);
  }
  if (!o.out.empty() && !o.report.empty()) {
    std::error_code ec;
    const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(o.out), ec);
    const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(o.report), ec);
    if (a == b) {
      fail(ErrorKind::usage, {"", 0, "--report", o.report}, "--out and --report name the same file",
           "give the report its own file name");
    }
  }
  const study::CalibrateSpec spec{o.scenario, sets, o.targets_path};
  bool header = false;
  // On a terminal, a line that follows the search of each start, evaluation by evaluation.
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  std::function<void(const study::CalibrateProgress&)> on_evaluation;
  if (tty) {
    on_evaluation = [&](const study::CalibrateProgress& p) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      fmt::print(
          stderr, "\r  start {}/{}: {} of at most {} evaluations, best {:.3g}, {} elapsed\x1b[K",
          p.start + 1, p.starts, p.evaluations, p.max_evaluations, p.best, clock_text(elapsed));
    };
  }
  const auto res = study::calibrate_scenario(
      spec,
      [&](const study::CalibrateResult& r) {
        if (tty) {
          fmt::print(stderr, "\r\x1b[K");
        }
        print_start(r, header);
      },
      on_evaluation);
  fmt::print("Fit on {} validation replicates (seed {}):\n", res.validation_replicates,
             res.validation_seed);
  fmt::print("  {:<36} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "target", "target", "sim mean", "sim q05",
             "sim q95", "error");
  for (const auto& r : res.fit) {
    fmt::print("  {:<36} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>+8.3f}\n", r.target.label,
               r.target.share, r.mean, r.q05, r.q95, r.mean - r.target.share);
  }
  if (!o.out.empty()) {
    const auto text = study::fitted_scenario_toml(spec, res, o.out);
    io::write_text_file(o.out, o.force, [&](std::ostream& s) { s << text; });
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  if (!o.report.empty()) {
    io::write_table(o.report, o.force, io::table_schema("calibration"),
                    [&](io::TableWriter& w) { study::write_calibration(res, w); });
    fmt::print(stderr, "wrote {}\n", o.report);
  }
  return EX_OK;
}

}  // namespace

void register_calibrate(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CalibrateOptions>();
  auto* sub = app.add_subcommand(
      "calibrate", "Fit a scenario's [[calibrate.free]] parameters to roll-out targets");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
