// libFuzzer target: the TOML scenario loader (src/io/scenario_toml.cpp, toml++ underneath).
// A pdlab::Error is the expected outcome of a bad scenario; anything else (another exception,
// a crash, a sanitizer report) is a finding.
#include "pdlab/core/errors.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto loaded = pdlab::io::parse_scenario(text, "fuzz.toml", {});
    // The resolved TOML is stored with results and read back: it must parse again.
    pdlab::io::parse_scenario(loaded.resolved_toml, "fuzz-resolved.toml", {});
  } catch (const pdlab::Error&) {
  }
  return 0;
}
