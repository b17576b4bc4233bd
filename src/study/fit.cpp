#include "pdlab/study/fit.hpp"
#include "pdlab/study/study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace pdlab::study {

FitResult fit_scenario(const io::LoadedScenario& loaded, const io::Inputs& inputs,
                       const io::EventsFile& events, const FitOptions& opt) {
  const auto& sc = loaded.scenario;
  const auto& h = *inputs.hierarchy;
  if (events.policy_ids.size() != 1) {
    fail(ErrorKind::usage, {"", 0, "--events", ""},
         "the events hold " + std::to_string(events.policy_ids.size()) + " policies",
         "fit one policy at a time (filter the events file)");
  }
  RiskSetOptions ro;
  ro.periods = sc.calendar.periods;
  ro.attenuation = sc.vertical.attenuation;
  ro.sibling_weight = sc.adoption.sibling_weight;
  ro.edge_weight = sc.adoption.edge_weight;
  ro.level = opt.level;
  ro.first_period = io::unit_first_periods(h, sc.calendar);
  io::policy_availability(sc, h, events, ro.policy_from, ro.policy_levels);
  for (const auto& c : opt.covariates) {
    const auto a = h.attribute_index(c);
    if (!a) {
      fail(ErrorKind::usage, {"", 0, "--covariate", c}, "the hierarchy has no numeric column",
           "use a column of the hierarchy file");
    }
    ro.static_columns.push_back(*a);
  }
  const auto rs = build_riskset(h, *inputs.network, events.adoptions, 1, {}, ro);
  // Design: one intercept per level present, then V, H, U and covariates.
  std::vector<int> levels;
  for (auto u : rs.unit) {
    if (std::find(levels.begin(), levels.end(), h.level(u)) == levels.end()) {
      levels.push_back(h.level(u));
    }
  }
  std::sort(levels.begin(), levels.end());
  std::vector<std::string> names;
  for (int l : levels) {
    names.push_back(fmt::format("alpha.{}", h.level_names()[l]));
  }
  for (const char* e : {"vertical", "horizontal", "bottom_up"}) {
    names.emplace_back(e);
  }
  for (const auto& c : opt.covariates) {
    names.push_back(c);
  }
  std::vector<std::size_t> rows;
  FitResult res;
  for (std::size_t r = 0; r < rs.rows(); ++r) {
    bool ok = true;
    for (const auto& col : rs.covariates) {
      ok = ok && !std::isnan(col[r]);
    }
    if (ok) {
      rows.push_back(r);
    }
  }
  if (rows.size() < rs.rows()) {
    res.notes.push_back(fmt::format("{} risk-set rows with missing covariates were dropped",
                                    rs.rows() - rows.size()));
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto p = static_cast<Eigen::Index>(names.size());
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, p);
  Eigen::VectorXd y(n);
  std::vector<std::int64_t> clusters;
  const auto nl = static_cast<Eigen::Index>(levels.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto r = rows[static_cast<std::size_t>(i)];
    const auto u = rs.unit[r];
    x(i, std::find(levels.begin(), levels.end(), h.level(u)) - levels.begin()) = 1.0;
    x(i, nl) = rs.vertical[r];
    x(i, nl + 1) = rs.horizontal[r];
    x(i, nl + 2) = rs.bottom_up[r];
    for (std::size_t c = 0; c < rs.covariates.size(); ++c) {
      x(i, nl + 3 + static_cast<Eigen::Index>(c)) = rs.covariates[c][r];
    }
    y[i] = rs.event[r];
    if (opt.cluster_by_parent) {
      clusters.push_back(h.parent(u));
    }
  }
  GlmOptions go;
  go.link = opt.link;
  std::set<std::int64_t> distinct(clusters.begin(), clusters.end());
  if (distinct.size() >= 2) {
    go.clusters = clusters;
  }
  res.glm = fit_binomial_glm(x, y, {}, names, go);
  // The fitted scenario.
  toml::table t = toml::parse(loaded.resolved_toml);
  auto coef = [&](const std::string& name) {
    const auto j = std::find(names.begin(), names.end(), name) - names.begin();
    const double b = res.glm.coef[j];
    if (std::isnan(b)) {
      res.notes.push_back(
          fmt::format("'{}' could not be estimated (aliased: no variation); set to 0", name));
      return 0.0;
    }
    return b;
  };
  toml::table alpha;
  for (int l = 0; l < h.n_levels(); ++l) {
    const auto& ln = h.level_names()[l];
    if (std::find(levels.begin(), levels.end(), l) != levels.end()) {
      alpha.insert(ln, coef(fmt::format("alpha.{}", ln)));
    } else {
      alpha.insert(ln, -std::numeric_limits<double>::infinity());
    }
  }
  toml::table beta;
  for (const auto& c : opt.covariates) {
    beta.insert(c, coef(c));
  }
  toml::table adoption;
  adoption.insert("link", opt.link == GlmLink::logit ? "logit" : "cloglog");
  adoption.insert("alpha", alpha);
  adoption.insert("alpha_default", -std::numeric_limits<double>::infinity());
  adoption.insert("beta", beta);
  adoption.insert("gamma_vertical", coef("vertical"));
  adoption.insert("gamma_horizontal", coef("horizontal"));
  adoption.insert("gamma_bottom_up", coef("bottom_up"));
  adoption.insert("gamma_need", 0.0);
  adoption.insert("missing", "mean");
  adoption.insert("sibling_weight", sc.adoption.sibling_weight);
  adoption.insert("edge_weight", sc.adoption.edge_weight);
  t.insert_or_assign("adoption", adoption);
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
  t.erase("event");
  // The estimates' covariance (cluster-robust when clustered, as the coefficient table's
  // preferred SEs), so that runs can carry the estimation error: `uncertainty.draw = true`
  // draws one coefficient vector per replicate (docs/model.md §7.11).
  {
    const bool robust = res.glm.cov_robust.size() > 0;
    const Eigen::MatrixXd& cov = robust ? res.glm.cov_robust : res.glm.cov;
    const auto scenario_key = [&](const std::string& name) {
      if (name.rfind("alpha.", 0) == 0) {
        return "adoption." + name;
      }
      if (name == "vertical" || name == "horizontal" || name == "bottom_up") {
        return "adoption.gamma_" + name;
      }
      return "adoption.beta." + name;
    };
    std::vector<Eigen::Index> kept;
    for (Eigen::Index j = 0; j < res.glm.coef.size(); ++j) {
      if (!std::isnan(res.glm.coef[j]) && !std::isnan(cov(j, j))) {
        kept.push_back(j);
      }
    }
    toml::array keys, estimate, rows;
    for (auto i : kept) {
      keys.push_back(scenario_key(names[static_cast<std::size_t>(i)]));
      estimate.push_back(res.glm.coef[i]);
      toml::array row;
      for (auto j : kept) {
        row.push_back(0.5 * (cov(i, j) + cov(j, i)));
      }
      rows.push_back(row);
    }
    toml::table unc;
    unc.insert("draw", false);
    unc.insert("keys", keys);
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
  if (auto* hier = t["hierarchy"].as_table()) {
    absolute(hier->get("path"));
    if (auto* edges = hier->get_as<toml::array>("edges")) {
      for (auto& e : *edges) {
        if (auto* et = e.as_table()) {
          absolute(et->get("path"));
        }
      }
    }
  }
  t.insert_or_assign("name", sc.name.empty() ? std::string("fitted") : sc.name + "_fitted");
  std::ostringstream o;
  o << "# Fitted by `pdlab fit` (" << (opt.link == GlmLink::logit ? "logit" : "cloglog")
    << " discrete-time EHA): N = " << res.glm.n << " unit-periods, " << res.glm.events
    << " events, log-likelihood " << fmt::format("{:.6f}", res.glm.log_likelihood) << ".\n"
    << "# Every superior endorses with signal 1, as in the risk set's V; no scripted events.\n"
    << "# Standard errors are in the fit's coefficient table; [uncertainty] holds the\n"
    << "# covariance (draw = true runs each replicate with its own draw of the estimates).\n"
    << t << "\n";
  res.scenario_toml = o.str();
  return res;
}

FitResult fit_study(const FitSpec& spec) {
  const auto loaded = io::load_scenario(spec.scenario, spec.overrides);
  const auto inputs = io::load_inputs(loaded.scenario, spec.covariates);
  const auto events =
      io::read_events(spec.events_path, *inputs.hierarchy, loaded.scenario.calendar);
  FitOptions fo;
  fo.covariates = spec.covariates;
  fo.link = spec.link;
  if (!spec.level.empty()) {
    const auto l = inputs.hierarchy->level_index(spec.level);
    if (!l) {
      throw Error(ErrorKind::usage,
                  fmt::format("--level: no level '{}' in the hierarchy", spec.level));
    }
    fo.level = *l;
  }
  io::check_output_path(spec.out, spec.force);
  return fit_scenario(loaded, inputs, events, fo);
}

std::vector<CheckRow> check_fit(const Model& model, const Summary& summary,
                                const io::EventsFile& events, int policy) {
  const auto& h = model.hierarchy();
  const auto n_periods = model.periods();
  const int nl = h.n_levels();
  std::vector<std::vector<double>> observed(nl, std::vector<double>(n_periods, 0.0));
  std::vector<bool> has(nl, false);
  for (const auto& a : events.adoptions) {
    if (a.policy != policy || a.period >= n_periods) {
      continue;
    }
    has[h.level(a.unit)] = true;
    for (std::int32_t t = a.period; t < n_periods; ++t) {
      observed[h.level(a.unit)][t] += 1;
    }
  }
  std::vector<CheckRow> out;
  for (const auto& row : summary.rows) {
    if (row.metric != Metric::adopted || row.policy != 0 || !has[row.level]) {
      continue;
    }
    out.push_back({h.level_names()[row.level], row.period,
                   period_label(model.scenario().calendar, row.period),
                   observed[row.level][row.period] / row.n_units, row.mean, row.q.front(),
                   row.q.back()});
  }
  return out;
}

namespace {

// The observed share lies inside the simulated 90% band.
bool inside_band(const CheckRow& r) {
  return r.observed >= r.sim_q05 - 1e-12 && r.observed <= r.sim_q95 + 1e-12;
}
}  // namespace

void write_check(const std::vector<CheckRow>& rows, io::TableWriter& w) {
  for (const auto& r : rows) {
    const bool inside = inside_band(r);
    w.text(r.level)
        .integer(r.period)
        .text(r.date)
        .real(r.observed)
        .real(r.sim_mean)
        .real(r.sim_q05)
        .real(r.sim_q95)
        .integer(inside ? 1 : 0)
        .end_row();
  }
}

std::vector<CheckLevel> check_by_level(const std::vector<CheckRow>& rows) {
  std::map<std::string, CheckLevel> by;
  for (const auto& r : rows) {
    auto& c = by[r.level];
    c.periods += 1;
    c.inside += inside_band(r) ? 1 : 0;
    c.last = r;
  }
  std::vector<CheckLevel> out;
  for (auto& [level, c] : by) {
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CheckRow> check_fit_study(const PreparedStudy& study, const std::string& events_path,
                                      const std::function<void(int, int)>& progress) {
  const auto& sc = study.model->scenario();
  const auto events = io::read_events(events_path, *study.inputs.hierarchy, sc.calendar);
  const auto results = run_ensemble(*study.model, sc.replicates, sc.threads, progress);
  const auto summary = summarise(*study.model, results, {0.05, 0.5, 0.95});
  return check_fit(*study.model, summary, events, 0);
}

}  // namespace pdlab::study
