// A scenario as plain data: what the TOML file says, after defaults and range checks.
// The core compiles it against a hierarchy (model.hpp); the I/O library fills it from TOML.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pdlab {

enum class Link : std::uint8_t { cloglog, logit };
// How an adopting superior pushes its subordinates. none = not (yet) promoting.
enum class Mode : std::uint8_t { none, endorse, pilot, mandate, championship };
enum class PilotRule : std::uint8_t { capacity, need, random, score };

const char* to_string(Mode m);
const char* to_string(Link l);
const char* to_string(PilotRule r);

struct Calendar {
  std::string start;  // a date in any form (calendar.hpp); when set it gives the three below
  int start_year = 2000;
  int start_month = 1;
  int start_day = 1;          // used by weekly and daily calendars
  int periods_per_year = 12;  // 1, 2, 3, 4, 6, 12 (months), 52 (ISO weeks) or 365 (days)
  int periods = 240;
  // The periods a year on which the per-period parameters (intercepts, reversal rate, counts of
  // periods) are stated; 0 = periods_per_year. Differing, the model restates them (restate.hpp).
  int stated_periods_per_year = 0;
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
  // CSV files (unit_id,col1,col2,...) of numeric columns joined onto the units by id, for any
  // source; relative paths are relative to the scenario file.
  std::vector<std::string> attributes;
  std::vector<EdgeSource> edges;
};

// The bound of a policy's shift of its hazard's exponent, and of each number that makes it up
// (alpha_shift, trend, a profile's or booster's weight): exp(50) is practically certain
// adoption under either link, exp(-50) none.
inline constexpr double kShiftBound = 50.0;

// A time profile of a policy's hazard (a fitted `factor(period)` dummy or national series):
// weight times the value in force (the last of `values` whose date has come; 0 before the
// first) is added to the hazard's exponent (docs/model.md 7.1).
struct PolicyProfile {
  double weight = 0.0;
  std::vector<std::string> dates;  // increasing dates in any calendar form
  std::vector<double> values;      // one per date
};

struct Policy {
  std::string id;
  std::string name;
  double alpha_shift = 0.0;
  // b t added to the hazard's exponent in period t (b per period of the stated calendar;
  // docs/model.md 7.1): a fitted `trend` term.
  double trend = 0.0;
  // Time profiles by name (TOML [policy.profile.NAME]); their sum adds to the shift.
  std::map<std::string, PolicyProfile> profile;
  // Other policies this one needs: its hazard is zero until each is active in the unit or its
  // superior (Chengdu: councils, then funds, then the committee).
  std::vector<std::string> prerequisites;  // TOML key "requires"
  // Other policies that raise its hazard while active in the unit or its superior: id -> weight.
  std::map<std::string, double> boosted_by;
  // The policy exists from this date (its invention or issue; "YYYY-MM", "YYYY" or a period
  // number): no unit adopts it, by any channel, before. Empty: from the start.
  std::string from;
  // The levels where it can be adopted at all (Chengdu's governance committee is a municipal
  // body): units of other levels never adopt it. Empty: every level.
  std::vector<std::string> levels;
  // The unit types that can adopt it (hierarchy column `type`, e.g. street_office but not town
  // at the township level): units of other types never adopt it. Empty: every type.
  std::vector<std::string> types;
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
  std::map<std::string, double>
      shift;                      // by unit id: added to the unit's and its descendants' intercepts
  std::string missing = "error";  // covariate NaN: error | zero | mean
  double gamma_vertical = 1.0;
  double gamma_horizontal = 2.0;
  double gamma_bottom_up = 1.0;
  double gamma_need = 0.0;
  double gamma_vh = 0.0;  // V x H: a superior's push unlocks peer copying
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
  // pilot_rule = score: coefficient by term, a column or log(column) (promotion.score.<term>).
  std::map<std::string, double> score;
  int pilot_delay = 12;
  double pilot_success = 0.7;
  double scale_up_threshold = 0.5;
  int scale_up_deadline = 24;
  double compliance = 1.0;
  double variant_innovation = 0.5;
  int pilot_rounds = 1;  // rounds of piloting before a superior falls back to endorsement
};

struct StageParams {
  int institutionalise_after = 36;
  double reversal_rate = 0.0;
  bool readmit_pilots = true;  // failed pilots return to the risk set
  bool readopt = false;        // reversed units may adopt again
  // The adoption state and the governance layer follow restructuring (units that cease end
  // their records, heirs inherit, only existing units adopt, the tier above governs an
  // abolished local government's communities). false disconnects that path: a check, not a
  // model.
  bool follow_restructuring = true;
};

