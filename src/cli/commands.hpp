// Options and subcommand handlers of the pdlab CLI.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::cli {

// Every option of every subcommand; CLI11 binds into one instance.
struct Args {
  std::string scenario, out, events_path, covariates_path, policy, min_level;
  std::vector<std::string> sets, static_columns, fit_covariates;
  bool force = false;
  std::int64_t seed = -1;
  int replicates = 0;
  int threads = -1;
  std::string table_path, formula, link = "cloglog", cluster, offset, ties = "efron", strata;
  std::string node_list, model = "exponential", check_out;
  double alpha = 1.0;
  double epsilon = 1e-64;
  std::int64_t max_edges = 0;
  std::string flavour = "snap";
  double p_value_cutoff = 0;
  bool params_given = false;
  std::vector<std::string> vary;  // compare: KEY=V1,V2,...
  std::string variants_path;      // compare: CSV of variants
  std::string targets_path;       // calibrate: CSV of targets
};

// Appends run.seed / run.replicates / run.threads overrides for the options given on the
// command line (--seed, --replicates, --threads) to args.sets.
void add_run_overrides(Args& args);

// A progress bar on stderr, only when stderr is a terminal (empty function otherwise).
std::function<void(int, int)> progress_bar();

int cmd_riskset(Args& args);
int cmd_eha(Args& args);
int cmd_cox(Args& args);
int cmd_infer(Args& args);
int cmd_fit(Args& args);
int cmd_check_fit(Args& args);
int cmd_compare(Args& args);
int cmd_calibrate(Args& args);
int cmd_cases(Args& args);

}  // namespace pdlab::cli
