#include "pdlab/estimation/netinf.hpp"

#include "pdlab/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <tuple>

namespace pdlab {

namespace {

double log_transmission(Transmission m, double alpha, double dt) {
  switch (m) {
    case Transmission::exponential: return std::log(alpha) - alpha * dt;
    case Transmission::power_law: return std::log(alpha - 1) - alpha * std::log(dt);
    case Transmission::rayleigh: return std::log(alpha * dt) - 0.5 * alpha * dt * dt;
  }
  return 0;
}

// Stable sort of (key, payload) records by key: a counting sort when the key range is small
// (node pairs of up to a few thousand nodes), else a merge sort.
template <typename T>
void stable_sort_by_key(std::vector<T>& v, std::uint64_t key_range) {
  if (key_range > 0 && key_range <= (std::uint64_t{1} << 24)) {
    std::vector<std::size_t> start(key_range + 1, 0);
    for (const auto& x : v) {
      ++start[x.key + 1];
    }
    for (std::size_t k = 1; k < start.size(); ++k) {
      start[k] += start[k - 1];
    }
    std::vector<T> out(v.size());
    for (const auto& x : v) {
      out[start[x.key]++] = x;
    }
    v.swap(out);
    return;
  }
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.key < b.key; });
}

struct Occurrence {  // an edge's occurrence in one cascade
  std::int32_t cascade;
  std::int32_t dst_pos;  // position of the destination in the cascade
  double dt;
  double log_f;  // the edge's score in this cascade (flavour-specific)
};

struct KeyedOccurrence {
  std::uint64_t key;  // origin * n_nodes + destination
  Occurrence occ;
};

// Candidate edges in CSR form: keys[e] = (origin, destination), occurrences of edge e at
// [begin[e], begin[e + 1]). `pairs` is consumed.
struct CandidateEdges {
  std::vector<std::pair<std::int32_t, std::int32_t>> keys;
  std::vector<std::size_t> begin;
  std::vector<Occurrence> occ;
};

CandidateEdges to_csr(std::vector<KeyedOccurrence>& pairs, std::int32_t n_nodes) {
  const auto nn = static_cast<std::uint64_t>(n_nodes);
  stable_sort_by_key(pairs, nn * nn);
  CandidateEdges c;
  c.occ.reserve(pairs.size());
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    if (k == 0 || pairs[k].key != pairs[k - 1].key) {
      c.keys.emplace_back(static_cast<std::int32_t>(pairs[k].key / nn),
                          static_cast<std::int32_t>(pairs[k].key % nn));
      c.begin.push_back(k);
    }
    c.occ.push_back(pairs[k].occ);
  }
  c.begin.push_back(pairs.size());
  std::vector<KeyedOccurrence>().swap(pairs);
  return c;
}

}  // namespace

NetInfResult netinf_networkinference(const std::vector<CascadeEvent>& events, std::int32_t n_nodes,
                                     const NetInfOptions& opt);

