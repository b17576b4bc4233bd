// `pdlab compare`: run design variants of one scenario on common random numbers and tabulate
// outcome differences from the first variant with paired 95% intervals.
#include "cli/commands.hpp"
#include "core/compare.hpp"
#include "core/errors.hpp"
#include "io/results.hpp"
#include "io/study.hpp"
#include "io/text_reader.hpp"

#include <fmt/core.h>

#include <sysexits.h>
#include <cmath>
#include <memory>
#include <sstream>

namespace pdlab::cli {

namespace {

struct Variant {
  std::string label;                     // "key=value; key=value"
  std::vector<std::string> assignments;  // key=value
};

// --vary KEY=V1,V2 (repeatable: the variants are all combinations, first key slowest).
std::vector<Variant> from_vary(const std::vector<std::string>& vary) {
  std::vector<Variant> out = {Variant{}};
  for (const auto& v : vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      fail(ErrorKind::usage, {"--vary", 0, "--vary", v}, "not of the form KEY=V1,V2,...",
           "write e.g. --vary promotion.mandate=0,1");
    }
    const std::string key = v.substr(0, eq);
    std::vector<std::string> values;
    std::stringstream ss(v.substr(eq + 1));
    for (std::string x; std::getline(ss, x, ',');) {
      values.push_back(x);
    }
    std::vector<Variant> next;
    for (const auto& base : out) {
      for (const auto& x : values) {
        Variant w = base;
        w.assignments.push_back(key + "=" + x);
        w.label += (w.label.empty() ? "" : "; ") + key + "=" + x;
        next.push_back(w);
      }
    }
    out = next;
  }
  return out;
}

// CSV: an optional `variant` column of labels, then one column per scenario key.
std::vector<Variant> from_csv(const std::string& path) {
  io::CsvReader reader(path);
  const auto& header = reader.header();
  const auto label_col = reader.column("variant");
  std::vector<Variant> out;
  std::vector<std::string_view> f;
  while (reader.next(f)) {
    Variant v;
    for (std::size_t i = 0; i < header.size() && i < f.size(); ++i) {
      if (label_col && i == *label_col) {
        continue;
      }
      if (f[i].empty()) {
        continue;  // empty = the scenario's own value
      }
      v.assignments.push_back(header[i] + "=" + std::string(f[i]));
      v.label += (v.label.empty() ? "" : "; ") + header[i] + "=" + std::string(f[i]);
    }
    if (label_col) {
      v.label = std::string(f[*label_col]);
    }
    if (v.label.empty()) {
      v.label = "scenario as written";
    }
    out.push_back(v);
  }
  if (out.empty()) {
    fail(ErrorKind::data, {path, reader.line(), "", ""}, "no variants in the file",
         "add one row per variant under a header of scenario keys");
  }
  return out;
}

bool same_inputs(const HierarchySpec& a, const HierarchySpec& b) {
  if (a.source != b.source || a.path != b.path || a.root != b.root ||
      a.text_columns != b.text_columns || a.edges.size() != b.edges.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.edges.size(); ++i) {
    if (a.edges[i].path != b.edges[i].path || a.edges[i].symmetric != b.edges[i].symmetric) {
      return false;
    }
  }
  return true;
}

}  // namespace

