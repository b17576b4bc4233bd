#include "pdlab/study/out_of_sample.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>

namespace pdlab::study {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The last training period of `date`: inside the calendar, with periods left to score.
std::int32_t training_end(const Calendar& cal, const std::string& date) {
  const std::string last = period_label(cal, cal.periods - 1);
  const std::string fix = fmt::format("give a date from {} to the period before {} (the last)",
                                      period_label(cal, 0), last);
  std::int32_t t = 0;
  try {
    t = to_period(cal, date, "--train-until");
  } catch (const Error& e) {
    // (its own message would name the field twice and suggest moving the calendar's start,
    // which is the fitted scenario's)
    const bool before = std::string_view(e.what()).find("before the calendar") != std::string::npos;
    fail(ErrorKind::usage, {"", 0, "--train-until", date},
         fmt::format("{}: the data's calendar runs from {} to {}",
                     before ? "the date is before the calendar's start" : "not a date",
                     period_label(cal, 0), last),
         fix);
  }
  if (t >= cal.periods) {
    fail(ErrorKind::usage, {"", 0, "--train-until", date},
         fmt::format("the date is after the data, which end in {}", last), fix);
  }
  if (t == cal.periods - 1) {
    fail(ErrorKind::usage, {"", 0, "--train-until", date},
         fmt::format("{} is the last period of the data: no period is left to score", last), fix);
  }
  return t;
}

// The levels the fitted scenario lets adopt: those with a finite intercept.
std::vector<std::uint8_t> fitted_levels(const Scenario& sc, const Hierarchy& h) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(h.n_levels()), 0);
  for (int l = 0; l < h.n_levels(); ++l) {
    const auto it = sc.adoption.alpha.find(h.level_names()[l]);
    const double a = it != sc.adoption.alpha.end() ? it->second : sc.adoption.alpha_default;
    out[static_cast<std::size_t>(l)] = std::isfinite(a) ? 1 : 0;
  }
  return out;
}

// The fit's right-hand side, from the "# Terms: " line `pdlab fit` writes at the top of the
// fitted scenario, and that line's number; empty (the default terms) and 0 when the file has
// none.
struct FittedTerms {
  std::string terms;
  std::int64_t line = 0;
};
FittedTerms fitted_terms(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  for (int n = 0; n < 8 && std::getline(in, line); ++n) {
    if (line.rfind("# Terms: ", 0) == 0) {
      return {line.substr(9), n + 1};
    }
  }
  return {};
}

// Refuses, before the refit, a fit whose terms name a column the refit's risk set cannot have:
// only the exposures and the hierarchy's columns are rebuilt from the fitted scenario; a
// time-varying covariate (`pdlab fit --covariates`) or another policy's events
// (--event-covariate) entered the fit from files the fitted scenario does not record.
void check_refittable(const Scenario& sc, const FitOptions& fo, const FittedTerms& fitted) {
  if (fo.terms.empty()) {
    return;
  }
  const auto& exposures = riskset_exposure_columns();
  std::vector<std::string> bad;
  std::vector<std::string> kept;
  for (const auto& term : io::parse_formula("event ~ " + fo.terms).terms) {
    bool ok = true;
    for (const auto& part : io::term_parts(term)) {
      ok = ok && (part.column == "period" ||  // fit reads it as the trend's column
                  std::find(exposures.begin(), exposures.end(), part.column) != exposures.end() ||
                  std::find(fo.covariates.begin(), fo.covariates.end(), part.column) !=
                      fo.covariates.end());
    }
    (ok ? kept : bad).push_back(term);
  }
  if (bad.empty()) {
    return;
  }
  std::string names;
  std::string rest;
  for (const auto& t : bad) {
    names += (names.empty() ? "" : ", ") + t;
  }
  for (const auto& t : kept) {
    rest += (rest.empty() ? "" : " + ") + t;
  }
  fail(ErrorKind::usage, {sc.file, fitted.line, "# Terms", names},
       fmt::format("--train-until refits the fit's terms on the events up to that date, but {} "
                   "cannot be rebuilt: {} neither a hierarchy column nor an exposure ({}, {}, "
                   "{}, {}), so {} from the fit's --covariates file (time-varying) or "
                   "--event-covariate, which the refit cannot rebuild (the fitted scenario "
                   "carries {} only as estimates: folded into the intercept at the mean, per "
                   "unit, as the policy's profile over time, or as another policy's "
                   "replayed adoptions and a booster)",
                   bad.size() == 1 ? "this term" : "these terms",
                   bad.size() == 1 ? "it names" : "they name", exposures[0], exposures[1],
                   exposures[2], exposures[3], bad.size() == 1 ? "it came" : "they came",
                   bad.size() == 1 ? "it" : "them"),
       fmt::format("{}check this scenario in sample (check-fit without --train-until)",
                   rest.empty() ? std::string("fit again with terms of the exposures or hierarchy "
                                              "columns (--static) and check that scenario with "
                                              "--train-until, or ")
                                : fmt::format("fit again without {} (pdlab fit ... --terms \"{}\") "
                                              "and check that scenario with --train-until, or ",
                                              bad.size() == 1 ? "it" : "them", rest)));
}

