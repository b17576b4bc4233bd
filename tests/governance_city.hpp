// The governance tests' city and its reform cascade (test_governance.cpp, test_warmup.cpp).
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <variant>

namespace pdlab::test {

// A city "R" with `districts` districts, 5 streets each and 20 communities per street; the
// migrant share varies from 0.05 to 0.75 across communities, populations from 1,000 to 4,000.
inline Hierarchy city(int districts = 4) {
  HierarchyBuilder b("city", {"population", "migrant_share"});
  std::int64_t line = 2;
  const double top[] = {1e6, 0.3};
  b.add("R", "", "city", "city", top, line++);
  for (int d = 0; d < districts; ++d) {
    const std::string di = "d" + std::to_string(d);
    b.add(di, "R", "district", di, top, line++);
    for (int s = 0; s < 5; ++s) {
      const std::string si = di + "s" + std::to_string(s);
      b.add(si, di, "street", si, top, line++);
      for (int c = 0; c < 20; ++c) {
        const double x[] = {1000.0 + 150.0 * c, 0.05 + 0.7 * ((c * 7 + s * 3 + d) % 20) / 19.0};
        b.add(si + "c" + std::to_string(c), si, "community", "", x, line++);
      }
    }
  }
  return b.build("");
}

// Every governance module on; the reform cascades down from the city by mandates from period
// 0 (deadline 12 months at each level).
inline Scenario cascade(int periods = 120) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  Scenario s;
  s.calendar.periods = periods;
  s.policies.push_back({"gov", "governance model", 0.0});
  s.adoption.alpha = {{"city", -inf}, {"district", -5}, {"street", -5}, {"community", -5}};
  s.promotion.weights = {0, 0, 1, 0};
  s.promotion.mandate_deadline = 12;
  Event e;
  e.key = "event[0]";
  e.spec = AdoptSpec{};
  e.date = "0";
  e.policy = "gov";
  std::get<AdoptSpec>(e.spec).units = {"R"};
  std::get<AdoptSpec>(e.spec).mode = Mode::mandate;
  s.events.push_back(e);
  s.seed = 2018;
  auto& g = s.governance;
  g.assessment.enabled = g.coproduction.enabled = g.services.enabled = g.stability.enabled = true;
  return s;
}

}  // namespace pdlab::test
