// `pdlab calibrate`: a thin client of study::calibrate_scenario: run it, print each start and
// the fit, write the fitted scenario and the fit table.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/abc_study.hpp"
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
  std::string scenario, targets_path, out, report, method = "nlopt", posterior, summary;
  study::AbcSpec abc;
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
  bool checkpoint = false;
  bool resume = false;
};

void add_options(CLI::App& sub, CalibrateOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML with [[calibrate.free]] tables")
      ->required();
  sub.add_option("--targets", o.targets_path,
                 "Targets CSV: level,date,share (or value) and optionally policy_id,region,"
                 "weight,metric (a governance metric)")
      ->required();
  sub.add_option("--method", o.method,
                 "nlopt: point fit (Nelder-Mead); abc: posterior sample by ABC-SMC")
      ->check(CLI::IsMember({"nlopt", "abc"}))
      ->capture_default_str();
  sub.add_option("--out,-o", o.out,
                 "Write the calibrated scenario (TOML; abc: at the posterior mean)");
  sub.add_option("--report", o.report,
                 "Write the fit table (abc: posterior predictive bands) (.csv or .sqlite)");
  sub.add_option("--posterior", o.posterior, "abc: write the posterior sample (.csv or .sqlite)");
  sub.add_option("--summary", o.summary, "abc: write the posterior summary (.csv or .sqlite)");
  sub.add_option("--particles", o.abc.options.particles, "abc: population size")
      ->capture_default_str();
  sub.add_option("--generations", o.abc.options.max_generations,
                 "abc: generations at most, the prior's included")
      ->capture_default_str();
  sub.add_option("--abc-quantile", o.abc.options.quantile,
                 "abc: each tolerance is this quantile of the last generation's distances")
      ->capture_default_str();
  sub.add_option("--min-acceptance", o.abc.options.min_acceptance,
                 "abc: stop when a generation's acceptance rate falls below this")
      ->capture_default_str();
  sub.add_option("--tolerance", o.abc.options.tolerance,
                 "abc: stop once the tolerance is at or below this distance")
      ->capture_default_str();
  sub.add_option("--abc-replicates", o.abc.replicates,
                 "abc: simulations per particle, their target values averaged")
      ->capture_default_str();
  sub.add_option("--draws", o.abc.draws, "abc: posterior predictive simulations")
      ->capture_default_str();
  add_sets(sub, o.sets);
  add_seed(sub, o.run, "Master seed");
  add_threads(sub, o.run, "Threads, 0 = all cores");
  add_force(sub, o.force, "Replace output files if they exist");
  add_shard_options(sub, o.checkpoint, o.resume);
}

// The digest goes to standard error when a table goes to standard output.
std::FILE* digest_stream(const CalibrateOptions& o) {
  return o.report == "-" || o.posterior == "-" || o.summary == "-" ? stderr : stdout;
}

// Each start as it finishes, after a header before the first.
void print_start(const study::CalibrateResult& r, bool& header, std::FILE* text) {
  if (!header) {
    fmt::print(text,
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
  fmt::print(text,
             "  start {} (seed {}): {}; objective {:.3g} ({} evaluations{}), on validation "
             "replicates {:.3g}\n",
             r.starts.size(), st.seed, shown, st.search.value, st.search.evaluations,
             st.search.converged ? "" : ", not converged", st.validation_objective);
}

// Every output is checked before any work, and no two name the same file.
void check_outputs(const CalibrateOptions& o) {
  std::vector<std::pair<std::string, std::string>> outs;
  for (const auto& [flag, path] : {std::pair<std::string, std::string>{"--out", o.out},
                                   {"--report", o.report},
                                   {"--posterior", o.posterior},
                                   {"--summary", o.summary}}) {
    if (path.empty()) {
      continue;
    }
    if (o.method != "abc" && (flag == "--posterior" || flag == "--summary")) {
      fail(ErrorKind::usage, {"", 0, flag, path}, flag + " is an output of ABC calibration",
           "add --method abc, or leave " + flag + " out");
    }
    if (flag != "--out") {  // --out is the fitted scenario (TOML), the others tables
      io::check_table_name(path, flag);
    } else {
      check_scenario_output_name(path, flag);
    }
    if (path != "-") {  // (a table on standard output)
      io::check_output_path(path, o.force, flag);
    }
    std::error_code ec;
    const auto canon = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
    for (const auto& [f2, p2] : outs) {
      if (std::filesystem::weakly_canonical(std::filesystem::absolute(p2), ec) == canon) {
        fail(ErrorKind::usage, {"", 0, flag, path}, f2 + " and " + flag + " name the same file",
             "give each output its own file name");
      }
    }
    outs.emplace_back(flag, path);
  }
}

int run_abc(const CalibrateOptions& o, const study::CalibrateSpec& spec, const dist::Context& ctx) {
  auto abc = o.abc;
  abc.calibrate = spec;
  // Across ranks each batch of particles is shared out and every rank holds every
  // generation; rank 0 prints and writes.
  if (ctx.distributed()) {
    abc.map = dist::batch_map(ctx);
    // The predictive batch is shared out like the particles: refused now, not after every
    // generation has run.
    if (abc.draws > 0 && abc.draws < ctx.size()) {
      fail(ErrorKind::usage, {"", 0, "--draws", std::to_string(abc.draws)},
           fmt::format("{} ranks but only {} posterior predictive draws: a rank would have "
                       "nothing to do in that batch",
                       ctx.size(), abc.draws),
           fmt::format("give --draws {} or more, or run with mpirun -n {} or fewer", ctx.size(),
                       abc.draws));
    }
  }
  std::FILE* text = digest_stream(o);
  bool header = false;
  const auto res = study::abc_calibrate(abc, [&](const AbcGeneration& g) {
    if (!ctx.root()) {
      return;
    }
    if (!header) {
      fmt::print(text,
                 "ABC-SMC: {} particles, tolerance at the {} quantile of the last distances\n",
                 abc.options.particles, abc.options.quantile);
      header = true;
    }
    fmt::print(text,
               "  generation {}: tolerance {:.4g}, {} simulations, acceptance {:.3f}, ESS {:.1f}\n",
               g.index, g.epsilon, g.simulations, g.acceptance, g.ess);
  });
  if (!ctx.root()) {
    return EX_OK;
  }
  fmt::print(text, "Stopped: {}\n", res.abc.stop);
  fmt::print(text, "  {:<24} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "parameter", "prior sd",
             "mean", "sd", "q05", "q50", "q95");
  for (const auto& p : res.parameters) {
    fmt::print(text, "  {:<24} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g}\n",
               p.free.name, p.prior_sd, p.posterior.mean, p.posterior.sd, p.posterior.q05,
               p.posterior.q50, p.posterior.q95);
  }
  fmt::print(text, "Posterior predictive ({} draws):\n", abc.draws);
  fmt::print(text, "  {:<40} {:>9} {:>9} {:>9} {:>9}\n", "target", "observed", "q05", "q50", "q95");
  for (const auto& b : res.predictive) {
    fmt::print(text, "  {:<40} {:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g}\n", b.target.label,
               b.target.share, b.q05, b.q50, b.q95);
  }
  if (!o.out.empty()) {
    const auto toml = study::fitted_scenario_toml(spec, study::abc_point(res), o.out, true);
    io::write_text_file(o.out, o.force, [&](std::ostream& s) { s << toml; });
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  const auto table = [&](const std::string& path, const char* schema, auto writer) {
    if (!path.empty()) {
      io::write_table(path, o.force, io::table_schema(schema),
                      [&](io::TableWriter& w) { writer(res, w); });
      if (path != "-") {
        fmt::print(stderr, "wrote {}\n", path);
      }
    }
  };
  table(o.report, "abc_predictive", study::write_abc_predictive);
  table(o.posterior, "abc_posterior", study::write_abc_posterior);
  table(o.summary, "abc_summary", study::write_abc_summary);
  return EX_OK;
}

// ABC's options with the point fit would be ignored: refused instead.
void check_method_options(const CalibrateOptions& o, const CLI::App& sub) {
  if (o.method == "abc") {
    return;
  }
  for (const char* flag : {"--particles", "--generations", "--abc-quantile", "--min-acceptance",
                           "--tolerance", "--abc-replicates", "--draws"}) {
    if (sub.count(flag) > 0) {
      fail(ErrorKind::usage, {"", 0, flag, ""},
           std::string(flag) + " is an option of ABC calibration",
           std::string("add --method abc, or leave ") + flag + " out");
    }
  }
}

// The point fit's simulations are kept beside its first output (OUT.shards); ABC's are not.
void check_shard_options(const CalibrateOptions& o) {
  const char* flag = o.resume ? "--resume" : "--checkpoint";
  if (!o.checkpoint && !o.resume) {
    return;
  }
  if (o.method == "abc") {
    fail(ErrorKind::usage, {"", 0, flag, ""},
         "ABC-SMC keeps no checkpoint: a killed ABC calibration is run again",
         std::string("leave ") + flag + " out, or use the point fit (--method nlopt)");
  }
  if (o.out.empty() && o.report.empty()) {
    fail(ErrorKind::usage, {"", 0, flag, ""},
         "the simulations are kept beside the output (OUT.shards), but no output is given",
         "add --out FITTED.toml or --report FIT.csv");
  }
  if (o.out.empty() && o.report == "-") {
    fail(ErrorKind::usage, {"", 0, flag, ""},
         "the simulations are kept beside the output (OUT.shards), but the only output is "
         "standard output",
         "add --out FITTED.toml");
  }
}

int run(const CalibrateOptions& o, const CLI::App& sub) {
  const auto sets = with_overrides(o.sets, o.run);
  check_method_options(o, sub);
  check_shard_options(o);
  check_outputs(o);
  const auto& ctx = dist::Context::current();
  // Again once the scenario, its hierarchy and the targets are read: an output that is one
  // of them is refused before the calibration, naming its option; and on more ranks than the
  // point fit's validation replicates, refused now rather than after the search.
  study::CalibrationProvenance provenance{command_line(), o.scenario, "", 0};
  const auto inputs_read = [&o, &ctx, &provenance](const Scenario& sc) {
    check_outputs(o);
    provenance.scenario_name = sc.name;
    provenance.seed = sc.seed;
    // A free key a set event also sets is fitted only before the event's date: said before
    // the calibration runs.
    for (const auto& w : study::free_keys_set_by_events(sc)) {
      if (ctx.root()) {
        fmt::print(stderr, "pdlab: warning: {}\n", w);
      }
    }
    const int validation = sc.calibrate.validation_replicates;
    if (o.method != "abc" && ctx.distributed() && validation < ctx.size()) {
      fail(ErrorKind::usage,
           {o.scenario, 0, "calibrate.validation_replicates", std::to_string(validation)},
           fmt::format("{} ranks but only {} validation replicates: a rank would have nothing "
                       "to do when the fit is validated",
                       ctx.size(), validation),
           fmt::format("set calibrate.validation_replicates to {} or more (--set), or run with "
                       "mpirun -n {} or fewer",
                       ctx.size(), validation));
    }
  };
  const study::CalibrateSpec spec{o.scenario, sets, o.targets_path, inputs_read, {}};
  if (o.method == "abc") {
    return run_abc(o, spec, ctx);
  }
  bool header = false;
  // On a terminal, a line that follows the search of each start, evaluation by evaluation.
  // Every rank takes the same search path; rank 0 prints and writes.
  const bool root = ctx.root();
  const bool tty = root && isatty(STDERR_FILENO) != 0;
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
  // The simulations kept in OUT.shards (always on more than one rank, alone with
  // --checkpoint), so that a killed calibration resumes where it was (--resume).
  const auto& shard_out = o.out.empty() ? o.report : o.out;
  dist::CalibrateCheckpoint checkpoint(
      ctx, {shard_out, o.checkpoint && !shard_out.empty(), o.resume && !shard_out.empty()},
      !shard_out.empty());
  const auto res = study::calibrate_scenario(
      spec,
      [&](const study::CalibrateResult& r) {
        if (tty) {
          fmt::print(stderr, "\r\x1b[K");
        }
        if (root) {
          print_start(r, header, digest_stream(o));
        }
      },
      on_evaluation, ctx.distributed() ? dist::ensemble_runner(ctx) : study::EnsembleRunner{},
      checkpoint.journal());
  if (!root) {
    checkpoint.complete();
    return EX_OK;
  }
  if (checkpoint.resumed() > 0) {
    fmt::print(stderr, "resumed: {} simulations were already done\n", checkpoint.resumed());
  }
  fmt::print(digest_stream(o), "Fit on {} validation replicates (seed {}):\n",
             res.validation_replicates, res.validation_seed);
  fmt::print(digest_stream(o), "  {:<36} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "target", "target",
             "sim mean", "sim q05", "sim q95", "error");
  for (const auto& r : res.fit) {
    fmt::print(digest_stream(o), "  {:<36} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>+8.3f}\n",
               r.target.label, r.target.share, r.mean, r.q05, r.q95, r.mean - r.target.share);
  }
  if (!o.out.empty()) {
    const auto text = study::fitted_scenario_toml(spec, res, o.out);
    io::write_text_file(o.out, o.force, [&](std::ostream& s) { s << text; });
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  if (!o.report.empty()) {
    if (io::sqlite_output(o.report)) {  // (with its provenance, for `pdlab report`)
      study::write_calibration_study(o.report, o.force, res, provenance);
    } else {
      io::write_table(o.report, o.force, io::table_schema("calibration"),
                      [&](io::TableWriter& w) { study::write_calibration(res, w); });
    }
    if (o.report != "-") {
      fmt::print(stderr, "wrote {}\n", o.report);
    }
  }
  checkpoint.complete();
  return EX_OK;
}

}  // namespace

void register_calibrate(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CalibrateOptions>();
  auto* sub = app.add_subcommand(
      "calibrate",
      "Fit a scenario's [[calibrate.free]] parameters to targets: a point fit (NLopt) or a "
      "posterior sample (--method abc)");
  add_options(*sub, *o);
  cmds.push_back({sub, [o, sub] { return run(*o, *sub); }});
}

}  // namespace pdlab::cli
