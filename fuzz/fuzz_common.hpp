// Shared helpers of the libFuzzer targets (see docs/testing.md).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pdlab::fuzz {

// The scratch file of a process, removed when it exits (libFuzzer ends a time-boxed run with
// exit(), which runs static destructors).
struct Scratch {
  std::string path;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (!path.empty()) {
      ::unlink(path.c_str());
    }
  }
};

// The readers take paths (they open, stat and gunzip the file themselves), so each input is
// written to a per-process scratch file in $TMPDIR (ctest sets it to a folder of the build
// tree) or /tmp.
inline std::string write_input(const char* tag, const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/pdlab_fuzz_" +
                     tag + "_" + std::to_string(::getpid()) + ".csv";
  scratch.path = path;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::perror(path.c_str());
    std::abort();
  }
  if (size > 0 && std::fwrite(data, 1, size, f) != size) {
    std::perror(path.c_str());
    std::abort();
  }
  std::fclose(f);
  return path;
}

}  // namespace pdlab::fuzz
