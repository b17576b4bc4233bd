// `pdlab cases` as a library function: see include/pdlab/study/cases.hpp.
#include "pdlab/study/cases.hpp"
#include "pdlab/study/plan.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/report.hpp"
#include "pdlab/study/study.hpp"
#include "pdlab/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <variant>

namespace pdlab::study {

namespace {

namespace fs = std::filesystem;

// Ensemble mean of a governance metric at a level, averaged over periods [from, to).
double gov_mean(const Model& m, const std::vector<ReplicateResult>& rs, GovMetric metric, int level,
                std::int32_t from, std::int32_t to) {
  const int nl = m.hierarchy().n_levels();
  const std::int32_t periods = m.periods();
  double sum = 0;
  double n = 0;
  for (const auto& r : rs) {
    if (r.governance.values.empty()) {
      continue;
    }
    for (std::int32_t t = from; t < to; ++t) {
      const double v =
          r.governance.values[(static_cast<std::size_t>(metric) * nl + level) * periods + t];
      if (!std::isnan(v)) {
        sum += v;
        n += 1;
      }
    }
  }
  return n > 0 ? sum / n : std::nan("");
}

std::string num(double x, int digits = 3) {
  return std::isnan(x) ? std::string() : fmt::format("{:.{}f}", x, digits);
}

std::vector<fs::path> case_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") {
      files.push_back(e.path());
    }
  }
  if (ec || files.empty()) {
    std::error_code exists_ec;
    const bool missing = !fs::exists(dir, exists_ec);
    const bool folder = fs::is_directory(dir, exists_ec);
    fail(ErrorKind::no_input, {dir.string(), 0, "", ""},
         missing   ? "no such folder"
         : !folder ? "not a folder"
                   : "no case scenarios (*.toml) found in this folder",
         "give the folder of case scenarios, e.g. scenarios/cases");
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string csv_line(const std::vector<std::string>& cells);

// The targets a case's report draws (NAME-targets.csv beside its study): the quotas of its
// mandate events and the rows of the folder's NAME-targets.csv (its calibration targets, as
// `pdlab calibrate` reads them), duplicates once. "" when the case has none.
std::string case_targets(const Scenario& sc, const fs::path& dir) {
  std::vector<std::vector<std::string>> rows;
  const auto add = [&](std::vector<std::string> row) {
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) {
      rows.push_back(std::move(row));
    }
  };
  for (const auto& e : sc.events) {
    const auto* m = std::get_if<MandateSpec>(&e.spec);
    if (m == nullptr) {
      continue;
    }
    for (const auto& q : m->quotas) {
      std::string region;
      for (const auto& r : q.regions) {
        region += (region.empty() ? "" : "+") + r;
      }
      add({m->target_level, region, q.by, fmt::format("{}", q.share),
           e.policy.empty() ? sc.policies.front().id : e.policy, ""});
    }
  }
  const auto file = dir / (sc.name + "-targets.csv");
  if (fs::exists(file)) {
    io::CsvReader r(file.string());
    const auto c_level = r.column("level");
    const auto c_date = r.column("date");
    const auto c_share = r.column("value") ? r.column("value") : r.column("share");
    if (!c_level || !c_date || !c_share) {
      fail(ErrorKind::data,
           {file.string(), 1,
            !c_level  ? "level"
            : !c_date ? "date"
                      : "share",
            ""},
           "missing column",
           "give columns level,date,share (or value) and optionally policy_id,region,metric");
    }
    const auto c_region = r.column("region");
    const auto c_policy = r.column("policy_id");
    const auto c_metric = r.column("metric");
    const auto cell = [](const std::vector<std::string_view>& f,
                         const std::optional<std::size_t>& c) {
      return c ? std::string(f[*c]) : std::string();
    };
    std::vector<std::string_view> f;
    while (r.next(f)) {
      add({cell(f, c_level), cell(f, c_region), cell(f, c_date), cell(f, c_share),
           cell(f, c_policy), cell(f, c_metric)});
    }
  }
  if (rows.empty()) {
    return {};
  }
  std::string csv = csv_line({"level", "region", "date", "share", "policy_id", "metric"});
  for (const auto& row : rows) {
    csv += csv_line(row);
  }
  return csv;
}

