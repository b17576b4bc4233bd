#include "pdlab/sim/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pdlab {

const char* to_string(Metric m) {
  static const char* names[kMetrics] = {"adopted", "active", "pilot", "institutionalised",
                                        "reversed"};
  return names[static_cast<int>(m)];
}

const char* to_string(Stage s) {
  static const char* names[] = {"none", "pilot", "adopted", "institutionalised", "reversed"};
  return names[static_cast<int>(s)];
}

Stage stage_at(const Adoption* a, std::int32_t t) {
  if (a == nullptr || t < a->period) {
    return Stage::none;
  }
  if (t >= a->rev_period) {
    return Stage::reversed;
  }
  if (t >= a->inst_period) {
    return Stage::institutionalised;
  }
  if (a->pilot && t < a->full_period) {
    return Stage::pilot;
  }
  return Stage::adopted;
}

double quantile_type7(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return std::nan("");
  }
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::size_t adoption_cell_count(const Model& model) {
  return static_cast<std::size_t>(model.n_policies()) * model.hierarchy().n_levels() *
         model.periods() * kMetrics;
}

std::vector<double> adoption_cells(const Model& model, const ReplicateResult& result) {
  const auto& h = model.hierarchy();
  const int np = model.n_policies();
  const int nl = h.n_levels();
  const std::int32_t n_periods = model.periods();
  const std::size_t cells = adoption_cell_count(model);
  auto cell = [&](int pol, int lvl, std::int32_t t, int metric) {
    return ((static_cast<std::size_t>(pol) * nl + lvl) * n_periods + t) * kMetrics + metric;
  };
  std::vector<double> shares(cells, 0.0);
  std::vector<std::int64_t> diff(cells + kMetrics, 0);
  const auto& rs = model.restructuring();
  // A unit counts only while it exists, [begin, end) (docs/model.md 7.13): a change before
  // `begin` counts from `begin` (only when restructuring is not followed does a unit adopt
  // before it exists), and each change before `end` is undone at `end`. begin is 0 and end
  // kNever when nothing restructures.
  std::int32_t begin = 0;
  std::int32_t end = kNever;
  auto bump = [&](int pol, int lvl, std::int32_t t, Metric m, int d) {
    if (t < n_periods && t < end) {
      diff[cell(pol, lvl, std::max(t, begin), static_cast<int>(m))] += d;
      if (end < n_periods) {
        diff[cell(pol, lvl, end, static_cast<int>(m))] -= d;
      }
    }
  };
  for (const auto& a : result.adoptions) {
    const int lvl = h.level(a.unit);
    begin = rs.begin(a.unit);
    end = rs.end(a.unit);
    // A unit adopting again (a failed pilot, a reversed unit readmitted) counts once as
    // adopted, and is no longer reversed.
    if (a.round == 0) {
      bump(a.policy, lvl, a.period, Metric::adopted, 1);
    } else {
      bump(a.policy, lvl, a.period, Metric::reversed, -1);
    }
    bump(a.policy, lvl, a.period, Metric::active, 1);
    bump(a.policy, lvl, a.rev_period, Metric::active, -1);
    bump(a.policy, lvl, a.rev_period, Metric::reversed, 1);
    bump(a.policy, lvl, a.inst_period, Metric::institutionalised, 1);
    if (a.inst_period <= a.rev_period) {  // institutionalised, then reversed by an event
      bump(a.policy, lvl, a.rev_period, Metric::institutionalised, -1);
    }
    if (a.pilot) {
      bump(a.policy, lvl, a.period, Metric::pilot, 1);
      bump(a.policy, lvl, std::min(a.full_period, a.rev_period), Metric::pilot, -1);
    }
  }
  for (int pol = 0; pol < np; ++pol) {
    for (int lvl = 0; lvl < nl; ++lvl) {
      for (int m = 0; m < kMetrics; ++m) {
        std::int64_t run = 0;
        for (std::int32_t t = 0; t < n_periods; ++t) {
          // The denominator: the units of the level that exist in t.
          const double n_units = rs.count(lvl, t);
          run += diff[cell(pol, lvl, t, m)];
          shares[cell(pol, lvl, t, m)] = n_units > 0 ? static_cast<double>(run) / n_units : 0.0;
        }
      }
    }
  }
  return shares;
}

