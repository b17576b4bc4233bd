// libFuzzer target: the CSV reader (src/io/text_reader.cpp: plain or gzip, quoting, BOM, CRLF)
// with parse_number on every field, the same bytes as a table for fitting (read_table: the
// whole-file reader and the one-pass decimal parser), then as a hierarchy CSV and an edge
// list (src/io/hierarchy_csv.cpp); and read_design (`pdlab eha`'s path straight into the
// design matrix, src/io/design_reader.cpp), which must give build_design's design bit for bit
// wherever it takes the file. pdlab::Error is the expected outcome of bad input.
#include "fuzz_common.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/text_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
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
    // The first column as the response, the next three as terms.
    std::string formula;
    {
      const pdlab::io::CsvReader csv(path);
      const auto& h = csv.header();
      formula = h.at(0) + " ~ 1";
      for (std::size_t i = 1; i < h.size() && i < 4; ++i) {
        formula += " + " + h[i];
      }
    }
    const auto f = pdlab::io::parse_formula(formula);
    if (const auto fast = pdlab::io::read_design(path, f, "", "", 2)) {
      std::optional<pdlab::io::Design> slow;
      try {
        slow = pdlab::io::build_design(pdlab::io::read_table(path, 1), f, "", "");
      } catch (const pdlab::Error&) {
        __builtin_trap();  // read_design took a file the table refuses
      }
      const auto same = [](const auto& a, const auto& b) {
        return a.size() == b.size() &&
               (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0);
      };
      if (fast->x.rows() != slow->x.rows() || fast->x.cols() != slow->x.cols() ||
          !same(fast->x, slow->x) || !same(fast->y, slow->y) ||
          fast->dropped_missing != slow->dropped_missing || fast->names != slow->names) {
        __builtin_trap();
      }
      // A design read_design vouches for (the fit then skips its checks) is finite, with
      // responses of 0 or 1.
      if (fast->checked &&
          (!fast->x.allFinite() || !(fast->y.array() == 0.0 || fast->y.array() == 1.0).all())) {
        __builtin_trap();
      }
    }
  } catch (const pdlab::Error&) {
  } catch (const std::out_of_range&) {
  }
  try {
    pdlab::io::load_hierarchy_csv(path, "");
  } catch (const pdlab::Error&) {
  }
  return 0;
}
