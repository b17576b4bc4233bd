// The up-front estimate of a study's bytes and memory (estimate.hpp).
//
// Bytes: SQLite's own record format applied to the rows the writer will write. One pilot
// replicate (the study's first, simulated here: replicates are deterministic, so it is the one
// the run writes) gives the per-replicate rows with their real text (unit ids and names, level
// names, dates); each row's size is its record (header of serial types, then the values) plus
// the cell's overhead (payload-size and rowid varints, a 2-byte pointer), on 64 KiB pages
// filled to kFill (rows are appended in rowid order, so leaves stay nearly full: measured 99%
// on the Jiangsu study). Every table takes at least one page. The summaries' reals are not
// known before the run and count 8 bytes (SQLite stores integral ones shorter: this errs
// high). Measured against real outputs (tests/test_estimate.cpp; ratios in the CHANGELOG).
//
// Memory: what the pilot made the process's peak resident set grow by (Linux: reset through
// /proc/self/clear_refs, read as VmHWM) is one thread's workspace and result; the run holds a
// workspace per simulating thread and at most two results per thread in flight
// (run_ensemble_streaming), plus the writer's page cache and the summaries it builds at the end.
#include "pdlab/study/estimate.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/governance/metrics.hpp"
#include "pdlab/io/units_table.hpp"
#include "pdlab/sim/summary.hpp"

#include <fmt/format.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pdlab::study {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kPage = 65536;            // the writer's page_size
constexpr std::uint64_t kLeafRoom = kPage - 8;    // a table leaf page's header is 8 bytes
constexpr double kFill = 0.99;                    // leaves filled by appends (measured)
constexpr std::uint64_t kMaxLocal = kPage - 35;   // larger records spill to overflow pages
constexpr std::uint64_t kCache = 8192ULL * 1024;  // the writer's cache_size=-8192 (KiB)
constexpr std::uint64_t kCellChunk = 8ULL << 20;  // cells read back at the end: 2^20 doubles
constexpr std::uint64_t kStack = 4ULL << 20;      // a oneTBB worker thread's stack

int varint_len(std::uint64_t v) {
  int n = 1;
  for (; v >= 128 && n < 9; v >>= 7) {
    ++n;
  }
  return n;
}

int int_bytes(std::int64_t v) {
  if (v == 0 || v == 1) {
    return 0;  // serial types 8 and 9
  }
  const std::uint64_t a = v < 0 ? ~static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  return a < 0x80             ? 1
         : a < 0x8000         ? 2
         : a < 0x800000       ? 3
         : a < 0x80000000     ? 4
         : a < 0x800000000000 ? 6
                              : 8;
}

// One row in SQLite's record format.
class Record {
 public:
  Record& null() { return add(1, 0); }
  Record& integer(std::int64_t v) { return add(1, int_bytes(v)); }
  Record& period(std::int32_t p) { return p == kNever ? null() : integer(p); }
  Record& real() { return add(1, 8); }
  // A known value: NaN is written as NULL, an integral one as an integer (REAL affinity).
  Record& real(double v) {
    if (std::isnan(v)) {
      return null();
    }
    if (v == std::trunc(v) && std::abs(v) < 9e15) {
      return integer(static_cast<std::int64_t>(v));
    }
    return real();
  }
  Record& text(std::size_t n) { return add(varint_len(13 + 2 * n), n); }
  Record& text(std::string_view s) { return text(s.size()); }
  // The row on a leaf page, with `rowids` rows in the table.
  std::uint64_t cell(std::uint64_t rowids) const {
    const std::uint64_t payload = header_ + varint_len(header_ + 1) + body_;
    return payload + varint_len(payload) + varint_len(rowids) + 2;
  }

 private:
  Record& add(std::uint64_t h, std::uint64_t b) {
    header_ += h;
    body_ += b;
    return *this;
  }
  std::uint64_t header_ = 0;
  std::uint64_t body_ = 0;
};

// A TableWriter that writes nothing and adds up the leaf bytes of its rows, so a table written
// once through a shared row function (io::write_units) is sized from the same cells.
class RecordSizer : public io::TableWriter {
 public:
  RecordSizer(io::TableSchema schema, std::uint64_t rows)
      : io::TableWriter(std::move(schema)), rows_(rows) {}
  void finish() override {}
  double bytes() const { return bytes_; }

