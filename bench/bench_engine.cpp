// Benchmarks of the adoption engine on the national scenario (all of China, 240 months).
// Run through `make bench`, which also times a numpy baseline; never a timed test.
#include "pdlab/core/model.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/study.hpp"

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

const pdlab::study::PreparedStudy& national() {
  static const auto study = [] {
    const char* path = std::getenv("PDLAB_BENCH_SCENARIO");
    return std::make_unique<pdlab::study::PreparedStudy>(
        pdlab::study::prepare_study(path ? path : PDLAB_SOURCE_DIR "/scenarios/national.toml", {}));
  }();
  return *study;
}

const pdlab::study::PreparedStudy& prepare(std::vector<std::string> sets) {
  const char* path = std::getenv("PDLAB_BENCH_SCENARIO");
  static std::vector<std::unique_ptr<pdlab::study::PreparedStudy>> kept;
  kept.push_back(std::make_unique<pdlab::study::PreparedStudy>(pdlab::study::prepare_study(
      path ? path : PDLAB_SOURCE_DIR "/scenarios/national.toml", sets)));
  return *kept.back();
}

// The same scenario with every governance module on, the governance layer following adoption
// (no feedback: the block-major schedule).
const pdlab::study::PreparedStudy& national_full() {
  static const auto& study = prepare({"assessment.enabled=true", "coproduction.enabled=true",
                                      "services.enabled=true", "stability.enabled=true"});
  return study;
}

// Everything on: every module and every feedback into adoption (the coupled schedule, in
// windows of feedback.lag_months). Issue 9's bar: <= 3 s per replicate on one core, <= 6x
// the adoption-only replicate, <= 400 bytes per unit.
const pdlab::study::PreparedStudy& national_coupled() {
  static const auto& study = prepare(
      {"assessment.enabled=true", "coproduction.enabled=true", "services.enabled=true",
       "stability.enabled=true", "feedback.need=true", "feedback.escalation=true",
       "feedback.reversal=true", "feedback.pilot_evaluation=true", "feedback.learning=true"});
  return study;
}

// The coupled model of national_coupled() with restructuring (docs/model.md 7.13, issue 10's
// bar: <= 3 s per replicate with restructuring on): street offices, and only they, abolished
// everywhere in 2010-01 and re-established in 2015-01; in every tenth township with three or
// more villages, the last two merged into the first in 2012-01 (inherit "any").
const pdlab::Model& national_coupled_restructured() {
  static const auto model = [] {
    const auto& base = national_coupled();
    const auto& h = *base.inputs.hierarchy;
    auto sc = base.model->scenario();
    const auto event = [&](const std::string& date, pdlab::EventSpec spec) {
      pdlab::Event e;
      e.key = "event[" + std::to_string(sc.events.size()) + "]";
      e.date = date;
      e.policy = sc.policies.front().id;
      e.spec = std::move(spec);
      sc.events.push_back(std::move(e));
    };
    event("2010-01", pdlab::AbolishSpec{"township", {}, {"street_office"}, false});
    const int lt = *h.level_index("township");
    int k = 0;
    for (std::int32_t u = h.level_begin(lt); u < h.level_begin(lt + 1); ++u) {
      if (h.n_children(u) >= 3 && k++ % 10 == 0) {
        const auto last = h.end_child(u) - 1;
        event("2012-01", pdlab::MergeSpec{{std::string(h.id(last - 1)), std::string(h.id(last))},
                                          std::string(h.id(h.first_child(u))),
                                          "any"});
      }
    }
    event("2015-01", pdlab::ReestablishSpec{"township", {}, {"street_office"}});
    return std::make_unique<pdlab::Model>(sc, h, *base.inputs.network);
  }();
  return *model;
}

double peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

