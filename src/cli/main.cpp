// pdlab command-line interface: a thin client of the core and I/O libraries.
#include "cli/commands.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/study/estimate.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/report.hpp"
#include "pdlab/study/study.hpp"
#include "pdlab/version.hpp"

#include <fmt/core.h>
#include <sqlite3.h>
#include <tbb/version.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <sysexits.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>

namespace {

int exit_code(pdlab::ErrorKind k) {
  using pdlab::ErrorKind;
  switch (k) {
    case ErrorKind::usage: return EX_USAGE;
    case ErrorKind::data: return EX_DATAERR;
    case ErrorKind::no_input: return EX_NOINPUT;
    case ErrorKind::cant_create: return EX_CANTCREAT;
    case ErrorKind::io: return EX_IOERR;
    case ErrorKind::config: return EX_CONFIG;
    case ErrorKind::resources: return EX_OSERR;
    case ErrorKind::internal: return EX_SOFTWARE;
  }
  return EX_SOFTWARE;
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) {
      s += ' ';
    }
    s += argv[i];
  }
  return s;
}

// The ranges of run.replicates, run.seed and run.threads in the parameter registry, checked
// where the user typed them (rather than as a --set the user never wrote).
const CLI::Range kReplicates(1, 100000, "1 to 100000");
const CLI::Range kSeed(std::int64_t{0}, std::int64_t{9007199254740992}, "0 to 2^53");
const CLI::Range kThreads(0, 1024, "0 to 1024");

