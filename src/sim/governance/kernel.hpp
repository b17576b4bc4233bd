// The community kernel: one period of every community of a block (docs/model.md 7.9.2-7.9.4),
// several communities at a time, without branches.
#pragma once

#include "pdlab/core/governance/step.hpp"
#include "pdlab/core/simd.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pdlab::gov {

// Quantities the kernel writes per community, summed by local government (population-
// weighted unless said otherwise).
enum class StreetSum : int {
  participation,  // w * P (both groups)
  grievance,      // locals' and migrants' grievance, weighted by their numbers
  satisfaction,   // w * s
  depth,          // w * D
  active,         // w * a (residents of communities running the model)
  fit,            // w * a * fit of the variant they run
  active_depth,   // a * D: what peers see of the active communities (learning)
  places_so,      // four o'clock school places from contracted SOs (pupils)
  count
};
constexpr int kStreetSums = static_cast<int>(StreetSum::count);

// Sums over the block's communities, by lane, for the community-level outputs.
enum class BlockSum : int {
  participation_local,  // wl * P_local
  participation_migrant,
  belonging_local,
  belonging_migrant,
  trust_local,
  trust_migrant,
  grievance_local,
  grievance_migrant,
  satisfaction,  // w * s
  coverage,      // w * C
  depth,         // w * D
  // The four o'clock school in counts (pupils; schools), summed, not weighted.
  demand,  // children of primary age whose parents both work
  places_so,
  places_volunteers,
  places_government,
  schools,  // communities whose school has at least school_min places
  count
};
constexpr int kBlockSums = static_cast<int>(BlockSum::count);

// The persistent state of the communities, in tiles of simd::kMaxLanes communities (arrays
// of structs of arrays): one tile's fields are contiguous, so the kernel follows one pointer
// and reads memory in order. Field f of the community in slot s is at tile_index(f, s).
enum class Field : int {
  adopted_from,  // first period of the active stage (int32 bits)
  active_until,  // first period no longer active (int32 bits)
  migrant,       // migrant share
  residents,
  children,   // share of residents of primary-school age
  fit,        // of the variant the community runs to its conditions
  depth,      // implementation depth
  perceived,  // depth as residents perceive it (lagged)
  participation_local,
  participation_migrant,
  belonging_local,
  belonging_migrant,
  trust_local,
  trust_migrant,
  grievance_local,
  grievance_migrant,
  count
};
constexpr int kFields = static_cast<int>(Field::count);
inline std::size_t tile_index(Field f, std::int32_t slot) {
  const auto lanes = static_cast<std::int32_t>(simd::kMaxLanes);
  return (static_cast<std::size_t>(slot / lanes) * kFields + static_cast<std::size_t>(f)) *
             simd::kMaxLanes +
         static_cast<std::size_t>(slot % lanes);
}
// A group's field: locals (0) or migrants (1).
inline Field of_group(Field local, int group) {
  return static_cast<Field>(static_cast<int>(local) + group);
}

// One block's communities: its tiles and its scratch arrays (padded to simd::kMaxLanes).
struct CommunityArrays {
  float* tiles;  // the block's first tile
  // Per community, what its local government does this period (broadcast).
  const float* effort;
  // Grievance inflow of the period from stability work: latent grievance surfacing and
  // unmet claims (docs/model.md 7.9.4).
  const float* stability_grievance;
  const float* root_work;
  const float* peers;
  const float* control;     // intensity of control (trust)
  const float* extra_load;  // administrative load added by a partial reform
  // Outputs of this period; the optional ones may be null.
  float* coverage;  // panel rows only
  // Feedback rows of this period from the block's first community (feedback only): what
  // peers see of a community (its depth) and how its superior would judge it as a pilot.
  float* outcome;
  float* assessed;
  std::size_t communities;  // the block's communities; the rows end there, the tiles later
  float* target[2];         // the groups' participation targets (resident agents only)
  float* street[kStreetSums];
  float (*block)[simd::kMaxLanes];  // [kBlockSums][lanes]; lanes >= N left at 0
  // Memory to bring into cache while this block computes, a few lines per iteration (null:
  // none). A hint only: no value depends on it.
  struct Prefetch* prefetch = nullptr;
};

// Memory ranges to bring into cache ahead of use: the next block's tiles, feedback rows and
// governments' state, which a window of a few periods (coupled runs) would otherwise fetch
// at the rate of the next block's first period. Issued a few 64-byte lines at a time, between
// computations, so that the loads overlap with them.
struct Prefetch {
  static constexpr int kMaxRanges = 96;
  const char* begin[kMaxRanges];
  std::size_t lines[kMaxRanges];
  int count = 0;
  int range = 0;  // the next line to issue: line `line` of range `range`
  std::size_t line = 0;
  std::size_t total = 0;  // lines in all ranges
  std::size_t quota = 0;  // lines the next kernel call issues

  void clear() { count = range = 0, line = total = quota = 0; }
  // The lines covering [p, p + bytes) (dropped past kMaxRanges: a hint may be incomplete).
  void add(const void* p, std::size_t bytes) {
    if (bytes == 0 || count == kMaxRanges) {
      return;
    }
    const auto a = reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{63};
    const auto e = reinterpret_cast<std::uintptr_t>(p) + bytes;
    begin[count] = reinterpret_cast<const char*>(a);
    lines[count] = (e - a + 63) / 64;
    total += lines[count++];
  }
  template <class T>
  void add(const std::vector<T>& v, std::int32_t first, std::int32_t end) {
    if (first < end && static_cast<std::size_t>(end) <= v.size()) {
      add(&v[static_cast<std::size_t>(first)], sizeof(T) * static_cast<std::size_t>(end - first));
    }
  }
  // Issues the next n lines (inline: a call would make the kernel spill its vectors).
  PDLAB_INLINE void issue(std::size_t n) {
    for (; n > 0 && range < count; --n) {
      __builtin_prefetch(begin[range] + 64 * line, 1, 3);
      if (++line == lines[range]) {
        line = 0;
        ++range;
      }
    }
  }
};

void community_kernel(const CommunityArrays& a, std::size_t n, std::int32_t t, const Step& st,
                      float so_capacity);

// The kernel's vectorised logistic 1 / (1 + exp(-x)) (SSE2 width), for its accuracy test.
float kernel_logistic(float x);

}  // namespace pdlab::gov
