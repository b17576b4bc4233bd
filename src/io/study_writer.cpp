#include "pdlab/io/study_writer.hpp"
#include "pdlab/version.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/io/sqlite_db.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/io/units_table.hpp"
#include "pdlab/sim/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>

namespace pdlab::io {

// The time a study was created: now, or SOURCE_DATE_EPOCH (the reproducible-builds
// convention) so that two runs of a study can give the same bytes.
namespace {
std::string created_at() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e != nullptr && *e != '\0') {
    char* end = nullptr;
    const long long v = std::strtoll(e, &end, 10);
    if (end != nullptr && *end == '\0' && v >= 0) {
      t = static_cast<std::time_t>(v);
    }
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

TableOutput meta_output(std::vector<std::pair<std::string, std::string>> facts) {
  facts.emplace_back("pdlab_version", PDLAB_VERSION);
  facts.emplace_back("created_at", created_at());
  return {table_schema("meta"), [facts = std::move(facts)](TableWriter& w) {
            for (const auto& [k, v] : facts) {
              w.text(k).text(v).end_row();
            }
          }};
}

namespace {

// The shortest text that reads back as the same double (the value as used, not 6 digits).
std::string num(double x) {
  return fmt::format("{}", x);
}

TableSchema with_quantiles(const char* name, const std::vector<double>& quantiles) {
  auto s = table_schema(name);
  for (double p : quantiles) {
    s.columns.push_back({quantile_column(p), ColumnType::real, "quantile over replicates"});
  }
  return s;
}

TableSchema governance_unit_schema() {
  return table_schema("governance_unit_time");
}

// Cells of one replicate kept in the file for the summaries: doubles, native byte order
// (the file is read back by the process that finishes it, on the same machine).
constexpr const char* kCellsTable = "replicate_cells";

// Adoption rows per INSERT statement: SQLite's work per statement step is a large share of
// the cost of a small row, so rows go in statements of many rows, prepared once.
constexpr std::size_t kBatchRows = 64;
constexpr int kAdoptionParams = 18;  // bound per row (scenario_id is the literal 1)

}  // namespace

// Binds a statement's parameters, skipping any that would get the value it already holds:
// SQLite keeps bindings from one step to the next, and rows in date order repeat many values
// in the same place (replicate, policy, level, date, channel, flags): on the Jiangsu roll-out
// a row binds ~6 of its 17. It calls sqlite3_bind_* itself and keeps the first error for
// error(), checked once a statement.
class BindCache {
 public:
  BindCache(Stmt& st, int params) : st_(st.get()), last_(static_cast<std::size_t>(params) + 1) {}
  BindCache& integer(int i, std::int64_t v) {
    if (fresh(i, kInt, static_cast<std::uint64_t>(v), 0)) {
      keep(sqlite3_bind_int64(st_, i, v));
    }
    return *this;
  }
  BindCache& real(int i, double v) {
    if (std::isnan(v)) {
      return null(i);
    }
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    if (fresh(i, kReal, bits, 0)) {
      keep(sqlite3_bind_double(st_, i, v));
    }
    return *this;
  }
  // Text that stays where it is for the writer's life (hierarchy ids, cached labels).
  BindCache& text(int i, std::string_view v) {
    if (fresh(i, kText, reinterpret_cast<std::uintptr_t>(v.data()), v.size())) {
      keep(sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
    }
    return *this;
  }
  BindCache& null(int i) {
    if (fresh(i, kNull, 0, 0)) {
      keep(sqlite3_bind_null(st_, i));
    }
    return *this;
  }
  BindCache& period(int i, std::int32_t p) { return p == kNever ? null(i) : integer(i, p); }
  // The first error since the last call (SQLITE_OK if none); a failed binding is forgotten, so
  // that it is made again.
  int error() {
    const int rc = rc_;
    if (rc != SQLITE_OK) {
      std::fill(last_.begin(), last_.end(), Slot{});
      rc_ = SQLITE_OK;
    }
    return rc;
  }

 private:
  enum Type : std::uint8_t { kUnset, kInt, kReal, kText, kNull };
  struct Slot {
    Type type = kUnset;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
  };
  bool fresh(int i, Type type, std::uint64_t a, std::uint64_t b) {
    auto& s = last_[static_cast<std::size_t>(i)];
    if (s.type == type && s.a == a && s.b == b) {
      return false;
    }
    s = {type, a, b};
    return true;
  }
  void keep(int rc) {
    if (rc != SQLITE_OK && rc_ == SQLITE_OK) {
      rc_ = rc;
    }
  }
  sqlite3_stmt* st_;
  std::vector<Slot> last_;
  int rc_ = SQLITE_OK;
};

namespace {

std::string insert_adoptions_sql(int rows) {
  std::string row = "(1";
  for (int i = 0; i < kAdoptionParams; ++i) {
    row += ", ?";
  }
  row += ")";
  std::string sql = "INSERT INTO adoptions VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? row : ", " + row;
  }
  return sql;
}

}  // namespace

StudyWriter::Insert::Insert(std::size_t n, std::unique_ptr<Stmt> s, std::unique_ptr<BindCache> b)
    : rows(n), st(std::move(s)), binds(std::move(b)) {}
StudyWriter::Insert::Insert(Insert&&) noexcept = default;
StudyWriter::Insert::~Insert() = default;

StudyWriter::StudyWriter(const std::string& out_path, bool force, bool resume, const Model& model,
                         std::int32_t replicates, const StudyMeta& meta)
    : model_(model), replicates_(replicates), meta_(meta), file_(out_path, force, resume) {
  const auto& cal = model_.scenario().calendar;
  for (const auto& l : model_.hierarchy().level_names()) {
    level_names_.emplace_back(l);
  }
  for (int c = 0; c < kChannels; ++c) {
    channel_names_.emplace_back(to_string(static_cast<Channel>(c)));
  }
  for (int m = 0; m <= static_cast<int>(Mode::championship); ++m) {
    mode_names_.emplace_back(to_string(static_cast<Mode>(m)));
  }
  {
    // The units of adoption rows are the first ones (units are in level order).
    const auto& h = model_.hierarchy();
    const int max_level = std::min(model_.adoptions_max_level(), h.n_levels() - 1);
    const auto n = static_cast<std::size_t>(h.level_begin(max_level + 1));
    unit_text_.resize(n);
    std::size_t bytes = 0;
    for (std::size_t u = 0; u < n; ++u) {
      bytes +=
          h.id(static_cast<std::int32_t>(u)).size() + h.name(static_cast<std::int32_t>(u)).size();
    }
    unit_chars_.reserve(bytes);
    for (std::size_t u = 0; u < n; ++u) {
      const auto id = h.id(static_cast<std::int32_t>(u));
      const auto name = h.name(static_cast<std::int32_t>(u));
      unit_text_[u] = {unit_chars_.size(), static_cast<std::uint32_t>(id.size()),
                       static_cast<std::uint32_t>(name.size())};
      unit_chars_.append(id).append(name);
    }
  }
  for (std::int32_t t = 0; t < model_.periods(); ++t) {
    period_labels_.push_back(period_label(cal, t));
  }
  try {
    // One connection used by one thread at a time: no SQLite mutexes.
    db_ = std::make_unique<Db>(file_.path(),
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                               file_.resumed());
    // A rollback journal: a replicate interrupted mid-write is rolled back when the file is
    // next opened. Exclusive locking: a second process cannot write the same file.
    // auto_vacuum (set before the file's first page is written), so that dropping the
    // per-replicate cells at the end shrinks the file.
    try {
      // synchronous=OFF first: setting auto_vacuum writes the new file's first page, and
      // would sync the file, its journal and the folder four times (a kill loses nothing
      // that a sync would keep: the page cache outlives the process).
      db_->exec("PRAGMA synchronous=OFF;");
      if (!file_.resumed()) {
        db_->exec("PRAGMA page_size=65536; PRAGMA auto_vacuum=FULL;");
      }
      db_->exec(
          "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=PERSIST; PRAGMA cache_size=-8192;");
      db_->exec("BEGIN EXCLUSIVE; COMMIT;");
    } catch (const Error&) {
      if ((sqlite3_errcode(db_->get()) & 0xff) != SQLITE_BUSY) {
        throw;
      }
      fail(ErrorKind::cant_create, {file_.path(), 0, "--out", out_path},
           "another process is writing this output", "wait for it, or choose another --out");
    }
    if (file_.resumed()) {
      check_resumable();
    } else {
      create_tables();
    }
    std::vector<bool> done(static_cast<std::size_t>(replicates_), false);
    if (file_.resumed()) {
      Stmt st(*db_, "SELECT replicate FROM runs");
      while (st.next_row()) {
        const auto r = sqlite3_column_int64(st.get(), 0);
        if (r >= 0 && r < replicates_) {
          done[static_cast<std::size_t>(r)] = true;
        }
      }
    }
    for (std::int32_t r = 0; r < replicates_; ++r) {
      if (!done[static_cast<std::size_t>(r)]) {
        pending_.push_back(r);
      }
    }
    for (std::size_t rows : {kBatchRows, kBatchRows / 4, kBatchRows / 16, std::size_t{1}}) {
      auto st = std::make_unique<Stmt>(*db_, insert_adoptions_sql(static_cast<int>(rows)));
      auto binds = std::make_unique<BindCache>(*st, static_cast<int>(rows) * kAdoptionParams);
      adopt_.push_back({rows, std::move(st), std::move(binds)});
    }
  } catch (...) {
    adopt_.clear();
    db_.reset();
    if (!file_.resumed()) {
      file_.discard();
    }
    throw;
  }
}

StudyWriter::~StudyWriter() = default;

void StudyWriter::check_resumable() {
  {
    Stmt has(*db_,
             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', "
             "'scenarios', 'runs', 'replicate_cells')");
    if (!has.next_row() || sqlite3_column_int(has.get(), 0) != 4) {
      fail(ErrorKind::data, {file_.path(), 0, "--resume", ""},
           "not a partial pdlab study (its tables are missing)",
           "pass --force instead of --resume to start again");
    }
  }
  Stmt st(*db_, "SELECT key, value FROM meta");
  std::map<std::string, std::string> meta;
  while (st.next_row()) {
    const auto* k = sqlite3_column_text(st.get(), 0);
    const auto* v = sqlite3_column_text(st.get(), 1);
    meta[k != nullptr ? reinterpret_cast<const char*>(k) : ""] =
        v != nullptr ? reinterpret_cast<const char*>(v) : "";
  }
  Stmt sc(*db_, "SELECT toml FROM scenarios WHERE scenario_id = 1");
  std::string toml;
  if (sc.next_row() && sqlite3_column_text(sc.get(), 0) != nullptr) {
    toml = reinterpret_cast<const char*>(sqlite3_column_text(sc.get(), 0));
  }
  // run.threads does not change the results (tested), so it may differ on resume.
  const auto without_threads = [](const std::string& t) {
    std::string out;
    std::istringstream in(t);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("threads = ", 0) != 0) {
        out += line + "\n";
      }
    }
    return out;
  };
  const bool same = meta["pdlab_version"] == PDLAB_VERSION &&
                    without_threads(toml) == without_threads(meta_.scenario_toml) &&
                    meta["replicates"] == std::to_string(replicates_) && meta["complete"] == "0";
  if (!same) {
    fail(ErrorKind::cant_create, {file_.path(), 0, "--resume", ""},
         "the partial output was made by another scenario, replicate count or pdlab version",
         "resume with the same scenario, --set and -r options, or pass --force to start again");
  }
}

