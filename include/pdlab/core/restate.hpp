// Per-period parameters stated on one calendar, run on another (docs/model.md §2, "Calendar").
// `calendar.stated_periods_per_year` = S says the scenario's per-period parameters were written
// (or fitted) on S periods a year; the run has P = `calendar.periods_per_year`. The model then
// restates them so that a model year means the same whatever P is:
//   * intercepts adoption.alpha.<level> and adoption.alpha_default gain log(S / P): under the
//     cloglog link the yearly cumulative hazard, P · exp(η), is then unchanged for every value
//     of the other terms (they enter η additively);
//   * stages.reversal_rate r keeps its yearly chance: 1 − (1 − r)^(S / P);
//   * counts of periods (promotion.mandate_deadline, pilot_delay, scale_up_deadline,
//     stages.institutionalise_after) keep their span: round(n · P / S), at least their minimum;
//   * a [[policy]] trend b (per period) keeps its change per year: b · S / P.
// Scripted `set` events on those keys and `[uncertainty]` estimates of the intercepts and of a
// policy's trend (its row and column of the covariance scaled alike) are restated the same way. The
// logit link has no exact restatement and is refused.
#pragma once

#include <string_view>

#include "pdlab/core/scenario.hpp"

namespace pdlab {

// The periods a year on which the scenario's per-period parameters are stated (S above):
// `calendar.stated_periods_per_year`, or `periods_per_year` when that is 0 (unset).
int stated_periods_per_year(const Calendar& cal);

// True when `key` (a scenario key such as adoption.alpha.county) is restated with the calendar.
bool restated_with_calendar(std::string_view key);

// The scenario with its per-period parameters restated from S to P periods a year, and
// `stated_periods_per_year` reset to 0 (so that restating again changes nothing). S == P returns
// the scenario unchanged. Throws Error(config) for the logit link or for an `[uncertainty]` key
// other than an intercept among the restated keys, naming the key and the fix.
Scenario restated_for_calendar(const Scenario& s);

}  // namespace pdlab
