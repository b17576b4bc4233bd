#include "pdlab/sim/compare.hpp"

#include "pdlab/core/governance.hpp"
#include "pdlab/sim/summary.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>

namespace pdlab {

namespace {

// From the metrics' descriptor table (docs/metrics.md): flows by their total over the
// horizon, stocks by their last-year mean.
bool is_flow(GovMetric m) {
  return info(m).kind == GovKind::flow;
}

// The 2.5% and 97.5% quantiles of the paired differences (type 7, as the time tables'
// quantiles), into c; NaN below 2 values, where lo and hi are too.
void set_spread(Contrast& c, std::vector<double> diffs) {
  if (diffs.size() < 2) {
    c.diff_q025 = c.diff_q975 = std::nan("");
    return;
  }
  std::sort(diffs.begin(), diffs.end());
  c.diff_q025 = quantile_type7(diffs, 0.025);
  c.diff_q975 = quantile_type7(diffs, 0.975);
}

}  // namespace

// Boost.Math's Student t quantile (it replaced a hand-written continued fraction + bisection).
double student_t_quantile(double p, double df) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

std::vector<OutcomeDef> outcome_defs(const Model& model) {
  const auto& h = model.hierarchy();
  const auto& sc = model.scenario();
  std::vector<OutcomeDef> out;
  for (std::size_t k = 0; k < sc.policies.size(); ++k) {
    const auto& p = sc.policies[k];
    for (int l = 1; l < h.n_levels(); ++l) {
      if (!model.adoptable(static_cast<int>(k), l)) {
        continue;  // ([[policy]] levels) nothing to summarise but zeros
      }
      out.push_back({"adopted", p.id, h.level_names()[l], "share_at_end"});
      out.push_back({"adopted", p.id, h.level_names()[l], "periods_to_half"});
      out.push_back({"adopted", p.id, h.level_names()[l], "reached_half"});
      out.push_back({"active", p.id, h.level_names()[l], "share_at_end"});
    }
  }
  if (const auto* g = model.governance()) {
    for (int m = 0; m < kGovMetrics; ++m) {
      const auto gm = static_cast<GovMetric>(m);
      if (gm == GovMetric::participation_target) {
        continue;
      }
      for (int l = 0; l < h.n_levels(); ++l) {
        if (g->metric_at(gm, l)) {
          out.push_back(
              {to_string(gm), "", h.level_names()[l], is_flow(gm) ? "total" : "last_year_mean"});
        }
      }
    }
  }
  return out;
}

std::vector<double> outcome_values(const Model& model, const ReplicateResult& result) {
  const auto& h = model.hierarchy();
  const auto& sc = model.scenario();
  const std::int32_t periods = model.periods();
  const int nl = h.n_levels();
  std::vector<double> out;
  const auto& rs = model.restructuring();
  for (int k = 0; k < model.n_policies(); ++k) {
    for (int l = 1; l < nl; ++l) {
      if (!model.adoptable(k, l)) {
        continue;  // as outcome_defs
      }
      // Over the units of the level that exist in each period (docs/model.md 7.13): the share
      // at the horizon, and the first period in which at least half of them have adopted.
      const auto adopted = adopted_existing(model, result, k, l);
      const std::int32_t last = periods - 1;
      const auto n_last = rs.count(l, last);
      out.push_back(n_last > 0 ? static_cast<double>(adopted[last]) / n_last : 0.0);
      std::int32_t half = periods;  // censored at the horizon
      for (std::int32_t t = 0; t < periods; ++t) {
        if (adopted[t] > 0 && adopted[t] >= (rs.count(l, t) + 1) / 2) {
          half = t;
          break;
        }
      }
      out.push_back(half);
      // Whether half was reached at all: periods_to_half is censored at the horizon where it
      // was not, so that its mean alone would read a never-reached half as a precise value.
      out.push_back(half < periods ? 1.0 : 0.0);
      // Running the model at the horizon: adopted (or piloting) and neither reversed nor
      // ceased, among the units existing then (summary_time's `active` in the last period).
      std::int64_t active = 0;
      for (const auto& a : result.adoptions) {
        if (a.policy == k && h.level(a.unit) == l && a.period <= last && last < a.rev_period &&
            rs.begin(a.unit) <= last && last < rs.end(a.unit)) {
          ++active;
        }
      }
      out.push_back(n_last > 0 ? static_cast<double>(active) / n_last : 0.0);
    }
  }
  if (const auto* g = model.governance()) {
    const int ppy = sc.calendar.periods_per_year;
    for (int m = 0; m < kGovMetrics; ++m) {
      const auto gm = static_cast<GovMetric>(m);
      if (gm == GovMetric::participation_target) {
        continue;
      }
      for (int l = 0; l < nl; ++l) {
        if (!g->metric_at(gm, l)) {
          continue;
        }
        const auto* v = &result.governance.values[(static_cast<std::size_t>(m) * nl + l) * periods];
        double sum = 0;
        int count = 0;
        const std::int32_t from = is_flow(gm) ? 0 : std::max(0, periods - ppy);
        for (std::int32_t t = from; t < periods; ++t) {
          if (!std::isnan(v[t])) {
            sum += v[t];
            ++count;
          }
        }
        if (count == 0) {
          out.push_back(std::nan(""));
        } else {
          out.push_back(!is_flow(gm) ? sum / count : info(gm).yearly_rate ? sum / ppy : sum);
        }
      }
    }
  }
  return out;
}

Contrast contrast(const std::vector<double>& x, const std::vector<double>& b) {
  Contrast c;
  std::vector<double> xs;
  std::vector<double> ds;
  for (std::size_t r = 0; r < x.size() && r < b.size(); ++r) {
    if (!std::isnan(x[r]) && !std::isnan(b[r])) {
      xs.push_back(x[r]);
      ds.push_back(x[r] - b[r]);
    }
  }
  c.n = static_cast<int>(xs.size());
  set_spread(c, ds);
  if (c.n == 0) {
    c.mean = c.sd = c.diff = c.diff_se = c.lo = c.hi = std::nan("");
    return c;
  }
  const auto n = static_cast<double>(c.n);
  for (std::size_t r = 0; r < xs.size(); ++r) {
    c.mean += xs[r];
    c.diff += ds[r];
  }
  c.mean /= n;
  c.diff /= n;
  // Equal values have that value as their mean and no spread (the sum's rounding would leave
  // a mean one ulp off and an sd of 1e-16).
  const auto equal = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [&](double y) { return y == v.front(); });
  };
  if (equal(xs)) {
    c.mean = xs.front();
  }
  if (equal(ds)) {
    c.diff = ds.front();
  }
  double sx = 0;
  double sd = 0;
  for (std::size_t r = 0; r < xs.size(); ++r) {
    sx += (xs[r] - c.mean) * (xs[r] - c.mean);
    sd += (ds[r] - c.diff) * (ds[r] - c.diff);
  }
  if (c.n < 2) {
    c.sd = c.diff_se = c.lo = c.hi = std::nan("");
    return c;
  }
  c.sd = std::sqrt(sx / (n - 1));
  c.diff_se = std::sqrt(sd / (n - 1) / n);
  const double q = student_t_quantile(0.975, n - 1);
  c.lo = c.diff - q * c.diff_se;
  c.hi = c.diff + q * c.diff_se;
  return c;
}

