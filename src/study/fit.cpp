#include "pdlab/study/fit.hpp"
#include "pdlab/study/study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/output_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace pdlab::study {

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
  // Only levels that can adopt in the scenario: a fitted scenario's levels that were not at
  // risk have intercept -inf, and their observed curve was never part of the fit.
  const auto& adoption = model.scenario().adoption;
  for (int l = 0; l < nl; ++l) {
    const auto it = adoption.alpha.find(h.level_names()[static_cast<std::size_t>(l)]);
    const double alpha = it != adoption.alpha.end() ? it->second : adoption.alpha_default;
    if (std::isinf(alpha) && alpha < 0) {
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
