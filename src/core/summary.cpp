#include "core/summary.hpp"

#include <algorithm>
#include <cmath>

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

Summary summarise(const Model& model, const std::vector<ReplicateResult>& results,
                  const std::vector<double>& quantiles) {
  const auto& h = model.hierarchy();
  const int np = model.n_policies();
  const int nl = h.n_levels();
  const std::int32_t n_periods = model.periods();
  const auto n_reps = results.size();
  const std::size_t cells = static_cast<std::size_t>(np) * nl * n_periods * kMetrics;
  auto cell = [&](int pol, int lvl, std::int32_t t, int metric) {
    return ((static_cast<std::size_t>(pol) * nl + lvl) * n_periods + t) * kMetrics + metric;
  };
  // shares[r][cell]
  std::vector<std::vector<double>> shares(n_reps, std::vector<double>(cells, 0.0));
  for (std::size_t r = 0; r < n_reps; ++r) {
    std::vector<std::int64_t> diff(cells + kMetrics, 0);
    auto bump = [&](int pol, int lvl, std::int32_t t, Metric m, int d) {
      if (t < n_periods) {
        diff[cell(pol, lvl, t, static_cast<int>(m))] += d;
      }
    };
    for (const auto& a : results[r].adoptions) {
      const int lvl = h.level(a.unit);
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
      if (a.pilot) {
        bump(a.policy, lvl, a.period, Metric::pilot, 1);
        bump(a.policy, lvl, std::min(a.full_period, a.rev_period), Metric::pilot, -1);
      }
    }
    for (int pol = 0; pol < np; ++pol) {
      for (int lvl = 0; lvl < nl; ++lvl) {
        const double n_units = h.level_begin(lvl + 1) - h.level_begin(lvl);
        for (int m = 0; m < kMetrics; ++m) {
          std::int64_t run = 0;
          for (std::int32_t t = 0; t < n_periods; ++t) {
            run += diff[cell(pol, lvl, t, m)];
            shares[r][cell(pol, lvl, t, m)] = static_cast<double>(run) / n_units;
          }
        }
      }
    }
  }
  Summary s;
  s.quantiles = quantiles;
  s.rows.reserve(cells);
  std::vector<double> v(n_reps);
  for (int pol = 0; pol < np; ++pol) {
    for (int lvl = 0; lvl < nl; ++lvl) {
      for (std::int32_t t = 0; t < n_periods; ++t) {
        for (int m = 0; m < kMetrics; ++m) {
          const auto c = cell(pol, lvl, t, m);
          double sum = 0;
          for (std::size_t r = 0; r < n_reps; ++r) {
            v[r] = shares[r][c];
            sum += v[r];
          }
          const double mean = sum / static_cast<double>(n_reps);
          double ss = 0;
          for (double x : v) {
            ss += (x - mean) * (x - mean);
          }
          std::sort(v.begin(), v.end());
          SummaryRow row{pol,
                         lvl,
                         t,
                         static_cast<Metric>(m),
                         h.level_begin(lvl + 1) - h.level_begin(lvl),
                         mean,
                         n_reps > 1 ? std::sqrt(ss / static_cast<double>(n_reps - 1)) : 0.0,
                         {}};
          for (double p : quantiles) {
            row.q.push_back(quantile_type7(v, p));
          }
          s.rows.push_back(std::move(row));
        }
      }
    }
  }
  return s;
}

GovSummary summarise_governance(const Model& model, const std::vector<ReplicateResult>& results,
                                const std::vector<double>& quantiles) {
  GovSummary s;
  s.quantiles = quantiles;
  const auto* g = model.governance();
  if (g == nullptr || results.empty()) {
    return s;
  }
  const int nl = model.hierarchy().n_levels();
  const std::int32_t periods = model.periods();
  std::vector<double> v;
  for (int m = 0; m < kGovMetrics; ++m) {
    for (int l = 0; l < nl; ++l) {
      if (!g->metric_at(static_cast<GovMetric>(m), l)) {
        continue;
      }
      for (std::int32_t t = 0; t < periods; ++t) {
        const auto i = (static_cast<std::size_t>(m) * nl + l) * periods + t;
        v.clear();
        double sum = 0;
        for (const auto& r : results) {
          const double x = r.governance.values[i];
          if (!std::isnan(x)) {
            v.push_back(x);
            sum += x;
          }
        }
        if (v.empty()) {
          continue;
        }
        const double mean = sum / static_cast<double>(v.size());
        double ss = 0;
        for (double x : v) {
          ss += (x - mean) * (x - mean);
        }
        std::sort(v.begin(), v.end());
        GovSummaryRow row{l,
                          t,
                          static_cast<GovMetric>(m),
                          static_cast<std::int32_t>(v.size()),
                          mean,
                          v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0,
                          {}};
        for (double p : quantiles) {
          row.q.push_back(quantile_type7(v, p));
        }
        s.rows.push_back(std::move(row));
      }
    }
  }
  return s;
}

}  // namespace pdlab
