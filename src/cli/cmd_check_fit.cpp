// `pdlab check-fit`: a thin client of study::check_fit_study; prints the bands per level.
#include "cli/common.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/out_of_sample.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <sysexits.h>
#include <functional>
#include <memory>

namespace pdlab::cli {

namespace {

struct CheckFitOptions {
  std::string scenario, events_path, out;
  std::string train_until;  // out of sample: refit on the events up to this date
  std::string policy;       // the events' policy to compare (empty: the scenario's)
  std::vector<std::string> sets;
  RunOverrides run;
  bool force = false;
};

void add_options(CLI::App& sub, CheckFitOptions& o) {
  sub.add_option("scenario", o.scenario, "Fitted scenario TOML (from `pdlab fit`)")->required();
  sub.add_option("--events", o.events_path, "Observed adoption events CSV")->required();
  add_sets(sub, o.sets,
           "Override a scenario key, e.g. --set uncertainty.draw=true to put the estimates' "
           "uncertainty into the bands (repeatable)");
  add_replicates(sub, o.run, "Replicates (overrides run.replicates)");
  add_threads(sub, o.run, "Threads, 0 = all cores (overrides run.threads)");
  add_seed(sub, o.run, "Master seed");
  sub.add_option("--policy", o.policy,
                 "The events' policy to compare with the scenario's simulated adoption "
                 "(default: the scenario's policy id; other policies' rows are not read)");
  sub.add_option("--train-until", o.train_until,
                 "Out of sample: refit on the events up to this date, simulate on from the "
                 "observed state and score the later events beside two baselines");
  sub.add_option("--out,-o", o.out,
                 "The comparison table, CSV or SQLite (with --train-until: the out-of-sample "
                 "scores)");
  add_force(sub, o.force);
}

// The table, as CSV, or in SQLite with a meta table as every study output has.
void write_output(const CheckFitOptions& o, const study::PreparedStudy& study, int replicates,
                  const io::TableSchema& schema,
                  const std::function<void(io::TableWriter&)>& rows) {
  if (!io::sqlite_output(o.out)) {
    io::write_table(o.out, o.force, schema, rows);
    return;
  }
  io::write_tables(
      o.out, o.force,
      {{schema, rows},
       io::meta_output(study::check_fit_meta(study.model->scenario(), command_line(), o.scenario,
                                             o.events_path, replicates, o.train_until))});
}

// Every period of a level with at most kAllPeriods of them, else those outside the band (the
// table written by --out has them all): which periods miss, not only how many.
constexpr int kAllPeriods = 30;

void print_periods(std::FILE* text, const std::vector<study::CheckRow>& rows) {
  const auto levels = study::check_by_level(rows);
  for (const auto& c : levels) {
    const bool all = c.periods <= kAllPeriods;
    if (!all && c.inside == c.periods) {
      continue;
    }
    fmt::print(text, "{} by period{}:\n", c.last.level,
               all ? ""
                   : fmt::format(" (the {} of {} outside the band; --out writes all)",
                                 c.periods - c.inside, c.periods));
    fmt::print(text, "  {:<10} {:>10} {:>10} {:>10} {:>10}  {}\n", "period", "observed", "sim mean",
               "sim q05", "sim q95", "band");
    for (const auto& r : rows) {
      if (r.level != c.last.level) {
        continue;
      }
      const bool inside = study::inside_band(r);
      if (!all && inside) {
        continue;
      }
      fmt::print(text, "  {:<10} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f}  {}\n", r.date, r.observed,
                 r.sim_mean, r.sim_q05, r.sim_q95,
                 inside                   ? "inside"
                 : r.observed < r.sim_q05 ? "BELOW"
                                          : "ABOVE");
    }
  }
}

int run_out_of_sample(const CheckFitOptions& o, const study::PreparedStudy& study) {
  const auto r =
      study::out_of_sample_study(study, o.events_path, o.train_until, progress_bar(), o.policy);
  std::FILE* text = summary_stream(o.out);
  fmt::print(text,
             "Out of sample: trained on the periods to {}, scored {} to {}: {} units at risk, {} "
             "held-out adoptions, {} replicates per forecast\n",
             r.train_until, r.first_scored, r.last_scored, r.units, r.held_out_events,
             r.replicates);
  // Each score with its Monte Carlo standard error (the replicates are finite).
  fmt::print(text, "{:<16} {:>18} {:>16} {:>8} {:>8} {:>8} {:>9}\n", "method", "log score (MC se)",
             "Brier (MC se)", "CRPS", "cover50", "cover90", "seconds");
  for (const auto& m : r.methods) {
    const auto& s = m.scores;
    fmt::print(text, "{:<16} {:>18} {:>16} {:>8.3f} {:>8.2f} {:>8.2f} {:>9.3f}\n", m.name,
               fmt::format("{:.4f} ({:.4f})", s.log_score, s.log_score_se),
               fmt::format("{:.4f} ({:.4f})", s.brier, s.brier_se), s.crps, s.coverage50,
               s.coverage90, m.seconds);
  }
  fmt::print(text, "Cumulative adopters (observed; forecast mean [90% interval]):\n");
  for (std::size_t k = 0; k < r.period_labels.size(); ++k) {
    fmt::print(text, "  {:<10} {:>6.0f}", r.period_labels[k],
               r.methods.front().scores.periods[k].observed);
    for (const auto& m : r.methods) {
      const auto& p = m.scores.periods[k];
      fmt::print(text, "   {} {:.1f} [{:.0f}, {:.0f}]", m.name, p.mean, p.q05, p.q95);
    }
    fmt::print(text, "\n");
  }
  fmt::print(text,
             "Best (ties joined by '='; in brackets, methods within 2 Monte Carlo standard "
             "errors, which more replicates could rank either way):");
  for (const char* score : {"log_score", "brier", "crps", "coverage50", "coverage90"}) {
    const auto near = study::near_best_methods(r, score);
    fmt::print(text, " {} {}{}{}", score, fmt::join(study::best_methods(r, score), "="),
               near.empty() ? "" : fmt::format(" (~ {})", fmt::join(near, ", ")),
               std::string(score) == "coverage90" ? "\n" : ";");
  }
  for (const auto& m : r.methods) {
    fmt::print(text, "  {}: {}\n", m.name, m.fitted);
  }
  for (const auto& n : r.notes) {
    fmt::print(stderr, "pdlab: note: {}\n", n);
  }
  note_few_replicates(r.replicates, "forecast intervals and coverages");
  if (!o.out.empty()) {
    write_output(o, study, r.replicates, io::table_schema("out_of_sample"),
                 [&](io::TableWriter& w) { study::write_out_of_sample(r, w); });
    if (o.out != "-") {
      fmt::print(stderr, "wrote {}\n", o.out);
    }
  }
  return EX_OK;
}

int run(const CheckFitOptions& o) {
  note_inputs({o.scenario, o.events_path});
  if (!o.out.empty()) {
    io::check_table_name(o.out);
    io::check_output_path(o.out, o.force);
  }
  const auto study = study::prepare_study(o.scenario, with_overrides(o.sets, o.run));
  print_warnings(*study.model);
  if (!o.out.empty()) {
    // Again, now that the inputs are known (the scenario, its hierarchy, the events): an
    // output that is one of them is refused before the simulation, not after it.
    io::note_input(o.events_path);
    io::check_output_path(o.out, o.force);
  }
  if (!study::written_by_fit(o.scenario)) {
    fmt::print(stderr,
               "pdlab: note: {} was not written by `pdlab fit`: its hazard is checked as "
               "written, not as fitted to {} (`pdlab fit` estimates it from them)\n",
               o.scenario, o.events_path);
  }
  if (!o.train_until.empty()) {
    return run_out_of_sample(o, study);
  }
  const auto& sc = study.model->scenario();
  const auto check = study::check_fit_study(study, o.events_path, progress_bar(), o.policy);
  const auto& rows = check.rows;
  std::FILE* text = summary_stream(o.out);
  fmt::print(text, "Observed vs simulated cumulative adoption ({} replicates, 90% bands)\n",
             sc.replicates);
  note_few_replicates(static_cast<int>(sc.replicates), "90% bands");
  print_periods(text, rows);
  fmt::print(text, "{:<14} {:>10} {:>10} {:>10} {:>10} {:>10} {:>16}\n", "level", "end", "observed",
             "sim mean", "sim q05", "sim q95", "periods inside");
  for (const auto& c : study::check_by_level(rows)) {
    const auto& r = c.last;
    fmt::print(text, "{:<14} {:>10} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f} {:>10}/{}\n", r.level,
               r.date, r.observed, r.sim_mean, r.sim_q05, r.sim_q95, c.inside, c.periods);
  }
  for (const auto& n : check.notes) {
    fmt::print(stderr, "pdlab: note: {}\n", n);
  }
  if (!o.out.empty()) {
    write_output(o, study, static_cast<int>(sc.replicates), io::table_schema("check_fit"),
                 [&](io::TableWriter& w) { study::write_check(rows, w); });
    if (o.out != "-") {
      fmt::print(stderr, "wrote {}\n", o.out);
    }
  }
  return EX_OK;
}

}  // namespace

void register_check_fit(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CheckFitOptions>();
  auto* sub = app.add_subcommand(
      "check-fit", "Simulate a fitted scenario and compare adoption curves with the events");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