Contrast linear_contrast(const std::vector<const std::vector<double>*>& x,
                         const std::vector<double>& weights) {
  Contrast c;
  c.mean = c.sd = std::nan("");
  std::size_t base = x.size();
  std::size_t reps = 0;
  for (std::size_t i = 0; i < x.size() && i < weights.size(); ++i) {
    if (weights[i] != 0) {
      base = std::min(base, i);
      reps = std::max(reps, x[i]->size());
    }
  }
  std::vector<double> ls;
  for (std::size_t r = 0; r < reps && base < x.size(); ++r) {
    double l = 0;
    bool defined = true;
    for (std::size_t i = 0; i < x.size() && i < weights.size() && defined; ++i) {
      if (weights[i] != 0) {
        const auto& xi = *x[i];
        defined = r < xi.size() && !std::isnan(xi[r]) && !std::isnan((*x[base])[r]);
        l += defined ? weights[i] * (xi[r] - (*x[base])[r]) : 0.0;
      }
    }
    if (defined) {
      ls.push_back(l);
    }
  }
  c.n = static_cast<int>(ls.size());
  set_spread(c, ls);
  if (c.n == 0) {
    c.diff = c.diff_se = c.lo = c.hi = std::nan("");
    return c;
  }
  const auto n = static_cast<double>(c.n);
  for (double l : ls) {
    c.diff += l;
  }
  c.diff /= n;
  if (std::all_of(ls.begin(), ls.end(), [&](double l) { return l == ls.front(); })) {
    c.diff = ls.front();  // (no rounding of the sum: equal values, no spread)
  }
  if (c.n < 2) {
    c.diff_se = c.lo = c.hi = std::nan("");
    return c;
  }
  double ss = 0;
  for (double l : ls) {
    ss += (l - c.diff) * (l - c.diff);
  }
  c.diff_se = std::sqrt(ss / (n - 1) / n);
  const double q = student_t_quantile(0.975, n - 1);
  c.lo = c.diff - q * c.diff_se;
  c.hi = c.diff + q * c.diff_se;
  return c;
}

}  // namespace pdlab
