#include "dist/share.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>

namespace pdlab::dist {

namespace fs = std::filesystem;

void check_share(const Context& ctx, std::int64_t units, const std::string& what) {
  if (ctx.size() > units) {
    fail(ErrorKind::usage, {"", 0, "mpirun -n", std::to_string(ctx.size())},
         fmt::format("{} ranks but only {} units of work ({}): a rank would have nothing to do",
                     ctx.size(), units, what),
         fmt::format("run with mpirun -n {} or fewer, or give more replicates", units));
  }
}

ShardIndex open_shards(const std::string& dir, const std::string& fingerprint, bool resume,
                       bool resume_without_shards, bool& exists) {
  exists = fs::exists(dir);
  if (exists && !resume) {
    fail(ErrorKind::cant_create, {dir, 0, "--resume", ""},
         "the shard folder of an interrupted run is in the way (its finished work would be lost)",
         "pass --resume to finish that run (same scenario and options, any number of ranks), "
         "or remove " +
             dir + " to start again");
  }
  if (!exists && resume && !resume_without_shards) {
    fail(ErrorKind::usage, {dir, 0, "--resume", ""}, "nothing to resume: there is no shard folder",
         "run without --resume (a run keeps shards while it runs with --checkpoint or on more "
         "than one rank)");
  }
  return exists ? scan_shards(dir, fingerprint) : ShardIndex{};
}

GridRun::GridRun(const Context& ctx, ShardOptions options) : ctx_(ctx), o_(std::move(options)) {}

study::GridRunner GridRun::runner() {
  return [this](const study::Grid& g, const study::PointEval& e) { return run(g, e); };
}

study::GridValues GridRun::run(const study::Grid& grid, const study::PointEval& eval) {
  const auto dir = shards_dir(o_.out);
  const std::int64_t units = std::int64_t{grid.points} * grid.replicates;
  ShardIndex done;
  bool exists = false;
  ctx_.collective([&] {
    check_share(
        ctx_, units,
        fmt::format("{} {} x {} replicates", grid.points, grid.point_name, grid.replicates));
    done = open_shards(dir, grid.fingerprint, o_.resume, false, exists);
  });
  sharded_ = ctx_.distributed() || o_.checkpoint || o_.resume;
  if (!sharded_) {
    return study::run_grid_here(grid, eval);
  }
  resumed_ = static_cast<int>(done.units.size());
  ctx_.collective([&] {
    if (ctx_.root() && !exists) {
      create_shards(dir, grid.fingerprint);
    }
  });
  const auto bytes = static_cast<std::size_t>(grid.values) * sizeof(double);
  ctx_.collective([&] {
    ShardWriter w(dir, grid.fingerprint, done.attempts + 1, ctx_.rank());
    std::vector<std::int32_t> reps;
    for (std::int32_t p = 0; p < grid.points; ++p) {
      reps.clear();
      for (std::int32_t r = 0; r < grid.replicates; ++r) {
        if (owns(std::int64_t{p} * grid.replicates + r, ctx_.rank(), ctx_.size()) &&
            !done.has(p, r)) {
          reps.push_back(r);
        }
      }
      if (reps.empty()) {
        continue;
      }
      eval(p, reps, [&](std::int32_t r, std::vector<double>&& v) {
        if (v.size() * sizeof(double) != bytes) {
          fail(ErrorKind::internal, {"", 0, "", ""}, "a unit of work has another size",
               "report this as a bug");
        }
        w.add(p, r, v.data(), bytes);
      });
    }
    w.close();
  });
  study::GridValues out(
      static_cast<std::size_t>(grid.points),
      std::vector<std::vector<double>>(static_cast<std::size_t>(grid.replicates)));
  // Every rank reads the merged work (the folder is shared), so every rank computes the same
  // result; rank 0 writes it.
  ctx_.collective([&] {
    const auto all = scan_shards(dir, grid.fingerprint);
    for (std::int32_t p = 0; p < grid.points; ++p) {
      for (std::int32_t r = 0; r < grid.replicates; ++r) {
        const auto b = all.read(p, r);
        if (b.size() != bytes) {
          fail(ErrorKind::data, {dir, 0, "", ""}, "a finished unit has the wrong size",
               "remove " + dir + " and run again");
        }
        auto& v = out[static_cast<std::size_t>(p)][static_cast<std::size_t>(r)];
        v.resize(static_cast<std::size_t>(grid.values));
        std::memcpy(v.data(), b.data(), bytes);
      }
    }
  });
  return out;
}

study::EnsembleRunner ensemble_runner(const Context& ctx) {
  return [&ctx](std::int32_t n, std::int32_t width, const study::PointEval& eval) {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(n));
    if (!ctx.distributed()) {
      std::vector<std::int32_t> reps(static_cast<std::size_t>(n));
      std::iota(reps.begin(), reps.end(), 0);
      eval(0, reps, [&](std::int32_t r, std::vector<double>&& v) {
        out[static_cast<std::size_t>(r)] = std::move(v);
      });
      return out;
    }
    const int ranks = ctx.size();
    const auto w = static_cast<std::size_t>(width);
    const std::size_t slots = (static_cast<std::size_t>(n) + ranks - 1) / ranks;
    // This rank's replicates r = rank, rank + ranks, ...: slot r / ranks of its block.
    std::vector<double> mine(slots * w, std::numeric_limits<double>::quiet_NaN());
    ctx.collective([&] {
      check_share(ctx, n, fmt::format("{} replicates an evaluation", n));
      std::vector<std::int32_t> reps;
      for (std::int32_t r = ctx.rank(); r < n; r += ranks) {
        reps.push_back(r);
      }
      eval(0, reps, [&](std::int32_t r, std::vector<double>&& v) {
        if (v.size() != w) {
          fail(ErrorKind::internal, {"", 0, "", ""}, "a replicate has another size",
               "report this as a bug");
        }
        std::copy(
            v.begin(), v.end(),
            mine.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r / ranks) * w));
      });
    });
    const auto all = ctx.allgather(mine);
    for (std::int32_t r = 0; r < n; ++r) {
      const auto at =
          (static_cast<std::size_t>(r % ranks) * slots + static_cast<std::size_t>(r / ranks)) * w;
      out[static_cast<std::size_t>(r)].assign(all.begin() + static_cast<std::ptrdiff_t>(at),
                                              all.begin() + static_cast<std::ptrdiff_t>(at + w));
    }
    return out;
  };
}

