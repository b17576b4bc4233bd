// `pdlab export`: one table of a study file as CSV.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/table.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct ExportOptions {
  std::string db, table, format = "csv", out;
  bool force = false;
};

void add_options(CLI::App& sub, ExportOptions& o) {
  sub.add_option("results", o.db,
                 "Results file written by `pdlab run` (or the .sqlite output of another "
                 "command: compare, sensitivity, check-fit, calibrate)")
      ->required();
  sub.add_option("--table", o.table,
                 "Table: meta, scenarios, params, levels, units, policies, runs, "
                 "adoptions, summary_time, unit_time, governance_time, "
                 "governance_unit_time, agents_time; or another command's (compare, "
                 "compare_time, sensitivity, ...: docs/outputs.md)")
      ->required();
  sub.add_option("--format", o.format, "Output format")->check(CLI::IsMember({"csv"}));
  sub.add_option("--out,-o", o.out, "Output file (default: standard output)");
  add_force(sub, o.force);
}

int run(const ExportOptions& o) {
  if (io::sqlite_output(o.out)) {
    fail(ErrorKind::usage, {"", 0, "--out", o.out}, "export writes CSV, not SQLite",
         "name the output .csv (the study itself is the SQLite file)");
  }
  io::check_csv_name(o.out);
  io::export_csv_file(o.db, o.table, o.out, o.force);
  if (!o.out.empty() && o.out != "-") {
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  return EX_OK;
}

}  // namespace

void register_export(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<ExportOptions>();
  auto* sub = app.add_subcommand("export", "Export a results table as CSV");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
