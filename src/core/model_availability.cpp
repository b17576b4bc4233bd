// Where and when each policy can be adopted ([[policy]] from, levels, types; docs/model.md
// 7.1) and the events that contradict it. Split from model.cpp to keep it readable.
#include "core/resolve.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/core/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace pdlab {

using detail::bad;
using detail::level_of;
using detail::list;

// When and where each policy can be adopted ([[policy]] from, levels). A `from` before the
// calendar's start means the policy already existed: it is available from period 0.
void Model::compile_availability() {
  const auto np = sc_.policies.size();
  policy_from_.assign(np, 0);
  adoptable_.assign(np, std::vector<std::uint8_t>(h_.n_levels(), 1));
  adoptable_units_.assign(np, {});
  for (std::size_t k = 0; k < np; ++k) {
    const auto& p = sc_.policies[k];
    const std::string key = "policy[" + std::to_string(k) + "]";
    if (!p.from.empty()) {
      policy_from_[k] = to_period_from_start(sc_.calendar, p.from, key + ".from", sc_.file);
      if (policy_from_[k] >= sc_.calendar.periods) {
        warnings_.push_back(key + " (" + p.id + ") exists only from " + p.from +
                            ", after the last period: it is never adopted");
      }
    }
    if (!p.levels.empty()) {
      std::fill(adoptable_[k].begin(), adoptable_[k].end(), 0);
      for (const auto& l : p.levels) {
        adoptable_[k][level_of(sc_, h_, key + ".levels", l)] = 1;
      }
    }
    if (!p.types.empty()) {
      compile_types(k);
    }
  }
}

// The sum of policy k's profiles in each period ([[policy]] profile.NAME: weight times the
// value of the last date come, 0 before the first; docs/model.md 7.1), in the order of their
// names; empty when it has none. Dates before the calendar's start count from period 0, those
// after its end never come; each date must begin after the one listed before it. Where two
// dates fall in one period of a coarser calendar, the later one's value holds for it (warned).
std::vector<double> Model::profile_shifts(std::size_t k) {
  const auto& p = sc_.policies[k];
  if (p.profile.empty()) {
    return {};
  }
  const auto periods = static_cast<std::size_t>(std::max(sc_.calendar.periods, 0));
  std::vector<double> sum(periods, 0.0);
  for (const auto& [name, prof] : p.profile) {
    const std::string key = "policy[" + std::to_string(k) + "].profile." + name + ".dates";
    if (prof.values.size() != prof.dates.size()) {  // (the reader's check, for a built Scenario)
      bad(sc_, key, std::to_string(prof.dates.size()) + " dates",
          std::to_string(prof.values.size()) + " values for them", "give one value a date",
          sc_.line_of(key));
    }
    std::vector<std::pair<std::int32_t, double>> starts;  // period from which, value
    std::int32_t before = -1;
    std::int64_t day_before = std::numeric_limits<std::int64_t>::min();
    bool shared = false;
    for (std::size_t i = 0; i < prof.dates.size(); ++i) {
      const auto ik = key + "[" + std::to_string(i) + "]";
      const auto from =
          to_period_from_start(sc_.calendar, prof.dates[i], ik, sc_.file, sc_.line_of(key));
      // Its first day (a period number's: that period's), to order the dates as written.
      DateSpan span;
      std::string why;
      // (a period number has at most three digits; "2015" is a year)
      const bool number = prof.dates[i].size() < 4 &&
                          prof.dates[i].find_first_not_of("0123456789") == std::string::npos;
      const std::int64_t day = number || !parse_date(prof.dates[i], span, why)
                                   ? period_first_day(sc_.calendar, from)
                                   : span.first;
      if (day <= day_before) {
        bad(sc_, ik, prof.dates[i],
            "does not come after the date listed before it (" + prof.dates[i - 1] + ")",
            "list the profile's dates in increasing order, each with its value", sc_.line_of(key));
      }
      // (a date before the start gives way to a later one in period 0 as it should: no warning)
      const bool in_calendar = day_before >= calendar_first_day(sc_.calendar);
      day_before = day;
      if (from == before && in_calendar && from < sc_.calendar.periods && !shared) {
        shared = true;
        warnings_.push_back(fmt::format(
            "{}: {} and {} fall in one period of this calendar ({}): the later one's value holds "
            "for it (a profile on a finer calendar than the run's; give it the run's dates to "
            "choose the value)",
            key, prof.dates[i - 1], prof.dates[i], period_label(sc_.calendar, from)));
      }
      before = from;
      starts.emplace_back(from, prof.values[i]);
    }
    // Each value from its period to the next date's (a later date in the same period wins).
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const auto to = i + 1 < starts.size() ? starts[i + 1].first : sc_.calendar.periods;
      for (auto t = starts[i].first; t < std::min(to, sc_.calendar.periods); ++t) {
        sum[static_cast<std::size_t>(t)] += prof.weight * starts[i].second;
      }
    }
  }
  return sum;
}