// Every output is checked before any case runs: names that are safe file names, and no
// existing file replaced without `force`. Returns the cases' names, in the order of `files`,
// and in `targets` the text of each case's targets file ("" for none).
// Held-out facts are checked against their case's scenario and hierarchy here too.
std::vector<std::string> check_outputs(const std::vector<fs::path>& files, const fs::path& dir,
                                       const fs::path& out_dir, const CasesOptions& opt,
                                       const std::vector<HeldOutFact>& facts,
                                       std::vector<std::string>& targets,
                                       std::vector<std::string>& outputs) {
  std::vector<std::string> names;
  for (const auto& f : files) {
    // Read with its inputs, so that no output below can be one of them, and compiled as
    // `pdlab validate` does (a merge of a unit that has ceased fails here), so that a bad
    // case is refused before any case is written. An error that does not name the case's
    // file (one about a --set given to every case) says which case it is.
    const auto prepared = [&] {
      try {
        return prepare_study(f.string(), opt.overrides);
      } catch (const Error& e) {
        const std::string what = e.what();
        if (what.find(f.string()) != std::string::npos) {
          throw;
        }
        throw Error(e.kind(), "case " + f.string() + ": " + what);
      }
    }();
    const auto& loaded = prepared.loaded;
    const auto name = loaded.scenario.name;
    check_held_out(facts, name, loaded.scenario, *prepared.inputs.hierarchy);
    const bool safe = !name.empty() && name != "." && name != ".." &&
                      name.find_first_not_of(
                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                          std::string::npos;
    if (!safe) {
      fail(ErrorKind::config, {f.string(), 0, "name", name},
           "a case's name becomes its file name and must be letters, digits, '_', '-' or '.'",
           "rename the case, e.g. name = \"haicang\"");
    }
    const auto same = std::find(names.begin(), names.end(), name);
    if (same != names.end()) {
      fail(ErrorKind::config, {f.string(), loaded.scenario.line_of("name"), "name", name},
           "the case " + files[static_cast<std::size_t>(same - names.begin())].string() +
               " has the same name: their outputs would overwrite each other",
           "give each case scenario a distinct name");
    }
    outputs.push_back((out_dir / (name + ".sqlite")).string());
    outputs.push_back((out_dir / (name + ".html")).string());
    names.push_back(name);
    targets.push_back(case_targets(loaded.scenario, dir));
    if (!targets.back().empty()) {
      outputs.push_back((out_dir / (name + "-targets.csv")).string());
    }
  }
  outputs.push_back((out_dir / "comparison.csv").string());
  outputs.push_back((out_dir / "comparison.html").string());
  if (std::any_of(facts.begin(), facts.end(), [&](const HeldOutFact& f) {
        return std::find(names.begin(), names.end(), f.case_name) != names.end();
      })) {
    outputs.push_back((out_dir / "held_out.csv").string());
  }
  std::sort(outputs.begin(), outputs.end());
  if (const auto d = std::adjacent_find(outputs.begin(), outputs.end()); d != outputs.end()) {
    fail(ErrorKind::config, {dir.string(), 0, "name", fs::path(*d).stem().string()},
         "two cases (or a case and the comparison) have the same name",
         "give each case scenario a distinct name");
  }
  for (const auto& o : outputs) {
    io::check_output_path(o, opt.force);
  }
  return names;
}

// The comparison row of one simulated case.
CaseOutcome outcome(const Model& m, const std::vector<ReplicateResult>& results) {
  const auto& sc = m.scenario();
  const auto& h = m.hierarchy();
  const auto* g = m.governance();
  CaseOutcome c;
  c.name = sc.name;
  c.root = sc.hierarchy.root;
  c.units = 0;  // the units that exist at the horizon (docs/model.md 7.13)
  for (int l = 0; l < h.n_levels(); ++l) {
    c.units += m.restructuring().count(l, m.periods() - 1);
  }
  c.replicates = static_cast<int>(results.size());
  // Communities: the governance layer's level, else the deepest level.
  const int lc = g != nullptr ? g->community_level() : h.n_levels() - 1;
  const int pol = m.governance_policy();
  // Over the communities that exist in each period (docs/model.md 7.13): Guiyang's 470
  // residents' committees give way to 90 communities in 2012.
  const auto& rs = m.restructuring();
  const std::int32_t last = m.periods() - 1;
  c.communities = static_cast<int>(rs.count(lc, last));
  c.policy_id = sc.policies[static_cast<std::size_t>(pol)].id;
  c.community_level = h.level_names()[static_cast<std::size_t>(lc)];
  c.community_adopts = m.can_adopt_at(pol, lc);
  double first = 0;
  double adopted_end = 0;
  double half = 0;
  double capped = 0;
  for (const auto& r : results) {
    std::int32_t first_r = kNever;
    for (const auto& a : r.adoptions) {
      if (a.policy == pol && a.round == 0) {  // first adoptions only
        first_r = std::min(first_r, a.period);
      }
    }
    const auto adopted = adopted_existing(m, r, pol, lc);
    first += first_r == kNever ? m.periods() : first_r;
    adopted_end += c.communities > 0 ? static_cast<double>(adopted[last]) / c.communities : 0.0;
    std::int32_t half_r = m.periods();
    for (std::int32_t t = 0; t < m.periods(); ++t) {
      if (adopted[t] > 0 && adopted[t] >= (rs.count(lc, t) + 1) / 2) {
        half_r = t;
        break;
      }
    }
    half += half_r - (first_r == kNever ? 0 : first_r);
    capped += half_r == m.periods() ? 1.0 : 0.0;
  }
  const auto reps = static_cast<double>(results.size());
  first /= reps;
  c.communities_adopted_end = adopted_end / reps;
  c.years_to_half = half / (reps * sc.calendar.periods_per_year);
  c.years_to_half_capped = capped / reps;
  c.first_adoption = period_label(sc.calendar, static_cast<std::int32_t>(std::lround(first)));
  const std::int32_t horizon = m.periods();
  const std::int32_t last_year = std::max(0, horizon - sc.calendar.periods_per_year);
  const int lg = g != nullptr ? g->local_level() : 0;
  c.cost_per_10k_year = std::nan("");
  if (g != nullptr && sc.governance.stability.enabled) {
    c.cost_per_10k_year = 0;
    for (auto metric :
         {GovMetric::cost_control, GovMetric::cost_compensation, GovMetric::cost_root_cause}) {
      c.cost_per_10k_year += gov_mean(m, results, metric, lg, 0, horizon);
    }
    if (sc.governance.services.enabled) {
      c.cost_per_10k_year += gov_mean(m, results, GovMetric::cost_contracts, lg, 0, horizon);
    }
  }
  const auto gm = [&](GovMetric metric, int level, std::int32_t from) {
    return g != nullptr && g->metric_at(metric, level)
               ? gov_mean(m, results, metric, level, from, horizon)
               : std::nan("");
  };
  c.participation_local = gm(GovMetric::participation_local, lc, last_year);
  c.participation_migrant = gm(GovMetric::participation_migrant, lc, last_year);
  c.participation_target = gm(GovMetric::participation_target, lc, last_year);
  c.depth = gm(GovMetric::depth, lc, last_year);
  c.coverage = gm(GovMetric::coverage, lc, last_year);
  c.incidents_per_10k_year = gm(GovMetric::incidents, lg, last_year);
  c.escalated_to_top_per_10k_year = gm(GovMetric::escalated, 0, 0);
  c.horizon_end = period_label(sc.calendar, horizon - 1);
  return c;
}

// RFC 4180: a cell with a comma, quote or newline is quoted (the facts' texts have commas).
std::string csv_line(const std::vector<std::string>& cells) {
  std::string s;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto& c = cells[i];
    s += i > 0 ? "," : "";
    if (c.find_first_of(",\"\n") == std::string::npos) {
      s += c;
      continue;
    }
    s += '"';
    for (char ch : c) {
      s += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    }
    s += '"';
  }
  return s + '\n';
}

}  // namespace