// Prints an error to stderr; never throws (stderr itself may be unwritable: a full disk or a
// file-size limit must still end in the error's exit code, not an abort).
void say_error(const char* prefix, const char* what) noexcept {
  std::fputs(prefix, stderr);
  std::fputs(what, stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

// `--out ''` (or --report '') given explicitly is an error, not "standard output" or a
// default folder.
void refuse_empty_paths(const CLI::App& app) {
  for (const auto* sub : app.get_subcommands()) {
    for (const char* name : {"--out", "--report"}) {
      const auto* opt = sub->get_option_no_throw(name);
      if (opt != nullptr && opt->count() > 0 && !opt->results().empty() &&
          opt->results().front().empty()) {
        pdlab::fail(pdlab::ErrorKind::usage, {"", 0, name, ""}, "the output path is empty",
                    std::string("give ") + name + " a file name, or leave it out");
      }
    }
  }
}

// Every successful command ends here: output that could not be written is an error.
int finish(int rc) {
  pdlab::io::check_stdout();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): CLI11 setup only
  CLI::App app{"pdlab: simulate and estimate policy diffusion through government hierarchies"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  pdlab::cli::Args a;
  auto& scenario = a.scenario;
  auto& out = a.out;
  auto& sets = a.sets;
  auto& force = a.force;
  auto& seed = a.seed;
  auto& replicates = a.replicates;
  auto& threads = a.threads;
  auto& events_path = a.events_path;
  auto& covariates_path = a.covariates_path;
  auto& static_columns = a.static_columns;
  auto& policy = a.policy;
  auto& min_level = a.min_level;
  auto& table_path = a.table_path;
  auto& formula = a.formula;
  auto& link = a.link;
  auto& cluster = a.cluster;
  auto& offset = a.offset;
  auto& ties = a.ties;
  auto& strata = a.strata;
  auto& node_list = a.node_list;
  auto& model = a.model;
  auto& alpha = a.alpha;
  auto& epsilon = a.epsilon;
  auto& max_edges = a.max_edges;
  auto& fit_covariates = a.fit_covariates;
  auto& check_out = a.check_out;

  auto* run = app.add_subcommand("run", "Run a scenario and write results to a SQLite file");
  run->add_option("scenario", scenario, "Scenario TOML file")->required();
  run->add_option("--out,-o", out, "Results file (.sqlite)")->required();
  run->add_option("--set", sets,
                  "Override a scenario key: --set vertical.attenuation=0.3 (repeatable)");
  run->add_option("--seed", seed, "Master seed (overrides run.seed)")->check(kSeed);
  run->add_option("--replicates,-r", replicates, "Number of replicates (overrides run.replicates)")
      ->check(kReplicates);
  run->add_option("--threads,-t", threads, "Threads, 0 = all cores (overrides run.threads)")
      ->check(kThreads);
  run->add_flag("--force,-f", force, "Replace the output file if it exists");
  bool resume = false;
  run->add_flag("--resume", resume,
                "Finish an interrupted run: keep the replicates already in OUT.partial");
  bool no_estimate_check = false;
  bool estimate_only = false;
  run->add_flag("--no-estimate-check", no_estimate_check,
                "Run even when the up-front estimate says the output or the memory will not fit");
  run->add_flag("--estimate-only", estimate_only,
                "Print the estimate of disk and memory and what is available, then stop "
                "(writes nothing)");

  auto* validate =
      app.add_subcommand("validate", "Check a scenario and its inputs without running");
  validate->add_option("scenario", scenario, "Scenario TOML file")->required();
  validate->add_option("--set", sets, "Override a scenario key (repeatable)");

  std::string db;
  std::string table;
  std::string format = "csv";
  auto* exp = app.add_subcommand("export", "Export a results table as CSV");
  exp->add_option("results", db, "Results file written by `pdlab run`")->required();
  exp->add_option("--table", table,
                  "Table: meta, scenarios, params, levels, policies, runs, "
                  "adoptions, summary_time, unit_time, governance_time, "
                  "governance_unit_time, agents_time")
      ->required();
  exp->add_option("--format", format, "Output format")->check(CLI::IsMember({"csv"}));
  exp->add_option("--out,-o", out, "Output file (default: standard output)");
  exp->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* riskset = app.add_subcommand(
      "riskset", "Build a discrete-time risk set (unit x period rows until adoption) as CSV");
  riskset
      ->add_option("scenario", scenario,
                   "Scenario TOML: hierarchy, edges, calendar and exposure parameters")
      ->required();
  riskset->add_option("--events", events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  riskset->add_option("--covariates", covariates_path,
                      "Time-varying covariates CSV: unit_id,time,variable,value");
  riskset->add_option("--static", static_columns, "Hierarchy attribute columns to include")
      ->delimiter(',');
  riskset->add_option("--policy", policy, "Only this policy (default: all, pooled)");
  riskset->add_option("--level", min_level, "Only units of this level (default: all levels)");
  riskset->add_option("--out,-o", out, "Output CSV (default: standard output)");
  riskset->add_option("--set", sets, "Override a scenario key (repeatable)");
  riskset->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* eha =
      app.add_subcommand("eha", "Fit a discrete-time event history model (logit or cloglog GLM)");
  eha->add_option("data", table_path, "Risk-set CSV (from `pdlab riskset` or any tool)")
      ->required();
  eha->add_option("--formula", formula,
                  "e.g. \"event ~ vertical + horizontal + factor(policy_id)\"")
      ->required();
  eha->add_option("--link", link, "Link function")->check(CLI::IsMember({"logit", "cloglog"}));
  eha->add_option("--cluster", cluster, "Column of cluster ids for cluster-robust standard errors");
  eha->add_option("--offset", offset, "Column used as an offset");
  eha->add_option("--out,-o", out, "Write the coefficient table as CSV");
  eha->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* cox =
      app.add_subcommand("cox", "Fit a Cox proportional hazards model to (start, stop] data");
  cox->add_option("data", table_path, "CSV with start, stop, event and covariates")->required();
  cox->add_option("--formula", formula,
                  "e.g. \"Surv(tstart, tstop, event) ~ horizontal + log_gdp_pc\"")
      ->required();
  cox->add_option("--ties", ties, "Tied event times")->check(CLI::IsMember({"efron", "breslow"}));
  cox->add_option("--strata", strata, "Column defining strata (separate baseline hazards)");
  cox->add_option("--cluster", cluster, "Column of cluster ids for robust standard errors");
  cox->add_option("--out,-o", out, "Write the coefficient table as CSV");
  cox->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* infer = app.add_subcommand("infer", "Infer a diffusion network from cascades (NetInf)");
  infer->add_option("cascades", table_path, "Cascades CSV: node_name,event_time,cascade_id")
      ->required();
  infer->add_option("--nodes", node_list,
                    "Node list CSV (node_name); fixes node ids and tie order");
  infer->add_option("--model", model, "Transmission model")
      ->check(CLI::IsMember({"exponential", "power-law", "rayleigh"}));
  infer->add_option("--params", alpha, "Transmission parameter (rate, or power-law exponent)");
  infer->add_option("--epsilon", epsilon, "Probability of the background edge");
  infer->add_option("--edges,-k", max_edges, "Number of edges (default: all that improve)")
      ->check(CLI::NonNegativeNumber);
  infer
      ->add_option("--flavour", a.flavour,
                   "snap (SNAP's netinf) or networkinference (R NetworkInference: Vuong "
                   "p-values, parameter estimated when --params is not given)")
      ->check(CLI::IsMember({"snap", "networkinference"}));
  infer
      ->add_option("--p-value-cutoff", a.p_value_cutoff,
                   "networkinference: stop after the first edge whose p-value reaches this")
      ->check(CLI::Range(0.0, 1.0));
  infer->add_option("--out,-o", out, "Write the edges as CSV");
  infer->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* fit_cmd = app.add_subcommand(
      "fit", "Estimate the engine's adoption hazard from events and write a runnable scenario");
  fit_cmd->add_option("scenario", scenario, "Scenario TOML: hierarchy, edges, calendar, exposures")
      ->required();
  fit_cmd->add_option("--events", events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  fit_cmd->add_option("--covariates", fit_covariates, "Hierarchy attribute columns to include")
      ->delimiter(',');
  fit_cmd->add_option("--level", min_level, "Only units of this level are at risk");
  fit_cmd->add_option("--link", link, "Link function")->check(CLI::IsMember({"logit", "cloglog"}));
  fit_cmd->add_option("--out,-o", out, "Fitted scenario TOML")->required();
  fit_cmd->add_option("--set", sets, "Override a scenario key (repeatable)");
  fit_cmd->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* check_fit_cmd = app.add_subcommand(
      "check-fit", "Simulate a fitted scenario and compare adoption curves with the events");
  check_fit_cmd->add_option("scenario", scenario, "Fitted scenario TOML (from `pdlab fit`)")
      ->required();
  check_fit_cmd->add_option("--events", events_path, "Observed adoption events CSV")->required();
  check_fit_cmd->add_option("--replicates,-r", replicates, "Replicates (overrides run.replicates)")
      ->check(kReplicates);
  check_fit_cmd->add_option("--seed", seed, "Master seed")->check(kSeed);
  check_fit_cmd->add_option("--out,-o", check_out, "Comparison table CSV");
  check_fit_cmd->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* compare = app.add_subcommand(
      "compare", "Run design variants on common random numbers and tabulate outcome differences");
  compare->add_option("scenario", scenario, "Scenario TOML file")->required();
  compare->add_option("--vary", a.vary,
                      "KEY=V1,V2,... (repeatable: all combinations); the first value is the "
                      "baseline");
  compare->add_option("--variants", a.variants_path,
                      "CSV of variants: one column per scenario key (optional `variant` label "
                      "column); the first row is the baseline");
  compare->add_option("--out,-o", out, "Comparison table (.csv or .sqlite)")->required();
  compare->add_option("--set", sets, "Override a scenario key in every variant (repeatable)");
  compare->add_option("--seed", seed, "Master seed")->check(kSeed);
  compare->add_option("--replicates,-r", replicates, "Replicates per variant")->check(kReplicates);
  compare->add_option("--threads,-t", threads, "Threads, 0 = all cores")->check(kThreads);
  compare->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* calibrate = app.add_subcommand(
      "calibrate", "Fit a scenario's [[calibrate.free]] parameters to roll-out targets");
  calibrate->add_option("scenario", scenario, "Scenario TOML with [[calibrate.free]] tables")
      ->required();
  calibrate
      ->add_option("--targets", a.targets_path,
                   "Targets CSV: level,date,share and optionally policy_id,region,weight")
      ->required();
  calibrate->add_option("--out,-o", out, "Write the calibrated scenario (TOML)");
  calibrate->add_option("--report", check_out, "Write the fit table (.csv or .sqlite)");
  calibrate->add_option("--set", sets, "Override a scenario key (repeatable)");
  calibrate->add_option("--seed", seed, "Master seed")->check(kSeed);
  calibrate->add_option("--threads,-t", threads, "Threads, 0 = all cores")->check(kThreads);
  calibrate->add_flag("--force,-f", force, "Replace output files if they exist");

  auto* cases = app.add_subcommand(
      "cases", "Run the case scenarios (Haicang, Guiyang, Chengdu, Taicang, Jiangsu) side by side");
  cases->add_option("folder", scenario, "Folder of case scenarios (default: the shipped cases)");
  cases->add_option("--out,-o", out, "Output folder (default results/cases)");
  cases->add_flag("--force,-f", force, "Replace the folder's case files if they exist");
  cases->add_option("--replicates,-r", replicates, "Replicates per case (overrides each case's)")
      ->check(kReplicates);
  cases->add_option("--threads,-t", threads, "Threads, 0 = all cores")->check(kThreads);
  cases->add_option("--set", sets, "Override a key in every case (repeatable)");

  auto* report = app.add_subcommand(
      "report", "Write a self-contained HTML report (charts inlined, opens offline) of a study");
  report->add_option("results", db, "Results file (.sqlite) from `pdlab run` or `pdlab cases`")
      ->required();
  report->add_option("--out,-o", out, "HTML file")->required();
  report->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* version = app.add_subcommand("version", "Print the version of pdlab and its libraries");

  pdlab::io::install_output_signal_handlers();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return EX_USAGE;
  }

  a.params_given = infer->count("--params") > 0;
  try {
    refuse_empty_paths(app);
    if (*version) {
      fmt::print("pdlab {}\n", PDLAB_VERSION);
      fmt::print("oneTBB {}.{}, SQLite {}, fmt {}, CLI11 {}\nshipped data: {}\n", TBB_VERSION_MAJOR,
                 TBB_VERSION_MINOR, sqlite3_libversion(), FMT_VERSION, CLI11_VERSION,
                 pdlab::io::data_dir());
      return finish(EX_OK);
    }
    if (*report) {
      const auto r = pdlab::io::write_report(db, out, force);
      fmt::print(stderr, "wrote {} ({} charts)\n", out, r.charts);
      fmt::print("{}\n", out);
      return finish(EX_OK);
    }
    if (*exp) {
      pdlab::io::export_csv_file(db, table, out, force);
      if (!out.empty() && out != "-") {
        fmt::print(stderr, "wrote {}\n", out);
      }
      return finish(EX_OK);
    }
    const std::pair<CLI::App*, int (*)(pdlab::cli::Args&)> estimation[] = {
        {riskset, pdlab::cli::cmd_riskset}, {eha, pdlab::cli::cmd_eha},
        {cox, pdlab::cli::cmd_cox},         {infer, pdlab::cli::cmd_infer},
        {fit_cmd, pdlab::cli::cmd_fit},     {check_fit_cmd, pdlab::cli::cmd_check_fit},
        {compare, pdlab::cli::cmd_compare}, {calibrate, pdlab::cli::cmd_calibrate},
        {cases, pdlab::cli::cmd_cases}};
    for (const auto& [command, handler] : estimation) {
      if (*command) {
        return finish(handler(a));
      }
    }
    pdlab::cli::add_run_overrides(a);
    const auto study = pdlab::io::prepare_study(scenario, sets);
    const auto& h = *study.inputs.hierarchy;
    const auto& sc = study.model->scenario();
    std::string levels;
    for (int l = 0; l < h.n_levels(); ++l) {
      levels += fmt::format("{}{} {}", l ? ", " : "", h.level_begin(l + 1) - h.level_begin(l),
                            h.level_names()[l]);
    }
    for (const auto& w : study.model->warnings()) {
      fmt::print(stderr, "pdlab: warning: {}\n", w);
    }
    if (*validate) {
      fmt::print("{}: valid. {} units ({}), {} extra peer edges", scenario, h.size(), levels,
                 study.inputs.network->n_edges());
      if (study.inputs.network->dropped() > 0) {
        fmt::print(" ({} outside the subtree dropped)", study.inputs.network->dropped());
      }
      fmt::print("; {} policies, {} events, {} periods, {} replicates.\n", sc.policies.size(),
                 sc.events.size(), sc.calendar.periods, sc.replicates);
      return finish(EX_OK);
    }
    fmt::print(stderr, "pdlab: {} units ({}), {} periods, {} replicates\n", h.size(), levels,
               sc.calendar.periods, sc.replicates);
    // The estimate (one pilot replicate) before anything is written: a study that cannot fit
    // is refused now, not after hours of simulating.
    const auto est = pdlab::io::estimate_study(study, out, resume);
    const auto avail = pdlab::io::available_for(out);
    const auto b = [](std::uint64_t x) { return pdlab::io::format_bytes(x); };
    const auto opt = [&](const std::optional<std::uint64_t>& x, const char* none) {
      return x ? b(*x) : std::string(none);
    };
    fmt::print(stderr,
               "pdlab: estimate: {} on disk ({} at most while writing; {} adoption rows a "
               "replicate), {} more memory than the {} in use (threads at once: {}, replicates "
               "in flight: {})\n",
               b(est.file_bytes), b(est.peak_disk_bytes), est.adoption_rows, b(est.extra_memory),
               b(est.memory_in_use), est.threads, est.in_flight);
    fmt::print(stderr,
               "pdlab: available: {} free on disk, file-size limit {}, {} memory, address-space "
               "room {}\n",
               opt(avail.disk, "unknown"), opt(avail.file_size, "none"),
               opt(avail.memory, "unknown"), opt(avail.address_space, "unlimited"));
    if (estimate_only) {
      return finish(EX_OK);
    }
    if (!no_estimate_check) {
      pdlab::io::check_estimate(est, avail, out);
    }
    const auto rep = pdlab::io::run_study(study, out, force, resume, join_args(argc, argv),
                                          pdlab::cli::progress_bar());
    if (rep.resumed_replicates > 0) {
      fmt::print(stderr, "pdlab: resumed: {} of {} replicates were already written\n",
                 rep.resumed_replicates, rep.replicates);
    }
    std::error_code size_ec;
    const auto bytes = std::filesystem::file_size(out, size_ec);
    fmt::print(stderr,
               "pdlab: simulated in {:.2f} s, wrote {} ({}, estimated {}) in {:.2f} s ({} "
               "adoptions)\n",
               rep.seconds_simulate, out, size_ec ? "?" : b(bytes), b(est.file_bytes),
               rep.seconds_write, rep.adoptions);
    fmt::print("{}\n", out);
    return finish(EX_OK);
  } catch (const pdlab::Error& e) {
    say_error("pdlab: error: ", e.what());
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    say_error("pdlab: error: ", "out of memory");
    return EX_OSERR;
  } catch (const std::system_error& e) {
    // fmt and the standard streams report a failed write (a full disk, a file-size limit,
    // a closed pipe) as a system_error: an I/O error, not a bug.
    say_error("pdlab: error: writing the output failed: ", e.what());
    return EX_IOERR;
  } catch (const std::exception& e) {
    say_error("pdlab: internal error: ", e.what());
    return EX_SOFTWARE;
  }
}