// [[policy]] types: the units of the levels where policy k can be adopted whose hierarchy
// column `type` is listed. A type no unit of those levels has is a contradiction (or a typo).
void Model::compile_types(std::size_t k) {
  const auto& p = sc_.policies[k];
  const std::string key = "policy[" + std::to_string(k) + "].types";
  const auto& names = h_.text_attribute_names();
  const auto col = std::find(names.begin(), names.end(), "type");
  if (col == names.end()) {
    bad(sc_, key, p.types.front(), "the hierarchy has no `type` column",
        "use the shipped China hierarchy (it has one), add a `type` column to the hierarchy "
        "file, or leave types out");
  }
  const int c = static_cast<int>(col - names.begin());
  adoptable_units_[k].assign(static_cast<std::size_t>(h_.size()), 0);
  std::vector<std::uint8_t> seen(p.types.size(), 0);
  std::vector<std::string> present;  // the types of the allowed levels, for the message
  for (std::int32_t u = 0; u < h_.size(); ++u) {
    if (!adoptable(static_cast<int>(k), h_.level(u))) {
      continue;
    }
    const std::string t(h_.text_attribute(c, u));
    const auto it = std::find(p.types.begin(), p.types.end(), t);
    if (it != p.types.end()) {
      adoptable_units_[k][u] = 1;
      seen[it - p.types.begin()] = 1;
    } else if (std::find(present.begin(), present.end(), t) == present.end()) {
      present.push_back(t);
    }
  }
  for (std::size_t i = 0; i < p.types.size(); ++i) {
    if (seen[i] == 0) {
      const auto near = closest(p.types[i], present);
      bad(sc_, key, p.types[i],
          "no unit of the levels where policy '" + p.id + "' can be adopted has this type",
          near.empty() ? "use a type of those levels (" + list(present) + ")"
                       : "did you mean '" + near + "'?");
    }
  }
}

// An event that makes units adopt, promote or reverse a policy cannot come before the policy
// exists or reach units of a level where it cannot be adopted: the scenario contradicts
// itself, and the engine would silently drop the event.
void Model::check_available(const CompiledEvent& c, const Event& e) const {
  const auto& p = sc_.policies[c.policy];
  const std::string key = "policy[" + std::to_string(c.policy) + "]";
  const bool acts = std::holds_alternative<AdoptEvent>(c.action) ||
                    std::holds_alternative<MandateEvent>(c.action) ||
                    std::holds_alternative<PromoteEvent>(c.action) ||
                    std::holds_alternative<ReverseEvent>(c.action);
  if (acts && c.period < policy_from_[c.policy]) {
    bad(sc_, e.key + ".date", e.date,
        "the event acts on policy '" + p.id + "' before it exists (" + key + ".from = " + p.from +
            ")",
        "date the event at or after " + p.from + ", or move the policy's from earlier",
        e.line_of("date"));
  }
  std::string allowed;
  for (int l = 0; l < h_.n_levels(); ++l) {
    if (adoptable(c.policy, l)) {
      allowed += (allowed.empty() ? "" : ", ") + h_.level_names()[static_cast<std::size_t>(l)];
    }
  }
  const auto check_level = [&](int l, const std::string& field, const std::string& value,
                               const std::string& what) {
    if (!adoptable(c.policy, l)) {
      bad(sc_, e.key + "." + field, value,
          what + "; policy '" + p.id + "' can be adopted only at " + allowed + " (" + key +
              ".levels)",
          "target units of those levels, or add this level to " + key + ".levels",
          e.line_of(field));
    }
  };
  const auto level_name = [&](int l) { return h_.level_names()[static_cast<std::size_t>(l)]; };
  const auto types = list(p.types);
  if (const auto* a = std::get_if<AdoptEvent>(&c.action)) {
    for (auto u : a->units) {
      check_level(h_.level(u), "units", std::string(h_.id(u)),
                  "this unit is a " + level_name(h_.level(u)));
      if (!adoptable_unit(c.policy, u)) {
        bad(sc_, e.key + ".units", std::string(h_.id(u)),
            "this unit's type cannot adopt policy '" + p.id + "' (" + key + ".types = " + types +
                ")",
            "target units of those types, or add this unit's type to " + key + ".types",
            e.line_of("units"));
      }
    }
  } else if (const auto* m = std::get_if<MandateEvent>(&c.action)) {
    check_level(m->target_level, "target_level", level_name(m->target_level),
                "the mandate makes units of this level adopt");
    bool any = !typed(c.policy);
    for (std::int32_t u = h_.level_begin(m->target_level);
         !any && u < h_.level_begin(m->target_level + 1); ++u) {
      any = adoptable_unit(c.policy, u);
    }
    if (!any) {
      bad(sc_, e.key + ".target_level", level_name(m->target_level),
          "no unit of this level has a type that can adopt policy '" + p.id + "' (" + key +
              ".types = " + types + ")",
          "target a level with units of those types, or add this level's types to " + key +
              ".types",
          e.line_of("target_level"));
    }
  }
}

