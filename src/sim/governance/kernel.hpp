// The community kernel: one period of every community of a block (docs/model.md 7.9.2-7.9.4),
// several communities at a time, without branches.
#pragma once

#include "pdlab/core/governance/step.hpp"
#include "pdlab/core/simd.hpp"

#include <cstddef>
#include <cstdint>

namespace pdlab::gov {

// Quantities the kernel writes per community, summed by local government (population-
// weighted unless said otherwise).
enum class StreetSum : int {
  participation,   // w * P (both groups)
  grievance,       // locals' and migrants' grievance, weighted by their numbers
  voiced,          // ... and by contention weight: grievance that reaches open contention
  unmet_need,      // the residents' unmet need full root-cause capital would fix
  satisfaction,    // w * s
  depth,           // w * D
  active,          // w * a (residents of communities running the model)
  fit,             // w * a * fit of the variant they run
  active_depth,    // a * D: what peers see of the active communities (learning)
  places_so,       // four o'clock school places contracted from SOs (pupils, offered)
  adopters_depth,  // w * a * D: depth where the model runs (reversal feedback)
  count
};
constexpr int kStreetSums = static_cast<int>(StreetSum::count);
// The kernel writes each community's street sums as one row of kStreetRow floats (the last
// one 0), so that a government's sums add three 4-float vectors per community, every quantity in
// its own lane and in community order (the bits of scalar sums).
constexpr int kStreetRow = 12;

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
  // The four o'clock school in counts (pupils; schools), summed, not weighted. Places by
  // source are places used (at most the demand); supply is every place offered.
  demand,  // children of primary age whose parents both work
  supply,
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
// The fields the kernel writes: the residents' state.
constexpr Field kStateFields[] = {Field::depth,
                                  Field::perceived,
                                  Field::participation_local,
                                  Field::participation_migrant,
                                  Field::belonging_local,
                                  Field::belonging_migrant,
                                  Field::trust_local,
                                  Field::trust_migrant,
                                  Field::grievance_local,
                                  Field::grievance_migrant};
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
  // Per community, its local government's place among the block's governments with
  // communities (ascending, consecutive); the padding repeats the last.
  const std::int32_t* gov;
  // Per community, how many communities it stands for (Runtime's identical communities): 1,
  // or n for one that is updated for n - 1 identical others, which are 0 and not updated. Every
  // sum over communities counts it that many times; a vector whose lanes are all 0 is skipped.
  const float* count;
  // By that place, what the local government does this period.
  const float* effort;
  // Grievance inflow of the period from stability work: latent grievance surfacing and
  // unmet claims (docs/model.md 7.9.4).
  const float* stability_grievance;
  const float* root_work;  // root-cause capital: the fixes paid for
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
  float* street;            // [community][kStreetRow], StreetSum order
  // Per vector of the kernel's lanes (may be null): 1 if its communities were updated and have
  // rows this period, 0 if all of their counts are 0 (rows left as they were).
  std::uint8_t* updated;
  // Whether to prefetch tiles ahead (community_kernel): worth it only where they come from
  // memory, the block's own tiles in a window's first period; packed and shadow tiles are
  // side by side (the hardware prefetcher follows them) and mostly in cache.
  bool prefetch;
  float (*block)[simd::kMaxLanes];  // [kBlockSums][lanes]; lanes >= N left at 0
};

// A step's constants as the kernel reads them (the arrays it writes are restrict, so the
// compiler keeps these in registers or broadcasts them once a call). kernel_constants(st) makes
// them; Runtime keeps them per period, for every block's calls.
struct KernelConstants {
  float services_contracting, volunteers, government, withdrawal, space;
  float depth_rate, depth_decay, perceive;
  float admin_load, list_cut, cost_load, cost[2], cost_factor[2], inv_spread;
  bool shared_exp;  // both classes' logistics from one exponential (see kernel_constants())
  float intercept, w_peers, mobilise, w_bel, w_trust, w_serv, w_eff, voice[2], contention[2],
      access, adjust;
  float bel_time, bel_serv, bel_part, turnover[2], need[2], working[2], school_min;
  float sat_intercept, sat_depth, sat_serv, sat_griev, trust_rate;
  float control_trust, griev_in, griev_decay;
  float root_places, root_access, root_load;  // what full root-cause capital fixes (7.9.4)
  float assess_depth, assess_sat;             // the superior's weights on depth and satisfaction
};
KernelConstants kernel_constants(const Step& st);

// One period of n communities (n a multiple of simd::kMaxLanes); a.block's lanes are set.
void community_kernel(const CommunityArrays& a, std::size_t n, std::int32_t t,
                      const KernelConstants& k, float so_capacity);

// The vector width community_kernel runs at: 16 (AVX-512), 8 (AVX2 + FMA) or 4 (SSE2), chosen
// by the CPU, at most what PDLAB_SIMD allows. The kernel's last bits depend on it (the wider
// paths fuse multiply-adds; the block's sums run in as many lanes), so tests that pin those
// bits pin one value per width.
int community_kernel_lanes();

// The kernel's code paths. avx512_on_avx2 runs the 16-lane code on AVX2 + FMA (each 16-lane
// vector as two 8-lane ones): the same per-lane arithmetic, fused multiply-adds and sums as the
// AVX-512 path, so the AVX-512 bits on a CPU without AVX-512 (its digest in test_stability.cpp
// was made on an Intel CPU with AVX-512 and is met so on an AMD EPYC with AVX2 only).
// PDLAB_SIMD=avx512-on-avx2 chooses it for a whole run (2.4x slower than the AVX2 path: the
// 16-lane shuffles are moved lane by lane).
enum class KernelPath : int { automatic, sse, avx2, avx512, avx512_on_avx2 };
// Forces the path of every later kernel call in this process (tests of each width's bits);
// automatic restores the choice by CPU and PDLAB_SIMD. False, and nothing changed, where this
// CPU cannot run the path.
bool force_kernel_path(KernelPath path);

// The kernel's writing of street sums as rows, for its test: q[k][c] (k < kStreetSums, c < n, n a
// multiple of lanes) to rows[c * kStreetRow + k], `lanes` (4, 8, 16) communities at a time;
// false if this CPU lacks that width.
bool kernel_street_rows(int lanes, const float* const* q, std::size_t n, float* rows);

// The kernel's vectorised logistic 1 / (1 + exp(-x)) (SSE2 width), for its accuracy test.
float kernel_logistic(float x);

}  // namespace pdlab::gov
