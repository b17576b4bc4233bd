// CSV ingest: read_table on a 1,000,000 x 20 CSV (the logit benchmark's data, a 0/1 response
// and 19 covariates written to 6 significant digits, about 176 MB) on one thread, in MB/s;
// and the phases of `pdlab eha` on that file (read, design, fit), so that run_bench.py can
// set the whole command beside the fit alone. The file is written to a temporary folder and
// removed at exit; with PDLAB_BENCH_CSV=PATH it is written there and kept (run_bench.py
// runs the eha command on it).
#include "logit_data.hpp"
#include "pdlab/io/estimation_io.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace {

class CsvFixture {
 public:
  CsvFixture() {
    if (const char* keep = std::getenv("PDLAB_BENCH_CSV"); keep != nullptr && *keep != '\0') {
      path_ = keep;
    } else {
      std::string tmpl = (std::filesystem::temp_directory_path() / "pdlab-bench-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
      }
      dir_ = tmpl;
      path_ = dir_ + "/logit_1e6x20.csv";
    }
    Eigen::MatrixXd x;
    Eigen::VectorXd y;
    pdlab::bench::logit_data(x, y);
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f == nullptr) {
      throw std::runtime_error("cannot write " + path_);
    }
    fmt::memory_buffer b;
    fmt::format_to(std::back_inserter(b), "y");
    for (Eigen::Index j = 1; j < x.cols(); ++j) {
      fmt::format_to(std::back_inserter(b), ",x{}", j);
    }
    b.push_back('\n');
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      fmt::format_to(std::back_inserter(b), "{}", static_cast<int>(y[i]));
      for (Eigen::Index j = 1; j < x.cols(); ++j) {
        fmt::format_to(std::back_inserter(b), ",{:.6g}", x(i, j));
      }
      b.push_back('\n');
      if (b.size() > (1U << 20U)) {
        std::fwrite(b.data(), 1, b.size(), f);
        b.clear();
      }
    }
    std::fwrite(b.data(), 1, b.size(), f);
    if (std::fclose(f) != 0) {
      throw std::runtime_error("cannot write " + path_);
    }
    bytes_ = std::filesystem::file_size(path_);
  }
  ~CsvFixture() {
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  CsvFixture(const CsvFixture&) = delete;
  CsvFixture& operator=(const CsvFixture&) = delete;
  const std::string& path() const { return path_; }
  std::uintmax_t bytes() const { return bytes_; }
  static const CsvFixture& get() {
    static const CsvFixture f;
    return f;
  }

 private:
  std::string dir_;
  std::string path_;
  std::uintmax_t bytes_ = 0;
};

void BM_CsvIngest_1e6x20(benchmark::State& state) {
  const auto& csv = CsvFixture::get();
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto t = pdlab::io::read_table(csv.path(), threads);
    benchmark::DoNotOptimize(t.num.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * csv.bytes()));
  state.counters["file_bytes"] = static_cast<double>(csv.bytes());
}
BENCHMARK(BM_CsvIngest_1e6x20)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(3)
    ->UseRealTime();

// The eha command's reading on one thread: the formula's 20 columns of the same CSV straight
// into the design matrix (read_design), in MB/s of the file.
void BM_ReadDesign_1e6x20(benchmark::State& state) {
  const auto& csv = CsvFixture::get();
  std::string formula = "y ~ x1";
  for (int j = 2; j < 20; ++j) {
    formula += fmt::format(" + x{}", j);
  }
  const auto f = pdlab::io::parse_formula(formula);
  for (auto _ : state) {
    const auto d = pdlab::io::read_design(csv.path(), f, "", "", 1);
    if (!d) {
      state.SkipWithError("read_design declined the file");
      return;
    }
    benchmark::DoNotOptimize(d->x.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * csv.bytes()));
  state.counters["file_bytes"] = static_cast<double>(csv.bytes());
}
BENCHMARK(BM_ReadDesign_1e6x20)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(3)
    ->UseRealTime();

// The eha command's phases on the CSV, on all cores as the command runs; each counter is the
// best of the iterations. read_s and design_s are the general path (read_table, build_design);
// read_design_s is the path the command takes on this file (read_design), checked equal.
void BM_EhaPhases_1e6x20(benchmark::State& state) {
  const auto& csv = CsvFixture::get();
  std::string formula = "y ~ x1";
  for (int j = 2; j < 20; ++j) {
    formula += fmt::format(" + x{}", j);
  }
  using clock = std::chrono::steady_clock;
  const auto secs = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  double read = 1e300;
  double design = 1e300;
  double fit = 1e300;
  double direct = 1e300;
  const auto f_parsed = pdlab::io::parse_formula(formula);
  for (auto _ : state) {
    const auto t0 = clock::now();
    // The formula's columns only, as the command reads them.
    const auto data =
        pdlab::io::read_table(csv.path(), 0, pdlab::io::formula_columns(f_parsed, "", ""));
    const auto t1 = clock::now();
    const auto d = pdlab::io::build_design(data, f_parsed, "", "");
    const auto t2 = clock::now();
    const auto f = pdlab::fit_binomial_glm(d.x, d.y, d.offset, d.names, {});
    const auto t3 = clock::now();
    benchmark::DoNotOptimize(f.coef.data());
    // What the command does instead of read and design: the CSV straight into the matrix.
    const auto t4 = clock::now();
    const auto d2 = pdlab::io::read_design(csv.path(), f_parsed, "", "");
    const auto t5 = clock::now();
    if (!d2 || d2->x != d.x || d2->y != d.y) {
      state.SkipWithError("read_design differs from read_table and build_design");
      return;
    }
    direct = std::min(direct, secs(t4, t5));
    read = std::min(read, secs(t0, t1));
    design = std::min(design, secs(t1, t2));
    fit = std::min(fit, secs(t2, t3));
  }
  state.counters["read_s"] = read;
  state.counters["design_s"] = design;
  state.counters["fit_s"] = fit;
  state.counters["read_design_s"] = direct;
}
BENCHMARK(BM_EhaPhases_1e6x20)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The fit alone as the command runs it: once, in a process that has not fitted before, so its
// work space (the linear predictor, the means, each thread's weighted block: 30 MB for this
// file) is fresh memory as in `pdlab eha`, where BM_EhaPhases's best of 3 reuses the pages
// of the fits before it. run_bench.py runs it in a process of its own (the filter alone).
void BM_EhaFitCold_1e6x20(benchmark::State& state) {
  const auto& csv = CsvFixture::get();
  std::string formula = "y ~ x1";
  for (int j = 2; j < 20; ++j) {
    formula += fmt::format(" + x{}", j);
  }
  const auto d = pdlab::io::read_design(csv.path(), pdlab::io::parse_formula(formula), "", "");
  if (!d) {
    state.SkipWithError("read_design declined the file");
    return;
  }
  for (auto _ : state) {
    const auto f = pdlab::fit_binomial_glm(d->x, d->y, d->offset, d->names, {});
    benchmark::DoNotOptimize(f.coef.data());
  }
}
BENCHMARK(BM_EhaFitCold_1e6x20)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
