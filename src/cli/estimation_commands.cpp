// The subcommands of pdlab that estimate: riskset, eha, cox, infer, fit, check-fit.
#include "cli/commands.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <sysexits.h>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

namespace pdlab::cli {

namespace {

// Prints a fitted model's report (with a note on dropped rows), writes its table if asked,
// and turns non-convergence into a failing exit code.
int finish_fit(const std::string& report, std::int64_t dropped, const Args& args,
               const std::string& table, const std::function<void(io::TableWriter&)>& rows,
               bool converged) {
  fmt::print("{}", report);
  if (dropped > 0) {
    fmt::print("note: {} rows with missing values were dropped\n", dropped);
  }
  if (!converged) {
    // Estimates of a fit that did not converge are not results: nothing is written.
    throw Error(ErrorKind::data,
                "the model did not converge" +
                    (args.out.empty() ? std::string() : "; " + args.out + " was not written") +
                    ". Fix: check the data for separation (a covariate that predicts the event "
                    "perfectly), drop or combine such terms, or rescale covariates");
  }
  if (!args.out.empty()) {
    io::write_table(args.out, args.force, io::table_schema(table), rows);
    fmt::print(stderr, "wrote {}\n", args.out);
  }
  return EX_OK;
}

// An output table's path is checked before any work (a long fit does not fail at the end).
void check_table_output(const Args& args) {
  if (!args.out.empty() && args.out != "-") {
    io::check_output_path(args.out, args.force);
  }
}

}  // namespace

int cmd_riskset(Args& args) {
  check_table_output(args);
  const auto loaded = io::load_scenario(args.scenario, args.sets);
  const auto inputs = io::load_inputs(loaded.scenario, args.static_columns);
  const auto& h = *inputs.hierarchy;
  const auto& sc = loaded.scenario;
  const auto events = io::read_events(args.events_path, h, sc.calendar);
  RiskSetOptions ro;
  ro.periods = sc.calendar.periods;
  ro.attenuation = sc.vertical.attenuation;
  ro.sibling_weight = sc.adoption.sibling_weight;
  ro.edge_weight = sc.adoption.edge_weight;
  ro.first_period = io::unit_first_periods(h, sc.calendar);
  for (const auto& c : args.static_columns) {
    const auto a = h.attribute_index(c);
    if (!a) {
      throw Error(ErrorKind::usage,
                  fmt::format("--static: the hierarchy has no numeric column '{}'", c));
    }
    ro.static_columns.push_back(*a);
  }
  if (!args.policy.empty()) {
    const auto it = std::find(events.policy_ids.begin(), events.policy_ids.end(), args.policy);
    if (it == events.policy_ids.end()) {
      throw Error(ErrorKind::usage,
                  fmt::format("--policy: no event has policy_id '{}'", args.policy));
    }
    ro.policies.push_back(static_cast<std::int32_t>(it - events.policy_ids.begin()));
  }
  if (!args.min_level.empty()) {
    const auto l = h.level_index(args.min_level);
    if (!l) {
      throw Error(ErrorKind::usage,
                  fmt::format("--level: no level '{}' in the hierarchy", args.min_level));
    }
    ro.level = *l;
  }
  std::vector<TimeVaryingCovariate> tv;
  if (!args.covariates_path.empty()) {
    tv = io::read_time_varying(args.covariates_path, h, sc.calendar);
  }
  const auto rs = build_riskset(h, *inputs.network, events.adoptions,
                                static_cast<int>(events.policy_ids.size()), tv, ro);
  io::write_table(args.out, args.force, io::riskset_schema(rs), [&](io::TableWriter& w) {
    io::write_riskset(rs, h, sc.calendar, events.policy_ids, w);
  });
  std::int64_t n_events = 0;
  for (auto e : rs.event) {
    n_events += e;
  }
  fmt::print(stderr, "pdlab: risk set of {} rows, {} events, {} policies{}{}\n", rs.rows(),
             n_events, events.policy_ids.size(),
             events.after_horizon
                 ? fmt::format("; {} events after the horizon are censored", events.after_horizon)
                 : "",
             events.outside_subtree
                 ? fmt::format("; {} events outside the subtree ignored", events.outside_subtree)
                 : "");
  return EX_OK;
}

int cmd_eha(Args& args) {
  check_table_output(args);
  const auto data = io::read_table(args.table_path);
  const auto f = io::parse_formula(args.formula);
  const auto design = io::build_design(data, f, args.offset, args.cluster);
  const auto c_event = *data.column(f.response);
  for (std::size_t i = 0; i < design.rows.size(); ++i) {
    const double ev = design.y[static_cast<Eigen::Index>(i)];
    if (ev != 0 && ev != 1) {
      const auto r = design.rows[i];
      fail(ErrorKind::data,
           {data.path, data.line[r], f.response, std::string(data.text[c_event][r])},
           "the response must be 0 or 1", "code an adoption as 1 and a period at risk as 0");
    }
  }
  GlmOptions gopt;
  gopt.link = args.link == "logit" ? GlmLink::logit : GlmLink::cloglog;
  gopt.clusters = design.clusters;
  const auto fit = fit_binomial_glm(design.x, design.y, design.offset, design.names, gopt);
  std::ostringstream report;
  io::print_glm(fit, fmt::format("Discrete-time EHA, {} link: {}", args.link, args.formula),
                report);
  return finish_fit(
      report.str(), design.dropped_missing, args, "eha",
      [&](io::TableWriter& w) { io::write_glm(fit, w); }, fit.converged);
}

int cmd_cox(Args& args) {
  check_table_output(args);
  const auto data = io::read_table(args.table_path);
  auto f = io::parse_formula(args.formula);
  const auto surv = io::parse_surv(f.response);
  if (surv.empty()) {
    throw Error(ErrorKind::usage, "--formula: the response must be Surv(start, stop, event)");
  }
  f.response = surv[2];
  f.intercept = false;
  const auto design = io::build_design(data, f, "", args.cluster);
  CoxOptions copt;
  copt.ties = args.ties == "breslow" ? CoxTies::breslow : CoxTies::efron;
  copt.clusters = design.clusters;
  const auto n = static_cast<Eigen::Index>(design.rows.size());
  Eigen::VectorXd start(n);
  Eigen::VectorXd stop(n);
  std::optional<std::size_t> strata_col;
  if (!args.strata.empty()) {
    strata_col = data.column(args.strata);
    if (!strata_col) {
      throw Error(ErrorKind::usage, fmt::format("--strata: no column '{}'", args.strata));
    }
  }
  std::map<std::string, std::int64_t> strata_ids;
  for (const auto& name : {surv[0], surv[1]}) {
    if (!data.column(name)) {
      throw Error(ErrorKind::usage, fmt::format("Surv(): no column '{}'", name));
    }
  }
  const auto c_start = *data.column(surv[0]);
  const auto c_stop = *data.column(surv[1]);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto r = design.rows[static_cast<std::size_t>(i)];
    start[i] = data.num[c_start][r];
    stop[i] = data.num[c_stop][r];
    // Checked here, where the file and line are known: the column that is wrong is named.
    const auto where = [&](std::size_t c) {
      return Where{data.path, data.line[r], data.names[c], std::string(data.text[c][r])};
    };
    if (!std::isfinite(start[i])) {
      fail(ErrorKind::data, where(c_start), "the interval start is not a number",
           "give each row a numeric start time");
    }
    if (!std::isfinite(stop[i])) {
      fail(ErrorKind::data, where(c_stop), "the interval end is not a number",
           "give each row a numeric end time");
    }
    if (!(start[i] < stop[i])) {
      fail(ErrorKind::data, where(c_stop),
           fmt::format("the interval ({}, {}] is empty: {} must be greater than {} = {}", start[i],
                       stop[i], surv[1], surv[0], data.text[c_start][r]),
           "each row is an interval (start, stop] with start < stop");
    }
    const double ev = design.y[i];
    if (ev != 0 && ev != 1) {
      fail(ErrorKind::data, where(*data.column(surv[2])), "the event indicator must be 0 or 1",
           "code an event as 1 and censoring as 0");
    }
    if (strata_col) {
      copt.strata.push_back(
          strata_ids.emplace(data.text[*strata_col][r], strata_ids.size()).first->second);
    }
  }
  const auto fit = fit_cox(design.x, start, stop, design.y, design.names, copt);
  std::ostringstream report;
  io::print_cox(fit, fmt::format("Cox proportional hazards, {} ties: {}", args.ties, args.formula),
                report);
  return finish_fit(
      report.str(), design.dropped_missing, args, "cox",
      [&](io::TableWriter& w) { io::write_cox(fit, w); }, fit.converged);
}

