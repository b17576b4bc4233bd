// Writing a study: the Jiangsu roll-out, 20 replicates, governance modules off, one thread
// (as run_bench.py runs the command). The replicates are simulated, then written with
// write_study (the StudyWriter that `pdlab run` streams into: adoptions, runs, cells and
// summaries) to a new temporary file. Counters are best-of-iterations, in thread CPU seconds as
// well as wall seconds: on a shared machine the CPU figures are the steadier.
#include "pdlab/io/results.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/study.hpp"

#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void BM_StudyWrite_Jiangsu20(benchmark::State& state) {
  const auto study =
      pdlab::study::prepare_study(PDLAB_SOURCE_DIR "/scenarios/cases/jiangsu-rollout.toml",
                                  {"assessment.enabled=false", "coproduction.enabled=false",
                                   "services.enabled=false", "stability.enabled=false"});
  std::string dir = (std::filesystem::temp_directory_path() / "pdlab-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  const std::string out = dir + "/w.sqlite";
  pdlab::io::StudyMeta meta;
  meta.scenario_toml = study.loaded.resolved_toml;
  double sim_cpu = 1e300, sim_wall = 1e300, write_cpu = 1e300, write_wall = 1e300;
  std::int64_t rows = 0;
  for (auto _ : state) {
    // Each iteration writes a new file, as a study usually is: replacing the last one would
    // add the kernel's work of dropping it and, on ext4, of flushing the new one at the rename.
    std::filesystem::remove(out);
    const double c0 = thread_cpu(), w0 = wall();
    const auto results = pdlab::run_ensemble(*study.model, 20, 1);
    const double c1 = thread_cpu(), w1 = wall();
    pdlab::io::write_study(out, true, *study.model, results, meta);
    const double c2 = thread_cpu(), w2 = wall();
    sim_cpu = std::min(sim_cpu, c1 - c0);
    sim_wall = std::min(sim_wall, w1 - w0);
    write_cpu = std::min(write_cpu, c2 - c1);
    write_wall = std::min(write_wall, w2 - w1);
    rows = 0;
    for (const auto& r : results) {
      for (const auto& a : r.adoptions) {  // the rows the writer writes
        rows += study.model->hierarchy().level(a.unit) <= study.model->adoptions_max_level();
      }
    }
  }
  std::filesystem::remove_all(dir);
  state.counters["adoption_rows"] = static_cast<double>(rows);
  state.counters["simulate_cpu_s"] = sim_cpu;
  state.counters["write_cpu_s"] = write_cpu;
  state.counters["simulate_wall_s"] = sim_wall;
  state.counters["write_wall_s"] = write_wall;
  state.counters["write_rows_per_cpu_s"] = static_cast<double>(rows) / write_cpu;
  state.counters["write_over_simulate_cpu"] = write_cpu / sim_cpu;
}
BENCHMARK(BM_StudyWrite_Jiangsu20)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
