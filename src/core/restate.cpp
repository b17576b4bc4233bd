// Restating per-period parameters for another calendar (restate.hpp; docs/model.md §2).
#include "pdlab/core/restate.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>

#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"

namespace pdlab {
namespace {

// Keys that count periods; 0 keeps its meaning ("off" or "at once"), any other count keeps at
// least one period.
constexpr std::string_view kPeriodCounts[] = {"promotion.mandate_deadline", "promotion.pilot_delay",
                                              "promotion.scale_up_deadline",
                                              "stages.institutionalise_after"};

bool is_intercept(std::string_view key) {
  return key == "adoption.alpha_default" || key.rfind("adoption.alpha.", 0) == 0;
}

bool is_period_count(std::string_view key) {
  for (const auto k : kPeriodCounts) {
    if (key == k) {
      return true;
    }
  }
  return false;
}

struct Restater {
  double stated;  // S
  double run;     // P

  double intercept(double alpha) const { return alpha + std::log(stated / run); }
  double chance(double r) const {
    return r >= 1.0 ? 1.0 : -std::expm1(std::log1p(-r) * (stated / run));
  }
  int count(int n) const {
    if (n <= 0) {
      return n;
    }
    return std::max(1, static_cast<int>(std::lround(n * run / stated)));
  }
  double value(std::string_view key, double v) const {
    if (is_intercept(key)) {
      return intercept(v);
    }
    if (key == "stages.reversal_rate") {
      return chance(v);
    }
    if (is_period_count(key)) {
      return count(static_cast<int>(std::lround(v)));
    }
    return v;
  }
};

}  // namespace

int stated_periods_per_year(const Calendar& cal) {
  return cal.stated_periods_per_year > 0 ? cal.stated_periods_per_year : cal.periods_per_year;
}

bool restated_with_calendar(std::string_view key) {
  const auto policy = parse_policy_key(key);
  return is_intercept(key) || key == "stages.reversal_rate" || is_period_count(key) ||
         (policy && policy->field == PolicyField::trend);
}

Scenario restated_for_calendar(const Scenario& s) {
  const int stated = stated_periods_per_year(s.calendar);
  const int run = s.calendar.periods_per_year;
  if (stated == run) {
    Scenario out = s;
    out.calendar.stated_periods_per_year = 0;
    return out;
  }
  if (s.adoption.link != Link::cloglog) {
    fail(ErrorKind::config, {s.file, 0, "calendar.stated_periods_per_year", std::to_string(stated)},
         "the logit link has no exact restatement of per-period intercepts for another calendar",
         "use adoption.link = \"cloglog\", or restate the intercepts by hand and remove "
         "calendar.stated_periods_per_year");
  }
  const Restater r{static_cast<double>(stated), static_cast<double>(run)};
  Scenario out = s;
  out.calendar.stated_periods_per_year = 0;
  auto& a = out.adoption;
  a.alpha_default = r.intercept(a.alpha_default);
  for (auto& [level, alpha] : a.alpha) {
    alpha = r.intercept(alpha);
  }
  out.stages.reversal_rate = r.chance(out.stages.reversal_rate);
  auto& pr = out.promotion;
  pr.mandate_deadline = r.count(pr.mandate_deadline);
  pr.pilot_delay = r.count(pr.pilot_delay);
  pr.scale_up_deadline = r.count(pr.scale_up_deadline);
  out.stages.institutionalise_after = r.count(out.stages.institutionalise_after);
  // A trend per period: the same change per model year.
  for (auto& p : out.policies) {
    p.trend *= r.stated / r.run;
  }
  for (auto& e : out.events) {
    if (auto* set = std::get_if<SetSpec>(&e.spec)) {
      set->value = r.value(set->key, set->value);
    }
  }
  auto& u = out.uncertainty;
  for (std::size_t i = 0; i < u.keys.size(); ++i) {
    if (is_intercept(u.keys[i])) {
      u.estimate[i] = r.intercept(u.estimate[i]);  // a shift: the covariance is unchanged
    } else if (const auto pk = parse_policy_key(u.keys[i]); pk && pk->field == PolicyField::trend) {
      // A scale: the key's row and column of the covariance with it.
      const double f = r.stated / r.run;
      if (i < u.estimate.size()) {
        u.estimate[i] *= f;
      }
      // (a covariance of the wrong shape is left for compile_draws to name)
      const bool square =
          u.covariance.size() == u.keys.size() &&
          std::all_of(u.covariance.begin(), u.covariance.end(),
                      [&](const std::vector<double>& row) { return row.size() == u.keys.size(); });
      for (std::size_t j = 0; square && j < u.keys.size(); ++j) {
        u.covariance[i][j] *= f;
        u.covariance[j][i] *= f;
      }
    } else if (restated_with_calendar(u.keys[i])) {
      fail(ErrorKind::config, {s.file, 0, "uncertainty.keys", u.keys[i]},
           "only intercepts can be drawn on a calendar other than the stated one",
           "remove " + u.keys[i] +
               " from [uncertainty], or set calendar.periods_per_year = " + std::to_string(stated));
    }
  }
  return out;
}

}  // namespace pdlab
