// `pdlab sensitivity`: a thin client of study::sensitivity_analysis: run the design, write the
// index table, print the headline outcomes' indices.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/compare_study.hpp"
#include "pdlab/study/sensitivity_study.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <sysexits.h>
#include <cmath>
#include <memory>

namespace pdlab::cli {

namespace {

struct SensitivityOptions {
  std::string scenario, out, method = "sobol";
  std::vector<std::string> factors, sets;
  study::SensitivitySpec spec;
  RunOverrides run;
  bool force = false;
  bool checkpoint = false;
  bool resume = false;
  std::vector<std::string> other_method;  // options given that the other method reads
};

void add_options(CLI::App& sub, SensitivityOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML (its [[sensitivity.factor]] are used)")
      ->required();
  sub.add_option("--factor", o.factors,
                 "KEY=LO:HI, or KEY for its registry range (repeatable; replaces the "
                 "scenario's factor of that key)");
  sub.add_option("--method", o.method, "sobol (first-order and total indices) or morris")
      ->check(CLI::IsMember({"sobol", "morris"}))
      ->capture_default_str();
  sub.add_option("--samples", o.spec.samples, "Sobol: base samples N; N (k + 2) design points")
      ->capture_default_str();
  sub.add_option("--trajectories", o.spec.trajectories,
                 "Morris: trajectories r; r (k + 1) design points")
      ->capture_default_str();
  sub.add_option("--levels", o.spec.levels, "Morris: grid levels p (even)")->capture_default_str();
  sub.add_option("--bootstrap", o.spec.bootstrap, "Bootstrap resamples for the 95% intervals")
      ->capture_default_str();
  sub.add_option("--out,-o", o.out, "Index table (.csv or .sqlite)")->required();
  add_sets(sub, o.sets);
  add_seed(sub, o.run, "Master seed (replicates, Morris design and bootstrap)");
  add_replicates(sub, o.run, "Replicates per design point (the same at every point)");
  add_threads(sub, o.run, "Threads, 0 = all cores");
  add_force(sub, o.force);
  add_shard_options(sub, o.checkpoint, o.resume);
}

void print_digest(const study::SensitivityResult& r, std::FILE* text) {
  const bool morris = r.method == study::SensitivityMethod::morris;
  fmt::print(text,
             "{} over {} factor(s): {} design points x {} replicates (common random numbers)\n",
             morris ? "Morris elementary effects" : "Sobol indices", r.factors.size(),
             r.design_points, r.replicates);
  fmt::print(text, "{}\n", study::sensitivity_intervals_note(r));
  const auto sums = study::first_order_sums(r);
  // Outcomes no factor moves (constant over the design: Sobol indices undefined, or every
  // Morris effect exactly 0) are named once at the end, not given a block of 0 rows each.
  std::string constant;
  for (std::size_t o = 0; o < r.outcomes.size(); ++o) {
    const auto& d = r.outcomes[o];
    if (!study::is_headline(r.adopting_levels, r.deepest_level, r.top_level, d)) {
      continue;
    }
    // The share running the policy at the end only where its indices differ from those of the
    // share that adopted: where nothing reverses they repeat them.
    const auto same_indices = [&](std::size_t x, std::size_t y) {
      for (std::size_t i = 0; i < r.factors.size(); ++i) {
        const auto& a = morris ? r.morris[x][i].mu_star : r.sobol[x][i].total;
        const auto& b = morris ? r.morris[y][i].mu_star : r.sobol[y][i].total;
        if (!(a.estimate == b.estimate || (std::isnan(a.estimate) && std::isnan(b.estimate)))) {
          return false;
        }
      }
      return true;
    };
    if (study::active_repeats_adopted(r.outcomes, o, same_indices)) {
      continue;
    }
    // No community runs the policy at any design point: depth has nothing to measure there,
    // and the other community metrics are their values without it.
    const bool unreached =
        r.community_unreached && d.policy.empty() && d.level == r.community_level;
    bool moved = false;
    for (std::size_t i = 0; i < r.factors.size() && !moved; ++i) {
      const double v = morris ? r.morris[o][i].mu_star.estimate : r.sobol[o][i].total.estimate;
      moved = !std::isnan(v) && v != 0;
    }
    if (!moved && !unreached) {
      constant += fmt::format("{}{} {} ({}{}{})", constant.empty() ? "" : ", ", d.name, d.statistic,
                              d.level, d.policy.empty() ? "" : ", ", d.policy);
      continue;
    }
    // Morris effects are in the outcome's unit (over the factor's range); Sobol indices are
    // shares of its variance.
    const std::string unit =
        morris ? study::outcome_unit(d) + ", for a change across the factor's range"
               : std::string();
    fmt::print(text, "  {} {} ({}{}{}{}{}):", d.name, d.statistic, d.level,
               d.policy.empty() ? "" : ", ", d.policy, unit.empty() ? "" : "; ", unit);
    if (unreached && d.name == "depth") {
      fmt::print(text, " n/a (the community level never adopts)\n");
      continue;
    }
    const auto& first = morris ? r.morris[o][0].mu_star : r.sobol[o][0].total;
    if (unreached) {
      fmt::print(text, " (the community level never adopts: values without the policy)");
    }
    if (std::isnan(first.estimate)) {
      fmt::print(text, " does not vary over the design\n");
      continue;
    }
    fmt::print(text, "\n");
    const auto shown = [&](const sensitivity::Interval& v) {
      if ((std::isnan(v.lo) || std::isnan(v.hi)) && !std::isnan(v.estimate) && v.undefined > 0) {
        return fmt::format("{:>9.3g} [no interval: undefined in {} of {} resamples]", v.estimate,
                           v.undefined, r.bootstrap);
      }
      return fmt::format("{:>9.3g} [{:.3g}, {:.3g}]", v.estimate, v.lo, v.hi);
    };
    for (std::size_t i = 0; i < r.factors.size(); ++i) {
      if (morris) {
        const auto& m = r.morris[o][i];
        fmt::print(text, "    {:<36} mu* {}  sigma {:.3g}\n", r.factors[i].key, shown(m.mu_star),
                   m.sigma.estimate);
      } else {
        const auto& s = r.sobol[o][i];
        fmt::print(text, "    {:<36} S1 {}  ST {}\n", r.factors[i].key, shown(s.first),
                   shown(s.total));
      }
    }
    if (!morris) {
      // (at most 1 in truth; 1 minus it is the share of interactions and replicate noise)
      fmt::print(text, "    {:<36} S1 {:>9.3g}\n", "sum over the factors", sums[o]);
    }
    // Time to half adoption counts the horizon where half is never reached (compare says so
    // too): where that happens at some design points its indices mix time with reaching.
    if (d.statistic == "periods_to_half" && o + 1 < r.outcomes.size() &&
        r.outcomes[o + 1].statistic == "reached_half" && r.points_below_one[o + 1] > 0) {
      fmt::print(text,
                 "    (censored: at {} of {} design points some replicates never reach half and "
                 "count the horizon, the calendar's periods (reached_half as low as {:.3g} "
                 "there): these indices mix how soon half is reached with whether it is; read "
                 "them beside reached_half in the table)\n",
                 r.points_below_one[o + 1], r.design_points, r.lowest[o + 1]);
    }
  }
  if (!constant.empty()) {
    fmt::print(text, "  Do not vary over the design (no factor moves them{}): {}\n",
               morris ? ", mu* 0 [0, 0]" : ", indices undefined", constant);
  }
  if (const auto note = study::sobol_sampling_note(r); !note.empty()) {
    fmt::print(text, "  Note: {}.\n", note);
  }
}

int run(SensitivityOptions& o) {
  auto& spec = o.spec;
  spec.scenario = o.scenario;
  spec.factors = o.factors;
  spec.method =
      o.method == "morris" ? study::SensitivityMethod::morris : study::SensitivityMethod::sobol;
  spec.overrides = with_overrides(o.sets, o.run);
  spec.on_warning = [](const std::string& w) {
    if (dist::Context::current().root()) {  // (once, not once per rank)
      fmt::print(stderr, "pdlab: warning: {}\n", w);
    }
  };
  for (const auto& option : o.other_method) {
    if (dist::Context::current().root()) {  // (once, not once per rank)
      fmt::print(stderr, "pdlab: warning: {} is read by --method {}, not {}: ignored\n", option,
                 o.method == "morris" ? "sobol" : "morris", o.method);
    }
  }
  check_table_output(o.out, o.force);
  const auto& ctx = dist::Context::current();
  const bool tty = ctx.root() && isatty(STDERR_FILENO) != 0;
  bool checked = false;
  dist::GridRun grid(ctx, {o.out, o.checkpoint, o.resume});
  const auto res = study::sensitivity_analysis(
      spec,
      [&](int i, int n) {
        if (!checked && o.out != "-") {
          // Again now that the inputs are read: the output must not be one of them.
          io::check_output_path(o.out, o.force);
          checked = true;
        }
        if (tty) {
          fmt::print(stderr, "\rdesign point {}/{}\x1b[K", i + 1, n);
        }
      },
      grid.runner());
  if (tty) {
    fmt::print(stderr, "\r\x1b[K");
  }
  ctx.collective([&] {
    if (ctx.root()) {
      const auto rows = [&](io::TableWriter& w) { study::write_sensitivity(res, w); };
      if (io::sqlite_output(o.out)) {
        study::write_sensitivity_study(o.out, o.force, res, command_line(), o.scenario);
      } else {
        io::write_table(o.out, o.force, io::table_schema("sensitivity"), rows);
      }
    }
  });
  grid.complete();
  if (ctx.root()) {
    if (grid.resumed_units() > 0) {
      fmt::print(stderr, "resumed: {} units of work were already done\n", grid.resumed_units());
    }
    for (const auto& w : res.warnings) {
      fmt::print(stderr, "pdlab: warning: {}\n", w);
    }
    print_digest(res, summary_stream(o.out));
    if (o.out != "-") {
      fmt::print(stderr, "wrote {}\n", o.out);
    }
  }
  return EX_OK;
}

}  // namespace

void register_sensitivity(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<SensitivityOptions>();
  auto* sub = app.add_subcommand(
      "sensitivity",
      "Morris elementary effects or Sobol indices of every outcome over scenario factors");
  add_options(*sub, *o);
  cmds.push_back({sub, [o, sub] {
                    // (an option of the other method would otherwise pass without a word)
                    const bool morris = o->method == "morris";
                    for (const char* option :
                         morris ? std::vector<const char*>{"--samples"}
                                : std::vector<const char*>{"--trajectories", "--levels"}) {
                      if (sub->count(option) > 0) {
                        o->other_method.emplace_back(option);
                      }
                    }
                    return run(*o);
                  }});
}

}  // namespace pdlab::cli
