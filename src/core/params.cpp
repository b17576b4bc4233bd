#include "pdlab/core/params.hpp"

#include <fmt/format.h>

#include "pdlab/core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

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
const char* to_string(Choice c) {
  return c == Choice::best_response ? "best_response" : "fixed";
}
const char* to_string(PilotRule r) {
  switch (r) {
    case PilotRule::capacity: return "capacity";
    case PilotRule::need: return "need";
    case PilotRule::random: return "random";
    case PilotRule::score: return "score";
  }
  return "?";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Sources. The cited works give directions of effects, not values: every value is illustrative
// unless a scenario file cites a number.
constexpr std::string_view kZhu =
    "direction: Zhu (2014), Public Management Review 16(1):117-139; value illustrative";
constexpr std::string_view kHeil =
    "direction: Heilmann (2008), Stud. Comp. Int. Dev. 43:1-26; value illustrative";
constexpr std::string_view kMa =
    "direction: Ma (2017), J. Chinese Political Science; Ma (2013), PMR 15(2); value "
    "illustrative";
constexpr std::string_view kDual =
    "direction: Li & Fang (2018), dual assessment (docs/domain.md 2.3 items 7-8); value "
    "illustrative";
constexpr std::string_view kTarget =
    "direction: Wang Zhen (2018) (docs/domain.md 3.5; doi 10.1007/s12140-018-9281-x), veto "
    "(priority) targets, more limited in the Xi era; value illustrative";
constexpr std::string_view kInspection =
    "direction: inspection is one of the instruments of top-down promotion (docs/domain.md 2.3 "
    "item 2); The Diplomat (2013), yearly targets scored by the level above (in four grades, and "
    "self-scored with incentives to inflate: not modelled); Wang (2018), hard targets (a split "
    "he finds fading in the Xi era); O'Brien & Li (1999), cadres enforce what is measured; value "
    "illustrative (assumptions: only units that adopted under a mandate are inspected, pass or "
    "fail; pattern (a) rests on them, docs/model.md 1)";
constexpr std::string_view kCareer =
    "direction: Li & Zhou (2005), J. Public Econ. 89 (promotion rises with performance); value "
    "illustrative";
constexpr std::string_view kTournament =
    "direction: Li & Zhou (2005); strength disputed by Pang, Keng & Zhang (2023); value "
    "illustrative";
constexpr std::string_view kCopro =
    "direction: Li & Fang (2018), participation below target (docs/domain.md 2.3 item 5); value "
    "illustrative";
constexpr std::string_view kTaicang =
    "direction: Taicang lists 2008-2010 (docs/domain.md 4.4); value illustrative";
constexpr std::string_view kPartial =
    "direction: Chen & Li (2017), where street offices were abolished the residents' committees "
    "stayed administrative (docs/domain.md 3.7); Li & Fang (2018) give only a section title, "
    "partial reform faces institutional constraints (docs/domain.md 1.4); value illustrative";
// Terms that help the model keep participation below the state's target, which Li & Fang
// report; the sources give no direction or value for the terms themselves.
constexpr std::string_view kCoproAssumed =
    "assumption (Li & Fang 2018 report only that participation stays below the target, "
    "docs/domain.md 2.3 item 5); value illustrative";
constexpr std::string_view kHukou =
    "direction: Chen, Lu & Xu (2014), CGSS 2010: migrants vote less, partly for lack of "
    "eligibility; CHFS (Niu & Zhao): migrants trust local government less (docs/domain.md "
    "3.7b); value illustrative";
constexpr std::string_view kBelong =
    "direction: Li & Ta (2024), belonging rises with years of residence (docs/domain.md 3.7b); "
    "value illustrative";
constexpr std::string_view kSchool =
    "direction: four o'clock school (docs/domain.md 4.5); value illustrative";
constexpr std::string_view kContract =
    "direction: State Council (2013) contracting to SOs (docs/domain.md 3.6); value illustrative";
constexpr std::string_view kStab =
    "direction: Li & Fang (2018), control vs compensation vs root cause (docs/domain.md 2.3 item "
    "1); "
    "value illustrative";
constexpr std::string_view kLatent =
    "direction: Li & Fang (2018), control deepens dissatisfaction (docs/domain.md 1.2); repression "
    "backfires, Dongyang 2005, and 'the more stability maintenance, the less stable', Tsinghua "
    "2010 (docs/domain.md 3.7a); value illustrative";
constexpr std::string_view kRatchet =
    "direction: Li & Fang (2018), compensation 'stimulated the appetite for more compensation' "
    "(docs/domain.md 1.2); concessions followed by more protest (docs/domain.md 3.7a); value "
    "illustrative";
constexpr std::string_view kIncidents =
    "direction: Sun Liping via docs/domain.md 3.7a (incidents are frequent: at least 180,000 "
    "nationally in 2010, not a per-resident rate); value illustrative";
constexpr std::string_view kBudget =
    "direction: docs/domain.md 3.7a (stability work is a large, unmeasured part of 548.6 bn "
    "yuan of public security spending in 2010; no per-resident figure); value illustrative";
constexpr std::string_view kAccess =
    "direction: Li & Fang (2018), migrants' unequal access to housing, welfare and children's "
    "education; CHFS (Niu & Zhao), migrants trust local government less (docs/domain.md 3.7b); "
    "value illustrative";
constexpr std::string_view kClaims =
    "direction: docs/domain.md 3.7a (towns spend tens of thousands of yuan to stop one "
    "petitioner; a per-incident claim is not given); value illustrative";
constexpr std::string_view kControlCost =
    "direction: docs/domain.md 3.7a (control is costly: tens of thousands of yuan per "
    "petitioner stopped; no per-resident figure); value illustrative";
constexpr std::string_view kRootCost =
    "direction: docs/domain.md 2.3 item 1 (modelling requirement: root-cause reform is costlier "
    "up front); e.g. Chengdu's village funds, at least 200,000 yuan per village a year (4.3); "
    "no per-resident figure; value illustrative";
constexpr std::string_view kEha =
    "method: discrete-time event-history model (Berry & Berry 1990, not in docs/domain.md); "
    "cloglog default a modelling choice (grouped proportional hazards)";
constexpr std::string_view kNeedFb =
    "direction: Li & Fang (2018), migration pressure pushes local reform; value illustrative";
constexpr std::string_view kEscFb =
    "direction: Li & Fang (2018), reform relieves pressure on higher levels; value illustrative";
constexpr std::string_view kRevFb =
    "assumption: a reform that fails on the ground (low depth, high grievance) is reversed (no "
    "source gives these causes; Huangshi's abolition, whose results were \"not optimistic\" "
    "(Yuan & Wang 2014, docs/domain.md 3.7), ended in re-created street offices, a change of "
    "tier this hazard does not model); value illustrative";
constexpr std::string_view kTurnFb =
    "direction: Ma (2017), leadership turnover as a missing link; value illustrative";

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

constexpr Choice kChoices[] = {Choice::best_response, Choice::fixed};
constexpr Link kLinks[] = {Link::cloglog, Link::logit};
constexpr PilotRule kRules[] = {PilotRule::capacity, PilotRule::need, PilotRule::random,
                                PilotRule::score};

std::vector<Param> make_registry() {
  std::vector<Param> r;
  r.push_back(integer("schema_version", 1, 1, "", "", "Scenario format version; must be 1.",
                      INT(schema_version)));
  r.push_back(text("name", "Short name of the scenario, used in reports.", TEXT(name)));
  r.push_back(text("description", "What the scenario represents.", TEXT(description)));

  r.push_back(text("calendar.start",
                   "First period, as a date in any form: \"2020\", \"2020-Q1\", \"2020-03\", "
                   "\"2020-W04\" or \"2020-01-23\" (the period holding its first day); replaces "
                   "start_year and start_month. Empty: start_year and start_month.",
                   TEXT(calendar.start)));
  r.push_back(integer("calendar.start_year", 1900, 2200, "year", "", "Year of the first period.",
                      INT(calendar.start_year)));
  r.push_back(integer("calendar.start_month", 1, 12, "month", "", "Month of the first period.",
                      INT(calendar.start_month)));
  r.push_back(integer("calendar.periods_per_year", 1, 365, "periods/year", "",
                      "Periods per year: 1, 2, 3, 4, 6, 12 (months), 52 (ISO weeks) or 365 (days).",
                      INT(calendar.periods_per_year)));
  r.push_back(
      integer("calendar.stated_periods_per_year", 0, 365, "periods/year", "",
              "Periods per year on which the per-period parameters (adoption.alpha, "
              "stages.reversal_rate, counts of periods, [[policy]] trend) are stated; differing "
              "from periods_per_year, "
              "the model restates them to keep their yearly meaning (docs/model.md section 2). "
              "0: periods_per_year.",
              INT(calendar.stated_periods_per_year)));
  r.push_back(integer("calendar.periods", 1, 40000, "periods", "", "Number of periods simulated.",
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
  r.push_back(table(
      "hierarchy.attributes", "", "",
      "CSV files (relative to the scenario; .gz is read transparently) of per-unit numeric "
      "columns joined onto the hierarchy by id, shipped China hierarchy or a CSV one: header "
      "unit_id,col1,col2,...; the columns serve wherever hierarchy columns do (adoption.beta, "
      "riskset/fit --static). A file gives a column for the levels it has rows of, and must "
      "have a row for every unit of those levels (an empty field or NA marks a missing value, "
      "which adoption.missing fills); a unit of another level has no value, and a run refuses "
      "an adoption.beta (or adoption.need) on the column while such a level can adopt "
      "(its adoption.alpha is not -inf). Refused: a column name the hierarchy already has, a "
      "unit twice, an id not in the hierarchy, a value that is not a number."));
  r.push_back(table("hierarchy.edges", "", "",
                    "Array of tables {path, symmetric}: extra weighted peer edges (from,to,weight "
                    "CSV, or \"china:county_adjacency\", \"china:prefecture_adjacency\", "
                    "\"china:province_adjacency\" = shared border km; on a hierarchy CSV with "
                    "China's codes, its edges between the file's units, with a note). A row "
                    "exposes `to` to `from`'s adoption; symmetric (default true) adds the "
                    "reverse."));
  r.push_back(
      table("policy", "", "",
            "Array of tables {id, name, alpha_shift, trend, profile, requires, "
            "boosted_by, from, levels, types}: the policies diffusing at once; alpha_shift "
            "is added to every intercept of that policy; trend = b: b t is added to its "
            "hazard's exponent in period t (b per period of the stated calendar, in [-50, "
            "50]; the shift held within [-50, 50]), as `pdlab fit` writes a `trend` term; "
            "profile.<name> = {weight, dates, values}: weight (in [-50, 50]) times the value "
            "in force (that of the last date come, each within ±1e6; 0 before the first) "
            "is added to the exponent, "
            "as `pdlab fit` writes factor(period) and national series; requires = [ids]: "
            "its hazard is zero until each "
            "listed policy is active in the unit or its superior; boosted_by = {id = "
            "weight}: added to its hazard's exponent while that policy is active there "
            "(keyed tables: policy[].boosted_by.<policy>); from = date: the policy exists "
            "from then (no adoption by any channel before; earlier events on it are "
            "errors); levels = [names]: the only levels where it can be adopted; types = "
            "[names]: the only unit types (hierarchy column `type`, e.g. street_office "
            "but not town) that can adopt it, by any channel. Typed overrides and "
            "[uncertainty] reach a policy's numbers as policy.<id>.alpha_shift, "
            "policy.<id>.trend, policy.<id>.boosted_by.<policy> and "
            "policy.<id>.profile.<name>.weight."));

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
                    "adopts spontaneously (-inf for a level the hierarchy lacks, not a misspelling "
                    "of one it has, is ignored with a warning). Entries: adoption.alpha.<level> "
                    "(keyed tables)."));
  r.push_back(real("adoption.alpha_default", -kInf, 20, "linear predictor", "illustrative",
                   "Intercept of levels not listed in adoption.alpha.",
                   REAL(adoption.alpha_default)));
  r.push_back(
      table("adoption.shift", "linear predictor", "illustrative",
            "Intercept shift by unit id, applied to the unit and every unit below it, e.g. "
            "{\"3201\" = 0.5} (regional differences; free parameters of `pdlab calibrate`). "
            "Entries: adoption.shift.<unit> (keyed tables)."));
  r.push_back(table("adoption.beta", "per covariate unit", "illustrative",
                    "Coefficient by attribute column, e.g. {urban_share = 0.5}. Entries: "
                    "adoption.beta.<column> (keyed tables)."));
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
  r.push_back(real("adoption.gamma_vh", -50, 50, "per unit of V x H", "illustrative",
                   "Weight of the interaction V x H: a superior's push unlocks peer copying "
                   "(direction: docs/domain.md 3.1, neighbours copied once the centre mandates).",
                   REAL(adoption.gamma_vh)));
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
                      "direction: assumption (each level passes a mandate down with an "
                      "earlier deadline); Li & Fang (2018) say only that community governance "
                      "is pushed down the hierarchy (docs/domain.md 1.2); value illustrative",
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
                    "the weights above for superiors of that level. Entries: "
                    "promotion.by_level.<level>.<mode> (keyed tables)."));
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
            "capacity|need|random|score",
            "",
            std::string_view(kHeil),
            "How pilots are chosen: largest promotion.capacity, largest need, at random, or "
            "largest linear score (promotion.score)."};
    p.set_choice = [](Scenario& s, std::string_view v) {
      s.promotion.pilot_rule = parse_choice(v, kRules);
    };
    p.get_choice = [](const Scenario& s) { return std::string(to_string(s.promotion.pilot_rule)); };
    r.push_back(p);
  }
  r.push_back(text("promotion.capacity",
                   "Attribute column ranking children's capacity for "
                   "pilot selection (missing ranks last); read only when pilot_rule = "
                   "\"capacity\" and superiors choose pilots: a hierarchy without the "
                   "default's column needs another column here, or another pilot_rule "
                   "(riskset and fit never read it).",
                   TEXT(promotion.capacity)));
  r.push_back(table("promotion.score", "per term unit", "illustrative",
                    "Coefficients of the pilot score (pilot_rule = \"score\") by term: an "
                    "attribute column or log(column), e.g. {urban_share = 18.1, "
                    "\"log(population)\" = 0.82} (examples/pilot_designation). Entries: "
                    "promotion.score.<term> (keyed tables)."));
  r.push_back(integer("promotion.pilot_delay", 0, 12000, "periods", std::string_view(kHeil),
                      "Periods from pilot designation to evaluation.", INT(promotion.pilot_delay)));
  r.push_back(real("promotion.pilot_success", 0, 1, "probability", "illustrative",
                   "Probability that a pilot is judged a success.", REAL(promotion.pilot_success)));
  r.push_back(real("promotion.scale_up_threshold", 0, 1, "share", "illustrative",
                   "Share of successful pilots needed to scale up (mandate for all children); "
                   "below it the superior pilots again while it has rounds left "
                   "(promotion.pilot_rounds), then falls back to endorsement.",
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
  r.push_back(integer("promotion.pilot_rounds", 1, 100, "rounds", std::string_view(kHeil),
                      "Rounds of piloting a superior tries (each with the best children not yet "
                      "adopting) before falling back to endorsement.",
                      INT(promotion.pilot_rounds)));

  r.push_back(
      integer("stages.institutionalise_after", 0, 12000, "periods",
              "stages: none -> pilot -> adopted -> institutionalised, a modelling requirement "
              "(docs/domain.md 2.2, drawn from the paper's claims and structure); value "
              "illustrative",
              "Periods of adoption after which a unit is institutionalised (0 = never).",
              INT(stages.institutionalise_after)));
  r.push_back(real("stages.reversal_rate", 0, 1, "probability per period",
                   "assumption: reforms are sometimes undone at random (the reversals the sources "
                   "report, Huangshi's and Guiyang's street offices back in 2019-2020 after "
                   "their abolition, docs/domain.md 3.7, 4.2, are changes of tier, which "
                   "restructuring events encode); value illustrative",
                   "Per-period probability that an "
                   "adopted, not yet institutionalised unit reverses.",
                   REAL(stages.reversal_rate)));
  r.push_back(boolean("stages.readmit_pilots", std::string_view(kHeil),
                      "Failed pilots return to the risk set: they may adopt later (by hazard, "
                      "a mandate's deadline or a quota) or be piloted again.",
                      BOOL(stages.readmit_pilots)));
  r.push_back(boolean("stages.readopt", "illustrative",
                      "Reversed units return to the risk set and may adopt again.",
                      BOOL(stages.readopt)));
  r.push_back(boolean(
      "stages.follow_restructuring", "",
      "The adoption state and the governance layer follow restructuring (docs/model.md 7.13, "
      "7.9.7): units that cease end their records, units taking others over inherit by the "
      "event's rule, only existing units adopt (and none while its tier is abolished), and an "
      "abolished local government's communities are governed by the tier above. false "
      "disconnects that path (a check of what it does, not a model): records outlive their "
      "units, nothing is inherited, abolished units adopt and the local officials stay in "
      "charge, while the summaries still count existing units.",
      BOOL(stages.follow_restructuring)));
  r.push_back(
      text("governance.policy",
           "Id of the [[policy]] that is the governance model whose implementation the assessment, "
           "co-production, services and stability modules follow (empty = the first).",
           TEXT(governance.policy)));
  r.push_back(integer(
      "governance.warmup_years", 0, 200, "years",
      "method: model spin-up (the layer's states start from a transient); length a modelling "
      "choice (docs/cases.md, Haicang)",
      "Years the governance layer runs before the first period, with no adoption anywhere "
      "(pre-reform conditions, the first period's parameters and units), from the initial "
      "states: the run starts from the states reached, and nothing of the warm-up is written "
      "(docs/model.md 5). Officials' terms, the yearly tournament, vetoes and incident clocks "
      "run on across the boundary; adoption reads no feedback signal from it. 0 = none.",
      INT(governance.warmup_years)));
  r.push_back(boolean("assessment.enabled", std::string_view(kDual),
                      "Dual assessment module: officials of adopting units split effort between "
                      "visible outputs and depth.",
                      BOOL(governance.assessment.enabled)));
  r.push_back(real("assessment.satisfaction_weight", 0, 1, "weight", std::string_view(kDual),
                   "omega: weight of residents' satisfaction in officials' assessment; the rest "
                   "(1 - omega) is the hierarchical score. Small = the paper's incompatible "
                   "assessments; a design lever (two-way assessment). With stability on, a "
                   "larger omega makes lower grievance worth more to officials than the veto "
                   "risk of incidents, so they spend less on control: grievance falls while "
                   "visible incidents (no longer suppressed) can rise (docs/model.md 7.9.4).",
                   REAL(governance.assessment.satisfaction_weight)));
  r.push_back(real("assessment.visible_reward", 0, 100, "score per unit", std::string_view(kDual),
                   "a_v: hierarchical credit per unit of visible output.",
                   REAL(governance.assessment.visible_reward)));
  r.push_back(real("assessment.depth_reward", 0, 100, "score per unit", std::string_view(kDual),
                   "a_s: hierarchical credit per unit of depth; 0 = no hierarchical credit for "
                   "depth (the project's reading of the paper's 'not compatible so far', "
                   "docs/domain.md 1.2; value illustrative), = visible_reward = compatible.",
                   REAL(governance.assessment.depth_reward)));
  {
    Param p{"assessment.choice",
            ParamType::choice,
            0,
            0,
            "best_response|fixed",
            "",
            std::string_view(kCareer),
            "How officials split effort: best_response = by the marginal values of each kind "
            "of effort to their career over the tenure left, the as-if best response with "
            "diminishing returns (docs/model.md 7.9.1); fixed = assessment.fixed_effort "
            "(officials who do not respond to incentives, a counterfactual)."};
    p.set_choice = [](Scenario& s, std::string_view v) {
      s.governance.assessment.choice = parse_choice(v, kChoices);
    };
    p.get_choice = [](const Scenario& s) {
      return std::string(to_string(s.governance.assessment.choice));
    };
    r.push_back(p);
  }
  r.push_back(real("assessment.fixed_effort", 0, 1, "share", "illustrative",
                   "Share of effort on depth when assessment.choice = \"fixed\".",
                   REAL(governance.assessment.fixed_effort)));
  r.push_back(real(
      "assessment.temperature", 0.001, 100, "1 (curvature)",
      "illustrative (1 = logarithmic returns; patterns (a)-(e) hold over [0.5, 1.5], "
      "docs/model.md 1)",
      "tau: curvature of an official's returns to each kind of effort within a period (an "
      "as-if rule: the stocks are linear in effort); the split follows e / (1 - e) = "
      "(m_D / m_V)^(1 / tau) (docs/model.md 7.9.1). 1 = effort in proportion to the marginal "
      "career values; small = nearly all on the better-paying kind (validate warns below 0.3); "
      "large = nearer an even split. Before 2026-12-05 this key was the noise of a logit in "
      "promotion probability (default 0.1).",
      REAL(governance.assessment.temperature)));
  r.push_back(real("assessment.discount", 0, 1, "per year", "illustrative",
                   "rho: officials' discount factor per year of the career payoff.",
                   REAL(governance.assessment.discount)));
  r.push_back(real("assessment.depth_lag", 0.01, 100, "years", std::string_view(kDual),
                   "L: mean lag (first-order delay) before residents perceive depth in their "
                   "satisfaction; depth pays off through the horizontal score only after it.",
                   REAL(governance.assessment.depth_lag)));
  r.push_back(integer("assessment.term_min", 1, 50, "years", "illustrative",
                      "Shortest term of an official (terms are uniform between term_min and "
                      "term_max; officials in office at the start are at a uniform point of "
                      "their term).",
                      INT(governance.assessment.term_min)));
  r.push_back(integer("assessment.term_max", 1, 50, "years", "illustrative",
                      "Longest term of an official.", INT(governance.assessment.term_max)));
  r.push_back(real("assessment.promotion_rate", 0, 1, "probability per year",
                   std::string_view(kCareer),
                   "Ceiling of the yearly chance of promotion among peers under the same "
                   "superior, which the top-ranked official approaches: p(q) = promotion_rate * "
                   "sigma(k (q - cutoff)).",
                   REAL(governance.assessment.promotion_rate)));
  r.push_back(real("assessment.tournament", 0, 100, "per rank", std::string_view(kTournament),
                   "k: how steeply the chance of promotion rises with rank, p(q) = "
                   "promotion_rate * sigma(k (q - cutoff)); 0 = no tournament.",
                   REAL(governance.assessment.tournament)));
  r.push_back(real("assessment.cutoff", 0, 1, "rank", "illustrative",
                   "Rank (0 = last, 1 = first among peers) at which the chance of promotion is "
                   "half its top value.",
                   REAL(governance.assessment.cutoff)));
  r.push_back(boolean("assessment.veto", std::string_view(kTarget),
                      "Stability veto (yipiao foujue): an official whose jurisdiction's incidents "
                      "in a year exceed veto_threshold scores 0 from that period to the year's "
                      "end and cannot be promoted at it.",
                      BOOL(governance.assessment.veto)));
  r.push_back(real("assessment.veto_threshold", 0, 1e6, "per 10,000 residents a year",
                   std::string_view(kTarget),
                   "Incidents in an official's jurisdiction in a model year (periods_per_year "
                   "periods from the run's start) above which the veto bites.",
                   REAL(governance.assessment.veto_threshold)));
  r.push_back(boolean("assessment.inspection", std::string_view(kInspection),
                      "Mandates come with targets: in the last period of each year the superior "
                      "inspects the visible outputs of every unit that adopted under a mandate, "
                      "with measurement error; below inspection_target the official in post "
                      "loses (1 - satisfaction_weight) x inspection_penalty x periods a year from "
                      "its record (docs/model.md 7.9.1; metric inspection_failed). Officials of "
                      "mandated units still in post at the inspection weigh that risk in their "
                      "effort split.",
                      BOOL(governance.assessment.inspection)));
  r.push_back(real("assessment.inspection_target", 0, 1, "visible output",
                   std::string_view(kInspection),
                   "v*: the visible output (in [0, 1]) a mandate's yearly inspection requires.",
                   REAL(governance.assessment.inspection_target)));
  r.push_back(real("assessment.inspection_penalty", 0, 100, "score per period",
                   std::string_view(kInspection),
                   "What a failed inspection costs the official: this much score in every "
                   "period of the year (a hard target graded incomplete).",
                   REAL(governance.assessment.inspection_penalty)));
  r.push_back(real("assessment.inspection_noise", 0.001, 10, "visible output",
                   std::string_view(kInspection),
                   "sigma: sd of the superior's measurement of visible output at inspection; "
                   "officials judge their chance of passing with it.",
                   REAL(governance.assessment.inspection_noise)));
  r.push_back(real("assessment.visible_rate", 0, 1000, "per year", "illustrative",
                   "r_v: how fast visible outputs build up under full visible effort.",
                   REAL(governance.assessment.visible_rate)));
  r.push_back(real("assessment.visible_decay", 0, 1000, "per year", "illustrative",
                   "delta_v: decay of visible outputs.",
                   REAL(governance.assessment.visible_decay)));
  r.push_back(real("assessment.depth_rate", 0, 1000, "per year", "illustrative",
                   "r_s: how fast depth builds up under full depth effort, full participation "
                   "and a variant that fits.",
                   REAL(governance.assessment.depth_rate)));
  r.push_back(real("assessment.depth_decay", 0, 1000, "per year", "illustrative",
                   "delta_s: decay of depth.", REAL(governance.assessment.depth_decay)));
  r.push_back(boolean("coproduction.enabled", std::string_view(kCopro),
                      "Community co-production module: participation, belonging, trust and "
                      "grievance of locals and migrants per community.",
                      BOOL(governance.coproduction.enabled)));
  r.push_back(text("coproduction.community_level",
                   "Level of the communities (residents' and village committees); empty = the "
                   "deepest level. Their parents are the local governments.",
                   TEXT(governance.coproduction.community_level)));
  r.push_back(
      text("coproduction.population",
           "Attribute column with each community's residents; missing values take the nearest "
           "ancestor's population shared equally among its communities, else 1,000.",
           TEXT(governance.coproduction.population)));
  r.push_back(text("coproduction.migrant_share",
                   "Attribute column with the migrant share (2020 census; missing = 0).",
                   TEXT(governance.coproduction.migrant_share)));
  r.push_back(real("coproduction.mobilisation", 0, 100, "intensity",
                   std::string_view(kCoproAssumed),
                   "M: state mobilisation of residents once the community has adopted.",
                   REAL(governance.coproduction.mobilisation)));
  r.push_back(real("coproduction.target", 0, 1, "share", std::string_view(kCopro),
                   "The state's participation target (reported for comparison; nothing caps "
                   "participation at it).",
                   REAL(governance.coproduction.target)));
  r.push_back(real("coproduction.intercept", -50, 50, "logit", "illustrative",
                   "beta_0: residents' benefit from participating with every other term at 0.",
                   REAL(governance.coproduction.intercept)));
  r.push_back(real("coproduction.threshold_spread", 0.01, 100, "logit", "illustrative",
                   "s: scale of the logistic distribution of residents' participation thresholds "
                   "within a group; a group's participation is sigma((benefit - cost) / s).",
                   REAL(governance.coproduction.threshold_spread)));
  r.push_back(real("coproduction.w_belonging", -50, 50, "logit per unit", "illustrative",
                   "Weight of belonging in the participation target.",
                   REAL(governance.coproduction.w_belonging)));
  r.push_back(real("coproduction.w_trust", -50, 50, "logit per unit", "illustrative",
                   "Weight of trust in the participation target.",
                   REAL(governance.coproduction.w_trust)));
  r.push_back(
      real("coproduction.w_services", -50, 50, "logit per unit", "illustrative",
           "Weight of service coverage (times the group's need) in the participation target.",
           REAL(governance.coproduction.w_services)));
  r.push_back(real("coproduction.w_peers", -50, 50, "logit per unit", "illustrative",
                   "Weight of the mean participation (last period, population-weighted) of the "
                   "communities of the same local government, the community itself included.",
                   REAL(governance.coproduction.w_peers)));
  r.push_back(real("coproduction.w_mobilisation", -50, 50, "logit per unit",
                   std::string_view(kCoproAssumed),
                   "Weight of state mobilisation in the participation target.",
                   REAL(governance.coproduction.w_mobilisation)));
  r.push_back(real("coproduction.w_efficacy", -50, 50, "logit per unit", std::string_view(kHukou),
                   "Weight of efficacy (the group's voice in the committee x the depth residents "
                   "perceive: how far the committee responds) in residents' benefit.",
                   REAL(governance.coproduction.w_efficacy)));
  r.push_back(boolean("coproduction.costs", std::string_view(kCoproAssumed),
                      "Residents bear the costs of participating (working time, the committee's "
                      "administrative load); false = a counterfactual without costs (the cut of "
                      "pattern test (b)).",
                      BOOL(governance.coproduction.costs)));
  r.push_back(real("coproduction.cost_work", 0, 50, "logit",
                   "illustrative (assumption: working residents pay a time cost)",
                   "Cost of participating to a resident who works (working time), paid by the "
                   "group's working share only (services.working_local / working_migrant); the "
                   "others take part free of it.",
                   REAL(governance.coproduction.cost_work)));
  r.push_back(real("coproduction.cost_load", 0, 50, "logit per unit",
                   "assumption: a committee busy with state tasks leaves residents less to take "
                   "part in (the Taicang lists, docs/domain.md 4.4, document the cut in the load, "
                   "not its effect on residents); value illustrative",
                   "Cost of participating per unit of the committee's administrative load (a "
                   "committee busy with state tasks leaves residents less to take part in).",
                   REAL(governance.coproduction.cost_load)));
  r.push_back(boolean("coproduction.hukou", std::string_view(kHukou),
                      "Hukou rules apply to migrants: their eligibility and voice in committee "
                      "elections, the residence rule and services.migrant_access; false = "
                      "migrants are treated as locals (the cut of pattern test (a)).",
                      BOOL(governance.coproduction.hukou)));
  r.push_back(real("coproduction.migrant_eligibility", 0, 1, "share", std::string_view(kHukou),
                   "Share of migrants past the residence rule whom the committee admits to vote "
                   "and stand (locals: 1).",
                   REAL(governance.coproduction.migrant_eligibility)));
  r.push_back(real("coproduction.residence_years", 0, 100, "years",
                   "Jiangsu 2020: at least 1 year (docs/domain.md 3.7b); elsewhere and earlier "
                   "illustrative (0.5-1 year plus approval)",
                   "Residence before a migrant may register to vote; the share of migrants past "
                   "it is exp(-turnover_migrant x residence_years).",
                   REAL(governance.coproduction.residence_years)));
  r.push_back(real("coproduction.adjust_rate", 0, 1000, "per year", "illustrative",
                   "Speed at which participation moves towards the share whose threshold is met.",
                   REAL(governance.coproduction.adjust_rate)));
  r.push_back(real("coproduction.belonging_time", 0, 1000, "per year", std::string_view(kBelong),
                   "Growth of belonging with time in place (newcomers, replacing those who "
                   "leave at the turnover rate, start at 0).",
                   REAL(governance.coproduction.belonging_time)));
  r.push_back(real("coproduction.belonging_services", 0, 1000, "per year",
                   "direction: Li & Fang (2018) name cultivating a sense of belonging as a goal "
                   "(section title); Haicang's district account reports low identification "
                   "among new residents (docs/domain.md 1.4); that services raise belonging is "
                   "an assumption; value illustrative",
                   "Growth of belonging per unit of service coverage.",
                   REAL(governance.coproduction.belonging_services)));
  r.push_back(real("coproduction.belonging_participation", 0, 1000, "per year",
                   "direction: joining neighbourhood affairs helps migrants' belonging "
                   "(docs/domain.md 3.7b); value illustrative",
                   "Growth of belonging per unit of participation.",
                   REAL(governance.coproduction.belonging_participation)));
  r.push_back(real("coproduction.turnover_local", 0, 1000, "per year", "illustrative",
                   "Turnover of local residents, eroding belonging.",
                   REAL(governance.coproduction.turnover_local)));
  r.push_back(real("coproduction.turnover_migrant", 0, 1000, "per year",
                   "direction: belonging rises with years of residence (docs/domain.md 3.7b); "
                   "value illustrative",
                   "Turnover of migrants (higher than locals'), eroding belonging.",
                   REAL(governance.coproduction.turnover_migrant)));
  r.push_back(real("coproduction.admin_load", 0, 1, "share", std::string_view(kTaicang),
                   "Share of residents' committees' time taken by administrative tasks.",
                   REAL(governance.coproduction.admin_load)));
  r.push_back(
      real("coproduction.task_list_cut", 0, 1, "share", std::string_view(kTaicang),
           "Share of the load removed by Taicang-style task lists once the community has adopted.",
           REAL(governance.coproduction.task_list_cut)));
  r.push_back(real("coproduction.partial_load", 0, 1, "share", std::string_view(kPartial),
                   "Extra administrative load on communities whose local tier was abolished "
                   "without reforming the line departments (tasks still flow down and land on "
                   "the residents' committees).",
                   REAL(governance.coproduction.partial_load)));
  r.push_back(real("coproduction.variant_fit", 0, 10, "migrant share",
                   "direction: Zhu (2014), championship gives divergent variants; Ma (2017), "
                   "poor fit blocks adoption (docs/domain.md 3.1, 3.3); the effect of fit on "
                   "depth is an assumption; value illustrative",
                   "Width of a variant's fit: a community running a variant designed where the "
                   "migrant share was m_v builds depth at exp(-(m - m_v)^2 / (2 width^2)) of "
                   "the rate; 0 = every variant fits everywhere.",
                   REAL(governance.coproduction.variant_fit)));
  r.push_back(real("coproduction.trust_rate", 0, 1000, "per year", "illustrative",
                   "Speed at which trust moves towards satisfaction.",
                   REAL(governance.coproduction.trust_rate)));
  r.push_back(real("coproduction.satisfaction_intercept", -50, 50, "share per unit", "illustrative",
                   "Satisfaction at zero depth, services and grievance (clamped to [0, 1]).",
                   REAL(governance.coproduction.satisfaction_intercept)));
  r.push_back(real("coproduction.satisfaction_depth", -50, 50, "share per unit",
                   "assumption (the dual assessment, docs/domain.md 2.3 items 7-8, weighs "
                   "residents' satisfaction; no source gives its response to depth); value "
                   "illustrative",
                   "Satisfaction per unit of implementation depth.",
                   REAL(governance.coproduction.satisfaction_depth)));
  r.push_back(real("coproduction.satisfaction_services", -50, 50, "share per unit", "illustrative",
                   "Satisfaction per unit of service coverage (times need).",
                   REAL(governance.coproduction.satisfaction_services)));
  r.push_back(real("coproduction.satisfaction_grievance", -50, 50, "share per unit", "illustrative",
                   "Satisfaction lost per unit of grievance.",
                   REAL(governance.coproduction.satisfaction_grievance)));
  r.push_back(real("coproduction.grievance_inflow", 0, 1000, "per year", "illustrative",
                   "Inflow of grievance from unmet need, need x (1 - coverage).",
                   REAL(governance.coproduction.grievance_inflow)));
  r.push_back(real("coproduction.grievance_decay", 0, 1000, "per year", "illustrative",
                   "Decay of grievance.", REAL(governance.coproduction.grievance_decay)));
  r.push_back(real("coproduction.initial_participation", 0, 1, "share", "illustrative",
                   "Participation of both groups at the start.",
                   REAL(governance.coproduction.initial_participation)));
  r.push_back(real("coproduction.initial_belonging_local", 0, 1, "share", "illustrative",
                   "Belonging of locals at the start.",
                   REAL(governance.coproduction.initial_belonging_local)));
  r.push_back(real("coproduction.initial_belonging_migrant", 0, 1, "share", "illustrative",
                   "Belonging of migrants at the start.",
                   REAL(governance.coproduction.initial_belonging_migrant)));
  r.push_back(real("coproduction.initial_trust", 0, 1, "share", "illustrative",
                   "Trust of both groups at the start.",
                   REAL(governance.coproduction.initial_trust)));
  r.push_back(real("coproduction.initial_grievance", 0, 1, "share", "illustrative",
                   "Grievance of both groups at the start.",
                   REAL(governance.coproduction.initial_grievance)));
  r.push_back(text("coproduction.agents_root",
                   "Id of one city (any unit) whose communities also run individual resident "
                   "agents with threshold participation (table agents_time); empty = none.",
                   TEXT(governance.coproduction.agents_root)));
  r.push_back(integer("coproduction.agents_per_community", 1, 1000000, "agents", "",
                      "Agents per community in that city (at most its population).",
                      INT(governance.coproduction.agents_per_community)));
  r.push_back(boolean("services.enabled", std::string_view(kSchool),
                      "Services module: the four o'clock school, supplied by contracted SOs, "
                      "volunteers and the government.",
                      BOOL(governance.services.enabled)));
  r.push_back(real("services.children_share", 0, 1, "per resident", "illustrative",
                   "Primary-age children per resident where services.children gives none.",
                   REAL(governance.services.children_share)));
  r.push_back(text("services.children",
                   "Attribute column with each community's share of residents of primary-school "
                   "age (6-11; the shipped China data: 2020 census by county, which communities "
                   "inherit); missing values take the nearest ancestor's, else "
                   "services.children_share. Demand = residents x that share x the share with "
                   "working parents.",
                   TEXT(governance.services.children)));
  r.push_back(real("services.migrant_access", 0, 1, "share", std::string_view(kAccess),
                   "Migrants' access to hukou-bound local public services (public schools, "
                   "social insurance, housing) relative to locals' (1); what is withheld adds "
                   "to migrants' unmet need (grievance). It does not ration four o'clock school "
                   "places, which are open to migrants (docs/domain.md 4.5: Haicang's served "
                   "mostly migrant parents). Root-cause work opens part of it "
                   "(stability.root_access).",
                   REAL(governance.services.migrant_access)));
  r.push_back(real("services.school_min", 0, 1e6, "pupils",
                   "direction: four o'clock schools run with tens of pupils (Xinyang academy: 20+ "
                   "attending, docs/domain.md 4.5; not a minimum); value illustrative",
                   "Places a community needs for its four o'clock school to count as running "
                   "(one school per community at most: they sit in community academies).",
                   REAL(governance.services.school_min)));
  r.push_back(real("services.working_local", 0, 1, "share", std::string_view(kSchool),
                   "Share of local children whose parents both work; locals' need for the service "
                   "relative to migrants' is working_local / working_migrant.",
                   REAL(governance.services.working_local)));
  r.push_back(real("services.working_migrant", 0, 1, "share", std::string_view(kSchool),
                   "The same for migrant children (mostly working parents).",
                   REAL(governance.services.working_migrant)));
  r.push_back(real("services.contracting", 0, 1, "intensity", std::string_view(kContract),
                   "Contracting of services to SOs once a community has adopted (0 = none).",
                   REAL(governance.services.contracting)));
  r.push_back(real("services.so_growth", 0, 1000, "per year", std::string_view(kContract),
                   "Growth of SO capacity per unit of contracting.",
                   REAL(governance.services.so_growth)));
  r.push_back(real("services.so_decay", 0, 1000, "per year", "illustrative",
                   "Decay of SO capacity without contracts.", REAL(governance.services.so_decay)));
  r.push_back(real("services.so_max", 0, 100, "share of demand", "illustrative",
                   "Most SO capacity, as a share of demand.", REAL(governance.services.so_max)));
  r.push_back(real("services.volunteer_rate", 0, 100, "share of demand", std::string_view(kSchool),
                   "Places from volunteers per unit of participation.",
                   REAL(governance.services.volunteer_rate)));
  r.push_back(real("services.government_direct", 0, 100, "share of demand",
                   std::string_view(kSchool), "Direct government provision.",
                   REAL(governance.services.government_direct)));
  r.push_back(
      real("services.withdrawal", 0, 1, "share", std::string_view(kContract),
           "Share of direct provision the government withdraws once a community has adopted.",
           REAL(governance.services.withdrawal)));
  r.push_back(real("services.space", 0, 100, "share of demand", std::string_view(kSchool),
                   "Most demand community space can host (coverage cap).",
                   REAL(governance.services.space)));
  r.push_back(real("services.contract_cost", 0, 1e9, "yuan per place a year",
                   "direction: docs/domain.md 4.5 (private after-school care cost 500 yuan a "
                   "month, Wuhan 2019, not an SO contract price); value illustrative",
                   "Cost of one place contracted to an SO for a year (places = SO coverage x "
                   "demand x residents).",
                   REAL(governance.services.contract_cost)));
  r.push_back(boolean("stability.enabled", std::string_view(kStab),
                      "Stability module: each local government's official spends a budget on "
                      "control, compensation and root-cause work; incidents, latent grievance, "
                      "expected claims, escalation and costs (docs/model.md 7.9.4).",
                      BOOL(governance.stability.enabled)));
  r.push_back(real("stability.budget", 0, 1e9, "yuan per 10,000 residents a year",
                   std::string_view(kBudget),
                   "Budget of each local government's stability work (must be 0 or more).",
                   REAL(governance.stability.budget)));
  {
    Param p{"stability.mix",
            ParamType::choice,
            0,
            0,
            "chosen|fixed",
            "",
            std::string_view(kStab),
            "How the budget is split between control, compensation and root-cause work: chosen "
            "each period by the official in charge (career payoff over its remaining term, "
            "docs/model.md 7.9.4), or fixed by stability.control, .compensation and .root_cause "
            "(a counterfactual)."};
    p.set_choice = [](Scenario& s, std::string_view v) {
      s.governance.stability.mix = v == "fixed" ? Choice::fixed : Choice::best_response;
    };
    p.get_choice = [](const Scenario& s) {
      return std::string(s.governance.stability.mix == Choice::fixed ? "fixed" : "chosen");
    };
    r.push_back(p);
  }
  r.push_back(real("stability.temperature", 0.0001, 100, "promotion probability", "illustrative",
                   "Noise of the strategy choice; small = sharp.",
                   REAL(governance.stability.temperature)));
  r.push_back(real("stability.control", 0, 1, "weight", std::string_view(kStab),
                   "With mix = \"fixed\" (and only then): share of the budget spent on control, "
                   "normalised with the other two; required there.",
                   REAL(governance.stability.control)));
  r.push_back(real("stability.compensation", 0, 1, "weight", std::string_view(kStab),
                   "With mix = \"fixed\": share of the budget offered as compensation.",
                   REAL(governance.stability.compensation)));
  r.push_back(real("stability.root_cause", 0, 1, "weight", std::string_view(kStab),
                   "With mix = \"fixed\": share spent on root-cause work.",
                   REAL(governance.stability.root_cause)));
  r.push_back(real("stability.incident_rate", 0, 1000000.0, "per 10,000 residents a year",
                   std::string_view(kIncidents),
                   "Incident rate at zero grievance, unmet claims and strategy.",
                   REAL(governance.stability.incident_rate)));
  r.push_back(real("stability.incident_grievance", -50, 50, "log rate per unit", "illustrative",
                   "Log-rate increase of incidents per unit of grievance.",
                   REAL(governance.stability.incident_grievance)));
  r.push_back(real("stability.migrant_contention", 0, 10, "weight",
                   "direction: Chen, Lu & Xu 2014 (CGSS 2010; docs/domain.md 3.7), migrants, "
                   "more aggrieved, join mass incidents no more than locals; value illustrative "
                   "(migrants' electoral voice at the defaults, which weighed it until "
                   "2026-12-07; equal joining at the cases' grievance would be about 0.85-1)",
                   "With coproduction.hukou: weight of a migrant's grievance in open contention "
                   "(incidents, the officials' view of them) relative to a local's (1). Voting "
                   "eligibility does not enter it: electoral voice is not protest.",
                   REAL(governance.stability.migrant_contention)));
  r.push_back(real("stability.control_effect", 0, 1, "share", std::string_view(kStab),
                   "Share of incidents suppressed now by full control.",
                   REAL(governance.stability.control_effect)));
  r.push_back(real("stability.compensation_effect", 0, 1, "share", std::string_view(kStab),
                   "Share of incidents suppressed now when every expected claim is paid.",
                   REAL(governance.stability.compensation_effect)));
  r.push_back(real("stability.control_trust", 0, 1000, "per year", std::string_view(kStab),
                   "Loss of trust per unit of control.", REAL(governance.stability.control_trust)));
  r.push_back(real("stability.control_cost", 0, 1e9, "yuan per 10,000 residents a year",
                   std::string_view(kControlCost),
                   "Cost of full control (intensity = spending / control_cost, at most 1).",
                   REAL(governance.stability.control_cost)));
  r.push_back(boolean("stability.latent", std::string_view(kLatent),
                      "Grievance suppressed by control is stored as latent grievance and surfaces "
                      "later; false = it vanishes (the counterfactual of control without a later "
                      "cost; the cut of pattern test (c)).",
                      BOOL(governance.stability.latent)));
  r.push_back(real("stability.latent_rate", 0, 1000, "per year", std::string_view(kLatent),
                   "Latent grievance stored per year by full control (times 1 - latent).",
                   REAL(governance.stability.latent_rate)));
  r.push_back(real("stability.latent_lag", 0.01, 100, "years", std::string_view(kLatent),
                   "Mean time before latent grievance surfaces.",
                   REAL(governance.stability.latent_lag)));
  r.push_back(real("stability.latent_grievance", 0, 1000, "per unit surfacing",
                   std::string_view(kLatent),
                   "Visible grievance added per unit of latent grievance surfacing.",
                   REAL(governance.stability.latent_grievance)));
  r.push_back(real("stability.latent_incidents", 0, 1000, "x incident_rate per unit surfacing",
                   std::string_view(kLatent),
                   "Eruptions (incidents control does not suppress) per unit of latent grievance "
                   "surfacing a year, relative to incident_rate.",
                   REAL(governance.stability.latent_incidents)));
  r.push_back(boolean("stability.ratchet", std::string_view(kRatchet),
                      "What is paid in compensation raises the claims expected next time; false "
                      "= expected claims stay at claims_base (the cut of pattern test (d)).",
                      BOOL(governance.stability.ratchet)));
  r.push_back(real("stability.claims_base", 1, 1e9, "yuan per incident", std::string_view(kClaims),
                   "Compensation claimed by the protesters of one incident before any has been "
                   "paid (expected claims start here); compensation is paid per incident.",
                   REAL(governance.stability.claims_base)));
  r.push_back(real("stability.claims_rate", 0, 1000, "per year", std::string_view(kRatchet),
                   "Expected claims per incident added per yuan paid per incident, per year "
                   "(the ratchet).",
                   REAL(governance.stability.claims_rate)));
  r.push_back(real("stability.claims_decay", 0, 1000, "per year", "illustrative",
                   "Return of expected claims towards claims_base.",
                   REAL(governance.stability.claims_decay)));
  r.push_back(real("stability.claims_grievance", 0, 1000, "per year", std::string_view(kRatchet),
                   "Grievance added per unit of the unmet share: the raised part of the "
                   "claims (beyond claims_base) of the incidents left unpaid.",
                   REAL(governance.stability.claims_grievance)));
  r.push_back(real("stability.claims_incidents", -50, 50, "log rate per unit",
                   std::string_view(kRatchet),
                   "Log-rate increase of incidents per unit of that unmet share.",
                   REAL(governance.stability.claims_incidents)));
  r.push_back(real("stability.root_cost", 0, 1e9, "yuan per 10,000 residents a year",
                   std::string_view(kRootCost),
                   "Cost of full root-cause work (spent once the governance model is adopted).",
                   REAL(governance.stability.root_cost)));
  r.push_back(real("stability.root_places", 0, 1, "share", std::string_view(kStab),
                   "Share of the four o'clock school demand left uncovered that full root-cause "
                   "capital covers with places (space and places the government funds).",
                   REAL(governance.stability.root_places)));
  r.push_back(real("stability.root_access", 0, 1, "share", std::string_view(kStab),
                   "Share of migrants' lack of access to hukou-bound services (1 - "
                   "services.migrant_access) that full root-cause capital removes.",
                   REAL(governance.stability.root_access)));
  r.push_back(real("stability.root_load", 0, 1, "share", std::string_view(kTaicang),
                   "Share of the committees' administrative load that full root-cause capital "
                   "removes (task lists, as Taicang's).",
                   REAL(governance.stability.root_load)));
  r.push_back(real("stability.root_lag", 0.001, 100, "years", std::string_view(kStab),
                   "Years for full root-cause work to build the capital (it costs up front).",
                   REAL(governance.stability.root_lag)));
  r.push_back(real("stability.root_decay", 0, 1000, "per year", "illustrative",
                   "Depreciation of root-cause capital (small: its effect is durable).",
                   REAL(governance.stability.root_decay)));
  r.push_back(real("stability.tolerance", 0, 1, "grievance", "illustrative",
                   "Grievance above which it escalates to higher levels.",
                   REAL(governance.stability.tolerance)));
  r.push_back(real("stability.escalation", 0, 1000000.0, "per 10,000 residents a year",
                   std::string_view(kStab),
                   "Escalated pressure per unit of grievance above tolerance.",
                   REAL(governance.stability.escalation)));
  r.push_back(real("stability.escalation_incident", 0, 1000000.0, "per incident",
                   std::string_view(kStab), "Escalated pressure per incident.",
                   REAL(governance.stability.escalation_incident)));
  r.push_back(real("stability.escalation_attenuation", 0, 1, "factor per level", "illustrative",
                   "Share of pressure passed on from each level to the next one up.",
                   REAL(governance.stability.escalation_attenuation)));
  r.push_back(real("feedback.lag_months", 0, 120, "months", "illustrative",
                   "How long outcomes on the ground take to reach adoption decisions "
                   "(statistics, petitions, inspections): adoption in a period reads the "
                   "outcomes of this many months before, rounded to periods, at least one.",
                   REAL(governance.feedback.lag_months)));
  r.push_back(boolean("feedback.need", std::string_view(kNeedFb),
                      "Grievance and incidents in a jurisdiction raise its government's need term "
                      "(a time-varying E) in the adoption hazard.",
                      BOOL(governance.feedback.need)));
  r.push_back(real("feedback.need_grievance", -50, 50, "per unit of grievance",
                   std::string_view(kNeedFb),
                   "Added to the hazard's exponent per unit of residents' grievance in the "
                   "jurisdiction, as the governance layer saw it feedback.lag_months before.",
                   REAL(governance.feedback.need_grievance)));
  r.push_back(real("feedback.need_incidents", -50, 50, "per incident per 10,000 a year",
                   std::string_view(kNeedFb),
                   "Added per unit of the jurisdiction's incident rate (smoothed over about a "
                   "year), as seen feedback.lag_months before.",
                   REAL(governance.feedback.need_incidents)));
  r.push_back(boolean("feedback.escalation", std::string_view(kEscFb),
                      "Pressure escalated from below raises a superior's adoption hazard and "
                      "tilts its promotion mode towards mandates.",
                      BOOL(governance.feedback.escalation)));
  r.push_back(real("feedback.escalation_hazard", -50, 50, "per unit of pressure",
                   std::string_view(kEscFb),
                   "Added to the hazard's exponent per unit of pressure received (per 10,000 "
                   "residents a year).",
                   REAL(governance.feedback.escalation_hazard)));
  r.push_back(real("feedback.escalation_mode", -50, 50, "per unit of pressure",
                   std::string_view(kEscFb),
                   "Added to the log-weight of the mandate mode, per unit of pressure received, "
                   "when the superior chooses how to promote.",
                   REAL(governance.feedback.escalation_mode)));
  r.push_back(boolean("feedback.reversal", std::string_view(kRevFb),
                      "Reform that fails on the ground (low depth, high grievance, a veto, a new "
                      "official) raises the yearly hazard that a government reverses it.",
                      BOOL(governance.feedback.reversal)));
  r.push_back(real("feedback.reversal_intercept", -50, 50, "log per year", std::string_view(kRevFb),
                   "Log yearly reversal hazard of a reform at full depth without grievance.",
                   REAL(governance.feedback.reversal_intercept)));
  r.push_back(real("feedback.reversal_depth", -50, 50, "per unit", std::string_view(kRevFb),
                   "Added per unit of missing depth (1 - depth of the jurisdiction's "
                   "communities that run the model).",
                   REAL(governance.feedback.reversal_depth)));
  r.push_back(real("feedback.reversal_grievance", -50, 50, "per unit", std::string_view(kRevFb),
                   "Added per unit of residents' grievance in the jurisdiction.",
                   REAL(governance.feedback.reversal_grievance)));
  r.push_back(real("feedback.reversal_veto", -50, 50, "log", std::string_view(kTarget),
                   "Added while the official was vetoed this model year or the last.",
                   REAL(governance.feedback.reversal_veto)));
  r.push_back(real("feedback.reversal_turnover", -50, 50, "log", std::string_view(kTurnFb),
                   "Added in the first year of a new official.",
                   REAL(governance.feedback.reversal_turnover)));
  r.push_back(real("feedback.reversal_grace_months", 0, 600, "months", "illustrative",
                   "A reform is judged on the ground (no reversal hazard from the feedback) only "
                   "once it has run this long in the government: a roll-out still on its way "
                   "down, or depth still building, is not a failure.",
                   REAL(governance.feedback.reversal_grace_months)));
  r.push_back(boolean("feedback.pilot_evaluation", std::string_view(kHeil),
                      "Pilots are judged by their realised outcomes against comparable "
                      "non-pilots under the superior's assessment weights (not by a draw).",
                      BOOL(governance.feedback.pilot_evaluation)));
  r.push_back(real("feedback.evaluation_noise", 0, 100, "score", "illustrative",
                   "Standard deviation of the superior's measurement of a pilot's outcome.",
                   REAL(governance.feedback.evaluation_noise)));
  r.push_back(real("feedback.evaluation_threshold", -100, 100, "score", "illustrative",
                   "Improvement over comparable non-pilots (superior's assessment weights) a "
                   "pilot needs to pass.",
                   REAL(governance.feedback.evaluation_threshold)));
  r.push_back(real("feedback.evaluation_relative", 0, 10, "share", std::string_view(kHeil),
                   "A pilot also needs this share of the mean improvement of the pilots "
                   "evaluated with it: superiors hold up pilots that stand out.",
                   REAL(governance.feedback.evaluation_relative)));
  r.push_back(boolean("feedback.learning", std::string_view(kMa),
                      "Peers learn from adopters' observed outcomes: success-weighted exposure "
                      "weighs adopted peers by them, and adopters copy the variants of peers "
                      "that do well.",
                      BOOL(governance.feedback.learning)));
  r.push_back(real("feedback.learning_visible", 0, 1, "share", std::string_view(kMa),
                   "Weight of a government's visible outputs (against its jurisdiction's "
                   "depth) in what its peers observe on site visits.",
                   REAL(governance.feedback.learning_visible)));
  r.push_back(real("feedback.learning_temperature", 0.0001, 100, "outcome", "illustrative",
                   "How sharply an adopter copies the variant that does best among its peers: "
                   "the chance of copying a variant is proportional to exp(its track record / "
                   "this), the record being the mean outcome observed where it runs.",
                   REAL(governance.feedback.learning_temperature)));
  r.push_back(table("feedback.levels", "", "",
                    "Level names whose governments feel need, escalation and reversal "
                    "feedback (default: every level above the communities)."));
  r.push_back(boolean("uncertainty.draw", "",
                      "Draw one vector of uncertainty.keys per replicate from N(estimate, "
                      "covariance) (`pdlab fit` writes them, with draw = false); false runs "
                      "every replicate at the estimate.",
                      BOOL(uncertainty.draw)));
  r.push_back(table("uncertainty.keys", "", "",
                    "Numeric scenario keys whose values are uncertain (e.g. "
                    "adoption.alpha.county, adoption.gamma_vertical, adoption.beta.<column>)."));
  r.push_back(table("uncertainty.estimate", "", "",
                    "Their point estimates, in the order of uncertainty.keys: the centre of the "
                    "draws (without draw, the scenario's own values of the keys are used)."));
  r.push_back(table("uncertainty.held", "", "",
                    "Keys among uncertainty.keys held at the scenario's value in every replicate "
                    "rather than drawn (the others keep their draws, so runs with and without "
                    "the hold stay paired); a value given by --set or a compare variant for a "
                    "drawn key adds it here."));
  r.push_back(table("uncertainty.covariance", "", "",
                    "Their covariance matrix (array of rows; symmetric, positive semi-definite), "
                    "e.g. the fit's model-based or cluster-robust covariance."));
  r.push_back(table("calibrate.free", "", "",
                    "Array of tables {name, keys, lo, hi, start}: free parameters of `pdlab "
                    "calibrate`; each sets one value on all its scenario keys."));
  r.push_back(integer("calibrate.replicates", 2, 100000, "replicates", "",
                      "Replicates per evaluation of the calibration objective.",
                      INT(calibrate.replicates)));
  r.push_back(integer("calibrate.max_evaluations", 10, 100000, "evaluations", "",
                      "Most objective evaluations per start of the optimiser.",
                      INT(calibrate.max_evaluations)));
  r.push_back(integer("calibrate.starts", 1, 100, "starts", "",
                      "Independent calibrations, each with its own seed; the best on fresh "
                      "validation replicates is kept.",
                      INT(calibrate.starts)));
  r.push_back(integer("calibrate.validation_replicates", 2, 100000, "replicates", "",
                      "Replicates (fresh seed) for the reported fit.",
                      INT(calibrate.validation_replicates)));
  r.push_back(table("sensitivity.factor", "", "",
                    "Array of tables {key, lo, hi}: factors of `pdlab sensitivity`, each a "
                    "numeric scenario key varied over [lo, hi] (default: the key's range in "
                    "this registry, where finite)."));
  r.push_back(table("event", "", "",
                    "Array of tables: scripted events, {type, date, policy} and the fields of "
                    "the type (event kinds below)."));

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

// Keyed tables: one entry per table (or per field of a table's values), the key ranging over
// names the model checks against the hierarchy or the policies.
template <typename Map>
std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& [k, v] : m) {
    out.push_back(k);
  }
  return out;
}

