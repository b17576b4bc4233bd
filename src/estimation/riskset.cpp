#include "pdlab/estimation/riskset.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/exposure.hpp"
#include "pdlab/core/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab {

RiskSet build_riskset(const Hierarchy& h, const Network& net,
                      const std::vector<ObservedAdoption>& adoptions, int n_policies,
                      const std::vector<TimeVaryingCovariate>& time_varying,
                      const RiskSetOptions& opt) {
  const std::int32_t n = h.size();
  RiskSet rs;
  for (int c : opt.static_columns) {
    rs.covariate_names.push_back(h.attribute_names()[c]);
  }
  for (const auto& tv : time_varying) {
    rs.covariate_names.push_back(tv.name);
  }
  rs.covariates.resize(rs.covariate_names.size());
  // Time-varying covariates as per-unit sorted observation lists (CSR by unit).
  struct Tv {
    std::vector<std::int64_t> begin;
    std::vector<std::pair<std::int32_t, double>> obs;  // (period, value) sorted
  };
  std::vector<Tv> tvs(time_varying.size());
  for (std::size_t k = 0; k < time_varying.size(); ++k) {
    auto sorted = time_varying[k].obs;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.unit != b.unit ? a.unit < b.unit : a.period < b.period;
    });
    tvs[k].begin.assign(static_cast<std::size_t>(n) + 1, 0);
    for (const auto& o : sorted) {
      ++tvs[k].begin[o.unit + 1];
      tvs[k].obs.emplace_back(o.period, o.value);
    }
    for (std::int32_t u = 0; u < n; ++u) {
      tvs[k].begin[u + 1] += tvs[k].begin[u];
    }
  }
  auto tv_value = [&](std::size_t k, std::int32_t u, std::int32_t t) {
    const auto& tv = tvs[k];
    for (std::int32_t v = u; v >= 0; v = h.parent(v)) {
      const auto b = tv.obs.begin() + tv.begin[v];
      const auto e = tv.obs.begin() + tv.begin[v + 1];
      auto it =
          std::upper_bound(b, e, t, [](std::int32_t x, const auto& o) { return x < o.first; });
      if (it != b) {
        return std::prev(it)->second;
      }
      if (!time_varying[k].inherit) {
        break;
      }
    }
    return time_varying[k].before;
  };

  std::vector<std::int32_t> policies = opt.policies;
  if (policies.empty()) {
    for (int k = 0; k < n_policies; ++k) {
      policies.push_back(k);
    }
  }
  std::vector<double> edge_total(n, 0.0);
  if (!net.empty()) {
    edge_total = net.in_weights();  // a unit's peers: its incoming edges
    for (double& w : edge_total) {
      w *= opt.edge_weight;
    }
  }
  std::vector<std::int32_t> adopt_at(n);
  std::vector<double> kids(n), edge_adopted(n), pressure(n);
  std::vector<std::vector<std::int32_t>> by_period(opt.periods);
  // Restructuring: the units born (after period 0) and ceasing in each period, and the
  // children of each unit that exist (every child when nothing restructures).
  const bool born = !opt.first_period.empty();
  const bool ceases = !opt.end_period.empty();
  const bool abolition = !opt.abolished_from.empty();
  std::vector<std::vector<std::int32_t>> born_in, ceased_in;
  std::vector<std::int32_t> alive0(n, 0), alive;
  for (std::int32_t u = 0; u < n; ++u) {
    alive0[u] = h.n_children(u);
  }
  if (born || ceases) {
    born_in.resize(opt.periods);
    ceased_in.resize(opt.periods);
    std::fill(alive0.begin(), alive0.end(), 0);
    for (std::int32_t u = 0; u < n; ++u) {
      const std::int32_t b = born ? opt.first_period[u] : 0;
      const std::int32_t e = ceases ? opt.end_period[u] : kNever;
      const std::int32_t p = h.parent(u);
      if (b <= 0 && e > 0 && p >= 0) {
        ++alive0[p];
      }
      if (b > 0 && b < opt.periods && b < e) {
        born_in[b].push_back(u);
      }
      if (e > 0 && e < opt.periods && b < e) {
        ceased_in[e].push_back(u);
      }
    }
  }
  const auto abolished = [&](std::int32_t u, std::int32_t t) {
    return abolition && opt.abolished_from[u] <= t && t < opt.abolished_until[u];
  };
  const auto exists = [&](std::int32_t u, std::int32_t t) {
    return (!born || opt.first_period[u] <= t) && (!ceases || t < opt.end_period[u]);
  };
  for (std::int32_t pol : policies) {
    const auto k = static_cast<std::size_t>(pol);
    const std::int32_t from = k < opt.policy_from.size() ? opt.policy_from[k] : 0;
    const std::vector<std::uint8_t>* levels =
        k < opt.policy_levels.size() && !opt.policy_levels[k].empty() ? &opt.policy_levels[k]
                                                                      : nullptr;
    const std::vector<std::uint8_t>* types =
        k < opt.policy_units.size() && !opt.policy_units[k].empty() ? &opt.policy_units[k]
                                                                    : nullptr;
    alive = alive0;
    std::fill(adopt_at.begin(), adopt_at.end(), kNever);
    for (auto& v : by_period) {
      v.clear();
    }
    for (const auto& a : adoptions) {
      if (a.policy != pol) {
        continue;
      }
      if (adopt_at[a.unit] != kNever) {
        fail(ErrorKind::data, {"", 0, "unit_id", std::string(h.id(a.unit))},
             "the unit adopts the same policy twice", "keep one adoption per unit and policy");
      }
      adopt_at[a.unit] = a.period;
      if (a.period >= 0 && a.period < opt.periods) {
        by_period[a.period].push_back(a.unit);
      }
    }
    std::fill(kids.begin(), kids.end(), 0.0);
    std::fill(edge_adopted.begin(), edge_adopted.end(), 0.0);
    const auto count_adopter = [&](std::int32_t u, double sign) {
      const std::int32_t p = h.parent(u);
      if (p >= 0) {
        kids[p] += sign;
      }
      if (!net.empty()) {
        const auto nb = net.neighbours(u);
        const auto w = net.weights(u);
        for (std::size_t e = 0; e < nb.size(); ++e) {
          edge_adopted[nb[e]] += sign * w[e];
        }
      }
    };
    // Adopted before the calendar's start: adopters from period 0 on, never at risk.
    for (const auto& a : adoptions) {
      if (a.policy == pol && a.period < 0) {
        count_adopter(a.unit, 1.0);
      }
    }
    const std::int32_t start = opt.duration_from_policy_start ? std::max(from, 0) : 0;
    for (std::int32_t t = 0; t < opt.periods; ++t) {
      // Units born or ceasing at t: a unit that ceases leaves its parent's count of children
      // and, if it had adopted, its peers' counts of adopters (as in the simulator).
      if (!born_in.empty()) {
        for (auto u : born_in[t]) {
          if (h.parent(u) >= 0) {
            ++alive[h.parent(u)];
          }
        }
        for (auto u : ceased_in[t]) {
          if (h.parent(u) >= 0) {
            --alive[h.parent(u)];
          }
          if (adopt_at[u] < t) {
            count_adopter(u, -1.0);  // leaves the adopters
          }
        }
      }
      // Exposures from the state at the end of t - 1 (counts updated at the end of the loop).
      // An abolished tier is no longer a government: its children receive its parent's pressure.
      for (std::int32_t u = 0; u < n; ++u) {
        if (h.n_children(u) > 0) {
          const std::int32_t p = h.parent(u);
          const double up = p >= 0 ? pressure[p] : 0.0;
          if (abolished(u, t)) {
            pressure[u] = up;
          } else {
            const double own = adopt_at[u] < t && exists(u, t) ? 1.0 : 0.0;
            pressure[u] = exposure::vertical(own, up, opt.attenuation);
          }
        }
      }
      for (std::int32_t u = 0; u < n; ++u) {
        if (adopt_at[u] < t || (opt.level >= 0 && h.level(u) != opt.level) || !exists(u, t) ||
            t < from || abolished(u, t) ||
            (levels != nullptr && (*levels)[static_cast<std::size_t>(h.level(u))] == 0) ||
            (types != nullptr && (*types)[static_cast<std::size_t>(u)] == 0)) {
          continue;  // adopted before t, not existing then, abolished, or never able to adopt
        }
        const std::int32_t p = h.parent(u);
        rs.unit.push_back(u);
        rs.policy.push_back(pol);
        rs.period.push_back(t);
        rs.duration.push_back(t - start + 1);
        rs.event.push_back(adopt_at[u] == t ? 1 : 0);
        rs.vertical.push_back(p >= 0 ? pressure[p] : 0.0);
        rs.horizontal.push_back(
            exposure::horizontal(p >= 0 ? kids[p] : 0.0, p >= 0 ? alive[p] - 1 : 0, edge_adopted[u],
                                 edge_total[u], opt.sibling_weight, opt.edge_weight));
        rs.bottom_up.push_back(exposure::bottom_up(kids[u], alive[u]));
        std::size_t c = 0;
        for (int col : opt.static_columns) {
          rs.covariates[c++].push_back(h.attribute(col)[u]);
        }
        for (std::size_t v = 0; v < tvs.size(); ++v) {
          rs.covariates[c++].push_back(tv_value(v, u, t));
        }
      }
      for (auto u : by_period[t]) {
        count_adopter(u, 1.0);  // joins the adopters
      }
    }
  }
  return rs;
}

}  // namespace pdlab
