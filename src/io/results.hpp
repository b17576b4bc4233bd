// Results storage: one SQLite file per study, and CSV export of its tables.
#pragma once

#include "core/engine.hpp"
#include "core/model.hpp"
#include "core/summary.hpp"

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace pdlab::io {

struct StudyMeta {
  std::string scenario_toml;  // resolved scenario text
  std::string command_line;
  std::map<std::string, std::string> extra;  // more meta rows
};

// Writes the study to `path` atomically: a temporary file in the same directory, one
// transaction, then rename. Refuses to replace an existing file unless `force`.
void write_study(const std::string& path, bool force, const Model& model,
                 const std::vector<ReplicateResult>& results, const Summary& summary,
                 const StudyMeta& meta);

// Checks before a run that `path` can be written (so a long run does not fail at the end).
void check_output_path(const std::string& path, bool force);

// Tables of a study file.
std::vector<std::string> list_tables(const std::string& db_path);
// Writes table `table` as CSV (header, NULL as empty field, RFC 4180 quoting) to `out`.
void export_csv(const std::string& db_path, const std::string& table, std::ostream& out);
// Same, to a file, atomically; "-" means stdout.
void export_csv_file(const std::string& db_path, const std::string& table,
                     const std::string& out_path, bool force);

// Removes the temporary file of a write in progress. Async-signal-safe: for SIGINT/SIGTERM
// handlers, so an interrupted run leaves neither a partial result nor a stray temporary file.
void remove_pending_output() noexcept;

// Writes a text file atomically (temporary file + rename); refuses to overwrite unless force.
void write_text_file(const std::string& path, bool force,
                     const std::function<void(std::ostream&)>& write);

// Writes a table produced as CSV by `write` to `path`: as CSV, or, when the path ends in
// ".sqlite", as table `table` of a new SQLite file (numbers as REAL, empty fields as NULL).
void write_table_output(const std::string& path, bool force, const std::string& table,
                        const std::function<void(std::ostream&)>& write);

// Column name of quantile p: 0.05 -> q05, 0.5 -> q50, 0.025 -> q2_5.
std::string quantile_column(double p);

}  // namespace pdlab::io
