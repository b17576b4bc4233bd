// The community kernel: one period of every community of a block (docs/model.md 7.9.2-7.9.4),
// several communities at a time, without branches.
#pragma once

#include "sim/governance/simd.hpp"
#include "sim/governance/step.hpp"

#include <cstddef>
#include <cstdint>

namespace pdlab::gov {

// Population-weighted quantities the kernel writes per community, summed by local government.
enum class StreetSum : int {
  participation,  // w * P (both groups)
  grievance,      // locals' and migrants' grievance, weighted by their numbers
  satisfaction,   // w * s
  coverage,       // w * C
  depth,          // w * D
  so,             // w * SO coverage
  contracts,      // w * contracting share
  places,         // w * SO coverage * demand per resident: contracted places
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
  count
};
constexpr int kBlockSums = static_cast<int>(BlockSum::count);

// One block's communities as structs of arrays, padded to simd::kMaxLanes.
struct CommunityArrays {
  // Per community, persistent.
  const std::int32_t* adopted_from;  // first period of the active stage
  const std::int32_t* active_until;  // first period no longer active
  const float* migrant;
  const float* residents;
  const float* locals;
  const float* migrants;
  float* participation_mean;
  float* depth;
  float* coverage;
  float* participation[2];
  float* belonging[2];
  float* trust[2];
  float* grievance[2];
  // Per community, what its local government does this period (broadcast).
  const float* effort;
  const float* claims;
  const float* root_work;
  const float* peers;
  // Outputs of this period.
  float* target[2];  // the groups' participation targets (resident agents only; may be null)
  float* street[kStreetSums];
  float (*block)[simd::kMaxLanes];  // [kBlockSums][lanes]; lanes >= N left at 0
};

void community_kernel(const CommunityArrays& a, std::size_t n, std::int32_t t, const Step& st,
                      float so_capacity);

// The kernel's vectorised logistic 1 / (1 + exp(-x)) (SSE2 width), for its accuracy test.
float kernel_logistic(float x);

}  // namespace pdlab::gov
