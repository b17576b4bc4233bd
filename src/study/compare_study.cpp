#include "pdlab/study/compare_study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/event_settings.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>

namespace pdlab::study {

namespace {

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

// The same value written twice: the same text, or the same number ("0.8" and "0.80").
bool same_value(const std::string& a, const std::string& b) {
  const auto trim = [](const std::string& x) {
    const auto b0 = x.find_first_not_of(" \t");
    const auto e0 = x.find_last_not_of(" \t");
    return b0 == std::string::npos ? std::string() : x.substr(b0, e0 - b0 + 1);
  };
  const auto ta = trim(a);
  const auto tb = trim(b);
  if (ta == tb) {
    return true;
  }
  const auto number = [](const std::string& x, double& out) {
    char* end = nullptr;
    out = std::strtod(x.c_str(), &end);
    return !x.empty() && end == x.c_str() + x.size();
  };
  double da = 0;
  double db = 0;
  return number(ta, da) && number(tb, db) && da == db;
}

}  // namespace

// --vary KEY=V1,V2 (repeatable: the variants are all combinations, first key slowest).
std::vector<DesignVariant> variants_from_vary(const std::vector<std::string>& vary) {
  std::vector<DesignVariant> out = {DesignVariant{}};
  for (const auto& v : vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      fail(ErrorKind::usage, {"--vary", 0, "--vary", v}, "not of the form KEY=V1,V2,...",
           "write e.g. --vary promotion.mandate=0,1");
    }
    const std::string key = v.substr(0, eq);
    std::vector<std::string> values;
    const std::string list = v.substr(eq + 1);
    // Commas inside brackets, braces or quotes belong to a value (a list or a table, e.g.
    // --vary 'feedback.levels=["county"],["county","township"]').
    std::string value;
    int depth = 0;
    char quote = 0;
    for (const char ch : list) {
      if (quote != 0) {
        quote = ch == quote ? 0 : quote;
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
      } else if (ch == '[' || ch == '{') {
        ++depth;
      } else if ((ch == ']' || ch == '}') && depth > 0) {
        --depth;
      } else if (ch == ',' && depth == 0) {
        values.push_back(value);
        value.clear();
        continue;
      }
      value += ch;
    }
    values.push_back(value);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i].find_first_not_of(" \t") == std::string::npos) {
        fail(ErrorKind::usage, {"", 0, "--vary", v},
             fmt::format("value {} of {} (of {}) is empty", i + 1, key, values.size()),
             "write a value between every two commas, e.g. --vary " + key + "=0.8,0.5");
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (same_value(values[i], values[j])) {
          fail(ErrorKind::usage, {"", 0, "--vary", v},
               fmt::format("values {} and {} of {} are the same ({}): two variants would be "
                           "identical",
                           j + 1, i + 1, key, values[i]),
               "give each value once");
        }
      }
    }
    std::vector<DesignVariant> next;
    for (const auto& base : out) {
      for (const auto& x : values) {
        DesignVariant w = base;
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
bool is_study_setting(const std::string& key) {
  return key.starts_with("run.") || key.starts_with("output.") || key.starts_with("calendar.");
}

std::vector<DesignVariant> variants_from_csv(const std::string& path) {
  io::CsvReader reader(path);
  const auto& header = reader.header();
  const auto label_col = reader.column("variant");
  if (header.size() <= (label_col ? 1U : 0U)) {
    fail(ErrorKind::data, {path, 1, "header", label_col ? "variant" : ""},
         "the file has no scenario key column: every variant would be the scenario as written",
         "add one column per scenario key to vary, e.g. variant,promotion.mandate");
  }
  std::vector<DesignVariant> out;
  std::vector<std::string_view> f;
  while (reader.next(f)) {
    DesignVariant v;
    v.source = path;
    v.line = reader.line();
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
    if (label_col && !f[*label_col].empty()) {
      v.label = std::string(f[*label_col]);  // (an empty label: the values, as without one)
    }
    if (v.label.empty()) {
      v.label = "scenario as written";
    }
    for (const auto& w : out) {
      // The same values under another label: two variants would be one design.
      const auto same = [&] {
        if (w.assignments.size() != v.assignments.size()) {
          return false;
        }
        for (std::size_t k = 0; k < v.assignments.size(); ++k) {
          const auto& a = v.assignments[k];
          const auto& b = w.assignments[k];
          const auto ea = a.find('=');
          const auto eb = b.find('=');
          if (a.substr(0, ea) != b.substr(0, eb) ||
              !same_value(a.substr(ea + 1), b.substr(eb + 1))) {
            return false;
          }
        }
        return true;
      };
      if (w.label != v.label && same()) {
        fail(ErrorKind::data, {path, v.line, label_col ? "variant" : "row", v.label},
             fmt::format("the same values as line {} ('{}'): the two variants would be one "
                         "design",
                         w.line, w.label),
             "give each variant its own values (an empty cell keeps the scenario's)");
      }
      if (w.label == v.label) {
        fail(ErrorKind::data, {path, v.line, label_col ? "variant" : "row", v.label},
             fmt::format("the same variant as line {}: the comparison's rows would not be told "
                         "apart",
                         w.line),
             label_col ? "give each variant its own label (and its own values)"
                       : "give each row its own values, or add a variant column of labels");
      }
    }
    out.push_back(v);
  }
  if (out.empty()) {
    fail(ErrorKind::data, {path, reader.line(), "", ""}, "no variants in the file",
         "add one row per variant under a header of scenario keys");
  }
  return out;
}

namespace {

// The value a list of key=value assignments gives `key` last, as written ("" where none); a
// policy named by its index counts as by its id (canonical_policy_key).
std::string assigned_text(const Scenario& s, const std::vector<std::string>& assignments,
                          const std::string& key) {
  std::string text;
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq != std::string::npos && canonical_policy_key(s, a.substr(0, eq)) == key) {
      text = a.substr(eq + 1);
    }
  }
  return text;
}

// A key that uncertainty.draw draws, set by a variant (or by --set for all), is held at that
// value in those replicates rather than drawn (docs/model.md 7.11): said as a warning, for the
// digest's one line was easy to miss. A value within 1e-3 (relative) of the scenario's own is
// most likely a rounding of the fitted estimate, which silently takes the key's uncertainty out
// of both sides of a comparison.
void held_key_warnings(const Scenario& base, const std::vector<std::string>& overrides,
                       const std::vector<DesignVariant>& variants,
                       const std::vector<const Model*>& model_of,
                       std::vector<std::string>& warnings) {
  const auto& by_set = base.uncertainty.draw ? base.uncertainty.held : std::vector<std::string>{};
  for (const auto& key : by_set) {
    const std::string value = assigned_text(base, overrides, key);
    if (value.empty()) {
      continue;  // held by the scenario's own uncertainty.held: as written, on purpose
    }
    warnings.push_back(fmt::format(
        "--set {}={}: {} is among the keys uncertainty.draw draws, so it is held fixed at {} in "
        "every replicate of every variant, not drawn (the other keys keep their draws); drop "
        "the --set to draw it",
        key, value, key, value));
  }
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& sc = model_of[i]->scenario();
    if (!sc.uncertainty.draw) {
      continue;
    }
    for (const auto& key : sc.uncertainty.held) {
      if (std::find(by_set.begin(), by_set.end(), key) != by_set.end()) {
        continue;  // (said once above)
      }
      const std::string value = assigned_text(base, variants[i].assignments, key);
      std::string text = fmt::format(
          "variant \"{}\": {} is among the keys uncertainty.draw draws, but this variant sets "
          "it, so it is held fixed at {} in this variant's replicates, not drawn (the other "
          "keys keep their draws, so the differences stay paired)",
          variants[i].label, key, value.empty() ? "its value" : value);
      const auto own = numeric_parameter(sc, key);
      const auto scenario_value = numeric_parameter(base, key);
      if (own && scenario_value && *own != *scenario_value &&
          std::abs(*own - *scenario_value) < 1e-3 * std::abs(*scenario_value)) {
        text += fmt::format(
            ". {} is within 1e-3 (relative) of the scenario's {}: it looks like a rounding of "
            "the fitted value. To draw the key in this variant give the exact value ({}={}), "
            "or leave the key out of it (--vary cannot: a --variants CSV row whose field is "
            "empty keeps the scenario's value, drawn)",
            value, *scenario_value, key, *scenario_value);
      }
      warnings.push_back(text);
    }
  }
}

}  // namespace