 protected:
  void put_text(int /*col*/, std::string_view v) override { rec_.text(v); }
  void put_integer(int /*col*/, std::int64_t v) override { rec_.integer(v); }
  void put_real(int /*col*/, double v) override { rec_.real(v); }
  void put_null(int /*col*/) override { rec_.null(); }
  void row_done() override {
    bytes_ += static_cast<double>(rec_.cell(rows_));
    rec_ = Record();
  }

 private:
  std::uint64_t rows_;
  Record rec_;
  double bytes_ = 0;
};

// Pages of a table whose rows take `bytes` on leaves (interior pages: one per ~6000 leaves).
std::uint64_t table_pages(double bytes) {
  const auto leaves = static_cast<std::uint64_t>(std::ceil(bytes / (kLeafRoom * kFill)));
  return std::max<std::uint64_t>(1, leaves + (leaves > 1 ? 1 + leaves / 6000 : 0));
}

// A blob row: overflow pages once it no longer fits on a leaf.
double blob_bytes(std::uint64_t n) {
  if (n < kMaxLocal) {
    return static_cast<double>(Record().integer(1 << 20).text(n).cell(1 << 20));
  }
  return static_cast<double>(((n + kPage - 5) / (kPage - 4)) * kPage);
}

std::uint64_t status_kib(const char* key) {  // a "Key:   123 kB" line of /proc/self/status
  std::ifstream in("/proc/self/status");
  const std::string k = std::string(key) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(k, 0) == 0) {
      return std::strtoull(line.c_str() + k.size(), nullptr, 10) * 1024;
    }
  }
  return 0;
}

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

struct PerReplicate {
  double bytes = 0;  // all per-replicate tables, leaf bytes
  double cells = 0;  // the replicate_cells blob (removed at the end)
  std::int64_t adoption_rows = 0;
  std::int64_t unit_rows = 0;
  std::uint64_t result_bytes = 0;  // the ReplicateResult in memory
};

// The rows the writer (src/io/study_writer.cpp, StudyWriter::add) writes for one replicate.
PerReplicate per_replicate(const Model& m, const ReplicateResult& r, std::int32_t replicates,
                           const std::vector<std::string>& dates) {
  const auto& sc = m.scenario();
  const auto& h = m.hierarchy();
  const auto rows_hint = static_cast<std::uint64_t>(replicates) * (r.adoptions.size() + 1) + 1;
  const std::int64_t rep = std::max(0, replicates - 1);
  PerReplicate p;
  p.bytes += static_cast<double>(Record()
                                     .integer(1)
                                     .integer(rep)
                                     .integer(static_cast<std::int64_t>(sc.seed))
                                     .integer(static_cast<std::int64_t>(r.adoptions.size()))
                                     .cell(static_cast<std::uint64_t>(replicates)));
  for (const auto& a : r.adoptions) {
    const int lvl = h.level(a.unit);
    if (lvl > m.adoptions_max_level()) {
      continue;
    }
    Record rec;
    rec.integer(1)
        .integer(rep)
        .text(sc.policies[a.policy].id)
        .text(h.id(a.unit))
        .text(h.name(a.unit))
        .text(h.level_names()[lvl])
        .integer(a.period)
        .text(dates[static_cast<std::size_t>(a.period)])
        .period(a.full_period)
        .period(a.inst_period)
        .period(a.rev_period)
        .text(std::string_view(to_string(a.channel)))
        .text(h.id(a.variant));
    if (a.mode == Mode::none) {
      rec.null();
    } else {
      rec.text(std::string_view(to_string(a.mode)));
    }
    rec.integer(a.pilot).real(a.quality).integer(a.mandated).integer(a.round).integer(a.ceased);
    p.bytes += static_cast<double>(rec.cell(rows_hint));
    ++p.adoption_rows;
  }
  const auto units_hint = static_cast<std::uint64_t>(replicates) * h.size() * 4 + 1;
  for_each_unit_time_row(m, r, [&](int pol, std::int32_t t, std::int32_t u, const Adoption* a) {
    p.bytes += static_cast<double>(Record()
                                       .integer(1)
                                       .integer(rep)
                                       .text(sc.policies[pol].id)
                                       .text(h.id(u))
                                       .text(h.level_names()[h.level(u)])
                                       .integer(t)
                                       .text(dates[static_cast<std::size_t>(t)])
                                       .text(std::string_view(to_string(stage_at(a, t))))
                                       .cell(units_hint));
    ++p.unit_rows;
  });
  if (m.governance() != nullptr) {
    if (sc.output.unit_time_every > 0) {
      for (const auto& row : r.governance.units) {
        Record rec;
        rec.integer(1)
            .integer(rep)
            .text(h.id(row.unit))
            .text(h.level_names()[h.level(row.unit)])
            .integer(row.period)
            .text(dates[static_cast<std::size_t>(row.period)]);
        for (int i = 0; i < kGovUnitColumns; ++i) {
          rec.real(row.v[static_cast<std::size_t>(i)]);
        }
        p.bytes += static_cast<double>(rec.cell(units_hint));
        ++p.unit_rows;
      }
    }
    if (!sc.governance.coproduction.agents_root.empty()) {
      for (std::size_t t = 0; t < r.governance.agents.size(); ++t) {
        const auto& ag = r.governance.agents[t];
        for (std::size_t k = 0; k < 2; ++k) {
          p.bytes += static_cast<double>(Record()
                                             .integer(1)
                                             .integer(rep)
                                             .integer(static_cast<std::int64_t>(t))
                                             .text(dates[t])
                                             .text(std::string_view(k == 0 ? "local" : "migrant"))
                                             .real(ag[k])
                                             .real(ag[2 + k])
                                             .integer(static_cast<std::int64_t>(ag[4 + k]))
                                             .cell(units_hint));
          ++p.unit_rows;
        }
      }
    }
  }
  const std::size_t n_cells =
      adoption_cell_count(m) + (m.governance() != nullptr ? governance_cell_count(m) : 0);
  p.cells = blob_bytes(n_cells * sizeof(double));
  p.result_bytes = r.adoptions.capacity() * sizeof(Adoption) +
                   r.governance.values.capacity() * sizeof(double) +
                   r.governance.units.capacity() * sizeof(GovUnitRow) +
                   r.governance.agents.capacity() * sizeof(r.governance.agents[0]) +
                   n_cells * sizeof(double);  // the writer's copy of the cells
  return p;
}

