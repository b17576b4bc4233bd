#include "dist/share.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/dist/runners.hpp"
#include "pdlab/io/study_writer.hpp"
#include "pdlab/version.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <filesystem>
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
  v.resize(n);
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
}

ReplicateResult deserialize(std::int32_t replicate, const std::vector<char>& buf,
                            const std::string& where) {
  ReplicateResult r;
  r.replicate = replicate;
  std::size_t at = 0;
  get_vector(buf, at, r.adoptions, where);
  get_vector(buf, at, r.governance.values, where);
  get_vector(buf, at, r.governance.units, where);
  get_vector(buf, at, r.governance.agents, where);
  return r;
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
  const auto& prepared = *out.study;
  const auto& model = *prepared.model;
  const auto& sc = model.scenario();
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
  const auto t0 = clock::now();
  ctx.collective([&] {
    ShardWriter w(dir, fingerprint, done.attempts + 1, ctx.rank());
    std::vector<std::int32_t> mine;
    for (std::int32_t r = 0; r < sc.replicates; ++r) {
      if (owns(r, ctx.rank(), ctx.size()) && !done.has(0, r)) {
        mine.push_back(r);
      }
    }
    std::vector<char> buf;
    const auto* pilot = out.estimate.pilot.get();
    if (pilot != nullptr && !mine.empty() && mine.front() == pilot->replicate) {
      serialize(*pilot, buf);
      w.add(0, pilot->replicate, buf.data(), buf.size());
      mine.erase(mine.begin());
    }
    run_ensemble_streaming(
        model, mine, sc.threads,
        [&](ReplicateResult&& r) {
          serialize(r, buf);
          w.add(0, r.replicate, buf.data(), buf.size());
        },
        ctx.root() ? hooks.progress : std::function<void(int, int)>{});
    w.close();
  });
  const auto t1 = clock::now();
  // Rank 0 merges every replicate, in replicate order, into the study.
  ctx.collective([&] {
    if (!ctx.root()) {
      return;
    }
    const auto all = scan_shards(dir, fingerprint);
    for (const auto r : std::vector<std::int32_t>(writer->pending())) {
      const auto res = deserialize(r, all.read(0, r), dir);
      writer->add(res);
      if (hooks.on_replicate) {
        hooks.on_replicate(res);
      }
    }
    writer->finish();
  });
  const auto t2 = clock::now();
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
    rep.resumed_replicates = static_cast<std::int32_t>(done.units.size());
    rep.seconds_simulate =
        std::chrono::duration<double>(t1 - t0).count() + out.estimate.pilot_seconds;
    rep.seconds_write = std::chrono::duration<double>(t2 - t1).count();
  }
  out.ran = true;
  return out;
}

}  // namespace pdlab::dist
