#include "pdlab/study/fit.hpp"
#include "pdlab/study/compare_study.hpp"
#include "pdlab/study/riskset_inputs.hpp"
#include "pdlab/study/study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/output_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace pdlab::study {

namespace {

// Whether check_fit compares a level: one that can adopt in the scenario (a fitted scenario's
// levels that were not at risk have intercept -inf, and their observed curve was never part
// of the fit).
bool compared_level(const Model& model, int level) {
  const auto& adoption = model.scenario().adoption;
  const auto it =
      adoption.alpha.find(model.hierarchy().level_names()[static_cast<std::size_t>(level)]);
  const double alpha = it != adoption.alpha.end() ? it->second : adoption.alpha_default;
  return !(std::isinf(alpha) && alpha < 0);
}

}  // namespace

io::EventsFile read_compared_events(const Model& model, const std::string& events_path,
                                    const std::string& policy, std::vector<std::string>& notes) {
  const auto& sc = model.scenario();
  const auto& scenario_id = sc.policies.front().id;
  std::string want = policy.empty() ? scenario_id : policy;
  // Only that policy's rows are read: another policy's are no business of this check (not
  // even their dates or units).
  io::EventsReadOptions opt;
  opt.policies = {want};
  auto events = io::read_events(events_path, model.hierarchy(), sc.calendar, opt);
  const auto ids = events.file_policy_ids;
  if (policy.empty() && sc.policies.size() == 1 && want == "policy" && ids.size() == 1 &&
      ids.front() != want) {
    // A scenario that leaves its one policy unnamed: the events' one policy.
    want = ids.front();
    opt.policies = {want};
    events = io::read_events(events_path, model.hierarchy(), sc.calendar, opt);
  }
  if (std::find(ids.begin(), ids.end(), want) == ids.end()) {
    const auto near = closest(want, ids);
    const std::string whose = policy.empty() ? "the scenario's policy" : "policy (--policy)";
    fail(ErrorKind::data, {events_path, 0, "policy_id", ids.empty() ? "" : ids.front()},
         fmt::format("no event of {} '{}' ({})", whose, want, policy_ids_listed(want, ids)),
         near.empty() ? "give the events of this scenario's policy, name the events' policy "
                        "with --policy, or fit a scenario for that policy"
                      : "did you mean '" + near +
                            "'? Give the events of this scenario's policy, name the events' "
                            "policy with --policy, or fit a scenario for that policy");
  }
  if (ids.size() > 1) {
    notes.push_back(fmt::format(
        "only the events of policy '{}' are compared{} ({})", want,
        policy.empty() ? ", the scenario's policy; --policy names another" : " (--policy)",
        policy_ids_listed(want, ids)));
  }
  return events;
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
    // Only while the unit exists: the simulated shares divide by the units existing in each
    // period (docs/model.md 7.13).
    const auto& rs = model.restructuring();
    const std::int32_t end = std::min(rs.end(a.unit), n_periods);
    for (std::int32_t t = std::max(a.period, rs.begin(a.unit)); t < end; ++t) {
      observed[h.level(a.unit)][t] += 1;
    }
  }
  // Only levels that can adopt in the scenario.
  for (int l = 0; l < nl; ++l) {
    if (!compared_level(model, l)) {
      has[static_cast<std::size_t>(l)] = false;
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

bool inside_band(const CheckRow& r) {
  return r.observed >= r.sim_q05 - 1e-12 && r.observed <= r.sim_q95 + 1e-12;
}

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

CheckFitResult check_fit_study(const PreparedStudy& study, const std::string& events_path,
                               const std::function<void(int, int)>& progress,
                               const std::string& policy_id) {
  const auto& sc = study.model->scenario();
  const auto& model = *study.model;
  CheckFitResult res;
  // Refused before simulating: events of another policy, or none to compare.
  const auto events = read_compared_events(model, events_path, policy_id, res.notes);
  const int policy = 0;  // the one policy read
  const bool any =
      std::any_of(events.adoptions.begin(), events.adoptions.end(), [&](const auto& a) {
        return a.policy == policy && a.period < model.periods() &&
               compared_level(model, model.hierarchy().level(a.unit));
      });
  if (!any) {
    fail(ErrorKind::data, {events_path, 0, "policy_id", sc.policies.front().id},
         fmt::format("no event of policy '{}' to compare: none falls within the scenario's "
                     "calendar ({} to {}) at a level that can adopt in it",
                     sc.policies.front().id, period_label(sc.calendar, 0),
                     period_label(sc.calendar, model.periods() - 1)),
         "check the events' dates and units against the scenario (a fitted scenario's levels "
         "are those it was fitted on)");
  }
  const auto results = run_ensemble(model, sc.replicates, sc.threads, progress);
  const auto summary = summarise(model, results, {0.05, 0.5, 0.95});
  res.rows = check_fit(model, summary, events, policy);
  if (const auto note = io::outside_subtree_note(events); !note.empty()) {
    res.notes.push_back(note);
  }
  if (!events.padded_ids_note.empty()) {
    res.notes.push_back(events.padded_ids_note);
  }
  return res;
}

std::vector<std::pair<std::string, std::string>> check_fit_meta(
    const Scenario& sc, const std::string& command_line, const std::string& scenario_file,
    const std::string& events_file, int replicates, const std::string& train_until) {
  const bool oos = !train_until.empty();
  // The parameters as the replicates used them: fixed, or drawn per replicate (out of sample,
  // around the refit's estimates with its covariance).
  std::string drawn;
  for (const auto& k : drawn_keys(sc)) {
    drawn += (drawn.empty() ? "" : ", ") + k;
  }
  const std::string what = oos ? "forecast intervals" : "bands";
  std::string intervals =
      oos ? fmt::format(
                "Forecast intervals: the central 90% (and 50%, for coverage50) of each "
                "forecast's {} replicates. ",
                replicates)
          : fmt::format(
                "90% bands: the 5% and 95% quantiles of the simulated cumulative share "
                "over the {} replicates (their spread, not the error of a mean). ",
                replicates);
  if (drawn.empty()) {
    intervals +=
        "Parameter uncertainty: none, the parameters are fixed at the " +
        std::string(oos ? "refit's estimates" : "scenario's values") +
        (sc.uncertainty.keys.empty() ? ""
                                     : " (uncertainty.draw = true draws them from [uncertainty])") +
        ": the " + what + " do not include it.";
  } else {
    intervals += "Parameter uncertainty: each replicate ran with its own draw of " + drawn +
                 (oos ? " from the refit's covariance" : " from [uncertainty]") + ", so the " +
                 what + " include it.";
  }
  std::vector<std::pair<std::string, std::string>> rows{
      {"command_line", command_line},    {"scenario_file", scenario_file},
      {"scenario_name", sc.name},        {"events_file", events_file},
      {"seed", std::to_string(sc.seed)}, {"replicates", std::to_string(replicates)}};
  if (oos) {
    rows.emplace_back("train_until", train_until);
  }
  rows.emplace_back("intervals", intervals);
  return rows;
}

}  // namespace pdlab::study
