#include "pdlab/study/sensitivity_study.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/events.hpp"
#include "pdlab/core/governance/rates.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/compare_study.hpp"
#include "pdlab/study/estimate.hpp"
#include "pdlab/study/event_settings.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace pdlab::study {

namespace {

// A factor as given, with where it came from for error messages.
struct GivenFactor {
  SensitivityFactor f;
  Where where;
  ErrorKind kind;  // usage for --factor, config for the scenario's
};

double parse_bound(const std::string& text, const Where& where) {
  char* end = nullptr;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(v)) {
    fail(ErrorKind::usage, where, "'" + text + "' is not a number",
         "write KEY=LO:HI with numbers, e.g. --factor vertical.mandate=0:1");
  }
  return v;
}

// --factor KEY or KEY=LO:HI.
GivenFactor parse_factor(const std::string& text) {
  const Where where{"", 0, "--factor", text};
  GivenFactor g{{}, where, ErrorKind::usage};
  const auto eq = text.find('=');
  g.f.key = text.substr(0, eq);
  if (g.f.key.empty()) {
    fail(ErrorKind::usage, where, "no key", "write KEY or KEY=LO:HI, e.g. vertical.mandate=0:1");
  }
  if (eq != std::string::npos) {
    const auto range = text.substr(eq + 1);
    const auto colon = range.find(':');
    if (colon == std::string::npos) {
      fail(ErrorKind::usage, where, "the range is not of the form LO:HI",
           "write e.g. --factor " + g.f.key + "=0:1");
    }
    g.f.lo = parse_bound(range.substr(0, colon), where);
    g.f.hi = parse_bound(range.substr(colon + 1), where);
  }
  return g;
}

// The scenario's [[sensitivity.factor]] list, then --factor (replacing a scenario factor of
// the same key).
std::vector<GivenFactor> given_factors(const SensitivitySpec& spec, const Scenario& sc) {
  std::vector<GivenFactor> out;
  for (std::size_t i = 0; i < sc.sensitivity.factors.size(); ++i) {
    const auto& f = sc.sensitivity.factors[i];
    out.push_back({f,
                   {spec.scenario, sc.line_of(fmt::format("sensitivity.factor[{}].key", i)),
                    fmt::format("sensitivity.factor[{}]", i), f.key},
                   ErrorKind::config});
  }
  for (const auto& text : spec.factors) {
    auto g = parse_factor(text);
    bool replaced = false;
    for (auto& o : out) {
      if (o.kind == ErrorKind::config && o.f.key == g.f.key) {
        o = g;
        replaced = true;
      }
    }
    if (!replaced) {
      out.push_back(g);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (out[i].f.key == out[j].f.key) {
        fail(out[i].kind, out[i].where, "the key '" + out[i].f.key + "' is a factor twice",
             "give each key once");
      }
    }
  }
  return out;
}