// Leaf bytes of the summaries written at the end: summary_time (every cell) and
// governance_time (the cells the pilot defines), with their rows in memory.
struct Summaries {
  double adoption = 0;
  double governance = 0;
  std::uint64_t memory = 0;
};

Summaries summaries(const Model& m, const ReplicateResult& pilot, std::int32_t replicates,
                    const std::vector<std::string>& dates) {
  const auto& sc = m.scenario();
  const auto& h = m.hierarchy();
  const std::size_t nq = sc.output.quantiles.size();
  const auto rows = static_cast<std::uint64_t>(adoption_cell_count(m) +
                                               (m.governance() ? governance_cell_count(m) : 0));
  Summaries s;
  for (int pol = 0; pol < m.n_policies(); ++pol) {
    for (int l = 0; l < h.n_levels(); ++l) {
      for (std::int32_t t = 0; t < m.periods(); ++t) {
        for (int k = 0; k < kMetrics; ++k) {
          Record rec;
          rec.integer(1)
              .text(sc.policies[pol].id)
              .text(h.level_names()[l])
              .integer(t)
              .text(dates[static_cast<std::size_t>(t)])
              .text(std::string_view(to_string(static_cast<Metric>(k))))
              .integer(h.level_begin(l + 1) - h.level_begin(l))
              .integer(replicates)
              .real()
              .real();
          for (std::size_t q = 0; q < nq; ++q) {
            rec.real();
          }
          s.adoption += static_cast<double>(rec.cell(rows));
        }
      }
    }
  }
  const auto& v = pilot.governance.values;
  const std::size_t per_metric = static_cast<std::size_t>(h.n_levels()) * m.periods();
  for (std::size_t c = 0; per_metric > 0 && c < v.size(); ++c) {
    if (std::isnan(v[c])) {
      continue;
    }
    Record rec;
    rec.integer(1)
        .text(h.level_names()[c / m.periods() % h.n_levels()])
        .integer(static_cast<std::int64_t>(c % m.periods()))
        .text(dates[c % m.periods()])
        .text(std::string_view(to_string(static_cast<GovMetric>(c / per_metric))))
        .integer(replicates)
        .real()
        .real();
    for (std::size_t q = 0; q < nq; ++q) {
      rec.real();
    }
    s.governance += static_cast<double>(rec.cell(rows));
  }
  // The rows are built in memory (SummaryRow and its quantile vector), then inserted.
  s.memory = rows * (sizeof(SummaryRow) + 16 + nq * sizeof(double));
  return s;
}

}  // namespace

