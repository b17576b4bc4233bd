#include "pdlab/study/units.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/padded_codes.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/io/units_table.hpp"

#include <algorithm>

namespace pdlab::study {

std::vector<UnitMatch> find_units(const std::string& scenario, const std::string& query,
                                  std::size_t limit, std::string* note) {
  if (query.empty()) {
    fail(ErrorKind::usage, {"", 0, "QUERY", ""}, "an empty query matches nothing",
         "give a code (e.g. 3205) or part of a name (e.g. 苏州, or Taicang: English names cover "
         "provinces and counties)");
  }
  if (limit == 0) {
    fail(ErrorKind::usage, {"", 0, "--limit", "0"}, "must be at least 1", "give --limit 1 or more");
  }
  // Only the identifying columns are needed: no covariates are stored.
  const std::vector<std::string> keep{"population"};
  Hierarchy h;
  bool china = scenario.empty();
  if (china) {
    h = io::load_hierarchy_csv(io::data_dir() + "/china/units.csv.gz", "", keep, {"type"});
  } else {
    const auto loaded = io::load_scenario(scenario, {});
    china = loaded.scenario.hierarchy.source == "china";
    h = std::move(*io::load_inputs(loaded.scenario).hierarchy);
  }
  const auto names_en = io::english_names(h, china);
  const int type = io::type_column(h);
  // A padded code (130100 for the prefecture 1301) that is no unit's id: the unit it pads.
  std::vector<std::int32_t> found;
  const auto padded =
      h.find(query) < 0 ? io::padded_code_units(h, query) : std::vector<std::int32_t>{};
  if (padded.size() == 1) {
    found = io::find_units(h, names_en, h.id(padded.front()), limit);
  } else if (padded.size() > 1) {
    found.assign(padded.begin(),
                 padded.begin() + static_cast<std::ptrdiff_t>(std::min(limit, padded.size())));
  } else {
    found = io::find_units(h, names_en, query, limit);
  }
  if (note != nullptr && !padded.empty()) {
    std::string units;
    for (std::size_t k = 0; k < padded.size(); ++k) {
      units += (k == 0 ? "" : " or ") + io::unit_label(h, padded[k]);
    }
    *note = "'" + query + "' is no unit's id; read as a code padded with zeros, it is " + units +
            (padded.size() > 1 ? " (ambiguous: use the code of the unit meant)" : "") +
            ": the hierarchy's codes are shortened by level (province 2 digits, prefecture 4, "
            "county 6, township 9, village 12)";
  }
  std::vector<UnitMatch> out;
  for (const auto u : found) {
    UnitMatch m;
    m.id = std::string(h.id(u));
    if (h.parent(u) >= 0) {
      m.parent_id = std::string(h.id(h.parent(u)));
    }
    m.level = h.level_names()[h.level(u)];
    m.level_index = h.level(u);
    if (type >= 0) {
      m.type = std::string(h.text_attribute(type, u));
    }
    m.name = std::string(h.name(u));
    m.name_en = names_en[static_cast<std::size_t>(u)];
    for (int l = 1; l < h.level(u); ++l) {
      const auto a = h.ancestor_at(u, l);
      m.ancestors.emplace_back(h.name(a));
      m.ancestor_ids.emplace_back(h.id(a));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pdlab::study
