// NetInf: diffusion-network inference from cascades (Gomez-Rodriguez, Leskovec & Krause 2010,
// KDD; as used on SPID by Desmarais, Harden & Boehmke 2015). Greedy maximisation of the
// cascades' tree log-likelihood, each infected node choosing its best parent among the
// inferred edges or a background "epsilon" edge, with exact lazy (CELF) evaluation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab {

enum class Transmission : std::uint8_t { exponential, power_law, rayleigh };

struct CascadeEvent {
  std::int32_t node;
  std::int32_t cascade;
  double time;
};

// Which formulation of NetInf: SNAP's (Gomez-Rodriguez et al.'s program: every node starts
// at the background score log(epsilon)) or R NetworkInference 1.2.5's (every node but a
// cascade's first starts at its best earlier node scored log(1e-10 f(dt)); inferred edges
// score log(0.5 f(dt)); densities in double; ties go to the largest (destination, origin);
// each edge gets the package's Vuong-test p-value, including its drift of the stored tree
// scores by -1/n per test). It reproduces the package's edges, order, improvements and
// p-values to the last bit on its data (tests/test_netinf_reference.cpp) when nodes and
// cascades come in the package's order.
enum class NetInfFlavour : std::uint8_t { snap, networkinference };

struct NetInfOptions {
  NetInfFlavour flavour = NetInfFlavour::snap;
  double p_value_cutoff = 0;  // networkinference: stop after the first edge with p >= cutoff
  Transmission model = Transmission::exponential;
  double alpha = 1.0;          // rate (exponential, Rayleigh) or exponent (power law, > 1)
  double epsilon = 1e-64;      // probability of the background edge (SNAP's default)
  std::int64_t max_edges = 0;  // 0 = until no edge improves the likelihood
  // Called with the number of edges inferred so far once the candidates are scored and after
  // each edge is added (may be empty); it may throw to stop the search (an interrupt).
  std::function<void(std::int64_t)> on_edge;
};

struct InferredEdge {
  std::int32_t origin;
  std::int32_t destination;
  double improvement;             // marginal gain in log-likelihood when the edge was added
  std::int32_t volume;            // cascades in which origin became destination's best parent
  double median_time_difference;  // upper median, as SNAP prints it
  double mean_time_difference;
  double p_value = -1;  // networkinference flavour only (else < 0)
};

struct NetInfResult {
  std::vector<InferredEdge> edges;  // in greedy order (improvement non-increasing)
  double log_likelihood_initial = 0;
  double log_likelihood = 0;
  std::int64_t candidate_edges = 0;
  std::int64_t gain_evaluations = 0;
};

// Ties between equal gains are broken by the smaller origin id, then destination id (ids are
// positions in the caller's node list); in the networkinference flavour by the larger
// destination id, then origin id, as that package does. Gains are summed over an edge's
// cascades in cascade order (cascade ids). Throws ErrorKind::data on bad input.
NetInfResult netinf(const std::vector<CascadeEvent>& events, std::int32_t n_nodes,
                    const NetInfOptions& options);

// R NetworkInference's default transmission parameter when none is given: for exponential,
// the mean of 1 / mean(time since the cascade's first event) and 1 / mean(time since the
// previous event), with R's mean() (long double, two passes), equal to the package's to the
// last bit; for Rayleigh, its bias-adjusted analogue (not compared with the package).
double netinf_default_parameter(const std::vector<CascadeEvent>& events, Transmission model);

}  // namespace pdlab
