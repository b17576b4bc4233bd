// An up-front estimate of what a study will take (bytes on disk, memory) and what the machine
// has, so that a run that cannot fit is refused before it simulates rather than failing hours
// in (a full disk, a file-size limit, the OOM killer). docs: README, "Before it runs".
#pragma once

#include "pdlab/study/study.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pdlab::study {

struct StudyEstimate {
  std::int32_t replicates = 0;  // replicates the estimate is for
  // Per replicate, from a pilot replicate (the study's first, simulated up front).
  std::int64_t adoption_rows = 0;
  std::int64_t unit_rows = 0;         // unit_time, governance_unit_time and agents_time rows
  std::uint64_t replicate_bytes = 0;  // on disk, all per-replicate tables
  // The finished file, and the most the file and its journal take while it is written: the
  // per-replicate summary cells stay in the file until the end, and the last transaction's
  // rollback journal holds the pages they free.
  std::uint64_t file_bytes = 0;
  std::uint64_t peak_file_bytes = 0;  // the largest single file (RLIMIT_FSIZE)
  std::uint64_t peak_disk_bytes = 0;  // file and journal together (free space)
  // On --resume: the size of the partial study already written, which peak_disk_bytes leaves
  // out (it is the room still needed).
  std::uint64_t partial_bytes = 0;
  // Memory beyond what the process uses when the estimate is made (the loaded model): the
  // workspaces of the threads, the replicates in flight (at most two per thread) and the
  // writer's cache and summaries; address space adds the worker threads' stacks.
  std::uint64_t memory_in_use = 0;
  std::uint64_t extra_memory = 0;
  std::uint64_t extra_address_space = 0;
  int threads = 1;    // threads that simulate at once
  int in_flight = 1;  // replicates held at once
  // The pilot itself (replicate 0), so that run_study writes it rather than simulating it
  // again, and the seconds it took.
  std::shared_ptr<const ReplicateResult> pilot;
  double pilot_seconds = 0;
};

// What the machine offers; empty where it cannot be read or is unlimited.
struct Available {
  std::optional<std::uint64_t> disk;           // free to this user on the output's filesystem
  std::optional<std::uint64_t> file_size;      // RLIMIT_FSIZE
  std::optional<std::uint64_t> memory;         // MemAvailable, or the cgroup's room if less
  std::string memory_source;                   // "MemAvailable" or the cgroup file
  std::optional<std::uint64_t> address_space;  // RLIMIT_AS less the address space in use
  std::uint64_t address_space_limit = 0;       // RLIMIT_AS (when address_space is set)
};

// Simulates the study's first pending replicate (deterministic: the same one the run writes)
// and scales it to the whole study: see estimate.cpp for the byte model and its calibration.
// With `resume`, the bytes already in `<out>.partial` are counted as written.
StudyEstimate estimate_study(const PreparedStudy& study, const std::string& out_path, bool resume);

// Reads what the machine offers to a study written at `out_path`.
Available available_for(const std::string& out_path);

// Throws Error(cant_create) when the output cannot fit on disk or under the file-size limit,
// Error(resources) when the memory or address space cannot hold the run; the message names
// the estimate, what is available and the fixes.
void check_estimate(const StudyEstimate& e, const Available& a, const std::string& out_path);

// "2.76 GB", "512 kB": decimal units, three significant digits.
std::string format_bytes(std::uint64_t bytes);

}  // namespace pdlab::study
