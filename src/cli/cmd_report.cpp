// `pdlab report`: a self-contained HTML report of a study (study::write_report).
#include "cli/common.hpp"
#include "pdlab/study/report.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct ReportOptions {
  std::string db, out, targets;
  bool force = false;
};

void add_options(CLI::App& sub, ReportOptions& o) {
  sub.add_option("results", o.db,
                 "A study (.sqlite) from `pdlab run` or `pdlab cases`, or the .sqlite output of "
                 "`compare --out`, `check-fit --out`, `sensitivity --out` or `calibrate "
                 "--report` (abc: also --posterior, --summary)")
      ->required();
  sub.add_option("--out,-o", o.out, "HTML file")->required();
  sub.add_option("--targets", o.targets,
                 "Targets CSV drawn against a study (as `pdlab calibrate --targets`: level,date,"
                 "share (or value) and optionally region,policy_id,metric; weight is ignored)");
  add_force(sub, o.force);
}

int run(const ReportOptions& o) {
  const auto r = study::write_report(o.db, o.out, o.force, o.targets);
  const char* charts = r.charts == 1 ? "chart" : "charts";
  if (r.map_features > 0) {
    fmt::print(stderr, "wrote {} ({} {}; map of {} counties)\n", o.out, r.charts, charts,
               r.map_features);
  } else {
    fmt::print(stderr, "wrote {} ({} {})\n", o.out, r.charts, charts);
  }
  fmt::print("{}\n", o.out);
  return EX_OK;
}

}  // namespace

void register_report(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<ReportOptions>();
  auto* sub = app.add_subcommand(
      "report",
      "Write a self-contained HTML report (charts inlined, opens offline) of a study or of "
      "compare, check-fit, sensitivity or calibrate output");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
