// `pdlab fit`: the engine's adoption hazard estimated from observed adoptions (a discrete-time
// EHA on the risk set, with the formula terms of `pdlab eha`), written as a runnable scenario.
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/study/estimation_study.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/riskset_inputs.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace pdlab::study {

namespace {

// Where a fitted term goes in the scenario.
// time_profile: a term with one value a period (factor(period)'s dummies, a national series),
// carried as the fitted policy's profile ([policy.profile.NAME]: its weight and values by date);
// the trend is the fitted policy's own `trend`.
// booster: another policy's adoption (--event-covariate), carried as this policy's boosted_by.
enum class Role : std::uint8_t {
  alpha,
  gamma,
  gamma_vh,
  beta,
  trend,
  time_profile,
  booster,
  folded
};

struct Mapped {
  Role role;
  std::string key;  // scenario key (alpha, gamma, gamma_vh, beta); empty otherwise
  int level = -1;   // alpha: the level
};

Mapped map_term(const std::string& name, const Hierarchy& h,
                const std::vector<std::string>& static_columns) {
  if (name.rfind("alpha.", 0) == 0) {
    return {Role::alpha, "adoption." + name, *h.level_index(name.substr(6))};
  }
  if (name == "vertical" || name == "horizontal" || name == "bottom_up") {
    return {Role::gamma, "adoption.gamma_" + name};
  }
  if (name == "vertical:horizontal" || name == "horizontal:vertical") {
    return {Role::gamma_vh, "adoption.gamma_vh"};
  }
  if (name == "trend" || name == "period") {  // (period: --terms as written, fit_core)
    return {Role::trend, ""};
  }
  if (std::find(static_columns.begin(), static_columns.end(), name) != static_columns.end()) {
    return {Role::beta, "adoption.beta." + name};
  }
  return {Role::folded, ""};
}

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front())) != 0) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

// A unit id as a CSV field.
std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(v);
  }
  std::string out = "\"";
  for (char c : v) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

// The name a carried term cannot take: a column the hierarchy (or a file it joins) has.
bool hierarchy_has_column(const Hierarchy& h, const std::string& name) {
  static const char* const fields[] = {"unit_id", "id", "parent_id", "level", "name", "type"};
  const auto& own = h.source_columns();
  const auto& text = h.text_attribute_names();
  return std::find(own.begin(), own.end(), name) != own.end() ||
         std::find(text.begin(), text.end(), name) != text.end() ||
         std::any_of(std::begin(fields), std::end(fields),
                     [&](const char* f) { return name == f; });
}

double inverse_link(GlmLink link, double eta) {
  return link == GlmLink::logit ? 1.0 / (1.0 + std::exp(-eta)) : -std::expm1(-std::exp(eta));
}

// The fit's risk set names the period column `trend` (riskset_table): `period`, log(period)
// and factor(period) in --terms, as eha reads them in a risk-set file, are read as the trend's
// column; the pairs (as read, as written) name the design's columns back as written.
io::Formula read_period_as_trend(io::Formula f,
                                 std::vector<std::pair<std::string, std::string>>& renamed) {
  const auto written = f.terms;
  for (auto& term : f.terms) {
    const std::string read = io::rename_term_column(term, "period", "trend");
    if (read != term) {
      if (std::find(written.begin(), written.end(), read) != written.end()) {
        fail(ErrorKind::usage, {"", 0, "--terms", term},
             "'" + term + "' and '" + read +
                 "' are one column: the trend is the period number (the fit's risk set has the "
                 "period as its trend column)",
             "keep one of them");
      }
      renamed.emplace_back(read, term);
      term = read;
    }
  }
  // A linear (or log) trend beside one effect per period is collinear with them: which one
  // the fit drops would depend on the terms' order, and with it what check-fit --train-until
  // forecasts (the trend's line, or the last period's level).
  const auto has = [&](const char* t) {
    return std::find(f.terms.begin(), f.terms.end(), t) != f.terms.end();
  };
  if (has("factor(trend)") && (has("trend") || has("log(trend)"))) {
    const auto as_written = [&](const std::string& t) {
      for (const auto& [read, w] : renamed) {
        if (read == t) {
          return w;
        }
      }
      return t;
    };
    const std::string linear = as_written(has("trend") ? "trend" : "log(trend)");
    fail(ErrorKind::usage, {"", 0, "--terms", linear},
         "'" + linear + "' and '" + as_written("factor(trend)") +
             "' are collinear: one effect per period already holds any trend over the periods",
         "keep one of them: the period effects for the data's own profile, or the trend for a "
         "profile that check-fit --train-until extrapolates");
  }
  return f;
}

std::string default_terms(const RiskSet& rs) {
  std::string t = "vertical + horizontal + bottom_up";
  for (const auto& c : rs.covariate_names) {
    t += " + " + c;
  }
  return t;
}

}  // namespace

