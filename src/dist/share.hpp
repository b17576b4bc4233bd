// What the runners share: the checks of a run's shard folder and of its rank count.
#pragma once

#include "pdlab/dist/context.hpp"
#include "pdlab/dist/shards.hpp"

#include <cstdint>
#include <string>

namespace pdlab::dist {

// Refuses more ranks than units of work (nothing is written).
void check_share(const Context& ctx, std::int64_t units, const std::string& what);

// The shard folder's state before any work: an existing folder without `resume` is refused
// (an interrupted run's work would be lost); with `resume` it is checked against the
// fingerprint and indexed. A missing folder with `resume` is refused unless
// `resume_without_shards` (pdlab run resumes its OUT.partial alone).
ShardIndex open_shards(const std::string& dir, const std::string& fingerprint, bool resume,
                       bool resume_without_shards, bool& exists);

// Whether rank `rank` of `ranks` runs unit `unit`.
inline bool owns(std::int64_t unit, int rank, int ranks) {
  return unit % ranks == rank;
}

}  // namespace pdlab::dist