StudyEstimate estimate_study(const PreparedStudy& study, const std::string& out_path, bool resume) {
  const Model& m = *study.model;
  const auto& sc = m.scenario();
  std::vector<std::string> dates;
  for (std::int32_t t = 0; t < m.periods(); ++t) {
    dates.push_back(period_label(sc.calendar, t));
  }
  StudyEstimate e;
  e.replicates = sc.replicates;
  e.memory_in_use = status_kib("VmRSS");
  // The pilot's growth of the peak resident set ("5" resets VmHWM to VmRSS, Linux 4.0+).
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5" << std::flush;
  const bool measured = static_cast<bool>(clear_refs);
  const auto p0 = std::chrono::steady_clock::now();
  e.pilot = std::make_shared<const ReplicateResult>(run_replicate(m, 0));
  e.pilot_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
  const auto& pilot = *e.pilot;
  const std::uint64_t hwm = measured ? status_kib("VmHWM") : 0;
  const auto per = per_replicate(m, pilot, sc.replicates, dates);
  const auto sums = summaries(m, pilot, sc.replicates, dates);
  e.adoption_rows = per.adoption_rows;
  e.unit_rows = per.unit_rows;

  // The units table, written once: sized by running the writer's own rows through Record.
  double unit_bytes = 0;
  {
    const auto& h = m.hierarchy();
    const int max_level = std::min(m.adoptions_max_level(), h.n_levels() - 1);
    RecordSizer sizer(io::units_schema(h, max_level),
                      static_cast<std::uint64_t>(h.level_begin(max_level + 1)));
    io::write_units(h, io::english_names(h, sc.hierarchy.source == "china"), max_level, sizer);
    unit_bytes = sizer.bytes();
  }
  // Fixed tables (meta, scenarios, params, levels, policies, runs) and the schema and
  // pointer-map pages: a page each (the scenario's TOML may overflow its page).
  int tables = 6 + (sc.output.unit_time_every > 0 ? 1 : 0);
  if (m.governance() != nullptr) {
    tables += 1 + (sc.output.unit_time_every > 0 ? 1 : 0) +
              (sc.governance.coproduction.agents_root.empty() ? 0 : 1);
  }
  const double reps = sc.replicates;
  std::uint64_t pages =
      2 + static_cast<std::uint64_t>(tables) + study.loaded.resolved_toml.size() / kMaxLocal;
  pages += table_pages((per.bytes) * reps) + table_pages(unit_bytes) + table_pages(sums.adoption) +
           (m.governance() != nullptr ? table_pages(sums.governance) : 0);
  e.replicate_bytes = static_cast<std::uint64_t>(per.bytes / (kLeafRoom * kFill) * kPage);
  e.file_bytes = pages * kPage;
  const std::uint64_t cells = table_pages(per.cells * reps) * kPage;
  e.peak_file_bytes = e.file_bytes + cells;
  e.peak_disk_bytes = e.peak_file_bytes + cells;  // the journal of the last transaction
  if (resume) {                                   // what is already written needs no new room
    std::error_code ec;
    const auto have = fs::file_size(out_path + ".partial", ec);
    if (!ec) {
      e.peak_disk_bytes -= std::min<std::uint64_t>(e.peak_disk_bytes, have);
      e.partial_bytes = have;
    }
  }

  const int conc = sc.threads > 0 ? sc.threads : tbb::this_task_arena::max_concurrency();
  e.threads = std::max(1, std::min({conc, tbb::info::default_concurrency(), sc.replicates}));
  e.in_flight = std::max(1, std::min(2 * conc, sc.replicates));
  const std::uint64_t one =
      std::max(hwm > e.memory_in_use ? hwm - e.memory_in_use : 0, per.result_bytes);
  const std::uint64_t workspace = one - per.result_bytes;
  e.extra_memory =
      e.threads * workspace + e.in_flight * per.result_bytes + kCache + kCellChunk + sums.memory;
  e.extra_address_space = e.extra_memory + static_cast<std::uint64_t>(e.threads - 1) * kStack;
  return e;
}

