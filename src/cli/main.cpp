// pdlab command-line interface: a thin client of the core and I/O libraries.
#include "core/errors.hpp"
#include "io/results.hpp"
#include "io/study.hpp"

#include <fmt/core.h>
#include <sqlite3.h>
#include <tbb/version.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <sysexits.h>
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>

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
    case ErrorKind::internal: return EX_SOFTWARE;
  }
  return EX_SOFTWARE;
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    s += (i ? " " : "") + std::string(argv[i]);
  }
  return s;
}

// A progress bar on stderr, only when stderr is a terminal.
std::function<void(int, int)> progress_bar() {
  if (isatty(STDERR_FILENO) == 0) {
    return {};
  }
  auto mtx = std::make_shared<std::mutex>();
  return [mtx](int done, int total) {
    std::lock_guard lock(*mtx);
    const int width = 30;
    const int filled = total > 0 ? done * width / total : width;
    fmt::print(stderr, "\r[{}{}] {}/{} replicates", std::string(filled, '#'),
               std::string(width - filled, '.'), done, total);
    if (done == total) {
      fmt::print(stderr, "\n");
    }
  };
}

extern "C" void on_signal(int sig) {
  pdlab::io::remove_pending_output();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): CLI11 setup only
  CLI::App app{"pdlab: simulate and estimate policy diffusion through government hierarchies"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  std::string scenario;
  std::string out;
  std::vector<std::string> sets;
  bool force = false;
  std::int64_t seed = -1;
  int replicates = 0;
  int threads = -1;

  auto* run = app.add_subcommand("run", "Run a scenario and write results to a SQLite file");
  run->add_option("scenario", scenario, "Scenario TOML file")->required();
  run->add_option("--out,-o", out, "Results file (.sqlite)")->required();
  run->add_option("--set", sets,
                  "Override a scenario key: --set vertical.attenuation=0.3 (repeatable)");
  run->add_option("--seed", seed, "Master seed (overrides run.seed)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--replicates,-r", replicates, "Number of replicates (overrides run.replicates)")
      ->check(CLI::PositiveNumber);
  run->add_option("--threads,-t", threads, "Threads, 0 = all cores (overrides run.threads)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--force,-f", force, "Replace the output file if it exists");

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
                  "adoptions, summary_time, unit_time")
      ->required();
  exp->add_option("--format", format, "Output format")->check(CLI::IsMember({"csv"}));
  exp->add_option("--out,-o", out, "Output file (default: standard output)");
  exp->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* version = app.add_subcommand("version", "Print the version of pdlab and its libraries");

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
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

  try {
    if (*version) {
      fmt::print("pdlab {}\n", PDLAB_VERSION);
      fmt::print("oneTBB {}.{}, SQLite {}, fmt {}, CLI11 {}\nshipped data: {}\n", TBB_VERSION_MAJOR,
                 TBB_VERSION_MINOR, sqlite3_libversion(), FMT_VERSION, CLI11_VERSION,
                 pdlab::io::data_dir());
      return EX_OK;
    }
    if (*exp) {
      pdlab::io::export_csv_file(db, table, out, force);
      if (!out.empty() && out != "-") {
        fmt::print(stderr, "wrote {}\n", out);
      }
      return EX_OK;
    }
    if (seed >= 0) {
      sets.push_back("run.seed=" + std::to_string(seed));
    }
    if (replicates > 0) {
      sets.push_back("run.replicates=" + std::to_string(replicates));
    }
    if (threads >= 0) {
      sets.push_back("run.threads=" + std::to_string(threads));
    }
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
      return EX_OK;
    }
    fmt::print(stderr, "pdlab: {} units ({}), {} periods, {} replicates\n", h.size(), levels,
               sc.calendar.periods, sc.replicates);
    const auto rep = pdlab::io::run_study(study, out, force, join_args(argc, argv), progress_bar());
    fmt::print(stderr, "pdlab: simulated in {:.2f} s, wrote {} in {:.2f} s ({} adoptions)\n",
               rep.seconds_simulate, out, rep.seconds_write, rep.adoptions);
    fmt::print("{}\n", out);
    return EX_OK;
  } catch (const pdlab::Error& e) {
    fmt::print(stderr, "pdlab: error: {}\n", e.what());
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "pdlab: error: out of memory\n");
    return EX_OSERR;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pdlab: internal error: {}\n", e.what());
    return EX_SOFTWARE;
  }
}
