#include "cli/common.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <filesystem>

#include <sysexits.h>
#include <chrono>
#include <memory>
#include <mutex>

namespace pdlab::cli {

void add_seed(CLI::App& sub, RunOverrides& o, const std::string& help) {
  sub.add_option("--seed", o.seed, help)
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{9007199254740992}, "0 to 2^53"));
}

void add_replicates(CLI::App& sub, RunOverrides& o, const std::string& help) {
  sub.add_option("--replicates,-r", o.replicates, help)
      ->check(CLI::Range(1, 100000, "1 to 100000"));
}

void add_threads(CLI::App& sub, RunOverrides& o, const std::string& help) {
  sub.add_option("--threads,-t", o.threads, help)->check(CLI::Range(0, 1024, "0 to 1024"));
}

void add_sets(CLI::App& sub, std::vector<std::string>& sets, const std::string& help) {
  sub.add_option("--set", sets, help);
}

void add_riskset_inputs(CLI::App& sub, std::string& covariates, std::vector<std::string>& statics,
                        std::vector<std::string>& inherit,
                        std::vector<std::string>& event_covariates, std::string& edges,
                        bool& edges_directed, std::string& terms) {
  sub.add_option("--covariates", covariates,
                 "Time-varying covariates CSV (long): unit_id,time,variable,value");
  sub.add_option("--static", statics, "Hierarchy attribute columns to include")->delimiter(',');
  sub.add_option("--inherit", inherit,
                 "--covariates variables a unit takes from its nearest superior when it has "
                 "none of its own (e.g. a provincial order given once per province)")
      ->delimiter(',');
  sub.add_option("--event-covariate", event_covariates,
                 "A policy_id of the events whose adoptions become the covariate "
                 "adopted.<policy_id> (1 from the period after the unit or a superior adopted)")
      ->delimiter(',');
  sub.add_option("--edges", edges,
                 "Edge list replacing the scenario's: a CSV (from,to,weight) or "
                 "china:county_adjacency, china:prefecture_adjacency, china:province_adjacency; "
                 "read as symmetric (each row links both ways, so a list that also gives the "
                 "reverse row is refused) unless --edges-directed");
  sub.add_flag("--edges-directed", edges_directed,
               "Read the --edges CSV as directed: a row from,to is one edge, from's adoption "
               "exposing to (as NetInf's inferred edges: source -> target)");
  sub.add_option("--terms", terms,
                 "Hazard terms as in `pdlab eha`: e.g. \"vertical + horizontal + trend + "
                 "log(gdp) + vertical:horizontal\" (trend = period number)");
}

void add_force(CLI::App& sub, bool& force, const std::string& help) {
  sub.add_flag("--force,-f", force, help);
}

std::FILE* summary_stream(const std::string& out) {
  return out == "-" ? stderr : stdout;
}

CLI::Validator column_name(const std::string& option) {
  return {[option](const std::string& v) {
            return v.empty() ? "field '" + option +
                                   "' = '': names no column. Fix: give a column of the data, "
                                   "or leave " +
                                   option + " out"
                             : std::string();
          },
          "COLUMN", "column"};
}

void add_shard_options(CLI::App& sub, bool& checkpoint, bool& resume) {
  sub.add_flag("--checkpoint", checkpoint,
               "Stream each finished unit of work to OUT.shards/ (always so on more than one "
               "MPI rank), so that a killed run can be resumed");
  sub.add_flag("--resume", resume,
               "Finish a killed run: skip the units of work already in OUT.shards/ (any "
               "number of ranks)");
}

std::vector<std::string> with_overrides(std::vector<std::string> sets, const RunOverrides& o) {
  if (o.seed >= 0) {
    sets.push_back(fmt::format("run.seed={}", o.seed));
  }
  if (o.replicates > 0) {
    sets.push_back(fmt::format("run.replicates={}", o.replicates));
  }
  if (o.threads >= 0) {
    sets.push_back(fmt::format("run.threads={}", o.threads));
  }
  return sets;
}

