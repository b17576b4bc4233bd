#include "pdlab/study/grid.hpp"

#include <numeric>
#include <sstream>
#include <utility>

namespace pdlab::study {

GridValues run_grid_here(const Grid& grid, const PointEval& eval) {
  GridValues out(static_cast<std::size_t>(grid.points),
                 std::vector<std::vector<double>>(static_cast<std::size_t>(grid.replicates)));
  std::vector<std::int32_t> reps(static_cast<std::size_t>(grid.replicates));
  std::iota(reps.begin(), reps.end(), 0);
  for (std::int32_t p = 0; p < grid.points; ++p) {
    auto& row = out[static_cast<std::size_t>(p)];
    eval(p, reps, [&](std::int32_t r, std::vector<double>&& v) {
      row[static_cast<std::size_t>(r)] = std::move(v);
    });
  }
  return out;
}

std::string without_threads(const std::string& toml) {
  std::string out;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("threads = ", 0) != 0) {
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace pdlab::study
