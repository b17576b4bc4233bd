// Estimation benchmarks: logit on 1,000,000 x 20, Cox (Efron) on 1,000,000 x 10, NetInf on
// 500 nodes and 1,000 cascades. Data are generated here, deterministically; run_bench.py times
// R on data of the same shape in the same run.
#include "logit_data.hpp"
#include "pdlab/estimation/cox.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/estimation/netinf.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <random>

namespace {

void BM_Logit_1e6x20(benchmark::State& state) {
  const Eigen::Index p = 20;
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  pdlab::bench::logit_data(x, y);
  std::vector<std::string> names(p, "x");
  for (auto _ : state) {
    auto fit = pdlab::fit_binomial_glm(x, y, {}, names, {});
    benchmark::DoNotOptimize(fit.coef.data());
  }
}
BENCHMARK(BM_Logit_1e6x20)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_CoxEfron_1e6x10(benchmark::State& state) {
  const Eigen::Index n = 1000000;
  const Eigen::Index p = 10;
  std::mt19937_64 gen(2);
  std::normal_distribution<double> z;
  std::exponential_distribution<double> ex(1.0);
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd start = Eigen::VectorXd::Zero(n), stop(n), event(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double eta = 0;
    for (Eigen::Index j = 0; j < p; ++j) {
      x(i, j) = z(gen);
      eta += 0.1 * static_cast<double>(j % 3 - 1) * x(i, j);
    }
    const double t = std::ceil(100 * ex(gen) / std::exp(eta)) / 100 + 0.01;  // ties
    stop[i] = std::min(t, 2.0);
    event[i] = t <= 2.0 ? 1.0 : 0.0;
  }
  std::vector<std::string> names(p, "x");
  for (auto _ : state) {
    auto fit = pdlab::fit_cox(x, start, stop, event, names, {});
    benchmark::DoNotOptimize(fit.coef.data());
    state.counters["newton_iterations"] = fit.iterations;
  }
}
BENCHMARK(BM_CoxEfron_1e6x10)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// Cascades simulated on a random directed graph (500 nodes, 2,500 edges, exponential delays).
void BM_NetInf_500x1000(benchmark::State& state) {
  const int nodes = 500;
  std::mt19937_64 gen(3);
  std::uniform_int_distribution<int> pick(0, nodes - 1);
  std::vector<std::vector<int>> out(nodes);
  for (int e = 0; e < 2500; ++e) {
    out[pick(gen)].push_back(pick(gen));
  }
  std::exponential_distribution<double> delay(1.0);
  std::uniform_real_distribution<double> u;
  std::vector<pdlab::CascadeEvent> events;
  for (int c = 0; c < 1000; ++c) {
    std::vector<double> t(nodes, 1e300);
    using Item = std::pair<double, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
    const int s = pick(gen);
    t[s] = 0;
    q.emplace(0.0, s);
    while (!q.empty()) {
      auto [ti, i] = q.top();
      q.pop();
      if (ti > t[i] || ti > 10) continue;
      for (int j : out[i]) {
        if (u(gen) < 0.2) {  // near-critical spread: cascades of a few to a few hundred nodes
          const double tj = ti + delay(gen);
          if (tj < t[j]) {
            t[j] = tj;
            q.emplace(tj, j);
          }
        }
      }
    }
    for (int i = 0; i < nodes; ++i) {
      if (t[i] <= 10) events.push_back({i, c, t[i]});
    }
  }
  pdlab::NetInfOptions o;
  o.max_edges = 2500;
  for (auto _ : state) {
    auto r = pdlab::netinf(events, nodes, o);
    benchmark::DoNotOptimize(r.edges.data());
    state.counters["edges"] = static_cast<double>(r.edges.size());
    state.counters["events"] = static_cast<double>(events.size());
  }
}
BENCHMARK(BM_NetInf_500x1000)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace
