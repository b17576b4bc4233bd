#include "core/calibrate.hpp"

#include <algorithm>
#include <numeric>

namespace pdlab {

namespace {

bool in_regions(const Hierarchy& h, std::int32_t u, const std::vector<std::int32_t>& regions) {
  for (auto r : regions) {
    if (h.ancestor_at(u, h.level(r)) == r) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<double> target_shares(const Model& model, const ReplicateResult& result,
                                  const std::vector<Target>& targets) {
  const auto& h = model.hierarchy();
  std::vector<double> adopted(targets.size(), 0.0);
  std::vector<double> total(targets.size(), 0.0);
  for (std::size_t j = 0; j < targets.size(); ++j) {
    const auto& t = targets[j];
    for (std::int32_t u = h.level_begin(t.level); u < h.level_begin(t.level + 1); ++u) {
      total[j] += in_regions(h, u, t.regions) ? 1.0 : 0.0;
    }
  }
  for (const auto& a : result.adoptions) {
    for (std::size_t j = 0; j < targets.size(); ++j) {
      const auto& t = targets[j];
      if (a.round == 0 && a.policy == t.policy && h.level(a.unit) == t.level &&
          a.period <= t.period && in_regions(h, a.unit, t.regions)) {
        adopted[j] += 1.0;
      }
    }
  }
  for (std::size_t j = 0; j < targets.size(); ++j) {
    adopted[j] = total[j] > 0 ? adopted[j] / total[j] : 0.0;
  }
  return adopted;
}

NelderMeadResult nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                             const std::vector<double>& x0, const std::vector<double>& step,
                             double tolerance, int max_evaluations) {
  const std::size_t n = x0.size();
  NelderMeadResult out;
  std::vector<std::vector<double>> p(n + 1, x0);
  std::vector<double> v(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    p[i + 1][i] += step[i];
  }
  int evals = 0;
  const auto eval = [&](const std::vector<double>& x) {
    ++evals;
    return f(x);
  };
  for (std::size_t i = 0; i <= n; ++i) {
    v[i] = eval(p[i]);
  }
  std::vector<std::size_t> order(n + 1);
  while (true) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    const std::size_t best = order.front();
    const std::size_t worst = order.back();
    const std::size_t second = order[n - (n > 0 ? 1 : 0)];
    if (v[worst] - v[best] <= tolerance) {
      out.converged = true;
      break;
    }
    if (evals >= max_evaluations) {
      break;
    }
    std::vector<double> c(n, 0.0);  // centroid of all but the worst
    for (std::size_t i = 0; i <= n; ++i) {
      if (i != worst) {
        for (std::size_t k = 0; k < n; ++k) {
          c[k] += p[i][k] / static_cast<double>(n);
        }
      }
    }
    const auto along = [&](double t) {
      std::vector<double> x(n);
      for (std::size_t k = 0; k < n; ++k) {
        x[k] = c[k] + t * (p[worst][k] - c[k]);
      }
      return x;
    };
    const auto xr = along(-1.0);
    const double fr = eval(xr);
    if (fr < v[best]) {
      const auto xe = along(-2.0);
      const double fe = eval(xe);
      if (fe < fr) {
        p[worst] = xe;
        v[worst] = fe;
      } else {
        p[worst] = xr;
        v[worst] = fr;
      }
      continue;
    }
    if (fr < v[second]) {
      p[worst] = xr;
      v[worst] = fr;
      continue;
    }
    // Contraction, outside or inside.
    const bool outside = fr < v[worst];
    const auto xc = along(outside ? -0.5 : 0.5);
    const double fc = eval(xc);
    if (fc < (outside ? fr : v[worst])) {
      p[worst] = xc;
      v[worst] = fc;
      continue;
    }
    // Shrink towards the best.
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == best) {
        continue;
      }
      for (std::size_t k = 0; k < n; ++k) {
        p[i][k] = p[best][k] + 0.5 * (p[i][k] - p[best][k]);
      }
      v[i] = eval(p[i]);
    }
  }
  const std::size_t best =
      static_cast<std::size_t>(std::min_element(v.begin(), v.end()) - v.begin());
  out.x = p[best];
  out.value = v[best];
  out.evaluations = evals;
  return out;
}

}  // namespace pdlab
