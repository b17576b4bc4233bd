// The design workflows of pdlab::study for Python: sensitivity, calibrate (point fit and
// ABC-SMC), check-fit (in and out of sample) and the cases. Like module.cpp, a thin client:
// each builds the library's spec, runs it without the GIL and hands back its tables as
// columns (columns.hpp) with the facts the CLI prints; pdlab/__init__.py makes DataFrames.
#include "studies.hpp"

#include "columns.hpp"
#include "gil.hpp"
#include "interrupt.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/abc_study.hpp"
#include "pdlab/study/calibrate_study.hpp"
#include "pdlab/study/cases.hpp"
#include "pdlab/study/estimation_study.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/out_of_sample.hpp"
#include "pdlab/study/sensitivity_study.hpp"
#include "pdlab/study/study.hpp"

#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;
using Strings = std::vector<std::string>;

namespace pdlab::python {

namespace {

// One table of a result, by its schema.
template <class Result, class Write>
py::list table(const Result& r, const char* schema, Write write) {
  ColumnCollector w(io::table_schema(schema));
  write(r, w);
  return w.to_python();
}

py::tuple sensitivity(const std::string& scenario, const Strings& overrides, const Strings& factors,
                      const std::string& method, int samples, int trajectories, int levels,
                      int bootstrap, double confidence, const std::string& out, bool force,
                      const std::string& command_line) {
  if (method != "sobol" && method != "morris") {
    fail(ErrorKind::usage, {"", 0, "method", method}, "unknown sensitivity method",
         "use method='sobol' or method='morris'");
  }
  study::SensitivitySpec spec;
  spec.scenario = scenario;
  spec.overrides = overrides;
  spec.factors = factors;
  spec.method =
      method == "morris" ? study::SensitivityMethod::morris : study::SensitivityMethod::sobol;
  spec.samples = samples;
  spec.trajectories = trajectories;
  spec.levels = levels;
  spec.bootstrap = bootstrap;
  spec.confidence = confidence;
  if (!out.empty()) {
    io::check_output_path(out, force);  // before the run, as the CLI
  }
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::sensitivity_analysis(spec, scope.checking<int, int>());
  });
  if (!out.empty()) {
    without_gil([&] { study::write_sensitivity_study(out, force, r, command_line, scenario); });
  }
  py::dict d;
  d["method"] = method;
  d["design_points"] = r.design_points;
  d["replicates"] = r.replicates;
  d["confidence"] = r.confidence;
  py::list fs;
  for (const auto& f : r.factors) {
    fs.append(py::make_tuple(f.key, f.lo, f.hi));
  }
  d["factors"] = fs;
  auto warnings = r.warnings;
  // Sobol indices no variance decomposition allows: the CLI's digest note, as a warning.
  if (auto note = study::sobol_sampling_note(r); !note.empty()) {
    warnings.push_back(std::move(note));
  }
  d["warnings"] = warnings;
  return py::make_tuple(table(r, "sensitivity", study::write_sensitivity), d);
}

// The fitted scenario's text; its relative paths point from `anchor`'s folder (the output
// file when one is given, else the scenario's own folder).
std::string fitted_text(const study::CalibrateSpec& spec, const study::CalibrateResult& r,
                        const std::string& out, bool force, bool posterior_mean = false) {
  const auto text =
      study::fitted_scenario_toml(spec, r, out.empty() ? spec.scenario : out, posterior_mean);
  if (!out.empty()) {
    io::write_text_file(out, force, [&](std::ostream& s) { s << text; });
  }
  return text;
}

py::tuple calibrate(const std::string& scenario, const Strings& overrides,
                    const std::string& targets, const std::string& out, bool force,
                    const std::string& targets_label) {
  if (!out.empty()) {
    io::check_output_path(out, force);
  }
  // Free keys a set event also sets (fitted only before its date), as the CLI warns.
  Strings warnings;
  const study::CalibrateSpec spec{
      scenario, overrides, targets,
      [&](const Scenario& sc) { warnings = study::free_keys_set_by_events(sc); }, targets_label};
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::calibrate_scenario(spec, {}, scope.checking<const study::CalibrateProgress&>());
  });
  py::dict d;
  py::dict best;
  for (std::size_t i = 0; i < r.free.size(); ++i) {
    best[py::str(r.free[i].name)] = r.best_x[i];
  }
  d["best"] = best;
  py::list starts;
  for (const auto& s : r.starts) {
    starts.append(py::make_tuple(s.seed, s.x, s.search.value, s.search.evaluations,
                                 s.search.converged, s.validation_objective));
  }
  d["starts"] = starts;
  d["validation_replicates"] = r.validation_replicates;
  d["replicates_per_evaluation"] = r.replicates_per_evaluation;
  d["scenario_toml"] = fitted_text(spec, r, out, force);
  d["warnings"] = warnings;
  return py::make_tuple(table(r, "calibration", study::write_calibration), d);
}

