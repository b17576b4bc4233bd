// libFuzzer target: the cascade reader of `pdlab infer` (read_cascades in
// src/io/estimation_io.cpp): node_name,event_time,cascade_id. pdlab::Error is the expected
// outcome of bad input.
#include "fuzz_common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pdlab::fuzz::write_input("cascades", data, size);
  try {
    const auto c = pdlab::io::read_cascades(path, "");
    for (const auto& e : c.events) {
      if (e.node < 0 || static_cast<std::size_t>(e.node) >= c.node_names.size() || e.cascade < 0 ||
          static_cast<std::size_t>(e.cascade) >= c.cascade_ids.size()) {
        __builtin_trap();  // an event pointing outside the name tables
      }
    }
  } catch (const pdlab::Error&) {
  }
  return 0;
}