int cmd_compare(Args& args) {
  if (args.vary.empty() == args.variants_path.empty()) {
    fail(ErrorKind::usage, {"", 0, "--vary", ""}, "give either --vary or --variants",
         "e.g. --vary promotion.mandate=0,1, or --variants variants.csv");
  }
  const auto variants = args.vary.empty() ? from_csv(args.variants_path) : from_vary(args.vary);
  if (variants.size() < 2) {
    fail(ErrorKind::usage, {"", 0, "--vary", ""}, "only one variant: nothing to compare",
         "give at least two values");
  }
  add_run_overrides(args);
  io::check_output_path(args.out, args.force);
  // Every variant is compiled before any runs, so a bad value fails fast.
  const auto base = io::prepare_study(args.scenario, args.sets);
  std::vector<io::LoadedScenario> loaded;
  std::vector<std::unique_ptr<io::PreparedStudy>> own;  // variants with other inputs
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& v : variants) {
    auto sets = args.sets;
    sets.insert(sets.end(), v.assignments.begin(), v.assignments.end());
    auto l = io::load_scenario(args.scenario, sets);
    if (same_inputs(l.scenario.hierarchy, base.loaded.scenario.hierarchy)) {
      models.push_back(
          std::make_unique<Model>(l.scenario, *base.inputs.hierarchy, *base.inputs.network));
    } else {
      own.push_back(std::make_unique<io::PreparedStudy>(io::prepare_study(args.scenario, sets)));
      models.push_back(nullptr);
    }
    loaded.push_back(std::move(l));
  }
  std::size_t own_i = 0;
  std::vector<const Model*> model_of;
  for (auto& m : models) {
    model_of.push_back(m ? m.get() : own[own_i++]->model.get());
  }
  const auto defs = outcome_defs(*model_of[0]);
  for (std::size_t i = 1; i < model_of.size(); ++i) {
    const auto d = outcome_defs(*model_of[i]);
    bool same = d.size() == defs.size();
    for (std::size_t k = 0; same && k < d.size(); ++k) {
      same =
          d[k].name == defs[k].name && d[k].level == defs[k].level && d[k].policy == defs[k].policy;
    }
    if (!same) {
      fail(ErrorKind::usage, {args.scenario, 0, "--vary", variants[i].label},
           "this variant has other outcomes (levels, policies or governance modules) than the "
           "first",
           "vary parameters within one design; switch modules on in every variant");
    }
  }
  const int reps = model_of[0]->scenario().replicates;
  if (reps < 2) {
    fail(ErrorKind::usage, {args.scenario, 0, "run.replicates", std::to_string(reps)},
         "a comparison needs at least 2 replicates for its intervals", "use --replicates 30");
  }
  // values[variant][outcome][replicate]
  std::vector<std::vector<std::vector<double>>> values(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& m = *model_of[i];
    fmt::print(stderr, "pdlab: variant {}/{}: {}\n", i + 1, variants.size(), variants[i].label);
    const auto results = run_ensemble(m, reps, m.scenario().threads, progress_bar());
    values[i].assign(defs.size(), std::vector<double>(results.size()));
    for (std::size_t r = 0; r < results.size(); ++r) {
      const auto v = outcome_values(m, results[r]);
      for (std::size_t k = 0; k < defs.size(); ++k) {
        values[i][k][r] = v[k];
      }
    }
  }
  io::write_table(args.out, args.force, io::table_schema("compare"), [&](io::TableWriter& w) {
    for (std::size_t k = 0; k < defs.size(); ++k) {
      for (std::size_t i = 0; i < variants.size(); ++i) {
        const auto c = contrast(values[i][k], values[0][k]);
        w.text(defs[k].name)
            .text(defs[k].statistic)
            .text(defs[k].policy)
            .text(defs[k].level)
            .text(variants[i].label)
            .integer(c.n)
            .real(c.mean)
            .real(c.sd)
            .real(c.diff)
            .real(c.diff_se)
            .real(c.lo)
            .real(c.hi)
            .end_row();
      }
    }
  });
  // A short digest: the deepest level's adoption and the governance headline outcomes.
  const auto& h = model_of[0]->hierarchy();
  const std::string deepest = h.level_names()[h.n_levels() - 1];
  fmt::print("Differences from \"{}\" ({} replicates, common random numbers, 95% t intervals)\n",
             variants[0].label, reps);
  for (std::size_t k = 0; k < defs.size(); ++k) {
    const auto& d = defs[k];
    const bool headline =
        (d.name == "adopted" && d.level == deepest) || d.name == "participation_migrant" ||
        (d.name == "depth" && d.statistic == "last_year_mean" && d.level == deepest) ||
        d.name == "incidents" || (d.name == "escalated" && h.level_index(d.level) == 0);
    if (!headline) {
      continue;
    }
    fmt::print("  {} {} ({}):\n", d.name, d.statistic, d.level);
    for (std::size_t i = 1; i < variants.size(); ++i) {
      const auto c = contrast(values[i][k], values[0][k]);
      fmt::print("    {:<40} {:>12.4g}  [{:.4g}, {:.4g}]\n", variants[i].label, c.diff, c.lo, c.hi);
    }
  }
  fmt::print(stderr, "wrote {}\n", args.out);
  return EX_OK;
}

}  // namespace pdlab::cli