void StudyWriter::create_tables() {
  Db& db = *db_;
  const auto& sc = model_.scenario();
  const auto& h = model_.hierarchy();
  db.exec("BEGIN;");
  for (const char* t : {"meta", "scenarios", "params", "levels", "policies", "runs", "adoptions"}) {
    db.exec(table_schema(t).create_sql());
  }
  if (model_.parameter_draws() != nullptr) {
    db.exec(table_schema("draws").create_sql());
  }
  db.exec(with_quantiles("summary_time", sc.output.quantiles).create_sql());
  if (sc.output.unit_time_every > 0) {
    db.exec(table_schema("unit_time").create_sql());
  }
  if (model_.governance() != nullptr) {
    db.exec(with_quantiles("governance_time", sc.output.quantiles).create_sql());
    if (sc.output.unit_time_every > 0) {
      db.exec(governance_unit_schema().create_sql());
    }
    if (!sc.governance.coproduction.agents_root.empty()) {
      db.exec(table_schema("agents_time").create_sql());
    }
  }
  db.exec(std::string("CREATE TABLE ") + kCellsTable +
          " (replicate INTEGER PRIMARY KEY, cells BLOB)");
  {
    Stmt st(db, "INSERT INTO meta VALUES (?, ?)");
    std::map<std::string, std::string> rows = {
        {"pdlab_version", PDLAB_VERSION},
        {"results_schema_version", "2"},
        {"scenario_schema_version", std::to_string(sc.schema_version)},
        {"scenario_name", sc.name},
        {"hierarchy_source", h.source()},
        {"hierarchy_root", sc.hierarchy.root},
        {"n_units", std::to_string(h.size())},
        {"n_levels", std::to_string(h.n_levels())},
        {"periods", std::to_string(sc.calendar.periods)},
        {"periods_per_year", std::to_string(sc.calendar.periods_per_year)},
        {"start", period_label(sc.calendar, 0)},
        {"seed", std::to_string(sc.seed)},
        {"replicates", std::to_string(replicates_)},
        {"created_at", created_at()},
        {"command_line", meta_.command_line},
        {"missing_values", "empty field in CSV, NULL in SQLite"},
        {"complete", "0"},
    };
    for (const auto& [k, v] : meta_.extra) {
      rows[k] = v;
    }
    for (const auto& [k, v] : rows) {
      st.bind(1, k).bind(2, v).step();
    }
  }
  Stmt(db, "INSERT INTO scenarios VALUES (1, ?, ?, ?)")
      .bind(1, sc.name)
      .bind(2, sc.file)
      .bind(3, meta_.scenario_toml)
      .step();
  {
    Stmt st(db, "INSERT INTO params VALUES (1, ?, ?, ?, ?)");
    for (const auto& p : parameters()) {
      if (p.type != ParamType::table) {
        st.bind(1, p.key).bind(2, parameter_value(p, sc)).bind(3, p.unit).bind(4, p.source).step();
      }
    }
    for (int l = 0; l < h.n_levels(); ++l) {
      const auto& name = h.level_names()[l];
      const auto it = sc.adoption.alpha.find(name);
      st.bind(1, "adoption.alpha." + name)
          .bind(2, num(it != sc.adoption.alpha.end() ? it->second : sc.adoption.alpha_default))
          .bind(3, "linear predictor")
          .bind(4, "illustrative")
          .step();
    }
    for (const auto& [col, b] : sc.adoption.beta) {
      st.bind(1, "adoption.beta." + col)
          .bind(2, num(b))
          .bind(3, "per covariate unit")
          .bind(4, "illustrative")
          .step();
    }
    for (const auto& [id, v] : sc.adoption.shift) {
      st.bind(1, "adoption.shift." + id)
          .bind(2, num(v))
          .bind(3, "linear predictor")
          .bind(4, "illustrative")
          .step();
    }
    for (const auto& [term, b] : sc.promotion.score) {
      st.bind(1, "promotion.score." + term)
          .bind(2, num(b))
          .bind(3, "per term unit")
          .bind(4, "illustrative")
          .step();
    }
    for (const auto& [lvl, w] : sc.promotion.by_level) {
      st.bind(1, "promotion.by_level." + lvl)
          .bind(2, num(w.endorse) + "/" + num(w.pilot) + "/" + num(w.mandate) + "/" +
                       num(w.championship))
          .bind(3, "endorse/pilot/mandate/championship weights")
          .bind(4, "illustrative")
          .step();
    }
  }
  {
    Stmt st(db, "INSERT INTO levels VALUES (?, ?, ?)");
    for (int l = 0; l < h.n_levels(); ++l) {
      st.bind(1, l)
          .bind(2, h.level_names()[l])
          .bind(3, h.level_begin(l + 1) - h.level_begin(l))
          .step();
    }
  }
  {  // the units with adoption rows, once
    const int max_level = std::min(model_.adoptions_max_level(), h.n_levels() - 1);
    auto w = sqlite_writer(db, units_schema(h, max_level));
    write_units(h, english_names(h, sc.hierarchy.source == "china"), max_level, *w);
    w->finish();
  }
  {
    Stmt st(db, "INSERT INTO policies VALUES (?, ?, ?, ?, ?, ?)");
    for (std::size_t k = 0; k < sc.policies.size(); ++k) {
      const auto& p = sc.policies[k];
      std::string profiles;
      for (const auto& [name, prof] : p.profile) {
        profiles += fmt::format("{}{}={}", profiles.empty() ? "" : "; ", name, prof.weight);
      }
      st.bind(1, static_cast<std::int64_t>(k))
          .bind(2, p.id)
          .bind(3, p.name)
          .bind(4, p.alpha_shift)
          .bind(5, p.trend)
          .bind_text_or_null(6, profiles)
          .step();
    }
  }
  db.exec("COMMIT;");
}