int cmd_infer(Args& args) {
  check_table_output(args);
  const auto casc = io::read_cascades(args.table_path, args.node_list);
  NetInfOptions nopt;
  nopt.model = args.model == "exponential" ? Transmission::exponential
               : args.model == "power-law" ? Transmission::power_law
                                           : Transmission::rayleigh;
  nopt.flavour =
      args.flavour == "networkinference" ? NetInfFlavour::networkinference : NetInfFlavour::snap;
  if (args.params_given && !(std::isfinite(args.alpha) && args.alpha > 0)) {
    throw Error(ErrorKind::usage, fmt::format("--params {}: the transmission parameter must be a "
                                              "finite number > 0. Fix: give e.g. --params 0.5",
                                              args.alpha));
  }
  nopt.p_value_cutoff = args.p_value_cutoff;
  nopt.alpha = args.alpha;
  if (nopt.flavour == NetInfFlavour::networkinference && !args.params_given) {
    nopt.alpha = netinf_default_parameter(casc.events, nopt.model);
    fmt::print(stderr, "pdlab: transmission parameter estimated from the cascades: {}\n",
               nopt.alpha);
  }
  nopt.epsilon = args.epsilon;
  nopt.max_edges = args.max_edges;
  const auto r = netinf(casc.events, static_cast<std::int32_t>(casc.node_names.size()), nopt);
  io::write_table(args.out, args.force, io::table_schema("edges"),
                  [&](io::TableWriter& w) { io::write_netinf(r, casc, w); });
  fmt::print(stderr,
             "pdlab: NetInf ({}, params {}): {} edges from {} cascades over {} nodes; "
             "log-likelihood {:.6f} -> {:.6f}; {} candidate edges, {} gain evaluations\n",
             args.model, nopt.alpha, r.edges.size(), casc.cascade_ids.size(),
             casc.node_names.size(), r.log_likelihood_initial, r.log_likelihood, r.candidate_edges,
             r.gain_evaluations);
  return EX_OK;
}