struct Quota {
  std::vector<std::string> regions;
  double share = 0.0;
  std::string by;
};

// Scripted events as written (docs/model.md, scripted events): one struct per kind with only
// its fields; dates are text and units are ids until the model compiles them (events.hpp, whose
// table of kinds both reads and compiles them).
struct AdoptSpec {
  std::vector<std::string> units;
  Mode mode = Mode::none;
  std::string deadline;  // when mode = mandate; empty = promotion.mandate_deadline
};
struct PromoteSpec {
  std::vector<std::string> units;
  Mode mode = Mode::none;
  std::string deadline;
};
struct MandateSpec {
  std::string issuer;
  std::string target_level;
  std::string deadline;
  double compliance = -1.0;  // < 0 = promotion.compliance
  std::vector<Quota> quotas;
};
struct SetSpec {
  std::string key;  // the parameter changed
  double value = 0.0;
};
struct ReverseSpec {
  std::vector<std::string> units;
  bool descendants = false;  // also every unit below the listed units
};
struct AbolishSpec {
  std::string level;               // the tier abolished
  std::vector<std::string> under;  // only below these units (empty = everywhere)
  std::vector<std::string> types;  // only units of these types (hierarchy column `type`)
  bool line_departments = false;   // line departments reformed too (a full reform)
};
struct MergeSpec {
  std::vector<std::string> units;
  std::string into;     // the unit the listed units merge into
  std::string inherit;  // the adoption state `into` takes (docs/model.md 7.13); empty = "any"
};
struct SplitSpec {  // a unit splits into parts (units that are born then)
  std::string unit;
  std::vector<std::string> into;
  std::string inherit;
};
struct ReestablishSpec {  // an abolished tier becomes a government again
  std::string level;
  std::vector<std::string> under;
  std::vector<std::string> types;
};
// Alternatives in the order of the table of kinds (event_kinds() in events.hpp).
using EventSpec = std::variant<AdoptSpec, MandateSpec, PromoteSpec, SetSpec, ReverseSpec,
                               AbolishSpec, MergeSpec, SplitSpec, ReestablishSpec>;

// The line of an event's field, named bare ("date", ".date") or as in messages
// ("event[3].quota[0].by": its first part after the event's key `key`); the event's own line
// when the field has none.
using FieldLines = std::vector<std::pair<std::string, std::int64_t>>;
inline std::int64_t field_line(const std::string& key, std::int64_t line, const FieldLines& lines,
                               const std::string& field) {
  std::string name = field.rfind(key + ".", 0) == 0 ? field.substr(key.size() + 1) : field;
  if (!name.empty() && name.front() == '.') {
    name.erase(0, 1);  // ".date", as appended to the key
  }
  // "quota[1].by": its own line if recorded, else that of quota[1], else of quota.
  const std::string first = name.substr(0, name.find('.'));
  for (const std::string& n : {name, first, first.substr(0, first.find('['))}) {
    for (const auto& [f, l] : lines) {
      if (f == n) {
        return l;
      }
    }
  }
  return line;
}

struct Event {
  std::string key;         // "event[3]", for messages
  std::int64_t line = 0;   // line of the event in the scenario file
  FieldLines field_lines;  // the line of each of its fields ("date", "units", ...)
  std::string date;
  std::string policy;
  EventSpec spec;

  [[nodiscard]] std::int64_t line_of(const std::string& field) const {
    return field_line(key, line, field_lines, field);
  }
};

// The governance system (docs/model.md section 7.9): what adoption does on the ground. Every
// module is off by default; with all off the simulation is the adoption engine alone.
// Rates are per year (converted with dt = 1 / periods_per_year); shares lie in [0, 1].
enum class Choice : std::uint8_t { best_response, fixed };
const char* to_string(Choice c);