// The specification of the fitted scenario, for the refit: link, covariates (adoption.beta's
// keys and the hierarchy columns the terms name), levels, and the fit's terms.
FitOptions refit_options(const Scenario& sc, const Hierarchy& h,
                         const std::vector<std::uint8_t>& levels) {
  FitOptions fo;
  for (const auto& [column, value] : sc.adoption.beta) {
    fo.covariates.push_back(column);
  }
  const auto fitted = fitted_terms(sc.file);
  fo.terms = fitted.terms;
  std::string word;
  const auto add_column = [&] {
    if (!word.empty() && h.attribute_index(word) &&
        std::find(fo.covariates.begin(), fo.covariates.end(), word) == fo.covariates.end()) {
      fo.covariates.push_back(word);
    }
    word.clear();
  };
  for (const char c : fo.terms) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.') {
      word += c;
    } else {
      add_column();
    }
  }
  add_column();
  check_refittable(sc, fo, fitted);
  fo.link = sc.adoption.link == Link::logit ? GlmLink::logit : GlmLink::cloglog;
  int n = 0;
  for (std::size_t l = 0; l < levels.size(); ++l) {
    if (levels[l] != 0) {
      fo.level = n == 0 ? static_cast<int>(l) : -1;
      ++n;
    }
  }
  return fo;
}

}  // namespace

