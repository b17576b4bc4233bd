// Writes a study to SQLite while it runs: each finished replicate in its own transaction, so
// that memory does not grow with replicates and an interrupted study can be resumed.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/sim/engine.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::io {

class Db;
class Stmt;
class BindCache;

// The file is `<out>.partial` until finish() renames it to `<out>`. The tables are those of
// docs/outputs.md; replicates are committed in replicate order, and the summaries
// (summary_time, governance_time) are computed at the end from per-replicate cells kept in the
// file (read back a block of cells at a time), so the bytes do not depend on how the study was
// interrupted and resumed (with SOURCE_DATE_EPOCH set, created_at is fixed too).
// Cuts `result` down to what StudyWriter::add writes of it (its adoption rows, adoption cells
// and count of adoptions), so that another rank can write it from a few kilobytes rather than
// every adoption (24 MB for a national replicate). Left whole when the study has unit panels
// (output.unit_time_every > 0), which need every adoption.
void reduce_for_study(const Model& model, ReplicateResult& result);

// The replicates already committed in `out_path`'s partial study (OUT.partial), read-only;
// empty when there is none or it cannot be read (StudyWriter then says why, when it opens it).
std::vector<std::int32_t> written_replicates(const std::string& out_path);

class StudyWriter {
 public:
  // `replicates` is the planned number. With `resume`, an existing partial file made from the
  // same resolved scenario is reopened and its committed replicates are kept.
  StudyWriter(const std::string& out_path, bool force, bool resume, const Model& model,
              std::int32_t replicates, const StudyMeta& meta);
  ~StudyWriter();
  StudyWriter(const StudyWriter&) = delete;
  StudyWriter& operator=(const StudyWriter&) = delete;

  // The replicates still to run, in order (all of them unless resumed).
  const std::vector<std::int32_t>& pending() const { return pending_; }
  bool resumed() const { return file_.resumed(); }
  // Commits one replicate; must be called in the order of pending().
  void add(const ReplicateResult& result);
  // Writes the summaries, drops the per-replicate cells and moves the file into place.
  void finish();
  // Adoption rows written so far (this process).
  std::int64_t adoptions_written() const { return adoptions_; }

 private:
  void create_tables();
  void check_resumable();

  const Model& model_;
  std::int32_t replicates_;
  StudyMeta meta_;
  PartialFile file_;
  std::unique_ptr<Db> db_;
  // Adoption INSERTs of several sizes, prepared once (declared after db_: finalized before it
  // closes), largest first.
  struct Insert {
    Insert(std::size_t n, std::unique_ptr<Stmt> s, std::unique_ptr<BindCache> b);
    Insert(Insert&&) noexcept;
    ~Insert();
    std::size_t rows;
    std::unique_ptr<Stmt> st;
    std::unique_ptr<BindCache> binds;  // what the statement's parameters hold
  };
  std::vector<Insert> adopt_;
  std::vector<const Adoption*> rows_;
  // The text of an adoption row's unit and variant.
  struct UnitText {
    std::string_view id, name, variant;
  };
  // Each unit's id and name side by side, for the units of adoption rows: the hierarchy keeps
  // them in two string pools in file order, three dependent cache misses a unit.
  struct UnitChars {
    std::size_t offset;
    std::uint32_t id_size, name_size;
  };
  std::vector<UnitChars> unit_text_;
  std::string unit_chars_;
  // Names as written, their lengths taken once.
  std::vector<std::string_view> level_names_;
  std::vector<std::string_view> channel_names_;
  std::vector<std::string_view> mode_names_;
  std::vector<std::int32_t> pending_;
  std::size_t next_ = 0;
  std::int64_t adoptions_ = 0;
  std::vector<std::string> period_labels_;
};

}  // namespace pdlab::io