struct AssessmentParams {
  bool enabled = false;
  double satisfaction_weight = 0.2;  // omega: weight of residents' satisfaction in the assessment
  double visible_reward = 1.0;       // a_v: hierarchical credit for visible outputs
  double depth_reward = 0.0;         // a_s: hierarchical credit for depth (0 = incompatible)
  Choice choice = Choice::best_response;  // how officials split their effort
  double fixed_effort = 0.5;              // share on depth when choice = fixed
  double temperature = 1.0;               // tau: curvature of the returns to effort
  double discount = 0.9;                  // rho: officials' discount factor per year
  double depth_lag = 2.0;                 // L: years until residents perceive depth
  int term_min = 3;                       // officials' terms, years (uniform between)
  int term_max = 5;
  double promotion_rate = 0.25;  // yearly chance of promotion at the top of the tournament
  double tournament = 6.0;       // how steeply that chance rises with rank
  double cutoff = 0.5;           // rank (0 = last, 1 = first) at half the top chance
  bool veto = true;              // incidents above veto_threshold in a year cost the tournament
  double veto_threshold = 5.0;   // incidents per 10,000 residents a year
  // A mandate's targets: each year the superior inspects the visible outputs of a unit that
  // adopted under a mandate; below the target it costs the official score (docs/model.md 7.9.1).
  bool inspection = true;
  double inspection_target = 0.6;   // v*: visible output a mandate requires
  double inspection_penalty = 0.5;  // score per period, for a year, a failed inspection costs
  double inspection_noise = 0.1;    // sigma: the superior's measurement error of visible output
  double visible_rate = 4.0;        // r_v
  double visible_decay = 1.0;       // delta_v
  double depth_rate = 3.0;          // r_s
  double depth_decay = 0.1;         // delta_s
};

struct CoproductionParams {
  bool enabled = false;
  std::string community_level;                  // empty = deepest level
  std::string population = "population";        // column; missing = 1,000 residents
  std::string migrant_share = "migrant_share";  // column; missing = 0
  double mobilisation = 1.0;                    // M: state mobilisation once adopted
  double target = 0.8;                          // the state's participation target
  double intercept = -2.0;  // residents' benefit from participating, other things zero
  double w_belonging = 2.0;
  double w_trust = 1.0;
  double w_services = 1.0;
  double w_peers = 1.0;
  double w_mobilisation = 2.0;
  double w_efficacy = 1.0;           // benefit per unit of voice x perceived depth
  double threshold_spread = 1.0;     // scale of residents' (logistic) participation thresholds
  bool costs = true;                 // residents bear the costs of participating (false: a cut)
  double cost_work = 3.0;            // cost per share of the group with both parents working
  double cost_load = 3.0;            // cost per unit of the committee's administrative load
  bool hukou = true;                 // hukou rules apply to migrants (false: treated as locals)
  double migrant_eligibility = 0.3;  // share of migrants past the residence rule admitted
  double residence_years = 1.0;      // residence before migrants may register to vote
  double adjust_rate = 2.0;
  double belonging_time = 0.2;  // growth of belonging with time in place
  double belonging_services = 0.5;
  double belonging_participation = 0.5;
  double turnover_local = 0.05;
  double turnover_migrant = 0.3;
  double admin_load = 0.6;     // share of residents' committee time on administrative tasks
  double task_list_cut = 0.0;  // share of the load removed by task lists once adopted
  double partial_load = 0.3;   // extra load where a tier was abolished but not line departments
  double variant_fit = 0.25;   // width of a variant's fit, in migrant-share units (0 = none)
  double trust_rate = 0.5;
  double satisfaction_intercept = 0.5;
  double satisfaction_depth = 0.5;
  double satisfaction_services = 0.3;
  double satisfaction_grievance = 0.5;
  double grievance_inflow = 0.3;
  double grievance_decay = 0.5;
  double initial_participation = 0.05;
  double initial_belonging_local = 0.5;
  double initial_belonging_migrant = 0.2;
  double initial_trust = 0.6;
  double initial_grievance = 0.2;
  std::string agents_root;         // id of the city whose residents run as agents
  int agents_per_community = 500;  // agents simulated per community (at most its population)
};

struct ServiceParams {
  bool enabled = false;
  double children_share = 0.08;  // primary-age children per resident where no column gives it
  std::string children = "primary_share";  // attribute column (census; missing = ancestor's)
  double migrant_access = 0.5;             // migrants' access to hukou-bound local services
  double school_min = 20;                  // pupils a community needs for its school to run
  double working_local = 0.5;              // share of local children with both parents working
  double working_migrant = 0.9;            // the same for migrants
  double contracting = 1.0;                // contracting with SOs once adopted (0 = none)
  double so_growth = 1.0;
  double so_decay = 0.1;
  double so_max = 1.0;
  double volunteer_rate = 0.5;     // places per unit of participation, as share of demand
  double government_direct = 0.2;  // direct provision, as share of demand
  double withdrawal = 0.0;         // share of direct provision withdrawn once adopted
  double space = 0.9;              // most demand community space can host
  double contract_cost = 6000.0;   // yuan per contracted place a year
};

