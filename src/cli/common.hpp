// What the subcommands of the pdlab CLI share: their registration, the common options
// (--seed, --replicates, --threads, --set, --force), output checks and progress printing.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/io/table.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::cli {

// A registered subcommand: `run` is called when `app` is the one given.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

// One per subcommand (src/cli/cmd_<name>.cpp): adds it to `app` with its options and
// appends its runner to `cmds`.
void register_run(CLI::App& app, Commands& cmds, const std::string& command_line);
// The command line as typed (main sets it), for the provenance outputs record.
void set_command_line(std::string line);
const std::string& command_line();
void register_validate(CLI::App& app, Commands& cmds);
void register_units(CLI::App& app, Commands& cmds);
void register_export(CLI::App& app, Commands& cmds);
void register_riskset(CLI::App& app, Commands& cmds);
void register_eha(CLI::App& app, Commands& cmds);
void register_cox(CLI::App& app, Commands& cmds);
void register_infer(CLI::App& app, Commands& cmds);
void register_fit(CLI::App& app, Commands& cmds);
void register_check_fit(CLI::App& app, Commands& cmds);
void register_compare(CLI::App& app, Commands& cmds);
void register_calibrate(CLI::App& app, Commands& cmds);
void register_sensitivity(CLI::App& app, Commands& cmds);
void register_cases(CLI::App& app, Commands& cmds);
void register_report(CLI::App& app, Commands& cmds);
void register_version(CLI::App& app, Commands& cmds);

// --seed, --replicates and --threads: overrides of run.seed, run.replicates, run.threads.
struct RunOverrides {
  std::int64_t seed = -1;  // -1: not given
  int replicates = 0;      // 0: not given
  int threads = -1;        // -1: not given
};
// Each checked against the range of its key in the parameter registry, where the user typed
// it (rather than as a --set the user never wrote).
void add_seed(CLI::App& sub, RunOverrides& o, const std::string& help);
void add_replicates(CLI::App& sub, RunOverrides& o, const std::string& help);
void add_threads(CLI::App& sub, RunOverrides& o, const std::string& help);
void add_sets(CLI::App& sub, std::vector<std::string>& sets,
              const std::string& help = "Override a scenario key (repeatable)");
// The risk-set inputs `pdlab riskset` and `pdlab fit` share (docs/estimation.md): --covariates
// (long time-varying CSV), --static, --inherit, --event-covariate, --edges, --edges-directed,
// --terms.
void add_riskset_inputs(CLI::App& sub, std::string& covariates, std::vector<std::string>& statics,
                        std::vector<std::string>& inherit,
                        std::vector<std::string>& event_covariates, std::string& edges,
                        bool& edges_directed, std::string& terms);
void add_force(CLI::App& sub, bool& force,
               const std::string& help = "Replace the output file if it exists");
// Where a command's printed summary goes: standard error when the table itself is written to
// standard output (`--out -`), so that the output stays a CSV that R or pandas can read.
std::FILE* summary_stream(const std::string& out);
// A check for an option naming a column: an empty value (often an unset shell variable) is
// refused rather than read as "no such option".
CLI::Validator column_name(const std::string& option);

// --checkpoint and --resume of the commands that run across MPI ranks (docs/mpi.md).
void add_shard_options(CLI::App& sub, bool& checkpoint, bool& resume);

// `sets` with run.seed=, run.replicates=, run.threads= appended for the options given.
std::vector<std::string> with_overrides(std::vector<std::string> sets, const RunOverrides& o);

// A progress bar on standard error with elapsed time and the time left, when it is a
// terminal; empty otherwise.
std::function<void(int, int)> progress_bar();

// Seconds as m:ss, or h:mm:ss from an hour.
std::string clock_text(double seconds);

// An output table's path is checked before any work (a long fit does not fail at the end);
// empty and "-" (standard output) need no check.
void check_table_output(const std::string& out, bool force);
// A fitted scenario's path must end in .toml (as a table's ends in .csv or .sqlite): a TOML file
// written under another name would be taken for what its name says.
void check_scenario_output_name(const std::string& path, const std::string& option);
// Notes the input files named on the command line (empty ones skipped), so that an output that
// is one of them is refused as such by the first check, before --force is even asked for.
void note_inputs(std::initializer_list<std::string> paths);

// "12 province, 300 prefecture, ...": the units per level.
std::string level_counts(const Hierarchy& h);
// The model's warnings, on stderr.
void print_warnings(const Model& m);
// A note, on stderr, where `what` (90% bands, intervals: the 5% and 95% quantiles over the
// replicates) rests on under 20 replicates: there the quantiles span little more than the
// replicates' range (one replicate: both are its value).
void note_few_replicates(int replicates, std::string_view what);

// Prints a fitted model's report (with a note on dropped rows), turns non-convergence into an
// error, and writes the coefficient table `table` to `out` if given.
// Where `--stats` writes a fit's statistics (path; empty: nowhere), its table and its one row;
// finish_fit writes it before the coefficients.
struct FitStatsOutput {
  std::string path;
  std::string table;
  std::function<void(io::TableWriter&)> row;
};
int finish_fit(const std::string& report, std::int64_t dropped, const std::string& out, bool force,
               const std::string& table, const std::function<void(io::TableWriter&)>& rows,
               bool converged, const FitStatsOutput& stats = {});
// Refuses --stats where it is --out (or both are standard output), before the fit.
void check_stats_output(const std::string& stats, const std::string& out, bool force);

}  // namespace pdlab::cli
