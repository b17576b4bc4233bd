#include "dist/share.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"

#include <fmt/format.h>

#include <climits>
#include <cstring>
#include <filesystem>
#include <utility>

namespace pdlab::dist {

// A record's payload: the key's length, the key, the values (doubles, native byte order:
// the shards are read back by the same build).
CalibrateCheckpoint::CalibrateCheckpoint(const Context& ctx, ShardOptions options, bool has_output)
    : ctx_(ctx), o_(std::move(options)) {
  // A shard folder left by a killed run is looked at without --checkpoint too (refused
  // unless --resume).
  on_ = has_output && (ctx_.distributed() || o_.checkpoint || o_.resume ||
                       std::filesystem::exists(shards_dir(o_.out)));
}

CalibrateCheckpoint::~CalibrateCheckpoint() = default;

study::CalibrationJournal CalibrateCheckpoint::journal() {
  if (!on_) {
    return {};
  }
  study::CalibrationJournal j;
  const auto dir = shards_dir(o_.out);
  j.open = [this, dir](const std::string& fingerprint) {
    fingerprint_ = fingerprint;
    ctx_.collective([&] {
      bool exists = false;
      done_ = open_shards(dir, fingerprint, o_.resume, false, exists);
      exists_ = exists;
    });
  };
  j.replay = [this, dir](std::int64_t i, const std::vector<double>& key,
                         std::vector<double>& values) {
    const auto unit = static_cast<std::int32_t>(i);
    if (i > INT32_MAX || !done_.has(0, unit)) {
      return false;
    }
    ctx_.collective([&] {
      const auto p = done_.read(0, unit);
      std::uint64_t k = 0;
      if (p.size() >= 8) {
        std::memcpy(&k, p.data(), 8);
      }
      if (p.size() < 8 || k != key.size() || (p.size() - 8) % 8 != 0 || (p.size() - 8) / 8 < k ||
          std::memcmp(p.data() + 8, key.data(), k * 8) != 0) {
        fail(ErrorKind::data, {dir, 0, "--resume", ""},
             fmt::format("simulation {} in the shards was made at other parameters than this "
                         "run asks for (not the same calibration)",
                         i),
             "remove " + dir + " and run again without --resume");
      }
      values.resize((p.size() - 8) / 8 - k);
      std::memcpy(values.data(), p.data() + 8 + k * 8, values.size() * 8);
    });
    ++resumed_;
    return true;
  };
  j.record = [this, dir](std::int64_t i, const std::vector<double>& key,
                         const std::vector<double>& values) {
    ctx_.collective([&] {
      if (!ctx_.root()) {
        return;
      }
      // Made at the first record: a run that fails before its first simulation leaves
      // nothing behind.
      if (!writer_) {
        if (!exists_) {
          create_shards(dir, fingerprint_);
          exists_ = true;
        }
        writer_ = std::make_unique<ShardWriter>(dir, fingerprint_, done_.attempts + 1, 0);
      }
      std::vector<char> p(8 + (key.size() + values.size()) * 8);
      const std::uint64_t k = key.size();
      std::memcpy(p.data(), &k, 8);
      std::memcpy(p.data() + 8, key.data(), key.size() * 8);
      std::memcpy(p.data() + 8 + key.size() * 8, values.data(), values.size() * 8);
      writer_->add(0, static_cast<std::int32_t>(i), p.data(), p.size());
    });
  };
  return j;
}

void CalibrateCheckpoint::complete() {
  if (!on_) {
    return;
  }
  ctx_.collective([&] {
    if (ctx_.root()) {
      if (writer_) {
        writer_->close();
      }
      remove_shards(shards_dir(o_.out));
    }
  });
}

}  // namespace pdlab::dist