CompareResult compare_designs(const CompareSpec& spec,
                              const std::function<void(int, int, const std::string&)>& on_variant,
                              const std::function<void(int, int)>& progress,
                              const GridRunner& runner) {
  const auto& variants = spec.variants;
  if (variants.size() < 2) {
    if (!variants.empty() && !variants[0].source.empty()) {
      fail(ErrorKind::data, {variants[0].source, variants[0].line, "--variants", variants[0].label},
           "only one variant in the file: nothing to compare",
           "add a row for each further variant (at least two in all)");
    }
    fail(ErrorKind::usage, {"", 0, "--vary", variants.empty() ? "" : variants[0].label},
         "only one variant: nothing to compare",
         "give at least two values, separated by commas: --vary KEY=V1,V2");
  }
  // A key varied twice would take the last value under a label naming both; one fixed by
  // --set as well would be overridden by the variants (or override them) silently. (A policy
  // named by its index or its id is one key: the scenario's policies say which.)
  const Scenario written = io::load_scenario(spec.scenario, {}).scenario;
  const auto key_of = [&](const std::string& assignment) {
    auto key = assignment.substr(0, assignment.find('='));
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    return canonical_policy_key(written, key);
  };
  std::set<std::string> set_keys;
  for (const auto& o : spec.overrides) {
    set_keys.insert(key_of(o));
  }
  for (const auto& v : variants) {
    std::set<std::string> seen;
    for (const auto& a : v.assignments) {
      const auto key = key_of(a);
      if (!seen.insert(key).second) {
        if (!v.source.empty()) {
          fail(ErrorKind::data, {v.source, 1, key, ""}, "two columns of the file set this key",
               "keep one column per scenario key");
        }
        fail(ErrorKind::usage, {"", 0, "--vary", key}, "the key is varied twice",
             "give each key once: --vary " + key + "=V1,V2,... with all its values");
      }
      // run.*, output.* and calendar.* keys say how the study runs and what it writes, not the
      // design: a variant of run.seed is the same design on other random numbers (not common
      // random numbers), run.replicates and run.threads are the comparison's own, output.*
      // changes no outcome, and variants on other calendars cover other periods.
      if (is_study_setting(key)) {
        const Where where = v.source.empty()
                                ? Where{"", 0, "--vary", a}
                                : Where{v.source, v.line, key, a.substr(a.find('=') + 1)};
        const bool calendar = key.starts_with("calendar.");
        fail(v.source.empty() ? ErrorKind::usage : ErrorKind::data, where,
             calendar ? "the calendar is not a design parameter: variants on other calendars "
                        "cover other periods, and their outcomes, compared date by date, would "
                        "not be differences of one design"
             : key == "run.seed"
                 ? "run.seed is not a design parameter: its variants would differ only by their "
                   "random numbers, shown as effects (the comparison pairs replicates on common "
                   "random numbers)"
                 : "the key sets how the study runs or what it writes, the same for every "
                   "variant; it is not a design parameter",
             key.starts_with("run.")
                 ? "set it for the whole comparison (--seed, --replicates, --threads) and vary "
                   "design parameters"
                 : std::string("set ") + (calendar ? "the calendar" : "it") +
                       " for the whole comparison with --set, and vary design parameters");
      }
      if (set_keys.count(key) > 0) {
        fail(ErrorKind::usage, {"", 0, "--set", key},
             "the key is both fixed by --set and varied by the variants",
             "drop the --set of " + key + ", or stop varying it");
      }
    }
  }
  // The user's contrasts, read before anything runs (their names go where variants' labels do).
  std::vector<UserContrast> user_contrasts;
  for (const auto& text : spec.contrasts) {
    auto c = parse_contrast(text, variants.size());
    const bool label = std::any_of(variants.begin(), variants.end(),
                                   [&](const DesignVariant& v) { return v.label == c.name; });
    const bool twice = std::any_of(user_contrasts.begin(), user_contrasts.end(),
                                   [&](const UserContrast& u) { return u.name == c.name; });
    if (label || twice) {
      fail(ErrorKind::usage, {"", 0, "--contrast", text},
           label ? "the name is a variant's label" : "two contrasts have this name",
           "give each contrast a name of its own, e.g. interaction");
    }
    user_contrasts.push_back(std::move(c));
  }
  // Every variant is compiled before any runs, so a bad value fails fast. Variants that keep
  // the base's inputs share its hierarchy and network.
  const auto base = prepare_study(spec.scenario, spec.overrides);
  // A varied key that a set event also sets is varied only before the event's date: said
  // before anything runs.
  std::vector<std::string> varied;
  for (const auto& v : variants) {
    for (const auto& a : v.assignments) {
      auto key = a.substr(0, a.find('='));
      key.erase(0, key.find_first_not_of(" \t"));
      key.erase(key.find_last_not_of(" \t") + 1);
      if (std::find(varied.begin(), varied.end(), key) == varied.end()) {
        varied.push_back(key);
      }
    }
  }
  auto set_by_events =
      event_setting_warnings(base.model->scenario(), varied, "varied", [](std::size_t n) {
        return fmt::format(
            "to vary the value it takes from then, vary the event's value: --vary "
            "event.{0}.value=V1,V2,... (or a --variants column event.{0}.value)",
            n);
      });
  if (spec.on_warning) {
    for (const auto& w : set_by_events) {
      spec.on_warning(w);
    }
    set_by_events.clear();
  }
  std::vector<std::unique_ptr<PreparedStudy>> own;
  std::vector<std::unique_ptr<Model>> shared;
  std::vector<const Model*> model_of;
  for (const auto& v : variants) {
    auto sets = spec.overrides;
    sets.insert(sets.end(), v.assignments.begin(), v.assignments.end());
    try {
      auto l = io::load_scenario(spec.scenario, sets);
      if (same_inputs(l.scenario.hierarchy, base.loaded.scenario.hierarchy)) {
        shared.push_back(
            std::make_unique<Model>(l.scenario, *base.inputs.hierarchy, *base.inputs.network));
        model_of.push_back(shared.back().get());
      } else {
        own.push_back(std::make_unique<PreparedStudy>(prepare_study(spec.scenario, sets)));
        model_of.push_back(own.back()->model.get());
      }
    } catch (const Error& e) {
      // An error about one of the variant's keys names where the user wrote its value: the
      // variants file and the variant's line, or --vary (the scenario does not hold it).
      const std::size_t n_base = spec.overrides.size();
      rethrow_blaming(e, spec.scenario, sets, [&](const std::string& a) {
        const bool base_set =
            std::find(sets.begin(), sets.begin() + n_base, a) != sets.begin() + n_base;
        if (base_set) {
          return "--set " + a;
        }
        return v.source.empty() ? "--vary " + a : v.source + ":" + std::to_string(v.line);
      });
    }
  }
  CompareResult out;
  out.warnings = set_by_events;
  out.outcomes = outcome_defs(*model_of[0]);
  const auto& defs = out.outcomes;
  for (std::size_t i = 1; i < model_of.size(); ++i) {
    const auto d = outcome_defs(*model_of[i]);
    bool same = d.size() == defs.size();
    for (std::size_t k = 0; same && k < d.size(); ++k) {
      same =
          d[k].name == defs[k].name && d[k].level == defs[k].level && d[k].policy == defs[k].policy;
    }
    if (!same) {
      fail(ErrorKind::usage, {spec.scenario, 0, "--vary", variants[i].label},
           "this variant has other outcomes (levels, policies or governance modules) than the "
           "first",
           "vary parameters within one design; switch modules on in every variant");
    }
  }
  const int reps = model_of[0]->scenario().replicates;
  if (reps < 2) {
    // Blame where the count came from: the command line (-r) or the scenario's run.replicates.
    const bool flag =
        std::any_of(spec.overrides.begin(), spec.overrides.end(),
                    [](const std::string& a) { return a.starts_with("run.replicates="); });
    fail(ErrorKind::usage,
         flag ? Where{"", 0, "--replicates", std::to_string(reps)}
              : Where{spec.scenario, model_of[0]->scenario().line_of("run.replicates"),
                      "run.replicates", std::to_string(reps)},
         "a comparison needs at least 2 replicates for its intervals", "use --replicates 30");
  }
  // A unit of work (variant x replicate) gives its outcomes, then its time cells (adoption,
  // then governance: a few thousand numbers), which `compare_time` summarises; each unit has
  // the largest variant's count, the rest zeros.
  std::vector<std::size_t> n_cells(variants.size()), n_gov(variants.size());
  std::size_t width = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    n_cells[i] = adoption_cell_count(*model_of[i]);
    n_gov[i] = governance_cell_count(*model_of[i]);
    width = std::max(width, defs.size() + n_cells[i] + n_gov[i]);
  }
  Grid grid;
  grid.points = static_cast<std::int32_t>(variants.size());
  grid.replicates = reps;
  grid.values = static_cast<std::int32_t>(width);
  grid.point_name = "variants";
  grid.fingerprint = "compare\n";
  for (const auto& v : variants) {
    grid.fingerprint += "variant " + v.label + ":";
    for (const auto& a : v.assignments) {
      grid.fingerprint += " " + a;
    }
    grid.fingerprint += "\n";
  }
  grid.fingerprint += without_threads(base.loaded.resolved_toml);
  // Streamed: each replicate is reduced to its outcomes and time cells as it finishes
  // (holding whole replicates took ~0.9 MB a Jiangsu replicate).
  const PointEval eval = [&](std::int32_t i, const std::vector<std::int32_t>& reps_here,
                             const UnitSink& sink) {
    const auto& m = *model_of[static_cast<std::size_t>(i)];
    if (on_variant) {
      on_variant(i, static_cast<int>(variants.size()), variants[static_cast<std::size_t>(i)].label);
    }
    run_ensemble_streaming(
        m, reps_here, m.scenario().threads,
        [&](ReplicateResult&& r) {
          auto v = outcome_values(m, r);
          const auto cells = adoption_cells(m, r);
          v.insert(v.end(), cells.begin(), cells.end());
          if (n_gov[static_cast<std::size_t>(i)] > 0) {
            v.insert(v.end(), r.governance.values.begin(), r.governance.values.end());
          }
          v.resize(width, 0.0);
          sink(r.replicate, std::move(v));
        },
        progress);
  };
  const auto units = runner ? runner(grid, eval) : run_grid_here(grid, eval);
  // values[variant][outcome][replicate]
  std::vector<std::vector<std::vector<double>>> values(variants.size());
  const auto& quantiles = model_of[0]->scenario().output.quantiles;
  out.quantiles = quantiles;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& m = *model_of[i];
    const auto& per_rep = units[i];
    values[i].assign(defs.size(), std::vector<double>(static_cast<std::size_t>(reps)));
    for (std::size_t r = 0; r < values[i][0].size(); ++r) {
      for (std::size_t k = 0; k < defs.size(); ++k) {
        values[i][k][r] = per_rep[r][k];
      }
    }
    // The time cells of replicate r start at `first` in its unit's values.
    const auto fetch = [&per_rep](std::size_t first) -> CellFetch {
      return [&per_rep, first](std::size_t c0, std::size_t c1, std::vector<double>& block) {
        const std::size_t w = c1 - c0;
        for (std::size_t r = 0; r < per_rep.size(); ++r) {
          std::copy(per_rep[r].begin() + static_cast<std::ptrdiff_t>(first + c0),
                    per_rep[r].begin() + static_cast<std::ptrdiff_t>(first + c1),
                    block.begin() + static_cast<std::ptrdiff_t>(r * w));
        }
      };
    };
    out.time.push_back(
        summarise_cells(m, per_rep.size(), fetch(defs.size()), quantiles, n_cells[i]));
    out.governance_time.push_back(
        n_gov[i] > 0 ? summarise_governance_cells(
                           m, per_rep.size(), fetch(defs.size() + n_cells[i]), quantiles, n_gov[i])
                     : GovSummary{quantiles, {}});
  }
  out.replicates = reps;
  out.uncertainty_listed = !base.model->scenario().uncertainty.keys.empty();
  for (const auto* m : model_of) {
    out.drawn.push_back(drawn_keys(m->scenario()));
    out.held.push_back(m->scenario().uncertainty.draw ? m->scenario().uncertainty.held
                                                      : std::vector<std::string>{});
    const auto* g = m->governance();
    if (g != nullptr) {
      out.community_level = m->hierarchy().level_names()[g->community_level()];
    }
    out.community_adopts.push_back(
        g == nullptr || m->can_adopt_at(m->governance_policy(), g->community_level()) ? 1 : 0);
  }
  out.scenario_name = base.model->scenario().name;
  out.seed = base.model->scenario().seed;
  out.overrides = spec.overrides;
  for (const auto& v : variants) {
    out.labels.push_back(v.label);
    out.assignments.push_back(v.assignments);
  }
  // Warnings every variant's model raises hold for the whole comparison (e.g. from the scenario
  // or a --set given to all), said once; the others come from a variant's own values.
  const auto raises = [](const Model& m, const std::string& w) {
    return std::find(m.warnings().begin(), m.warnings().end(), w) != m.warnings().end();
  };
  for (const auto& w : model_of[0]->warnings()) {
    if (std::all_of(model_of.begin(), model_of.end(),
                    [&](const Model* m) { return raises(*m, w); })) {
      out.warnings.push_back(w);
    }
  }
  const std::vector<std::string> common = out.warnings;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    for (const auto& w : model_of[i]->warnings()) {
      if (std::find(common.begin(), common.end(), w) == common.end()) {
        out.warnings.push_back("variant \"" + variants[i].label + "\": " + w);
      }
    }
  }
  held_key_warnings(base.model->scenario(), spec.overrides, variants, model_of, out.warnings);
  for (std::size_t i = 1; i < variants.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; same && k < defs.size(); ++k) {
      for (std::size_t r = 0; same && r < values[i][k].size(); ++r) {
        const double a = values[i][k][r];
        const double b = values[0][k][r];
        same = a == b || (std::isnan(a) && std::isnan(b));
      }
    }
    if (same) {
      out.warnings.push_back(
          "variant \"" + variants[i].label + "\" gave exactly the outcomes of \"" +
          variants[0].label +
          "\" in every replicate: its values change nothing in this scenario (a key read only "
          "by a module or switch that is off, or a value the run never reaches)");
    }
  }
  out.contrasts.assign(defs.size(), {});
  out.censored.assign(defs.size(), std::vector<double>(variants.size(), std::nan("")));
  for (std::size_t k = 0; k < defs.size(); ++k) {
    for (std::size_t i = 0; i < variants.size(); ++i) {
      out.contrasts[k].push_back(contrast(values[i][k], values[0][k]));
    }
    // reached_half follows periods_to_half (outcome_defs): 0 where the horizon stands in.
    if (defs[k].statistic == "periods_to_half" && k + 1 < defs.size() &&
        defs[k + 1].statistic == "reached_half") {
      for (std::size_t i = 0; i < variants.size(); ++i) {
        int pairs = 0;
        int censored = 0;
        for (std::size_t r = 0; r < values[i][k].size(); ++r) {
          if (std::isnan(values[i][k][r]) || std::isnan(values[0][k][r])) {
            continue;  // as contrast(): the pair is dropped
          }
          ++pairs;
          censored += values[i][k + 1][r] == 0 || values[0][k + 1][r] == 0 ? 1 : 0;
        }
        out.censored[k][i] = pairs > 0 ? static_cast<double>(censored) / pairs : std::nan("");
      }
    }
  }
  out.values = std::move(values);
  out.user_contrasts = std::move(user_contrasts);
  estimate_user_contrasts(out);
  const auto& h = model_of[0]->hierarchy();
  out.deepest_level = h.level_names()[h.n_levels() - 1];
  out.top_level = h.level_names()[0];
  out.level_names = h.level_names();
  out.adopting_levels = adopting_levels(defs, h.level_names(), [&](std::size_t k) {
    double most = 0;
    for (const auto& c : out.contrasts[k]) {
      most = std::isnan(c.mean) ? most : std::max(most, c.mean);
    }
    return most;
  });
  for (const auto& p : model_of[0]->scenario().policies) {
    out.policy_ids.push_back(p.id);
  }
  for (std::int32_t t = 0; t < model_of[0]->periods(); ++t) {
    out.period_labels.push_back(period_label(model_of[0]->scenario().calendar, t));
  }
  return out;
}

std::vector<std::string> drawn_keys(const Scenario& sc) {
  std::vector<std::string> out;
  const auto& held = sc.uncertainty.held;
  for (const auto& k : sc.uncertainty.draw ? sc.uncertainty.keys : std::vector<std::string>{}) {
    if (std::find(held.begin(), held.end(), k) == held.end()) {
      out.push_back(k);
    }
  }
  return out;
}

std::string parameters_clause(const std::vector<std::string>& drawn, bool listed,
                              const std::string& across, const std::string& fixed) {
  if (drawn.empty()) {
    return "Parameter uncertainty: none, " + fixed + " fixed at the scenario's values" +
           (listed ? " (uncertainty.draw = true draws them from [uncertainty])" : "");
  }
  std::string keys;
  for (const auto& k : drawn) {
    keys += (keys.empty() ? "" : ", ") + k;
  }
  return "Parameter uncertainty: each replicate ran with its own draw of " + keys +
         " from [uncertainty] (the same draw " + across + ")";
}

namespace {

// Keys a variant held at its own value rather than drawing them (uncertainty.held): " Held, not
// drawn: KEY in "LABEL" (...)."; empty where no variant held any.
std::string held_clause(const CompareResult& res) {
  std::string out;
  for (std::size_t i = 0; i < res.held.size(); ++i) {
    if (res.held[i].empty()) {
      continue;
    }
    std::string keys;
    for (const auto& k : res.held[i]) {
      keys += (keys.empty() ? "" : ", ") + k;
    }
    out += fmt::format("{}{} in \"{}\"", out.empty() ? "" : "; ", keys, res.labels[i]);
  }
  if (out.empty()) {
    return out;
  }
  return " Held at the variant's own value, not drawn: " + out +
         " (the other keys take the same draws as in every variant, so the differences stay "
         "paired).";
}

}  // namespace

std::string parameters_drawn(const CompareResult& res) {
  const auto n_drew = static_cast<std::size_t>(std::count_if(
      res.drawn.begin(), res.drawn.end(), [](const auto& keys) { return !keys.empty(); }));
  return n_drew == 0 ? "none" : n_drew == res.drawn.size() ? "every variant" : "some variants";
}

std::string compare_intervals_note(const CompareResult& res) {
  std::string note = fmt::format(
      "95% t intervals: the Monte Carlo error of the mean paired difference over the {} "
      "replicates (more replicates narrow them). ",
      res.replicates);
  std::vector<std::string> keys;
  std::string drew;
  for (std::size_t i = 0; i < res.drawn.size(); ++i) {
    if (res.drawn[i].empty()) {
      continue;
    }
    drew += (drew.empty() ? "\"" : ", \"") + res.labels[i] + "\"";
    for (const auto& k : res.drawn[i]) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        keys.push_back(k);
      }
    }
  }
  const auto drawn = parameters_drawn(res);
  if (drawn == "none") {
    return note +
           parameters_clause({}, res.uncertainty_listed, "in every variant", "the parameters are") +
           ": the intervals do not include it. Spread: the 2.5-97.5% range of the paired "
           "differences (diff_q025 to diff_q975) is the run-to-run variation of one "
           "realisation at these values, not the parameters' uncertainty either.";
  }
  if (drawn == "every variant") {
    // The t interval shrinks with replicates whatever the estimates' precision: under draws it
    // is the spread across the draws that says how sure the fit lets one be of a difference.
    return note + parameters_clause(keys, true, "in every variant", "") +
           ", so the paired differences vary with the parameters as well as by chance; the t "
           "intervals do not carry that uncertainty (they only say how precisely the mean "
           "difference is known). Spread: the 2.5-97.5% range of the paired differences across "
           "the draws (diff_q025 to diff_q975) is what carries the parameters' estimation "
           "uncertainty; a difference is told from none, given the fit, only where it excludes "
           "0." +
           held_clause(res);
  }
  // Variants that set uncertainty.draw differently: their differences mix the two.
  std::string k;
  for (const auto& x : keys) {
    k += (k.empty() ? "" : ", ") + x;
  }
  return note +
         fmt::format(
             "Parameter uncertainty differs between the variants: {} ran each replicate "
             "with its own draw of {} from [uncertainty], the others with the parameters "
             "fixed at the scenario's values. Spread: the 2.5-97.5% range of the paired "
             "differences (diff_q025 to diff_q975) mixes the draws' uncertainty with the "
             "run-to-run variation.",
             drew, k) +
         held_clause(res);
}

void write_compare(const CompareResult& res, io::TableWriter& w) {
  const auto& defs = res.outcomes;
  // A variant's row, or a user contrast's (its name as the variant).
  const auto row = [&](const OutcomeDef& d, const std::string& variant, const Contrast& c,
                       double censored) {
    w.text(d.name)
        .text(d.statistic)
        .text(d.policy)
        .text(d.level)
        .text(variant)
        .integer(c.n)
        .real(c.mean)
        .real(c.sd)
        .real(c.diff)
        .real(c.diff_se)
        .real(c.lo)
        .real(c.hi)
        .real(c.diff_q025)
        .real(c.diff_q975)
        .text(outcome_unit(d))
        .real(censored)
        .end_row();
  };
  for (std::size_t k = 0; k < defs.size(); ++k) {
    for (std::size_t i = 0; i < res.labels.size(); ++i) {
      row(defs[k], res.labels[i], res.contrasts[k][i], res.censored[k][i]);
    }
    for (std::size_t j = 0; j < res.user_contrasts.size(); ++j) {
      row(defs[k], res.user_contrasts[j].name, res.user_results[k][j], res.user_censored[k][j]);
    }
  }
}

void write_compare_variants(const CompareResult& res, io::TableWriter& w) {
  const auto row = [&](std::size_t variant, const std::string& assignment, const char* set_by) {
    const auto eq = assignment.find('=');
    w.text(res.labels[variant])
        .text(assignment.substr(0, eq))
        .text(eq == std::string::npos ? std::string() : assignment.substr(eq + 1))
        .text(set_by)
        .end_row();
  };
  // An override given twice (e.g. --set run.replicates and -r) holds at its last value; the
  // thread count changes no result and is left out.
  std::vector<std::string> overrides;
  for (std::size_t k = 0; k < res.overrides.size(); ++k) {
    const auto key = res.overrides[k].substr(0, res.overrides[k].find('='));
    bool later = key == "run.threads";
    for (std::size_t j = k + 1; j < res.overrides.size() && !later; ++j) {
      later = res.overrides[j].substr(0, res.overrides[j].find('=')) == key;
    }
    if (!later) {
      overrides.push_back(res.overrides[k]);
    }
  }
  for (std::size_t i = 0; i < res.labels.size(); ++i) {
    for (const auto& a : overrides) {
      row(i, a, "every variant");
    }
    if (i < res.assignments.size()) {
      for (const auto& a : res.assignments[i]) {
        row(i, a, "this variant");
      }
    }
  }
}

io::TableSchema compare_time_schema(const CompareResult& res) {
  auto s = io::table_schema("compare_time");
  for (double p : res.quantiles) {
    s.columns.push_back({io::quantile_column(p), io::ColumnType::real, "quantile over replicates"});
  }
  return s;
}

void write_compare_time(const CompareResult& res, io::TableWriter& w) {
  const auto row = [&](std::size_t variant, const std::string& policy, int level, int period,
                       const char* metric, std::int64_t reps, double mean, double sd,
                       const std::vector<double>& q) {
    w.text(res.labels[variant])
        .text(policy)
        .text(res.level_names[static_cast<std::size_t>(level)])
        .integer(period)
        .text(res.period_labels[static_cast<std::size_t>(period)])
        .text(metric)
        .integer(reps)
        .real(mean)
        .real(sd);
    for (double x : q) {
      w.real(x);
    }
    w.end_row();
  };
  for (std::size_t i = 0; i < res.time.size(); ++i) {
    for (const auto& r : res.time[i].rows) {
      row(i, res.policy_ids[static_cast<std::size_t>(r.policy)], r.level, r.period,
          to_string(r.metric), res.replicates, r.mean, r.sd, r.q);
    }
    for (const auto& r : res.governance_time[i].rows) {
      row(i, "", r.level, r.period, to_string(r.metric), r.replicates, r.mean, r.sd, r.q);
    }
  }
}

std::string outcome_unit(const OutcomeDef& d) {
  if (d.statistic == "share_at_end") {
    return "share of the level's units";
  }
  if (d.statistic == "periods_to_half") {
    return "periods from the calendar's start";
  }
  if (d.statistic == "reached_half") {
    return "share of replicates";
  }
  for (const auto& m : gov_metrics()) {
    if (m.name != d.name) {
      continue;
    }
    std::string unit(m.unit);
    if (d.statistic != "total") {
      return unit;
    }
    // A flow's total: its rate a year (or a period) summed over the horizon.
    for (const std::string_view rate : {" a year", " a period"}) {
      if (unit.ends_with(rate)) {
        return unit.substr(0, unit.size() - rate.size()) + " over the horizon";
      }
    }
    return unit + ", summed over the horizon";
  }
  return "";
}

bool community_unreached(const CompareResult& res, const OutcomeDef& d, std::size_t variant) {
  return d.policy.empty() && !res.community_level.empty() && d.level == res.community_level &&
         variant < res.community_adopts.size() && res.community_adopts[0] == 0 &&
         res.community_adopts[variant] == 0;
}

bool is_headline(const CompareResult& res, const OutcomeDef& d) {
  // Box-ticking at the local governments (the level above the deepest): a design's mean depth
  // mixes mandated, voluntary and not-yet-adopted units, these two do not.
  if (d.name == "depth_per_visible_mandated" || d.name == "depth_per_visible_voluntary") {
    const auto& names = res.level_names;
    const auto at = std::find(names.begin(), names.end(), res.deepest_level);
    return at != names.end() && at != names.begin() && *(at - 1) == d.level;
  }
  return is_headline(res.adopting_levels, res.deepest_level, res.top_level, d);
}

std::vector<PolicyLevel> adopting_levels(const std::vector<OutcomeDef>& outcomes,
                                         const std::vector<std::string>& level_names,
                                         const std::function<double(std::size_t)>& mean_share) {
  std::vector<PolicyLevel> found;
  std::vector<PolicyLevel> deepest;  // each policy's deepest level with outcomes
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& d = outcomes[k];
    if (d.name != "adopted" || d.statistic != "share_at_end") {
      continue;
    }
    if (mean_share(k) > 0) {
      found.emplace_back(d.policy, d.level);
    }
    const auto it = std::find_if(deepest.begin(), deepest.end(),
                                 [&](const PolicyLevel& p) { return p.first == d.policy; });
    if (it == deepest.end()) {
      deepest.emplace_back(d.policy, d.level);
    } else {
      it->second = d.level;  // outcomes run down the levels
    }
  }
  // A policy adopted nowhere: its deepest level where it can be adopted says so (its zeros).
  for (const auto& p : deepest) {
    if (std::none_of(found.begin(), found.end(),
                     [&](const PolicyLevel& f) { return f.first == p.first; })) {
      found.push_back(p);
    }
  }
  // From the top level down (stable: policies in outcome order within a level).
  const auto rank = [&](const PolicyLevel& p) {
    return std::find(level_names.begin(), level_names.end(), p.second) - level_names.begin();
  };
  std::stable_sort(found.begin(), found.end(),
                   [&](const PolicyLevel& a, const PolicyLevel& b) { return rank(a) < rank(b); });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

bool is_headline(const std::vector<PolicyLevel>& adopting, const std::string& deepest,
                 const std::string& top, const OutcomeDef& d) {
  // The deepest level where this policy is adopted; where it is adopted nowhere, the deepest
  // level says so.
  std::string deepest_adopting = deepest;
  bool adopts = false;
  for (const auto& [policy, level] : adopting) {
    if (policy == d.policy) {
      deepest_adopting = level;
      adopts = adopts || level == d.level;
    }
  }
  adopts = adopts || d.level == deepest_adopting;
  // (reached_half qualifies periods_to_half: compare prints it with it, when below 1)
  return ((d.name == "adopted" || d.name == "active") && d.statistic == "share_at_end" && adopts) ||
         (d.name == "adopted" && d.statistic == "periods_to_half" && d.level == deepest_adopting) ||
         d.name == "participation_migrant" ||
         (d.name == "depth" && d.statistic == "last_year_mean" && d.level == deepest) ||
         d.name == "incidents" || (d.name == "escalated" && d.level == top);
}

bool active_repeats_adopted(const std::vector<OutcomeDef>& outcomes, std::size_t k,
                            const std::function<bool(std::size_t, std::size_t)>& same) {
  return outcomes[k].name == "active" && k >= 3 && outcomes[k - 3].name == "adopted" &&
         same(k, k - 3);
}

void write_compare_study(const std::string& out, bool force, const CompareResult& res,
                         const std::string& command_line, const std::string& scenario_file) {
  io::write_tables(
      out, force,
      {{io::table_schema("compare"), [&](io::TableWriter& w) { write_compare(res, w); }},
       {io::table_schema("compare_variants"),
        [&](io::TableWriter& w) { write_compare_variants(res, w); }},
       {compare_time_schema(res), [&](io::TableWriter& w) { write_compare_time(res, w); }},
       {io::table_schema("compare_contrasts"),
        [&](io::TableWriter& w) { write_compare_contrasts(res, w); }},
       {io::table_schema("compare_replicates"),
        [&](io::TableWriter& w) { write_compare_replicates(res, w); }},
       io::meta_output({{"command_line", command_line},
                        {"scenario_file", scenario_file},
                        {"scenario_name", res.scenario_name},
                        {"seed", std::to_string(res.seed)},
                        {"replicates", std::to_string(res.replicates)},
                        {"variants", std::to_string(res.labels.size())},
                        {"intervals", compare_intervals_note(res)},
                        {"parameters_drawn", parameters_drawn(res)}})});
}

}  // namespace pdlab::study