struct StabilityParams {
  bool enabled = false;
  // Budget of each local government's stability work, yuan per 10,000 residents a year.
  double budget = 50000.0;
  Choice mix = Choice::best_response;  // officials choose the mix ("chosen"), or it is fixed
  double temperature = 0.1;            // tau of the strategy choice
  // Fixed shares of the budget (mix = "fixed" only; NaN = not given).
  double control = std::numeric_limits<double>::quiet_NaN();
  double compensation = std::numeric_limits<double>::quiet_NaN();
  double root_cause = std::numeric_limits<double>::quiet_NaN();
  double incident_rate = 1.0;  // per 10,000 residents a year at zero grievance
  double incident_grievance = 3.0;
  // A migrant's grievance in open contention, a local's = 1: the default is the voice that
  // weighed it before (migrant_eligibility 0.3 times e^(-turnover_migrant 0.3 x 1 year)).
  double migrant_contention = 0.22224546620451535;
  double control_effect = 0.8;
  double compensation_effect = 0.6;
  double control_trust = 0.5;
  double control_cost = 40000.0;  // yuan per 10,000 residents a year for full control
  bool latent = true;             // suppressed grievance is stored and surfaces later
  double latent_rate = 0.5;       // per year at full control
  double latent_lag = 3.0;        // years
  double latent_grievance = 1.0;  // visible grievance per unit of latent grievance surfacing
  double latent_incidents = 4.0;  // eruptions per unit surfacing, relative to incident_rate
  bool ratchet = true;            // what is paid raises the claims expected next time
  double claims_base = 20000.0;   // claims expected per incident with no history, yuan
  double claims_rate = 0.5;       // expected claims added per yuan paid per incident, per year
  double claims_decay = 0.2;      // per year, back towards claims_base
  double claims_grievance = 0.5;  // grievance per year per unit of unmet share
  double claims_incidents = 2.0;  // log-rate per unit of unmet share
  double root_cost = 60000.0;     // yuan per 10,000 residents a year for full root-cause work
  // What full root-cause capital fixes: a share of the demand for places left uncovered, of
  // migrants' lack of access to them, and of the committees' administrative load.
  double root_places = 0.5;
  double root_access = 0.5;
  double root_load = 0.3;
  double root_lag = 2.0;     // years to build root-cause capital
  double root_decay = 0.05;  // per year: the capital is durable
  double tolerance = 0.3;
  double escalation = 1.0;
  double escalation_incident = 0.5;
  double escalation_attenuation = 0.5;
};

// What the governance layer feeds back into adoption ([feedback]); all off by default, and
// with all off adoption is the diffusion core alone, bit for bit.
struct FeedbackParams {
  double lag_months = 3.0;          // from an outcome to its effect on adoption (at least a period)
  bool need = false;                // grievance and incidents raise a jurisdiction's need term
  double need_grievance = 2.0;      // per unit of residents' grievance
  double need_incidents = 0.05;     // per incident per 10,000 residents a year
  bool escalation = false;          // pressure escalated from below raises a superior's hazard
  double escalation_hazard = 0.05;  // per unit of pressure (per 10,000 residents a year)
  double escalation_mode = 0.1;     // log-weight of the mandate mode per unit of pressure
  bool reversal = false;            // reform failing on the ground raises a reversal hazard
  double reversal_intercept = -7.0;     // log of the yearly hazard of a reform with full depth
  double reversal_depth = 3.0;          // per unit of missing depth (1 - depth)
  double reversal_grievance = 2.0;      // per unit of grievance
  double reversal_veto = 1.0;           // after a year in which the veto bit
  double reversal_turnover = 1.0;       // in the first year of a new official
  double reversal_grace_months = 24.0;  // a reform is judged on the ground after this long
  bool pilot_evaluation = false;        // pilots judged by their realised outcomes
  double evaluation_noise = 0.05;       // sd of the superior's measurement of a pilot's outcome
  double evaluation_threshold = 0.0;    // improvement over comparable non-pilots needed to pass
  double evaluation_relative = 0.8;     // ... and this share of the mean improvement of the cohort
  bool learning = false;                // peers weighed by their observed outcomes
  double learning_visible = 0.5;        // weight of visible outputs in what peers observe
  double learning_temperature = 0.05;   // how sharply adopters copy the best-performing peer
  std::vector<std::string> levels;      // levels where need, escalation, reversal act (empty = all)
  bool any() const { return need || escalation || reversal || pilot_evaluation || learning; }
};

