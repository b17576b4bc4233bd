// Out-of-sample prediction (`pdlab check-fit --train-until DATE`, docs/model.md 7.12): refit a
// fitted scenario on the events up to a date, simulate forward from the observed state, and
// score the held-out events beside two baselines (a constant hazard; a logistic growth curve
// of the cumulative count), each timed.
#pragma once

#include "pdlab/io/table.hpp"
#include "pdlab/sim/forecast.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

struct PreparedStudy;

struct OutOfSampleMethod {
  std::string name;  // model, constant_hazard, logistic
  ForecastScores scores;
  double seconds = 0;  // wall time: fit, simulation and scoring
  std::string fitted;  // what was fitted, in words
};

struct OutOfSampleResult {
  std::string train_until;   // label of the last training period
  std::string first_scored;  // labels of the held-out window's first and last periods
  std::string last_scored;
  std::vector<std::string> period_labels;  // of the held-out periods
  std::int32_t train_end = 0;              // the last training period
  std::int64_t population = 0;             // units of the fitted levels
  std::int64_t units = 0;                  // of them, not adopted by train_end: those scored
  std::int64_t train_events = 0;           // adoptions of the population up to train_end
  std::int64_t held_out_events = 0;        // adoptions of the scored units in the window
  std::int32_t replicates = 0;
  std::vector<OutOfSampleMethod> methods;  // model first, then the baselines
  std::vector<std::string> notes;
};

// The workflow. The study's scenario is a fitted one (`pdlab fit`): the refit keeps its
// specification (link, covariates = adoption.beta's keys, the levels with a finite intercept,
// the terms of the "# Terms:" line `pdlab fit` writes, with the hierarchy columns they name)
// and its run settings (seed, replicates, threads, uncertainty.draw). Bad dates (before the
// calendar, at or after the last period, before any event, after the last event) are usage
// errors thrown before any work.
// `policy`: the events' policy to score (empty: the scenario's; study::read_compared_events).
OutOfSampleResult out_of_sample_study(const PreparedStudy& study, const std::string& events_path,
                                      const std::string& train_until,
                                      const std::function<void(int, int)>& progress,
                                      const std::string& policy = "");

// The methods with the best value of a score (several when tied, in method order):
// "log_score" (highest), "brier", "crps" (lowest), "coverage50", "coverage90" (closest to the
// nominal rate).
std::vector<std::string> best_methods(const OutOfSampleResult& r, const std::string& score);
// The other methods whose log_score or brier lies within two Monte Carlo standard errors of
// the best's (of their difference: the methods' simulations are independent), which more
// replicates could rank either way; empty for the other scores.
std::vector<std::string> near_best_methods(const OutOfSampleResult& r, const std::string& score);

// One row per method (table `out_of_sample`).
void write_out_of_sample(const OutOfSampleResult& r, io::TableWriter& w);

}  // namespace pdlab::study