int cmd_fit(Args& args) {
  const auto loaded = io::load_scenario(args.scenario, args.sets);
  const auto inputs = io::load_inputs(loaded.scenario, args.fit_covariates);
  const auto events =
      io::read_events(args.events_path, *inputs.hierarchy, loaded.scenario.calendar);
  io::FitOptions fo;
  fo.covariates = args.fit_covariates;
  fo.link = args.link == "logit" ? GlmLink::logit : GlmLink::cloglog;
  if (!args.min_level.empty()) {
    const auto l = inputs.hierarchy->level_index(args.min_level);
    if (!l) {
      throw Error(ErrorKind::usage,
                  fmt::format("--level: no level '{}' in the hierarchy", args.min_level));
    }
    fo.level = *l;
  }
  io::check_output_path(args.out, args.force);
  const auto res = io::fit_scenario(loaded, inputs, events, fo);
  std::ostringstream report;
  io::print_glm(res.glm,
                fmt::format("Adoption hazard fitted to {} ({} link)", args.events_path, args.link),
                report);
  for (const auto& note : res.notes) {
    report << "note: " << note << '\n';
  }
  fmt::print("{}", report.str());
  if (!res.glm.converged) {
    throw Error(ErrorKind::data,
                "the adoption hazard did not converge; " + args.out +
                    " was not written. Fix: check for separation (a term that predicts adoption "
                    "perfectly), drop it or choose another --level");
  }
  io::write_text_file(args.out, args.force, [&](std::ostream& o) { o << res.scenario_toml; });
  fmt::print(stderr, "wrote {} (run it with `pdlab run`, compare with `pdlab check-fit`)\n",
             args.out);
  return EX_OK;
}

int cmd_check_fit(Args& args) {
  add_run_overrides(args);
  if (!args.check_out.empty()) {
    io::check_output_path(args.check_out, args.force);
  }
  const auto study = io::prepare_study(args.scenario, args.sets);
  const auto& sc = study.model->scenario();
  const auto rows = io::check_fit_study(study, args.events_path, progress_bar());
  std::map<std::string, std::pair<int, int>> inside;
  std::map<std::string, const io::CheckRow*> last;
  for (const auto& r : rows) {
    auto& c = inside[r.level];
    c.second += 1;
    c.first += (r.observed >= r.sim_q05 - 1e-12 && r.observed <= r.sim_q95 + 1e-12) ? 1 : 0;
    last[r.level] = &r;
  }
  fmt::print("Observed vs simulated cumulative adoption ({} replicates, 90% bands)\n",
             sc.replicates);
  fmt::print("{:<14} {:>10} {:>10} {:>10} {:>10} {:>10} {:>16}\n", "level", "end", "observed",
             "sim mean", "sim q05", "sim q95", "periods inside");
  for (const auto& [lvl, c] : inside) {
    const auto* r = last[lvl];
    fmt::print("{:<14} {:>10} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f} {:>10}/{}\n", lvl, r->date,
               r->observed, r->sim_mean, r->sim_q05, r->sim_q95, c.first, c.second);
  }
  if (!args.check_out.empty()) {
    io::write_table(args.check_out, args.force, io::table_schema("check_fit"),
                    [&](io::TableWriter& w) { io::write_check(rows, w); });
    fmt::print(stderr, "wrote {}\n", args.check_out);
  }
  return EX_OK;
}

void add_run_overrides(Args& args) {
  if (args.seed >= 0) {
    args.sets.push_back(fmt::format("run.seed={}", args.seed));
  }
  if (args.replicates > 0) {
    args.sets.push_back(fmt::format("run.replicates={}", args.replicates));
  }
  if (args.threads >= 0) {
    args.sets.push_back(fmt::format("run.threads={}", args.threads));
  }
}

// A progress bar on stderr, only when stderr is a terminal.
std::function<void(int, int)> progress_bar() {
  if (isatty(STDERR_FILENO) == 0) {
    return {};
  }
  auto mtx = std::make_shared<std::mutex>();
  return [mtx](int done, int total) {
    std::lock_guard lock(*mtx);
    const int width = 30;
    const int filled = total > 0 ? done * width / total : width;
    fmt::print(stderr, "\r[{}{}] {}/{} replicates", std::string(filled, '#'),
               std::string(width - filled, '.'), done, total);
    if (done == total) {
      fmt::print(stderr, "\n");
    }
  };
}

}  // namespace pdlab::cli
