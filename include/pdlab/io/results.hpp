// Results storage: one SQLite file per study, and CSV export of its tables.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/sim/summary.hpp"

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

// Writes a finished ensemble as a study (see StudyWriter for a study written as it runs).
// Refuses to replace an existing file unless `force`.
void write_study(const std::string& path, bool force, const Model& model,
                 const std::vector<ReplicateResult>& results, const StudyMeta& meta);

// Tables of a study file.
std::vector<std::string> list_tables(const std::string& db_path);
// Writes table `table` as CSV (header, NULL as empty field, RFC 4180 quoting) to `out`.
void export_csv(const std::string& db_path, const std::string& table, std::ostream& out);
// Same, to a file, atomically; "-" means stdout.
void export_csv_file(const std::string& db_path, const std::string& table,
                     const std::string& out_path, bool force);

// Column name of quantile p: 0.05 -> q05, 0.5 -> q50, 0.025 -> q2_5.
std::string quantile_column(double p);

}  // namespace pdlab::io