// The registry's range of a numeric key; an error with did-you-mean for any other key.
std::pair<double, double> registry_range(const GivenFactor& g) {
  const auto& key = g.f.key;
  if (const auto pk = parse_policy_key(key)) {  // a [[policy]]'s number, by its id
    return {pk->lo, pk->hi};
  }
  if (const KeyedParam* kp = find_keyed_parameter(key); kp != nullptr && kp->entry != nullptr) {
    return {kp->lo, kp->hi};
  } else if (kp != nullptr) {  // a per-[[policy]] override, set in a policy's own table
    fail(g.kind, g.where,
         "'" + key + "' is the pattern of a [[policy]] table's key, not one policy's",
         "name the policy by its id: policy.ID.boosted_by.OTHER (also policy.ID.trend, "
         "policy.ID.alpha_shift and policy.ID.profile.NAME.weight)");
  }
  if (const Param* p = find_parameter(key); p != nullptr && p->type == ParamType::real) {
    return {p->lo, p->hi};
  }
  if (const Param* p = find_parameter(key); p != nullptr && p->type == ParamType::integer) {
    const std::string unit = std::string(p->unit).empty() ? "" : " (" + std::string(p->unit) + ")";
    // (compare refuses to vary a study setting too)
    const bool design = !is_study_setting(key);
    fail(g.kind, g.where,
         "'" + key + "' is a whole number" + unit +
             "; sensitivity varies real-valued keys over a continuous range",
         design ? "compare its values with `pdlab compare SCENARIO --vary " + key + "=V1,V2,...`"
                : "it sets how the study runs, not its design: set it for the whole analysis "
                  "(--set, --seed, --replicates), and vary design parameters");
  }
  if (const Param* p = find_parameter(key); p != nullptr) {  // a switch, a name, a choice
    std::string takes = "text";
    if (p->type == ParamType::boolean) {
      takes = "true or false";
    } else if (p->type == ParamType::choice) {
      takes = "one of " + std::string(p->choices);
      std::replace(takes.begin(), takes.end(), '|', '/');
    } else if (p->type == ParamType::table) {
      takes = "a table";
    }
    fail(g.kind, g.where,
         "'" + key + "' is a scenario key that takes " + takes +
             ", not a number; sensitivity varies real-valued keys over a continuous range",
         "compare its values with `pdlab compare SCENARIO --vary " + key + "=V1,V2,...`");
  }
  std::vector<std::string> numeric;
  for (const auto& p : parameters()) {
    if (p.type == ParamType::real) {
      numeric.emplace_back(p.key);
    }
  }
  for (const auto& k : keyed_parameters()) {
    if (k.entry != nullptr) {
      numeric.push_back(keyed_pattern(k));
    }
  }
  if (key.starts_with("event.") || key.starts_with("event[")) {
    fail(g.kind, g.where, "'" + key + "' is not a key a factor can vary",
         "an event's value is varied as event.N.value, N the set event's index (0-based, "
         "event[N] in the scenario's messages), e.g. --factor event.1.value=0.5:2");
  }
  const auto near = closest(key, numeric);
  fail(g.kind, g.where, "'" + key + "' is not a scenario key",
       near.empty() ? "use a real-valued key of docs/parameters.md, e.g. vertical.mandate"
                    : "did you mean '" + near + "'?");
}

// The range of a set event's value as a factor (event.N.value): its key's range. Any other
// event, or an event the scenario does not have, is an error naming the events it has.
std::pair<double, double> event_value_range(const GivenFactor& g, const Scenario& sc,
                                            std::size_t n) {
  const auto set_events = [&] {
    std::string list;
    for (std::size_t i = 0; i < sc.events.size(); ++i) {
      if (const auto* s = std::get_if<SetSpec>(&sc.events[i].spec)) {
        list += fmt::format("{}event.{}.value ({} from {})", list.empty() ? "" : ", ", i, s->key,
                            sc.events[i].date);
      }
    }
    return list.empty() ? std::string("the scenario has no set event") : "its set events: " + list;
  };
  if (n >= sc.events.size()) {
    fail(g.kind, g.where,
         fmt::format("the scenario has {} event(s) (event.0 to event.{}), not event.{}",
                     sc.events.size(), sc.events.empty() ? 0 : sc.events.size() - 1, n),
         set_events());
  }
  const auto& e = sc.events[n];
  const auto* s = std::get_if<SetSpec>(&e.spec);
  if (s == nullptr) {
    fail(g.kind, g.where,
         fmt::format("event.{} (line {}) is of type {}; only a set event's value can be a factor",
                     n, e.line, kind_of(e).name),
         set_events());
  }
  return study::event_value_range(*s);
}

// A factor's value at a design point: a scenario key, or a set event's value (event.N.value).
void set_factor(Scenario& sc, const std::string& key, double value) {
  if (const auto n = event_value_index(key)) {
    std::get<SetSpec>(sc.events[*n].spec).value = value;  // (resolve() checked it is one)
    return;
  }
  set_numeric_parameter(sc, key, value);
}