const std::vector<std::string>& comparison_columns() {
  static const std::vector<std::string> columns{"case",
                                                "root",
                                                "policy",
                                                "units",
                                                "communities",
                                                "replicates",
                                                "first_adoption",
                                                "communities_adopted_end",
                                                "years_to_half_of_communities",
                                                "years_to_half_capped",
                                                "participation_local",
                                                "participation_migrant",
                                                "participation_target",
                                                "depth",
                                                "coverage",
                                                "incidents_per_10k_year",
                                                "cost_per_10k_year",
                                                "escalated_to_top_per_10k_year",
                                                "horizon_end"};
  return columns;
}

std::vector<std::string> comparison_cells(const CaseOutcome& c) {
  return {c.name,
          c.root,
          c.policy_id,
          std::to_string(c.units),
          std::to_string(c.communities),
          std::to_string(c.replicates),
          c.first_adoption,
          num(c.communities_adopted_end),
          num(c.years_to_half, 2),
          num(c.years_to_half_capped, 2),
          num(c.participation_local),
          num(c.participation_migrant),
          num(c.participation_target),
          num(c.depth),
          num(c.coverage),
          num(c.incidents_per_10k_year, 2),
          num(c.cost_per_10k_year, 2),
          num(c.escalated_to_top_per_10k_year, 2),
          c.horizon_end};
}