void reduce_for_study(const Model& model, ReplicateResult& r) {
  if (r.reduced || model.scenario().output.unit_time_every > 0) {
    return;
  }
  r.cells = adoption_cells(model, r);
  r.n_adoptions = static_cast<std::int64_t>(r.adoptions.size());
  const auto& h = model.hierarchy();
  const int max_level = model.adoptions_max_level();
  std::erase_if(r.adoptions, [&](const Adoption& a) { return h.level(a.unit) > max_level; });
  r.adoptions.shrink_to_fit();
  r.reduced = true;
}

std::vector<std::int32_t> written_replicates(const std::string& out_path) {
  std::vector<std::int32_t> out;
  const std::string partial = out_path + ".partial";  // PartialFile's name for it
  std::error_code ec;
  if (!std::filesystem::is_regular_file(partial, ec)) {
    return out;
  }
  try {
    Db db(partial, SQLITE_OPEN_READONLY);
    Stmt st(db, "SELECT replicate FROM runs");
    while (st.next_row()) {
      out.push_back(static_cast<std::int32_t>(sqlite3_column_int64(st.get(), 0)));
    }
  } catch (const Error&) {
    out.clear();  // StudyWriter says what is wrong with it when it opens it
  }
  return out;
}

void StudyWriter::add(const ReplicateResult& r) {
  if (next_ >= pending_.size() || pending_[next_] != r.replicate) {
    throw Error(ErrorKind::internal, "StudyWriter::add: replicates out of order");
  }
  Db& db = *db_;
  const auto& sc = model_.scenario();
  const auto& h = model_.hierarchy();
  db.exec("BEGIN;");
  Stmt(db, "INSERT INTO runs VALUES (1, ?, ?, ?)")
      .bind(1, r.replicate)
      .bind(2, static_cast<std::int64_t>(sc.seed))
      .bind(3, r.reduced ? r.n_adoptions : static_cast<std::int64_t>(r.adoptions.size()))
      .step();
  if (const auto* draws = model_.parameter_draws()) {
    // What the replicate ran with (the scheduler draws the same values: drawn_scenario).
    const auto x = draw_parameters(*draws, sc.seed, r.replicate);
    Stmt st(db, "INSERT INTO draws VALUES (1, ?, ?, ?)");
    for (std::size_t k = 0; k < x.size(); ++k) {
      st.bind(1, r.replicate).bind(2, draws->keys[k]).bind(3, x[k]).step();
    }
  }
  {
    const int max_level = model_.adoptions_max_level();
    rows_.clear();
    for (const auto& a : r.adoptions) {
      if (h.level(a.unit) <= max_level) {
        rows_.push_back(&a);
      }
    }
    const auto bind_row = [&](BindCache& st, int base, const Adoption& a, const UnitText& u) {
      st.integer(base + 1, r.replicate)
          .text(base + 2, sc.policies[a.policy].id)
          .text(base + 3, u.id)
          .text(base + 4, u.name)
          .text(base + 5, level_names_[h.level(a.unit)])
          .integer(base + 6, a.period)
          .text(base + 7, period_labels_[static_cast<std::size_t>(a.period)])
          .period(base + 8, a.full_period)
          .period(base + 9, a.inst_period)
          .period(base + 10, a.rev_period)
          .text(base + 11, channel_names_[static_cast<std::size_t>(a.channel)])
          .text(base + 12, u.variant);
      if (a.mode == Mode::none) {
        st.null(base + 13);
      } else {
        st.text(base + 13, mode_names_[static_cast<std::size_t>(a.mode)]);
      }
      st.integer(base + 14, static_cast<int>(a.pilot))
          .real(base + 15, static_cast<double>(a.quality))
          .integer(base + 16, static_cast<int>(a.mandated))
          .integer(base + 17, static_cast<int>(a.round))
          .integer(base + 18, static_cast<int>(a.ceased));
    };
    const auto check = [&](BindCache& st) {
      if (const int rc = st.error(); rc != SQLITE_OK) {
        db.raise(rc, "SQLite error binding an adoption row");
      }
    };
    // A batch's unit texts are looked up first, in a loop of independent loads, and their
    // bytes (copied into the rows in sqlite3_step) fetched ahead, so that the cache misses of
    // many rows are in flight at once rather than one at a time between SQLite calls.
    std::array<UnitText, kBatchRows> text{};
    const auto look_up = [&](std::size_t from, std::size_t n) {
      for (std::size_t k = from + n; k < std::min(from + 2 * n, rows_.size()); ++k) {
        __builtin_prefetch(&unit_text_[static_cast<std::size_t>(rows_[k]->unit)]);
      }
      for (std::size_t k = 0; k < n; ++k) {
        const Adoption& a = *rows_[from + k];
        const auto& u = unit_text_[static_cast<std::size_t>(a.unit)];
        const char* p = unit_chars_.data() + u.offset;
        text[k].id = {p, u.id_size};
        text[k].name = {p + u.id_size, u.name_size};
        __builtin_prefetch(p);
        __builtin_prefetch(p + u.id_size + u.name_size - 1);
        if (a.variant == a.unit) {
          text[k].variant = text[k].id;
        } else if (static_cast<std::size_t>(a.variant) < unit_text_.size()) {
          const auto& v = unit_text_[static_cast<std::size_t>(a.variant)];
          text[k].variant = {unit_chars_.data() + v.offset, v.id_size};
          __builtin_prefetch(text[k].variant.data());
        } else {
          text[k].variant = h.id(a.variant);
        }
      }
    };
    // Statements of kBatchRows rows, then of fewer for the rest: the same rows in the same
    // order as one statement per row, so the same file.
    std::size_t i = 0;
    for (auto& ins : adopt_) {
      for (; i + ins.rows <= rows_.size(); i += ins.rows) {
        look_up(i, ins.rows);
        for (std::size_t k = 0; k < ins.rows; ++k) {
          bind_row(*ins.binds, static_cast<int>(k) * kAdoptionParams, *rows_[i + k], text[k]);
        }
        check(*ins.binds);
        ins.st->step();
      }
    }
    adoptions_ += static_cast<std::int64_t>(rows_.size());
  }
  if (sc.output.unit_time_every > 0) {
    if (r.reduced) {
      throw Error(ErrorKind::internal, "StudyWriter::add: unit panels of a reduced replicate");
    }
    Stmt st(db, "INSERT INTO unit_time VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
    for_each_unit_time_row(model_, r,
                           [&](int pol, std::int32_t t, std::int32_t u, const Adoption* a) {
                             st.bind(1, r.replicate)
                                 .bind_static(2, sc.policies[pol].id)
                                 .bind_static(3, h.id(u))
                                 .bind_static(4, h.level_names()[h.level(u)])
                                 .bind(5, t)
                                 .bind_static(6, period_labels_[static_cast<std::size_t>(t)])
                                 .bind_static(7, to_string(stage_at(a, t)));
                             st.step();
                           });
  }
  if (model_.governance() != nullptr) {
    if (sc.output.unit_time_every > 0) {
      Stmt st(db, governance_unit_schema().insert_sql());
      for (const auto& row : r.governance.units) {
        st.bind(1, 1)
            .bind(2, r.replicate)
            .bind_static(3, h.id(row.unit))
            .bind_static(4, h.level_names()[h.level(row.unit)])
            .bind(5, row.period)
            .bind_static(6, period_labels_[static_cast<std::size_t>(row.period)]);
        for (int i = 0; i < kGovUnitColumns; ++i) {
          st.bind(7 + i, static_cast<double>(row.v[static_cast<std::size_t>(i)]));
        }
        st.step();
      }
    }
    if (!sc.governance.coproduction.agents_root.empty()) {
      Stmt st(db, "INSERT INTO agents_time VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
      for (std::size_t t = 0; t < r.governance.agents.size(); ++t) {
        const auto& a = r.governance.agents[t];
        for (int k = 0; k < 2; ++k) {
          st.bind(1, r.replicate)
              .bind(2, static_cast<std::int32_t>(t))
              .bind_static(3, period_labels_[t])
              .bind_static(4, k == 0 ? "local" : "migrant")
              .bind(5, a[static_cast<std::size_t>(k)])
              .bind(6, a[static_cast<std::size_t>(2 + k)])
              .bind(7, static_cast<std::int64_t>(a[static_cast<std::size_t>(4 + k)]));
          st.step();
        }
      }
    }
  }
  {
    if (r.reduced && r.cells.size() != adoption_cell_count(model_)) {
      fail(ErrorKind::data, {file_.path(), 0, "", ""},
           fmt::format("replicate {} was simulated from other inputs ({} adoption cells where "
                       "this model has {})",
                       r.replicate, r.cells.size(), adoption_cell_count(model_)),
           "resume with the same inputs, or run again without --resume");
    }
    auto cells = r.reduced ? r.cells : adoption_cells(model_, r);
    if (model_.governance() != nullptr) {
      cells.insert(cells.end(), r.governance.values.begin(), r.governance.values.end());
    }
    Stmt st(db, std::string("INSERT INTO ") + kCellsTable + " VALUES (?, ?)");
    st.bind(1, r.replicate);
    const int rc = sqlite3_bind_blob64(st.get(), 2, cells.data(), cells.size() * sizeof(double),
                                       SQLITE_STATIC);
    if (rc != SQLITE_OK) {
      db.raise(rc, "SQLite error binding the replicate's cells");
    }
    st.step();
  }
  db.exec("COMMIT;");
  ++next_;
}

void StudyWriter::finish() {
  if (next_ != pending_.size()) {
    throw Error(ErrorKind::internal, "StudyWriter::finish: replicates missing");
  }
  Db& db = *db_;
  const auto& sc = model_.scenario();
  const auto& h = model_.hierarchy();
  const std::size_t n_adopt = adoption_cell_count(model_);
  const std::size_t n_gov = governance_cell_count(model_);
  const auto n_reps = static_cast<std::size_t>(replicates_);
  // Cells are read back a block at a time: at most ~8 MB whatever the number of replicates.
  const std::size_t chunk =
      std::max<std::size_t>(1, (std::size_t{1} << 20U) / std::max<std::size_t>(1, n_reps));
  const auto fetch_from = [&](std::size_t offset) -> CellFetch {
    return [&, offset](std::size_t c0, std::size_t c1, std::vector<double>& out) {
      const std::size_t w = c1 - c0;
      for (std::size_t r = 0; r < n_reps; ++r) {
        sqlite3_blob* blob = nullptr;
        int rc = sqlite3_blob_open(db.get(), "main", kCellsTable, "cells",
                                   static_cast<sqlite3_int64>(r), 0, &blob);
        if (rc == SQLITE_OK) {
          rc = sqlite3_blob_read(blob, out.data() + r * w, static_cast<int>(w * sizeof(double)),
                                 static_cast<int>((offset + c0) * sizeof(double)));
        }
        sqlite3_blob_close(blob);
        if (rc != SQLITE_OK) {
          db.raise(rc, fmt::format("reading the cells of replicate {}", r));
        }
      }
    };
  };
  db.exec("BEGIN;");
  {
    const auto summary = summarise_cells(model_, n_reps, fetch_from(0), sc.output.quantiles, chunk);
    Stmt st(db, with_quantiles("summary_time", sc.output.quantiles).insert_sql());
    for (const auto& row : summary.rows) {
      st.bind(1, 1)
          .bind_static(2, sc.policies[row.policy].id)
          .bind_static(3, h.level_names()[row.level])
          .bind(4, row.period)
          .bind_static(5, period_labels_[static_cast<std::size_t>(row.period)])
          .bind_static(6, to_string(row.metric))
          .bind(7, row.n_units)
          .bind(8, static_cast<std::int64_t>(n_reps))
          .bind(9, row.mean)
          .bind(10, row.sd);
      for (std::size_t i = 0; i < row.q.size(); ++i) {
        st.bind(11 + static_cast<int>(i), row.q[i]);
      }
      st.step();
    }
  }
  if (model_.governance() != nullptr && n_gov > 0) {
    const auto gs =
        summarise_governance_cells(model_, n_reps, fetch_from(n_adopt), sc.output.quantiles, chunk);
    Stmt st(db, with_quantiles("governance_time", sc.output.quantiles).insert_sql());
    for (const auto& row : gs.rows) {
      st.bind(1, 1)
          .bind_static(2, h.level_names()[row.level])
          .bind(3, row.period)
          .bind_static(4, period_labels_[static_cast<std::size_t>(row.period)])
          .bind_static(5, to_string(row.metric))
          .bind(6, row.replicates)
          .bind(7, row.mean)
          .bind(8, row.sd);
      for (std::size_t i = 0; i < row.q.size(); ++i) {
        st.bind(9 + static_cast<int>(i), row.q[i]);
      }
      st.step();
    }
  }
  db.exec(std::string("DROP TABLE ") + kCellsTable + ";");
  db.exec("UPDATE meta SET value = '1' WHERE key = 'complete'; COMMIT;");
  db.exec("PRAGMA journal_mode=DELETE;");  // removes the kept journal file
  adopt_.clear();
  db_.reset();
  file_.commit();
}

void write_study(const std::string& path, bool force, const Model& model,
                 const std::vector<ReplicateResult>& results, const StudyMeta& meta) {
  StudyWriter w(path, force, false, model, static_cast<std::int32_t>(results.size()), meta);
  for (const auto& r : results) {
    w.add(r);
  }
  w.finish();
}

}  // namespace pdlab::io
