// `pdlab eha`: a thin client of study::eha_study; prints the coefficient table.
#include "cli/common.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>

#include <memory>
#include <sstream>

namespace pdlab::cli {

namespace {

struct EhaOptions {
  std::string data, formula, link = "cloglog", cluster, offset, out, stats;
  bool force = false;
};

void add_options(CLI::App& sub, EhaOptions& o) {
  sub.add_option("data", o.data, "Risk-set CSV (from `pdlab riskset` or any tool)")->required();
  sub.add_option("--formula", o.formula,
                 "e.g. \"event ~ vertical + horizontal + factor(policy_id)\": columns, "
                 "log(column), interactions a:b or a*b, factor(column), - 1 for no intercept; "
                 "a name with spaces in backticks, `log gdp`")
      ->required();
  sub.add_option("--link", o.link, "Link function")
      ->check(CLI::IsMember(study::glm_link_names()))
      ->capture_default_str();
  sub.add_option("--cluster", o.cluster, "Column of cluster ids for cluster-robust standard errors")
      ->check(column_name("--cluster"));
  sub.add_option("--offset", o.offset, "Column used as an offset")->check(column_name("--offset"));
  sub.add_option("--out,-o", o.out, "Write the coefficient table as CSV");
  sub.add_option("--stats", o.stats,
                 "Write the fit's statistics as one CSV row (N, events, log-likelihood, AIC, BIC, "
                 "likelihood-ratio test against the null model)");
  add_force(sub, o.force);
}

int run(const EhaOptions& o) {
  io::note_input(o.data);  // an output that is the data is refused before the fit
  check_table_output(o.out, o.force);
  check_stats_output(o.stats, o.out, o.force);
  study::EhaSpec spec;
  spec.data = o.data;
  spec.formula = o.formula;
  spec.link = study::glm_link_from_name(o.link);
  spec.cluster = o.cluster;
  spec.offset = o.offset;
  const auto r = study::eha_study(spec);
  std::ostringstream report;
  // The offset is part of the model (R writes it into the formula).
  const std::string offset = o.offset.empty() ? "" : " + offset(" + o.offset + ")";
  io::print_glm(r.fit, fmt::format("Discrete-time EHA, {} link: {}{}", o.link, o.formula, offset),
                report);
  return finish_fit(report.str(), r.dropped_missing, o.out, o.force, "eha",
                    [&](io::TableWriter& w) { io::write_glm(r.fit, w); }, r.fit.converged,
                    {o.stats, "eha_stats", [&](io::TableWriter& w) {
                       io::write_glm_stats(r.fit, o.formula + offset, o.link, r.dropped_missing, w);
                     }});
}

}  // namespace

void register_eha(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<EhaOptions>();
  auto* sub =
      app.add_subcommand("eha", "Fit a discrete-time event history model (logit or cloglog GLM)");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