// Keys of a governance module that is off change nothing; a user who sets one (in the file or
// with --set) most likely forgot to turn the module on. The same holds within a module that is
// on for the keys of a switch that is off (feedback.need_grievance with feedback.need off,
// stability.latent_rate with stability.latent off, ...). Each such key, with its value, in one
// warning per module or switch. Only keys the run does not read are named: while any module is
// on, the residents' layer reads some keys of the modules that are off (satisfaction, trust
// and grievance are [coproduction] keys; officials' careers are [assessment] keys), and those
// do change the run. Each list was checked by varying every key on toy_governance with the
// module or switch off (a key named here left every output's bits unchanged).
void Model::note_idle_modules() {
  const auto& g = sc_.governance;
  Scenario defaults;  // (parameter_value reads through the shared accessors)
  const auto set_keys = [&](const auto& wanted) {
    std::string keys;
    for (const auto& p : parameters()) {
      if (!wanted(std::string_view(p.key))) {
        continue;
      }
      const std::string value = parameter_value(p, sc_);
      if (value != parameter_value(p, defaults)) {
        keys += (keys.empty() ? "" : ", ") + std::string(p.key) + " = " + value;
      }
    }
    return keys;
  };
  const bool layer_runs =
      g.assessment.enabled || g.coproduction.enabled || g.services.enabled || g.stability.enabled;
  // While the layer runs: the keys of a module that is off that are still read.
  using Keys = std::vector<std::string_view>;
  const Keys read_assessment = {"assessment.satisfaction_weight",
                                "assessment.visible_reward",
                                "assessment.depth_reward",
                                "assessment.discount",
                                "assessment.depth_lag",
                                "assessment.term_min",
                                "assessment.term_max",
                                "assessment.promotion_rate",
                                "assessment.tournament",
                                "assessment.cutoff",
                                "assessment.visible_rate",
                                "assessment.visible_decay",
                                "assessment.depth_rate",
                                "assessment.depth_decay"};
  const Keys read_coproduction = {"coproduction.community_level",
                                  "coproduction.population",
                                  "coproduction.migrant_share",
                                  "coproduction.hukou",
                                  "coproduction.migrant_eligibility",
                                  "coproduction.residence_years",
                                  "coproduction.turnover_migrant",
                                  "coproduction.variant_fit",
                                  "coproduction.trust_rate",
                                  "coproduction.satisfaction_intercept",
                                  "coproduction.satisfaction_depth",
                                  "coproduction.satisfaction_services",
                                  "coproduction.satisfaction_grievance",
                                  "coproduction.grievance_inflow",
                                  "coproduction.grievance_decay",
                                  "coproduction.initial_participation",
                                  "coproduction.initial_trust",
                                  "coproduction.initial_grievance",
                                  "coproduction.agents_root",
                                  "coproduction.agents_per_community"};
  const Keys read_services = {"services.migrant_access", "services.working_local",
                              "services.working_migrant"};
  const Keys none;
  const std::tuple<std::string_view, bool, const Keys*> modules[] = {
      {"assessment", g.assessment.enabled, &read_assessment},
      {"coproduction", g.coproduction.enabled, &read_coproduction},
      {"services", g.services.enabled, &read_services},
      {"stability", g.stability.enabled, &none}};
  for (const auto& m : modules) {
    // (no structured binding: clang before 16 cannot capture one in the lambda below)
    const std::string_view module = std::get<0>(m);
    const Keys* const read = std::get<2>(m);
    if (std::get<1>(m)) {
      continue;
    }
    const std::string prefix = std::string(module) + ".";
    const std::string keys = set_keys([&](std::string_view k) {
      return k.starts_with(prefix) && k != prefix + "enabled" &&
             !(layer_runs && std::find(read->begin(), read->end(), k) != read->end());
    });
    if (!keys.empty()) {
      warnings_.push_back(keys + ": no effect while the " + std::string(module) +
                          " module is off (set " + prefix + "enabled = true to use it)");
    }
    // The same for a scripted `set` event on such a key.
    for (const auto& e : sc_.events) {
      const auto* set = std::get_if<SetSpec>(&e.spec);
      if (set == nullptr || !set->key.starts_with(prefix) ||
          (layer_runs && std::find(read->begin(), read->end(), set->key) != read->end())) {
        continue;
      }
      warnings_.push_back(e.key + " (set " + set->key + " at " + e.date +
                          "): no effect while the " + std::string(module) + " module is off (set " +
                          prefix + "enabled = true to use it)");
    }
  }
  // The warm-up runs the governance layer: with no module on there is nothing to warm up.
  if (!layer_runs && g.warmup_years > 0) {
    warnings_.push_back("governance.warmup_years = " + std::to_string(g.warmup_years) +
                        ": no effect while every governance module is off (turn one on, e.g. "
                        "coproduction.enabled = true, or leave the warm-up out)");
  }
  // Within a module that is on (or, for feedback, always): keys read only under a switch.
  // (Fixed stability shares with a chosen mix are an error, not a warning: Model's checks.)
  struct Switch {
    bool module_on;          // the module is on (else the warning above covers its keys)
    bool idle;               // the switch leaves the keys unread
    std::string_view state;  // the switch as it is, for the message
    std::string_view fix;    // how to use the keys
    std::vector<std::string_view> keys;  // a key, or a prefix ending in '_' or '.'
  };
  const auto& a = g.assessment;
  const auto& c = g.coproduction;
  const auto& st = g.stability;
  const auto& f = g.feedback;
  const bool best = a.choice == Choice::best_response;
  const bool chosen = st.mix == Choice::best_response;
  const Switch switches[] = {
      {a.enabled,
       !a.inspection,
       "assessment.inspection is false",
       "set assessment.inspection = true",
       {"assessment.inspection_"}},
      {a.enabled,
       !a.veto,
       "assessment.veto is false",
       "set assessment.veto = true",
       {"assessment.veto_threshold"}},
      {a.enabled,
       best,
       "assessment.choice is \"best_response\"",
       "set assessment.choice = \"fixed\"",
       {"assessment.fixed_effort"}},
      {a.enabled,
       !best,
       "assessment.choice is \"fixed\"",
       "set assessment.choice = \"best_response\"",
       {"assessment.temperature"}},
      {c.enabled,
       !c.costs,
       "coproduction.costs is false",
       "set coproduction.costs = true",
       {"coproduction.cost_work", "coproduction.cost_load"}},
      // (hukou rules reach migrants' voice and access whenever the layer runs)
      {layer_runs,
       !c.hukou,
       "coproduction.hukou is false",
       "set coproduction.hukou = true",
       {"coproduction.migrant_eligibility", "coproduction.residence_years",
        "services.migrant_access"}},
      {c.enabled,
       c.agents_root.empty(),
       "coproduction.agents_root is not set",
       "name a city in coproduction.agents_root",
       {"coproduction.agents_per_community"}},
      {st.enabled,
       !chosen,
       "stability.mix is \"fixed\"",
       "set stability.mix = \"chosen\"",
       {"stability.temperature"}},
      {st.enabled,
       !st.latent,
       "stability.latent is false",
       "set stability.latent = true",
       {"stability.latent_"}},
      // Without the ratchet expected claims stay at their base: no unmet share either.
      {st.enabled,
       !st.ratchet,
       "stability.ratchet is false",
       "set stability.ratchet = true",
       {"stability.claims_rate", "stability.claims_decay", "stability.claims_grievance",
        "stability.claims_incidents"}},
      {true, !f.need, "feedback.need is false", "set feedback.need = true", {"feedback.need_"}},
      {true,
       !f.escalation,
       "feedback.escalation is false",
       "set feedback.escalation = true",
       {"feedback.escalation_"}},
      {true,
       !f.reversal,
       "feedback.reversal is false",
       "set feedback.reversal = true",
       {"feedback.reversal_"}},
      {true,
       !f.pilot_evaluation,
       "feedback.pilot_evaluation is false",
       "set feedback.pilot_evaluation = true",
       {"feedback.evaluation_"}},
      {true,
       !f.learning,
       "feedback.learning is false",
       "set feedback.learning = true",
       {"feedback.learning_"}},
      {true,
       !f.any(),
       "every feedback is off",
       "turn on a feedback, e.g. feedback.need = true,",
       {"feedback.lag_months"}},
  };
  for (const auto& sw : switches) {
    if (!sw.module_on || !sw.idle) {
      continue;
    }
    const std::string keys = set_keys([&](std::string_view k) {
      return std::any_of(sw.keys.begin(), sw.keys.end(), [&](std::string_view w) {
        return w.ends_with('_') || w.ends_with('.') ? k.starts_with(w) : k == w;
      });
    });
    if (!keys.empty()) {
      warnings_.push_back(keys + ": no effect while " + std::string(sw.state) + " (" +
                          std::string(sw.fix) + " to use it)");
    }
  }
  // feedback.levels, a list (parameter_value has no text for lists): read only by need,
  // escalation and reversal.
  if (!f.levels.empty() && !f.need && !f.escalation && !f.reversal) {
    warnings_.push_back("feedback.levels = [" + detail::list(f.levels) +
                        "]: no effect while feedback.need, .escalation and .reversal are false "
                        "(turn one of them on to use it)");
  }
  // A pilot judged before any outcome of its time under the model reaches its superior.
  const std::int32_t lag = feedback_lag_periods(sc_);
  if (f.pilot_evaluation && sc_.promotion.pilot_delay < lag) {
    warnings_.push_back("promotion.pilot_delay = " + std::to_string(sc_.promotion.pilot_delay) +
                        " periods is shorter than the feedback lag (" + std::to_string(lag) +
                        " periods from feedback.lag_months): pilots are judged on outcomes from "
                        "before they ran the model (make pilot_delay at least the lag)");
  }
  // The effort rule's tau was, before 2026-12-05, the noise of a logit in promotion
  // probability (default 0.1); as the curvature of the returns to effort (default 1) such a
  // value sends nearly all effort to the better-paying kind.
  const auto& as = sc_.governance.assessment;
  if (as.enabled && as.choice == Choice::best_response && as.temperature < 0.3) {
    std::ostringstream value;
    value << as.temperature;
    warnings_.push_back(
        "assessment.temperature = " + value.str() +
        ": the curvature of officials' returns to effort (docs/model.md 7.9.1); below 0.3 "
        "nearly all effort goes to the better-paying kind (no depth under a visible-weighted "
        "assessment). Before 2026-12-05 this key was the noise of a logit (default 0.1); for "
        "the present rule use about 1 (the default; patterns hold over 0.5-1.5)");
  }
  // Feedback weights accept either sign (a study may test the opposite hypothesis), but a
  // negative one turns the direction its source gives around: say so, once per key.
  struct Signed {
    bool on;
    const char* key;
    double value;
    const char* direction;
  };
  const Signed signed_weights[] = {
      {f.need, "feedback.need_grievance", f.need_grievance, "grievance raises the need term"},
      {f.need, "feedback.need_incidents", f.need_incidents, "incidents raise the need term"},
      {f.escalation, "feedback.escalation_hazard", f.escalation_hazard,
       "pressure from below raises the superior's hazard"},
      {f.escalation, "feedback.escalation_mode", f.escalation_mode,
       "pressure from below tilts the superior towards mandates"},
      {f.reversal, "feedback.reversal_depth", f.reversal_depth,
       "missing depth raises the reversal hazard"},
      {f.reversal, "feedback.reversal_grievance", f.reversal_grievance,
       "grievance raises the reversal hazard"},
      {f.reversal, "feedback.reversal_veto", f.reversal_veto, "a veto raises the reversal hazard"},
      {f.reversal, "feedback.reversal_turnover", f.reversal_turnover,
       "a new official raises the reversal hazard"}};
  for (const auto& w : signed_weights) {
    if (w.on && w.value < 0) {
      std::ostringstream value;
      value << w.value;
      warnings_.push_back(std::string(w.key) + " = " + value.str() +
                          ": negative, so it reverses the direction its source gives (" +
                          w.direction + "; docs/parameters.md); a positive value follows it");
    }
  }
}

}  // namespace pdlab