ResolvedFactor resolve(const GivenFactor& g, const Scenario& sc) {
  const int periods_per_year = sc.calendar.periods_per_year;
  const auto event = event_value_index(g.f.key);
  auto [rlo, rhi] = event ? event_value_range(g, sc, *event) : registry_range(g);
  if (parse_policy_key(g.f.key) && !numeric_parameter(sc, g.f.key)) {
    std::string has;  // the policies, each with the boosters and profiles it lists
    for (const auto& p : sc.policies) {
      std::string boosters;
      for (const auto& [id, w] : p.boosted_by) {
        boosters += (boosters.empty() ? "boosted_by " : ", ") + id;
      }
      std::string profiles;
      for (const auto& [name, prof] : p.profile) {
        profiles += (profiles.empty() ? "profile " : ", ") + name;
      }
      const std::string lists =
          boosters + (boosters.empty() || profiles.empty() ? "" : "; ") + profiles;
      has += (has.empty() ? "" : ", ") + p.id + (lists.empty() ? "" : " (" + lists + ")");
    }
    fail(g.kind, g.where,
         "'" + g.f.key +
             "' names no policy, booster or profile of the scenario (its policies: " + has + ")",
         "name one of the scenario's [[policy]] tables by its id (and a booster or profile it "
         "lists)");
  }
  // A governance rate is stable only up to one step a period (docs/model.md 7.9.5): the
  // allowed range, and the default range, end there.
  std::string stable;
  for (const char* key : gov::step_rate_keys()) {
    if (g.f.key == key && rhi > periods_per_year) {
      rhi = periods_per_year;
      stable = fmt::format(
          " (at most {}: with {} periods a year a larger rate makes the "
          "per-period update unstable, docs/model.md 7.9.5)",
          periods_per_year, periods_per_year);
    }
  }
  // The SO-capacity update is stable while so_growth x dt <= so_max (docs/model.md 7.9.3): with
  // the scenario's value of the other key, so_max's range starts, and so_growth's ends, there.
  const auto& services = sc.governance.services;
  if (g.f.key == "services.so_max" && services.so_growth / periods_per_year > rlo) {
    rlo = services.so_growth / periods_per_year;
    stable = fmt::format(
        " (at least so_growth x dt = {}: below it the SO-capacity update is "
        "unstable, docs/model.md 7.9.3)",
        rlo);
  }
  if (g.f.key == "services.so_growth" && services.so_max * periods_per_year < rhi) {
    rhi = services.so_max * periods_per_year;
    stable = fmt::format(
        " (at most so_max / dt = {}: above it the SO-capacity update is "
        "unstable, docs/model.md 7.9.3)",
        rhi);
  }
  ResolvedFactor r{g.f.key, std::isnan(g.f.lo) ? rlo : g.f.lo, std::isnan(g.f.hi) ? rhi : g.f.hi};
  const auto range = fmt::format("[{}, {}]", r.lo, r.hi);
  const auto registry = fmt::format("[{}, {}]", rlo, rhi);
  if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) {
    const bool given = (!std::isnan(g.f.lo) && !std::isfinite(g.f.lo)) ||
                       (!std::isnan(g.f.hi) && !std::isfinite(g.f.hi));
    fail(g.kind, g.where,
         "the range of '" + r.key + "' is infinite " + range +
             (given ? "" : " (its registry range, taken since no range was given)"),
         "give finite bounds: --factor " + r.key +
             "=LO:HI or lo and hi in its "
             "[[sensitivity.factor]]");
  }
  if (!(r.lo < r.hi)) {
    fail(g.kind, g.where,
         "the range of '" + r.key + "' " + range + (r.lo > r.hi ? " is inverted" : " is empty"),
         r.lo > r.hi ? fmt::format("give lo < hi, e.g. {}={}:{}", r.key, r.hi, r.lo)
                     : "give lo < hi");
  }
  if (r.lo < rlo || r.hi > rhi) {
    fail(g.kind, g.where,
         "the range of '" + r.key + "' " + range + " leaves its allowed range " + registry + stable,
         "give bounds within " + registry);
  }
  return r;
}

