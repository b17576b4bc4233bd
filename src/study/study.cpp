#include "pdlab/study/study.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/study_writer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <filesystem>

namespace pdlab::study {

PreparedStudy prepare_study(const std::string& scenario_path,
                            const std::vector<std::string>& overrides) {
  PreparedStudy s;
  s.loaded = io::load_scenario(scenario_path, overrides);
  s.inputs = io::load_inputs(s.loaded.scenario);
  s.model = std::make_unique<Model>(s.loaded.scenario, *s.inputs.hierarchy, *s.inputs.network);
  return s;
}

namespace {

// A study is one SQLite file: a name that says another format (x.csv) would be a surprise.
void check_study_extension(const std::string& out_path) {
  static constexpr std::array kOther = {".csv", ".tsv",  ".txt", ".json",    ".html",
                                        ".htm", ".toml", ".gz",  ".parquet", ".xlsx"};
  auto ext = std::filesystem::path(out_path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(kOther.begin(), kOther.end(), ext) != kOther.end()) {
    fail(ErrorKind::usage, {"", 0, "--out", out_path},
         "a study is written as one SQLite file, but this name ends in " + ext,
         "name it .sqlite (for example " +
             std::filesystem::path(out_path).replace_extension(".sqlite").string() +
             "), then write tables as CSV with `pdlab export STUDY --table NAME --format csv`");
  }
}

}  // namespace

void check_run_output(const std::string& out_path, bool force) {
  io::check_output_path(out_path, force);
  check_study_extension(out_path);
}

RunReport run_study(const PreparedStudy& study, const std::string& out_path, bool force,
                    bool resume, const std::string& command_line,
                    const std::function<void(int, int)>& progress, const ReplicateResult* pilot,
                    const std::function<void(const ReplicateResult&)>& on_replicate) {
  check_run_output(out_path, force);
  using clock = std::chrono::steady_clock;
  const auto& sc = study.model->scenario();
  RunReport rep;
  rep.n_units = study.inputs.hierarchy->size();
  rep.replicates = sc.replicates;
  io::StudyMeta meta;
  meta.scenario_toml = study.loaded.resolved_toml;
  meta.command_line = command_line;
  io::StudyWriter writer(out_path, force, resume, *study.model, sc.replicates, meta);
  rep.resumed_replicates = sc.replicates - static_cast<std::int32_t>(writer.pending().size());
  double writing = 0;
  const auto t0 = clock::now();
  std::vector<std::int32_t> pending = writer.pending();
  const bool reuse = pilot != nullptr && !pending.empty() && pending.front() == pilot->replicate;
  if (reuse) {
    writer.add(*pilot);
    if (on_replicate) {
      on_replicate(*pilot);
    }
    writing += std::chrono::duration<double>(clock::now() - t0).count();
    pending.erase(pending.begin());
  }
  const int offset = reuse ? 1 : 0;
  std::function<void(int, int)> shifted;
  if (progress) {
    shifted = [&](int done, int total) { progress(done + offset, total + offset); };
  }
  run_ensemble_streaming(
      *study.model, pending, sc.threads,
      [&](ReplicateResult&& r) {
        const auto w0 = clock::now();
        writer.add(r);
        writing += std::chrono::duration<double>(clock::now() - w0).count();
        if (on_replicate) {
          on_replicate(r);
        }
      },
      shifted);
  const auto t1 = clock::now();
  writer.finish();
  const auto t2 = clock::now();
  rep.adoptions = writer.adoptions_written();
  rep.seconds_write = writing + std::chrono::duration<double>(t2 - t1).count();
  rep.seconds_simulate = std::chrono::duration<double>(t1 - t0).count() - writing;
  return rep;
}

}  // namespace pdlab::study