OutOfSampleResult out_of_sample_study(const PreparedStudy& study, const std::string& events_path,
                                      const std::string& train_until,
                                      const std::function<void(int, int)>& progress,
                                      const std::string& policy) {
  const auto& sc = study.model->scenario();
  const auto& cal = sc.calendar;
  const auto& h = *study.inputs.hierarchy;
  OutOfSampleResult res;
  // The compared policy's events alone (policy 0), as check-fit in sample reads them.
  const auto events = read_compared_events(*study.model, events_path, policy, res.notes);
  const std::int32_t train_end = training_end(cal, train_until);
  if (const auto note = io::outside_subtree_note(events); !note.empty()) {
    res.notes.push_back(note);
  }
  if (!events.padded_ids_note.empty()) {
    res.notes.push_back(events.padded_ids_note);
  }
  res.train_end = train_end;
  res.train_until = period_label(cal, train_end);
  res.first_scored = period_label(cal, train_end + 1);
  res.last_scored = period_label(cal, cal.periods - 1);
  for (std::int32_t t = train_end + 1; t < cal.periods; ++t) {
    res.period_labels.push_back(period_label(cal, t));
  }
  const std::int32_t window = cal.periods - train_end - 1;
  // The population (units of the fitted levels) and each unit's observed adoption period.
  const auto levels = fitted_levels(sc, h);
  std::vector<std::int32_t> adopted(static_cast<std::size_t>(h.size()), kNever);
  for (const auto& a : events.adoptions) {
    auto& p = adopted[static_cast<std::size_t>(a.unit)];
    p = std::min(p, a.period);
  }
  std::vector<std::int32_t> scored_index(static_cast<std::size_t>(h.size()), -1);
  std::vector<std::int32_t> observed;  // per scored unit, coded as ForecastEnsemble
  std::vector<double> train_counts(static_cast<std::size_t>(train_end) + 1, 0.0);
  std::int64_t other_held_out = 0;
  for (std::int32_t u = 0; u < h.size(); ++u) {
    const auto p = adopted[static_cast<std::size_t>(u)];
    if (levels[static_cast<std::size_t>(h.level(u))] == 0) {
      other_held_out += p > train_end && p < cal.periods ? 1 : 0;
      continue;
    }
    ++res.population;
    if (p <= train_end) {
      ++res.train_events;
      for (std::int32_t t = p; t <= train_end; ++t) {
        train_counts[static_cast<std::size_t>(t)] += 1;
      }
      continue;
    }
    scored_index[static_cast<std::size_t>(u)] = static_cast<std::int32_t>(observed.size());
    const bool held_out = p < cal.periods;
    res.held_out_events += held_out ? 1 : 0;
    observed.push_back(held_out ? p - train_end - 1 : window);
  }
  res.units = static_cast<std::int64_t>(observed.size());
  if (res.train_events == 0) {
    fail(ErrorKind::usage, {"", 0, "--train-until", train_until},
         fmt::format("no unit of the fitted levels adopted by {}: nothing to fit", res.train_until),
         "train until a later date");
  }
  if (train_end < 1) {
    // The logistic baseline fits a curve through the training periods' counts.
    fail(ErrorKind::usage, {"", 0, "--train-until", train_until},
         fmt::format("the training window is one period ({}): the logistic baseline needs at "
                     "least two",
                     res.train_until),
         "train until a later date (from " + period_label(cal, 1) + ")");
  }
  if (res.held_out_events == 0) {
    fail(ErrorKind::usage, {"", 0, "--train-until", train_until},
         fmt::format("no unit of the fitted levels adopted after {}: no held-out event to score",
                     res.train_until),
         "train until an earlier date");
  }
  if (other_held_out > 0) {
    res.notes.push_back(
        fmt::format("{} held-out adoptions at levels the scenario does not fit are not scored; "
                    "in the forecast those levels stay as they were at the training end (the "
                    "refit replays their training adoptions only), so the fitted levels below "
                    "them see no new vertical exposure",
                    other_held_out));
  }
  const double before = static_cast<double>(res.train_events);
  const auto R = static_cast<std::int32_t>(sc.replicates);
  res.replicates = R;

  // 1. The model: refit on the training periods, simulate forward from the observed state.
  {
    const auto t0 = Clock::now();
    io::LoadedScenario train = study.loaded;
    train.scenario.calendar.periods = train_end + 1;
    io::EventsFile train_events = events;
    std::erase_if(train_events.adoptions,
                  [&](const ObservedAdoption& a) { return a.period > train_end; });
    const auto fit = fit_scenario(train, study.inputs, train_events, refit_options(sc, h, levels));
    if (!fit.glm.converged) {
      fail(ErrorKind::usage, {"", 0, "--train-until", train_until},
           "the fit on the training periods did not converge", "train until a later date");
    }
    for (const auto& n : fit.notes) {
      if (n.find("could not be estimated") != std::string::npos) {
        res.notes.push_back("training fit: " + n);
      }
    }
    std::vector<std::string> overrides;
    if (sc.uncertainty.draw) {
      overrides.emplace_back("uncertainty.draw=true");
    }
    // A term the training events cannot estimate (e.g. separated: no adopter among the
    // exposed) can diverge beyond the key's range; the scenario check refuses it.
    io::LoadedScenario refit;
    try {
      refit = io::parse_scenario(fit.scenario_toml,
                                 fmt::format("the fit on the periods to {}", res.train_until),
                                 overrides);
    } catch (const Error& e) {
      // The refit's text is no file: its "name:line: " prefix would read as one.
      std::string what = e.what();
      what = what.substr(0, what.find(". Fix:"));
      if (const auto field = what.find("field '"); field != std::string::npos) {
        what = what.substr(field);
      }
      // The data before that date are what fail (exit 65, as the other data errors).
      fail(ErrorKind::data, {"", 0, "--train-until", train_until},
           fmt::format("the training events cannot estimate the hazard ({})", what),
           "train until a later date, or fit fewer terms");
    }
    const Model model(refit.scenario, h, *study.inputs.network);
    ObservedStart start;
    start.start = train_end + 1;
    start.adoptions.resize(1);
    for (std::int32_t u = 0; u < h.size(); ++u) {
      if (adopted[static_cast<std::size_t>(u)] <= train_end) {
        start.adoptions[0].push_back({u, adopted[static_cast<std::size_t>(u)]});
      }
    }
    RunOptions ro;
    ro.observed = &start;
    const auto results = run_ensemble(model, R, sc.threads, progress, ro);
    ForecastEnsemble e(static_cast<std::int32_t>(res.units), window, R);
    for (const auto& rr : results) {
      for (const auto& a : rr.adoptions) {
        const auto i = scored_index[static_cast<std::size_t>(a.unit)];
        if (a.policy == 0 && i >= 0 && a.period > train_end) {
          auto& o = e.at(rr.replicate, i);
          o = std::min(o, a.period - train_end - 1);
        }
      }
    }
    OutOfSampleMethod m{"model", score_forecast(e, observed, before), 0, ""};
    std::string coefs;
    for (std::size_t j = 0; j < fit.glm.names.size(); ++j) {
      // An aliased term is set to 0 in the refitted scenario (the note above says so); its
      // coefficient is NaN in the fit, as R's NA.
      const bool aliased = j < fit.glm.aliased.size() && fit.glm.aliased[j];
      coefs += aliased ? fmt::format("{}{} = 0 (aliased)", j == 0 ? "" : ", ", fit.glm.names[j])
                       : fmt::format("{}{} = {:.4g}", j == 0 ? "" : ", ", fit.glm.names[j],
                                     fit.glm.coef[j]);
    }
    m.fitted =
        fmt::format("refit on {} unit-periods, {} events: {}{}", fit.glm.n, fit.glm.events, coefs,
                    sc.uncertainty.draw ? "; one coefficient draw per replicate" : "");
    m.seconds = seconds_since(t0);
    res.methods.push_back(std::move(m));
  }
  const std::uint64_t seed = sc.seed;
  // 2. Constant hazard: events over unit-periods at risk in the training periods, as the risk
  // set counts them (docs/model.md 7.7): from the unit's first period and the policy's, while
  // the unit exists and its tier is not abolished, for units of the policy's types, to its
  // adoption or the training end.
  {
    const auto t0 = Clock::now();
    const auto first = io::unit_first_periods(h, cal);
    const auto& model = *study.model;
    const auto& rs = model.restructuring();
    const bool has_policy = model.n_policies() > 0;
    const std::int32_t from = has_policy ? model.policy_from(0) : 0;
    double exposure = 0;
    for (std::int32_t u = 0; u < h.size(); ++u) {
      if (levels[static_cast<std::size_t>(h.level(u))] == 0 ||
          (has_policy && !model.adoptable_unit(0, u))) {
        continue;
      }
      const std::int32_t begin =
          std::max({from, rs.begin(u), first.empty() ? 0 : first[static_cast<std::size_t>(u)]});
      // Periods [begin, end) at risk; an adoption's own period counts.
      std::int32_t end = std::min(adopted[static_cast<std::size_t>(u)], train_end) + 1;
      if (rs.end(u) != kNever) {
        end = std::min(end, rs.end(u));
      }
      std::int32_t at_risk = std::max(0, end - begin);
      if (rs.abolished_at(u) != kNever) {
        const std::int32_t gone = std::max(begin, rs.abolished_at(u));
        const std::int32_t back =
            rs.restored_at(u) == kNever ? end : std::min(end, rs.restored_at(u));
        at_risk -= std::max(0, back - gone);
      }
      exposure += static_cast<double>(at_risk);
    }
    const double hazard = before / exposure;
    const auto e =
        simulate_common_hazard(std::vector<double>(static_cast<std::size_t>(window), hazard),
                               static_cast<std::int32_t>(res.units), R, seed, 1);
    OutOfSampleMethod m{"constant_hazard", score_forecast(e, observed, before), 0,
                        fmt::format("hazard {:.4g} per period ({} events in {} unit-periods)",
                                    hazard, res.train_events, exposure)};
    m.seconds = seconds_since(t0);
    res.methods.push_back(std::move(m));
  }
  // 3. A logistic growth curve fitted to the training periods' cumulative counts.
  {
    const auto t0 = Clock::now();
    const auto pop = static_cast<double>(res.population);
    const auto curve = fit_logistic_curve(train_counts, pop);
    std::vector<double> hazard;
    for (std::int32_t t = train_end + 1; t < cal.periods; ++t) {
      hazard.push_back(logistic_hazard(curve, static_cast<double>(t), pop));
    }
    const auto e = simulate_common_hazard(hazard, static_cast<std::int32_t>(res.units), R, seed, 2);
    OutOfSampleMethod m{
        "logistic", score_forecast(e, observed, before), 0,
        fmt::format("K = {:.4g}{}, r = {:.4g} per period, midpoint {:.4g} "
                    "(period index), residual SS {:.4g}",
                    curve.ceiling,
                    curve.ceiling_fixed ? " (fixed at the population: under four training "
                                          "periods do not identify it)"
                                        : "",
                    curve.rate, curve.midpoint, curve.sse)};
    if (!curve.converged) {
      res.notes.push_back("the logistic curve's least squares did not converge");
    }
    m.seconds = seconds_since(t0);
    res.methods.push_back(std::move(m));
  }
  return res;
}