namespace {

FitResult fit_core(const io::LoadedScenario& loaded, const io::Inputs& inputs,
                   const io::EventsFile& events, const RiskSetOptions& options,
                   const std::vector<TimeVaryingCovariate>& time_varying,
                   const std::vector<std::int32_t>& policies,
                   const std::map<std::string, std::string>& source, const FitOptions& opt) {
  const auto& sc = loaded.scenario;
  const auto& h = *inputs.hierarchy;
  if (policies.size() != 1) {
    std::string ids;
    for (auto k : policies) {
      ids += (ids.empty() ? "" : ", ") + events.policy_ids[static_cast<std::size_t>(k)];
    }
    fail(ErrorKind::usage, {opt.events_path, 0, "policy_id", ids},
         fmt::format("the events hold {} policies to fit", policies.size()),
         "fit one policy at a time: --policy ID, and --event-covariate ID for policies (e.g. a "
         "superior's order) that are covariates");
  }
  const auto policy = policies.front();
  // The fitted hazard replaces the scenario's policy of the same id (an unnamed one takes the
  // events' id): a scenario that names its policies but not this one would get it under
  // another's name.
  const auto& fitted_id = events.policy_ids[static_cast<std::size_t>(policy)];
  if (toml::parse(loaded.resolved_toml).contains("policy") &&
      std::none_of(sc.policies.begin(), sc.policies.end(),
                   [&](const Policy& p) { return p.id == fitted_id; })) {
    std::string ids;
    for (const auto& p : sc.policies) {
      ids += (ids.empty() ? "'" : ", '") + p.id + "'";
    }
    fail(ErrorKind::usage, {opt.events_path, 0, "policy_id", fitted_id},
         fmt::format("the base scenario has no [[policy]] '{}' (it has {}): the fitted hazard "
                     "would be written under another policy's id",
                     fitted_id, ids),
         fmt::format("fit a policy the scenario names (--policy {}), or add [[policy]] id = "
                     "\"{}\" to the base scenario",
                     sc.policies.front().id, fitted_id));
  }
  // Without --level, only the levels with events are at risk: a level whose units never adopt
  // in the data has an intercept whose maximum-likelihood value is -inf (the fit would not
  // converge), which is what the fitted scenario gets for it.
  RiskSetOptions ro = options;
  std::string eventless;
  if (ro.level < 0) {
    const auto k = static_cast<std::size_t>(policy);
    const auto nl = static_cast<std::size_t>(h.n_levels());
    if (ro.policy_levels.size() <= k) {
      ro.policy_levels.resize(k + 1);
    }
    auto& can = ro.policy_levels[k];
    if (can.empty()) {
      can.assign(nl, 1);
    }
    std::vector<std::uint8_t> adopts(nl, 0);
    for (const auto& a : events.adoptions) {
      if (a.policy == policy && a.period < ro.periods) {
        adopts[static_cast<std::size_t>(h.level(a.unit))] = 1;
      }
    }
    if (std::find(adopts.begin(), adopts.end(), 1) != adopts.end()) {
      for (std::size_t l = 0; l < nl; ++l) {
        if (can[l] != 0 && adopts[l] == 0 &&
            h.level_begin(static_cast<int>(l) + 1) > h.level_begin(static_cast<int>(l))) {
          eventless += (eventless.empty() ? "" : ", ") + h.level_names()[l];
          can[l] = 0;
        }
      }
    }
  }
  const auto rs = build_riskset(h, *inputs.network, events.adoptions,
                                static_cast<int>(events.policy_ids.size()), time_varying, ro);
  if (rs.rows() == 0) {
    fail(ErrorKind::data, {opt.events_path, 0, "", ""}, "the risk set is empty",
         "check --level and the calendar: no unit is at risk in any period");
  }
  auto table = riskset_table(rs, h, "the risk set of " + opt.events_path);
  // The formula: one intercept per level at risk, then the terms.
  std::vector<std::pair<std::string, std::string>> renamed;  // (read, written): period
  const auto user = read_period_as_trend(
      io::parse_formula("event ~ " + (opt.terms.empty() ? default_terms(rs) : opt.terms)), renamed);
  {
    // factor(period)'s dummies are a time profile the fitted scenario carries (below); any other
    // factor() is refused by check_terms.
    io::Formula checked = user;
    checked.terms.erase(std::remove(checked.terms.begin(), checked.terms.end(), "factor(trend)"),
                        checked.terms.end());
    check_terms(checked, table, rs, h, sc.calendar, source, "--terms", false);
  }
  std::vector<int> levels;
  for (auto u : rs.unit) {
    if (std::find(levels.begin(), levels.end(), h.level(u)) == levels.end()) {
      levels.push_back(h.level(u));
    }
  }
  std::sort(levels.begin(), levels.end());
  if (std::find(user.terms.begin(), user.terms.end(), "factor(trend)") != user.terms.end()) {
    // A factor's levels are its column's text (the table has numbers only): the periods.
    const auto c = *table.column("trend");
    auto& text = table.text[c];
    text = io::TextColumn{};
    for (const auto p : rs.period) {
      text.push_back(std::to_string(p));
    }
  }
  io::Formula f;
  f.response = "event";
  f.intercept = false;
  f.baseline = true;  // the levels' intercepts
  for (int l : levels) {
    f.terms.push_back("alpha." + h.level_names()[static_cast<std::size_t>(l)]);
  }
  f.terms.insert(f.terms.end(), user.terms.begin(), user.terms.end());
  auto design = io::build_design(table, f, "", "");
  for (auto& name : design.names) {  // named as --terms wrote them (factor(period)3)
    for (const auto& [read, written] : renamed) {
      if (name == read) {
        name = written;
      } else if (read == "factor(trend)" && name.rfind(read, 0) == 0) {
        name = written + name.substr(read.size());
      }
    }
  }
  FitResult res;
  // As `riskset` says it: the data's events past the calendar are no events of the fit.
  if (events.after_horizon > 0) {
    res.notes.push_back(fmt::format(
        "{} events after the scenario's horizon ({}) are censored: the fit treats those units "
        "as not adopting by then (extend [calendar] periods to use them)",
        events.after_horizon, period_label(sc.calendar, sc.calendar.periods - 1)));
  }
  if (const auto note = io::year_dates_note(events, sc.calendar); !note.empty()) {
    res.notes.push_back(note);
  }
  if (const auto note = io::outside_subtree_note(events); !note.empty()) {
    res.notes.push_back(note);
  }
  if (!eventless.empty()) {
    res.notes.push_back(fmt::format(
        "no events at {}: not at risk in the fit, and never adopting in the fitted scenario "
        "(intercept -inf, the maximum-likelihood value where no unit adopts); --level fits one "
        "level",
        eventless));
  }
  if (design.dropped_missing > 0) {
    res.notes.push_back(fmt::format("{} risk-set rows with missing covariates were dropped",
                                    design.dropped_missing));
  }
  std::vector<std::int64_t> clusters;
  for (auto r : design.rows) {
    clusters.push_back(h.parent(rs.unit[r]));
  }
  GlmOptions go;
  go.link = opt.link;
  // The levels' intercepts sum to 1 on every row: the null model is one pooled intercept.
  go.intercept = GlmOptions::Intercept::yes;
  const auto n_clusters = std::set<std::int64_t>(clusters.begin(), clusters.end()).size();
  if (opt.cluster_by_parent && n_clusters >= 2) {
    go.clusters = clusters;
    // Said, since the table only says "robust se": what the clusters are and how to do without.
    res.notes.push_back(fmt::format(
        "standard errors are cluster-robust by the unit's superior (parent_id: {} clusters; units "
        "under one superior share its shocks); --cluster none gives model-based ones",
        n_clusters));
  } else if (opt.cluster_by_parent) {
    res.notes.push_back(
        "standard errors are model-based: every unit at risk has the same superior, so there is "
        "no second cluster for cluster-robust ones");
  }
  res.glm = fit_binomial_glm(design.x, design.y, {}, design.names, go);
  const auto& names = design.names;
  const auto p = static_cast<Eigen::Index>(names.size());
  std::vector<std::string> static_names;
  for (int c : options.static_columns) {
    static_names.push_back(h.attribute_names()[static_cast<std::size_t>(c)]);
  }
  // Each term's place in the scenario; folded terms enter each level's intercept at their
  // mean over the level's rows: alpha'_l = alpha_l + sum_k b_k mean_l(x_k), a linear map A of
  // the estimates (its covariance A V A').
  std::vector<Mapped> roles;
  for (const auto& n : names) {
    roles.push_back(map_term(n, h, static_names));
  }
  const auto coef = [&](Eigen::Index j) {
    return std::isnan(res.glm.coef[j]) ? 0.0 : res.glm.coef[j];
  };
  // A --covariates variable whose value is constant within each unit over the unit's rows is
  // a per-unit value the simulator can carry: a column of a file the fitted scenario joins
  // (hierarchy.attributes), with its coefficient as adoption.beta. Folded at its mean instead,
  // simulated units would not differ by it, and the convex hazard would run low.
  const auto n_rows = design.x.rows();
  const auto unit_of_row = [&](Eigen::Index i) { return rs.unit[design.rows[i]]; };
  const auto constant_within_units = [&](Eigen::Index k, std::vector<double>* values) {
    std::vector<double> v(static_cast<std::size_t>(h.size()),
                          std::numeric_limits<double>::quiet_NaN());
    for (Eigen::Index i = 0; i < n_rows; ++i) {
      auto& x = v[static_cast<std::size_t>(unit_of_row(i))];
      if (std::isnan(x)) {
        x = design.x(i, k);
      } else if (x != design.x(i, k)) {
        return false;
      }
    }
    if (values != nullptr) {
      *values = std::move(v);
    }
    return true;
  };
  std::vector<std::string> carried;
  std::vector<std::vector<double>> carried_values;  // per carried term, by unit (NaN: no row)
  std::string not_carried;                          // constant within units, but a name clash
  for (Eigen::Index k = 0; k < p; ++k) {
    auto& m = roles[static_cast<std::size_t>(k)];
    const auto& name = names[k];
    const bool variable = std::find(rs.covariate_names.begin(), rs.covariate_names.end(), name) !=
                          rs.covariate_names.end();
    if (m.role != Role::folded || !variable || !is_identifier(name) ||
        std::isnan(res.glm.coef[k])) {
      continue;
    }
    std::vector<double> values;
    if (opt.out.empty() || !constant_within_units(k, &values)) {
      continue;
    }
    if (hierarchy_has_column(h, name)) {
      not_carried += (not_carried.empty() ? "'" : ", '") + name + "'";
      continue;
    }
    m = {Role::beta, "adoption.beta." + name};
    carried.push_back(name);
    carried_values.push_back(std::move(values));
  }
  // Another policy's adoption, adopted.Q (--event-covariate), is the simulator's booster of
  // this policy by Q (`boosted_by = {Q = b}`, docs/model.md 7.1) with Q's observed adoptions
  // replayed, where the two count the same adoptions: the booster counts Q active in the unit
  // or its direct superior at the end of the last period, the covariate Q adopted by the unit
  // or its nearest superior that adopted, from the next period; they agree when no adoption of
  // Q lies more than one level above a level at risk (and none before the calendar, which fit
  // refuses anyway), no merge or split hands Q on, and no reversal ends it (Q is not the
  // governance layer's policy). Carried so, a scenario that moves Q's dates moves the effect.
  struct Booster {
    Eigen::Index term;
    std::string policy;
    std::int32_t index;  // in the events
  };
  std::vector<Booster> boosters;
  std::map<Eigen::Index, std::string> not_boosted;  // term -> why it is folded instead
  const std::string adopted_prefix = event_covariate_name("");
  const int deepest = *std::max_element(levels.begin(), levels.end());
  for (Eigen::Index k = 0; k < p; ++k) {
    auto& m = roles[static_cast<std::size_t>(k)];
    const auto parts = io::term_parts(names[k]);
    if (m.role != Role::folded || parts.size() != 1 || parts.front().log ||
        names[k].rfind(adopted_prefix, 0) != 0 || std::isnan(res.glm.coef[k])) {
      continue;
    }
    const auto q = names[k].substr(adopted_prefix.size());
    const auto it = std::find(events.policy_ids.begin(), events.policy_ids.end(), q);
    if (it == events.policy_ids.end() || q == fitted_id) {
      continue;
    }
    const auto qi = static_cast<std::int32_t>(it - events.policy_ids.begin());
    std::string why;
    const double b = res.glm.coef[k];
    if (res.glm.separated.size() > static_cast<std::size_t>(k) &&
        res.glm.separated[static_cast<std::size_t>(k)]) {
      why = "its estimate diverges (separation), no weight a booster can hold";
    } else if (std::fabs(b) > 50) {
      why = fmt::format("its estimate, {:.6g}, is outside a booster's range [-50, 50]", b);
    } else if (std::any_of(sc.events.begin(), sc.events.end(), [](const Event& e) {
                 return std::holds_alternative<MergeSpec>(e.spec) ||
                        std::holds_alternative<SplitSpec>(e.spec);
               })) {
      why = fmt::format(
          "the scenario merges or splits units, and a successor inherits {} in the simulation "
          "but not in the covariate",
          q);
    } else if (sc.governance.any() && sc.governance.policy == q) {
      why = "it is the governance layer's policy, whose reversals would end the booster";
    }
    for (const auto& a : events.adoptions) {
      if (!why.empty()) {
        break;
      }
      if (a.policy != qi || a.period >= sc.calendar.periods) {
        continue;
      }
      if (a.period < 0) {
        why = "it has adoptions before the calendar's start";
      } else if (h.level(a.unit) < deepest - 1) {
        why = fmt::format(
            "{} adopted it at {} level, more than one level above the {} units at risk, and the "
            "booster counts the unit and its direct superior, the covariate any superior",
            h.id(a.unit), h.level_names()[static_cast<std::size_t>(h.level(a.unit))],
            h.level_names()[static_cast<std::size_t>(deepest)]);
      }
      if (!why.empty()) {
        break;
      }
    }
    if (!why.empty()) {
      not_boosted[k] = why;
      continue;
    }
    m = {Role::booster, ""};
    boosters.push_back({k, q, qi});
  }
  // A folded term with one value a period and more than one value (factor(period)'s dummies,
  // a national series from --covariates) is a time profile: at its mean the simulation would
  // lose it; carried, it shifts the intercepts in each period by b_k x_k(period), as `trend`
  // does by b t (the events below).
  std::vector<Eigen::Index> profile_terms;
  std::vector<std::map<std::int32_t, double>> profile_values;  // per term: period -> value
  for (Eigen::Index k = 0; k < p; ++k) {
    auto& m = roles[static_cast<std::size_t>(k)];
    if (m.role != Role::folded) {
      continue;
    }
    std::map<std::int32_t, double> by_period;
    bool one_per_period = true;
    for (Eigen::Index i = 0; i < n_rows && one_per_period; ++i) {
      const auto [it, fresh] = by_period.emplace(rs.period[design.rows[i]], design.x(i, k));
      one_per_period = fresh || it->second == design.x(i, k);
    }
    const bool varies = std::any_of(by_period.begin(), by_period.end(), [&](const auto& e) {
      return e.second != by_period.begin()->second;
    });
    if (one_per_period && varies) {
      m.role = Role::time_profile;
      profile_terms.push_back(k);
      profile_values.push_back(std::move(by_period));
    }
  }
  // The intercepts carry each profile at its mean over the risk set's rows, the events its
  // deviations from it: the same hazard in every period, and [uncertainty] then draws the
  // intercepts with their covariance with the profile. Carried as they stand (the reference
  // period's level, as the table shows them), an intercept would be drawn with the variance of
  // one period's level, often the first and thinnest, in every period.
  // Each profile's name in the fitted policy's table: the term as written, each character other
  // than a letter, digit, '_' or a parenthesis as '_' (a key, policy.ID.profile.NAME.weight,
  // splits at dots, and quoted on a command line it then holds no '=' or space), and a suffix
  // where two names would then be one.
  std::vector<std::string> profile_names;
  for (auto k : profile_terms) {
    std::string name = names[k];
    std::replace_if(
        name.begin(), name.end(),
        [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) == 0 && ch != '_' && ch != '(' &&
                 ch != ')';
        },
        '_');
    const std::string stem = name;
    for (int n = 2;
         std::find(profile_names.begin(), profile_names.end(), name) != profile_names.end(); ++n) {
      name = stem + "_" + std::to_string(n);
    }
    profile_names.push_back(name);
  }
  std::vector<double> profile_center(profile_terms.size(), 0.0);
  for (std::size_t j = 0; j < profile_terms.size(); ++j) {
    for (Eigen::Index i = 0; i < n_rows; ++i) {
      profile_center[j] += design.x(i, profile_terms[j]);
    }
    profile_center[j] /= static_cast<double>(std::max<Eigen::Index>(n_rows, 1));
  }
  // Each profile's scale: a dummy (values 0 and 1) as it is; any other series divided by its
  // largest deviation from the centre, so that its values lie in [-1, 1] and its weight (b times
  // the scale) is the largest shift it makes, whatever the series' units (GDP in yuan, a share
  // that moves by hundredths), within a profile's ranges.
  std::vector<double> profile_scale(profile_terms.size(), 1.0);
  for (std::size_t j = 0; j < profile_terms.size(); ++j) {
    double largest = 0;
    bool dummy = true;
    for (const auto& [period, x] : profile_values[j]) {
      largest = std::max(largest, std::fabs(x - profile_center[j]));
      dummy = dummy && (x == 0.0 || x == 1.0);
    }
    if (!dummy && largest > 0) {
      profile_scale[j] = largest;
    }
  }
  // A weight outside a profile's range [-50, 50] is a shift the simulator cannot carry: refused
  // with a file to write, else noted (the text holds it at the bound), as a trend is.
  for (std::size_t j = 0; j < profile_terms.size(); ++j) {
    const auto k = profile_terms[j];
    const double w = coef(k) * profile_scale[j];
    if (std::fabs(w) <= kShiftBound) {
      continue;
    }
    if (!opt.out.empty()) {
      fail(ErrorKind::data, {opt.events_path, 0, names[k], fmt::format("{:.6g}", coef(k))},
           fmt::format("the term's largest shift of the hazard's exponent ({:.6g}: the estimate "
                       "times the largest deviation of its values from their mean, {:.6g}) is "
                       "outside a policy profile's range [-50, 50], so the fitted scenario could "
                       "not carry it",
                       w, profile_scale[j]),
           "look at the adoptions over time against the term (does it separate the periods "
           "with adoptions from those without?); drop the term or use fewer, longer periods");
    }
    res.notes.push_back(fmt::format(
        "'{}' shifts the hazard's exponent by up to {:.6g}, outside a policy profile's range "
        "[-50, 50]: the fitted scenario's text holds its weight at the bound, and `--out` "
        "refuses it",
        names[k], w));
  }
  std::vector<std::string> keys;
  std::vector<Eigen::RowVectorXd> rows_a;
  std::map<Eigen::Index, Eigen::RowVectorXd> level_fold;  // alpha column -> its row of A
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto& m = roles[static_cast<std::size_t>(j)];
    if (std::isnan(res.glm.coef[j])) {
      res.notes.push_back(
          fmt::format("'{}' could not be estimated (aliased: no variation); set to 0", names[j]));
    }
    if (m.role == Role::trend || m.role == Role::time_profile || m.role == Role::folded ||
        m.role == Role::booster) {
      continue;  // (a trend's and a booster's keys name the policy: added below)
    }
    Eigen::RowVectorXd a = Eigen::RowVectorXd::Zero(p);
    a[j] = 1.0;
    if (m.role == Role::alpha) {
      for (Eigen::Index k = 0; k < p; ++k) {
        if (roles[static_cast<std::size_t>(k)].role != Role::folded) {
          continue;
        }
        double sum = 0;
        double count = 0;
        for (Eigen::Index i = 0; i < design.x.rows(); ++i) {
          if (design.x(i, j) == 1.0) {
            sum += design.x(i, k);
            count += 1;
          }
        }
        a[k] = count > 0 ? sum / count : 0.0;
      }
      for (std::size_t q = 0; q < profile_terms.size(); ++q) {
        a[profile_terms[q]] = profile_center[q];
      }
      level_fold[j] = a;
    }
    keys.push_back(m.key);
    rows_a.push_back(a);
  }
  Eigen::VectorXd b(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    b[j] = coef(j);
  }
  std::map<std::string, double> value;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    value[keys[i]] = rows_a[i].dot(b);
  }
  std::vector<std::string> folded;
  double trend = 0;
  bool has_trend = false;
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto role = roles[static_cast<std::size_t>(j)].role;
    if (role == Role::folded) {
      folded.push_back(names[j]);
    } else if (role == Role::trend) {
      trend = coef(j);
      has_trend = true;
      if (!(std::fabs(trend) <= 50.0)) {
        if (!opt.out.empty()) {
          fail(ErrorKind::data, {opt.events_path, 0, names[j], fmt::format("{:.6g}", trend)},
               "the trend's estimate is outside a policy trend's range [-50, 50] per period, so "
               "the fitted scenario could not carry it",
               "look at the adoptions over time (is nearly every one in the first or last "
               "period?); drop the trend, or use factor(period) or fewer, longer periods");
        }
        // (no file asked for: the coefficient table stands; the scenario text holds the bound)
        res.notes.push_back(fmt::format(
            "the trend's estimate, {:.6g} a period, is outside a policy trend's range [-50, 50]: "
            "the fitted scenario's text holds it at {}, and `--out` refuses it",
            trend, trend > 0 ? 50 : -50));
        trend = std::clamp(trend, -50.0, 50.0);
      }
    }
  }
  if (!folded.empty()) {
    std::string list;
    for (const auto& n : folded) {
      list += (list.empty() ? "'" : ", '") + n + "'";
    }
    // The intercepts as the table shows them and as the scenario carries them differ: say by
    // how much, so that neither reads as the other's mistake.
    std::string shifted;
    for (Eigen::Index j = 0; j < p; ++j) {
      const auto& m = roles[static_cast<std::size_t>(j)];
      if (m.role == Role::alpha && value.count(m.key) != 0) {
        shifted += fmt::format("{}{} {:.6g} in the table, {:.6g} in the scenario",
                               shifted.empty() ? "" : "; ", names[j], coef(j), value[m.key]);
      }
    }
    // What the fold costs: the fitted model's expected adoptions over the risk set with each
    // row's own values against those with the folded terms at their level's means. The hazard
    // is convex, so the mean's is lower as a rule; the simulation inherits the gap.
    double expected_rows = 0;
    double expected_mean = 0;
    for (Eigen::Index i = 0; i < n_rows; ++i) {
      double eta = 0;
      double eta_mean = 0;
      for (Eigen::Index j = 0; j < p; ++j) {
        eta += design.x(i, j) * b[j];
      }
      eta_mean = eta;
      for (const auto& [j, a] : level_fold) {
        if (design.x(i, j) != 1.0) {
          continue;
        }
        for (Eigen::Index k = 0; k < p; ++k) {
          if (roles[static_cast<std::size_t>(k)].role == Role::folded) {
            eta_mean += b[k] * (a[k] - design.x(i, k));
          }
        }
      }
      expected_rows += inverse_link(opt.link, eta);
      expected_mean += inverse_link(opt.link, eta_mean);
    }
    const double gap = expected_rows > 0 ? (expected_mean - expected_rows) / expected_rows : 0.0;
    std::string bias;
    if (std::abs(gap) >= 0.0005) {
      bias = fmt::format(
          "; over the risk set the fitted model expects {:.1f} adoptions with each row's own "
          "values and {:.1f} with the folded terms at their means (observed: {}), so the "
          "simulated adoption will run about {:.1f}% {} than the fitted model's",
          expected_rows, expected_mean, res.glm.events, std::abs(gap) * 100.0,
          gap < 0 ? "lower" : "higher");
    } else {
      bias = fmt::format(
          "; over the risk set the fitted model expects {:.1f} adoptions either way (with each "
          "row's own values or at the means)",
          expected_rows);
    }
    res.notes.push_back(
        "the fitted scenario has no counterpart of " + list +
        ": it adds each at its mean over the level's risk-set rows to the "
        "level's intercept (adoption.alpha: " +
        shifted + "), so simulated units do not differ by it" + bias +
        "; a --covariates variable constant within each unit is carried per unit instead, as "
        "is a plain --static column");
  }
  if (!not_carried.empty()) {
    res.notes.push_back(
        not_carried +
        " is constant within each unit but has the name of a column the hierarchy has, so it "
        "is folded rather than carried per unit: rename the variable in --covariates");
  }
  if (!carried.empty()) {
    std::string list;
    for (const auto& n : carried) {
      list += (list.empty() ? "'" : ", '") + n + "'";
    }
    const auto file = std::filesystem::path(attributes_path(opt.out)).filename().string();
    res.notes.push_back(fmt::format(
        "{} (--covariates) is constant within each unit over its risk-set rows: the fitted "
        "scenario carries it per unit, as adoption.beta on the column{} of {} (beside it, "
        "joined by hierarchy.attributes; a unit of a fitted level without risk-set rows has "
        "NA there, which adoption.missing = \"mean\" fills)",
        list, carried.size() == 1 ? "" : "s", file));
    std::ostringstream csv;
    csv << "unit_id";
    for (const auto& n : carried) {
      csv << ',' << n;
    }
    csv << '\n';
    for (int l : levels) {
      for (std::int32_t u = h.level_begin(l); u < h.level_begin(l + 1); ++u) {
        csv << csv_field(h.id(u));
        for (const auto& v : carried_values) {
          const double x = v[static_cast<std::size_t>(u)];
          csv << ',' << (std::isnan(x) ? std::string("NA") : fmt::format("{}", x));
        }
        csv << '\n';
      }
    }
    res.attributes_csv = csv.str();
  }
  // The fitted scenario.
  toml::table t = toml::parse(loaded.resolved_toml);
  toml::table alpha;
  for (int l = 0; l < h.n_levels(); ++l) {
    const auto& ln = h.level_names()[static_cast<std::size_t>(l)];
    const auto it = value.find("adoption.alpha." + ln);
    alpha.insert(ln, it != value.end() ? it->second : -std::numeric_limits<double>::infinity());
  }
  const auto get = [&](const std::string& key) {
    const auto it = value.find(key);
    return it == value.end() ? 0.0 : it->second;
  };
  toml::table beta;
  for (const auto& c : static_names) {
    if (value.count("adoption.beta." + c) != 0) {
      beta.insert(c, get("adoption.beta." + c));
    }
  }
  for (const auto& c : carried) {
    beta.insert(c, get("adoption.beta." + c));
  }
  toml::table adoption;
  adoption.insert("link", glm_link_name(opt.link));
  adoption.insert("alpha", alpha);
  adoption.insert("alpha_default", -std::numeric_limits<double>::infinity());
  adoption.insert("beta", beta);
  adoption.insert("gamma_vertical", get("adoption.gamma_vertical"));
  adoption.insert("gamma_horizontal", get("adoption.gamma_horizontal"));
  adoption.insert("gamma_bottom_up", get("adoption.gamma_bottom_up"));
  adoption.insert("gamma_vh", get("adoption.gamma_vh"));
  adoption.insert("gamma_need", 0.0);
  adoption.insert("missing", "mean");
  adoption.insert("sibling_weight", sc.adoption.sibling_weight);
  adoption.insert("edge_weight", sc.adoption.edge_weight);
  t.insert_or_assign("adoption", adoption);
  // The intercepts are per period of the fitting calendar: say so, so that a run on another
  // calendar restates them (docs/model.md §2).
  if (!t.contains("calendar")) {
    t.insert("calendar", toml::table{});
  }
  t["calendar"].as_table()->insert_or_assign("stated_periods_per_year",
                                             sc.calendar.periods_per_year);
  toml::table vertical;
  vertical.insert("attenuation", sc.vertical.attenuation);
  vertical.insert("endorse", 1.0);
  t.insert_or_assign("vertical", vertical);
  toml::table promotion;
  promotion.insert("endorse", 1.0);
  promotion.insert("pilot", 0.0);
  promotion.insert("mandate", 0.0);
  promotion.insert("championship", 0.0);
  promotion.insert("pilot_rule", "random");
  t.insert_or_assign("promotion", promotion);
  toml::table stages;
  stages.insert("institutionalise_after", 0);
  stages.insert("reversal_rate", 0.0);
  t.insert_or_assign("stages", stages);
  // The base scenario's events go, but its restructuring (merge, split, abolish, reestablish),
  // which says which units exist when, as in the risk set: without it the hierarchy's
  // existence columns may not validate.
  toml::array ev;
  if (const auto* base = t["event"].as_array()) {
    for (const auto& e : *base) {
      const auto* type = e.as_table() != nullptr ? (*e.as_table())["type"].as_string() : nullptr;
      if (type != nullptr && (type->get() == "merge" || type->get() == "split" ||
                              type->get() == "abolish" || type->get() == "reestablish")) {
        ev.push_back(e);
      }
    }
  }
  t.erase("event");
  const bool unnamed = !t.contains("policy");
  if (unnamed) {
    // The base scenario leaves its one policy unnamed ("policy"): the fitted one names it
    // after the events it was fitted on, so that check-fit can tell them from another's.
    toml::table pol;
    pol.insert("id", events.policy_ids[static_cast<std::size_t>(policy)]);
    t.insert_or_assign("policy", toml::array{pol});
  }
  const auto& pid = events.policy_ids[static_cast<std::size_t>(policy)];
  std::string policy_id = sc.policies.empty() ? std::string() : sc.policies.front().id;
  for (const auto& pol : sc.policies) {
    if (pol.id == pid) {
      policy_id = pid;
    }
  }
  if (unnamed) {
    policy_id = pid;
  }
  // The fitted policy's own shift of its intercepts is not in the risk set, so the fitted
  // intercepts already stand for whatever it stood for: kept, it would be added twice.
  // Prerequisites and boosters are not estimated either: kept, and said.
  if (auto* pols = t["policy"].as_array()) {
    for (auto& e : *pols) {
      auto* pol = e.as_table();
      const auto* id = pol != nullptr ? (*pol)["id"].as_string() : nullptr;
      if (pol == nullptr || id == nullptr || id->get() != policy_id) {
        continue;
      }
      const auto shift = (*pol)["alpha_shift"].value<double>();
      if (shift && *shift != 0.0) {
        pol->erase("alpha_shift");
        res.notes.push_back(fmt::format(
            "the base scenario's [[policy]] alpha_shift = {} is left out of the fitted scenario: "
            "the risk set does not see it, so the fitted intercepts already include it",
            *shift));
      }
      // The boosters the fit estimated replace the base's weights of the same policies; a
      // folded adopted.Q beside a base weight for Q would count Q twice: said.
      bool kept_boosters = false;
      if (auto* bb = (*pol)["boosted_by"].as_table()) {
        for (const auto& bst : boosters) {
          if (const auto w = (*bb)[bst.policy].value<double>()) {
            res.notes.push_back(fmt::format(
                "the base scenario's boosted_by.{} = {} is replaced by the fitted weight",
                bst.policy, *w));
          }
          bb->erase(bst.policy);
        }
        for (const auto& entry : not_boosted) {
          const auto& term = names[entry.first];
          const auto q = term.substr(adopted_prefix.size());
          if (bb->contains(q)) {
            res.notes.push_back(fmt::format(
                "the fitted scenario keeps the base's boosted_by.{} beside '{}' folded into the "
                "intercepts: {}'s effect then counts twice (remove one)",
                q, term, q));
          }
        }
        kept_boosters = !bb->empty();
        if (bb->empty()) {
          pol->erase("boosted_by");
        }
      }
      if (pol->contains("requires") || kept_boosters) {
        res.notes.push_back(
            "the fitted scenario keeps the policy's `requires` and `boosted_by`, which the fit "
            "does not estimate (its hazard ignores them, docs/model.md 7.7): a simulation of it "
            "applies them on top of the fitted hazard");
      }
      // The trend as the policy's own (b t in period t, the whole calendar long); the base's is
      // not in the risk set either.
      if (const auto base_trend = (*pol)["trend"].value<double>();
          base_trend && *base_trend != 0.0) {
        res.notes.push_back(fmt::format(
            "the base scenario's [[policy]] trend = {} is left out of the fitted scenario: the "
            "risk set does not see it{}",
            *base_trend, has_trend ? "; the fitted trend replaces it" : ""));
      }
      pol->erase("trend");
      if (has_trend) {
        pol->insert("trend", trend);
      }
      if (pol->contains("profile")) {
        res.notes.push_back(fmt::format(
            "the base scenario's [[policy]] profile is left out of the fitted scenario: the risk "
            "set does not see it{}",
            profile_terms.empty() ? "" : "; the fitted profiles replace it"));
        pol->erase("profile");
      }
      if (!boosters.empty()) {
        if (!pol->contains("boosted_by")) {
          pol->insert("boosted_by", toml::table{});
        }
        auto* bb = (*pol)["boosted_by"].as_table();
        for (const auto& bst : boosters) {
          bb->insert_or_assign(bst.policy, coef(bst.term));
        }
      }
    }
    // Each boosting policy as its observed adoptions alone: its table replaced (or added) by one
    // whose own hazard is practically nil (its intercepts lowered by 50), replayed below.
    for (const auto& bst : boosters) {
      toml::table q;
      q.insert("id", bst.policy);
      q.insert("alpha_shift", -50.0);
      bool found = false;
      for (auto& e : *pols) {
        auto* pol = e.as_table();
        const auto* id = pol != nullptr ? (*pol)["id"].as_string() : nullptr;
        if (id != nullptr && id->get() == bst.policy) {
          if (const auto* name = (*pol)["name"].as_string()) {
            q.insert("name", name->get());
          }
          *pol = q;
          found = true;
        }
      }
      if (!found) {
        pols->push_back(q);
      }
    }
    // The fitted policy first: check-fit compares the scenario's first policy, and the
    // governance layer defaults to it.
    for (std::size_t i = 1; i < pols->size(); ++i) {
      const auto* pol = (*pols)[i].as_table();
      const auto* id = pol != nullptr ? (*pol)["id"].as_string() : nullptr;
      if (id != nullptr && id->get() == policy_id) {
        toml::array moved;
        moved.push_back((*pols)[i]);
        for (std::size_t k = 0; k < pols->size(); ++k) {
          if (k != i) {
            moved.push_back((*pols)[k]);
          }
        }
        *pols = std::move(moved);
        break;
      }
    }
  }
  // Units of levels that adopt in the events but are not at risk in the fit (outside --level):
  // the fitted scenario replays their observed adoptions, one `adopt` event per date, so that
  // the units it simulates see the superiors (and children) the estimation conditioned on.
  // Without them a superior level would keep its intercept of -inf and never adopt, and the
  // vertical exposure would stay 0 (docs/model.md 7.7). (The events reader refuses adoptions
  // before the calendar; the guard below only keeps the date inside it.)
  std::map<std::int32_t, std::vector<std::int32_t>> replay;  // period -> units, in file order
  std::map<int, std::size_t> replayed;                       // level -> adoptions replayed
  for (const auto& a : events.adoptions) {
    const int l = h.level(a.unit);
    if (a.policy != policy || a.period >= sc.calendar.periods ||
        std::find(levels.begin(), levels.end(), l) != levels.end()) {
      continue;
    }
    replay[std::max(a.period, 0)].push_back(a.unit);
    ++replayed[l];
  }
  // Observed adoptions as `adopt` events of `pol`, one a date (units in file order).
  const auto replay_events = [&](const std::map<std::int32_t, std::vector<std::int32_t>>& by_date,
                                 const std::string& pol) {
    for (const auto& [period, units] : by_date) {
      toml::table e;
      e.insert("type", "adopt");
      e.insert("date", period_label(sc.calendar, period));
      if (!pol.empty()) {
        e.insert("policy", pol);
      }
      toml::array ids;
      for (auto u : units) {
        ids.push_back(std::string(h.id(u)));
      }
      e.insert("units", ids);
      ev.push_back(e);
    }
  };
  replay_events(replay, policy_id);
  // The boosting policies' observed adoptions, replayed at their dates.
  for (const auto& bst : boosters) {
    std::map<std::int32_t, std::vector<std::int32_t>> dates;  // period -> units, in file order
    std::size_t n = 0;
    for (const auto& a : events.adoptions) {
      if (a.policy == bst.index && a.period >= 0 && a.period < sc.calendar.periods) {
        dates[a.period].push_back(a.unit);
        ++n;
      }
    }
    replay_events(dates, bst.policy);
    res.notes.push_back(fmt::format(
        "'{}' (policy {}'s adoption, --event-covariate) is carried as policy {}: the fitted "
        "scenario replays its {} observed adoption{} as `adopt` events ({} dates; its own hazard "
        "practically nil, alpha_shift = -50) and gives this policy `boosted_by = {{{} = {:.6g}}}` "
        "(docs/model.md 7.1), so a scenario that moves {}'s adopt events moves the effect (a "
        "counterfactual on it); --set uncertainty.draw=true draws this weight with the other "
        "estimates (policy.{}.boosted_by.{})",
        names[bst.term], bst.policy, bst.policy, n, n == 1 ? "" : "s", dates.size(), bst.policy,
        coef(bst.term), bst.policy, policy_id, bst.policy));
  }
  if (!replayed.empty()) {
    std::string list;
    for (const auto& [l, n] : replayed) {
      list += fmt::format("{}{} ({} adoption{})", list.empty() ? "" : ", ",
                          h.level_names()[static_cast<std::size_t>(l)], n, n == 1 ? "" : "s");
    }
    res.notes.push_back(fmt::format(
        "not at risk in the fit: {}; the fitted scenario replays these observed adoptions as "
        "`adopt` events at their dates ({} events) and never adopts anything else there",
        list, replay.size()));
  }
  if (has_trend) {
    res.notes.push_back(fmt::format(
        "the trend ({:.6g} per period) is carried as the policy's `trend` ([[policy]] trend: b t "
        "added to the exponent in period t, over the whole calendar, docs/model.md 7.1); "
        "--set uncertainty.draw=true draws it with the other estimates (policy.{}.trend)",
        trend, policy_id));
  }
  if (!profile_terms.empty()) {
    // The time profiles as the fitted policy's own ([[policy]] profile.NAME, docs/model.md
    // 7.1): weight b, and the value less its mean over the risk-set rows in force from each
    // period in which it changes, over the written scenario's whole calendar, so that a fit on
    // the first periods of a longer one (the training periods of check-fit) carries each
    // profile on at its last value. A period without risk-set rows takes the value of the last
    // one before it (the first one's before any). The trend is the policy's own (above) and
    // adds to it.
    std::int32_t periods = sc.calendar.periods;
    if (const auto written = t["calendar"]["periods"].value<std::int64_t>()) {
      periods = std::max(periods, static_cast<std::int32_t>(*written));
    }
    const auto value_at = [](const std::map<std::int32_t, double>& v, std::int32_t period) {
      auto it = v.upper_bound(period);
      return it == v.begin() ? it->second : std::prev(it)->second;
    };
    toml::table profiles;
    std::size_t n_dates = 0;
    for (std::size_t j = 0; j < profile_terms.size(); ++j) {
      toml::array dates;
      toml::array values;
      double before = std::numeric_limits<double>::quiet_NaN();
      for (std::int32_t period = 0; period < periods; ++period) {
        const double x =
            (value_at(profile_values[j], period) - profile_center[j]) / profile_scale[j];
        if (x == before) {
          continue;
        }
        before = x;
        dates.push_back(period_label(sc.calendar, period));
        values.push_back(x);
      }
      n_dates += dates.size();
      toml::table prof;
      prof.insert("weight",
                  std::clamp(coef(profile_terms[j]) * profile_scale[j], -kShiftBound, kShiftBound));
      prof.insert("dates", std::move(dates));
      prof.insert("values", std::move(values));
      profiles.insert(profile_names[j], std::move(prof));
    }
    toml::table* fitted = nullptr;
    if (auto* pols = t["policy"].as_array()) {
      for (auto& e : *pols) {
        auto* pol = e.as_table();
        const auto* id = pol != nullptr ? (*pol)["id"].as_string() : nullptr;
        if (id != nullptr && id->get() == policy_id) {
          fitted = pol;
        }
      }
    }
    if (fitted == nullptr) {
      fail(ErrorKind::internal, {opt.events_path, 0, "policy", policy_id},
           "the fitted policy's table is missing from the fitted scenario", "report this as a bug");
    }
    fitted->insert_or_assign("profile", std::move(profiles));
    {
      std::string list;
      for (auto k : profile_terms) {
        list += (list.empty() ? "'" : ", '") + names[k] + "'";
      }
      std::int32_t first = std::numeric_limits<std::int32_t>::max();
      std::int32_t last = std::numeric_limits<std::int32_t>::min();
      for (const auto& v : profile_values) {
        first = std::min(first, v.begin()->first);
        last = std::max(last, v.rbegin()->first);
      }
      std::string outside;
      if (first > 0) {
        outside +=
            fmt::format("; periods before {} take its value", period_label(sc.calendar, first));
      }
      if (last + 1 < periods) {
        outside += fmt::format(
            "; periods after {} (the last with risk-set rows) keep its value, through {}",
            period_label(sc.calendar, last), period_label(sc.calendar, periods - 1));
      }
      std::string held;
      for (Eigen::Index j = 0; j < p; ++j) {
        const auto& m = roles[static_cast<std::size_t>(j)];
        if (m.role == Role::alpha && value.count(m.key) != 0) {
          held += fmt::format("{}{} {:.6g} in the table, {:.6g} in the scenario",
                              held.empty() ? "" : "; ", names[j], coef(j), value[m.key]);
        }
      }
      const char* them = profile_terms.size() == 1 ? "it" : "them";
      std::string drawn;
      for (std::size_t j = 0; j < profile_names.size(); ++j) {
        if (std::isnan(res.glm.coef[profile_terms[j]])) {
          continue;  // (aliased: fixed at 0, not drawn)
        }
        drawn += (drawn.empty() ? "" : ", ") +
                 fmt::format("policy.{}.profile.{}.weight", policy_id, profile_names[j]);
      }
      res.notes.push_back(fmt::format(
          "{} {} only over time (one value a period): the fitted scenario carries {} as the "
          "policy's profile{} ([policy.profile.NAME]: weight b, and the period's value less its "
          "mean over the risk-set rows, a series other than a dummy divided by its largest "
          "deviation and its weight multiplied by it, {} dates in all; docs/model.md 7.1){}, and "
          "the "
          "intercepts hold that mean ({}): the same hazard in every period{}; {}",
          list, profile_terms.size() == 1 ? "varies" : "vary", them,
          profile_terms.size() == 1 ? "" : "s", n_dates,
          has_trend ? " (the policy's trend adds its b t)" : "", held, outside,
          drawn.empty()
              ? std::string("none is drawn (not estimated)")
              : fmt::format("--set uncertainty.draw=true draws the profile{} weight{} with the "
                            "intercepts ({})",
                            profile_terms.size() == 1 ? "'s" : "s'",
                            profile_terms.size() == 1 ? "" : "s", drawn)));
    }
  }
  // Another policy's adoption (--event-covariate) enters as numbers, not as that policy: say
  // that a counterfactual on it will not move its effect, and what would.
  for (Eigen::Index j = 0; j < p && !opt.out.empty(); ++j) {
    const auto role = roles[static_cast<std::size_t>(j)].role;
    if (role != Role::folded && role != Role::time_profile) {
      continue;
    }
    const auto parts = io::term_parts(names[j]);
    for (const auto& part : parts) {
      if (part.column.rfind(adopted_prefix, 0) != 0) {
        continue;
      }
      const auto other = part.column.substr(adopted_prefix.size());
      if (parts.size() != 1 || part.log || std::isnan(res.glm.coef[j])) {
        // An interaction or a log of it, or a term not estimated: no booster is its counterpart.
        res.notes.push_back(fmt::format(
            "'{}' (with policy {}'s adoption, --event-covariate) is carried {}: a scenario that "
            "moves {}'s dates does not move this effect, and the simulator has no counterpart "
            "of it (a booster, boosted_by, is the plain term's)",
            names[j], other,
            role == Role::folded ? "folded into the intercepts at its mean"
                                 : "as a profile of the policy over its observed dates",
            other));
        continue;
      }
      const auto why = not_boosted.find(j);
      res.notes.push_back(fmt::format(
          "'{}' (policy {}'s adoption, --event-covariate) is carried {}, not as policy {}{}: "
          "a scenario that moves {}'s dates (a counterfactual on it) does not move this "
          "effect; to simulate one, give the scenario policy {} (its `adopt` events or hazard) "
          "and this policy `boosted_by = {{{} = {:.6g}}}` in its [[policy]] table in place of "
          "{} (docs/model.md 7.1: the booster counts {} while active in the unit or its direct "
          "superior, a reversal ends it; the covariate counts its adoption by the unit or its "
          "nearest superior that adopted, for good)",
          names[j], other,
          role == Role::folded ? "folded into the intercepts at its mean"
                               : "as a profile of the policy over its observed dates",
          other, why == not_boosted.end() ? std::string() : " (" + why->second + ")", other, other,
          other, coef(j), role == Role::folded ? "the fold" : "its profile", other));
    }
  }
  if (!ev.empty()) {
    t.insert_or_assign("event", ev);
  }
  // The trend and the boosters' weights are keys of the fitted policy's table.
  const auto policy_key = [&](Eigen::Index term, const std::string& field, double estimate) {
    Eigen::RowVectorXd a = Eigen::RowVectorXd::Zero(p);
    a[term] = 1.0;
    keys.push_back("policy." + policy_id + "." + field);
    rows_a.push_back(a);
    value[keys.back()] = estimate;
  };
  for (Eigen::Index j = 0; j < p; ++j) {
    if (roles[static_cast<std::size_t>(j)].role == Role::trend) {
      policy_key(j, "trend", trend);  // (held at the bound where it lies outside)
    }
  }
  for (const auto& bst : boosters) {
    policy_key(bst.term, "boosted_by." + bst.policy, coef(bst.term));
  }
  for (std::size_t j = 0; j < profile_terms.size(); ++j) {  // (b times the profile's scale)
    policy_key(profile_terms[j], "profile." + profile_names[j] + ".weight",
               std::clamp(coef(profile_terms[j]) * profile_scale[j], -kShiftBound, kShiftBound));
    rows_a.back() *= profile_scale[j];
  }
  // The estimates' covariance (cluster-robust when clustered, as the coefficient table's
  // preferred SEs), mapped to the scenario's keys, so that runs can carry the estimation error:
  // `uncertainty.draw = true` draws one coefficient vector per replicate (docs/model.md §7.11).
  {
    const bool robust = res.glm.cov_robust.size() > 0;
    Eigen::MatrixXd cov = robust ? res.glm.cov_robust : res.glm.cov;
    for (Eigen::Index i = 0; i < p; ++i) {
      for (Eigen::Index j = 0; j < p; ++j) {
        if (std::isnan(cov(i, j))) {
          cov(i, j) = 0.0;  // aliased: fixed at 0, no uncertainty
        }
      }
    }
    toml::array tk, estimate, rows;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const double var = rows_a[i] * cov * rows_a[i].transpose();
      if (!(var > 0)) {
        continue;  // aliased: not drawn
      }
      tk.push_back(keys[i]);
      estimate.push_back(value[keys[i]]);
      toml::array row;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        const double vk = rows_a[k] * cov * rows_a[k].transpose();
        if (!(vk > 0)) {
          continue;
        }
        row.push_back(0.5 * (double(rows_a[i] * cov * rows_a[k].transpose()) +
                             double(rows_a[k] * cov * rows_a[i].transpose())));
      }
      rows.push_back(row);
    }
    toml::table unc;
    unc.insert("draw", false);
    unc.insert("keys", tk);
    unc.insert("estimate", estimate);
    unc.insert("covariance", rows);
    t.insert_or_assign("uncertainty", unc);
    res.notes.push_back(fmt::format(
        "the fitted scenario carries the {} covariance of the estimates in [uncertainty]; "
        "--set uncertainty.draw=true runs each replicate with its own draw of them",
        robust ? "cluster-robust" : "model-based"));
  }
  // Paths in the input scenario are relative to its file: make them absolute so the fitted
  // scenario runs from wherever it is written.
  const auto base = std::filesystem::absolute(std::filesystem::path(sc.file)).parent_path();
  auto absolute = [&](toml::node* node) {
    if (auto* str = node != nullptr ? node->as_string() : nullptr) {
      const std::string v = str->get();
      if (!v.empty() && v.rfind("china:", 0) != 0 && std::filesystem::path(v).is_relative()) {
        *str = (base / v).lexically_normal().string();
      }
    }
  };
  if (!carried.empty() && !t.contains("hierarchy")) {
    t.insert("hierarchy", toml::table{});
  }
  if (auto* hier = t["hierarchy"].as_table()) {
    absolute(hier->get("path"));
    // The base's joined files, then the fit's own (beside the fitted scenario: relative).
    if (auto* files = hier->get_as<toml::array>("attributes")) {
      for (auto& file : *files) {
        absolute(&file);
      }
    } else if (hier->get_as<std::string>("attributes") != nullptr) {
      absolute(hier->get("attributes"));
      toml::array one;
      one.push_back(*hier->get_as<std::string>("attributes"));
      hier->insert_or_assign("attributes", one);
    }
    if (!carried.empty()) {
      if (hier->get_as<toml::array>("attributes") == nullptr) {
        hier->insert_or_assign("attributes", toml::array{});
      }
      hier->get_as<toml::array>("attributes")
          ->push_back(std::filesystem::path(attributes_path(opt.out)).filename().string());
    }
    // The edge lists used (--edges replaces the scenario's).
    toml::array edges;
    for (const auto& e : sc.hierarchy.edges) {
      toml::table et;
      et.insert("path", e.path);
      et.insert("symmetric", e.symmetric);
      edges.push_back(et);
    }
    if (edges.empty()) {
      hier->erase("edges");
    } else {
      hier->insert_or_assign("edges", edges);
    }
    if (auto* list = hier->get_as<toml::array>("edges")) {
      for (auto& e : *list) {
        if (auto* et = e.as_table()) {
          absolute(et->get("path"));
        }
      }
    }
  }
  t.insert_or_assign("name", sc.name.empty() ? std::string("fitted") : sc.name + "_fitted");
  std::string separated;
  for (std::size_t j = 0; j < res.glm.separated.size(); ++j) {
    if (res.glm.separated[j]) {
      separated += (separated.empty() ? "" : ", ") + names[j];
    }
  }
  // The exposure weights the fit did not estimate are written as 0: an assumption, which the
  // scenario says, since designs that differ through these channels rest on it.
  std::string not_estimated;
  for (const char* exposure : {"vertical", "horizontal", "bottom_up"}) {
    const auto it = std::find(names.begin(), names.end(), exposure);
    const char* why = nullptr;
    if (it == names.end()) {
      why = "not among the terms";
    } else if (std::isnan(res.glm.coef[it - names.begin()])) {
      why = "aliased: no variation";
    }
    if (why != nullptr) {
      not_estimated +=
          fmt::format("{}adoption.gamma_{} ({})", not_estimated.empty() ? "" : ", ", exposure, why);
    }
  }
  std::ostringstream o;
  o << "# Fitted by `pdlab fit` (" << glm_link_name(opt.link)
    << " discrete-time EHA): N = " << res.glm.n << " unit-periods, " << res.glm.events
    << " events, log-likelihood " << fmt::format("{:.6f}", res.glm.log_likelihood) << ".\n"
    << "# Terms: " << (opt.terms.empty() ? default_terms(rs) : opt.terms) << "\n"
    << (separated.empty() ? ""
                          : "# WARNING: separation: the estimates of " + separated +
                                " diverge (see the fit's output).\n")
    << (not_estimated.empty()
            ? ""
            : "# NOT ESTIMATED, written as 0 (an assumption, not an estimate): " + not_estimated +
                  ".\n# Designs that differ through these channels (promotion modes before "
                  "their deadlines,\n# peers, pressure from below) differ here only by their "
                  "scripted rules.\n")
    << "# Every superior endorses with signal 1, as in the risk set's V; no scripted events\n"
    << "# but the replayed adoptions of levels not fitted and of an --event-covariate's\n"
    << "# policy, and the base scenario's restructuring (time profiles, such as period\n"
    << "# effects, are the policy's `profile`). Standard errors are in the fit's\n"
    << "# coefficient table (printed by `pdlab fit`; --coefficients FILE writes it);\n"
    << "# [uncertainty] holds the covariance (draw = true runs each replicate with its own\n"
    << "# draw).\n"
    << t << "\n";
  res.scenario_toml = o.str();
  return res;
}

}  // namespace