py::tuple abc(const std::string& scenario, const Strings& overrides, const std::string& targets,
              int particles, int generations, double quantile, double min_acceptance,
              double tolerance, int replicates, int draws, const std::string& out, bool force,
              const std::string& targets_label) {
  if (!out.empty()) {
    io::check_output_path(out, force);
  }
  study::AbcSpec spec;
  Strings warnings;
  spec.calibrate = {scenario, overrides, targets,
                    [&](const Scenario& sc) { warnings = study::free_keys_set_by_events(sc); },
                    targets_label};
  spec.options.particles = particles;
  spec.options.max_generations = generations;
  spec.options.quantile = quantile;
  spec.options.min_acceptance = min_acceptance;
  spec.options.tolerance = tolerance;
  spec.replicates = replicates;
  spec.draws = draws;
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::abc_calibrate(spec, scope.checking<const AbcGeneration&>());
  });
  py::dict d;
  d["stop"] = r.abc.stop;
  py::list gens;
  for (const auto& g : r.abc.generations) {
    gens.append(py::make_tuple(g.index, g.epsilon, g.simulations, g.acceptance, g.ess));
  }
  d["generations"] = gens;
  d["seed"] = r.seed;
  d["scenario_toml"] = fitted_text(spec.calibrate, study::abc_point(r), out, force, true);
  d["warnings"] = warnings;
  return py::make_tuple(table(r, "abc_posterior", study::write_abc_posterior),
                        table(r, "abc_summary", study::write_abc_summary),
                        table(r, "abc_predictive", study::write_abc_predictive), d);
}

// `out`: where the fitted scenario goes, and what its relative paths are relative to; it is
// written only when `write` (else it is only the anchor and may exist).
py::tuple fit(const study::RisksetInputSpec& inputs, const std::string& terms,
              const std::string& link, const std::string& out, bool write, bool force,
              const std::string& cluster) {
  if (cluster != "parent" && cluster != "none") {
    fail(ErrorKind::usage, {"", 0, "cluster", cluster}, "not a way to cluster",
         "give cluster=\"parent\" (robust standard errors by the unit's superior) or \"none\" "
         "(model-based ones)");
  }
  study::FitSpec spec;
  spec.inputs = inputs;
  spec.terms = terms;
  spec.link = study::glm_link_from_name(link);
  spec.cluster_by_parent = cluster == "parent";
  spec.out = out;
  spec.force = force || !write;
  const auto r = without_gil([&] { return study::fit_study(spec); });
  study::require_converged(r.glm.converged, write ? out : std::string());
  if (write) {
    // The per-unit values first: the scenario names them, so it never exists without them.
    if (!r.attributes_csv.empty()) {
      io::write_text_file(study::attributes_path(out), force,
                          [&](std::ostream& s) { s << r.attributes_csv; });
    }
    io::write_text_file(out, force, [&](std::ostream& s) { s << r.scenario_toml; });
  }
  py::dict d;
  d["n"] = r.glm.n;
  d["events"] = r.glm.events;
  d["iterations"] = r.glm.iterations;
  d["log_likelihood"] = r.glm.log_likelihood;
  d["aic"] = r.glm.aic;
  d["fit_warnings"] = r.glm.warnings;  // aliasing and the like: the notes say what they did
  d["notes"] = r.notes;
  d["scenario_toml"] = r.scenario_toml;
  // The terms carried per unit (empty when none): the scenario joins them from attributes_path.
  d["attributes_csv"] = r.attributes_csv;
  d["attributes_path"] = study::attributes_path(out);
  return py::make_tuple(
      table(r.glm, "eha", [](const GlmFit& f, io::TableWriter& w) { io::write_glm(f, w); }), d);
}

