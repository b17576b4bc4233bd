// Summaries of an ensemble by policy, level and period: shares of units over replicates.
#pragma once

#include "pdlab/sim/engine.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab {

// adopted: ever entered pilot or adopted (cumulative, never falls); active: pilot, adopted or
// institutionalised now; pilot: in the pilot stage now; institutionalised: now; reversed: now
// (reversed and not adopted again).
enum class Metric : std::uint8_t { adopted, active, pilot, institutionalised, reversed };
constexpr int kMetrics = 5;
const char* to_string(Metric m);

// Stage of a unit at the end of period t, from its adoption record (nullptr = never adopted);
// with several records (adopted again), pass the last one that started by t.
enum class Stage : std::uint8_t { none, pilot, adopted, institutionalised, reversed };
const char* to_string(Stage s);
Stage stage_at(const Adoption* a, std::int32_t t);

// The rows of the unit_time table of one replicate, in table order: for each policy, every
// output.unit_time_every periods (t = every-1, 2*every-1, ...), each unit up to
// unit_time_max_level, with the record in force at the end of t (the unit's last record of the
// policy that started by t; nullptr = none). Shared by the study writer and the size estimate
// so both walk the same rows. `visit(policy, t, unit, const Adoption*)`.
template <class Visit>
void for_each_unit_time_row(const Model& m, const ReplicateResult& r, Visit&& visit) {
  const std::int32_t every = m.scenario().output.unit_time_every;
  if (every <= 0) {
    return;
  }
  const auto& h = m.hierarchy();
  const auto& rs = m.restructuring();
  const int max_level = m.unit_time_max_level();
  std::vector<std::int32_t> rec_of(static_cast<std::size_t>(h.size()));
  for (int pol = 0; pol < m.n_policies(); ++pol) {
    std::fill(rec_of.begin(), rec_of.end(), -1);
    std::size_t next = 0;  // records are in date order
    for (std::int32_t t = every - 1; t < m.periods(); t += every) {
      for (; next < r.adoptions.size() &&
             (r.adoptions[next].policy != pol || r.adoptions[next].period <= t);
           ++next) {
        if (r.adoptions[next].policy == pol) {
          rec_of[static_cast<std::size_t>(r.adoptions[next].unit)] =
              static_cast<std::int32_t>(next);
        }
      }
      for (std::int32_t u = 0; u < h.size() && h.level(u) <= max_level; ++u) {
        if (!rs.exists(u, t)) {
          continue;  // no row for a unit not yet born or already gone (docs/model.md 7.13)
        }
        const std::int32_t k = rec_of[static_cast<std::size_t>(u)];
        visit(pol, t, u, k >= 0 ? &r.adoptions[static_cast<std::size_t>(k)] : nullptr);
      }
    }
  }
}

struct SummaryRow {
  std::int32_t policy;
  std::int32_t level;
  std::int32_t period;
  Metric metric;
  std::int32_t n_units;
  double mean;
  double sd;              // over replicates (n - 1 denominator); 0 for one replicate
  std::vector<double> q;  // at Summary::quantiles
};

struct Summary {
  std::vector<double> quantiles;
  std::vector<SummaryRow> rows;  // ordered by policy, level, period, metric
};

// Quantile of sorted values, R's type 7 (linear interpolation), the default of R and numpy.
double quantile_type7(const std::vector<double>& sorted, double p);

Summary summarise(const Model& model, const std::vector<ReplicateResult>& results,
                  const std::vector<double>& quantiles);

// The same in two steps, so that a writer can keep replicates on disk rather than in memory:
// the cells of one replicate (adoption shares by policy, level, period and metric, in the
// order of Summary::rows), then the summary from cells fetched `chunk` at a time.
// fetch(c0, c1, out) fills out[r * (c1 - c0) + (c - c0)] for every replicate r in order.
using CellFetch = std::function<void(std::size_t, std::size_t, std::vector<double>&)>;
// For each period t: the units of `level` that exist in t (docs/model.md 7.13) and whose first
// adoption of `policy` came at or before t, counting only units for which `within(u)` holds
// (all when empty). Divided by the units of the level existing in t (Restructuring::count, or
// the same count within a region), it is the share adopted over the units of that period.
std::vector<std::int32_t> adopted_existing(const Model& model, const ReplicateResult& result,
                                           int policy, int level,
                                           const std::function<bool(std::int32_t)>& within = {});
std::size_t adoption_cell_count(const Model& model);
std::vector<double> adoption_cells(const Model& model, const ReplicateResult& result);
Summary summarise_cells(const Model& model, std::size_t n_reps, const CellFetch& fetch,
                        const std::vector<double>& quantiles, std::size_t chunk);

// Governance outputs by level, period and metric over replicates (NaN values skipped).
struct GovSummaryRow {
  std::int32_t level;
  std::int32_t period;
  GovMetric metric;
  std::int32_t replicates;  // replicates in which the value is defined
  double mean;
  double sd;
  std::vector<double> q;
};

struct GovSummary {
  std::vector<double> quantiles;
  std::vector<GovSummaryRow> rows;  // ordered by metric, level, period
};

GovSummary summarise_governance(const Model& model, const std::vector<ReplicateResult>& results,
                                const std::vector<double>& quantiles);

// Governance cells are ReplicateResult::governance.values (metric, level, period).
std::size_t governance_cell_count(const Model& model);
GovSummary summarise_governance_cells(const Model& model, std::size_t n_reps,
                                      const CellFetch& fetch, const std::vector<double>& quantiles,
                                      std::size_t chunk);

}  // namespace pdlab
