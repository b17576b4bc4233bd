// `pdlab compare`: a thin client of study::compare_designs: parse the variants, run, write
// the table, print a digest.
#include "cli/common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/compare_study.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <algorithm>
#include <cmath>
#include <memory>

namespace pdlab::cli {

namespace {

// Whether outcome k has no value in any replicate of any variant: its contrasts would be rows
// of nan.
bool undefined_everywhere(const study::CompareResult& res, std::size_t k) {
  return std::all_of(res.values.begin(), res.values.end(), [&](const auto& variant) {
    return std::all_of(variant[k].begin(), variant[k].end(),
                       [](double v) { return std::isnan(v); });
  });
}

// Why a metric can be undefined: its definition's "Empty ..." clause (docs/metrics.md).
std::string why_undefined(const std::string& name) {
  for (const auto& m : gov_metrics()) {
    if (m.name != name) {
      continue;
    }
    const std::string meaning(m.meaning);
    const auto at = meaning.find("Empty");
    if (at != std::string::npos) {
      const auto end = meaning.find_first_of(".;", at);
      auto clause = meaning.substr(at, end == std::string::npos ? end : end - at);
      clause[0] = 'e';
      return clause;
    }
  }
  return "see docs/metrics.md for when it has no value";
}

struct CompareOptions {
  std::string scenario, variants_path, out;
  std::vector<std::string> vary, sets, contrasts;
  RunOverrides run;
  bool force = false;
  bool checkpoint = false;
  bool resume = false;
};

void add_options(CLI::App& sub, CompareOptions& o) {
  sub.add_option("scenario", o.scenario, "Scenario TOML file")->required();
  sub.add_option("--vary", o.vary,
                 "KEY=V1,V2,... (repeatable: all combinations); the first value is the "
                 "baseline; commas inside [...] or {...} stay in a value");
  sub.add_option("--variants", o.variants_path,
                 "CSV of variants: one column per scenario key (optional `variant` label "
                 "column); the first row is the baseline");
  sub.add_option(
         "--out,-o", o.out,
         "Comparison table (.csv), or .sqlite with the variants' time series (compare_time) "
         "too")
      ->required();
  sub.add_option("--contrast", o.contrasts,
                 "NAME=EXPR (repeatable): a contrast of the variants, numbered v1 (the baseline), "
                 "v2, ... in the table's order (--vary: the first key slowest), taken replicate "
                 "by replicate; weights sum to 0, e.g. interaction=v4-v3-v2+v1");
  add_sets(sub, o.sets, "Override a scenario key in every variant (repeatable)");
  add_seed(sub, o.run, "Master seed");
  add_replicates(sub, o.run, "Replicates per variant");
  add_threads(sub, o.run, "Threads, 0 = all cores");
  add_force(sub, o.force);
  add_shard_options(sub, o.checkpoint, o.resume);
}

int run(const CompareOptions& o) {
  if (o.vary.empty() == o.variants_path.empty()) {
    fail(ErrorKind::usage, {"", 0, "--vary", ""}, "give either --vary or --variants",
         "e.g. --vary promotion.mandate=0,1, or --variants variants.csv");
  }
  note_inputs({o.scenario, o.variants_path});
  study::CompareSpec spec;
  spec.scenario = o.scenario;
  spec.variants = o.vary.empty() ? study::variants_from_csv(o.variants_path)
                                 : study::variants_from_vary(o.vary);
  spec.overrides = with_overrides(o.sets, o.run);
  spec.contrasts = o.contrasts;
  spec.on_warning = [](const std::string& w) {
    if (dist::Context::current().root()) {  // (once, not once per rank)
      fmt::print(stderr, "pdlab: warning: {}\n", w);
    }
  };
  check_table_output(o.out, o.force);
  const auto& ctx = dist::Context::current();
  dist::GridRun grid(ctx, {o.out, o.checkpoint, o.resume});
  bool checked = false;
  const auto res = study::compare_designs(
      spec,
      [&](int i, int n, const std::string& label) {
        if (!checked && o.out != "-") {
          // Again now that the inputs are read: the output must not be one of them.
          io::check_output_path(o.out, o.force);
          checked = true;
        }
        if (ctx.root()) {
          fmt::print(stderr, "pdlab: variant {}/{}: {}\n", i + 1, n, label);
        }
      },
      ctx.root() ? progress_bar() : std::function<void(int, int)>{}, grid.runner());
  ctx.collective([&] {
    if (!ctx.root()) {
      return;
    }
    const auto compare_rows = [&](io::TableWriter& w) { study::write_compare(res, w); };
    if (io::sqlite_output(o.out)) {
      study::write_compare_study(o.out, o.force, res, command_line(), o.scenario);
    } else {
      io::write_table(o.out, o.force, io::table_schema("compare"), compare_rows);
    }
  });
  grid.complete();
  if (!ctx.root()) {
    return EX_OK;
  }
  if (grid.resumed_units() > 0) {
    fmt::print(stderr, "pdlab: resumed: {} units of work were already done\n",
               grid.resumed_units());
  }
  for (const auto& w : res.warnings) {
    fmt::print(stderr, "pdlab: warning: {}\n", w);
  }
  // (on standard error when the table goes to standard output)
  std::FILE* text = summary_stream(o.out);
  // A short digest: adoption at the levels that adopt, and the governance headline outcomes.
  fmt::print(text, "Differences from \"{}\" ({} replicates, common random numbers)\n",
             res.labels[0], res.replicates);
  fmt::print(text, "{}\n", study::compare_intervals_note(res));
  // The spread beside each interval, named for what it varies over: with drawn parameters it,
  // not the interval, is the estimation uncertainty of a difference.
  const auto drawn = study::parameters_drawn(res);
  const std::string spread = drawn == "every variant" ? "across draws"
                             : drawn == "none"        ? "across runs"
                                                      : "across replicates";
  fmt::print(text,
             "Each line: the mean paired difference  [its 95% t interval]  {} [2.5%, 97.5% of "
             "the paired differences]\n",
             spread);
  if (!res.user_contrasts.empty()) {
    // What the contrasts' terms stand for: the variants by number.
    fmt::print(text, "Contrasts, replicate by replicate: {}; where", [&] {
      std::string list;
      for (const auto& c : res.user_contrasts) {
        list += fmt::format("{}{} = {}", list.empty() ? "" : ", ", c.name, c.expression);
      }
      return list;
    }());
    for (std::size_t i = 0; i < res.labels.size(); ++i) {
      fmt::print(text, "{} v{} = \"{}\"", i > 0 ? "," : "", i + 1, res.labels[i]);
    }
    fmt::print(text, "\n");
  }
  const bool several_policies =
      std::any_of(res.outcomes.begin(), res.outcomes.end(), [&](const OutcomeDef& d) {
        return !d.policy.empty() && d.policy != res.outcomes.front().policy;
      });
  std::string identical;  // headline outcomes equal in every pair
  for (std::size_t k = 0; k < res.outcomes.size(); ++k) {
    const auto& d = res.outcomes[k];
    if (!study::is_headline(res, d)) {
      continue;
    }
    // The share running the policy at the end only where some units reversed (or ceased) in
    // some variant: otherwise it repeats the share that adopted.
    const auto same_contrasts = [&](std::size_t x, std::size_t y) {
      for (std::size_t i = 0; i < res.labels.size(); ++i) {
        if (res.contrasts[x][i].mean != res.contrasts[y][i].mean) {
          return false;
        }
      }
      return true;
    };
    if (study::active_repeats_adopted(res.outcomes, k, same_contrasts)) {
      continue;
    }
    const std::string unit = study::outcome_unit(d);
    // The policy too where there are several.
    const std::string policy = several_policies && !d.policy.empty() ? d.policy + ", " : "";
    // An outcome no variant changed in any pair (a paired difference of exactly 0 in every
    // replicate, e.g. adoption where the varied key only acts on governance) is named once at
    // the end, not given a block of `0 [0, 0]` lines.
    // (A time to half that some replicate never reaches keeps its block: it says so.)
    bool unchanged = !(d.statistic == "periods_to_half" && k + 1 < res.outcomes.size() &&
                       res.outcomes[k + 1].statistic == "reached_half" &&
                       std::any_of(res.contrasts[k + 1].begin(), res.contrasts[k + 1].end(),
                                   [](const auto& c) { return c.mean < 1.0; }));
    for (std::size_t i = 1; i < res.labels.size() && unchanged; ++i) {
      const auto& c = res.contrasts[k][i];
      unchanged = c.n == res.replicates && c.diff == 0 && c.lo == 0 && c.hi == 0 &&
                  !study::community_unreached(res, d, i);
    }
    for (std::size_t j = 0; j < res.user_contrasts.size() && unchanged; ++j) {
      const auto& c = res.user_results[k][j];
      unchanged = c.diff == 0 && c.lo == 0 && c.hi == 0;
    }
    if (undefined_everywhere(res, k)) {
      fmt::print(text, "  {} {} ({}{}): undefined in every replicate of every variant ({})\n",
                 d.name, d.statistic, policy, d.level, why_undefined(d.name));
      continue;
    }
    if (unchanged) {
      identical += fmt::format("{}{} {} ({}{})", identical.empty() ? "" : ", ", d.name, d.statistic,
                               policy, d.level);
      continue;
    }
    fmt::print(text, "  {} {} ({}{}{}{}):\n", d.name, d.statistic, policy, d.level,
               unit.empty() ? "" : "; ", unit);
    for (std::size_t i = 1; i < res.labels.size(); ++i) {
      const auto& c = res.contrasts[k][i];
      // Where the horizon stands in for a time to half, the difference is a bound.
      const double cens = res.censored[k][i];
      std::string note;
      // reached_half follows periods_to_half: its means over the pairs, this variant's and the
      // baseline's.
      const bool neither = k + 1 < res.outcomes.size() &&
                           res.outcomes[k + 1].statistic == "reached_half" &&
                           res.contrasts[k + 1][i].mean == 0 && res.contrasts[k + 1][0].mean == 0;
      if (neither) {
        note = "  (neither reaches half in any replicate: no difference can be read)";
      } else if (cens > 0) {
        note =
            fmt::format("  (censored at the horizon in {:.0f}% of the pairs: a bound)", 100 * cens);
      }
      if (c.n < res.replicates) {
        note += fmt::format("  ({} of {} replicates have a value in both)", c.n, res.replicates);
      }
      if (study::community_unreached(res, d, i)) {
        // No community runs the policy in either: depth has nothing to measure, and the other
        // community metrics are their values without it (the warning above says why).
        if (d.name == "depth") {
          fmt::print(text, "    {:<40} n/a (the community level never adopts)\n", res.labels[i]);
          continue;
        }
        note += "  (the community level never adopts in either: values without the policy)";
      }
      fmt::print(text, "    {:<40} {:>12.4g}  [{:.4g}, {:.4g}]  {} [{:.4g}, {:.4g}]{}\n",
                 res.labels[i], c.diff, c.lo, c.hi, spread, c.diff_q025, c.diff_q975, note);
    }
    for (std::size_t j = 0; j < res.user_contrasts.size(); ++j) {
      const auto& c = res.user_results[k][j];
      const auto& name = res.user_contrasts[j].name;
      if (study::contrast_unreached(res, d, j) && d.name == "depth") {
        fmt::print(text, "    {:<40} n/a (the community level never adopts)\n", name);
        continue;
      }
      std::string note;
      const double cens = res.user_censored[k][j];
      if (cens > 0) {
        note = fmt::format(
            "  (censored at the horizon in {:.0f}% of the replicates: no bound, a "
            "contrast mixes signs)",
            100 * cens);
      }
      if (c.n < res.replicates) {
        note += fmt::format("  ({} of {} replicates have a value in every variant it weighs)", c.n,
                            res.replicates);
      }
      if (study::contrast_unreached(res, d, j)) {
        note +=
            "  (the community level never adopts in any variant it weighs: values without "
            "the policy)";
      }
      fmt::print(text, "    {:<40} {:>12.4g}  [{:.4g}, {:.4g}]  {} [{:.4g}, {:.4g}]{}\n", name,
                 c.diff, c.lo, c.hi, spread, c.diff_q025, c.diff_q975, note);
    }
    if (d.statistic == "periods_to_half" && k + 1 < res.outcomes.size() &&
        res.outcomes[k + 1].statistic == "reached_half") {
      // Replicates that never reach half count the horizon: say how many, per variant.
      std::string shares;
      bool censored = false;
      for (std::size_t i = 0; i < res.labels.size(); ++i) {
        const double reached = res.contrasts[k + 1][i].mean;
        censored = censored || reached < 1.0;
        shares += fmt::format("{}{:.3g} ({})", i > 0 ? ", " : "", reached, res.labels[i]);
      }
      if (censored) {
        fmt::print(text,
                   "    (censored: a replicate that never reaches half counts its horizon, the "
                   "calendar's periods; the share of replicates reaching half: {})\n",
                   shares);
      }
    }
  }
  if (!identical.empty()) {
    fmt::print(text, "  The same in every pair of replicates (difference 0 [0, 0]): {}\n",
               identical);
  }
  if (o.out != "-") {
    fmt::print(stderr, "wrote {}\n", o.out);
  }
  return EX_OK;
}

}  // namespace

void register_compare(CLI::App& app, Commands& cmds) {
  auto o = std::make_shared<CompareOptions>();
  auto* sub = app.add_subcommand(
      "compare", "Run design variants on common random numbers and tabulate outcome differences");
  add_options(*sub, *o);
  cmds.push_back({sub, [o] { return run(*o); }});
}

}  // namespace pdlab::cli
