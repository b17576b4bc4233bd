// The exposure terms of the adoption hazard, shared by the simulator (engine.cpp) and the
// risk-set builder (estimation/riskset.cpp), so that what is simulated is what is estimated.
#pragma once

namespace pdlab::exposure {

// Horizontal exposure H: weighted share of peers adopted. Siblings count with weight
// `sibling_weight` each; edge-list peers with their edge weights times `edge_weight`
// (`edge_total` is already multiplied by it). Adopted peers count 1, or their quality when
// learning is success-weighted (the caller passes the sums).
inline double horizontal(double siblings_adopted, double n_siblings, double edge_adopted,
                         double edge_total, double sibling_weight, double edge_weight) {
  const double num = sibling_weight * siblings_adopted + edge_weight * edge_adopted;
  const double den = sibling_weight * n_siblings + edge_total;
  return den > 0 ? num / den : 0.0;
}

// Bottom-up exposure U: share of a unit's children adopted (0 for a leaf).
inline double bottom_up(double children_adopted, double n_children) {
  return n_children > 0 ? children_adopted / n_children : 0.0;
}

// Vertical pressure passed to a unit's children: its own signal plus its parent's pressure,
// attenuated by one level. A child's V is its parent's pressure (plus direct mandates).
inline double vertical(double own_signal, double parent_pressure, double attenuation) {
  return own_signal + attenuation * parent_pressure;
}

}  // namespace pdlab::exposure
