#include "pdlab/dist/shards.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/version.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pdlab::dist {

namespace fs = std::filesystem;

namespace {

// Format 2: XXH3 checksums (format 1, FNV-1a, hashed a byte at a time: 0.4 s of CPU for a
// national ensemble of 32 replicates on 2 ranks, the writer's hash and rank 0's check).
constexpr char kMagic[8] = {'P', 'D', 'L', 'S', 'H', 'R', 'D', '2'};
const std::string kManifestHead = "pdlab shards 2, pdlab " PDLAB_VERSION "\n";

std::string manifest_path(const std::string& dir) {
  return (fs::path(dir) / "manifest").string();
}

std::uint64_t fingerprint_hash(const std::string& fingerprint) {
  return XXH3_64bits(fingerprint.data(), fingerprint.size());
}

// The first line where two texts differ, for messages.
std::pair<std::string, std::string> first_difference(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(ia, la));
    const bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) {
      return {"", ""};
    }
    if (!ga) {
      la = "(nothing)";
    }
    if (!gb) {
      lb = "(nothing)";
    }
    if (la != lb || !ga || !gb) {
      return {la, lb};
    }
  }
}

[[noreturn]] void io_fail(const std::string& path, const std::string& what) {
  fail(ErrorKind::io, {path, 0, "", ""}, what + ": " + std::strerror(errno),
       "check the disk (space, permissions) and resume with --resume");
}

}  // namespace

std::string shards_dir(const std::string& out) {
  return out + ".shards";
}

std::uint64_t record_checksum(const void* head, std::size_t head_size, const void* payload,
                              std::size_t n) {
  return XXH3_64bits_withSeed(payload, n, XXH3_64bits(head, head_size));
}

void create_shards(const std::string& dir, const std::string& fingerprint) {
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec) {
    fail(ErrorKind::cant_create, {dir, 0, "", ""},
         "cannot create the shard folder" + (ec ? ": " + ec.message() : std::string()),
         "check that its folder exists and is writable");
  }
  const auto path = manifest_path(dir);
  const auto tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << kManifestHead << fingerprint;
    f.flush();
    if (!f) {
      io_fail(tmp, "cannot write the shard manifest");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fail(ErrorKind::cant_create, {path, 0, "", ""}, "cannot write the manifest: " + ec.message(),
         "check that the folder is writable");
  }
}

ShardIndex scan_shards(const std::string& dir, const std::string& fingerprint) {
  const auto mpath = manifest_path(dir);
  std::ifstream m(mpath, std::ios::binary);
  if (!m) {
    fail(ErrorKind::data, {mpath, 0, "--resume", ""},
         "the shard folder has no manifest (not made by pdlab, or killed while starting)",
         "remove " + dir + " and run again without --resume");
  }
  std::stringstream text;
  text << m.rdbuf();
  const auto want = kManifestHead + fingerprint;
  if (text.str() != want) {
    const auto [had, now] = first_difference(text.str(), want);
    fail(ErrorKind::config, {dir, 0, "--resume", ""},
         "the finished work in it is of another study (scenario, --set, options or pdlab "
         "version differ): it has '" +
             had + "' where this run has '" + now + "'",
         "resume with the same scenario and options, or remove " + dir + " to start again");
  }
  ShardIndex index;
  const auto hash = fingerprint_hash(fingerprint);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0 && e.path().extension() == ".units") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<char> buf;
  for (const auto& path : files) {
    int attempt = 0;
    if (std::sscanf(path.filename().string().c_str(), "part-%d-", &attempt) == 1) {
      index.attempts = std::max(index.attempts, attempt);
    }
    std::error_code size_ec;
    const std::uint64_t file_size = fs::file_size(path, size_ec);
    std::ifstream f(path, std::ios::binary);
    char head[16];
    std::uint64_t h = 0;
    if (!f.read(head, sizeof head) || std::memcmp(head, kMagic, 8) != 0 ||
        (std::memcpy(&h, head + 8, 8), h != hash)) {
      continue;  // torn at creation, or not ours
    }
    const std::size_t file = index.files.size();
    index.files.push_back(path.string());
    std::uint64_t offset = sizeof head;
    while (true) {
      char rh[16];
      if (!f.read(rh, sizeof rh)) {
        break;
      }
      std::int32_t point = 0, rep = 0;
      std::uint64_t size = 0;
      std::memcpy(&point, rh, 4);
      std::memcpy(&rep, rh + 4, 4);
      std::memcpy(&size, rh + 8, 8);
      if (size_ec || size > file_size || offset + sizeof rh + size + 8 > file_size) {
        break;  // torn: the record's payload is not all there
      }
      buf.resize(size);
      std::uint64_t sum = 0;
      if (!f.read(buf.data(), static_cast<std::streamsize>(size)) ||
          !f.read(reinterpret_cast<char*>(&sum), 8) ||
          sum != record_checksum(rh, sizeof rh, buf.data(), size)) {
        break;  // torn by a kill: this record and anything after it are not finished
      }
      index.units.emplace(std::make_pair(point, rep), UnitRecord{file, offset + sizeof rh, size});
      offset += sizeof rh + size + 8;
    }
  }
  return index;
}

