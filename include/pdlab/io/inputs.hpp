// Loading a scenario's inputs: hierarchy and edge lists, from CSV or the shipped China data.
#pragma once

#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/core/scenario.hpp"

#include <memory>
#include <string>

namespace pdlab::io {

// Directory of shipped data: $PDLAB_DATA_DIR if set, else the build-time location.
std::string data_dir();

// Generic hierarchy CSV: id,parent_id,level[,name][,numeric covariates...].
// Every covariate is checked; only the columns in `keep` are stored (all when keep is empty).
// Columns listed in `text` are kept as text and not parsed as numbers.
Hierarchy load_hierarchy_csv(const std::string& path, const std::string& root,
                             const std::vector<std::string>& keep = {},
                             const std::vector<std::string>& text = {});
// Joins the numeric columns of `path` (unit_id,col1,col2,...; `given` as the scenario names
// it, for messages) onto `h`, storing those in `keep` (all when empty) and checking every
// one: a column name the hierarchy has, a unit twice, an unknown id, a non-number and a level
// given for some of its units only are data errors naming the file, line, field and value.
// Rows of units outside the selected subtree (hierarchy.root) are skipped.
void join_unit_attributes(Hierarchy& h, const std::string& path, const std::string& given,
                          const std::vector<std::string>& keep = {});
// Edge list CSV: from,to[,weight] (weight defaults to 1). Adds to the builder.
void load_edges_csv(const std::string& path, bool symmetric, NetworkBuilder& builder);

struct Inputs {
  std::unique_ptr<Hierarchy> hierarchy;
  std::unique_ptr<Network> network;
};
// Resolves hierarchy.source/path/root and hierarchy.edges of a scenario (paths relative to
// the scenario file) and loads them.
// `extra_columns` are covariates to load besides those the scenario uses.
Inputs load_inputs(const Scenario& scenario, const std::vector<std::string>& extra_columns = {});

}  // namespace pdlab::io
