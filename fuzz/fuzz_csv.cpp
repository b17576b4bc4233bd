// libFuzzer target: the CSV reader (src/io/text_reader.cpp: plain or gzip, quoting, BOM, CRLF)
// with parse_number on every field, the same bytes as a table for fitting (read_table: the
// whole-file reader and the one-pass decimal parser), then as a hierarchy CSV and an edge
// list (src/io/hierarchy_csv.cpp). pdlab::Error is the expected outcome of bad input.
#include "fuzz_common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/text_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pdlab::fuzz::write_input("csv", data, size);
  try {
    pdlab::io::CsvReader csv(path);
    std::vector<std::string_view> fields;
    while (csv.next(fields)) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        try {
          pdlab::io::parse_number(fields[i], path, csv.line(), csv.header()[i]);
        } catch (const pdlab::Error&) {
        }
      }
    }
  } catch (const pdlab::Error&) {
  }
  try {
    pdlab::io::read_table(path, 1);
  } catch (const pdlab::Error&) {
  }
  try {
    pdlab::io::load_hierarchy_csv(path, "");
  } catch (const pdlab::Error&) {
  }
  return 0;
}
