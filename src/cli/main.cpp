// pdlab command-line interface: a thin client of the core and I/O libraries.
#include "core/errors.hpp"
#include "io/estimation_io.hpp"
#include "io/fit.hpp"
#include "io/results.hpp"
#include "io/study.hpp"

#include <fmt/core.h>
#include <sqlite3.h>
#include <tbb/version.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <sysexits.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

namespace {

int exit_code(pdlab::ErrorKind k) {
  using pdlab::ErrorKind;
  switch (k) {
    case ErrorKind::usage: return EX_USAGE;
    case ErrorKind::data: return EX_DATAERR;
    case ErrorKind::no_input: return EX_NOINPUT;
    case ErrorKind::cant_create: return EX_CANTCREAT;
    case ErrorKind::io: return EX_IOERR;
    case ErrorKind::config: return EX_CONFIG;
    case ErrorKind::internal: return EX_SOFTWARE;
  }
  return EX_SOFTWARE;
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) {
      s += ' ';
    }
    s += argv[i];
  }
  return s;
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

extern "C" void on_signal(int sig) {
  pdlab::io::remove_pending_output();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): CLI11 setup only
  CLI::App app{"pdlab: simulate and estimate policy diffusion through government hierarchies"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  std::string scenario;
  std::string out;
  std::vector<std::string> sets;
  bool force = false;
  std::int64_t seed = -1;
  int replicates = 0;
  int threads = -1;

  auto* run = app.add_subcommand("run", "Run a scenario and write results to a SQLite file");
  run->add_option("scenario", scenario, "Scenario TOML file")->required();
  run->add_option("--out,-o", out, "Results file (.sqlite)")->required();
  run->add_option("--set", sets,
                  "Override a scenario key: --set vertical.attenuation=0.3 (repeatable)");
  run->add_option("--seed", seed, "Master seed (overrides run.seed)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--replicates,-r", replicates, "Number of replicates (overrides run.replicates)")
      ->check(CLI::PositiveNumber);
  run->add_option("--threads,-t", threads, "Threads, 0 = all cores (overrides run.threads)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* validate =
      app.add_subcommand("validate", "Check a scenario and its inputs without running");
  validate->add_option("scenario", scenario, "Scenario TOML file")->required();
  validate->add_option("--set", sets, "Override a scenario key (repeatable)");

  std::string db;
  std::string table;
  std::string format = "csv";
  auto* exp = app.add_subcommand("export", "Export a results table as CSV");
  exp->add_option("results", db, "Results file written by `pdlab run`")->required();
  exp->add_option("--table", table,
                  "Table: meta, scenarios, params, levels, policies, runs, "
                  "adoptions, summary_time, unit_time")
      ->required();
  exp->add_option("--format", format, "Output format")->check(CLI::IsMember({"csv"}));
  exp->add_option("--out,-o", out, "Output file (default: standard output)");
  exp->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::string events_path;
  std::string covariates_path;
  std::vector<std::string> static_columns;
  std::string policy;
  std::string min_level;
  auto* riskset = app.add_subcommand(
      "riskset", "Build a discrete-time risk set (unit x period rows until adoption) as CSV");
  riskset
      ->add_option("scenario", scenario,
                   "Scenario TOML: hierarchy, edges, calendar and exposure parameters")
      ->required();
  riskset->add_option("--events", events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  riskset->add_option("--covariates", covariates_path,
                      "Time-varying covariates CSV: unit_id,time,variable,value");
  riskset->add_option("--static", static_columns, "Hierarchy attribute columns to include")
      ->delimiter(',');
  riskset->add_option("--policy", policy, "Only this policy (default: all, pooled)");
  riskset->add_option("--level", min_level, "Only units of this level (default: all levels)");
  riskset->add_option("--out,-o", out, "Output CSV (default: standard output)");
  riskset->add_option("--set", sets, "Override a scenario key (repeatable)");
  riskset->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::string table_path;
  std::string formula;
  std::string link = "cloglog";
  std::string cluster;
  std::string offset;
  auto* eha =
      app.add_subcommand("eha", "Fit a discrete-time event history model (logit or cloglog GLM)");
  eha->add_option("data", table_path, "Risk-set CSV (from `pdlab riskset` or any tool)")
      ->required();
  eha->add_option("--formula", formula,
                  "e.g. \"event ~ vertical + horizontal + factor(policy_id)\"")
      ->required();
  eha->add_option("--link", link, "Link function")->check(CLI::IsMember({"logit", "cloglog"}));
  eha->add_option("--cluster", cluster, "Column of cluster ids for cluster-robust standard errors");
  eha->add_option("--offset", offset, "Column used as an offset");
  eha->add_option("--out,-o", out, "Write the coefficient table as CSV");
  eha->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::string ties = "efron";
  std::string strata;
  auto* cox =
      app.add_subcommand("cox", "Fit a Cox proportional hazards model to (start, stop] data");
  cox->add_option("data", table_path, "CSV with start, stop, event and covariates")->required();
  cox->add_option("--formula", formula,
                  "e.g. \"Surv(tstart, tstop, event) ~ horizontal + log_gdp_pc\"")
      ->required();
  cox->add_option("--ties", ties, "Tied event times")->check(CLI::IsMember({"efron", "breslow"}));
  cox->add_option("--strata", strata, "Column defining strata (separate baseline hazards)");
  cox->add_option("--cluster", cluster, "Column of cluster ids for robust standard errors");
  cox->add_option("--out,-o", out, "Write the coefficient table as CSV");
  cox->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::string node_list;
  std::string model = "exponential";
  double alpha = 1.0;
  double epsilon = 1e-64;
  std::int64_t max_edges = 0;
  auto* infer = app.add_subcommand("infer", "Infer a diffusion network from cascades (NetInf)");
  infer->add_option("cascades", table_path, "Cascades CSV: node_name,event_time,cascade_id")
      ->required();
  infer->add_option("--nodes", node_list,
                    "Node list CSV (node_name); fixes node ids and tie order");
  infer->add_option("--model", model, "Transmission model")
      ->check(CLI::IsMember({"exponential", "power-law", "rayleigh"}));
  infer->add_option("--params", alpha, "Transmission parameter (rate, or power-law exponent)");
  infer->add_option("--epsilon", epsilon, "Probability of the background edge");
  infer->add_option("--edges,-k", max_edges, "Number of edges (default: all that improve)")
      ->check(CLI::NonNegativeNumber);
  infer->add_option("--out,-o", out, "Write the edges as CSV");
  infer->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::vector<std::string> fit_covariates;
  auto* fit_cmd = app.add_subcommand(
      "fit", "Estimate the engine's adoption hazard from events and write a runnable scenario");
  fit_cmd->add_option("scenario", scenario, "Scenario TOML: hierarchy, edges, calendar, exposures")
      ->required();
  fit_cmd->add_option("--events", events_path, "Adoption events CSV: unit_id,policy_id,time")
      ->required();
  fit_cmd->add_option("--covariates", fit_covariates, "Hierarchy attribute columns to include")
      ->delimiter(',');
  fit_cmd->add_option("--level", min_level, "Only units of this level are at risk");
  fit_cmd->add_option("--link", link, "Link function")->check(CLI::IsMember({"logit", "cloglog"}));
  fit_cmd->add_option("--out,-o", out, "Fitted scenario TOML")->required();
  fit_cmd->add_option("--set", sets, "Override a scenario key (repeatable)");
  fit_cmd->add_flag("--force,-f", force, "Replace the output file if it exists");

  std::string check_out;
  auto* check_fit_cmd = app.add_subcommand(
      "check-fit", "Simulate a fitted scenario and compare adoption curves with the events");
  check_fit_cmd->add_option("scenario", scenario, "Fitted scenario TOML (from `pdlab fit`)")
      ->required();
  check_fit_cmd->add_option("--events", events_path, "Observed adoption events CSV")->required();
  check_fit_cmd->add_option("--replicates,-r", replicates, "Replicates (overrides run.replicates)")
      ->check(CLI::PositiveNumber);
  check_fit_cmd->add_option("--seed", seed, "Master seed")->check(CLI::NonNegativeNumber);
  check_fit_cmd->add_option("--out,-o", check_out, "Comparison table CSV");
  check_fit_cmd->add_flag("--force,-f", force, "Replace the output file if it exists");

  auto* version = app.add_subcommand("version", "Print the version of pdlab and its libraries");

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return EX_USAGE;
  }

  try {
    if (*version) {
      fmt::print("pdlab {}\n", PDLAB_VERSION);
      fmt::print("oneTBB {}.{}, SQLite {}, fmt {}, CLI11 {}\nshipped data: {}\n", TBB_VERSION_MAJOR,
                 TBB_VERSION_MINOR, sqlite3_libversion(), FMT_VERSION, CLI11_VERSION,
                 pdlab::io::data_dir());
      return EX_OK;
    }
    if (*exp) {
      pdlab::io::export_csv_file(db, table, out, force);
      if (!out.empty() && out != "-") {
        fmt::print(stderr, "wrote {}\n", out);
      }
      return EX_OK;
    }
    if (*eha) {
      const auto data = pdlab::io::read_table(table_path);
      const auto f = pdlab::io::parse_formula(formula);
      const auto design = pdlab::io::build_design(data, f, offset, cluster);
      pdlab::GlmOptions gopt;
      gopt.link = link == "logit" ? pdlab::GlmLink::logit : pdlab::GlmLink::cloglog;
      gopt.clusters = design.clusters;
      const auto fit =
          pdlab::fit_binomial_glm(design.x, design.y, design.offset, design.names, gopt);
      std::ostringstream report;
      pdlab::io::print_glm(fit, fmt::format("Discrete-time EHA, {} link: {}", link, formula),
                           report);
      if (design.dropped_missing > 0) {
        report << "note: " << design.dropped_missing << " rows with missing values were dropped\n";
      }
      fmt::print("{}", report.str());
      if (!out.empty()) {
        pdlab::io::write_text_file(out, force,
                                   [&](std::ostream& o) { pdlab::io::write_glm_csv(fit, o); });
        fmt::print(stderr, "wrote {}\n", out);
      }
      return fit.converged ? EX_OK : EX_SOFTWARE;
    }
    if (*fit_cmd) {
      const auto loaded = pdlab::io::load_scenario(scenario, sets);
      const auto inputs = pdlab::io::load_inputs(loaded.scenario, fit_covariates);
      const auto events =
          pdlab::io::read_events(events_path, *inputs.hierarchy, loaded.scenario.calendar);
      pdlab::io::FitOptions fo;
      fo.covariates = fit_covariates;
      fo.link = link == "logit" ? pdlab::GlmLink::logit : pdlab::GlmLink::cloglog;
      if (!min_level.empty()) {
        const auto l = inputs.hierarchy->level_index(min_level);
        if (!l) {
          throw pdlab::Error(pdlab::ErrorKind::usage,
                             fmt::format("--level: no level '{}' in the hierarchy", min_level));
        }
        fo.level = *l;
      }
      pdlab::io::check_output_path(out, force);
      const auto res = pdlab::io::fit_scenario(loaded, inputs, events, fo);
      std::ostringstream report;
      pdlab::io::print_glm(res.glm,
                           fmt::format("Adoption hazard fitted to {} ({} link)", events_path, link),
                           report);
      for (const auto& note : res.notes) {
        report << "note: " << note << '\n';
      }
      fmt::print("{}", report.str());
      pdlab::io::write_text_file(out, force, [&](std::ostream& o) { o << res.scenario_toml; });
      fmt::print(stderr, "wrote {} (run it with `pdlab run`, compare with `pdlab check-fit`)\n",
                 out);
      return res.glm.converged ? EX_OK : EX_SOFTWARE;
    }
    if (*check_fit_cmd) {
      if (seed >= 0) {
        sets.push_back(fmt::format("run.seed={}", seed));
      }
      if (replicates > 0) {
        sets.push_back(fmt::format("run.replicates={}", replicates));
      }
      const auto study = pdlab::io::prepare_study(scenario, sets);
      const auto& sc = study.model->scenario();
      const auto events = pdlab::io::read_events(events_path, *study.inputs.hierarchy, sc.calendar);
      const auto results =
          pdlab::run_ensemble(*study.model, sc.replicates, sc.threads, progress_bar());
      const auto summary = pdlab::summarise(*study.model, results, {0.05, 0.5, 0.95});
      const auto rows = pdlab::io::check_fit(*study.model, summary, events, 0);
      std::map<std::string, std::pair<int, int>> inside;
      std::map<std::string, const pdlab::io::CheckRow*> last;
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
        fmt::print("{:<14} {:>10} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f} {:>10}/{}\n", lvl,
                   r->date, r->observed, r->sim_mean, r->sim_q05, r->sim_q95, c.first, c.second);
      }
      if (!check_out.empty()) {
        pdlab::io::write_text_file(check_out, force,
                                   [&](std::ostream& o) { pdlab::io::write_check_csv(rows, o); });
        fmt::print(stderr, "wrote {}\n", check_out);
      }
      return EX_OK;
    }
    if (*infer) {
      const auto casc = pdlab::io::read_cascades(table_path, node_list);
      pdlab::NetInfOptions nopt;
      nopt.model = model == "exponential" ? pdlab::Transmission::exponential
                   : model == "power-law" ? pdlab::Transmission::power_law
                                          : pdlab::Transmission::rayleigh;
      nopt.alpha = alpha;
      nopt.epsilon = epsilon;
      nopt.max_edges = max_edges;
      const auto r =
          pdlab::netinf(casc.events, static_cast<std::int32_t>(casc.node_names.size()), nopt);
      auto write = [&](std::ostream& o) { pdlab::io::write_netinf_csv(r, casc, o); };
      if (out.empty() || out == "-") {
        write(std::cout);
      } else {
        pdlab::io::write_text_file(out, force, write);
      }
      fmt::print(stderr,
                 "pdlab: NetInf ({}, params {}): {} edges from {} cascades over {} nodes; "
                 "log-likelihood {:.6f} -> {:.6f}; {} candidate edges, {} gain evaluations\n",
                 model, alpha, r.edges.size(), casc.cascade_ids.size(), casc.node_names.size(),
                 r.log_likelihood_initial, r.log_likelihood, r.candidate_edges, r.gain_evaluations);
      return EX_OK;
    }
    if (*cox) {
      const auto data = pdlab::io::read_table(table_path);
      auto f = pdlab::io::parse_formula(formula);
      const auto surv = pdlab::io::parse_surv(f.response);
      if (surv.empty()) {
        throw pdlab::Error(pdlab::ErrorKind::usage,
                           "--formula: the response must be Surv(start, stop, event)");
      }
      f.response = surv[2];
      f.intercept = false;
      const auto design = pdlab::io::build_design(data, f, "", cluster);
      pdlab::CoxOptions copt;
      copt.ties = ties == "breslow" ? pdlab::CoxTies::breslow : pdlab::CoxTies::efron;
      copt.clusters = design.clusters;
      const auto n = static_cast<Eigen::Index>(design.rows.size());
      Eigen::VectorXd start(n);
      Eigen::VectorXd stop(n);
      std::optional<std::size_t> strata_col;
      if (!strata.empty()) {
        strata_col = data.column(strata);
        if (!strata_col) {
          throw pdlab::Error(pdlab::ErrorKind::usage,
                             fmt::format("--strata: no column '{}'", strata));
        }
      }
      std::map<std::string, std::int64_t> strata_ids;
      for (const auto& name : {surv[0], surv[1]}) {
        if (!data.column(name)) {
          throw pdlab::Error(pdlab::ErrorKind::usage, fmt::format("Surv(): no column '{}'", name));
        }
      }
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto r = design.rows[static_cast<std::size_t>(i)];
        start[i] = data.num[*data.column(surv[0])][r];
        stop[i] = data.num[*data.column(surv[1])][r];
        if (strata_col) {
          copt.strata.push_back(
              strata_ids.emplace(data.text[*strata_col][r], strata_ids.size()).first->second);
        }
      }
      const auto fit = pdlab::fit_cox(design.x, start, stop, design.y, design.names, copt);
      std::ostringstream report;
      pdlab::io::print_cox(fit, fmt::format("Cox proportional hazards, {} ties: {}", ties, formula),
                           report);
      if (design.dropped_missing > 0) {
        report << "note: " << design.dropped_missing << " rows with missing values were dropped\n";
      }
      fmt::print("{}", report.str());
      if (!out.empty()) {
        pdlab::io::write_text_file(out, force,
                                   [&](std::ostream& o) { pdlab::io::write_cox_csv(fit, o); });
        fmt::print(stderr, "wrote {}\n", out);
      }
      return fit.converged ? EX_OK : EX_SOFTWARE;
    }
    if (*riskset) {
      const auto loaded = pdlab::io::load_scenario(scenario, sets);
      const auto inputs = pdlab::io::load_inputs(loaded.scenario, static_columns);
      const auto& h = *inputs.hierarchy;
      const auto& sc = loaded.scenario;
      const auto events = pdlab::io::read_events(events_path, h, sc.calendar);
      pdlab::RiskSetOptions ro;
      ro.periods = sc.calendar.periods;
      ro.attenuation = sc.vertical.attenuation;
      ro.sibling_weight = sc.adoption.sibling_weight;
      ro.edge_weight = sc.adoption.edge_weight;
      for (const auto& c : static_columns) {
        const auto a = h.attribute_index(c);
        if (!a) {
          throw pdlab::Error(pdlab::ErrorKind::usage,
                             fmt::format("--static: the hierarchy has no numeric column '{}'", c));
        }
        ro.static_columns.push_back(*a);
      }
      if (!policy.empty()) {
        const auto it = std::find(events.policy_ids.begin(), events.policy_ids.end(), policy);
        if (it == events.policy_ids.end()) {
          throw pdlab::Error(pdlab::ErrorKind::usage,
                             fmt::format("--policy: no event has policy_id '{}'", policy));
        }
        ro.policies.push_back(static_cast<std::int32_t>(it - events.policy_ids.begin()));
      }
      if (!min_level.empty()) {
        const auto l = h.level_index(min_level);
        if (!l) {
          throw pdlab::Error(pdlab::ErrorKind::usage,
                             fmt::format("--level: no level '{}' in the hierarchy", min_level));
        }
        ro.level = *l;
      }
      std::vector<pdlab::TimeVaryingCovariate> tv;
      if (!covariates_path.empty()) {
        tv = pdlab::io::read_time_varying(covariates_path, h, sc.calendar);
      }
      const auto rs = pdlab::build_riskset(h, *inputs.network, events.adoptions,
                                           static_cast<int>(events.policy_ids.size()), tv, ro);
      auto write = [&](std::ostream& o) {
        pdlab::io::write_riskset_csv(rs, h, sc.calendar, events.policy_ids, o);
      };
      if (out.empty() || out == "-") {
        write(std::cout);
      } else {
        pdlab::io::write_text_file(out, force, write);
      }
      std::int64_t n_events = 0;
      for (auto e : rs.event) {
        n_events += e;
      }
      fmt::print(
          stderr, "pdlab: risk set of {} rows, {} events, {} policies{}{}\n", rs.rows(), n_events,
          events.policy_ids.size(),
          events.after_horizon
              ? fmt::format("; {} events after the horizon are censored", events.after_horizon)
              : "",
          events.outside_subtree
              ? fmt::format("; {} events outside the subtree ignored", events.outside_subtree)
              : "");
      return EX_OK;
    }
    if (seed >= 0) {
      sets.push_back(fmt::format("run.seed={}", seed));
    }
    if (replicates > 0) {
      sets.push_back(fmt::format("run.replicates={}", replicates));
    }
    if (threads >= 0) {
      sets.push_back(fmt::format("run.threads={}", threads));
    }
    const auto study = pdlab::io::prepare_study(scenario, sets);
    const auto& h = *study.inputs.hierarchy;
    const auto& sc = study.model->scenario();
    std::string levels;
    for (int l = 0; l < h.n_levels(); ++l) {
      levels += fmt::format("{}{} {}", l ? ", " : "", h.level_begin(l + 1) - h.level_begin(l),
                            h.level_names()[l]);
    }
    for (const auto& w : study.model->warnings()) {
      fmt::print(stderr, "pdlab: warning: {}\n", w);
    }
    if (*validate) {
      fmt::print("{}: valid. {} units ({}), {} extra peer edges", scenario, h.size(), levels,
                 study.inputs.network->n_edges());
      if (study.inputs.network->dropped() > 0) {
        fmt::print(" ({} outside the subtree dropped)", study.inputs.network->dropped());
      }
      fmt::print("; {} policies, {} events, {} periods, {} replicates.\n", sc.policies.size(),
                 sc.events.size(), sc.calendar.periods, sc.replicates);
      return EX_OK;
    }
    fmt::print(stderr, "pdlab: {} units ({}), {} periods, {} replicates\n", h.size(), levels,
               sc.calendar.periods, sc.replicates);
    const auto rep = pdlab::io::run_study(study, out, force, join_args(argc, argv), progress_bar());
    fmt::print(stderr, "pdlab: simulated in {:.2f} s, wrote {} in {:.2f} s ({} adoptions)\n",
               rep.seconds_simulate, out, rep.seconds_write, rep.adoptions);
    fmt::print("{}\n", out);
    return EX_OK;
  } catch (const pdlab::Error& e) {
    fmt::print(stderr, "pdlab: error: {}\n", e.what());
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "pdlab: error: out of memory\n");
    return EX_OSERR;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pdlab: internal error: {}\n", e.what());
    return EX_SOFTWARE;
  }
}