namespace {

// Mean, sd (n - 1) and type-7 quantiles of the non-NaN values in v (reordered).
struct Moments {
  std::size_t n = 0;
  double mean = 0;
  double sd = 0;
  std::vector<double> q;
};

Moments moments(std::vector<double>& v, const std::vector<double>& quantiles) {
  Moments out;
  double sum = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  std::size_t n = 0;
  for (double x : v) {
    if (!std::isnan(x)) {
      v[n++] = x;
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  v.resize(n);
  out.n = n;
  if (n == 0) {
    return out;
  }
  // The sum's rounding can leave the mean an ulp outside the values (0.8000000000000001 over
  // replicates that all gave 0.8, above their q95): it is kept within them, so equal values
  // have that value as their mean and an sd of exactly 0.
  out.mean = std::clamp(sum / static_cast<double>(n), lo, hi);
  double ss = 0;
  for (double x : v) {
    ss += (x - out.mean) * (x - out.mean);
  }
  // One value has no sample sd: NaN (NULL in a study, empty in CSV), not 0, which would read
  // as "no uncertainty".
  out.sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : std::nan("");
  std::sort(v.begin(), v.end());
  for (double p : quantiles) {
    out.q.push_back(quantile_type7(v, p));
  }
  return out;
}

// Calls f(cell, values over replicates) for every cell, fetching `chunk` cells at a time.
template <typename F>
void each_cell(std::size_t cells, std::size_t n_reps, const CellFetch& fetch, std::size_t chunk,
               F&& f) {
  chunk = std::max<std::size_t>(1, chunk);
  std::vector<double> block;
  std::vector<double> v;
  for (std::size_t c0 = 0; c0 < cells; c0 += chunk) {
    const std::size_t c1 = std::min(cells, c0 + chunk);
    const std::size_t w = c1 - c0;
    block.assign(n_reps * w, std::nan(""));
    fetch(c0, c1, block);
    for (std::size_t c = c0; c < c1; ++c) {
      v.resize(n_reps);
      for (std::size_t r = 0; r < n_reps; ++r) {
        v[r] = block[r * w + (c - c0)];
      }
      f(c, v);
    }
  }
}

CellFetch from_results(const std::vector<std::vector<double>>& per_rep) {
  return [&per_rep](std::size_t c0, std::size_t c1, std::vector<double>& out) {
    const std::size_t w = c1 - c0;
    for (std::size_t r = 0; r < per_rep.size(); ++r) {
      std::copy(per_rep[r].begin() + static_cast<std::ptrdiff_t>(c0),
                per_rep[r].begin() + static_cast<std::ptrdiff_t>(c1), out.begin() + r * w);
    }
  };
}

}  // namespace

Summary summarise_cells(const Model& model, std::size_t n_reps, const CellFetch& fetch,
                        const std::vector<double>& quantiles, std::size_t chunk) {
  const int nl = model.hierarchy().n_levels();
  const std::int32_t n_periods = model.periods();
  Summary s;
  s.quantiles = quantiles;
  s.rows.reserve(adoption_cell_count(model));
  each_cell(
      adoption_cell_count(model), n_reps, fetch, chunk, [&](std::size_t c, std::vector<double>& v) {
        const int m = static_cast<int>(c % kMetrics);
        const auto t = static_cast<std::int32_t>(c / kMetrics % n_periods);
        const int lvl = static_cast<int>(c / kMetrics / n_periods % nl);
        const int pol = static_cast<int>(c / kMetrics / n_periods / nl);
        auto mo = moments(v, quantiles);
        s.rows.push_back({pol, lvl, t, static_cast<Metric>(m), model.restructuring().count(lvl, t),
                          mo.mean, mo.sd, std::move(mo.q)});
      });
  return s;
}

std::vector<std::int32_t> adopted_existing(const Model& model, const ReplicateResult& result,
                                           int policy, int level,
                                           const std::function<bool(std::int32_t)>& within) {
  const auto& h = model.hierarchy();
  const auto& rs = model.restructuring();
  const std::int32_t periods = model.periods();
  // +1 from the later of the adoption and the unit's birth, -1 when it ceases.
  std::vector<std::int32_t> diff(static_cast<std::size_t>(periods) + 1, 0);
  for (const auto& a : result.adoptions) {
    if (a.policy != policy || a.round != 0 || h.level(a.unit) != level ||
        (within && !within(a.unit))) {
      continue;
    }
    const std::int32_t from = std::max(a.period, rs.begin(a.unit));
    const std::int32_t to = std::min(rs.end(a.unit), periods);
    if (from < to) {
      ++diff[from];
      --diff[to];
    }
  }
  std::vector<std::int32_t> out(static_cast<std::size_t>(periods), 0);
  std::int32_t run = 0;
  for (std::int32_t t = 0; t < periods; ++t) {
    run += diff[t];
    out[t] = run;
  }
  return out;
}

Summary summarise(const Model& model, const std::vector<ReplicateResult>& results,
                  const std::vector<double>& quantiles) {
  std::vector<std::vector<double>> per_rep;
  per_rep.reserve(results.size());
  for (const auto& r : results) {
    per_rep.push_back(adoption_cells(model, r));
  }
  return summarise_cells(model, results.size(), from_results(per_rep), quantiles,
                         adoption_cell_count(model));
}

std::size_t governance_cell_count(const Model& model) {
  return model.governance() == nullptr ? 0
                                       : static_cast<std::size_t>(kGovMetrics) *
                                             model.hierarchy().n_levels() * model.periods();
}

GovSummary summarise_governance_cells(const Model& model, std::size_t n_reps,
                                      const CellFetch& fetch, const std::vector<double>& quantiles,
                                      std::size_t chunk) {
  GovSummary s;
  s.quantiles = quantiles;
  const auto* g = model.governance();
  if (g == nullptr || n_reps == 0) {
    return s;
  }
  const int nl = model.hierarchy().n_levels();
  const std::int32_t periods = model.periods();
  each_cell(governance_cell_count(model), n_reps, fetch, chunk,
            [&](std::size_t i, std::vector<double>& v) {
              const auto t = static_cast<std::int32_t>(i % periods);
              const int l = static_cast<int>(i / periods % nl);
              const int m = static_cast<int>(i / periods / nl);
              if (!g->metric_at(static_cast<GovMetric>(m), l)) {
                return;
              }
              auto mo = moments(v, quantiles);
              if (mo.n == 0) {
                return;
              }
              s.rows.push_back({l, t, static_cast<GovMetric>(m), static_cast<std::int32_t>(mo.n),
                                mo.mean, mo.sd, std::move(mo.q)});
            });
  return s;
}

GovSummary summarise_governance(const Model& model, const std::vector<ReplicateResult>& results,
                                const std::vector<double>& quantiles) {
  std::vector<std::vector<double>> per_rep;
  if (model.governance() != nullptr) {
    for (const auto& r : results) {
      per_rep.push_back(r.governance.values);
    }
  }
  return summarise_governance_cells(model, per_rep.size(), from_results(per_rep), quantiles,
                                    governance_cell_count(model));
}

}  // namespace pdlab
