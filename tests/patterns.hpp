// Helpers for the pattern tests of the coupled model (test_patterns.cpp): a city hierarchy
// with varied communities, a fixed Latin-hypercube sample of illustrative parameters, and the
// bookkeeping of a pattern that must hold across that sample and fail when its path is cut.
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/scenario.hpp"
#include "pdlab/sim/engine.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace pdlab::test {

// A city "R" with `districts` districts, `streets` streets each and `communities` communities
// per street. Communities' populations run from 1,000 to 4,000; their migrant shares vary
// within streets (0.05 to 0.75), and each street's mean is shifted by `spread` x (its place
// among the streets - 1/2), so that streets differ too.
inline Hierarchy city(int districts = 4, int streets = 5, int communities = 20,
                      double spread = 0.0) {
  HierarchyBuilder b("city", {"population", "migrant_share"});
  std::int64_t line = 2;
  const double top[] = {1e6, 0.3};
  b.add("R", "", "city", "city", top, line++);
  const int n_streets = districts * streets;
  for (int d = 0; d < districts; ++d) {
    const std::string di = "d" + std::to_string(d);
    b.add(di, "R", "district", di, top, line++);
    for (int s = 0; s < streets; ++s) {
      const std::string si = di + "s" + std::to_string(s);
      // Streets interleave across districts so that each district gets a range of them.
      const double place = (static_cast<double>((s * districts + d) % n_streets) + 0.5) /
                           static_cast<double>(n_streets);
      const double street_top[] = {1e5, std::clamp(0.4 + spread * (place - 0.5), 0.0, 1.0)};
      b.add(si, di, "street", si, street_top, line++);
      for (int c = 0; c < communities; ++c) {
        const double within = 0.05 + 0.7 * ((c * 7 + s * 3 + d) % 20) / 19.0;
        const double share = std::clamp(within + spread * (place - 0.5), 0.0, 1.0);
        const double x[] = {1000.0 + 3000.0 * ((c * 13) % communities) / communities, share};
        b.add(si + "c" + std::to_string(c), si, "community", "", x, line++);
      }
    }
  }
  return b.build("");
}

// A Latin-hypercube sample of n points in [0, 1]^d, fixed by `seed`: each dimension's n
// strata are visited once, in a random order, at a random place within the stratum.
inline std::vector<std::vector<double>> latin_hypercube(int n, int d, std::uint32_t seed) {
  std::mt19937 gen(seed);  // the engine's output is specified by the standard: portable
  const auto uniform = [&] { return (static_cast<double>(gen()) + 0.5) / 4294967296.0; };
  std::vector<std::vector<double>> x(static_cast<std::size_t>(n), std::vector<double>(d));
  for (int j = 0; j < d; ++j) {
    std::vector<int> order(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; --i) {  // Fisher-Yates with the portable draws above
      const auto k = static_cast<int>(uniform() * (i + 1));
      std::swap(order[i], order[std::min(k, i)]);
    }
    for (int i = 0; i < n; ++i) {
      x[i][j] = (order[i] + uniform()) / n;
    }
  }
  return x;
}

// An illustrative parameter varied over [lo, hi] (linearly in the sample's coordinate).
struct Range {
  std::string key;
  double lo;
  double hi;
};

// Applies point x of the sample to scenario s (keys of the parameter registry).
void apply_point(Scenario& s, const std::vector<Range>& ranges, const std::vector<double>& x);

// How often a pattern holds over the sample, with its path intact and with it cut.
struct PatternResult {
  int points = 0;
  int held = 0;
  int held_cut = 0;
  [[nodiscard]] double share() const { return static_cast<double>(held) / points; }
  [[nodiscard]] double share_cut() const { return static_cast<double>(held_cut) / points; }
};

// Pattern `holds(s, &value)` at every point of the sample, on `base` with the point applied,
// then again with restructuring not followed (stages.follow_restructuring = false, the path
// cut): how often it held each way, and the mean `value` each way.
struct CutPattern {
  PatternResult result;
  double mean = 0;
  double mean_cut = 0;
};
inline CutPattern restructuring_pattern(
    const std::vector<std::vector<double>>& sample, const std::vector<Range>& ranges,
    const Scenario& base, const std::function<bool(const Scenario&, double*)>& holds) {
  CutPattern out;
  const auto n = static_cast<double>(sample.size());
  for (const auto& x : sample) {
    auto s = base;
    apply_point(s, ranges, x);
    double v = 0;
    ++out.result.points;
    out.result.held += holds(s, &v) ? 1 : 0;
    out.mean += v / n;
    s.stages.follow_restructuring = false;  // the path cut
    out.result.held_cut += holds(s, &v) ? 1 : 0;
    out.mean_cut += v / n;
  }
  return out;
}

}  // namespace pdlab::test
