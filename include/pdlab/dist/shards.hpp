// OUT.shards/: the finished units of work of a distributed (or checkpointed) run, so that
// rank 0 can merge them and a killed run can resume without redoing them.
//   manifest                  what the work is (the study's fingerprint); a resume must match
//   part-A-R.units            rank R's units of attempt A (one file per rank and attempt)
// A units file is a header (magic, fingerprint hash) and records: point, replicate, payload
// size, payload, checksum. A record torn by a kill fails its size or checksum and is ignored
// with everything after it; resuming writes a new attempt's files and never edits old ones.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pdlab::dist {

// "OUT.shards".
std::string shards_dir(const std::string& out);

// A record's checksum: XXH3 (64 bits) of the payload, seeded with that of the record's head
// (point, replicate, size), so that a record torn or moved fails it.
std::uint64_t record_checksum(const void* head, std::size_t head_size, const void* payload,
                              std::size_t n);

// Where a finished unit lies.
struct UnitRecord {
  std::size_t file = 0;      // index into ShardIndex::files
  std::uint64_t offset = 0;  // of the payload
  std::uint64_t size = 0;
};

struct ShardIndex {
  std::vector<std::string> files;
  std::map<std::pair<std::int32_t, std::int32_t>, UnitRecord> units;  // (point, replicate)
  int attempts = 0;  // the highest attempt number found
  bool has(std::int32_t point, std::int32_t replicate) const {
    return units.count({point, replicate}) > 0;
  }
  // The unit's payload (Error io if it cannot be read).
  std::vector<char> read(std::int32_t point, std::int32_t replicate) const;
};

// Reads the manifest of `dir` and checks it against `fingerprint` (Error config naming the
// first line that differs, and the fix), then indexes every complete record.
ShardIndex scan_shards(const std::string& dir, const std::string& fingerprint);

// Creates `dir` and its manifest (Error cant_create if it cannot).
void create_shards(const std::string& dir, const std::string& fingerprint);

// Appends units to one rank's file of one attempt; each record is flushed when added.
class ShardWriter {
 public:
  ShardWriter(const std::string& dir, const std::string& fingerprint, int attempt, int rank);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;
  // Returns where the record starts in the file (for read_record).
  std::uint64_t add(std::int32_t point, std::int32_t replicate, const void* data, std::size_t n);
  void close();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  std::uint64_t offset_ = 0;
};

// Reads the record of unit (point, replicate) that starts at `offset` in the shard `path`
// into `payload`; false when it is not all there yet or fails its checksum.
bool read_record(const std::string& path, std::uint64_t offset, std::int32_t point,
                 std::int32_t replicate, std::vector<char>& payload);

// Removes `dir` with its files (after the merged output is in place).
void remove_shards(const std::string& dir);

}  // namespace pdlab::dist
