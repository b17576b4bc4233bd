// `pdlab fit`: a thin client of study::fit_study; prints the fit, writes the fitted scenario.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/estimation_study.hpp"
#include "pdlab/study/fit.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>
#include <sstream>

namespace pdlab::cli {

namespace {

struct FitOptions {
  std::string scenario, events_path, covariates_path, terms, policy, edges, level, link = "cloglog",
                                                                                   out;
  std::vector<std::string> static_columns, inherit, event_covariates, sets;
  std::string cluster = "parent";
  std::string coefficients;  // the coefficient table's file (optional)
  bool force = false;
  bool edges_directed = false;
};

void add_options(CLI::App& sub, FitOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML: hierarchy, edges, calendar, exposures")
      ->required();
  sub.add_option("--events", o.events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  add_riskset_inputs(sub, o.covariates_path, o.static_columns, o.inherit, o.event_covariates,
                     o.edges, o.edges_directed, o.terms);
  sub.add_option("--policy", o.policy, "The policy to fit (when the events hold several)");
  sub.add_option("--level", o.level, "Only units of this level are at risk");
  sub.add_option("--link", o.link, "Link function")
      ->check(CLI::IsMember(study::glm_link_names()))
      ->capture_default_str();
  sub.add_option("--cluster", o.cluster,
                 "Standard errors: cluster-robust by the unit's superior (parent), or "
                 "model-based (none); the fitted scenario's [uncertainty] takes the same")
      ->check(CLI::IsMember({"parent", "none"}))
      ->capture_default_str();
  sub.add_option("--out,-o", o.out, "Fitted scenario TOML")->required();
  sub.add_option("--coefficients", o.coefficients,
                 "Also write the coefficient table (as `pdlab eha --out`: estimates, standard "
                 "errors, intervals), CSV or SQLite");
  add_sets(sub, o.sets);
  add_force(sub, o.force);
}

int run(const FitOptions& o) {
  note_inputs({o.scenario, o.events_path, o.covariates_path, o.edges});
  check_scenario_output_name(o.out, "--out");
  if (!o.coefficients.empty()) {  // checked before the fit, as --out is
    io::check_table_name(o.coefficients, "--coefficients");
    io::check_output_path(o.coefficients, o.force, "--coefficients");
  }
  study::FitSpec spec;
  spec.inputs = {o.scenario,       o.sets,    o.events_path,      o.covariates_path,
                 o.static_columns, o.inherit, o.event_covariates, o.edges,
                 o.level,          o.policy,  o.edges_directed};
  spec.terms = o.terms;
  spec.link = study::glm_link_from_name(o.link);
  spec.out = o.out;
  spec.force = o.force;
  spec.cluster_by_parent = o.cluster == "parent";
  const auto res = study::fit_study(spec);
  std::ostringstream report;
  io::print_glm(res.glm,
                fmt::format("Adoption hazard fitted to {} ({} link)", o.events_path, o.link),
                report);
  for (const auto& note : res.notes) {
    // What the fitted scenario carries is moot when it is not written.
    if (res.glm.converged || note.find("the fitted scenario") == std::string::npos) {
      report << "note: " << note << '\n';
    }
  }
  fmt::print("{}", report.str());
  if (!res.glm.converged) {
    throw Error(ErrorKind::data,
                "the adoption hazard did not converge; " + o.out + " was not written. Fix: " +
                    "check for separation (a term that predicts adoption perfectly): drop it, "
                    "or fit one level with --level");
  }
  if (!o.coefficients.empty()) {
    // Again, now that every input is known (the hierarchy the scenario names, too): nothing is
    // written unless both outputs can be.
    io::check_output_path(o.coefficients, o.force, "--coefficients");
  }
  // The per-unit values first: the scenario names them, so it never exists without them.
  if (!res.attributes_csv.empty()) {
    io::write_text_file(study::attributes_path(o.out), o.force,
                        [&](std::ostream& s) { s << res.attributes_csv; });
    fmt::print(stderr, "wrote {}\n", study::attributes_path(o.out));
  }
  io::write_text_file(o.out, o.force, [&](std::ostream& s) { s << res.scenario_toml; });
  if (!o.coefficients.empty()) {
    io::write_table(o.coefficients, o.force, io::table_schema("eha"),
                    [&](io::TableWriter& w) { io::write_glm(res.glm, w); });
    fmt::print(stderr, "wrote {}\n", o.coefficients);
  }
  fmt::print(stderr, "wrote {} (run it with `pdlab run`, compare with `pdlab check-fit`)\n", o.out);
  return EX_OK;
}

}  // namespace

void register_fit(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<FitOptions>();
  auto* sub = app.add_subcommand(
      "fit", "Estimate the engine's adoption hazard from events and write a runnable scenario");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
