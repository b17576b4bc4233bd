// pdlab._pdlab: the C++ workflows of pdlab::study for Python, a thin client like the CLI.
// Tables come back as columns (columns.hpp); pdlab/__init__.py makes DataFrames of them and
// holds the Python-facing signatures. pdlab::Error becomes pdlab.Error (errors.cpp).
#include "columns.hpp"
#include "errors.hpp"
#include "gil.hpp"
#include "interrupt.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/compare_study.hpp"
#include "pdlab/study/estimation_study.hpp"
#include "pdlab/study/plan.hpp"
#include "pdlab/study/units.hpp"
#include "pdlab/version.hpp"
#include "studies.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;
using Strings = std::vector<std::string>;

namespace pdlab::python {

namespace {

py::dict run(const std::string& scenario, const Strings& overrides, const std::string& out,
             bool force, bool resume, bool check_estimate, const std::string& command_line) {
  study::RunPlan plan;
  plan.scenario = scenario;
  plan.overrides = overrides;
  plan.out = out;
  plan.force = force;
  plan.resume = resume;
  plan.check_estimate = check_estimate;
  plan.command_line = command_line;
  const auto res = interruptible([&](const InterruptScope& scope) {
    study::RunHooks hooks;
    hooks.progress = scope.checking<int, int>();
    return study::run_plan(plan, hooks);
  });
  const auto& rep = res.report;
  py::dict d;
  d["n_units"] = rep.n_units;
  d["replicates"] = rep.replicates;
  d["resumed_replicates"] = rep.resumed_replicates;
  d["adoptions"] = rep.adoptions;
  d["adoptions_max_level"] = rep.adoptions_down_to.empty()
                                 ? py::object(py::none())
                                 : py::object(py::str(rep.adoptions_down_to));
  d["seconds_simulate"] = rep.seconds_simulate;
  d["seconds_write"] = rep.seconds_write;
  d["estimated_bytes"] = res.estimate.file_bytes;
  d["warnings"] = res.warnings;
  return d;
}

py::tuple compare(const std::string& scenario, const Strings& overrides, const Strings& vary,
                  const std::string& out, bool force, const std::string& command_line,
                  const Strings& contrasts, const std::string& variants_csv) {
  study::CompareSpec spec;
  spec.scenario = scenario;
  spec.overrides = overrides;
  spec.variants = variants_csv.empty() ? study::variants_from_vary(vary)
                                       : study::variants_from_csv(variants_csv);
  spec.contrasts = contrasts;
  if (variants_csv.empty() && spec.variants.size() < 2) {
    fail(ErrorKind::usage, {"", 0, "vary", ""}, "only one variant: nothing to compare",
         "give at least two values for a key");
  }
  if (!out.empty()) {
    io::check_output_path(out, force);  // before the run, as the CLI
  }
  const auto res = interruptible([&](const InterruptScope& scope) {
    return study::compare_designs(spec, {}, scope.checking<int, int>());
  });
  if (!out.empty()) {
    without_gil([&] { study::write_compare_study(out, force, res, command_line, scenario); });
  }
  ColumnCollector w(io::table_schema("compare"));
  study::write_compare(res, w);
  py::list variants;
  for (const auto& v : spec.variants) {
    variants.append(py::make_tuple(v.label, v.assignments));
  }
  return py::make_tuple(w.to_python(), variants, res.replicates, res.warnings,
                        study::compare_intervals_note(res), study::parameters_drawn(res));
}

// The risk set is written by the library to `out` (a .sqlite file, so that the column types
// survive) and read back from it.
py::tuple riskset(const study::RisksetSpec& spec) {
  const auto rep = without_gil([&] { return study::riskset_study(spec); });
  py::dict d;
  d["rows"] = rep.rows;
  d["events"] = rep.events;
  d["policies"] = rep.policies;
  d["after_horizon"] = rep.after_horizon;
  d["outside_subtree"] = rep.outside_subtree;
  d["before_start"] = rep.before_start;
  d["notes"] = study::riskset_notes(rep);  // (the wrapper warns with them, as the CLI notes)
  return py::make_tuple(read_sqlite_tables(spec.out), d);
}

// A fitted model's coefficient table (`table`, written by `write`) and the facts every fit
// has; the caller adds the model's own. Estimates that did not converge are refused.
template <class Fit, class Write>
std::pair<py::object, py::dict> fit_result(const study::TableFit<Fit>& r, const char* table,
                                           Write write) {
  study::require_converged(r.fit.converged);
  ColumnCollector w(io::table_schema(table));
  write(r.fit, w);
  py::dict d;
  d["n"] = r.fit.n;
  d["events"] = r.fit.events;
  d["n_clusters"] = r.fit.n_clusters;
  d["iterations"] = r.fit.iterations;
  d["log_likelihood"] = r.fit.log_likelihood;
  d["dropped_missing"] = r.dropped_missing;
  d["warnings"] = r.fit.warnings;
  return {w.to_python(), d};
}

// What `--stats` writes beside the facts above (parameters, aic, bic, the likelihood-ratio test).
void statistics(const FitStatistics& s, py::dict& d) {
  d["parameters"] = s.parameters;
  d["aic"] = s.aic;
  d["bic"] = s.bic;
  d["lr_statistic"] = s.lr_statistic;
  d["lr_df"] = s.lr_df;
  d["lr_p_value"] = s.lr_p_value;
}

py::tuple eha(const std::string& data, const std::string& formula, const std::string& link,
              const std::string& cluster, const std::string& offset) {
  study::EhaSpec spec;
  spec.data = data;
  spec.formula = formula;
  spec.link = study::glm_link_from_name(link);
  spec.cluster = cluster;
  spec.offset = offset;
  const auto r = without_gil([&] { return study::eha_study(spec); });
  auto [table, info] =
      fit_result(r, "eha", [](const GlmFit& f, io::TableWriter& w) { io::write_glm(f, w); });
  info["deviance"] = r.fit.deviance;
  info["null_deviance"] = r.fit.null_deviance;
  statistics(glm_statistics(r.fit), info);
  return py::make_tuple(table, info);
}

py::tuple cox(const std::string& data, const std::string& formula, const std::string& ties,
              const std::string& strata, const std::string& cluster) {
  study::CoxSpec spec;
  spec.data = data;
  spec.formula = formula;
  spec.ties = study::cox_ties_from_name(ties);
  spec.strata = strata;
  spec.cluster = cluster;
  const auto r = without_gil([&] { return study::cox_study(spec); });
  auto [table, info] =
      fit_result(r, "cox", [](const CoxFit& f, io::TableWriter& w) { io::write_cox(f, w); });
  info["log_likelihood_null"] = r.fit.log_likelihood_null;
  info["n_strata"] = r.fit.n_strata;
  statistics(cox_statistics(r.fit), info);
  return py::make_tuple(table, info);
}

py::tuple infer(const std::string& cascades, const std::string& nodes, const std::string& model,
                const std::string& flavour, std::optional<double> parameter, double epsilon,
                std::int64_t max_edges, double p_value_cutoff) {
  study::InferSpec spec;
  spec.cascades = cascades;
  spec.nodes = nodes;
  spec.model = study::transmission_from_name(model);
  spec.flavour = study::netinf_flavour_from_name(flavour);
  spec.parameter = parameter;
  spec.epsilon = epsilon;
  spec.max_edges = max_edges;
  spec.p_value_cutoff = p_value_cutoff;
  const auto r = interruptible([&](const InterruptScope& scope) {
    return study::infer_study(spec, {}, scope.checking<std::int64_t>());
  });
  ColumnCollector w(io::table_schema("edges"));
  io::write_netinf(r.network, r.cascades, w);
  py::dict d;
  d["parameter"] = r.parameter;
  d["cascades"] = r.cascades.cascade_ids.size();
  d["nodes"] = r.cascades.node_names.size();
  d["log_likelihood_initial"] = r.network.log_likelihood_initial;
  d["log_likelihood"] = r.network.log_likelihood;
  d["warnings"] = r.warnings;
  return py::make_tuple(w.to_python(), d);
}

const char* type_name(io::ColumnType t) {
  return t == io::ColumnType::text ? "text" : t == io::ColumnType::integer ? "integer" : "real";
}

// The table registry: [(name, meaning, [(column, type, meaning)])].
py::list schemas() {
  py::list out;
  for (const auto& s : io::table_schemas()) {
    py::list cols;
    for (const auto& c : s.columns) {
      cols.append(py::make_tuple(c.name, type_name(c.type), c.meaning));
    }
    out.append(py::make_tuple(s.name, s.meaning, cols));
  }
  return out;
}

// Units matching a query: ([(unit_id, parent_id, level, level_index, type, name, name_en, within,
// within_ids)], "" for none; the note on a query read as a padded code, "" when none).
py::tuple units(const std::string& scenario, const std::string& query, std::size_t limit) {
  py::list out;
  std::string note;
  for (const auto& m : study::find_units(scenario, query, limit, &note)) {
    std::string within;
    std::string within_ids;
    for (std::size_t i = 0; i < m.ancestors.size(); ++i) {
      within += (i ? " / " : "") + m.ancestors[i];
      within_ids += (i ? "/" : "") + m.ancestor_ids[i];
    }
    out.append(py::make_tuple(m.id, m.parent_id, m.level, m.level_index, m.type, m.name, m.name_en,
                              within, within_ids));
  }
  return py::make_tuple(out, note);
}

}  // namespace

}  // namespace pdlab::python

PYBIND11_MODULE(_pdlab, m) {
  using namespace pdlab::python;
  m.doc() = "pdlab's C++ workflows; use the pdlab package, which wraps these in DataFrames";
  m.attr("__version__") = PDLAB_VERSION;
  register_errors(m);
  m.def("run", &run, py::arg("scenario"), py::arg("overrides"), py::arg("out"), py::arg("force"),
        py::arg("resume"), py::arg("check_estimate"), py::arg("command_line"));
  m.def("read_tables", &read_sqlite_tables, py::arg("path"),
        py::arg("tables") = std::vector<std::string>{});
  m.def("compare", &compare, py::arg("scenario"), py::arg("overrides"), py::arg("vary"),
        py::arg("out") = "", py::arg("force") = false, py::arg("command_line") = "",
        py::arg("contrasts") = Strings{}, py::arg("variants_csv") = "");
  m.def(
      "riskset",
      [](const std::string& scenario, const Strings& overrides, const std::string& events,
         const std::string& covariates, const Strings& static_columns, const std::string& policy,
         const std::string& level, const std::string& out, const std::string& terms,
         const Strings& inherit, const Strings& event_covariates, const std::string& edges,
         bool edges_directed, const std::string& before_start, const std::string& start) {
        pdlab::study::RisksetSpec spec{
            scenario, overrides, events, covariates, static_columns,   policy, level,
            out,      false,     terms,  inherit,    event_covariates, edges};
        spec.edges_directed = edges_directed;
        spec.before_start = pdlab::study::before_start_from_name(before_start, "before_start");
        spec.start = pdlab::study::risk_start_from_name(start, "start");
        return riskset(spec);
      },
      py::arg("scenario"), py::arg("overrides"), py::arg("events"), py::arg("covariates"),
      py::arg("static_columns"), py::arg("policy"), py::arg("level"), py::arg("out"),
      py::arg("terms") = "", py::arg("inherit") = Strings{},
      py::arg("event_covariates") = Strings{}, py::arg("edges") = "",
      py::arg("edges_directed") = false, py::arg("before_start") = "error",
      py::arg("start") = "calendar");
  m.def("eha", &eha, py::arg("data"), py::arg("formula"), py::arg("link"), py::arg("cluster"),
        py::arg("offset"));
  m.def("cox", &cox, py::arg("data"), py::arg("formula"), py::arg("ties"), py::arg("strata"),
        py::arg("cluster"));
  m.def("infer", &infer, py::arg("cascades"), py::arg("nodes"), py::arg("model"),
        py::arg("flavour"), py::arg("parameter"), py::arg("epsilon"), py::arg("max_edges"),
        py::arg("p_value_cutoff"));
  m.def("schemas", &schemas);
  m.def("units", &units, py::arg("scenario"), py::arg("query"), py::arg("limit"));
  register_studies(m);
}