std::vector<std::string> best_methods(const OutOfSampleResult& r, const std::string& score) {
  auto value = [&](const OutOfSampleMethod& m) {
    const auto& s = m.scores;
    if (score == "log_score") {
      return -s.log_score;
    }
    if (score == "brier") {
      return s.brier;
    }
    if (score == "crps") {
      return s.crps;
    }
    if (score == "coverage50") {
      return std::abs(s.coverage50 - 0.5);
    }
    if (score == "coverage90") {
      return std::abs(s.coverage90 - 0.9);
    }
    throw Error(ErrorKind::internal, "best_methods: unknown score " + score);
  };
  double best = std::numeric_limits<double>::infinity();
  for (const auto& m : r.methods) {
    best = std::min(best, value(m));
  }
  std::vector<std::string> out;
  for (const auto& m : r.methods) {
    if (value(m) == best) {
      out.push_back(m.name);
    }
  }
  return out;
}

std::vector<std::string> near_best_methods(const OutOfSampleResult& r, const std::string& score) {
  if (score != "log_score" && score != "brier") {
    return {};
  }
  const bool log = score == "log_score";
  const auto value = [&](const OutOfSampleMethod& m) {
    return log ? -m.scores.log_score : m.scores.brier;
  };
  const auto se = [&](const OutOfSampleMethod& m) {
    return log ? m.scores.log_score_se : m.scores.brier_se;
  };
  const auto best = best_methods(r, score);
  std::vector<std::string> out;
  if (best.empty()) {  // (no method, or every score NaN)
    return out;
  }
  for (const auto& b : r.methods) {
    if (b.name != best.front()) {
      continue;
    }
    for (const auto& m : r.methods) {
      if (std::find(best.begin(), best.end(), m.name) != best.end()) {
        continue;
      }
      const double tolerance = 2.0 * std::sqrt(se(b) * se(b) + se(m) * se(m));
      if (value(m) - value(b) <= tolerance) {  // (false where a standard error is NaN)
        out.push_back(m.name);
      }
    }
  }
  return out;
}

void write_out_of_sample(const OutOfSampleResult& r, io::TableWriter& w) {
  for (const auto& m : r.methods) {
    w.text(m.name)
        .text(r.train_until)
        .text(r.first_scored)
        .text(r.last_scored)
        .integer(r.units)
        .integer(r.held_out_events)
        .integer(r.replicates)
        .real(m.scores.log_score)
        .real(m.scores.brier)
        .real(m.scores.crps)
        .real(m.scores.coverage50)
        .real(m.scores.coverage90)
        .real(m.seconds)
        .real(m.scores.log_score_se)
        .real(m.scores.brier_se)
        .end_row();
  }
}

}  // namespace pdlab::study