// One replicate on one core.
void BM_NationalReplicate(benchmark::State& state) {
  const auto& st = national();
  const auto& m = *st.model;
  const double n = m.hierarchy().size();
  const double rss_loaded = peak_rss_bytes();
  std::int32_t rep = 0;
  for (auto _ : state) {
    auto r = pdlab::run_replicate(m, rep++);
    benchmark::DoNotOptimize(r.adoptions.data());
  }
  const double unit_periods = n * m.periods() * m.n_policies();
  state.counters["unit_periods_per_s"] = benchmark::Counter(
      unit_periods * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["units"] = n;
  state.counters["hierarchy_bytes_per_unit"] =
      static_cast<double>(m.hierarchy().memory_bytes()) / n;
  state.counters["peak_rss_bytes_per_unit_after_load"] = rss_loaded / n;
  state.counters["peak_rss_bytes_per_unit"] = peak_rss_bytes() / n;
}
BENCHMARK(BM_NationalReplicate)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

// One replicate of the full model (adoption + governance layer) on one core. Three
// repetitions; run_bench.py reports the fastest, the least disturbed by other tenants.
void BM_NationalFullModel(benchmark::State& state) {
  const auto& m = *national_full().model;
  std::int32_t rep = 0;
  for (auto _ : state) {
    auto r = pdlab::run_replicate(m, rep++);
    benchmark::DoNotOptimize(r.governance.values.data());
  }
  state.counters["communities"] = m.hierarchy().level_begin(m.hierarchy().n_levels()) -
                                  m.hierarchy().level_begin(m.hierarchy().n_levels() - 1);
}
BENCHMARK(BM_NationalFullModel)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime();

// One replicate of the coupled model with everything on, on one core; peak memory per unit
// (the process's peak: this benchmark runs after the others in the default order, so the
// figure bounds what everything on needs).
void BM_NationalCoupled(benchmark::State& state) {
  const auto& m = *national_coupled().model;
  const double n = m.hierarchy().size();
  std::int32_t rep = 0;
  for (auto _ : state) {
    auto r = pdlab::run_replicate(m, rep++);
    benchmark::DoNotOptimize(r.governance.values.data());
  }
  state.counters["peak_rss_bytes_per_unit"] = peak_rss_bytes() / n;
}
BENCHMARK(BM_NationalCoupled)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime();

// The same with restructuring on; run_bench.py prints the ratio to BM_NationalCoupled, run in
// the same process.
void BM_NationalCoupledRestructured(benchmark::State& state) {
  const auto& m = national_coupled_restructured();
  std::int32_t rep = 0;
  for (auto _ : state) {
    auto r = pdlab::run_replicate(m, rep++);
    benchmark::DoNotOptimize(r.governance.values.data());
  }
  state.counters["merges"] = static_cast<double>(m.restructuring().transitions().size());
}
BENCHMARK(BM_NationalCoupledRestructured)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime();

// The coupled model of national_coupled() with every community updated on its own
// (RunOptions::share_identical_communities off, docs/model.md 7.9.5); run_bench.py prints the
// ratio of BM_NationalCoupled to it, run in the same process.
void BM_NationalCoupledUnshared(benchmark::State& state) {
  const auto& m = *national_coupled().model;
  pdlab::RunOptions options;
  options.share_identical_communities = false;
  std::int32_t rep = 0;
  for (auto _ : state) {
    auto r = pdlab::run_replicate(m, rep++, options);
    benchmark::DoNotOptimize(r.governance.values.data());
  }
}
BENCHMARK(BM_NationalCoupledUnshared)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(3)
    ->UseRealTime();

// An ensemble of 4 replicates per thread, at 1 and 2 threads (ensemble scaling).
void BM_NationalEnsemble(benchmark::State& state) {
  const auto& m = *national().model;
  const int threads = static_cast<int>(state.range(0));
  const int replicates = 4 * threads;
  for (auto _ : state) {
    auto r = pdlab::run_ensemble(m, replicates, threads);
    benchmark::DoNotOptimize(r.data());
  }
  state.counters["replicates_per_s"] = benchmark::Counter(
      replicates * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NationalEnsemble)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(4.0)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
