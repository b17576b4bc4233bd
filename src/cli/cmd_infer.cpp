// `pdlab infer`: a thin client of study::infer_study; writes the inferred edges.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <memory>

namespace pdlab::cli {

namespace {

struct InferOptions {
  std::string cascades, nodes, model = "exponential", flavour = "snap", out;
  double parameter = 1.0;
  bool parameter_given = false;  // --params on the command line
  double epsilon = 1e-64;
  std::int64_t max_edges = 0;
  bool edges_given = false;  // --edges on the command line
  double p_value_cutoff = 0;
  bool force = false;
};

void add_options(CLI::App& sub, InferOptions& o) {
  sub.add_option("cascades", o.cascades,
                 "Events CSV: unit_id,policy_id,time (as riskset and fit read them; each policy "
                 "a cascade, dates in decimal years) or node_name,event_time,cascade_id")
      ->required();
  sub.add_option("--nodes", o.nodes,
                 "Node list CSV (node_name, or unit_id: e.g. the units table); fixes node ids "
                 "and so the order of ties (default: the nodes' names sorted)");
  sub.add_option("--model", o.model, "Transmission model")
      ->check(CLI::IsMember(study::transmission_names()))
      ->capture_default_str();
  sub.add_option("--params", o.parameter,
                 "Transmission parameter (rate, or power-law exponent); not given: 1.0 with "
                 "--flavour snap, estimated with networkinference");
  sub.add_option("--epsilon", o.epsilon, "Probability of the background edge")
      ->capture_default_str();
  sub.add_option("--edges,-k", o.max_edges,
                 "Number of edges, at least 1 (default: all that improve)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--flavour", o.flavour,
                 "snap (SNAP's netinf) or networkinference (R NetworkInference: Vuong "
                 "p-values, parameter estimated when --params is not given)")
      ->check(CLI::IsMember(study::netinf_flavour_names()))
      ->capture_default_str();
  sub.add_option("--p-value-cutoff", o.p_value_cutoff,
                 "networkinference: stop after the first edge whose p-value reaches this")
      ->check(CLI::Range(0.0, 1.0));
  sub.add_option("--out,-o", o.out,
                 "Write the edges (origin_node,destination_node,...; riskset --edges and "
                 "hierarchy.edges read the file as it is)");
  add_force(sub, o.force);
}

int run(const InferOptions& o) {
  if (o.edges_given && o.max_edges == 0) {
    fail(ErrorKind::usage, {"", 0, "--edges", "0"},
         "asks for no edges (leaving --edges out asks for every edge that improves the "
         "likelihood)",
         "give --edges 1 or more, or leave it out");
  }
  note_inputs({o.cascades, o.nodes});
  check_table_output(o.out, o.force);
  study::InferSpec spec;
  spec.cascades = o.cascades;
  spec.nodes = o.nodes;
  spec.model = study::transmission_from_name(o.model);
  spec.flavour = study::netinf_flavour_from_name(o.flavour);
  if (o.parameter_given) {
    spec.parameter = o.parameter;
  }
  spec.epsilon = o.epsilon;
  spec.max_edges = o.max_edges;
  spec.p_value_cutoff = o.p_value_cutoff;
  const auto r = study::infer_study(spec, [](double p) {
    fmt::print(stderr, "pdlab: transmission parameter estimated from the cascades: {}\n", p);
  });
  io::write_table(o.out, o.force, io::table_schema("edges"),
                  [&](io::TableWriter& w) { io::write_netinf(r.network, r.cascades, w); });
  fmt::print(stderr,
             "pdlab: NetInf ({}, params {}): {} edges from {} cascades over {} nodes; "
             "log-likelihood {:.6f} -> {:.6f}; {} candidate edges, {} gain evaluations\n",
             o.model, r.parameter, r.network.edges.size(), r.cascades.cascade_ids.size(),
             r.cascades.node_names.size(), r.network.log_likelihood_initial,
             r.network.log_likelihood, r.network.candidate_edges, r.network.gain_evaluations);
  for (const auto& w : r.warnings) {
    fmt::print(stderr, "pdlab: warning: {}\n", w);
  }
  return EX_OK;
}

}  // namespace

void register_infer(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<InferOptions>();
  auto* sub = app.add_subcommand("infer", "Infer a diffusion network from cascades (NetInf)");
  add_options(*sub, *o);
  cmds.push_back({sub, [o, sub] {
                    o->parameter_given = sub->count("--params") > 0;
                    o->edges_given = sub->count("--edges") > 0;
                    return run(*o);
                  }});
}

}  // namespace pdlab::cli