std::vector<char> ShardIndex::read(std::int32_t point, std::int32_t replicate) const {
  const auto it = units.find({point, replicate});
  if (it == units.end()) {
    fail(ErrorKind::internal, {"", 0, "", ""},
         fmt::format("unit (point {}, replicate {}) is missing from the shards", point, replicate),
         "report this as a bug; resume with --resume");
  }
  const auto& u = it->second;
  const auto& path = files[u.file];
  std::ifstream f(path, std::ios::binary);
  std::vector<char> out(u.size);
  f.seekg(static_cast<std::streamoff>(u.offset));
  if (!f.read(out.data(), static_cast<std::streamsize>(u.size))) {
    io_fail(path, "cannot read a finished unit back");
  }
  return out;
}

ShardWriter::ShardWriter(const std::string& dir, const std::string& fingerprint, int attempt,
                         int rank)
    : path_((fs::path(dir) / fmt::format("part-{:04d}-{:05d}.units", attempt, rank)).string()) {
  f_ = std::fopen(path_.c_str(), "wbx");
  if (f_ == nullptr) {
    fail(ErrorKind::cant_create, {path_, 0, "", ""},
         std::string("cannot create the shard: ") + std::strerror(errno),
         "check that the folder is writable and that no other run writes into it");
  }
  const auto h = fingerprint_hash(fingerprint);
  if (std::fwrite(kMagic, 1, 8, f_) != 8 || std::fwrite(&h, 8, 1, f_) != 1 ||
      std::fflush(f_) != 0) {
    io_fail(path_, "cannot write the shard");
  }
  offset_ = 16;
}

ShardWriter::~ShardWriter() {
  if (f_ != nullptr) {
    std::fclose(f_);
  }
}

std::uint64_t ShardWriter::add(std::int32_t point, std::int32_t replicate, const void* data,
                               std::size_t n) {
  char rh[16];
  const std::uint64_t size = n;
  std::memcpy(rh, &point, 4);
  std::memcpy(rh + 4, &replicate, 4);
  std::memcpy(rh + 8, &size, 8);
  const std::uint64_t sum = record_checksum(rh, sizeof rh, data, n);
  if (std::fwrite(rh, 1, sizeof rh, f_) != sizeof rh || std::fwrite(data, 1, n, f_) != n ||
      std::fwrite(&sum, 8, 1, f_) != 1 || std::fflush(f_) != 0) {
    io_fail(path_, "cannot write a finished unit to the shard");
  }
  const auto at = offset_;
  offset_ += sizeof rh + n + 8;
  return at;
}

bool read_record(const std::string& path, std::uint64_t offset, std::int32_t point,
                 std::int32_t replicate, std::vector<char>& payload) {
  std::ifstream f(path, std::ios::binary);
  char rh[16];
  if (!f || !f.seekg(static_cast<std::streamoff>(offset)) || !f.read(rh, sizeof rh)) {
    return false;
  }
  std::int32_t p = 0, r = 0;
  std::uint64_t size = 0;
  std::memcpy(&p, rh, 4);
  std::memcpy(&r, rh + 4, 4);
  std::memcpy(&size, rh + 8, 8);
  std::error_code ec;
  const auto file_size = fs::file_size(path, ec);
  if (p != point || r != replicate || ec || offset + sizeof rh + size + 8 > file_size) {
    return false;
  }
  payload.resize(size);
  std::uint64_t sum = 0;
  return static_cast<bool>(f.read(payload.data(), static_cast<std::streamsize>(size))) &&
         static_cast<bool>(f.read(reinterpret_cast<char*>(&sum), 8)) &&
         sum == record_checksum(rh, sizeof rh, payload.data(), size);
}

void ShardWriter::close() {
  if (f_ != nullptr) {
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) {
      io_fail(path_, "cannot close the shard");
    }
  }
}

void remove_shards(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace pdlab::dist