FitResult fit_scenario(const RisksetInputs& in, const FitOptions& opt) {
  auto res = fit_core(in.loaded, in.inputs, in.events, in.options, in.time_varying, in.policies,
                      in.source, opt);
  res.notes.insert(res.notes.begin(), in.notes.begin(), in.notes.end());
  return res;
}

FitResult fit_scenario(const io::LoadedScenario& loaded, const io::Inputs& inputs,
                       const io::EventsFile& events, const FitOptions& opt) {
  const auto& sc = loaded.scenario;
  const auto& h = *inputs.hierarchy;
  RiskSetOptions ro;
  ro.periods = sc.calendar.periods;
  ro.attenuation = sc.vertical.attenuation;
  ro.sibling_weight = sc.adoption.sibling_weight;
  ro.edge_weight = sc.adoption.edge_weight;
  ro.level = opt.level;
  const Model model(sc, h, *inputs.network);
  io::riskset_availability(model, events, opt.events_path, ro);
  std::map<std::string, std::string> source;
  for (const auto& c : opt.covariates) {
    ro.static_columns.push_back(static_column(h, c,
                                              sc.hierarchy.source == "china"
                                                  ? "china:units (the shipped hierarchy)"
                                                  : sc.hierarchy.path));
    source[c] = "the hierarchy";
  }
  std::vector<std::int32_t> policies;
  for (std::size_t k = 0; k < events.policy_ids.size(); ++k) {
    policies.push_back(static_cast<std::int32_t>(k));
  }
  ro.policies = policies;
  auto res = fit_core(loaded, inputs, events, ro, {}, policies, source, opt);
  if (!events.padded_ids_note.empty()) {
    res.notes.insert(res.notes.begin(), events.padded_ids_note);
  }
  return res;
}

bool written_by_fit(const std::string& scenario_path) {
  std::ifstream in(scenario_path);
  std::string line;
  return std::getline(in, line) && line.rfind("# Fitted by `pdlab fit`", 0) == 0;
}

FitResult fit_study(const FitSpec& spec) {
  // Adoptions before the calendar's start stay errors: the fitted scenario could not start
  // with those units adopted, so check-fit would simulate them as at risk.
  auto inputs = spec.inputs;
  inputs.before_start = BeforeStart::error;
  inputs.offer_before_start = false;
  const auto in = read_riskset_inputs(inputs);
  io::check_output_path(spec.out, spec.force);
  FitOptions fo;
  fo.terms = spec.terms;
  fo.link = spec.link;
  fo.events_path = spec.inputs.events_path;
  fo.cluster_by_parent = spec.cluster_by_parent;
  fo.out = spec.out;
  auto res = fit_scenario(in, fo);
  if (!res.attributes_csv.empty()) {
    io::check_output_path(attributes_path(spec.out), spec.force);
  }
  return res;
}

std::string attributes_path(const std::string& out) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + "_attributes.csv")).string();
}

}  // namespace pdlab::study
