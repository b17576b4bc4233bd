// The work of `sensitivity` and `compare` as a grid: points (design points, variants) x
// replicates, each unit of work giving a vector of outcome values. A workflow hands the grid
// and how to evaluate a point to a runner: run_grid_here runs it all in this process; the
// MPI runner (pdlab::dist) shares the units out across ranks and streams them to shards.
// Each unit is deterministic in (point, replicate), so any runner gives the same values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::study {

struct Grid {
  std::int32_t points = 0;
  std::int32_t replicates = 0;
  std::int32_t values = 0;  // per unit
  // What identifies the work (the command, the resolved scenario without run.threads, the
  // design): a resumed run must have the same.
  std::string fingerprint;
  std::string point_name = "points";  // for messages: "design points", "variants"
};

// Receives one finished unit; called one at a time.
using UnitSink = std::function<void(std::int32_t replicate, std::vector<double>&& values)>;
// Runs point `point` at the replicates listed (in order) and hands each to the sink.
using PointEval =
    std::function<void(std::int32_t point, const std::vector<std::int32_t>&, const UnitSink&)>;
// values[point][replicate]: the unit's values.
using GridValues = std::vector<std::vector<std::vector<double>>>;
using GridRunner = std::function<GridValues(const Grid&, const PointEval&)>;

// One ensemble: replicates [0, n), each giving `values` numbers, run through eval(0, ...);
// returns values[replicate]. Calibrate runs one per evaluation of its objective.
using EnsembleRunner = std::function<std::vector<std::vector<double>>(
    std::int32_t n, std::int32_t values, const PointEval& eval)>;

// Every point at every replicate, in order, in this process.
GridValues run_grid_here(const Grid& grid, const PointEval& eval);

// The resolved scenario TOML without its run.threads line (threads do not change results).
std::string without_threads(const std::string& toml);

}  // namespace pdlab::study
