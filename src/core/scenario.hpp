// A scenario as plain data: what the TOML file says, after defaults and range checks.
// The core compiles it against a hierarchy (model.hpp); the I/O library fills it from TOML.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace pdlab {

enum class Link : std::uint8_t { cloglog, logit };
// How an adopting superior pushes its subordinates. none = not (yet) promoting.
enum class Mode : std::uint8_t { none, endorse, pilot, mandate, championship };
enum class PilotRule : std::uint8_t { capacity, need, random };

const char* to_string(Mode m);
const char* to_string(Link l);
const char* to_string(PilotRule r);

struct Calendar {
  int start_year = 2000;
  int start_month = 1;
  int periods_per_year = 12;  // 1, 2, 3, 4, 6 or 12
  int periods = 240;
};

struct EdgeSource {
  std::string path;  // "china:county_adjacency" or a CSV file (from,to,weight)
  bool symmetric = true;
};

struct HierarchySpec {
  std::string source = "china";           // "china" or "csv"
  std::string path;                       // CSV path when source = "csv"
  std::string root;                       // id of the subtree's root; empty = whole hierarchy
  std::vector<std::string> text_columns;  // hierarchy columns kept as text, not numbers
  std::vector<EdgeSource> edges;
};

struct Policy {
  std::string id;
  std::string name;
  double alpha_shift = 0.0;
};

struct ModeWeights {
  double endorse = 0.4;
  double pilot = 0.3;
  double mandate = 0.2;
  double championship = 0.1;
};

struct AdoptionParams {
  Link link = Link::cloglog;
  std::map<std::string, double> alpha;  // by level name
  double alpha_default = -7.0;
  std::map<std::string, double> beta;  // by attribute column
  std::string missing = "error";       // covariate NaN: error | zero | mean
  double gamma_vertical = 1.0;
  double gamma_horizontal = 2.0;
  double gamma_bottom_up = 1.0;
  double gamma_need = 0.0;
  std::string need = "migrant_share";
  bool success_weighted = false;
  double sibling_weight = 1.0;
  double edge_weight = 1.0;
};

struct VerticalParams {
  double attenuation = 0.5;
  double endorse = 1.0;
  double pilot = 0.5;
  double mandate = 2.0;
  double championship = 1.5;
  double urgency = 1.0;
  int deadline_tightening = 0;
};

struct PromotionParams {
  ModeWeights weights;
  std::map<std::string, ModeWeights> by_level;
  int mandate_deadline = 36;
  int pilot_k = 2;
  PilotRule pilot_rule = PilotRule::capacity;
  std::string capacity = "population";
  int pilot_delay = 12;
  double pilot_success = 0.7;
  double scale_up_threshold = 0.5;
  int scale_up_deadline = 24;
  double compliance = 1.0;
  double variant_innovation = 0.5;
};

struct StageParams {
  int institutionalise_after = 36;
  double reversal_rate = 0.0;
};

struct Quota {
  std::vector<std::string> regions;
  double share = 0.0;
  std::string by;
};

struct Event {
  std::string key;        // "event[3]", for messages
  std::int64_t line = 0;  // line of the event in the scenario file
  std::string type;       // adopt | mandate | promote
  std::string date;
  std::string policy;
  std::vector<std::string> units;  // adopt, promote
  Mode mode = Mode::none;          // adopt, promote
  std::string issuer;              // mandate
  std::string target_level;        // mandate
  std::string deadline;            // mandate, promote with mode mandate
  double compliance = -1.0;        // mandate; < 0 = promotion.compliance
  std::vector<Quota> quotas;       // mandate
};

struct OutputParams {
  std::vector<double> quantiles = {0.05, 0.5, 0.95};
  std::string adoptions_max_level;  // empty = all levels
  int unit_time_every = 0;          // 0 = no unit_time table
  std::string unit_time_max_level;
};

struct Scenario {
  int schema_version = 1;
  std::string name;
  std::string description;
  std::string file;  // where it was read from
  Calendar calendar;
  HierarchySpec hierarchy;
  std::vector<Policy> policies;
  AdoptionParams adoption;
  VerticalParams vertical;
  PromotionParams promotion;
  StageParams stages;
  std::vector<Event> events;
  std::uint64_t seed = 1;
  int replicates = 1;
  int threads = 0;  // 0 = all cores
  OutputParams output;
};

constexpr int kSchemaVersion = 1;
constexpr std::int32_t kNever = std::numeric_limits<std::int32_t>::max();

}  // namespace pdlab