void check_sizes(const SensitivitySpec& spec) {
  const auto need = [](bool ok, const char* option, int value, const std::string& what,
                       const std::string& fix) {
    if (!ok) {
      fail(ErrorKind::usage, {"", 0, option, std::to_string(value)}, what, fix);
    }
  };
  if (spec.method == SensitivityMethod::sobol) {
    need(spec.samples >= min_sobol_samples, "--samples", spec.samples,
         fmt::format("too few base samples for Sobol indices (at least {})", min_sobol_samples),
         "use --samples 64 or more (a power of 2 suits the Sobol sequence)");
  } else {
    need(spec.trajectories >= min_trajectories, "--trajectories", spec.trajectories,
         fmt::format("too few trajectories for Morris' sigma (at least {})", min_trajectories),
         "use --trajectories 10 or more");
    need(spec.levels >= 2 && spec.levels % 2 == 0, "--levels", spec.levels,
         "Morris levels must be even and at least 2", "use --levels 4 or 6");
  }
  // (The CLI's intervals are always 95%; the library's callers, Python's confidence=, choose.)
  if (!(spec.confidence > 0 && spec.confidence < 1)) {
    fail(ErrorKind::usage, {"", 0, "confidence", fmt::format("{}", spec.confidence)},
         "the intervals' confidence level must lie strictly between 0 and 1",
         "give it as a fraction, e.g. 0.95 for 95% intervals");
  }
  need(spec.bootstrap >= min_bootstrap, "--bootstrap", spec.bootstrap,
       fmt::format("too few bootstrap resamples for a 95% interval (at least {})", min_bootstrap),
       "use --bootstrap 1000");
  need(spec.bootstrap <= max_bootstrap, "--bootstrap", spec.bootstrap,
       fmt::format("more bootstrap resamples than an interval can use (at most {})", max_bootstrap),
       "use --bootstrap 1000 (10000 for intervals steady to the third digit)");
}

// The design and every replicate's outcomes at every point are held in memory until the
// indices are computed: a design that cannot be is refused before anything is built or run (a
// mistyped --samples grew until the machine ran out).
void check_design_memory(const SensitivitySpec& spec, int k, int replicates, std::size_t n_out) {
  const bool sobol = spec.method == SensitivityMethod::sobol;
  const char* option = sobol ? "--samples" : "--trajectories";
  const int value = sobol ? spec.samples : spec.trajectories;
  const int per_value = sobol ? k + 2 : k + 1;  // design points per sample or trajectory
  const double points = static_cast<double>(value) * per_value;
  const auto most = [&](double limit) {
    return static_cast<std::int64_t>(std::floor(limit / per_value));
  };
  constexpr double kMaxPoints = std::numeric_limits<std::int32_t>::max();
  if (points > kMaxPoints) {
    fail(ErrorKind::usage, {"", 0, option, std::to_string(value)},
         fmt::format("{:.4g} design points ({} x {}): more than a study can number ({})", points,
                     value, per_value, static_cast<std::int64_t>(kMaxPoints)),
         fmt::format("use {} {} or fewer", option, most(kMaxPoints)));
  }
  const double n = static_cast<double>(n_out);
  const double per_point = 8.0 * (k + n + replicates * (n + 4.0));  // design row, means, values
  const auto room = available_for(".");
  if (room.memory && points * per_point > 0.8 * static_cast<double>(*room.memory)) {
    fail(ErrorKind::resources, {"", 0, option, std::to_string(value)},
         fmt::format("{:.4g} design points x {} replicates need about {} of memory for the design "
                     "and the outcomes; {} is available ({})",
                     points, replicates,
                     format_bytes(static_cast<std::uint64_t>(points * per_point)),
                     format_bytes(*room.memory), room.memory_source),
         fmt::format("use {} {} or fewer, or fewer --replicates", option,
                     most(0.8 * static_cast<double>(*room.memory) / per_point)));
  }
}

}  // namespace

std::vector<ResolvedFactor> scenario_factors(const std::string& scenario_path, const Scenario& sc) {
  SensitivitySpec spec;
  spec.scenario = scenario_path;
  std::vector<ResolvedFactor> out;
  for (const auto& g : given_factors(spec, sc)) {
    refuse_drawn_key(sc, g.f.key, g.kind, g.where);
    out.push_back(resolve(g, sc));
  }
  return out;
}

