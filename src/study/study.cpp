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
  try {
    s.loaded = io::load_scenario(scenario_path, overrides);
    s.inputs = io::load_inputs(s.loaded.scenario);
    s.model = std::make_unique<Model>(s.loaded.scenario, *s.inputs.hierarchy, *s.inputs.network);
  } catch (const Error& e) {
    rethrow_blaming(e, scenario_path, overrides, [](const std::string& a) { return "--set " + a; });
  }
  return s;
}

namespace {

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// "event[0].quota[1].by" and "event.0.quota.1.by" as one form (the messages' and --set's).
std::string dotted(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '[') {
      out += '.';
    } else if (c != ']') {
      out += c;
    }
  }
  return out;
}

bool within(const std::string& inner, const std::string& outer) {
  return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         inner[outer.size()] == '.';
}

// The options `run` and the like turn into assignments (--seed, -r, --threads): they set no
// key a scenario error could be about, so the note leaves them out.
bool run_option(const std::string& key) {
  return key == "run.seed" || key == "run.replicates" || key == "run.threads";
}

}  // namespace

void rethrow_blaming(const Error& error, const std::string& scenario_path,
                     const std::vector<std::string>& assignments,
                     const std::function<std::string(const std::string&)>& origin) {
  const std::string message = error.what();
  if (assignments.empty()) {
    throw error;
  }
  const auto at = message.find("field '");
  if (at != std::string::npos) {
    const auto end = message.find('\'', at + 7);
    const std::string field = dotted(message.substr(at + 7, end - at - 7));
    if (field == "--set") {  // a malformed --set: its own message says which
      throw error;
    }
    for (auto a = assignments.rbegin(); a != assignments.rend(); ++a) {
      const auto eq = a->find('=');
      const std::string key = dotted(trimmed(a->substr(0, eq)));
      const auto names_field = [&] {
        return eq != std::string::npos &&
               io::override_value_holds(a->substr(eq + 1), field.substr(key.size() + 1));
      };
      if (!key.empty() &&
          (key == field || (within(field, key) && names_field()) || within(key, field))) {
        throw Error(error.kind(), origin(*a) + ": " + message.substr(at));
      }
    }
  }
  // Already located at an assignment: keep it.
  for (const auto& a : assignments) {
    if (message.rfind("--set " + a + ":", 0) == 0) {
      const std::string where = origin(a);
      throw Error(error.kind(), where + message.substr(6 + a.size()));
    }
  }
  if (!scenario_path.empty() && message.rfind(scenario_path + ":", 0) == 0) {
    std::string said = message;  // (an inner call's note is replaced)
    if (const auto k = said.find(" (the scenario was read with "); k != std::string::npos) {
      said.erase(k);
    }
    std::vector<std::string> origins;
    for (const auto& a : assignments) {
      const std::string o = origin(a);
      if (!run_option(trimmed(a.substr(0, a.find('=')))) &&
          std::find(origins.begin(), origins.end(), o) == origins.end()) {
        origins.push_back(o);
      }
    }
    if (origins.empty()) {
      throw error;
    }
    std::string read_with;
    for (const auto& o : origins) {
      read_with += (read_with.empty() ? "" : ", ") + o;
    }
    throw Error(error.kind(), said + " (the scenario was read with " + read_with + ")");
  }
  throw error;
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
  // (before the path's checks: a file named '-' would be "exists, pass --force")
  if (out_path == "-") {
    fail(ErrorKind::usage, {"", 0, "--out", out_path},
         "a study is one SQLite file and cannot be written to standard output",
         "name it results.sqlite, then print a table with `pdlab export results.sqlite --table "
         "NAME` (CSV on standard output)");
  }
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
  const auto& levels = study.inputs.hierarchy->level_names();
  if (!sc.output.adoptions_max_level.empty() && sc.output.adoptions_max_level != levels.back()) {
    rep.adoptions_down_to = sc.output.adoptions_max_level;
  }
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
