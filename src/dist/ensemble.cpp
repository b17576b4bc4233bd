#include "dist/farm.hpp"
#include "dist/share.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/io/study_writer.hpp"
#include "pdlab/version.hpp"

#include <fmt/format.h>
#include <tbb/info.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <type_traits>

namespace pdlab::dist {

namespace {

static_assert(std::is_trivially_copyable_v<Adoption> && std::is_trivially_copyable_v<GovUnitRow>);

template <class T>
void put_vector(std::vector<char>& buf, const std::vector<T>& v) {
  const std::uint64_t n = v.size();
  const auto at = buf.size();
  buf.resize(at + 8 + n * sizeof(T));
  std::memcpy(buf.data() + at, &n, 8);
  if (n > 0) {
    std::memcpy(buf.data() + at + 8, v.data(), n * sizeof(T));
  }
}

template <class T>
void get_vector(const std::vector<char>& buf, std::size_t& at, std::vector<T>& v,
                const std::string& where) {
  std::uint64_t n = 0;
  if (at + 8 > buf.size() || (std::memcpy(&n, buf.data() + at, 8), n > buf.size()) ||
      at + 8 + n * sizeof(T) > buf.size()) {
    fail(ErrorKind::data, {where, 0, "", ""}, "a finished replicate is cut short",
         "remove " + where + " and run again");
  }
  if (v.size() != n) {
    v.resize(n);  // a vector reused from the last replicate: its memory is kept
  }
  if (n > 0) {
    std::memcpy(v.data(), buf.data() + at + 8, n * sizeof(T));
  }
  at += 8 + n * sizeof(T);
}

void serialize(const ReplicateResult& r, std::vector<char>& buf) {
  buf.clear();
  put_vector(buf, r.adoptions);
  put_vector(buf, r.governance.values);
  put_vector(buf, r.governance.units);
  put_vector(buf, r.governance.agents);
  const std::int64_t head[2] = {r.reduced ? 1 : 0, r.n_adoptions};
  const auto at = buf.size();
  buf.resize(at + sizeof head);
  std::memcpy(buf.data() + at, head, sizeof head);
  put_vector(buf, r.cells);
}

// Into `r`, whose vectors keep their memory from one replicate to the next (a national
// replicate is 24 MB: fresh pages each time cost more than the copy).
void deserialize(std::int32_t replicate, const std::vector<char>& buf, const std::string& where,
                 ReplicateResult& r) {
  r.replicate = replicate;
  std::size_t at = 0;
  get_vector(buf, at, r.adoptions, where);
  get_vector(buf, at, r.governance.values, where);
  get_vector(buf, at, r.governance.units, where);
  get_vector(buf, at, r.governance.agents, where);
  std::int64_t head[2] = {0, 0};
  if (at + sizeof head > buf.size()) {
    fail(ErrorKind::data, {where, 0, "", ""}, "a finished replicate is cut short",
         "remove " + where + " and run again");
  }
  std::memcpy(head, buf.data() + at, sizeof head);
  at += sizeof head;
  r.reduced = head[0] != 0;
  r.n_adoptions = head[1];
  get_vector(buf, at, r.cells, where);
}

}  // namespace

bool run_needs_shards(const Context& ctx, const study::RunPlan& plan) {
  return ctx.distributed() || (plan.resume && std::filesystem::exists(shards_dir(plan.out)));
}

study::RunOutcome run_plan_across(const Context& ctx, const study::RunPlan& plan,
                                  const study::RunHooks& hooks) {
  using clock = std::chrono::steady_clock;
  study::RunOutcome out;
  const auto dir = shards_dir(plan.out);
  std::string fingerprint;
  ShardIndex done;
  bool exists = false;
  Timeline timeline(ctx.rank());
  timeline.mark("start", -1);
  ctx.collective([&] {
    out.study = std::make_shared<const study::PreparedStudy>(
        study::prepare_study(plan.scenario, plan.overrides));
    out.warnings = out.study->model->warnings();
    if (ctx.root() && hooks.on_prepared) {
      hooks.on_prepared(*out.study);
    }
    study::check_run_output(plan.out, plan.force);
    const auto reps = out.study->model->scenario().replicates;
    check_share(ctx, reps, fmt::format("{} replicates", reps));
    fingerprint = fmt::format("run replicates={} pdlab={}\n", reps, PDLAB_VERSION) +
                  study::without_threads(out.study->loaded.resolved_toml);
    done = open_shards(dir, fingerprint, plan.resume, true, exists);
  });
  timeline.mark("prepared", -1);
  const auto& prepared = *out.study;
  const auto& model = *prepared.model;
  const auto& sc = model.scenario();
  // The simulation threads of every rank start now: while rank 0 makes the estimate, the
  // others begin the replicates they would likely be handed first (claimed from rank 0 when
  // the work is handed out; nothing is written before the estimate's check).
  FarmJob job;
  job.threads = sc.threads > 0 ? sc.threads : tbb::info::default_concurrency();
  job.window = std::max<std::int64_t>(8, std::int64_t{4} * ctx.size() * job.threads);
  job.timeline = &timeline;
  // Each replicate is reduced where it was simulated to what the study writes of it (a few
  // kilobytes, not every adoption), unless a hook wants whole replicates.
  const bool reduce = !hooks.on_replicate;
  job.work = [&](std::int32_t r) {
    std::vector<char> p;
    auto res = run_replicate(model, r);
    if (reduce) {
      io::reduce_for_study(model, res);
    }
    serialize(res, p);
    return p;
  };
  std::unique_ptr<Farm> farm;
  if (!plan.estimate_only) {
    farm = std::make_unique<Farm>(ctx, job);
    // Replicate 0 is the estimate's pilot; the rest not in the shards nor already in the
    // study (a run started without MPI keeps its replicates in OUT.partial and no shards),
    // rank by rank.
    std::vector<char> in_study(static_cast<std::size_t>(sc.replicates), 0);
    if (plan.resume) {
      std::vector<double> mine(static_cast<std::size_t>(sc.replicates), 0.0);
      if (ctx.root()) {
        for (const auto r : io::written_replicates(plan.out)) {
          if (r >= 0 && r < sc.replicates) {
            mine[static_cast<std::size_t>(r)] = 1;
          }
        }
      }
      const auto all = ctx.allgather(mine);  // rank 0's part first
      for (std::size_t r = 0; r < in_study.size(); ++r) {
        in_study[r] = all[r] != 0 ? 1 : 0;
      }
    }
    std::vector<std::int32_t> likely;
    for (std::int32_t r = 1; r < sc.replicates; ++r) {
      if (!done.has(0, r) && in_study[static_cast<std::size_t>(r)] == 0) {
        likely.push_back(r);
      }
    }
    std::vector<std::int32_t> guesses;
    for (int i = 0; i < job.threads; ++i) {
      const auto at = static_cast<std::size_t>((ctx.rank() - 1) * job.threads + i);
      if (ctx.rank() > 0 && at < likely.size()) {
        guesses.push_back(likely[at]);
      }
    }
    farm->guess(guesses);
  }
  // The estimate and its check on rank 0, before anything is written.
  ctx.collective([&] {
    if (ctx.root()) {
      out.estimate = study::estimate_study(prepared, plan.out, plan.resume);
      out.available = study::available_for(plan.out);
      if (hooks.on_estimate) {
        hooks.on_estimate(out.estimate, out.available);
      }
      if (!plan.estimate_only && plan.check_estimate) {
        study::check_estimate(out.estimate, out.available, plan.out);
      }
    }
  });
  timeline.mark("estimated", -1);
  if (plan.estimate_only) {
    return out;
  }
  // Rank 0 opens the study (OUT.partial: an old one without --resume is refused now) and the
  // shard folder.
  std::unique_ptr<io::StudyWriter> writer;
  ctx.collective([&] {
    if (ctx.root()) {
      io::StudyMeta meta;
      meta.scenario_toml = prepared.loaded.resolved_toml;
      meta.command_line = plan.command_line;
      writer = std::make_unique<io::StudyWriter>(plan.out, plan.force, plan.resume, model,
                                                 sc.replicates, meta);
      if (!exists) {
        create_shards(dir, fingerprint);
      }
    }
  });
  // Every rank simulates the replicates rank 0 hands out as its threads become free; rank 0
  // writes each into the study as soon as it and all before it are done (farm.hpp), while
  // the others still simulate.
  const auto t0 = clock::now();
  double writing = 0;
  // Rank 0: the replicates still to write, in order, and where each one's result is.
  struct Source {
    Payload payload;       // rank 0's own
    Locator where{-1, 0};  // another rank's shard record
  };
  std::map<std::int32_t, Source> ready;
  std::vector<std::int32_t> pending;
  std::size_t written = 0;
  std::int64_t consumed = 0;
  std::vector<char> buf;
  Payload read_buf;         // another rank's record, read back (its memory reused)
  ReplicateResult decoded;  // the replicate being written (its memory reused)
  const auto rank_file = [&](int rank) {
    return (std::filesystem::path(dir) /
            fmt::format("part-{:04d}-{:05d}.units", done.attempts + 1, rank))
        .string();
  };
  job.arrived = [&](std::int32_t r, Payload&& p, const Locator& where) {
    auto& s = ready[r];
    s.payload = std::move(p);
    s.where = where.rank == 0 ? Locator{-1, 0} : where;
  };
  job.consumed = [&] { return consumed; };
  job.consume = [&] {
    if (written == pending.size()) {
      return false;
    }
    const auto r = pending[written];
    Payload own;
    const Payload* p = &own;
    bool task = true;
    if (done.has(0, r)) {
      own = done.read(0, r);
      task = false;
    } else {
      const auto it = ready.find(r);
      if (it == ready.end()) {
        return false;
      }
      if (it->second.where.rank > 0) {
        // Visible at once on one machine and on cluster filesystems that are coherent
        // (Lustre, GPFS); on others, once the rank has closed its shard.
        if (!read_record(rank_file(it->second.where.rank), it->second.where.offset, 0, r,
                         read_buf)) {
          return false;
        }
        p = &read_buf;
      } else {
        own = std::move(it->second.payload);
      }
      ready.erase(it);
    }
    const auto w0 = clock::now();
    deserialize(r, *p, dir, decoded);
    own = Payload();
    writer->add(decoded);
    if (hooks.on_replicate) {
      hooks.on_replicate(decoded);
    }
    writing += std::chrono::duration<double>(clock::now() - w0).count();
    timeline.mark("written", r);
    ++written;
    if (task && !(out.estimate.pilot && r == out.estimate.pilot->replicate)) {
      ++consumed;
    }
    if (hooks.progress) {
      hooks.progress(static_cast<int>(written), static_cast<int>(pending.size()));
    }
    return true;
  };
  bool complete = false;
  ctx.collective([&] {
    ShardWriter w(dir, fingerprint, done.attempts + 1, ctx.rank());
    job.finished = [&](std::int32_t r, const Payload& p) {
      return w.add(0, r, p.data(), p.size());
    };
    if (ctx.root()) {
      pending = writer->pending();
      const auto* pilot = out.estimate.pilot.get();
      for (const auto r : pending) {
        if (done.has(0, r)) {
          continue;  // in the shards of the killed run
        }
        if (pilot != nullptr && r == pilot->replicate) {
          // Recorded as every finished replicate is, reduced as the others are.
          if (reduce) {
            auto reduced = *pilot;
            io::reduce_for_study(model, reduced);
            serialize(reduced, buf);
          } else {
            serialize(*pilot, buf);
          }
          w.add(0, r, buf.data(), buf.size());
          ready[r].payload = buf;
          continue;
        }
        job.tasks.push_back(r);
      }
    }
    complete = farm->run();
    w.close();
  });
  // Every shard is closed now (the step's agreement waits for all ranks): rank 0 writes what
  // is left (a record not yet visible on a filesystem that shows it only once closed).
  ctx.collective([&] {
    if (!ctx.root() || !complete) {
      return;  // another rank failed: its error was reported by the step before
    }
    while (job.consume()) {
    }
    if (written != pending.size()) {
      fail(ErrorKind::io, {dir, 0, "", ""},
           fmt::format("replicate {} cannot be read back from the shards", pending[written]),
           "check the disk and resume with --resume");
    }
    const auto w0 = clock::now();
    writer->finish();
    writing += std::chrono::duration<double>(clock::now() - w0).count();
  });
  const auto t2 = clock::now();
  timeline.mark("finished", -1);
  ctx.collective([&] {
    if (ctx.root()) {
      remove_shards(dir);
    }
  });
  if (ctx.root()) {
    auto& rep = out.report;
    rep.n_units = prepared.inputs.hierarchy->size();
    rep.replicates = sc.replicates;
    rep.adoptions = writer->adoptions_written();
    // Replicates not simulated by this run: in the study already, or taken from the shards.
    rep.resumed_replicates = sc.replicates - static_cast<std::int32_t>(pending.size());
    for (const auto r : pending) {
      rep.resumed_replicates += done.has(0, r) ? 1 : 0;
    }
    // Rank 0 writes while the ranks simulate: simulating is the rest of the wall time.
    rep.seconds_simulate =
        std::chrono::duration<double>(t2 - t0).count() - writing + out.estimate.pilot_seconds;
    rep.seconds_write = writing;
  }
  out.ran = true;
  return out;
}

}  // namespace pdlab::dist
