// pdlab command-line interface: a thin client of the study library. Each subcommand lives in
// its own file (src/cli/cmd_<name>.cpp) and registers itself here; this file parses the
// command line, runs the one given and maps errors to sysexits codes.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/dist/context.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/version.hpp"

#include <CLI/CLI.hpp>

#include <sysexits.h>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <vector>

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

// Prints an error to stderr; never throws (stderr itself may be unwritable: a full disk or a
// file-size limit must still end in the error's exit code, not an abort).
void say_error(const char* prefix, const char* what) noexcept {
  std::fputs(prefix, stderr);
  std::fputs(what, stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

// Prints, for each argument of `sub` that looks like an option it does not have, the option
// and the nearest one it has.
void name_unknown_options(const CLI::App& sub) {
  std::vector<std::string> known;
  for (const auto* o : sub.get_options()) {
    for (const auto& n : o->get_lnames()) {
      known.push_back("--" + n);
    }
  }
  for (const auto& arg : sub.remaining()) {
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      continue;
    }
    const std::string name = arg.substr(0, arg.find('='));
    // Nearest within a third of the name (at least 2 edits): `--formla`, not `--bogus`; or an
    // option the name begins with, or that begins with it (`--output` for `--out`).
    std::string near = pdlab::closest(name, known);
    if (!near.empty() &&
        pdlab::edit_distance(name, near) > std::max<std::size_t>(2, (name.size() - 2) / 3)) {
      near.clear();
    }
    for (const auto& k : known) {
      const bool prefix =
          k.size() >= 5 && name.size() >= 5 &&
          (name.compare(0, k.size(), k) == 0 || k.compare(0, name.size(), name) == 0);
      if (near.empty() && prefix) {
        near = k;
      }
    }
    std::fprintf(stderr, "pdlab %s: unknown option '%s'%s\n", sub.get_name().c_str(), name.c_str(),
                 near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
  }
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
    // An empty date would read as the option left out (a whole-calendar check-fit).
    if (const auto* opt = sub->get_option_no_throw("--train-until");
        opt != nullptr && opt->count() > 0 && !opt->results().empty() &&
        opt->results().front().empty()) {
      pdlab::fail(pdlab::ErrorKind::usage, {"", 0, "--train-until", ""}, "the date is empty",
                  "give the last date of the training events, e.g. --train-until 2021, or "
                  "leave it out");
    }
  }
}

// Only the commands that share their work out run on more than one rank: any other would
// run once per rank, each writing the same output.
void refuse_across_ranks(const pdlab::dist::Context& ctx, const CLI::App& sub) {
  const auto& name = sub.get_name();
  if (!ctx.distributed() || name == "run" || name == "sensitivity" || name == "compare" ||
      name == "calibrate" || name == "version") {
    return;
  }
  pdlab::fail(pdlab::ErrorKind::usage, {"", 0, "mpirun -n", std::to_string(ctx.size())},
              "pdlab " + name + " does not run across MPI ranks",
              "run it without mpirun; run, sensitivity, compare and calibrate share their work "
              "out across ranks (docs/mpi.md)");
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): CLI11 setup only
  namespace cli = pdlab::cli;
  // Under mpirun every rank runs this same command (docs/mpi.md); alone, rank 0 of 1.
  std::unique_ptr<pdlab::dist::Context> ctx;
  try {
    ctx = std::make_unique<pdlab::dist::Context>(&argc, &argv);
  } catch (const pdlab::Error& e) {
    say_error("pdlab: error: ", e.what());
    return exit_code(e.kind());
  }
  const bool root = ctx->root();
  CLI::App app{"pdlab: simulate and estimate policy diffusion through government hierarchies"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command (given before the command's name)");
  app.set_version_flag("--version", std::string("pdlab ") + PDLAB_VERSION,
                       "Print pdlab's version and exit (`pdlab version` adds its libraries')");
  cli::Commands commands;  // in the order of --help
  cli::set_command_line(join_args(argc, argv));
  cli::register_run(app, commands, cli::command_line());
  cli::register_validate(app, commands);
  cli::register_units(app, commands);
  cli::register_export(app, commands);
  cli::register_riskset(app, commands);
  cli::register_eha(app, commands);
  cli::register_cox(app, commands);
  cli::register_infer(app, commands);
  cli::register_fit(app, commands);
  cli::register_check_fit(app, commands);
  cli::register_compare(app, commands);
  cli::register_calibrate(app, commands);
  cli::register_sensitivity(app, commands);
  cli::register_cases(app, commands);
  cli::register_report(app, commands);
  cli::register_version(app, commands);

  pdlab::io::install_output_signal_handlers();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root ? app.exit(e) : 0;
  } catch (const CLI::CallForAllHelp& e) {
    return root ? app.exit(e) : 0;
  } catch (const CLI::CallForVersion& e) {
    return root ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    if (root && argc > 1 && argv[1][0] != '-' &&
        std::none_of(commands.begin(), commands.end(),
                     [](const auto& c) { return bool(*c.app); })) {
      // No subcommand matched the first word: name it, and the nearest (`runn`, `calibrat`).
      std::vector<std::string> names;
      for (const auto* sub : app.get_subcommands({})) {
        names.push_back(sub->get_name());
      }
      const std::string word = argv[1];
      std::string near = pdlab::closest(word, names);
      if (!near.empty() &&
          pdlab::edit_distance(word, near) > std::max<std::size_t>(2, word.size() / 3)) {
        near.clear();
      }
      std::fprintf(stderr, "pdlab: unknown command '%s'%s\n", word.c_str(),
                   near.empty() ? "; `pdlab --help` lists them"
                                : ("; did you mean '" + near + "'?").c_str());
      return EX_USAGE;
    }
    if (root) {  // every rank parses the same command line: one message
      // CLI11 reports a missing required option before an unknown one, so a misspelt
      // `--formla` read only "--formula is required": name the unknown option first.
      for (const auto& c : commands) {
        if (*c.app) {
          name_unknown_options(*c.app);
        }
      }
      app.exit(e);
    }
    return EX_USAGE;
  }

  try {
    int rc = EX_SOFTWARE;  // require_subcommand(1): not kept
    // One collective step around the command: an error on any rank ends every rank, and
    // only the lowest failing rank prints it.
    ctx->collective([&] {
      refuse_empty_paths(app);
      for (const auto& c : commands) {
        if (*c.app) {
          refuse_across_ranks(*ctx, *c.app);
          rc = c.run();
          // Every successful command ends here: output that could not be written is an error.
          pdlab::io::check_stdout();
          return;
        }
      }
    });
    return rc;
  } catch (const pdlab::dist::Follower& f) {
    return exit_code(f.kind);  // another rank printed the error
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