namespace {
void run_cases_into(const CasesOptions& opt, const fs::path& dir,
                    const std::vector<fs::path>& files, const fs::path& out_dir, CasesResult& res,
                    std::string& current, std::vector<std::string>& replaced,
                    const std::function<void(const std::string&, int, int)>& on_case,
                    const std::function<void(int, int)>& progress);

// With `force`, the files a run replaces are first renamed aside (`<file>.replaced`), so that a
// failed run can put them back; after a run that succeeds the ones rewritten are removed and
// any other (an HTML report not rewritten) is put back as it was.
constexpr const char* kReplacedSuffix = ".replaced";

void put_back(const std::vector<std::string>& replaced, bool keep_new) {
  std::error_code ec;
  for (const auto& o : replaced) {
    if (keep_new && fs::exists(o, ec)) {
      fs::remove(o + kReplacedSuffix, ec);
    } else {
      fs::rename(o + kReplacedSuffix, o, ec);
    }
  }
}
// The folder of the shipped case scenarios (`pdlab cases` without a folder).
fs::path shipped_cases() {
  return fs::path(io::data_dir()) / ".." / "scenarios" / "cases";
}

}  // namespace

CasesResult run_cases(const CasesOptions& opt,
                      const std::function<void(const std::string&, int, int)>& on_case,
                      const std::function<void(int, int)>& progress) {
  CasesResult res;
  const fs::path dir = opt.folder.empty() ? shipped_cases() : fs::path(opt.folder);
  res.folder = dir.string();
  const auto files = case_files(dir);
  const fs::path out_dir = opt.out_dir.empty() ? fs::path("results/cases") : fs::path(opt.out_dir);
  res.out_dir = out_dir.string();
  std::error_code ec;
  const bool out_existed = fs::exists(out_dir, ec);
  if (out_existed && !fs::is_directory(out_dir, ec)) {
    fail(ErrorKind::cant_create, {out_dir.string(), 0, "--out", out_dir.string()},
         "this is a file, not a folder: the cases write several files into a folder",
         "choose a folder for --out (it is created if missing)");
  }
  fs::create_directories(out_dir, ec);
  if (ec) {
    fail(ErrorKind::cant_create, {out_dir.string(), 0, "", ""}, "cannot create the folder",
         "choose a writable --out folder");
  }
  // On any error nothing is left half-written: the files this call wrote (and a study's
  // partial file) are removed, and the folder too when this call created it.
  std::string current;                // the study being written
  std::vector<std::string> replaced;  // existing files renamed aside (with `force`)
  try {
    run_cases_into(opt, dir, files, out_dir, res, current, replaced, on_case, progress);
  } catch (...) {
    std::error_code rm;
    for (const auto& w : res.written) {
      fs::remove(w, rm);
    }
    if (!current.empty()) {
      fs::remove(current, rm);
      fs::remove(current + ".partial", rm);
    }
    put_back(replaced, false);
    if (!out_existed) {
      fs::remove(out_dir, rm);  // only when empty
    }
    throw;
  }
  put_back(replaced, true);
  return res;
}