std::string clock_text(double seconds) {
  const auto t = static_cast<long>(seconds + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

std::function<void(int, int)> progress_bar() {
  if (isatty(STDERR_FILENO) == 0) {
    return {};
  }
  auto mtx = std::make_shared<std::mutex>();
  const auto started = std::chrono::steady_clock::now();
  return [mtx, started](int done, int total) {
    std::lock_guard lock(*mtx);
    const int width = 30;
    const int filled = total > 0 ? done * width / total : width;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // The time left, from the mean time per replicate so far (replicates take alike).
    const std::string left =
        done > 0 && done < total
            ? fmt::format(", ~{} left", clock_text(elapsed / done * (total - done)))
            : "";
    fmt::print(stderr, "\r[{}{}] {}/{} replicates, {} elapsed{}\x1b[K", std::string(filled, '#'),
               std::string(width - filled, '.'), done, total, clock_text(elapsed), left);
    if (done == total) {
      fmt::print(stderr, "\n");
    }
  };
}

void check_table_output(const std::string& out, bool force) {
  if (!out.empty() && out != "-") {
    io::check_table_name(out);
    io::check_output_path(out, force);
  }
}

void check_scenario_output_name(const std::string& path, const std::string& option) {
  if (!path.ends_with(".toml")) {
    fail(ErrorKind::usage, {"", 0, option, path},
         "the output is a scenario (TOML), but its name does not end in .toml",
         "name it .toml, e.g. " + option + " fitted.toml");
  }
}

void note_inputs(std::initializer_list<std::string> paths) {
  for (const auto& p : paths) {
    if (!p.empty() && p != "-") {
      io::note_input(p);
    }
  }
}

std::string level_counts(const Hierarchy& h) {
  std::string levels;
  for (int l = 0; l < h.n_levels(); ++l) {
    levels += fmt::format("{}{} {}", l ? ", " : "", h.level_begin(l + 1) - h.level_begin(l),
                          h.level_names()[l]);
  }
  return levels;
}

void print_warnings(const Model& m) {
  for (const auto& w : m.warnings()) {
    fmt::print(stderr, "pdlab: warning: {}\n", w);
  }
  for (const auto& n : m.network().notes()) {
    fmt::print(stderr, "pdlab: note: {}\n", n);
  }
  // A value given for a drawn key holds it (docs/model.md 7.11): said, since it used to be
  // refused and a user may have meant the estimate to move instead.
  const auto& u = m.scenario().uncertainty;
  for (const auto& key : u.draw ? u.held : std::vector<std::string>{}) {
    const auto value = numeric_parameter(m.scenario(), key);
    fmt::print(stderr,
               "pdlab: note: uncertainty: {} is held at {} in every replicate, not drawn (the "
               "other keys keep their draws); to move its draws instead, change "
               "uncertainty.estimate\n",
               key, value ? fmt::format("{}", *value) : std::string("its value"));
  }
}

void note_few_replicates(int replicates, std::string_view what) {
  constexpr int kFewReplicates = 20;
  if (replicates >= kFewReplicates) {
    return;
  }
  fmt::print(stderr,
             "pdlab: note: the {} are the 5% and 95% quantiles of {} replicate{}; under {} they "
             "span little more than {} (use --replicates {} or more for a band)\n",
             what, replicates, replicates == 1 ? "" : "s", kFewReplicates,
             replicates == 1 ? "its one value" : "those replicates' range", kFewReplicates);
}

void check_stats_output(const std::string& stats, const std::string& out, bool force) {
  if (stats.empty()) {
    return;
  }
  const auto same_file = [](const std::string& a, const std::string& b) {
    if (a == "-" || b == "-" || b.empty()) {
      return a == b;
    }
    std::error_code ec;
    return std::filesystem::weakly_canonical(std::filesystem::absolute(a), ec) ==
           std::filesystem::weakly_canonical(std::filesystem::absolute(b), ec);
  };
  if (same_file(stats, out)) {
    fail(ErrorKind::usage, {"", 0, "--stats", stats},
         stats == "-" ? "--stats and --out both go to standard output"
                      : "--stats and --out name the same file",
         "give --stats a file of its own, e.g. --stats fit_stats.csv");
  }
  check_table_output(stats, force);
}

int finish_fit(const std::string& report, std::int64_t dropped, const std::string& out, bool force,
               const std::string& table, const std::function<void(io::TableWriter&)>& rows,
               bool converged, const FitStatsOutput& stats) {
  std::FILE* text = summary_stream(stats.path == "-" ? stats.path : out);
  fmt::print(text, "{}", report);
  if (dropped > 0) {
    fmt::print(text, "note: {} rows with missing values were dropped\n", dropped);
  }
  study::require_converged(converged, out.empty() ? stats.path : out);  // nothing is written
  if (!stats.path.empty()) {
    io::write_table(stats.path, force, io::table_schema(stats.table), stats.row);
    if (stats.path != "-") {
      fmt::print(stderr, "wrote {}\n", stats.path);
    }
  }
  if (!out.empty()) {
    io::write_table(out, force, io::table_schema(table), rows);
    if (out != "-") {
      fmt::print(stderr, "wrote {}\n", out);
    }
  }
  return EX_OK;
}

namespace {
std::string& typed_line() {
  static std::string line;
  return line;
}
}  // namespace

void set_command_line(std::string line) {
  typed_line() = std::move(line);
}
const std::string& command_line() {
  return typed_line();
}

}  // namespace pdlab::cli
