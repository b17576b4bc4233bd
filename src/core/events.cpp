// The table of event kinds: for each, the fields it accepts, how to read it and how to compile
// it against the hierarchy (docs/model.md, scripted events).
#include "pdlab/core/events.hpp"

#include "core/resolve.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <utility>

namespace pdlab {

namespace {

using detail::bad;
using detail::level_of;
using detail::unit_of;

std::string field(const EventContext& c, const std::string& f) {
  return c.event.key + "." + f;
}

std::int32_t period_of(const EventContext& c, const std::string& date, const std::string& f) {
  return to_period(c.scenario.calendar, date, f, c.scenario.file, c.event.line_of(f));
}

std::vector<std::int32_t> units_of(const EventContext& c, const std::vector<std::string>& ids,
                                   const std::string& f) {
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    const auto u = unit_of(c.scenario, c.hierarchy, field(c, f), id, c.event.line_of(f));
    if (std::find(out.begin(), out.end(), u) != out.end()) {
      bad(c.scenario, field(c, f), id, "the unit is listed twice", "list each unit once",
          c.event.line_of(f));
    }
    out.push_back(u);
  }
  return out;
}

// An optional list that narrows what an event selects: given empty, it would select nothing
// or everything depending on the reader's guess, so it is refused.
std::vector<std::string> narrowing_list(const EventFields& f, std::string_view field) {
  auto v = f.strings(field);
  if (v.empty()) {
    f.refuse(field, "an empty list", "list at least one, or remove the key to select them all");
  }
  return v;
}

// adopt and promote: the listed units adopt, or (promote) switch to pushing their subordinates.
template <typename Spec>
Spec parse_units_mode(const EventFields& f, bool needs_mode) {
  Spec s;
  s.units = f.strings("units");
  if (needs_mode || f.has("mode")) {
    s.mode = f.mode("mode");
  }
  // "none" says there is none: a --variants row turning a mandate into another mode can say
  // so (an empty cell keeps the scenario's deadline).
  if (f.has("deadline")) {
    // (date() takes a TOML date, a period number or a string, returning the text)
    if (auto d = f.date("deadline"); d != "none") {
      s.deadline = std::move(d);
    }
  }
  return s;
}

template <typename Spec, typename Action>
Action compile_units_mode(const EventContext& c, const Spec& s, bool needs_mode) {
  if (s.units.empty()) {
    bad(c.scenario, field(c, "units"), "", "no units given", "list unit ids, e.g. units = [\"32\"]",
        c.event.line_of("units"));
  }
  Action a;
  a.units = units_of(c, s.units, "units");
  a.mode = s.mode;
  if (needs_mode && a.mode == Mode::none) {
    bad(c.scenario, field(c, "mode"), "", "a promote event needs a mode",
        "set mode = \"endorse\", \"pilot\", \"mandate\" or \"championship\"",
        c.event.line_of("mode"));
  }
  if (a.mode == Mode::mandate) {
    a.deadline = s.deadline.empty() ? c.period + c.scenario.promotion.mandate_deadline
                                    : period_of(c, s.deadline, field(c, "deadline"));
  } else if (!s.deadline.empty()) {
    // Only a mandate has a deadline: any other mode would ignore it.
    std::string mode = "not set";
    if (a.mode != Mode::none) {
      mode = "\"";
      mode += to_string(a.mode);
      mode += '"';
    }
    bad(c.scenario, field(c, "deadline"), s.deadline,
        "a deadline applies to mode \"mandate\" only; this event's mode is " + mode,
        "remove the deadline (in compare's --variants or --vary: deadline none), or set mode = "
        "\"mandate\"",
        c.event.line_of("deadline"));
  }
  return a;
}

AdoptSpec parse_adopt(const EventFields& f) {
  return parse_units_mode<AdoptSpec>(f, false);
}
AdoptEvent compile_adopt(const EventContext& c, const AdoptSpec& s) {
  return compile_units_mode<AdoptSpec, AdoptEvent>(c, s, false);
}
PromoteSpec parse_promote(const EventFields& f) {
  return parse_units_mode<PromoteSpec>(f, true);
}
PromoteEvent compile_promote(const EventContext& c, const PromoteSpec& s) {
  return compile_units_mode<PromoteSpec, PromoteEvent>(c, s, true);
}

MandateSpec parse_mandate(const EventFields& f) {
  MandateSpec s;
  s.issuer = f.text("issuer");
  s.target_level = f.text("target_level");
  s.deadline = f.date("deadline");
  if (f.has("compliance")) {
    s.compliance = f.real("compliance", 0, 1);
  }
  if (f.has("quota")) {
    s.quotas = f.quotas("quota");
  }
  return s;
}

MandateEvent compile_mandate(const EventContext& c, const MandateSpec& s) {
  const auto& sc = c.scenario;
  const auto& h = c.hierarchy;
  MandateEvent a;
  a.compliance = s.compliance < 0 ? sc.promotion.compliance : s.compliance;
  a.issuer = unit_of(sc, h, field(c, "issuer"), s.issuer, c.event.line_of("issuer"));
  a.target_level =
      level_of(sc, h, field(c, "target_level"), s.target_level, c.event.line_of("target_level"));
  if (a.target_level <= h.level(a.issuer)) {
    bad(sc, field(c, "target_level"), s.target_level,
        "the target level is not below the issuer's level '" + h.level_names()[h.level(a.issuer)] +
            "'",
        "target a level below the issuing unit", c.event.line_of("target_level"));
  }
  if (s.deadline.empty()) {
    bad(sc, field(c, "deadline"), "", "a mandate needs a deadline", "set deadline = \"YYYY-MM\"",
        c.event.line_of("deadline"));
  }
  a.deadline = period_of(c, s.deadline, field(c, "deadline"));
  // Before the quotas, which are checked against it: a deadline on or before the date is the
  // error to fix first.
  if (a.deadline <= c.period) {
    bad(sc, field(c, "deadline"), s.deadline,
        "deadline is not after the event's date (" + c.event.date + ")",
        "set a deadline after " + c.event.date, c.event.line_of("deadline"));
  }
  for (std::size_t q = 0; q < s.quotas.size(); ++q) {
    const auto& sq = s.quotas[q];
    const std::string qkey = field(c, "quota[" + std::to_string(q) + "]");
    CompiledQuota cq;
    cq.share = sq.share;
    cq.period = period_of(c, sq.by, qkey + ".by");
    if (cq.period > a.deadline) {
      bad(sc, qkey + ".by", sq.by,
          "the quota falls after the mandate's deadline (" + s.deadline +
              "), when every target unit must already have adopted",
          "date the quota on or before the deadline", c.event.line_of(qkey + ".by"));
    }
    for (const auto& rid : sq.regions) {
      const auto r = unit_of(sc, h, qkey + ".regions", rid, c.event.line_of(qkey + ".regions"));
      if (h.level(r) >= a.target_level || h.ancestor_at(r, h.level(a.issuer)) != a.issuer) {
        bad(sc, qkey + ".regions", rid,
            "region is neither the issuer nor a unit under it above the target level",
            "list units below the issuer and above the target level (or omit regions for the "
            "issuer's whole jurisdiction)",
            c.event.line_of(qkey + ".regions"));
      }
      cq.regions.push_back(r);
    }
    if (cq.regions.empty()) {
      cq.regions.push_back(a.issuer);
    }
    // One share per region and date: a second (in this quota or another) would leave which
    // one holds to the order of the list.
    for (std::size_t k = 0; k < cq.regions.size(); ++k) {
      const auto r = cq.regions[k];
      for (const auto& earlier : a.quotas) {
        if (earlier.period == cq.period &&
            std::find(earlier.regions.begin(), earlier.regions.end(), r) != earlier.regions.end()) {
          bad(sc, qkey + ".regions", std::string(h.id(r)),
              "the region already has a quota by " + sq.by + " in an earlier quota of this mandate",
              "give each region one share per date", c.event.line_of(qkey + ".regions"));
        }
      }
      if (std::find(cq.regions.begin(), cq.regions.begin() + static_cast<std::ptrdiff_t>(k), r) !=
          cq.regions.begin() + static_cast<std::ptrdiff_t>(k)) {
        bad(sc, qkey + ".regions", std::string(h.id(r)), "the region is listed twice",
            "list each region once", c.event.line_of(qkey + ".regions"));
      }
    }
    a.quotas.push_back(std::move(cq));
  }
  return a;
}

bool starts_with(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (auto x : prefixes) {
    if (s.substr(0, x.size()) == x) {
      return true;
    }
  }
  return false;
}

// Which keys an event may set: hazard weights (read by the adoption epochs) and numeric
// governance parameters (read by the governance epochs).
SetSpec parse_set(const EventFields& f) {
  SetSpec s;
  s.key = f.text("key");
  const Param* p = find_parameter(s.key);
  const KeyedParam* kp = find_keyed_parameter(s.key);
  const bool keyed = kp != nullptr && kp->event_settable;
  const bool real = p != nullptr && p->type == ParamType::real;
  const bool hazard =
      s.key == "adoption.alpha_shift" ||
      (real && starts_with(s.key, {"adoption.gamma_", "adoption.alpha_default", "vertical."}));
  const bool governance =
      real && starts_with(s.key, {"assessment.", "coproduction.", "services.", "stability."});
  if (!keyed && !hazard && !governance) {
    // A misspelt key gets its nearest settable key first.
    std::vector<std::string> settable = {"adoption.alpha_shift"};
    for (const auto& q : parameters()) {
      if (q.type == ParamType::real &&
          starts_with(q.key, {"adoption.gamma_", "adoption.alpha_default", "vertical.",
                              "assessment.", "coproduction.", "services.", "stability."})) {
        settable.emplace_back(q.key);
      }
    }
    const auto near = p == nullptr && kp == nullptr ? closest(s.key, settable) : std::string();
    if (!near.empty()) {
      f.refuse("key", "not a scenario key", "did you mean '" + near + "'?");
    }
    f.refuse("key", "cannot be changed by an event",
             "use a hazard weight (adoption.gamma_*, adoption.alpha.LEVEL, adoption.beta.COLUMN, "
             "adoption.alpha_default, adoption.alpha_shift, the real-valued vertical.* "
             "weights: not vertical.deadline_tightening, a count read once) or a real-valued "
             "assessment.*, coproduction.*, services.* or stability.* parameter");
  }
  s.value = keyed          ? f.real("value", kp->lo, kp->hi)
            : p != nullptr ? f.real("value", p->lo, p->hi)
                           : f.real("value", -kShiftBound, kShiftBound);  // adoption.alpha_shift
  return s;
}

SetEvent compile_set(const EventContext& c, const SetSpec& s) {
  std::string key;
  if (const KeyedParam* kp = find_keyed_parameter(s.key, &key)) {
    detail::check_key(c.scenario, c.hierarchy, kp->over, field(c, "key"), key,
                      c.event.line_of("key"));
  }
  return SetEvent{s.key, s.value};
}

ReverseSpec parse_reverse(const EventFields& f) {
  ReverseSpec s;
  s.units = f.strings("units");
  if (f.has("descendants")) {
    s.descendants = f.boolean("descendants");
  }
  return s;
}

ReverseEvent compile_reverse(const EventContext& c, const ReverseSpec& s) {
  const auto& h = c.hierarchy;
  if (s.units.empty()) {
    bad(c.scenario, field(c, "units"), "", "no units given",
        "list the ids of the units that reverse, e.g. units = [\"32\"]", c.event.line_of("units"));
  }
  ReverseEvent a;
  a.units = units_of(c, s.units, "units");
  a.listed = a.units;
  if (s.descendants) {
    // Every unit below a listed unit, in index order (units stay unique).
    const std::int32_t n = h.size();
    std::vector<std::uint8_t> in(static_cast<std::size_t>(n), 0);
    for (auto u : a.units) {
      in[u] = 1;
    }
    for (std::int32_t u = 1; u < n; ++u) {
      in[u] = in[u] != 0 || in[h.parent(u)] != 0 ? 1 : 0;
    }
    a.units.clear();
    for (std::int32_t u = 0; u < n; ++u) {
      if (in[u] != 0) {
        a.units.push_back(u);
      }
    }
  }
  return a;
}

// The units of a tier below some units (all when `under` is empty) and of some types (all
// when `types` is empty): what abolish and reestablish select.
std::vector<std::int32_t> tier_units(const EventContext& c, const std::string& level,
                                     const std::vector<std::string>& under,
                                     const std::vector<std::string>& types) {
  const auto& sc = c.scenario;
  const auto& h = c.hierarchy;
  const int l = level_of(sc, h, field(c, "level"), level, c.event.line_of("level"));
  if (l == 0) {
    bad(sc, field(c, "level"), level, "the top level cannot be abolished",
        "name a tier between the top and the bottom of the hierarchy", c.event.line_of("level"));
  }
  int type_column = -1;
  if (!types.empty()) {
    const auto& names = h.text_attribute_names();
    const auto it = std::find(names.begin(), names.end(), "type");
    if (it == names.end()) {
      bad(sc, field(c, "types"), types.front(), "the hierarchy has no `type` column",
          "use the shipped China hierarchy (it has one) or add a `type` column to the hierarchy "
          "file",
          c.event.line_of("types"));
    }
    type_column = static_cast<int>(it - names.begin());
  }
  const auto roots = units_of(c, under, "under");
  for (std::size_t k = 0; k < roots.size(); ++k) {
    if (h.level(roots[k]) >= l) {
      bad(sc, field(c, "under"), under[k],
          "this unit is at level '" + h.level_names()[h.level(roots[k])] + "', not above level '" +
              level + "'",
          "list units of a level above '" + level + "' (or leave `under` out for all of them)",
          c.event.line_of("under"));
    }
  }
  std::vector<std::int32_t> out;
  std::vector<std::uint8_t> type_seen(types.size(), 0);
  std::vector<std::uint8_t> root_used(roots.size(), 0);
  for (std::int32_t u = h.level_begin(l); u < h.level_begin(l + 1); ++u) {
    std::size_t root = roots.size();
    for (std::size_t k = 0; k < roots.size() && root == roots.size(); ++k) {
      root = h.ancestor_at(u, h.level(roots[k])) == roots[k] ? k : root;
    }
    if (!roots.empty() && root == roots.size()) {
      continue;
    }
    if (type_column >= 0) {
      const auto t = h.text_attribute(type_column, u);
      const auto it = std::find(types.begin(), types.end(), t);
      if (it == types.end()) {
        continue;
      }
      type_seen[it - types.begin()] = 1;
    }
    if (root < roots.size()) {
      root_used[root] = 1;
    }
    out.push_back(u);
  }
  // Each listed unit selects something: one that does not is a typo or a unit of another kind.
  for (std::size_t k = 0; k < roots.size(); ++k) {
    if (root_used[k] == 0 && roots.size() > 1) {
      bad(sc, field(c, "under"), under[k],
          "no unit of level '" + level + "'" + (types.empty() ? "" : " of these types") +
              " lies below this unit",
          "drop it from `under`, or list units that have such units below them",
          c.event.line_of("under"));
    }
  }
  for (std::size_t k = 0; k < types.size(); ++k) {
    if (type_seen[k] == 0) {
      bad(sc, field(c, "types"), types[k],
          "no unit of level '" + level + "' below these units has this type",
          "use a type of that level (China: street_office, town, township, ethnic_township, "
          "other_township; docs/model.md 7.13)",
          c.event.line_of("types"));
    }
  }
  if (out.empty()) {
    std::string listed;
    for (const auto& u : under) {
      listed += (listed.empty() ? "" : ", ") + u;
    }
    bad(sc, field(c, under.empty() ? "level" : "under"), under.empty() ? level : "[" + listed + "]",
        "no unit of level '" + level + "' lies below these units",
        "list units that have units of level '" + level + "' below them",
        c.event.line_of(under.empty() ? "level" : "under"));
  }
  return out;
}

AbolishSpec parse_abolish(const EventFields& f) {
  AbolishSpec s;
  s.level = f.text("level");
  if (f.has("under")) {
    s.under = narrowing_list(f, "under");
  }
  if (f.has("types")) {
    s.types = narrowing_list(f, "types");
  }
  if (f.has("line_departments")) {
    s.line_departments = f.boolean("line_departments");
  }
  return s;
}

AbolishEvent compile_abolish(const EventContext& c, const AbolishSpec& s) {
  AbolishEvent a;
  a.line_departments = s.line_departments;
  a.units = tier_units(c, s.level, s.under, s.types);
  a.under = units_of(c, s.under, "under");
  return a;
}

ReestablishSpec parse_reestablish(const EventFields& f) {
  ReestablishSpec s;
  s.level = f.text("level");
  if (f.has("under")) {
    s.under = narrowing_list(f, "under");
  }
  if (f.has("types")) {
    s.types = narrowing_list(f, "types");
  }
  return s;
}

// Whether each unit was abolished before is checked with the other events in date order
// (Restructuring).
ReestablishEvent compile_reestablish(const EventContext& c, const ReestablishSpec& s) {
  return ReestablishEvent{tier_units(c, s.level, s.under, s.types), units_of(c, s.under, "under")};
}

Inherit inherit_of(const EventContext& c, const std::string& text) {
  if (text.empty() || text == "any") {
    return Inherit::any;
  }
  for (auto r : {Inherit::all, Inherit::largest, Inherit::none}) {
    if (text == to_string(r)) {
      return r;
    }
  }
  bad(c.scenario, field(c, "inherit"), text, "unknown inheritance rule",
      "use \"any\" (default: adopted if any source was), \"all\", \"largest\" or \"none\"",
      c.event.line_of("inherit"));
}

MergeSpec parse_merge(const EventFields& f) {
  MergeSpec s;
  s.units = f.strings("units");
  s.into = f.text("into");
  if (f.has("inherit")) {
    s.inherit = f.text("inherit");
  }
  return s;
}

MergeEvent compile_merge(const EventContext& c, const MergeSpec& s) {
  const auto& h = c.hierarchy;
  MergeEvent a;
  if (s.units.empty()) {
    bad(c.scenario, field(c, "units"), "", "no units given",
        "list the ids of the units that merge into `into`", c.event.line_of("units"));
  }
  a.units = units_of(c, s.units, "units");
  a.into = unit_of(c.scenario, h, field(c, "into"), s.into, c.event.line_of("into"));
  a.inherit = inherit_of(c, s.inherit);
  for (auto u : a.units) {
    if (h.level(u) != h.level(a.into) || u == a.into) {
      bad(c.scenario, field(c, "units"), std::string(h.id(u)),
          "a merged unit must be another unit at the level of 'into' ('" +
              h.level_names()[h.level(a.into)] + "')",
          "merge units of one level into a unit of the same level", c.event.line_of("units"));
    }
  }
  return a;
}

SplitSpec parse_split(const EventFields& f) {
  SplitSpec s;
  s.unit = f.text("unit");
  s.into = f.strings("into");
  if (f.has("inherit")) {
    s.inherit = f.text("inherit");
  }
  return s;
}

SplitEvent compile_split(const EventContext& c, const SplitSpec& s) {
  const auto& h = c.hierarchy;
  SplitEvent a;
  a.unit = unit_of(c.scenario, h, field(c, "unit"), s.unit, c.event.line_of("unit"));
  if (s.into.size() < 2) {
    bad(c.scenario, field(c, "into"), s.into.empty() ? "" : s.into.front(),
        "a split needs at least two parts", "list the ids of the units the unit splits into",
        c.event.line_of("into"));
  }
  a.into = units_of(c, s.into, "into");
  a.inherit = inherit_of(c, s.inherit);
  for (auto u : a.into) {
    if (h.level(u) != h.level(a.unit) || u == a.unit) {
      bad(c.scenario, field(c, "into"), std::string(h.id(u)),
          "a part must be another unit at the level of 'unit' ('" +
              h.level_names()[h.level(a.unit)] + "')",
          "split a unit into units of its own level", c.event.line_of("into"));
    }
  }
  return a;
}

// The index of type T among the alternatives of variant V.
template <typename T, typename V>
struct index_in;
template <typename T, typename... Ts>
struct index_in<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i) {
      if (same[i]) {
        return i;
      }
    }
    return sizeof...(Ts);
  }();
};