SensitivityResult sensitivity_analysis(const SensitivitySpec& spec,
                                       const std::function<void(int, int)>& on_point,
                                       const GridRunner& runner) {
  check_sizes(spec);
  const auto base = prepare_study(spec.scenario, spec.overrides);
  const Scenario& sc0 = base.model->scenario();
  SensitivityResult out;
  out.method = spec.method;
  out.confidence = spec.confidence;
  out.scenario_name = sc0.name;
  out.seed = sc0.seed;
  out.bootstrap = spec.bootstrap;
  out.drawn = drawn_keys(sc0);
  out.uncertainty_listed = !sc0.uncertainty.keys.empty();
  out.base_rows = spec.method == SensitivityMethod::morris ? spec.trajectories : spec.samples;
  const auto given = given_factors(spec, sc0);
  for (const auto& g : given) {
    refuse_drawn_key(sc0, g.f.key, g.kind, g.where);
    out.factors.push_back(resolve(g, sc0));
  }
  if (out.factors.empty()) {
    fail(ErrorKind::usage, {spec.scenario, 0, "--factor", ""}, "no factors to vary",
         "give --factor KEY=LO:HI (repeatable) or [[sensitivity.factor]] tables {key, lo, hi}");
  }
  // A factor a set event also sets is varied only before the event's date: said before
  // anything runs.
  std::vector<std::string> keys;
  for (const auto& f : out.factors) {
    keys.push_back(f.key);
  }
  for (const auto& w : event_setting_warnings(sc0, keys, "varied", [](std::size_t n) {
         return fmt::format(
             "to vary the value it takes from then, make the event's value a "
             "factor: --factor event.{}.value=LO:HI",
             n);
       })) {
    if (spec.on_warning) {
      spec.on_warning(w);
    } else {
      out.warnings.push_back(w);
    }
  }
  const int k = static_cast<int>(out.factors.size());
  out.replicates = sc0.replicates;
  if (out.replicates < 1) {
    fail(ErrorKind::usage, {spec.scenario, 0, "run.replicates", "0"}, "no replicates",
         "use --replicates 10");
  }
  check_design_memory(spec, k, out.replicates, outcome_defs(*base.model).size());
  sensitivity::MorrisDesign morris;
  sensitivity::SaltelliDesign saltelli;
  if (spec.method == SensitivityMethod::morris) {
    morris = sensitivity::morris_design(k, spec.trajectories, spec.levels, sc0.seed);
  } else {
    saltelli = sensitivity::saltelli_design(k, spec.samples);
  }
  const auto& design = spec.method == SensitivityMethod::morris ? morris.design : saltelli.design;
  const auto at = [&](std::size_t point) {
    Scenario sc = sc0;
    for (std::size_t i = 0; i < out.factors.size(); ++i) {
      const auto& f = out.factors[i];
      const double u = design.x[point * out.factors.size() + i];
      // The ends exactly, so that a unit value of 1 cannot round past hi.
      set_factor(sc, f.key, u >= 1 ? f.hi : f.lo + u * (f.hi - f.lo));
    }
    return sc;
  };
  // The scenario's warnings that hold at both corners (e.g. from a --set) are said once, first.
  std::vector<std::string> common = base.model->warnings();
  // Compiled at both corners first, so that a key the model refuses (a keyed entry of an
  // unknown level) fails before any run.
  // Its message names the factor as given (--factor or the scenario's table), not the
  // scenario, which does not hold the key.
  for (const double corner : {0.0, 1.0}) {
    Scenario sc = sc0;
    for (const auto& f : out.factors) {
      set_factor(sc, f.key, corner == 0 ? f.lo : f.hi);
    }
    try {
      const Model m(sc, *base.inputs.hierarchy, *base.inputs.network);
      if (const auto* g = m.governance(); g != nullptr) {
        out.community_level = m.hierarchy().level_names()[g->community_level()];
        const bool adopts = m.can_adopt_at(m.governance_policy(), g->community_level());
        out.community_unreached = (corner == 0 || out.community_unreached) && !adopts;
      }
      std::erase_if(common, [&](const std::string& w) {
        return std::find(m.warnings().begin(), m.warnings().end(), w) == m.warnings().end();
      });
      // The factors' own warnings, at either corner (each names its key and value).
      const auto& base_warnings = base.model->warnings();
      for (const auto& w : m.warnings()) {
        if (std::find(base_warnings.begin(), base_warnings.end(), w) == base_warnings.end()) {
          out.warnings.push_back("factor " + w);
        }
      }
    } catch (const Error& e) {
      const std::string message = e.what();
      for (const auto& g : given) {
        const auto named = message.find("field '" + g.f.key + "'");
        const auto what = message.find("': ", named);
        if (named == std::string::npos || what == std::string::npos) {
          continue;
        }
        const auto fix = message.find(". Fix: ", what);
        fail(g.kind, g.where,
             message.substr(what + 3, fix == std::string::npos ? fix : fix - what - 3),
             fix == std::string::npos ? "" : message.substr(fix + 7));
      }
      throw;
    }
  }
  out.warnings.insert(out.warnings.begin(), common.begin(), common.end());
  out.outcomes = outcome_defs(*base.model);
  const std::size_t n_out = out.outcomes.size();
  const std::size_t n_points = design.points();
  out.design_points = static_cast<int>(n_points);
  Grid grid;
  grid.points = static_cast<std::int32_t>(n_points);
  grid.replicates = out.replicates;
  grid.values = static_cast<std::int32_t>(n_out);
  grid.point_name = "design points";
  grid.fingerprint = fmt::format("sensitivity {} samples={} trajectories={} levels={}\n",
                                 spec.method == SensitivityMethod::morris ? "morris" : "sobol",
                                 spec.samples, spec.trajectories, spec.levels);
  for (const auto& f : out.factors) {
    grid.fingerprint += fmt::format("factor {} {:.17g} {:.17g}\n", f.key, f.lo, f.hi);
  }
  grid.fingerprint += without_threads(base.loaded.resolved_toml);
  const PointEval eval = [&](std::int32_t p, const std::vector<std::int32_t>& reps,
                             const UnitSink& sink) {
    if (on_point) {
      on_point(p, static_cast<int>(n_points));
    }
    const Scenario sc = at(static_cast<std::size_t>(p));
    const Model m(sc, *base.inputs.hierarchy, *base.inputs.network);
    run_ensemble_streaming(m, reps, sc.threads,
                           [&](ReplicateResult&& r) { sink(r.replicate, outcome_values(m, r)); });
  };
  const auto values = runner ? runner(grid, eval) : run_grid_here(grid, eval);
  // y[outcome][point]: the outcome's mean over the replicates at the point, summed in
  // replicate order whatever order they finished in (or whichever rank ran them): the same
  // bytes at any thread or rank count. An outcome undefined in a replicate (NaN) leaves it
  // out of the mean.
  std::vector<std::vector<double>> y(n_out, std::vector<double>(n_points));
  for (std::size_t p = 0; p < n_points; ++p) {
    for (std::size_t o = 0; o < n_out; ++o) {
      double sum = 0;
      int n = 0;
      for (const auto& v : values[p]) {
        if (!std::isnan(v[o])) {
          sum += v[o];
          ++n;
        }
      }
      y[o][p] = n > 0 ? sum / n : NAN;
    }
  }
  out.lowest.assign(n_out, NAN);
  out.points_below_one.assign(n_out, 0);
  for (std::size_t o = 0; o < n_out; ++o) {
    for (const double v : y[o]) {
      out.lowest[o] = std::isnan(out.lowest[o]) ? v : std::min(out.lowest[o], v);
      out.points_below_one[o] += v < 1.0 ? 1 : 0;
    }
  }
  for (std::size_t o = 0; o < n_out; ++o) {
    if (spec.method == SensitivityMethod::morris) {
      out.morris.push_back(
          sensitivity::morris_indices(morris, y[o], spec.bootstrap, spec.confidence, sc0.seed));
    } else {
      out.sobol.push_back(
          sensitivity::sobol_indices(saltelli, y[o], spec.bootstrap, spec.confidence, sc0.seed));
    }
  }
  // Sobol indices undefined in some bootstrap resamples (resamples of the base rows whose
  // outcomes do not vary: few distinct values, an outcome near its bound): their bounds count
  // those resamples at either end (sensitivity::percentile), or are empty where a bound would
  // rest on one. (A Morris measure with an estimate is defined in every resample: its effects
  // are finite and each resample has at least two trajectories.)
  int touched = 0;
  int empty = 0;
  std::vector<std::string> where;
  for (std::size_t o = 0; o < out.sobol.size(); ++o) {
    bool listed = false;
    for (const auto& index : out.sobol[o]) {
      for (const auto* v : {&index.first, &index.total}) {
        if (std::isnan(v->estimate) || v->undefined == 0) {
          continue;
        }
        ++touched;
        empty += std::isnan(v->lo) || std::isnan(v->hi) ? 1 : 0;
        if (!listed && where.size() < 3) {
          where.push_back(out.outcomes[o].name + " " + out.outcomes[o].statistic + " (" +
                          out.outcomes[o].level + ")");
          listed = true;
        }
      }
    }
  }
  if (touched > 0) {
    out.warnings.push_back(fmt::format(
        "{} indices are undefined in some of the {} bootstrap resamples, where the outcome does "
        "not vary over the resampled base rows (e.g. {}): their intervals count those "
        "resamples as beyond either end, and {} of them have a bound that would rest on one "
        "(written empty); more base points give resamples that vary (--samples {} now)",
        touched, spec.bootstrap, fmt::join(where, "; "), empty, spec.samples));
  }
  // A factor no outcome moved with at any design point (every index 0, or undefined where
  // the outcome does not vary): said, as its range may not reach what reads it.
  for (std::size_t i = 0; i < out.factors.size(); ++i) {
    bool moved = false;
    for (std::size_t o = 0; o < n_out && !moved; ++o) {
      const double v = spec.method == SensitivityMethod::morris ? out.morris[o][i].mu_star.estimate
                                                                : out.sobol[o][i].total.estimate;
      moved = !std::isnan(v) && v != 0;
    }
    if (!moved) {
      out.warnings.push_back("factor " + out.factors[i].key +
                             " moved no outcome at any design point: it changes nothing in this "
                             "scenario over its range (a key read only by a module or switch "
                             "that is off, or a range the run never reaches)");
    }
  }
  const auto& h = base.model->hierarchy();
  out.deepest_level = h.level_names()[h.n_levels() - 1];
  out.top_level = h.level_names()[0];
  out.adopting_levels = adopting_levels(out.outcomes, h.level_names(), [&](std::size_t outcome) {
    double most = 0;
    for (const double v : y[outcome]) {
      most = std::isnan(v) ? most : std::max(most, v);
    }
    return most;
  });
  return out;
}