struct GovernanceParams {
  std::string policy;  // the policy that is the governance model; empty = the first
  // Years the layer runs before the first period with no adoption anywhere (a spin-up from
  // the initial states; docs/model.md 5). 0 = none.
  int warmup_years = 0;
  AssessmentParams assessment;
  CoproductionParams coproduction;
  ServiceParams services;
  StabilityParams stability;
  FeedbackParams feedback;
  bool any() const {
    return assessment.enabled || coproduction.enabled || services.enabled || stability.enabled;
  }
};

struct OutputParams {
  std::vector<double> quantiles = {0.05, 0.5, 0.95};
  std::string adoptions_max_level;  // empty = all levels
  int unit_time_every = 0;          // 0 = no unit_time table
  std::string unit_time_max_level;
};

// Free parameters of `pdlab calibrate`: each sets one value on all its keys, within [lo, hi].
struct FreeParameter {
  std::string name;
  std::vector<std::string> keys;  // scenario keys, e.g. adoption.shift.3201
  double lo = 0;
  double hi = 0;
  double start = 0;
};

struct CalibrationParams {
  std::vector<FreeParameter> free;
  int replicates = 20;              // per objective evaluation (common random numbers)
  int max_evaluations = 150;        // per start
  int starts = 3;                   // independent calibrations, each with its own seed
  int validation_replicates = 100;  // fresh seed, for the reported fit
};

// Uncertainty in estimated parameters (`pdlab fit` writes it): with `draw`, each replicate runs
// with its own vector of the numeric keys drawn from N(estimate, covariance), so that bands
// carry the estimation error as well as the Monte Carlo noise.
struct ParameterDraws {
  bool draw = false;
  std::vector<std::string> keys;  // numeric scenario keys, e.g. adoption.alpha.county
  std::vector<double> estimate;
  std::vector<std::vector<double>> covariance;  // keys x keys
  // Keys among `keys` held at the scenario's own value in every replicate rather than drawn
  // (a counterfactual that sets one estimate, e.g. a peer effect at 0, while the others keep
  // their draws). A value given on the command line or by a compare variant for a drawn key
  // adds it here.
  std::vector<std::string> held;
};

// Factors of `pdlab sensitivity`: a numeric scenario key varied over [lo, hi]; a bound left
// NaN takes the registry's (which must then be finite).
struct SensitivityFactor {
  std::string key;
  double lo = std::numeric_limits<double>::quiet_NaN();
  double hi = std::numeric_limits<double>::quiet_NaN();
};

struct SensitivityParams {
  std::vector<SensitivityFactor> factors;
};

struct Scenario {
  int schema_version = 1;
  std::string name;
  std::string description;
  std::string file;  // where it was read from
  // The line in `file` of each key written there ("calendar.periods_per_year",
  // "adoption.alpha.county", "policy[1].requires"), for messages; keys given by --set only
  // have none.
  FieldLines key_lines;
  // The line of `key`, else of the nearest table holding it ("adoption.alpha" for
  // "adoption.alpha.prefecure"), else 0.
  [[nodiscard]] std::int64_t line_of(std::string key) const {
    while (!key.empty()) {
      for (const auto& [k, l] : key_lines) {
        if (k == key) {
          return l;
        }
      }
      const auto cut = key.find_last_of(".[");
      key.erase(cut == std::string::npos ? 0 : cut);
    }
    return 0;
  }
  Calendar calendar;
  HierarchySpec hierarchy;
  std::vector<Policy> policies;
  AdoptionParams adoption;
  VerticalParams vertical;
  PromotionParams promotion;
  StageParams stages;
  std::vector<Event> events;
  GovernanceParams governance;
  CalibrationParams calibrate;
  ParameterDraws uncertainty;
  SensitivityParams sensitivity;
  std::uint64_t seed = 1;
  int replicates = 1;
  int threads = 0;  // 0 = all cores
  OutputParams output;
};

constexpr int kSchemaVersion = 1;
constexpr std::int32_t kNever = std::numeric_limits<std::int32_t>::max();

// The periods from a governance outcome to its effect on adoption: feedback.lag_months on the
// calendar, at least one period (docs/model.md 7.10).
inline std::int32_t feedback_lag_periods(const Scenario& s) {
  return std::max(1, static_cast<std::int32_t>(std::lround(s.governance.feedback.lag_months *
                                                           s.calendar.periods_per_year / 12.0)));
}

}  // namespace pdlab