py::tuple check_fit(const std::string& scenario, const Strings& overrides,
                    const std::string& events, const std::string& train_until,
                    const std::string& policy) {
  const auto prepared = study::prepare_study(scenario, overrides);
  py::dict d;
  d["replicates"] = prepared.model->scenario().replicates;
  if (train_until.empty()) {
    const auto r = interruptible([&](const InterruptScope& scope) {
      return study::check_fit_study(prepared, events, scope.checking<int, int>(), policy);
    });
    d["notes"] = r.notes;
    return py::make_tuple(table(r.rows, "check_fit", study::write_check), d);
  }
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::out_of_sample_study(prepared, events, train_until, scope.checking<int, int>(),
                                      policy);
  });
  d["train_until"] = r.train_until;
  d["first_scored"] = r.first_scored;
  d["last_scored"] = r.last_scored;
  d["units"] = r.units;
  d["held_out_events"] = r.held_out_events;
  d["notes"] = r.notes;
  py::dict best;
  for (const char* score : {"log_score", "brier", "crps", "coverage50", "coverage90"}) {
    best[score] = study::best_methods(r, score);
  }
  d["best"] = best;
  // The methods within two Monte Carlo standard errors of the best (log score, Brier).
  py::dict near;
  for (const char* score : {"log_score", "brier"}) {
    near[score] = study::near_best_methods(r, score);
  }
  d["near_best"] = near;
  py::dict fitted;
  for (const auto& m : r.methods) {
    fitted[py::str(m.name)] = m.fitted;
  }
  d["fitted"] = fitted;
  return py::make_tuple(table(r, "out_of_sample", study::write_out_of_sample), d);
}

py::dict cases(const std::string& folder, const std::string& out_dir, const Strings& overrides,
               bool force, const std::string& command) {
  study::CasesOptions o;
  o.folder = folder;
  o.out_dir = out_dir;
  o.overrides = overrides;
  o.force = force;
  o.command_line = command;  // the module's call, as run() records it
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::run_cases(o, {}, scope.checking<int, int>());
  });
  py::dict d;
  d["folder"] = r.folder;
  d["out_dir"] = r.out_dir;
  d["comparison_csv"] = r.comparison_csv;
  d["held_out_csv"] = r.held_out_csv;
  d["written"] = r.written;
  d["reports_skipped"] = r.reports_skipped;
  d["notes"] = r.notes;
  py::dict studies;
  for (const auto& c : r.cases) {
    studies[py::str(c.name)] = c.study_path;
  }
  d["studies"] = studies;
  return d;
}

}  // namespace

void register_studies(py::module_& m) {
  m.def("sensitivity", &sensitivity, py::arg("scenario"), py::arg("overrides"), py::arg("factors"),
        py::arg("method"), py::arg("samples"), py::arg("trajectories"), py::arg("levels"),
        py::arg("bootstrap"), py::arg("confidence"), py::arg("out") = "", py::arg("force") = false,
        py::arg("command_line") = "");
  m.def("calibrate", &calibrate, py::arg("scenario"), py::arg("overrides"), py::arg("targets"),
        py::arg("out"), py::arg("force"), py::arg("targets_label") = "");
  m.def("abc", &abc, py::arg("scenario"), py::arg("overrides"), py::arg("targets"),
        py::arg("particles"), py::arg("generations"), py::arg("quantile"),
        py::arg("min_acceptance"), py::arg("tolerance"), py::arg("replicates"), py::arg("draws"),
        py::arg("out"), py::arg("force"), py::arg("targets_label") = "");
  m.def(
      "fit",
      [](const std::string& scenario, const Strings& overrides, const std::string& events,
         const std::string& covariates, const Strings& static_columns, const Strings& inherit,
         const Strings& event_covariates, const std::string& edges, const std::string& level,
         const std::string& policy, const std::string& terms, const std::string& link,
         const std::string& out, bool write, bool force, const std::string& cluster,
         bool edges_directed) {
        return fit({scenario, overrides, events, covariates, static_columns, inherit,
                    event_covariates, edges, level, policy, edges_directed},
                   terms, link, out, write, force, cluster);
      },
      py::arg("scenario"), py::arg("overrides"), py::arg("events"), py::arg("covariates"),
      py::arg("static_columns"), py::arg("inherit"), py::arg("event_covariates"), py::arg("edges"),
      py::arg("level"), py::arg("policy"), py::arg("terms"), py::arg("link"), py::arg("out"),
      py::arg("write"), py::arg("force"), py::arg("cluster") = "parent",
      py::arg("edges_directed") = false);
  m.def("check_fit", &check_fit, py::arg("scenario"), py::arg("overrides"), py::arg("events"),
        py::arg("train_until"), py::arg("policy") = "");
  m.def("cases", &cases, py::arg("folder"), py::arg("out_dir"), py::arg("overrides"),
        py::arg("force"), py::arg("command"));
}

}  // namespace pdlab::python