namespace {

void run_cases_into(const CasesOptions& opt, const fs::path& dir,
                    const std::vector<fs::path>& files, const fs::path& out_dir, CasesResult& res,
                    std::string& current, std::vector<std::string>& replaced,
                    const std::function<void(const std::string&, int, int)>& on_case,
                    const std::function<void(int, int)>& progress) {
  const auto facts_path = dir / "held_out.csv";
  auto facts =
      fs::exists(facts_path) ? read_held_out(facts_path.string()) : std::vector<HeldOutFact>{};
  if (!fs::exists(facts_path)) {
    res.notes.push_back("no held_out.csv in " + dir.string() +
                        ": no held-out fact is checked (docs/cases.md)");
  }
  std::vector<std::string> targets, outputs;
  const auto names = check_outputs(files, dir, out_dir, opt, facts, targets, outputs);
  // Facts of shipped cases that are not in the folder (one case copied beside the shipped
  // held_out.csv) are said, and not checked; any other name is an error, as a misspelt one.
  std::vector<std::string> shipped;
  std::error_code listing;
  for (const auto& f : fs::directory_iterator(shipped_cases(), listing)) {
    if (f.path().extension() == ".toml") {
      shipped.push_back(f.path().stem().string());
    }
  }
  std::map<std::string, int> elsewhere;
  for (const auto& f : facts) {
    if (std::find(names.begin(), names.end(), f.case_name) != names.end()) {
      continue;
    }
    if (std::find(shipped.begin(), shipped.end(), f.case_name) == shipped.end()) {
      const auto near = closest(f.case_name, names);
      fail(ErrorKind::data, {f.path, f.line, "case", f.case_name}, "no case of that name",
           near.empty() ? "give the name of a case scenario of the folder (its `name`)"
                        : "did you mean '" + near + "'?");
    }
    ++elsewhere[f.case_name];
  }
  std::erase_if(facts, [&](const HeldOutFact& f) { return elsewhere.count(f.case_name) > 0; });
  std::string skipped;
  for (const auto& [name, n] : elsewhere) {
    skipped += fmt::format("{}{} ({} {})", skipped.empty() ? "" : ", ", name, n,
                           n == 1 ? "fact" : "facts");
  }
  if (!skipped.empty()) {
    res.notes.push_back(facts_path.string() +
                        " names shipped cases that are not in the folder, whose facts are not "
                        "checked: " +
                        skipped);
  }
  for (const auto& o : outputs) {
    std::error_code ec;
    if (!fs::exists(o, ec)) {
      continue;
    }
    fs::rename(o, o + kReplacedSuffix, ec);
    if (ec) {
      fail(ErrorKind::cant_create, {o, 0, "", ""},
           "cannot set the existing file aside before replacing it: " + ec.message(),
           "make the --out folder writable, or choose another --out folder");
    }
    replaced.push_back(o);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    // Each case is a run plan like `pdlab run`'s: estimated and refused before it writes when
    // it cannot fit. Its replicates are also kept here, for its row of the comparison (the
    // case scenarios are small: tens of replicates of at most a city).
    RunPlan plan;
    plan.scenario = f.string();
    plan.overrides = opt.overrides;
    plan.force = opt.force;
    plan.command_line = opt.command_line.empty() ? "pdlab cases" : opt.command_line;
    plan.out = (out_dir / (names[i] + ".sqlite")).string();
    // Removed on a failure below, unless a partial file was there before (not this call's).
    current = fs::exists(plan.out + ".partial") ? std::string() : plan.out;
    std::vector<ReplicateResult> results;
    RunHooks hooks;
    hooks.on_prepared = [&](const PreparedStudy& study) {
      const auto& sc = study.model->scenario();
      if (on_case) {
        on_case(sc.name, study.model->hierarchy().size(), sc.replicates);
      }
    };
    hooks.progress = progress;
    hooks.on_replicate = [&](const ReplicateResult& r) { results.push_back(r); };
    const auto run = run_plan(plan, hooks);
    // Replicates arrive in writing order; the means are taken in replicate order, so the
    // comparison does not depend on the thread count.
    std::sort(results.begin(), results.end(),
              [](const ReplicateResult& a, const ReplicateResult& b) {
                return a.replicate < b.replicate;
              });
    for (auto& h : evaluate_held_out(facts, *run.study->model, results)) {
      res.held_out.push_back(std::move(h));
    }
    auto c = outcome(*run.study->model, results);
    c.study_path = plan.out;
    res.written.push_back(c.study_path);
    current.clear();
    res.cases.push_back(std::move(c));
  }
  std::string csv = csv_line(comparison_columns());
  for (const auto& c : res.cases) {
    csv += csv_line(comparison_cells(c));
  }
  res.comparison_csv = (out_dir / "comparison.csv").string();
  io::write_text_file(res.comparison_csv, opt.force, [&](std::ostream& o) { o << csv; });
  res.written.push_back(res.comparison_csv);
  if (!facts.empty()) {
    std::string held = csv_line(held_out_columns());
    for (const auto& h : res.held_out) {
      held += csv_line(held_out_cells(h));
    }
    res.held_out_csv = (out_dir / "held_out.csv").string();
    io::write_text_file(res.held_out_csv, opt.force, [&](std::ostream& o) { o << held; });
    res.written.push_back(res.held_out_csv);
  }
  // Each case's targets beside its study, for its report.
  std::vector<std::string> targets_paths;
  for (std::size_t i = 0; i < names.size(); ++i) {
    targets_paths.emplace_back();
    if (!targets[i].empty()) {
      targets_paths.back() = (out_dir / (names[i] + "-targets.csv")).string();
      io::write_text_file(targets_paths.back(), opt.force,
                          [&](std::ostream& o) { o << targets[i]; });
      res.written.push_back(targets_paths.back());
    }
  }
  // HTML reports: one per case and the comparison (they need the chart libraries that
  // scripts/setup.sh installs; without them the tables above are still written).
  try {
    for (std::size_t i = 0; i < res.cases.size(); ++i) {
      const auto& c = res.cases[i];
      const auto html = fs::path(c.study_path).replace_extension(".html").string();
      write_report(c.study_path, html, opt.force, targets_paths[i]);
      res.written.push_back(html);
    }
    const auto html = (out_dir / "comparison.html").string();
    std::vector<ComparisonCurve> curves;
    for (const auto& c : res.cases) {
      curves.push_back({c.name, c.study_path, c.policy_id, c.community_level});
    }
    write_comparison_report(csv, "pdlab: the cases side by side",
                            "pdlab " PDLAB_VERSION
                            " · each case with its own seed and "
                            "replicates (see each case's report) · docs/cases.md",
                            html, opt.force, curves);
    res.written.push_back(html);
  } catch (const Error& e) {
    res.reports_skipped = e.what();
  }
}

}  // namespace

}  // namespace pdlab::study