double* mode_weight(Scenario& s, const std::string& level, double ModeWeights::*field) {
  // A level listed in promotion.by_level takes 0 for the weights it does not give.
  return &(s.promotion.by_level.try_emplace(level, ModeWeights{0, 0, 0, 0}).first->second.*field);
}

// promotion.by_level.<level>.<mode>: one entry per mode weight.
KeyedParam by_level(std::string_view suffix, std::string_view def, std::string_view help,
                    double* (*entry)(Scenario&, const std::string&)) {
  return {"promotion.by_level.",
          "<level>",
          suffix,
          KeyDomain::level,
          0,
          1,
          def,
          "weight",
          "illustrative",
          help,
          false,
          entry,
          [](const Scenario& s) { return keys_of(s.promotion.by_level); }};
}

std::vector<KeyedParam> make_keyed() {
  std::vector<KeyedParam> r;
  r.push_back({"adoption.alpha.", "<level>", "", KeyDomain::level, -kInf, 20,
               "adoption.alpha_default", "linear predictor", "illustrative",
               "Intercept of the units of this level; -inf = never adopts spontaneously.", true,
               [](Scenario& s, const std::string& k) {
                 return &s.adoption.alpha.try_emplace(k, s.adoption.alpha_default).first->second;
               },
               [](const Scenario& s) { return keys_of(s.adoption.alpha); }});
  r.push_back({"adoption.shift.", "<unit>", "", KeyDomain::unit, -50, 50, "0", "linear predictor",
               "illustrative",
               "Intercept shift of this unit and every unit below it (regional differences; "
               "free parameters of `pdlab calibrate`).",
               false,
               [](Scenario& s, const std::string& k) {
                 return &s.adoption.shift.try_emplace(k, 0.0).first->second;
               },
               [](const Scenario& s) { return keys_of(s.adoption.shift); }});
  r.push_back({"adoption.beta.", "<column>", "", KeyDomain::column, -1e6, 1e6, "0",
               "per covariate unit", "illustrative",
               "Coefficient of this attribute column of the hierarchy in the hazard.", true,
               [](Scenario& s, const std::string& k) {
                 return &s.adoption.beta.try_emplace(k, 0.0).first->second;
               },
               [](const Scenario& s) { return keys_of(s.adoption.beta); }});
  r.push_back({"promotion.score.", "<term>", "", KeyDomain::column, -1e6, 1e6, "0", "per term unit",
               "illustrative",
               "Coefficient of this term (an attribute column, or log(column)) in the score "
               "ranking children for pilot selection when promotion.pilot_rule = \"score\".",
               false,
               [](Scenario& s, const std::string& k) {
                 return &s.promotion.score.try_emplace(k, 0.0).first->second;
               },
               nullptr});  // checked by the model, which reads log(column)
  r.push_back(by_level(
      ".endorse", "0 for a level listed in promotion.by_level, else promotion.endorse",
      "Relative weight of endorsing, for superiors of this level.",
      [](Scenario& s, const std::string& k) { return mode_weight(s, k, &ModeWeights::endorse); }));
  r.push_back(by_level(
      ".pilot", "0 for a level listed in promotion.by_level, else promotion.pilot",
      "Relative weight of choosing pilots, for superiors of this level.",
      [](Scenario& s, const std::string& k) { return mode_weight(s, k, &ModeWeights::pilot); }));
  r.push_back(by_level(
      ".mandate", "0 for a level listed in promotion.by_level, else promotion.mandate",
      "Relative weight of choosing a mandate, for superiors of this level.",
      [](Scenario& s, const std::string& k) { return mode_weight(s, k, &ModeWeights::mandate); }));
  r.push_back(by_level(".championship",
                       "0 for a level listed in promotion.by_level, else promotion.championship",
                       "Relative weight of choosing a championship, for superiors of this level.",
                       [](Scenario& s, const std::string& k) {
                         return mode_weight(s, k, &ModeWeights::championship);
                       }));
  r.push_back({"policy[].boosted_by.", "<policy>", "", KeyDomain::policy, -kShiftBound, kShiftBound,
               "0", "linear predictor", "illustrative",
               "Added to the exponent of this [[policy]]'s hazard while the keyed policy is "
               "active in the unit or its superior.",
               false, nullptr});
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

const char* to_string(KeyDomain d) {
  switch (d) {
    case KeyDomain::level: return "level of the hierarchy";
    case KeyDomain::unit: return "unit id of the hierarchy";
    case KeyDomain::column: return "attribute column of the hierarchy";
    case KeyDomain::policy: return "policy id";
  }
  return "?";
}

const std::vector<KeyedParam>& keyed_parameters() {
  static const std::vector<KeyedParam> registry = make_keyed();
  return registry;
}

std::string keyed_pattern(const KeyedParam& k) {
  return std::string(k.prefix) + std::string(k.placeholder) + std::string(k.suffix);
}

const KeyedParam* find_keyed_parameter(std::string_view full, std::string* key) {
  for (const auto& k : keyed_parameters()) {
    if (full.size() <= k.prefix.size() + k.suffix.size() ||
        full.substr(0, k.prefix.size()) != k.prefix ||
        full.substr(full.size() - k.suffix.size()) != k.suffix) {
      continue;
    }
    const auto middle =
        full.substr(k.prefix.size(), full.size() - k.prefix.size() - k.suffix.size());
    if (middle.find('.') != std::string_view::npos) {
      continue;
    }
    if (key != nullptr) {
      *key = std::string(middle);
    }
    return &k;
  }
  return nullptr;
}

const KeyedParam* find_keyed_table(std::string_view table, std::string_view suffix) {
  for (const auto& k : keyed_parameters()) {
    if (k.prefix.size() == table.size() + 1 && k.prefix.substr(0, table.size()) == table &&
        k.suffix == suffix) {
      return &k;
    }
  }
  return nullptr;
}

std::string parameter_value(const Param& p, const Scenario& s) {
  auto& m = const_cast<Scenario&>(s);  // accessors are shared by readers and writers
  std::ostringstream o;
  switch (p.type) {
    case ParamType::real: o << fmt::format("{}", *p.real(m)); break;  // round-trip exact
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

std::optional<PolicyKey> parse_policy_key(std::string_view key) {
  constexpr std::string_view head = "policy.";
  if (key.substr(0, head.size()) != head) {
    return std::nullopt;
  }
  const auto rest = key.substr(head.size());
  PolicyKey k;
  constexpr std::string_view booster = ".boosted_by.";
  if (rest.find_first_of("[]") != std::string_view::npos) {
    return std::nullopt;  // (policy[].boosted_by.<policy>: the registry's pattern, no policy)
  }
  // policy.ID.profile.NAME.weight: the id has no dots, so the name is all between.
  constexpr std::string_view profile = ".profile.";
  constexpr std::string_view weight = ".weight";
  if (const auto at = rest.find('.'); at != std::string_view::npos && at > 0 &&
                                      rest.substr(at, profile.size()) == profile &&
                                      rest.size() > at + profile.size() + weight.size() &&
                                      rest.substr(rest.size() - weight.size()) == weight) {
    k.id = std::string(rest.substr(0, at));
    k.field = PolicyField::profile_weight;
    k.other = std::string(
        rest.substr(at + profile.size(), rest.size() - weight.size() - at - profile.size()));
    k.lo = -kShiftBound;
    k.hi = kShiftBound;
    return k;
  }
  if (const auto at = rest.rfind(booster); at != std::string_view::npos && at > 0) {
    k.id = std::string(rest.substr(0, at));
    k.field = PolicyField::boosted_by;
    k.other = std::string(rest.substr(at + booster.size()));
    if (k.other.empty()) {
      return std::nullopt;
    }
    k.lo = -kShiftBound;
    k.hi = kShiftBound;
    return k;
  }
  for (const auto& [suffix, field, lo, hi] :
       {std::tuple{std::string_view(".alpha_shift"), PolicyField::alpha_shift, -kShiftBound,
                   kShiftBound},
        std::tuple{std::string_view(".trend"), PolicyField::trend, -kShiftBound, kShiftBound}}) {
    if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
      k.id = std::string(rest.substr(0, rest.size() - suffix.size()));
      k.field = field;
      k.lo = lo;
      k.hi = hi;
      return k;
    }
  }
  return std::nullopt;
}

std::string canonical_policy_key(const Scenario& s, std::string key) {
  constexpr std::string_view head = "policy.";
  if (!key.starts_with(head)) {
    return key;
  }
  const auto dot = key.find('.', head.size());
  const auto part = key.substr(head.size(), dot == std::string::npos ? dot : dot - head.size());
  if (part.empty() || part.size() > 8 ||
      part.find_first_not_of("0123456789") != std::string::npos) {
    return key;
  }
  if (std::any_of(s.policies.begin(), s.policies.end(),
                  [&](const Policy& p) { return p.id == part; })) {
    return key;  // (an id first, as --set reads it)
  }
  const auto i = std::stoul(part);
  if (i >= s.policies.size()) {
    return key;
  }
  return std::string(head) + s.policies[i].id +
         (dot == std::string::npos ? std::string() : key.substr(dot));
}

namespace {

// The number a policy key addresses in `s`, or nullptr where the scenario has no such policy
// (or no such booster); *why then says which, for an error message.
double* policy_number(Scenario& s, const PolicyKey& k, std::string* why) {
  const auto pol = std::find_if(s.policies.begin(), s.policies.end(),
                                [&](const Policy& p) { return p.id == k.id; });
  if (pol == s.policies.end()) {
    if (why != nullptr) {
      std::string ids;
      for (const auto& p : s.policies) {
        ids += (ids.empty() ? "" : ", ") + p.id;
      }
      *why = "the scenario has no [[policy]] with id '" + k.id + "' (its policies: " + ids + ")";
    }
    return nullptr;
  }
  switch (k.field) {
    case PolicyField::alpha_shift: return &pol->alpha_shift;
    case PolicyField::trend: return &pol->trend;
    case PolicyField::boosted_by: {
      const auto it = pol->boosted_by.find(k.other);
      if (it == pol->boosted_by.end()) {
        if (why != nullptr) {
          *why = "policy '" + k.id + "' has no booster '" + k.other + "' in its boosted_by table";
        }
        return nullptr;
      }
      return &it->second;
    }
    case PolicyField::profile_weight: {
      const auto it = pol->profile.find(k.other);
      if (it == pol->profile.end()) {
        if (why != nullptr) {
          std::string names;
          for (const auto& [name, prof] : pol->profile) {
            names += (names.empty() ? "" : ", ") + name;
          }
          *why = "policy '" + k.id + "' has no profile '" + k.other +
                 "' (its profiles: " + (names.empty() ? std::string("none") : names) + ")";
        }
        return nullptr;
      }
      return &it->second.weight;
    }
  }
  return nullptr;
}

}  // namespace

void set_numeric_parameter(Scenario& s, std::string_view key, double value) {
  const auto check = [&](double lo, double hi) {
    if (!(value >= lo && value <= hi)) {
      fail(ErrorKind::config, {s.file, 0, std::string(key), fmt::format("{}", value)},
           fmt::format("out of range [{}, {}]", lo, hi), "choose a value within the range");
    }
  };
  if (const auto pk = parse_policy_key(key)) {
    std::string why;
    double* v = policy_number(s, *pk, &why);
    if (v == nullptr) {
      fail(ErrorKind::config, {s.file, 0, std::string(key), fmt::format("{}", value)}, why,
           pk->field == PolicyField::boosted_by
               ? "list the booster in that policy's table (boosted_by = {" + pk->other +
                     " = 0}) or use a policy and booster the scenario has"
           : pk->field == PolicyField::profile_weight
               ? "use a profile that policy has ([policy.profile." + pk->other +
                     "] with its weight, dates and values)"
               : "use the id of one of the scenario's [[policy]] tables");
    }
    check(pk->lo, pk->hi);
    *v = value;
    return;
  }
  std::string k;
  if (const KeyedParam* kp = find_keyed_parameter(key, &k); kp != nullptr && kp->entry) {
    check(kp->lo, kp->hi);
    *kp->entry(s, k) = value;
    return;
  }
  const Param* p = find_parameter(key);
  if (p == nullptr || p->type != ParamType::real || p->real == nullptr) {
    fail(ErrorKind::config, {s.file, 0, std::string(key), ""}, "not a numeric scenario key",
         "use keys such as adoption.shift.3201 or vertical.mandate");
  }
  check(p->lo, p->hi);
  *p->real(s) = value;
}

std::optional<double> numeric_parameter(const Scenario& s, std::string_view key) {
  if (const auto pk = parse_policy_key(key)) {
    // (policy_number only reads here)
    const double* v = policy_number(const_cast<Scenario&>(s), *pk, nullptr);
    return v != nullptr ? std::optional<double>(*v) : std::nullopt;
  }
  std::string k;
  if (const KeyedParam* kp = find_keyed_parameter(key, &k); kp != nullptr && kp->entry) {
    Scenario probe = s;  // (entry() adds an absent key with its table's default)
    return *kp->entry(probe, k);
  }
  const Param* p = find_parameter(key);
  if (p == nullptr || p->type != ParamType::real || p->real == nullptr) {
    return std::nullopt;
  }
  return *p->real(const_cast<Scenario&>(s));  // (the accessor is only read here)
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

std::string closest_level(std::string_view name, const std::vector<std::string>& levels) {
  static const std::pair<std::string_view, std::string_view> words[] = {
      {"city", "prefecture"},   {"cities", "prefecture"},   {"district", "county"},
      {"districts", "county"},  {"town", "township"},       {"towns", "township"},
      {"street", "township"},   {"streets", "township"},    {"subdistrict", "township"},
      {"community", "village"}, {"communities", "village"}, {"villages", "village"}};
  for (const auto& [word, level] : words) {
    if (name == word && std::find(levels.begin(), levels.end(), level) != levels.end()) {
      return std::string(level);
    }
  }
  return closest(name, levels);
}

}  // namespace pdlab
