// `pdlab calibrate`: a thin client of io::calibrate_scenario (src/io/calibrate_study.hpp):
// run it, print each start and the fit, write the fitted scenario and the fit table.
#include "cli/commands.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/study/calibrate_study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <filesystem>

namespace pdlab::cli {

int cmd_calibrate(Args& args) {
  add_run_overrides(args);
  if (!args.out.empty()) {
    io::check_output_path(args.out, args.force);
  }
  if (!args.check_out.empty()) {
    io::check_output_path(args.check_out, args.force);
  }
  if (!args.out.empty() && !args.check_out.empty()) {
    std::error_code ec;
    const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(args.out), ec);
    const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(args.check_out), ec);
    if (a == b) {
      fail(ErrorKind::usage, {"", 0, "--report", args.check_out},
           "--out and --report name the same file", "give the report its own file name");
    }
  }
  const io::CalibrateSpec spec{args.scenario, args.sets, args.targets_path};
  bool header = false;
  const auto res = io::calibrate_scenario(spec, [&](const io::CalibrateResult& r) {
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
  });
  fmt::print("Fit on {} validation replicates (seed {}):\n", res.validation_replicates,
             res.validation_seed);
  fmt::print("  {:<36} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "target", "target", "sim mean", "sim q05",
             "sim q95", "error");
  for (const auto& r : res.fit) {
    fmt::print("  {:<36} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>+8.3f}\n", r.target.label,
               r.target.share, r.mean, r.q05, r.q95, r.mean - r.target.share);
  }
  if (!args.out.empty()) {
    const auto text = io::fitted_scenario_toml(spec, res, args.out);
    io::write_text_file(args.out, args.force, [&](std::ostream& o) { o << text; });
    fmt::print(stderr, "wrote {}\n", args.out);
  }
  if (!args.check_out.empty()) {
    io::write_table(args.check_out, args.force, io::table_schema("calibration"),
                    [&](io::TableWriter& w) {
                      for (const auto& r : res.fit) {
                        w.text(r.target.label)
                            .text(r.policy_id)
                            .text(r.level)
                            .text(r.region)
                            .integer(r.target.period)
                            .text(r.date)
                            .real(r.target.share)
                            .real(r.mean)
                            .real(r.q05)
                            .real(r.q95)
                            .real(r.mean - r.target.share)
                            .end_row();
                      }
                    });
    fmt::print(stderr, "wrote {}\n", args.check_out);
  }
  return EX_OK;
}

}  // namespace pdlab::cli
