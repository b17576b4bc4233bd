#include "core/params.hpp"

#include "core/errors.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace pdlab {

const char* to_string(Mode m) {
  switch (m) {
    case Mode::none: return "none";
    case Mode::endorse: return "endorse";
    case Mode::pilot: return "pilot";
    case Mode::mandate: return "mandate";
    case Mode::championship: return "championship";
  }
  return "?";
}
const char* to_string(Link l) {
  return l == Link::cloglog ? "cloglog" : "logit";
}
const char* to_string(PilotRule r) {
  return r == PilotRule::capacity ? "capacity" : r == PilotRule::need ? "need" : "random";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr std::string_view kZhu = "Zhu (2014), Public Management Review 16(1):117-139";
constexpr std::string_view kHeil = "Heilmann (2008), Stud. Comp. Int. Dev. 43:1-26";
constexpr std::string_view kMa = "Ma (2017), J. Chinese Political Science; Ma (2013), PMR 15(2)";
constexpr std::string_view kEha = "Berry & Berry (1990) discrete-time EHA; Li & Fang (2018)";

// Accessor lambdas for the registry; a macro keeps each entry on one line.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define REAL(path) [](Scenario& s) -> double* { return &s.path; }
#define INT(path) [](Scenario& s) -> int* { return &s.path; }
#define BOOL(path) [](Scenario& s) -> bool* { return &s.path; }
#define TEXT(path) [](Scenario& s) -> std::string* { return &s.path; }
// NOLINTEND(bugprone-macro-parentheses)

Param real(std::string_view key, double lo, double hi, std::string_view unit,
           std::string_view source, std::string_view help, double* (*acc)(Scenario&)) {
  Param p{key, ParamType::real, lo, hi, "", unit, source, help};
  p.real = acc;
  return p;
}
Param integer(std::string_view key, double lo, double hi, std::string_view unit,
              std::string_view source, std::string_view help, int* (*acc)(Scenario&)) {
  Param p{key, ParamType::integer, lo, hi, "", unit, source, help};
  p.integer = acc;
  return p;
}
Param boolean(std::string_view key, std::string_view source, std::string_view help,
              bool* (*acc)(Scenario&)) {
  Param p{key, ParamType::boolean, 0, 1, "", "", source, help};
  p.boolean = acc;
  return p;
}
Param text(std::string_view key, std::string_view help, std::string* (*acc)(Scenario&)) {
  Param p{key, ParamType::text, 0, 0, "", "", "", help};
  p.text = acc;
  return p;
}
Param table(std::string_view key, std::string_view unit, std::string_view source,
            std::string_view help) {
  return Param{key, ParamType::table, 0, 0, "", unit, source, help};
}

template <typename E, std::size_t N>
E parse_choice(std::string_view v, const E (&values)[N]) {
  for (auto e : values) {
    if (v == to_string(e)) {
      return e;
    }
  }
  throw Error(ErrorKind::internal, "unchecked choice");
}

constexpr Mode kModes[] = {Mode::none, Mode::endorse, Mode::pilot, Mode::mandate,
                           Mode::championship};
constexpr Link kLinks[] = {Link::cloglog, Link::logit};
constexpr PilotRule kRules[] = {PilotRule::capacity, PilotRule::need, PilotRule::random};

std::vector<Param> make_registry() {
  std::vector<Param> r;
  r.push_back(integer("schema_version", 1, 1, "", "", "Scenario format version; must be 1.",
                      INT(schema_version)));
  r.push_back(text("name", "Short name of the scenario, used in reports.", TEXT(name)));
  r.push_back(text("description", "What the scenario represents.", TEXT(description)));

  r.push_back(integer("calendar.start_year", 1900, 2200, "year", "", "Year of the first period.",
                      INT(calendar.start_year)));
  r.push_back(integer("calendar.start_month", 1, 12, "month", "", "Month of the first period.",
                      INT(calendar.start_month)));
  r.push_back(integer("calendar.periods_per_year", 1, 12, "periods/year", "",
                      "Periods per year: 1, 2, 3, 4, 6 or 12 (12 = monthly).",
                      INT(calendar.periods_per_year)));
  r.push_back(integer("calendar.periods", 1, 12000, "periods", "", "Number of periods simulated.",
                      INT(calendar.periods)));

  {
    Param p{"hierarchy.source",
            ParamType::choice,
            0,
            0,
            "china|csv",
            "",
            "",
            "Where units come from: the shipped China divisions (2023 NBS codes, 2020 census "
            "shares) or a CSV file id,parent_id,level,name,covariates..."};
    p.set_choice = [](Scenario& s, std::string_view v) { s.hierarchy.source = std::string(v); };
    p.get_choice = [](const Scenario& s) { return s.hierarchy.source; };
    r.push_back(p);
  }
  r.push_back(text("hierarchy.path",
                   "CSV file of units when source = \"csv\" (relative to the "
                   "scenario file; .gz is read transparently).",
                   TEXT(hierarchy.path)));
  r.push_back(text("hierarchy.root",
                   "Id of the root of the subtree to simulate, e.g. \"32\" "
                   "(Jiangsu) or \"350205\" (Haicang); empty = whole hierarchy.",
                   TEXT(hierarchy.root)));
  r.push_back(table("hierarchy.text_columns", "", "",
                    "Columns of the hierarchy CSV kept as text labels (e.g. [\"region\"]) instead "
                    "of being checked as numbers."));
  r.push_back(table("hierarchy.edges", "", "",
                    "Array of tables {path, symmetric}: extra weighted peer edges (from,to,weight "
                    "CSV, or \"china:county_adjacency\" = shared border km)."));
  r.push_back(table("policy", "", "",
                    "Array of tables {id, name, alpha_shift}: the policies diffusing at once; "
                    "alpha_shift is added to every intercept of that policy."));

  {
    Param p{"adoption.link",
            ParamType::choice,
            0,
            0,
            "cloglog|logit",
            "",
            std::string_view(kEha),
            "Link of the discrete-time hazard. cloglog = grouped proportional hazards."};
    p.set_choice = [](Scenario& s, std::string_view v) {
      s.adoption.link = parse_choice(v, kLinks);
    };
    p.get_choice = [](const Scenario& s) { return std::string(to_string(s.adoption.link)); };
    r.push_back(p);
  }
  r.push_back(table("adoption.alpha", "linear predictor", "illustrative",
                    "Intercept by level name, e.g. {province = -6, county = -7}; -inf = never "
                    "adopts spontaneously."));
  r.push_back(real("adoption.alpha_default", -kInf, 20, "linear predictor", "illustrative",
                   "Intercept of levels not listed in adoption.alpha.",
                   REAL(adoption.alpha_default)));
  r.push_back(table("adoption.beta", "per covariate unit", "illustrative",
                    "Coefficient by attribute column, e.g. {urban_share = 0.5}."));
  {
    Param p{"adoption.missing",
            ParamType::choice,
            0,
            0,
            "error|zero|mean",
            "",
            "",
            "What a missing covariate value means: an error, zero, or the column mean."};
    p.set_choice = [](Scenario& s, std::string_view v) { s.adoption.missing = std::string(v); };
    p.get_choice = [](const Scenario& s) { return s.adoption.missing; };
    r.push_back(p);
  }
  r.push_back(real(
      "adoption.gamma_vertical", -50, 50, "per unit of pressure", std::string_view(kZhu),
      "Weight g_v of vertical pressure V from adopting superiors.", REAL(adoption.gamma_vertical)));
  r.push_back(real("adoption.gamma_horizontal", -50, 50, "per share of peers",
                   std::string_view(kMa),
                   "Weight g_h of horizontal exposure H (weighted share of peers adopted).",
                   REAL(adoption.gamma_horizontal)));
  r.push_back(real("adoption.gamma_bottom_up", -50, 50, "per share of children",
                   std::string_view(kHeil),
                   "Weight g_u of bottom-up exposure U (share of own children adopted).",
                   REAL(adoption.gamma_bottom_up)));
  r.push_back(real("adoption.gamma_need", -50, 50, "per unit of need", "illustrative",
                   "Weight g_e of internal need E (the adoption.need column).",
                   REAL(adoption.gamma_need)));
  r.push_back(text("adoption.need",
                   "Attribute column measuring internal need (default the "
                   "2020 census migrant share).",
                   TEXT(adoption.need)));
  r.push_back(boolean("adoption.success_weighted", std::string_view(kMa),
                      "Weight adopted peers by their implementation quality (learning) rather "
                      "than counting them (imitation).",
                      BOOL(adoption.success_weighted)));
  r.push_back(real("adoption.sibling_weight", 0, 1e6, "edge weight", "illustrative",
                   "Weight of each sibling as a peer, relative to edge-list weights.",
                   REAL(adoption.sibling_weight)));
  r.push_back(real("adoption.edge_weight", 0, 1e6, "multiplier", "illustrative",
                   "Multiplier applied to all edge-list weights.", REAL(adoption.edge_weight)));

  r.push_back(real("vertical.attenuation", 0, 1, "factor per level", "illustrative",
                   "Pressure from an ancestor d levels up is multiplied by attenuation^(d-1).",
                   REAL(vertical.attenuation)));
  r.push_back(real("vertical.endorse", 0, 100, "pressure", std::string_view(kZhu),
                   "Pressure an endorsing superior puts on its children.", REAL(vertical.endorse)));
  r.push_back(real("vertical.pilot", 0, 100, "pressure", std::string_view(kHeil),
                   "Pressure on non-pilot children while a superior's pilots are evaluated.",
                   REAL(vertical.pilot)));
  r.push_back(real("vertical.mandate", 0, 100, "pressure", std::string_view(kZhu),
                   "Pressure of a mandate at issue; it grows with urgency to the deadline.",
                   REAL(vertical.mandate)));
  r.push_back(real("vertical.championship", 0, 100, "pressure", std::string_view(kZhu),
                   "Pressure of a championship (recognition for early movers); it falls as "
                   "the share of children adopted rises.",
                   REAL(vertical.championship)));
  r.push_back(real("vertical.urgency", 0, 100, "multiplier", "illustrative",
                   "Mandate pressure is mandate * (1 + urgency * elapsed/period-to-deadline).",
                   REAL(vertical.urgency)));
  r.push_back(integer("vertical.deadline_tightening", 0, 1200, "periods per level",
                      "Li & Fang (2018): layer-by-layer pressure",
                      "Each level passing a mandate "
                      "down sets its own deadline this many periods before its superior's.",
                      INT(vertical.deadline_tightening)));

  r.push_back(real("promotion.endorse", 0, 1, "weight", std::string_view(kZhu),
                   "Relative weight of choosing endorse when a superior adopts.",
                   REAL(promotion.weights.endorse)));
  r.push_back(real("promotion.pilot", 0, 1, "weight", std::string_view(kHeil),
                   "Relative weight of choosing pilots.", REAL(promotion.weights.pilot)));
  r.push_back(real("promotion.mandate", 0, 1, "weight", std::string_view(kZhu),
                   "Relative weight of choosing a mandate.", REAL(promotion.weights.mandate)));
  r.push_back(real("promotion.championship", 0, 1, "weight", std::string_view(kZhu),
                   "Relative weight of choosing a championship.",
                   REAL(promotion.weights.championship)));
  r.push_back(table("promotion.by_level", "weight", "illustrative",
                    "Per level name, a table {endorse, pilot, mandate, championship} overriding "
                    "the weights above for superiors of that level."));
  r.push_back(integer("promotion.mandate_deadline", 1, 12000, "periods", "illustrative",
                      "Periods from a superior's mandate to its deadline.",
                      INT(promotion.mandate_deadline)));
  r.push_back(integer("promotion.pilot_k", 1, 1000, "children", std::string_view(kHeil),
                      "Number of children a piloting superior designates.",
                      INT(promotion.pilot_k)));
  {
    Param p{"promotion.pilot_rule",
            ParamType::choice,
            0,
            0,
            "capacity|need|random",
            "",
            std::string_view(kHeil),
            "How pilots are chosen: largest promotion.capacity, largest need, or at random."};
    p.set_choice = [](Scenario& s, std::string_view v) {
      s.promotion.pilot_rule = parse_choice(v, kRules);
    };
    p.get_choice = [](const Scenario& s) { return std::string(to_string(s.promotion.pilot_rule)); };
    r.push_back(p);
  }
  r.push_back(text("promotion.capacity",
                   "Attribute column ranking children's capacity for "
                   "pilot selection (missing ranks last).",
                   TEXT(promotion.capacity)));
  r.push_back(integer("promotion.pilot_delay", 0, 12000, "periods", std::string_view(kHeil),
                      "Periods from pilot designation to evaluation.", INT(promotion.pilot_delay)));
  r.push_back(real("promotion.pilot_success", 0, 1, "probability", "illustrative",
                   "Probability that a pilot is judged a success.", REAL(promotion.pilot_success)));
  r.push_back(real("promotion.scale_up_threshold", 0, 1, "share", "illustrative",
                   "Share of successful pilots needed to scale up (mandate for all children); "
                   "below it the superior falls back to endorsement.",
                   REAL(promotion.scale_up_threshold)));
  r.push_back(integer("promotion.scale_up_deadline", 1, 12000, "periods", std::string_view(kHeil),
                      "Deadline of the mandate that scales pilots up (\"point to surface\").",
                      INT(promotion.scale_up_deadline)));
  r.push_back(real("promotion.compliance", 0, 1, "probability", "illustrative",
                   "Probability that a unit not yet adopting complies at a mandate's deadline.",
                   REAL(promotion.compliance)));
  r.push_back(real("promotion.variant_innovation", 0, 1, "probability", std::string_view(kZhu),
                   "Probability that a unit adopting under a championship invents its own "
                   "variant instead of copying its superior's.",
                   REAL(promotion.variant_innovation)));

  r.push_back(integer("stages.institutionalise_after", 0, 12000, "periods",
                      "Li & Fang (2018): none -> pilot -> adopted -> institutionalised",
                      "Periods of adoption after which a unit is institutionalised (0 = never).",
                      INT(stages.institutionalise_after)));
  r.push_back(real("stages.reversal_rate", 0, 1, "probability per period",
                   "Li & Fang (2018): Guiyang 2019 reversal",
                   "Per-period probability that an "
                   "adopted, not yet institutionalised unit reverses.",
                   REAL(stages.reversal_rate)));
  r.push_back(table("event", "", "",
                    "Array of tables: scripted events {type = adopt|mandate|promote, date, "
                    "policy, units, mode, issuer, target_level, deadline, compliance, quota}."));

  {
    Param p{"run.seed", ParamType::integer,
            0,          9.007199254740992e15,
            "",         "",
            "",         "Master seed of all random streams."};
    p.integer = nullptr;
    r.push_back(p);
  }
  r.push_back(integer("run.replicates", 1, 100000, "replicates", "", "Number of replicates.",
                      INT(replicates)));
  r.push_back(integer("run.threads", 0, 1024, "threads", "",
                      "Worker threads (0 = all cores); results do not depend on it.",
                      INT(threads)));

  r.push_back(table("output.quantiles", "probability", "",
                    "Quantiles of summary_time over replicates (default [0.05, 0.5, 0.95])."));
  r.push_back(text("output.adoptions_max_level",
                   "Deepest level written to the adoptions "
                   "table (empty = all levels).",
                   TEXT(output.adoptions_max_level)));
  r.push_back(integer("output.unit_time_every", 0, 12000, "periods", "",
                      "Write the unit_time panel every this many periods (0 = off).",
                      INT(output.unit_time_every)));
  r.push_back(text("output.unit_time_max_level",
                   "Deepest level written to unit_time "
                   "(empty = all levels).",
                   TEXT(output.unit_time_max_level)));
  return r;
}

}  // namespace

const std::vector<Param>& parameters() {
  static const std::vector<Param> registry = make_registry();
  return registry;
}

const Param* find_parameter(std::string_view key) {
  for (const auto& p : parameters()) {
    if (p.key == key) {
      return &p;
    }
  }
  return nullptr;
}

std::string parameter_value(const Param& p, const Scenario& s) {
  auto& m = const_cast<Scenario&>(s);  // accessors are shared by readers and writers
  std::ostringstream o;
  switch (p.type) {
    case ParamType::real: o << *p.real(m); break;
    case ParamType::integer:
      if (p.key == "run.seed") {
        o << s.seed;
      } else {
        o << *p.integer(m);
      }
      break;
    case ParamType::boolean: o << (*p.boolean(m) ? "true" : "false"); break;
    case ParamType::text: o << *p.text(m); break;
    case ParamType::choice: o << p.get_choice(s); break;
    case ParamType::table: break;
  }
  return o.str();
}

std::string closest(std::string_view key, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const auto d = edit_distance(std::string(key), c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= std::max<std::size_t>(3, key.size() / 3) ? best : std::string();
}

}  // namespace pdlab