NetInfResult netinf(const std::vector<CascadeEvent>& events, std::int32_t n_nodes,
                    const NetInfOptions& opt) {
  if (opt.flavour == NetInfFlavour::networkinference) {
    if (!(opt.alpha > 0) || opt.model == Transmission::power_law) {
      fail(ErrorKind::usage, {"", 0, "--params", std::to_string(opt.alpha)},
           "the networkinference flavour needs an exponential or Rayleigh model with params > 0",
           "use --model exponential or rayleigh, or --flavour snap");
    }
    return netinf_networkinference(events, n_nodes, opt);
  }
  if (!(opt.alpha > 0) || (opt.model == Transmission::power_law && !(opt.alpha > 1))) {
    fail(ErrorKind::usage, {"", 0, "--params", std::to_string(opt.alpha)},
         "invalid transmission parameter",
         "use a rate > 0 (exponential, Rayleigh) or an exponent > 1 (power law)");
  }
  if (!(opt.epsilon > 0 && opt.epsilon < 1)) {
    fail(ErrorKind::usage, {"", 0, "--epsilon", fmt::format("{}", opt.epsilon)},
         "epsilon must be in (0, 1)", "use a small probability such as 1e-64");
  }
  // Cascades: nodes sorted by time (stable: input order among ties).
  std::int32_t n_casc = 0;
  for (const auto& e : events) {
    n_casc = std::max(n_casc, e.cascade + 1);
  }
  std::vector<std::vector<std::pair<double, std::int32_t>>> casc(n_casc);
  for (const auto& e : events) {
    if (!std::isfinite(e.time)) {
      fail(ErrorKind::data, {"", 0, "event_time", std::to_string(e.time)},
           "event times must be finite", "remove or fix the event");
    }
    casc[e.cascade].emplace_back(e.time, e.node);
  }
  for (auto& c : casc) {
    std::stable_sort(c.begin(), c.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < c.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (c[j].second == c[i].second) {
          fail(ErrorKind::data, {"", 0, "node_name", std::to_string(c[i].second)},
               "a node appears twice in one cascade", "keep each node's first event only");
        }
      }
    }
  }
  // Candidate edges j -> i with t_j < t_i in some cascade, with their occurrences, in CSR
  // form sorted by (origin, destination): one sort of all pairs instead of a map.
  std::vector<KeyedOccurrence> pairs;
  for (std::int32_t c = 0; c < n_casc; ++c) {
    const auto& v = casc[c];
    for (std::size_t i = 0; i < v.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        const double dt = v[i].first - v[j].first;
        if (dt > 0) {
          pairs.push_back(
              {static_cast<std::uint64_t>(v[j].second) * static_cast<std::uint64_t>(n_nodes) +
                   static_cast<std::uint64_t>(v[i].second),
               {c, static_cast<std::int32_t>(i), dt, log_transmission(opt.model, opt.alpha, dt)}});
        }
      }
    }
  }
  auto csr = to_csr(pairs, n_nodes);
  const auto& keys = csr.keys;
  const auto& begin = csr.begin;
  const auto& occurrences = csr.occ;
  NetInfResult res;
  res.candidate_edges = static_cast<std::int64_t>(keys.size());
  const double log_eps = std::log(opt.epsilon);
  // score[c][pos]: log-likelihood contribution of the node at pos, parent[c][pos] its parent.
  std::vector<std::vector<double>> score(n_casc);
  std::vector<std::vector<std::int32_t>> parent(n_casc);
  for (std::int32_t c = 0; c < n_casc; ++c) {
    score[c].assign(casc[c].size(), log_eps);
    parent[c].assign(casc[c].size(), -1);
    res.log_likelihood_initial += log_eps * static_cast<double>(casc[c].size());
  }
  res.log_likelihood = res.log_likelihood_initial;
  auto gain = [&](std::size_t e) {
    ++res.gain_evaluations;
    double g = 0;
    for (std::size_t k = begin[e]; k < begin[e + 1]; ++k) {
      const auto& o = occurrences[k];
      g += std::max(0.0, o.log_f - score[o.cascade][o.dst_pos]);
    }
    return g;
  };
  // Max-heap of (stale gain, -origin, -destination, edge, round evaluated).
  using Item = std::tuple<double, std::int64_t, std::size_t, std::int64_t>;
  auto tie_key = [&](std::size_t e) {
    return -(static_cast<std::int64_t>(keys[e].first) * (n_nodes + 1) + keys[e].second);
  };
  std::priority_queue<Item> heap;
  for (std::size_t e = 0; e < keys.size(); ++e) {
    heap.emplace(gain(e), tie_key(e), e, 0);
  }
  const auto progress = [&] {
    if (opt.on_edge) {
      opt.on_edge(static_cast<std::int64_t>(res.edges.size()));
    }
  };
  progress();
  std::int64_t round = 0;
  const std::int64_t limit =
      opt.max_edges > 0 ? opt.max_edges : static_cast<std::int64_t>(keys.size());
  while (!heap.empty() && static_cast<std::int64_t>(res.edges.size()) < limit) {
    auto [g, tk, e, when] = heap.top();
    heap.pop();
    if (when != round) {
      // Stale: gains only fall as edges are added (submodularity), so re-evaluate and requeue.
      heap.emplace(gain(e), tk, e, round);
      continue;
    }
    if (!(g > 0)) {
      break;
    }
    // Accept: update best parents in the cascades of this edge.
    const auto [src, dst] = keys[e];
    std::vector<double> dts;
    const auto occ_begin = occurrences.begin() + static_cast<std::ptrdiff_t>(begin[e]);
    const auto occ_end = occurrences.begin() + static_cast<std::ptrdiff_t>(begin[e + 1]);
    for (auto it = occ_begin; it != occ_end; ++it) {
      const auto& o = *it;
      if (o.log_f > score[o.cascade][o.dst_pos]) {
        score[o.cascade][o.dst_pos] = o.log_f;
        parent[o.cascade][o.dst_pos] = src;
      }
    }
    for (auto it = occ_begin; it != occ_end; ++it) {
      const auto& o = *it;
      if (parent[o.cascade][o.dst_pos] == src) {
        dts.push_back(o.dt);
      }
    }
    std::sort(dts.begin(), dts.end());
    double mean = 0;
    for (double d : dts) {
      mean += d;
    }
    mean /= dts.empty() ? 1.0 : static_cast<double>(dts.size());
    res.edges.push_back({src, dst, g, static_cast<std::int32_t>(dts.size()),
                         dts.empty() ? 0.0 : dts[dts.size() / 2], mean});
    res.log_likelihood += g;
    ++round;
    progress();
  }
  return res;
}

}  // namespace pdlab