std::string sensitivity_intervals_note(const SensitivityResult& res) {
  const bool morris = res.method == SensitivityMethod::morris;
  std::string note = fmt::format(
      "{:g}% intervals: percentile bootstrap over the design's {} {} ({} resamples), the error "
      "of indices estimated from a finite design (more {} narrow them). ",
      100 * res.confidence, res.base_rows, morris ? "trajectories" : "base points", res.bootstrap,
      morris ? "--trajectories" : "--samples");
  if (res.drawn.empty()) {
    return note +
           parameters_clause({}, res.uncertainty_listed, "at every design point",
                             "the keys other than the factors are") +
           ".";
  }
  return note + parameters_clause(res.drawn, true, "at every design point", "") +
         ", so each design point's outcomes vary with those keys as well as by chance.";
}

std::vector<double> first_order_sums(const SensitivityResult& res) {
  std::vector<double> out;
  for (const auto& indices : res.sobol) {
    double sum = 0;
    for (const auto& index : indices) {
      sum += index.first.estimate;  // (NaN where the outcome does not vary: the sum is too)
    }
    out.push_back(sum);
  }
  return out;
}

std::string sobol_sampling_note(const SensitivityResult& res) {
  if (res.method != SensitivityMethod::sobol) {
    return "";
  }
  const auto sums = first_order_sums(res);
  const auto outside = [](const sensitivity::Interval& v) {
    return v.estimate < -kSamplingSlack || v.estimate > 1 + kSamplingSlack || v.hi < 0 || v.lo > 1;
  };
  int flagged = 0;
  std::vector<std::string> examples;
  // The outcomes the digest shows first, as examples, then the rest.
  std::vector<std::size_t> order;
  for (const bool headline : {true, false}) {
    for (std::size_t o = 0; o < res.sobol.size(); ++o) {
      if (is_headline(res.adopting_levels, res.deepest_level, res.top_level, res.outcomes[o]) ==
          headline) {
        order.push_back(o);
      }
    }
  }
  for (const auto o : order) {
    std::string what;
    for (std::size_t i = 0; i < res.factors.size() && what.empty(); ++i) {
      const auto& s = res.sobol[o][i];
      const auto shown = [&](const char* name, const sensitivity::Interval& v) {
        return fmt::format("{} of {} {:.3g} {}", name, res.factors[i].key, v.estimate,
                           std::isnan(v.lo) || std::isnan(v.hi)
                               ? std::string("(no interval)")
                               : fmt::format("[{:.3g}, {:.3g}]", v.lo, v.hi));
      };
      if (outside(s.total)) {
        what = shown("ST", s.total);
      } else if (outside(s.first)) {
        what = shown("S1", s.first);
      } else if (s.first.lo > s.total.hi) {
        what = shown("S1", s.first) + " above its " + shown("ST", s.total);
      }
    }
    if (what.empty() && sums[o] > 1 + kSamplingSlack) {
      what = fmt::format("S1 summing to {:.3g}", sums[o]);
    }
    if (what.empty()) {
      continue;
    }
    ++flagged;
    if (examples.size() < 3) {
      const auto& d = res.outcomes[o];
      examples.push_back(fmt::format("{} {} ({}{}{}): {}", d.name, d.statistic, d.level,
                                     d.policy.empty() ? "" : ", ", d.policy, what));
    }
  }
  if (flagged == 0) {
    return "";
  }
  return fmt::format(
      "{} outcome(s) have Sobol indices no variance decomposition allows ({}{}): an index or its "
      "interval outside [0, 1], first-order indices summing above 1, or S1 above ST beyond "
      "their intervals. This is sampling error of the estimators at --samples {}, not a property "
      "of the model: raise --samples (to {} at least; intervals narrow as 1/sqrt(N), so 4 times "
      "the samples halves them) until this note goes",
      flagged, fmt::join(examples, "; "), flagged > 3 ? "; ..." : "", res.base_rows,
      std::max(recommended_sobol_samples, 4 * res.base_rows));
}