study::BatchMap batch_map(const Context& ctx) {
  return [&ctx](int n, int width, const std::function<std::vector<double>(int)>& f) {
    const int ranks = ctx.size();
    const auto w = static_cast<std::size_t>(width);
    const auto slots = static_cast<std::size_t>((n + ranks - 1) / ranks);
    // This rank's items i = rank, rank + ranks, ...: slot i / ranks of its block.
    std::vector<double> mine(slots * w, std::numeric_limits<double>::quiet_NaN());
    ctx.collective([&] {
      check_share(ctx, n, fmt::format("{} simulations a batch", n));
      const int count = (n - ctx.rank() + ranks - 1) / ranks;
      tbb::parallel_for(0, count, [&](int j) {
        const auto v = f(ctx.rank() + j * ranks);
        if (v.size() != w) {
          fail(ErrorKind::internal, {"", 0, "", ""}, "a simulation has another size",
               "report this as a bug");
        }
        std::copy(v.begin(), v.end(),
                  mine.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(j) * w));
      });
    });
    const auto all = ctx.allgather(mine);
    std::vector<std::vector<double>> out(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const auto at =
          (static_cast<std::size_t>(i % ranks) * slots + static_cast<std::size_t>(i / ranks)) * w;
      out[static_cast<std::size_t>(i)].assign(all.begin() + static_cast<std::ptrdiff_t>(at),
                                              all.begin() + static_cast<std::ptrdiff_t>(at + w));
    }
    return out;
  };
}

void GridRun::complete() {
  if (!sharded_) {
    return;
  }
  // A collective step rather than a barrier: a rank that failed after the last step meets
  // the others here.
  ctx_.collective([&] {
    if (ctx_.root()) {
      remove_shards(shards_dir(o_.out));
    }
  });
}

}  // namespace pdlab::dist
