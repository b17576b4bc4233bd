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
  // Prepared once (declared after db_: finalized before it closes).
  std::unique_ptr<Stmt> adopt_one_;
  std::unique_ptr<Stmt> adopt_batch_;
  std::unique_ptr<BindCache> one_binds_;  // what each statement's parameters hold
  std::unique_ptr<BindCache> batch_binds_;
  std::vector<const Adoption*> rows_;
  std::vector<std::int32_t> pending_;
  std::size_t next_ = 0;
  std::int64_t adoptions_ = 0;
  std::vector<std::string> period_labels_;
};

}  // namespace pdlab::io
