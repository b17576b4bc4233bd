// `pdlab cases`: run every case scenario of a folder (default: the shipped scenarios/cases),
// store each study, and write a side-by-side comparison: what each reform achieved, how
// fast, at what cost, with what participation of migrants.
#include "cli/commands.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/report.hpp"
#include "pdlab/study/study.hpp"
#include "pdlab/version.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <algorithm>
#include <cmath>
#include <filesystem>

namespace pdlab::cli {

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

}  // namespace

int cmd_cases(Args& args) {
  const fs::path dir = args.scenario.empty()
                           ? fs::path(io::data_dir()) / ".." / "scenarios" / "cases"
                           : fs::path(args.scenario);
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") {
      files.push_back(e.path());
    }
  }
  if (ec || files.empty()) {
    fail(ErrorKind::no_input, {dir.string(), 0, "", ""}, "no case scenarios (*.toml) found",
         "give the folder of case scenarios, e.g. scenarios/cases");
  }
  std::sort(files.begin(), files.end());
  const fs::path out_dir = args.out.empty() ? fs::path("results/cases") : fs::path(args.out);
  fs::create_directories(out_dir, ec);
  if (ec) {
    fail(ErrorKind::cant_create, {out_dir.string(), 0, "", ""}, "cannot create the folder",
         "choose a writable --out folder");
  }
  add_run_overrides(args);
  const auto& sets = args.sets;
  // Every output is checked before any case runs: names that are safe file names, and no
  // existing file replaced without --force.
  {
    std::vector<std::string> outputs;
    for (const auto& f : files) {
      // Read with its inputs, so that no output below can be one of them.
      const auto loaded = io::load_scenario(f.string(), sets);
      (void)io::load_inputs(loaded.scenario);
      const auto name = loaded.scenario.name;
      const bool safe = !name.empty() && name != "." && name != ".." &&
                        name.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                            std::string::npos;
      if (!safe) {
        fail(ErrorKind::config, {f.string(), 0, "name", name},
             "a case's name becomes its file name and must be letters, digits, '_', '-' or '.'",
             "rename the case, e.g. name = \"haicang\"");
      }
      outputs.push_back((out_dir / (name + ".sqlite")).string());
      outputs.push_back((out_dir / (name + ".html")).string());
    }
    outputs.push_back((out_dir / "comparison.csv").string());
    outputs.push_back((out_dir / "comparison.html").string());
    std::sort(outputs.begin(), outputs.end());
    if (const auto d = std::adjacent_find(outputs.begin(), outputs.end()); d != outputs.end()) {
      fail(ErrorKind::config, {dir.string(), 0, "name", fs::path(*d).stem().string()},
           "two cases (or a case and the comparison) have the same name",
           "give each case scenario a distinct name");
    }
    for (const auto& o : outputs) {
      io::check_output_path(o, args.force);
    }
  }
  const std::string header =
      "case,root,units,communities,replicates,first_adoption,communities_adopted_end,"
      "years_to_half_of_communities,participation_local,participation_migrant,"
      "participation_target,depth,coverage,incidents_per_10k_year,cost_per_10k_year,"
      "escalated_to_top_per_10k_year,horizon_end";
  std::vector<std::string> rows;
  std::vector<std::string> reports;
  for (const auto& f : files) {
    const auto study = io::prepare_study(f.string(), sets);
    const auto& m = *study.model;
    const auto& sc = m.scenario();
    const auto& h = m.hierarchy();
    const auto* g = m.governance();
    fmt::print(stderr, "pdlab: case {} ({} units, {} replicates)\n", sc.name, h.size(),
               sc.replicates);
    const auto results = run_ensemble(m, sc.replicates, sc.threads, progress_bar());
    const auto summary = summarise(m, results, sc.output.quantiles);
    io::StudyMeta meta;
    meta.scenario_toml = study.loaded.resolved_toml;
    meta.command_line = "pdlab cases";
    const auto path = (out_dir / (sc.name + ".sqlite")).string();
    io::write_study(path, args.force, m, results, meta);
    reports.push_back(path);
    // Communities: the governance layer's level, else the deepest level.
    const int lc = g != nullptr ? g->community_level() : h.n_levels() - 1;
    const int pol = m.governance_policy();
    const auto n_comm = h.level_begin(lc + 1) - h.level_begin(lc);
    double first = 0;
    double adopted_end = 0;
    double half = 0;
    for (const auto& r : results) {
      std::int32_t first_r = kNever;
      std::vector<std::int32_t> times;
      for (const auto& a : r.adoptions) {
        if (a.policy == pol && a.round == 0) {  // first adoptions only
          first_r = std::min(first_r, a.period);
          if (h.level(a.unit) == lc) {
            times.push_back(a.period);
          }
        }
      }
      first += first_r == kNever ? m.periods() : first_r;
      adopted_end += static_cast<double>(times.size()) / n_comm;
      std::sort(times.begin(), times.end());
      const auto k = static_cast<std::size_t>((n_comm + 1) / 2);
      half += (times.size() >= k ? times[k - 1] : m.periods()) - (first_r == kNever ? 0 : first_r);
    }
    const auto reps = static_cast<double>(results.size());
    first /= reps;
    adopted_end /= reps;
    half /= reps * sc.calendar.periods_per_year;
    const std::int32_t horizon = m.periods();
    const std::int32_t last_year = std::max(0, horizon - sc.calendar.periods_per_year);
    const int lg = g != nullptr ? g->local_level() : 0;
    double cost = std::nan("");
    if (g != nullptr && sc.governance.stability.enabled) {
      cost = 0;
      for (auto metric :
           {GovMetric::cost_control, GovMetric::cost_compensation, GovMetric::cost_root_cause}) {
        cost += gov_mean(m, results, metric, lg, 0, horizon);
      }
      if (sc.governance.services.enabled) {
        cost += gov_mean(m, results, GovMetric::cost_contracts, lg, 0, horizon);
      }
    }
    const auto gm = [&](GovMetric metric, int level, std::int32_t from) {
      return g != nullptr && g->metric_at(metric, level)
                 ? gov_mean(m, results, metric, level, from, horizon)
                 : std::nan("");
    };
    rows.push_back(fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", sc.name, sc.hierarchy.root, h.size(),
        n_comm, results.size(),
        period_label(sc.calendar, static_cast<std::int32_t>(std::lround(first))), num(adopted_end),
        num(half, 2), num(gm(GovMetric::participation_local, lc, last_year)),
        num(gm(GovMetric::participation_migrant, lc, last_year)),
        num(gm(GovMetric::participation_target, lc, last_year)),
        num(gm(GovMetric::depth, lc, last_year)), num(gm(GovMetric::coverage, lc, last_year)),
        num(gm(GovMetric::incidents, lg, last_year), 2), num(cost, 2),
        num(gm(GovMetric::escalated, 0, 0), 2), period_label(sc.calendar, horizon - 1)));
  }
  const auto table = (out_dir / "comparison.csv").string();
  io::write_text_file(table, args.force, [&](std::ostream& o) {
    o << header << '\n';
    for (const auto& r : rows) {
      o << r << '\n';
    }
  });
  // HTML reports: one per case and the comparison (they need the chart libraries that
  // scripts/setup.sh installs; without them the tables above are still written).
  try {
    for (const auto& p : reports) {
      io::write_report(p, fs::path(p).replace_extension(".html").string(), args.force);
    }
    std::string csv = header + "\n";
    for (const auto& r : rows) {
      csv += r + "\n";
    }
    io::write_comparison_report(csv, "pdlab: the cases side by side",
                                "pdlab " PDLAB_VERSION
                                " · each case with its own seed and "
                                "replicates (see each case's report) · docs/cases.md",
                                (out_dir / "comparison.html").string(), args.force);
  } catch (const Error& e) {
    fmt::print(stderr, "pdlab: warning: no HTML reports: {}\n", e.what());
  }
  // The same table, readable.
  fmt::print("{:<16} {:>7} {:>8} {:>10} {:>7} {:>8} {:>8} {:>7} {:>7} {:>7} {:>9} {:>8}\n", "case",
             "comm.", "first", "adopted", "half y", "part.loc", "part.mig", "target", "depth",
             "cover.", "incid/10k", "cost/10k");
  for (const auto& r : rows) {
    std::vector<std::string> c;
    std::string cell;
    for (char ch : r + ",") {
      if (ch == ',') {
        c.push_back(cell);
        cell.clear();
      } else {
        cell += ch;
      }
    }
    fmt::print("{:<16} {:>7} {:>8} {:>10} {:>7} {:>8} {:>8} {:>7} {:>7} {:>7} {:>9} {:>8}\n", c[0],
               c[3], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14]);
  }
  fmt::print(stderr,
             "wrote {}, comparison.html, and one .sqlite study and .html report per case in {}\n",
             table, out_dir.string());
  return EX_OK;
}

}  // namespace pdlab::cli
