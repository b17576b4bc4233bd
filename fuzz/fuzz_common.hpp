// Shared helpers of the libFuzzer targets (see docs/testing.md).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pdlab::fuzz {

// The readers take paths (they open, stat and gunzip the file themselves), so each input is
// written to a per-process scratch file. $TMPDIR or /tmp.
inline std::string write_input(const char* tag, const std::uint8_t* data, std::size_t size) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/pdlab_fuzz_" +
                     tag + "_" + std::to_string(::getpid()) + ".csv";
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