// Puts a kind, from its typed parse and compile functions, at its spec's index in EventSpec,
// which must be its action's index in EventAction: the order of the entries below does not
// matter, and kinds out of step with the variants do not compile.
template <auto Parse, auto Compile>
void add(std::vector<EventKind>& table, EventKind kind) {
  using Spec = decltype(Parse(std::declval<const EventFields&>()));
  using Action =
      decltype(Compile(std::declval<const EventContext&>(), std::declval<const Spec&>()));
  constexpr auto i = index_in<Spec, EventSpec>::value;
  static_assert(i < std::variant_size_v<EventSpec>, "the kind's spec is not in EventSpec");
  static_assert(i == index_in<Action, EventAction>::value,
                "EventSpec and EventAction list this kind at different places");
  kind.parse = [](const EventFields& f) -> EventSpec { return Parse(f); };
  kind.compile = [](const EventContext& c) -> EventAction {
    return Compile(c, std::get<Spec>(c.event.spec));
  };
  table[i] = std::move(kind);
}

std::vector<EventKind> make_kinds() {
  std::vector<EventKind> k(std::variant_size_v<EventSpec>);
  add<parse_adopt, compile_adopt>(
      k,
      {"adopt",
       {"units", "mode", "deadline"},
       {"units"},
       "the units adopt; with a mode they also push their subordinates (deadline: of mode "
       "mandate, default promotion.mandate_deadline after the date; \"none\": no deadline, for a "
       "compare variant of another mode)"});
  add<parse_mandate, compile_mandate>(
      k, {"mandate",
          {"issuer", "target_level", "deadline", "compliance", "quota"},
          {"issuer", "target_level", "deadline"},
          "the issuer orders every unit of target_level below it to adopt by the deadline; "
          "compliance (default promotion.compliance) is the chance each complies then; quota = "
          "[{regions, share, by}] are interim shares"});
  add<parse_promote, compile_promote>(
      k, {"promote",
          {"units", "mode", "deadline"},
          {"units", "mode"},
          "units that have adopted switch to pushing their subordinates with this mode"});
  add<parse_set, compile_set>(
      k, {"set",
          {"key", "value"},
          {"key", "value"},
          "a hazard weight or a numeric governance parameter takes this value from the date on"});
  add<parse_reverse, compile_reverse>(
      k, {"reverse",
          {"units", "descendants"},
          {"units"},
          "the units reverse the policy (descendants = true: every unit below them too)"});
  add<parse_abolish, compile_abolish>(
      k, {"abolish",
          {"level", "under", "types", "line_departments"},
          {"level"},
          "the tier stops being a government (under: only below these units; types: only units "
          "of these types, hierarchy column `type`; line_departments = true: a full reform)"});
  add<parse_reestablish, compile_reestablish>(
      k, {"reestablish",
          {"level", "under", "types"},
          {"level"},
          "units of an abolished tier (selected as by abolish) are governments again"});
  add<parse_merge, compile_merge>(
      k, {"merge",
          {"units", "into", "inherit"},
          {"units", "into"},
          "the units cease and merge into `into`, a unit of their level (existing, or born at the "
          "date); inherit: any (default), all, largest or none"});
  add<parse_split, compile_split>(
      k, {"split",
          {"unit", "into", "inherit"},
          {"unit", "into"},
          "the unit ceases and splits into the units `into` of its level, born at the date; "
          "inherit: any (default), all, largest or none"});
  for (const auto& kind : k) {
    if (kind.parse == nullptr) {
      throw Error(ErrorKind::internal,
                  "an alternative of EventSpec has no entry in the table of event kinds");
    }
  }
  return k;
}

}  // namespace

const std::vector<EventKind>& event_kinds() {
  static const std::vector<EventKind> kinds = make_kinds();
  static_assert(std::variant_size_v<EventSpec> == std::variant_size_v<EventAction>);
  return kinds;
}

const EventKind* find_event_kind(std::string_view name) {
  for (const auto& k : event_kinds()) {
    if (k.name == name) {
      return &k;
    }
  }
  return nullptr;
}

std::string accepted_fields(const EventKind& k) {
  std::string out = "type, date, policy";
  for (auto f : k.accepts) {
    out += ", " + std::string(f);
  }
  return out;
}

const char* to_string(Inherit r) {
  switch (r) {
    case Inherit::any: return "any";
    case Inherit::all: return "all";
    case Inherit::largest: return "largest";
    case Inherit::none: return "none";
  }
  return "?";
}

std::int32_t deadline_of(const EventAction& a) {
  return std::visit(
      [](const auto& x) -> std::int32_t {
        if constexpr (requires { x.deadline; }) {
          return x.deadline;
        } else {
          return kNever;
        }
      },
      a);
}

}  // namespace pdlab
