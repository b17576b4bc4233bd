// `pdlab cox`: a thin client of study::cox_study; prints the coefficient table.
#include "cli/common.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>

#include <memory>
#include <sstream>

namespace pdlab::cli {

namespace {

struct CoxOptions {
  std::string data, formula, ties = "efron", strata, cluster, out, stats;
  bool force = false;
};

void add_options(CLI::App& sub, CoxOptions& o) {
  sub.add_option("data", o.data, "CSV with start, stop, event and covariates")->required();
  sub.add_option("--formula", o.formula,
                 "e.g. \"Surv(tstart, tstop, event) ~ horizontal + log_gdp_pc\"")
      ->required();
  sub.add_option("--ties", o.ties, "Tied event times")
      ->check(CLI::IsMember(study::cox_ties_names()))
      ->capture_default_str();
  sub.add_option("--strata", o.strata, "Column defining strata (separate baseline hazards)")
      ->check(column_name("--strata"));
  sub.add_option("--cluster", o.cluster, "Column of cluster ids for robust standard errors")
      ->check(column_name("--cluster"));
  sub.add_option("--out,-o", o.out, "Write the coefficient table as CSV");
  sub.add_option("--stats", o.stats,
                 "Write the fit's statistics as one CSV row (N, events, log partial likelihood, "
                 "AIC, likelihood-ratio test against the null model)");
  add_force(sub, o.force);
}

int run(const CoxOptions& o) {
  io::note_input(o.data);  // an output that is the data is refused before the fit
  check_table_output(o.out, o.force);
  check_stats_output(o.stats, o.out, o.force);
  study::CoxSpec spec;
  spec.data = o.data;
  spec.formula = o.formula;
  spec.ties = study::cox_ties_from_name(o.ties);
  spec.strata = o.strata;
  spec.cluster = o.cluster;
  const auto r = study::cox_study(spec);
  std::ostringstream report;
  io::print_cox(r.fit, fmt::format("Cox proportional hazards, {} ties: {}", o.ties, o.formula),
                report);
  return finish_fit(report.str(), r.dropped_missing, o.out, o.force, "cox",
                    [&](io::TableWriter& w) { io::write_cox(r.fit, w); }, r.fit.converged,
                    {o.stats, "cox_stats", [&](io::TableWriter& w) {
                       io::write_cox_stats(r.fit, o.formula, o.ties, r.dropped_missing, w);
                     }});
}

}  // namespace

void register_cox(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CoxOptions>();
  auto* sub =
      app.add_subcommand("cox", "Fit a Cox proportional hazards model to (start, stop] data");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