namespace pdlab {

namespace {

std::vector<std::vector<std::pair<double, std::int32_t>>> sorted_cascades(
    const std::vector<CascadeEvent>& events) {
  std::int32_t n_casc = 0;
  for (const auto& e : events) {
    n_casc = std::max(n_casc, e.cascade + 1);
  }
  std::vector<std::vector<std::pair<double, std::int32_t>>> casc(n_casc);
  for (const auto& e : events) {
    casc[e.cascade].emplace_back(e.time, e.node);
  }
  for (auto& c : casc) {
    std::stable_sort(c.begin(), c.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return casc;
}

// Abramowitz & Stegun 7.1.26, as NetworkInference computes its p-values.
double normal_cdf_as(double x) {
  const double a1 = 0.254829592, a2 = -0.284496736, a3 = 1.421413741, a4 = -1.453152027,
               a5 = 1.061405429, p = 0.3275911;
  const int sign = x < 0 ? -1 : 1;
  x = std::fabs(x) / std::sqrt(2.0);
  const double t = 1.0 / (1.0 + p * x);
  const double y = 1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * std::exp(-x * x);
  return 0.5 * (1.0 + sign * y);
}

// R's mean() of doubles: a long-double sum divided by n, then a second pass adding the mean
// residual (summary.c), so that the default parameter is the package's to the last bit.
double r_mean(const std::vector<double>& x) {
  const auto n = static_cast<long double>(x.size());
  long double s = 0.0L;
  for (double v : x) {
    s += v;
  }
  s /= n;
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0.0L;
    for (double v : x) {
      t += v - s;
    }
    s += t / n;
  }
  return static_cast<double>(s);
}

}  // namespace

double netinf_default_parameter(const std::vector<CascadeEvent>& events, Transmission model) {
  const auto casc = sorted_cascades(events);
  std::vector<double> max_times;  // time since the cascade's first event
  std::vector<double> min_times;  // time since the previous event
  for (const auto& c : casc) {
    for (std::size_t i = 1; i < c.size(); ++i) {
      max_times.push_back(c[i].first - c[0].first);
      min_times.push_back(c[i].first - c[i - 1].first);
    }
  }
  if (max_times.empty()) {
    fail(ErrorKind::data, {}, "no cascade has two events", "cascades need at least two nodes");
  }
  if (model == Transmission::rayleigh) {
    long double sq_max = 0;  // R's sum() accumulates in long double
    long double sq_min = 0;
    for (std::size_t k = 0; k < max_times.size(); ++k) {
      sq_max += max_times[k] * max_times[k];
      sq_min += min_times[k] * min_times[k];
    }
    const auto count = static_cast<double>(max_times.size());
    const double sh_max = std::sqrt(static_cast<double>(sq_max) / 2 * count);
    const double sh_min = std::sqrt(static_cast<double>(sq_min) / 2 * count);
    const double adjust =
        std::exp(std::lgamma(count) + std::log(std::sqrt(count)) - std::lgamma(count + 0.5));
    return r_mean({sh_max * adjust, sh_min * adjust});
  }
  const double lambda_min = 1 / r_mean(max_times);
  const double lambda_max = 1 / r_mean(min_times);
  return r_mean({lambda_max, lambda_min});
}

namespace {

// log(w f(dt)) with w = 0.5 for an inferred ("tied") edge and 1e-10 otherwise, in double
// precision and in the package's order of operations (so that equal gains stay bit-equal).
double ni_edge_score(Transmission model, double lambda, double dt, bool tied) {
  double y = 0;
  if (model == Transmission::rayleigh) {
    y = (dt / std::pow(lambda, 2)) * std::exp(-std::pow(dt, 2) / (2 * std::pow(lambda, 2)));
  } else {
    y = lambda * std::exp(-1 * lambda * dt);
  }
  return std::log((tied ? 0.5 : 0.0000000001) * y);
}

// Sum of a cascade's node scores in node order, skipping unscored (NaN) nodes.
double ni_tree_sum(const std::vector<double>& scores) {
  double s = 0;
  for (double x : scores) {
    if (!std::isnan(x)) {
      s += x;
    }
  }
  return s;
}

// Sample standard deviation as Rcpp's sd(): a two-pass long-double mean, then the sum of
// squared deviations over n - 1.
double ni_sd(const std::vector<double>& x) {
  const double mean = r_mean(x);
  double ss = 0.0;
  for (double v : x) {
    ss += std::pow(v - mean, 2.0);
  }
  return std::sqrt(ss / (static_cast<double>(x.size()) - 1));
}

}  // namespace

// R NetworkInference 1.2.5 (desmarais-lab/NetworkInference, src/netinf.cpp), reimplemented:
// * every node but a cascade's first starts with its best earlier node scored
//   log(1e-10 f(dt)); an inferred edge scores log(0.5 f(dt)); densities in double;
// * greedy: the edge with the largest gain, ties to the largest (destination, origin) (the
//   package scans a map keyed by (child, parent) and keeps the last edge with gain >= the
//   best); gains are summed over the edge's cascades in cascade order;
// * p-value of the k-th edge: Vuong-type test on the per-cascade tree scores before and after
//   the edge, liks = (after - 1/n) - before. The package subtracts 1/n *in place* from its
//   vector of tree scores on every test (an Rcpp sugar assignment to a by-value NumericVector
//   that shares its storage), and only re-sums the trees an edge changes, so "before" carries
//   a drift of -1/n per edge since the cascade's tree last changed. Reproduced here as the
//   package computes it.
NetInfResult netinf_networkinference(const std::vector<CascadeEvent>& events, std::int32_t n_nodes,
                                     const NetInfOptions& opt) {
  const auto casc = sorted_cascades(events);
  const auto n_casc = static_cast<std::int32_t>(casc.size());
  for (const auto& e : events) {
    if (!std::isfinite(e.time)) {
      fail(ErrorKind::data, {"", 0, "event_time", std::to_string(e.time)},
           "event times must be finite", "remove or fix the event");
    }
  }
  for (const auto& v : casc) {
    for (std::size_t i = 1; i < v.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (v[j].second == v[i].second) {
          fail(ErrorKind::data, {"", 0, "node_name", std::to_string(v[i].second)},
               "a node appears twice in one cascade", "keep each node's first event only");
        }
      }
    }
  }
  const double lambda = opt.alpha;
  // Initial trees: each node's best earlier node with the untied weight 1e-10; the first
  // node(s) of a cascade are not scored (NaN).
  std::vector<std::vector<double>> score(n_casc);
  std::vector<double> tree(n_casc, 0.0);  // the package's tree_scores (drifting, see above)
  for (std::int32_t c = 0; c < n_casc; ++c) {
    const auto& v = casc[c];
    score[c].assign(v.size(), std::nan(""));
    for (std::size_t i = 0; i < v.size(); ++i) {
      double best = -INFINITY;
      bool any = false;
      for (std::size_t j = 0; j < v.size(); ++j) {
        if (v[j].first < v[i].first) {
          any = true;
          best = std::max(best, ni_edge_score(opt.model, lambda, v[i].first - v[j].first, false));
        }
      }
      if (any) {
        if (best == -INFINITY) {
          fail(ErrorKind::data, {"", 0, "event_time", std::to_string(v[i].first)},
               "an observed time has zero likelihood under the transmission model",
               "adjust --params");
        }
        score[c][i] = best;
        tree[c] += best;
      }
    }
  }
  // Possible edges (u, v) with t_u < t_v, in CSR form sorted by (v, u) (the package's map
  // order), each occurrence (in cascade order) with its tied score log(0.5 f(dt)).
  const auto nn = static_cast<std::uint64_t>(n_nodes);
  std::vector<KeyedOccurrence> pairs;
  for (std::int32_t c = 0; c < n_casc; ++c) {
    const auto& v = casc[c];
    for (std::size_t i = 0; i < v.size(); ++i) {
      for (std::size_t j = i + 1; j < v.size(); ++j) {
        if (v[i].first < v[j].first) {
          const double dt = v[j].first - v[i].first;
          pairs.push_back(
              {static_cast<std::uint64_t>(v[j].second) * nn +
                   static_cast<std::uint64_t>(v[i].second),
               {c, static_cast<std::int32_t>(j), dt, ni_edge_score(opt.model, lambda, dt, true)}});
        }
      }
    }
  }
  auto csr = to_csr(pairs, n_nodes);  // keys are (destination, origin)
  const auto& keys = csr.keys;
  const auto& begin = csr.begin;
  const auto& occ = csr.occ;
  NetInfResult res;
  res.candidate_edges = static_cast<std::int64_t>(keys.size());
  for (double t : tree) {
    res.log_likelihood_initial += t;
  }
  res.log_likelihood = res.log_likelihood_initial;
  auto gain = [&](std::size_t e) {
    ++res.gain_evaluations;
    double g = 0;
    for (std::size_t k = begin[e]; k < begin[e + 1]; ++k) {
      const double current = score[occ[k].cascade][occ[k].dst_pos];
      if (occ[k].log_f > current) {
        g += occ[k].log_f - current;
      }
    }
    return g;
  };
  // Lazy greedy: gains only fall as scores rise (each term of the sum falls, and so does the
  // rounded sum), so a re-evaluated top of the heap is the package's choice. The heap orders
  // by (gain, edge index), the index following (destination, origin): among equal gains the
  // largest (destination, origin) wins, as in the package.
  using Item = std::tuple<double, std::size_t, std::int64_t>;  // gain, edge index, round
  std::priority_queue<Item> heap;
  for (std::size_t e = 0; e < keys.size(); ++e) {
    heap.emplace(gain(e), e, 0);
  }
  const auto progress = [&] {
    if (opt.on_edge) {
      opt.on_edge(static_cast<std::int64_t>(res.edges.size()));
    }
  };
  progress();
  std::int64_t round = 0;
  const std::int64_t limit = opt.max_edges > 0 ? opt.max_edges : res.candidate_edges;
  const double drift = static_cast<double>(1.0F / static_cast<float>(n_casc));
  const double sqrt_n = std::sqrt(static_cast<double>(static_cast<float>(n_casc)));
  std::vector<std::int32_t> changed;
  std::vector<double> liks(n_casc);
  while (!heap.empty() && static_cast<std::int64_t>(res.edges.size()) < limit) {
    auto [g, e, when] = heap.top();
    heap.pop();
    if (when != round) {
      heap.emplace(gain(e), e, round);
      continue;
    }
    if (opt.max_edges <= 0 && opt.p_value_cutoff <= 0 && !(g > 0)) {
      break;  // neither a count nor a cut-off: every edge that improves, as the snap flavour
    }
    const auto [dst, src] = keys[e];
    changed.clear();
    std::vector<double> dts;
    for (std::size_t k = begin[e]; k < begin[e + 1]; ++k) {
      auto& sc = score[occ[k].cascade][occ[k].dst_pos];
      if (occ[k].log_f > sc) {
        sc = occ[k].log_f;
        changed.push_back(occ[k].cascade);
        dts.push_back(occ[k].dt);
      }
    }
    // The test: before = the tree scores as the package holds them; the changed trees are
    // re-summed, then 1/n is subtracted from every tree score in place (the drift).
    const std::vector<double> before = tree;
    for (auto c : changed) {
      tree[c] = ni_tree_sum(score[c]);
    }
    double sum = 0;
    for (std::int32_t c = 0; c < n_casc; ++c) {
      tree[c] = tree[c] - drift;
      liks[c] = tree[c] - before[c];
      sum += liks[c];
    }
    const double stat = sum / (ni_sd(liks) * sqrt_n);
    const double p = 1 - normal_cdf_as(stat);
    std::sort(dts.begin(), dts.end());
    double mean_dt = 0;
    for (double d : dts) {
      mean_dt += d;
    }
    mean_dt /= dts.empty() ? 1.0 : static_cast<double>(dts.size());
    res.edges.push_back({src, dst, g, static_cast<std::int32_t>(dts.size()),
                         dts.empty() ? 0.0 : dts[dts.size() / 2], mean_dt, p});
    res.log_likelihood += g;
    ++round;
    progress();
    if (opt.p_value_cutoff > 0 && p >= opt.p_value_cutoff) {
      break;
    }
  }
  return res;
}

}  // namespace pdlab
