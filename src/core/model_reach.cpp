// What a scenario can never produce, said before it runs: a governance policy no community can
// adopt, and a fitted trend that stops before the horizon. Split from model.cpp to keep it
// readable.
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace pdlab {

namespace {

bool pilots_or_mandates(Mode m) {
  return m == Mode::pilot || m == Mode::mandate;
}

}  // namespace

bool Model::can_adopt_at(int k, int level) const {
  const auto& names = h_.level_names();
  // reach[l]: some unit of level l can adopt, from the top down (a parent is one level up).
  std::vector<std::uint8_t> reach(static_cast<std::size_t>(level) + 1, 0);
  for (int l = 0; l <= level; ++l) {
    if (!adoptable(k, l)) {
      continue;
    }
    bool can = false;
    // The hazard: a finite intercept in some epoch, or one drawn per replicate.
    for (const auto& ep : epochs_[k]) {
      for (std::int32_t u = h_.level_begin(l); u < h_.level_begin(l + 1) && !can; ++u) {
        can = adoptable_unit(k, u) && std::isfinite(bases_[ep.base][u]);
      }
    }
    const std::string alpha = "adoption.alpha." + names[l];
    if (parameter_draws() != nullptr) {
      for (const auto& key : draws_.keys) {
        can = can || key == alpha || key == "adoption.alpha_default";
      }
    }
    // Superiors one level up that pilot or mandate (by their mode weights, or a scripted mode).
    if (l > 0 && reach[l - 1] != 0) {
      const auto& c = mode_cdf_[l - 1];
      can = can || c[1] > c[0] || c[2] > c[1];
    }
    for (const auto& e : events_) {
      if (e.policy != k || e.period >= periods()) {
        continue;
      }
      const auto at = [&](const std::vector<std::int32_t>& units, int lvl) {
        return std::any_of(units.begin(), units.end(),
                           [&](std::int32_t u) { return h_.level(u) == lvl; });
      };
      if (const auto* a = std::get_if<AdoptEvent>(&e.action)) {
        can =
            can || at(a->units, l) || (l > 0 && pilots_or_mandates(a->mode) && at(a->units, l - 1));
      } else if (const auto* p = std::get_if<PromoteEvent>(&e.action)) {
        can = can ||
              (l > 0 && reach[l - 1] != 0 && pilots_or_mandates(p->mode) && at(p->units, l - 1));
      } else if (const auto* m = std::get_if<MandateEvent>(&e.action)) {
        can = can || m->target_level == l;
      }
    }
    reach[l] = can ? 1 : 0;
  }
  return reach[level] != 0;
}

// A governance layer whose policy never reaches the communities: their metrics stay at their
// values without the policy (and depth at 0), which a table of zeros would not say.
void Model::note_unreached_communities() {
  if (gov_ == nullptr) {
    return;
  }
  const int lc = gov_->community_level();
  const int k = governance_policy_;
  if (can_adopt_at(k, lc)) {
    return;
  }
  const std::string lvl = h_.level_names()[lc];
  std::string why;
  if (!adoptable(k, lc)) {
    why = "policy[" + std::to_string(k) + "].levels leaves out '" + lvl + "'";
  } else if (const auto it = sc_.adoption.alpha.find(lvl); it != sc_.adoption.alpha.end()) {
    why = "adoption.alpha." + lvl + " = " + number_text(it->second);
  } else {
    why = "adoption.alpha_default = " + number_text(sc_.adoption.alpha_default) +
          " (adoption.alpha." + lvl + " is not given)";
  }
  const std::string policy = sc_.policies[static_cast<std::size_t>(k)].id;
  const auto& g = sc_.governance;
  std::string on;
  for (const auto& [enabled, key] : {std::pair{g.assessment.enabled, "assessment.enabled"},
                                     std::pair{g.coproduction.enabled, "coproduction.enabled"},
                                     std::pair{g.services.enabled, "services.enabled"},
                                     std::pair{g.stability.enabled, "stability.enabled"}}) {
    on += enabled ? (on.empty() ? "" : ", ") + std::string(key) : "";
  }
  warnings_.push_back(
      "governance: policy '" + policy + "' (" +
      (sc_.governance.policy.empty() ? "the first policy; governance.policy"
                                     : "governance.policy") +
      ") can never be adopted at the community level '" + lvl + "': " + why +
      ", and no scripted adoption, pilot programme or mandate reaches the level. No community "
      "runs the governance model, so the community metrics (participation, belonging, trust, "
      "grievance, satisfaction, coverage) stay at their values without it and their depth at 0 "
      "(compare and cases print n/a for it): give the level an intercept (adoption.alpha." +
      lvl +
      ") or a scripted adoption that reaches it (an `adopt` or `mandate` event), or switch "
      "the governance modules off (" +
      on + " = false)");
}

// A trend written as one `set adoption.alpha_shift = b*t` event per period t (as `pdlab fit`
// wrote a `trend` term before 2026-12-07, or by hand): past the last one the shift stays at its
// value, so a run extended beyond those events freezes the trend. (A policy's own `trend`, as fit
// writes it now, goes on over any calendar.) A trend is recognised by its structure, not by the
// file's `# Terms:` comment (a --set or an edited file keeps no comment in step): two or more
// such events of a policy, evenly spaced, each value b times its period (b != 0), which a
// step a user scripts does not look like. Even spacing also holds on another calendar (a
// yearly fit run monthly has them every 12 periods, and the last holds for its year).
void Model::note_frozen_trends() {
  for (std::size_t k = 0; k < sc_.policies.size(); ++k) {
    std::vector<const CompiledEvent*> shifts;
    for (const auto& e : events_) {  // (sorted by period)
      const auto* s = std::get_if<SetEvent>(&e.action);
      if (e.policy == static_cast<std::int32_t>(k) && s != nullptr &&
          s->key == "adoption.alpha_shift") {
        shifts.push_back(&e);
      }
    }
    if (shifts.size() < 2) {
      continue;
    }
    const auto value = [](const CompiledEvent* e) { return std::get<SetEvent>(e->action).value; };
    const CompiledEvent& last = *shifts.back();
    const std::int32_t gap = last.period - shifts[shifts.size() - 2]->period;
    const double b = last.period > 0 ? value(&last) / last.period : 0.0;
    bool trend = gap > 0 && b != 0 && std::isfinite(b);
    for (std::size_t i = 0; trend && i < shifts.size(); ++i) {
      const auto* e = shifts[i];
      const bool spaced = i == 0 || e->period - shifts[i - 1]->period == gap;
      trend = spaced && std::abs(value(e) - b * e->period) <= 1e-9 * std::abs(b * e->period);
    }
    // The last event's shift holds for its own step (gap periods); the run goes on past that.
    if (!trend || std::int64_t{last.period} + gap >= periods()) {
      continue;
    }
    const std::string date = period_label(sc_.calendar, last.period);
    const std::string held = period_label(sc_.calendar, last.period + gap - 1);
    const std::string next = period_label(sc_.calendar, last.period + gap);
    const std::string end = period_label(sc_.calendar, periods() - 1);
    warnings_.push_back(fmt::format(
        "{} (set adoption.alpha_shift at {} = {}, policy '{}') is the last of the {} events of a "
        "trend ({} a period, as `pdlab fit` wrote a `trend` term before 2026-12-07), but the "
        "calendar runs to {} (calendar.periods = {}): from {} the shift stays at {}, a constant "
        "hazard where the trend would have gone on (docs/model.md 7.8); to extend the trend, "
        "give policy '{}' `trend = {}` in its [[policy]] table in place of these events, which "
        "goes on over any calendar (a trend per period of this calendar; a file that states "
        "calendar.stated_periods_per_year = S takes {} x {} / S), or add `set "
        "adoption.alpha_shift` events from {} to {} (value {} x the period number), or accept "
        "a constant hazard after {}",
        last.source, date, number_text(value(&last)), sc_.policies[k].id, shifts.size(),
        number_text(b), end, periods(), next, number_text(value(&last)), sc_.policies[k].id,
        number_text(b), number_text(b), sc_.calendar.periods_per_year, next, end, number_text(b),
        held));
  }
}

}  // namespace pdlab