Available available_for(const std::string& out_path) {
  Available a;
  std::error_code ec;
  auto dir = fs::absolute(out_path, ec).parent_path();
  struct statvfs vfs {};
  if (!ec && statvfs(dir.c_str(), &vfs) == 0) {
    a.disk = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }
  struct rlimit rl {};
  if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    a.file_size = rl.rlim_cur;
  }
  {
    std::ifstream in("/proc/meminfo");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("MemAvailable:", 0) == 0) {
        a.memory = std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;
        a.memory_source = "MemAvailable in /proc/meminfo";
      }
    }
  }
  // cgroup v2: the tightest memory.max from this process's group up to the root.
  std::string group = read_line("/proc/self/cgroup");
  if (group.rfind("0::", 0) == 0) {
    for (fs::path g = fs::path("/sys/fs/cgroup") / fs::path(group.substr(3)).relative_path();;
         g = g.parent_path()) {
      const auto max = read_line(g / "memory.max");
      const auto cur = read_line(g / "memory.current");
      if (!max.empty() && max != "max" && !cur.empty()) {
        const auto lim = std::strtoull(max.c_str(), nullptr, 10);
        const auto used = std::strtoull(cur.c_str(), nullptr, 10);
        const auto room = lim > used ? lim - used : 0;
        if (!a.memory || room < *a.memory) {
          a.memory = room;
          a.memory_source = (g / "memory.max").string();
        }
      }
      if (g == "/sys/fs/cgroup" || !g.has_parent_path() || g == g.parent_path()) {
        break;
      }
    }
  }
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    const auto used = status_kib("VmSize");
    a.address_space_limit = rl.rlim_cur;
    a.address_space = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
  }
  return a;
}

void check_estimate(const StudyEstimate& e, const Available& a, const std::string& out_path) {
  const auto b = [](std::uint64_t x) { return format_bytes(x); };
  const std::string bypass = ", or pass --no-estimate-check to run anyway";
  // Replicates that would fit in `room`, from the per-replicate share of the peak.
  const auto fitting = [&](std::uint64_t need, std::uint64_t room) {
    const double fixed =
        static_cast<double>(e.file_bytes) - static_cast<double>(e.replicate_bytes) * e.replicates;
    const double per = (static_cast<double>(need) - fixed) / std::max(1, e.replicates);
    const double n = per > 0 ? (static_cast<double>(room) - fixed) / per : 0;
    return n >= 1 ? fmt::format("run fewer replicates (about {} fit: -r {})",
                                static_cast<std::int64_t>(n), static_cast<std::int64_t>(n))
                  : std::string("run fewer replicates");
  };
  const std::string what =
      fmt::format("{} replicates of {} adoption rows", e.replicates, e.adoption_rows) +
      (e.unit_rows > 0 ? fmt::format(" and {} unit rows", e.unit_rows) : "") + " each";
  const Where where{out_path, 0, "", ""};
  if (a.file_size && e.peak_file_bytes > *a.file_size) {
    fail(ErrorKind::cant_create, where,
         fmt::format("the study would grow to about {} ({} finished; {}) but the file-size limit "
                     "(ulimit -f) is {}; nothing was written",
                     b(e.peak_file_bytes), b(e.file_bytes), what, b(*a.file_size)),
         fitting(e.peak_file_bytes, *a.file_size) +
             ", set output.unit_time_every = 0 or turn governance modules off, raise the limit" +
             bypass);
  }
  if (a.disk && e.peak_disk_bytes > *a.disk) {
    fail(ErrorKind::cant_create, where,
         fmt::format("the study needs about {} of disk while it is written ({} finished; {}) but "
                     "only {} is free there; nothing was written",
                     b(e.peak_disk_bytes), b(e.file_bytes), what, b(*a.disk)),
         fitting(e.peak_disk_bytes, *a.disk) +
             ", set output.unit_time_every = 0 or turn governance modules off, write to a "
             "folder with more room (--out)" +
             bypass);
  }
  const std::string mem_fix =
      fmt::format(
          "use fewer threads (-t; {} simulate at once, {} replicates in flight), turn "
          "governance modules off or simulate a smaller subtree (hierarchy.root)",
          e.threads, e.in_flight) +
      bypass;
  if (a.memory && e.extra_memory > *a.memory) {
    fail(ErrorKind::resources, where,
         fmt::format("the run needs about {} more memory ({} in use) but {} is available ({}); "
                     "nothing was written",
                     b(e.extra_memory), b(e.memory_in_use), b(*a.memory), a.memory_source),
         mem_fix);
  }
  if (a.address_space && e.extra_address_space > *a.address_space) {
    fail(ErrorKind::resources, where,
         fmt::format("the run needs about {} more address space but only {} of the limit "
                     "(ulimit -v) of {} is left; nothing was written",
                     b(e.extra_address_space), b(*a.address_space), b(a.address_space_limit)),
         mem_fix);
  }
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  auto x = static_cast<double>(bytes);
  int u = 0;
  while (x >= 999.5 && u < 5) {
    x /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes)
                : fmt::format("{:.{}f} {}", x,
                              x < 9.995   ? 2
                              : x < 99.95 ? 1
                                          : 0,
                              kUnits[u]);
}

}  // namespace pdlab::study