void write_sensitivity(const SensitivityResult& res, io::TableWriter& w) {
  const bool morris = res.method == SensitivityMethod::morris;
  for (std::size_t o = 0; o < res.outcomes.size(); ++o) {
    const auto& d = res.outcomes[o];
    for (std::size_t i = 0; i < res.factors.size(); ++i) {
      const auto& f = res.factors[i];
      const auto row = [&](const char* measure, const sensitivity::Interval& v) {
        w.text(d.name)
            .text(d.statistic)
            .text(d.policy)
            .text(d.level)
            .text(f.key)
            .real(f.lo)
            .real(f.hi)
            .text(morris ? "morris" : "sobol")
            .text(measure)
            .real(v.estimate)
            .real(v.lo)
            .real(v.hi)
            .integer(res.design_points)
            .integer(res.replicates)
            .text(morris ? outcome_unit(d) + ", for a change across the factor's range"
                         : "share of the outcome's variance")
            .end_row();
      };
      if (morris) {
        const auto& m = res.morris[o][i];
        row("mu", m.mu);
        row("mu_star", m.mu_star);
        row("sigma", m.sigma);
      } else {
        const auto& s = res.sobol[o][i];
        row("first", s.first);
        row("total", s.total);
      }
    }
  }
}

void write_sensitivity_study(const std::string& out, bool force, const SensitivityResult& res,
                             const std::string& command_line, const std::string& scenario_file) {
  std::string factors;
  for (const auto& f : res.factors) {
    factors += fmt::format("{}{}={}:{}", factors.empty() ? "" : " ", f.key, f.lo, f.hi);
  }
  io::write_tables(
      out, force,
      {{io::table_schema("sensitivity"), [&](io::TableWriter& w) { write_sensitivity(res, w); }},
       io::meta_output({{"command_line", command_line},
                        {"scenario_file", scenario_file},
                        {"scenario_name", res.scenario_name},
                        {"seed", std::to_string(res.seed)},
                        {"replicates", std::to_string(res.replicates)},
                        {"method", res.method == SensitivityMethod::morris ? "morris" : "sobol"},
                        {"factors", factors},
                        {"intervals", sensitivity_intervals_note(res)},
                        {"sampling", sobol_sampling_note(res)}})});
}

}  // namespace pdlab::study
