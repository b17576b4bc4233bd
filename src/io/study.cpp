#include "io/study.hpp"

#include "io/results.hpp"

#include <chrono>

namespace pdlab::io {

PreparedStudy prepare_study(const std::string& scenario_path,
                            const std::vector<std::string>& overrides) {
  PreparedStudy s;
  s.loaded = load_scenario(scenario_path, overrides);
  s.inputs = load_inputs(s.loaded.scenario);
  s.model = std::make_unique<Model>(s.loaded.scenario, *s.inputs.hierarchy, *s.inputs.network);
  return s;
}

RunReport run_study(const PreparedStudy& study, const std::string& out_path, bool force,
                    const std::string& command_line,
                    const std::function<void(int, int)>& progress) {
  using clock = std::chrono::steady_clock;
  check_output_path(out_path, force);
  const auto& sc = study.model->scenario();
  RunReport rep;
  rep.n_units = study.inputs.hierarchy->size();
  rep.replicates = sc.replicates;
  const auto t0 = clock::now();
  const auto results = run_ensemble(*study.model, sc.replicates, sc.threads, progress);
  const auto t1 = clock::now();
  for (const auto& r : results) {
    rep.adoptions += static_cast<std::int64_t>(r.adoptions.size());
  }
  const auto summary = summarise(*study.model, results, sc.output.quantiles);
  StudyMeta meta;
  meta.scenario_toml = study.loaded.resolved_toml;
  meta.command_line = command_line;
  write_study(out_path, force, *study.model, results, summary, meta);
  const auto t2 = clock::now();
  rep.seconds_simulate = std::chrono::duration<double>(t1 - t0).count();
  rep.seconds_write = std::chrono::duration<double>(t2 - t1).count();
  return rep;
}

}  // namespace pdlab::io
