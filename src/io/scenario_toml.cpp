#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/events.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/core/uncertainty.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

namespace pdlab::io {

namespace {

struct Ctx {
  std::string file;
  Scenario* s;
  // Each --set: its key as errors name it (array indices as [i]) and the whole assignment.
  std::vector<std::pair<std::string, std::string>> sets = {};
  const toml::table* written = nullptr;  // the file's own values, before the --set
};

std::int64_t line_of(const toml::node& n) {
  return static_cast<std::int64_t>(n.source().begin.line);
}

std::string show(const toml::node& n) {
  std::ostringstream o;
  if (n.is_string()) {
    o << n.as_string()->get();
  } else if (n.is_floating_point()) {
    o << fmt::format("{}", n.as_floating_point()->get());  // shortest: 0.6, not 0.59999999999999998
  } else if (n.is_table()) {
    o << "{...}";
  } else if (n.is_array()) {
    o << "[...]";
  } else {
    n.visit([&](auto&& v) { o << v; });
  }
  return o.str();
}

std::string text_of(const toml::node* n) {
  std::ostringstream t;
  if (n != nullptr) {
    n->visit([&](const auto& v) { t << v; });
  }
  return t.str();
}

// Where the value of `key` came from: the last --set that gave it (the key itself or a table
// holding it) and changed it, with no line; else the file, at the node's line. (A table given
// with --set merges into the file's: the keys it does not name keep the file's values.)
Where where(const Ctx& c, const toml::node& n, const std::string& key, const std::string& value) {
  for (auto it = c.sets.rbegin(); it != c.sets.rend(); ++it) {
    const auto& k = it->first;
    // The key itself, a key inside a table it set, or a table it created (an unknown
    // `assesment` from --set assesment.depth_reward=1).
    const bool inside = key.size() > k.size() && key.compare(0, k.size(), k) == 0 &&
                        (key[k.size()] == '.' || key[k.size()] == '[');
    const bool holds = k.size() > key.size() && k.compare(0, key.size(), key) == 0 &&
                       (k[key.size()] == '.' || k[key.size()] == '[');
    if (key == k || inside || holds) {
      const auto* before = c.written != nullptr ? c.written->at_path(key).node() : nullptr;
      if (before != nullptr && text_of(before) == text_of(&n)) {
        break;  // the file's own value
      }
      return {"--set " + it->second, 0, key, value};
    }
  }
  return {c.file, line_of(n), key, value};
}

[[noreturn]] void bad(const Ctx& c, const toml::node& n, const std::string& key,
                      const std::string& what, const std::string& fix) {
  // (a missing key's node is its table, whose "[...]" would read as the value)
  fail(ErrorKind::config, where(c, n, key, what == "missing" ? std::string() : show(n)), what, fix);
}

// Keys that were removed, with what replaces them.
const char* retired(const std::string& key) {
  static const std::pair<const char*, const char*> keys[] = {
      {"stability.choice",
       "stability.mix = \"chosen\" (officials choose the mix each period) or \"fixed\" (with "
       "stability.control, .compensation and .root_cause)"},
      {"stability.control_grievance",
       "stability.latent_rate, .latent_lag, .latent_grievance and .latent_incidents (control "
       "now stores latent grievance that surfaces later)"},
      {"stability.compensation_cost",
       "stability.claims_base (compensation is paid in yuan against the claims residents "
       "expect; the budget is stability.budget in yuan per 10,000 residents a year)"},
      {"stability.priority",
       "assessment.veto and .veto_threshold (the value of cutting incidents is now the veto "
       "risk the official faces over its remaining years in post)"},
      {"stability.root_effect",
       "stability.root_places, .root_access and .root_load (root-cause work now fixes the "
       "causes of grievance: uncovered demand for places, migrants' access, the committees' "
       "load)"},
      {"assessment.deadline_reward",
       "assessment.inspection, .inspection_target, .inspection_penalty and .inspection_noise "
       "(a mandate's targets are now inspected each year: visible outputs below the target "
       "cost the official score, so the extra weight depends on how far the unit stands from "
       "the target); deadline_reward = 0 is now assessment.inspection = false"},
      {"stability.so_absorb",
       "services.contracting (SOs now lower escalation only through the services they "
       "deliver, which lower grievance)"}};
  for (const auto& [k, v] : keys) {
    if (key == k) {
      return v;
    }
  }
  return nullptr;
}

[[noreturn]] void unknown(const Ctx& c, const toml::node& n, const std::string& key,
                          const std::vector<std::string>& allowed) {
  if (const char* now = retired(key)) {
    fail(ErrorKind::config, where(c, n, key, show(n)), "this key was removed",
         std::string("use ") + now);
  }
  const auto dot = key.rfind('.');
  const std::string last = dot == std::string::npos ? key : key.substr(dot + 1);
  std::vector<std::string> lasts;
  for (const auto& a : allowed) {
    const auto d = a.rfind('.');
    lasts.push_back(d == std::string::npos ? a : a.substr(d + 1));
  }
  const auto near = closest(last, lasts);
  std::string list;
  for (const auto& a : lasts) {
    list += (list.empty() ? "" : ", ") + a;
  }
  fail(ErrorKind::config, where(c, n, key, show(n)), "unknown key",
       near.empty() ? "remove it; keys allowed here: " + list
                    : "did you mean '" + near + "'? (keys allowed here: " + list + ")");
}

double real(const Ctx& c, const toml::node& n, const std::string& key, double lo, double hi) {
  double v = 0;
  if (auto i = n.value_exact<std::int64_t>()) {
    v = static_cast<double>(*i);
  } else if (auto d = n.value_exact<double>()) {
    v = *d;
  } else {
    bad(c, n, key, "must be a number", "write a number such as 0.5");
  }
  if (std::isnan(v)) {
    bad(c, n, key, "must not be NaN", "write a number");
  }
  if (v < lo || v > hi) {
    std::ostringstream r;
    r << "out of range [" << lo << ", " << hi << "]";
    bad(c, n, key, r.str(), "choose a value within the range");
  }
  return v;
}

std::int64_t integer(const Ctx& c, const toml::node& n, const std::string& key, double lo,
                     double hi) {
  auto i = n.value_exact<std::int64_t>();
  if (!i) {
    bad(c, n, key, "must be an integer", "write a whole number without quotes");
  }
  // Compared as integers too: a double rounds 2^53 + 1 down to the bound.
  const bool above =
      static_cast<double>(*i) > hi || (hi < 9.2e18 && *i > static_cast<std::int64_t>(hi));
  const bool below =
      static_cast<double>(*i) < lo || (lo > -9.2e18 && *i < static_cast<std::int64_t>(lo));
  if (below || above) {
    std::ostringstream r;
    r << "out of range [" << static_cast<std::int64_t>(lo) << ", " << static_cast<std::int64_t>(hi)
      << "]";
    bad(c, n, key, r.str(), "choose a value within the range");
  }
  return *i;
}

std::string text(const Ctx& c, const toml::node& n, const std::string& key) {
  if (auto s = n.value_exact<std::string>()) {
    return *s;
  }
  // A unit id given on the command line: `--set hierarchy.root=320585` reaches here as an
  // integer, the shell having taken the quotes that would make it text (and Python passes
  // "320585" the same way). In a file the quotes are the user's to write.
  const auto i = n.value_exact<std::int64_t>();
  if (i && where(c, n, key, show(n)).file.rfind("--set ", 0) == 0) {
    return std::to_string(*i);
  }
  bad(c, n, key, "must be a string",
      "write it in double quotes (on a command line, quote the whole assignment: --set "
      "'key=\"value\"')");
}

// A date: a string in a form of calendar.hpp, a TOML date, or an integer period.
std::string date(const Ctx& c, const toml::node& n, const std::string& key) {
  if (auto s = n.value_exact<std::string>()) {
    return *s;
  }
  if (auto i = n.value_exact<std::int64_t>()) {
    if (*i < 0) {
      bad(c, n, key, "period must be >= 0", "use a period number from 0");
    }
    return std::to_string(*i);
  }
  if (auto d = n.value_exact<toml::date>()) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d->year),
                  static_cast<int>(d->month), static_cast<int>(d->day));
    return buf;
  }
  bad(c, n, key, "must be a date", date_forms());
}

std::vector<std::string> strings(const Ctx& c, const toml::node& n, const std::string& key) {
  std::vector<std::string> out;
  if (n.is_string()) {
    out.push_back(*n.value<std::string>());
    return out;
  }
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    bad(c, n, key, "must be an array of strings", "write e.g. [\"3201\", \"3202\"]");
  }
  for (const auto& e : *arr) {
    auto v = text(c, e, key);
    // No list of names means anything by repeating one (a unit adopting twice, a key drawn
    // with two estimates, a prerequisite twice): a repeat is a slip, refused.
    if (std::find(out.begin(), out.end(), v) != out.end()) {
      bad(c, e, key, "'" + v + "' is listed twice", "list each once");
    }
    out.push_back(std::move(v));
  }
  return out;
}

Mode mode(const Ctx& c, const toml::node& n, const std::string& key) {
  const auto v = text(c, n, key);
  for (Mode m : {Mode::endorse, Mode::pilot, Mode::mandate, Mode::championship}) {
    if (v == to_string(m)) {
      return m;
    }
  }
  const auto near = closest(v, {"endorse", "pilot", "mandate", "championship"});
  bad(c, n, key, "unknown promotion mode",
      near.empty() ? "use endorse, pilot, mandate or championship"
                   : "did you mean '" + near + "'?");
}

const toml::table& table(const Ctx& c, const toml::node& n, const std::string& key) {
  if (const auto* t = n.as_table()) {
    return *t;
  }
  bad(c, n, key, "must be a table", "write it as [" + key + "] or key = { ... }");
}

template <typename F>
void each_table(const Ctx& c, const toml::node& n, const std::string& key, F&& f) {
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    bad(c, n, key, "must be an array of tables", "write it as [[" + key + "]] sections");
  }
  std::size_t i = 0;
  for (const auto& e : *arr) {
    f(table(c, e, key), key + "[" + std::to_string(i) + "]");
    ++i;
  }
}

void check_keys(const Ctx& c, const toml::table& t, const std::string& prefix,
                const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    bool ok = false;
    for (const auto& a : allowed) {
      ok = ok || a == k.str();
    }
    if (!ok) {
      unknown(c, v, key, allowed);
    }
  }
}

void set_scalar(const Ctx& c, const Param& p, const toml::node& n) {
  const std::string key(p.key);
  Scenario& s = *c.s;
  switch (p.type) {
    case ParamType::real: *p.real(s) = real(c, n, key, p.lo, p.hi); break;
    case ParamType::integer:
      if (key == "run.seed") {
        s.seed = static_cast<std::uint64_t>(integer(c, n, key, p.lo, p.hi));
      } else {
        *p.integer(s) = static_cast<int>(integer(c, n, key, p.lo, p.hi));
      }
      break;
    case ParamType::boolean:
      if (auto b = n.value_exact<bool>()) {
        *p.boolean(s) = *b;
      } else {
        bad(c, n, key, "must be true or false", "write true or false without quotes");
      }
      break;
    case ParamType::text:
      // calendar.start may be a bare TOML date (start = 2020-01-23).
      *p.text(s) = key == "calendar.start" ? date(c, n, key) : text(c, n, key);
      break;
    case ParamType::choice: {
      const auto v = text(c, n, key);
      std::vector<std::string> opts;
      std::stringstream ss{std::string(p.choices)};
      for (std::string o; std::getline(ss, o, '|');) {
        opts.push_back(o);
      }
      if (std::find(opts.begin(), opts.end(), v) == opts.end()) {
        const auto near = closest(v, opts);
        bad(c, n, key, "not one of " + std::string(p.choices),
            near.empty() ? "use one of " + std::string(p.choices) : "did you mean '" + near + "'?");
      }
      p.set_choice(s, v);
      break;
    }
    case ParamType::table: break;
  }
}

// promotion.by_level.<level>: each weight through its keyed entry (range, and the 0 taken by
// the weights not given).
void by_level(const Ctx& c, const toml::table& t, const std::string& level,
              const std::string& key) {
  check_keys(c, t, key + ".", {"endorse", "pilot", "mandate", "championship"});
  Scenario& s = *c.s;
  for (const auto& [k, v] : t) {
    const std::string field(k.str());
    const KeyedParam& kp = *find_keyed_table("promotion.by_level", "." + field);
    *kp.entry(s, level) = real(c, v, key + "." + field, kp.lo, kp.hi);
  }
  if (t.empty()) {
    s.promotion.by_level[level] = ModeWeights{0, 0, 0, 0};
  }
}

// A keyed table of reals (adoption.alpha, .shift, .beta): range from its registry entry; the
// keys are checked against the hierarchy when the model is compiled.
void keyed(const Ctx& c, const toml::node& n, const std::string& key) {
  const KeyedParam& kp = *find_keyed_table(key);
  for (const auto& [k, v] : table(c, n, key)) {
    const std::string entry(k.str());
    *kp.entry(*c.s, entry) = real(c, v, key + "." + entry, kp.lo, kp.hi);
  }
}

// "a, b or c"
std::string one_of(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return out;
}

// One [[event]] table as the table of event kinds reads it (core/events.hpp).
class TomlEventFields final : public EventFields {
 public:
  TomlEventFields(const Ctx& c, const toml::table& t, std::string key, const EventKind& kind)
      : c_(c), t_(t), key_(std::move(key)), kind_(kind) {}
  bool has(std::string_view f) const override { return t_.contains(f); }
  std::string text(std::string_view f) const override {
    return pdlab::io::text(c_, get(f), name(f));
  }
  std::string date(std::string_view f) const override {
    return pdlab::io::date(c_, get(f), name(f));
  }
  std::vector<std::string> strings(std::string_view f) const override {
    return pdlab::io::strings(c_, get(f), name(f));
  }
  double real(std::string_view f, double lo, double hi) const override {
    return pdlab::io::real(c_, get(f), name(f), lo, hi);
  }
  bool boolean(std::string_view f) const override {
    if (auto b = get(f).value_exact<bool>()) {
      return *b;
    }
    bad(c_, get(f), name(f), "must be true or false", "write true or false");
  }
  Mode mode(std::string_view f) const override { return pdlab::io::mode(c_, get(f), name(f)); }
  std::vector<Quota> quotas(std::string_view f) const override {
    std::vector<Quota> out;
    const auto& q = get(f);
    each_table(c_, q, name(f), [&](const toml::table& qt, const std::string& qk) {
      check_keys(c_, qt, qk + ".", {"regions", "share", "by"});
      Quota quota;
      for (const char* x : {"share", "by"}) {
        if (!qt.contains(x)) {
          bad(c_, q, qk + "." + x, "missing", std::string("set ") + x + " for this quota");
        }
      }
      if (const auto* r = qt.get("regions")) {
        quota.regions = pdlab::io::strings(c_, *r, qk + ".regions");
        if (quota.regions.empty()) {
          bad(c_, q, qk + ".regions", "an empty list of regions",
              "omit regions for the issuer's whole jurisdiction, or list the regions");
        }
      }
      quota.share = pdlab::io::real(c_, *qt.get("share"), qk + ".share", 0, 1);
      quota.by = pdlab::io::date(c_, *qt.get("by"), qk + ".by");
      out.push_back(quota);
    });
    return out;
  }
  // Reported at the event's line, with the fields its kind requires.
  [[noreturn]] void missing(std::string_view f) const {
    fail(ErrorKind::config, {c_.file, line_of(t_), name(f), ""}, "missing",
         "set " + std::string(f) + " for this event (events of type " + std::string(kind_.name) +
             " need " + required() + ")");
  }
  [[noreturn]] void refuse(std::string_view f, const std::string& what,
                           const std::string& fix) const override {
    bad(c_, get(f), name(f), what, fix);
  }

 private:
  std::string name(std::string_view f) const { return key_ + "." + std::string(f); }
  const toml::node& get(std::string_view f) const {
    if (const auto* x = t_.get(f)) {
      return *x;
    }
    missing(f);
  }
  std::string required() const {
    std::string out = "type, date";
    for (auto r : kind_.required) {
      out += ", " + std::string(r);
    }
    return out;
  }
  const Ctx& c_;
  const toml::table& t_;
  std::string key_;
  const EventKind& kind_;
};

// An [[event]]: its type picks the kind (core/events.hpp), whose fields are the only ones
// allowed besides type, date and policy.
Event event(const Ctx& c, const toml::table& t, const std::string& k) {
  std::vector<std::string> any = {"type", "date", "policy"};
  std::vector<std::string> types;
  for (const auto& kind : event_kinds()) {
    types.emplace_back(kind.name);
    for (auto f : kind.accepts) {
      if (std::find(any.begin(), any.end(), f) == any.end()) {
        any.emplace_back(f);
      }
    }
  }
  check_keys(c, t, k + ".", any);
  const auto* type_node = t.get("type");
  if (type_node == nullptr) {
    fail(ErrorKind::config, {c.file, line_of(t), k + ".type", ""}, "missing",
         "set type for this event (one of " + one_of(types) + ")");
  }
  const auto type = text(c, *type_node, k + ".type");
  const EventKind* kind = find_event_kind(type);
  if (kind == nullptr) {
    const auto near = closest(type, types);
    bad(c, *type_node, k + ".type", "unknown event type",
        near.empty() ? "use " + one_of(types) : "did you mean '" + near + "'?");
  }
  for (const auto& [fk, fv] : t) {
    const std::string f(fk.str());
    const bool header = f == "type" || f == "date" || f == "policy";
    if (!header &&
        std::find(kind->accepts.begin(), kind->accepts.end(), f) == kind->accepts.end()) {
      bad(c, fv, k + "." + f, "not used by events of type " + type,
          "remove it; events of type " + type + " accept " + accepted_fields(*kind) +
              " (docs/model.md, scripted events)");
    }
  }
  TomlEventFields fields(c, t, k, *kind);
  if (!t.contains("date")) {
    fields.missing("date");
  }
  for (auto f : kind->required) {
    if (!t.contains(f)) {
      fields.missing(f);
    }
  }
  Event e;
  e.key = k;
  e.line = line_of(t);
  for (const auto& [fk, fv] : t) {
    e.field_lines.emplace_back(std::string(fk.str()), line_of(fv));
    if (const auto* arr = fv.as_array(); arr != nullptr) {
      for (std::size_t i = 0; i < arr->size(); ++i) {  // each table of [[event.quota]]
        if (const auto* sub = (*arr)[i].as_table(); sub != nullptr) {
          const std::string at = std::string(fk.str()) + "[" + std::to_string(i) + "]";
          e.field_lines.emplace_back(at, line_of(*sub));
          for (const auto& [sk, sv] : *sub) {
            e.field_lines.emplace_back(at + "." + std::string(sk.str()), line_of(sv));
          }
        }
      }
    }
  }
  e.date = fields.date("date");
  if (fields.has("policy")) {
    e.policy = fields.text("policy");
  }
  e.spec = kind->parse(fields);
  return e;
}

void parse_special(const Ctx& c, const std::string& key, const toml::node& n) {
  Scenario& s = *c.s;
  if (key == "hierarchy.edges") {
    each_table(c, n, key, [&](const toml::table& t, const std::string& k) {
      check_keys(c, t, k + ".", {"path", "symmetric"});
      EdgeSource e;
      if (!t.contains("path")) {
        bad(c, n, k + ".path", "missing", "give the edge list's path");
      }
      e.path = text(c, *t.get("path"), k + ".path");
      if (const auto* sym = t.get("symmetric")) {
        if (auto b = sym->value_exact<bool>()) {
          e.symmetric = *b;
        } else {
          bad(c, *sym, k + ".symmetric", "must be true or false", "write true or false");
        }
      }
      s.hierarchy.edges.push_back(e);
    });
  } else if (key == "feedback.levels") {
    s.governance.feedback.levels = strings(c, n, key);
    if (s.governance.feedback.levels.empty()) {
      bad(c, n, key, "an empty list: it would mean every level, as leaving it out does",
          "list the levels that feedback reaches, or remove the key for every level");
    }
  } else if (key == "hierarchy.text_columns") {
    s.hierarchy.text_columns = strings(c, n, key);
  } else if (key == "hierarchy.attributes") {
    s.hierarchy.attributes = strings(c, n, key);
  } else if (key == "policy") {
    each_table(c, n, key, [&](const toml::table& t, const std::string& k) {
      check_keys(c, t, k + ".",
                 {"id", "name", "alpha_shift", "trend", "profile", "requires", "boosted_by", "from",
                  "levels", "types"});
      Policy p;
      if (!t.contains("id")) {
        bad(c, n, k + ".id", "missing", "give each policy an id");
      }
      p.id = text(c, *t.get("id"), k + ".id");
      // (no dots or brackets either: keys name a policy's numbers by its id, policy.ID.trend)
      if (p.id.empty() || p.id.find_first_of(" \t\r\n,\".[]") != std::string::npos) {
        bad(c, *t.get("id"), k + ".id",
            "a policy id must be non-empty, without spaces, commas, quotes, dots or brackets "
            "(keys name a policy's numbers by its id: policy.ID.trend)",
            "give the policy a short id, e.g. id = \"councils\" (an id from an events file: "
            "rename it there too)");
      }
      p.name = t.contains("name") ? text(c, *t.get("name"), k + ".name") : p.id;
      if (const auto* a = t.get("alpha_shift")) {
        p.alpha_shift = real(c, *a, k + ".alpha_shift", -kShiftBound, kShiftBound);
      }
      if (const auto* tr = t.get("trend")) {
        p.trend = real(c, *tr, k + ".trend", -kShiftBound, kShiftBound);
      }
      if (const auto* pr = t.get("profile")) {
        for (const auto& [name_key, entry] : table(c, *pr, k + ".profile")) {
          const std::string name(name_key.str());
          const std::string pk = k + ".profile." + name;
          // (keys name a profile's weight: policy.ID.profile.NAME.weight)
          if (name.empty() || name.find_first_of(".[]") != std::string::npos) {
            bad(c, entry, pk,
                "a profile's name must be non-empty, without dots or brackets (keys name its "
                "weight: policy.ID.profile.NAME.weight)",
                "rename it, e.g. [policy.profile.gdp_growth]");
          }
          const auto& pt = table(c, entry, pk);
          // A weight alone from a --set names a profile the policy does not have.
          if (pt.size() == 1 && pt.contains("weight") &&
              where(c, *pt.get("weight"), pk + ".weight", "").file.rfind("--set ", 0) == 0) {
            std::string has;
            for (const auto& [other, e] : table(c, *pr, k + ".profile")) {
              const auto* ot = e.as_table();
              if (ot != nullptr && ot->contains("dates")) {
                has += (has.empty() ? "" : ", ") + std::string(other.str());
              }
            }
            bad(c, *pt.get("weight"), pk + ".weight",
                "policy '" + p.id + "' has no profile '" + name +
                    "' (its profiles: " + (has.empty() ? std::string("none") : has) + ")",
                "name a profile the policy has, or give a new one its dates and values");
          }
          check_keys(c, pt, pk + ".", {"weight", "dates", "values"});
          for (const char* field : {"weight", "dates", "values"}) {
            if (!pt.contains(field)) {
              bad(c, entry, pk + "." + field, "missing",
                  "give the profile its weight, dates and values (one value a date)");
            }
          }
          PolicyProfile prof;
          prof.weight = real(c, *pt.get("weight"), pk + ".weight", -kShiftBound, kShiftBound);
          const auto* dates = pt.get("dates")->as_array();
          const auto* values = pt.get("values")->as_array();
          if (dates == nullptr || dates->empty()) {
            bad(c, *pt.get("dates"), pk + ".dates", "must be a non-empty array of dates",
                "write e.g. dates = [\"2015\", \"2016\"]");
          }
          if (values == nullptr || values->size() != dates->size()) {
            bad(c, *pt.get("values"), pk + ".values",
                values == nullptr
                    ? "must be an array of numbers"
                    : fmt::format("{} values for {} dates", values->size(), dates->size()),
                "give one value a date, e.g. values = [0.0, 1.0]");
          }
          for (std::size_t i = 0; i < dates->size(); ++i) {
            const auto ik = "[" + std::to_string(i) + "]";
            prof.dates.push_back(date(c, *dates->get(i), pk + ".dates" + ik));
            prof.values.push_back(real(c, *values->get(i), pk + ".values" + ik, -1e6, 1e6));
          }
          p.profile[name] = std::move(prof);
        }
      }
      if (const auto* r = t.get("requires")) {
        p.prerequisites = strings(c, *r, k + ".requires");
      }
      if (const auto* f = t.get("from")) {
        p.from = date(c, *f, k + ".from");
      }
      if (const auto* l = t.get("levels")) {
        p.levels = strings(c, *l, k + ".levels");
        if (p.levels.empty()) {
          bad(c, *l, k + ".levels", "an empty list: the policy could be adopted nowhere",
              "list the levels where it can be adopted, or leave levels out for every level");
        }
      }
      if (const auto* ty = t.get("types")) {
        p.types = strings(c, *ty, k + ".types");
        if (p.types.empty()) {
          bad(c, *ty, k + ".types", "an empty list: the policy could be adopted by no unit",
              "list the unit types that can adopt it (hierarchy column `type`), or leave types "
              "out for every type");
        }
      }
      if (const auto* bb = t.get("boosted_by")) {
        const KeyedParam& kp = *find_keyed_table("policy[].boosted_by");
        for (const auto& [bk, bv] : table(c, *bb, k + ".boosted_by")) {
          p.boosted_by[std::string(bk.str())] =
              real(c, bv, k + ".boosted_by." + std::string(bk.str()), kp.lo, kp.hi);
        }
      }
      for (const auto& q : s.policies) {
        if (q.id == p.id) {
          bad(c, *t.get("id"), k + ".id", "duplicate policy id", "give each policy its own id");
        }
      }
      s.policies.push_back(p);
    });
    if (s.policies.size() > 255) {
      bad(c, n, key, "more than 255 policies", "split the study");
    }
  } else if (key == "adoption.alpha" || key == "adoption.shift" || key == "adoption.beta" ||
             key == "promotion.score") {
    keyed(c, n, key);
  } else if (key == "uncertainty.keys") {
    s.uncertainty.keys = strings(c, n, key);
  } else if (key == "uncertainty.held") {
    s.uncertainty.held = strings(c, n, key);
  } else if (key == "uncertainty.estimate") {
    s.uncertainty.estimate.clear();
    const auto* arr = n.as_array();
    if (arr == nullptr) {
      bad(c, n, key, "must be an array of numbers", "write e.g. [-4.2, 0.8]");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      s.uncertainty.estimate.push_back(
          real(c, *arr->get(i), key + "[" + std::to_string(i) + "]", -1e9, 1e9));
    }
  } else if (key == "uncertainty.covariance") {
    s.uncertainty.covariance.clear();
    const auto* arr = n.as_array();
    if (arr == nullptr) {
      bad(c, n, key, "must be an array of rows (arrays of numbers)",
          "write e.g. [[0.01, 0.002], [0.002, 0.04]]");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* row = arr->get(i)->as_array();
      const std::string rk = key + "[" + std::to_string(i) + "]";
      if (row == nullptr) {
        bad(c, *arr->get(i), rk, "must be an array of numbers", "write each row as [a, b, ...]");
      }
      std::vector<double> r;
      for (std::size_t j = 0; j < row->size(); ++j) {
        r.push_back(real(c, *row->get(j), rk + "[" + std::to_string(j) + "]", -1e12, 1e12));
      }
      s.uncertainty.covariance.push_back(std::move(r));
    }
  } else if (key == "calibrate.free") {
    const std::size_t first = s.calibrate.free.size();
    each_table(c, n, key, [&](const toml::table& t, const std::string& k) {
      check_keys(c, t, k + ".", {"name", "keys", "lo", "hi", "start"});
      FreeParameter f;
      for (const char* field : {"name", "keys", "lo", "hi"}) {
        if (!t.contains(field)) {
          bad(c, n, k + "." + field, "missing", std::string("set ") + field);
        }
      }
      f.name = text(c, *t.get("name"), k + ".name");
      if (f.name.find_first_not_of(" \t") == std::string::npos) {
        bad(c, *t.get("name"), k + ".name", "the name is empty (it heads the reports' columns)",
            "name the parameter, e.g. name = \"alpha_township\"");
      }
      f.keys = strings(c, *t.get("keys"), k + ".keys");
      if (f.keys.empty()) {
        fail(ErrorKind::config, {c.file, line_of(*t.get("keys")), k + ".keys", "[]"},
             "free parameter '" + f.name + "' sets no scenario key",
             "list the keys it sets, e.g. keys = [\"adoption.alpha.township\"], or remove "
             "the [[calibrate.free]] table");
      }
      // Each name is a column of the reports and each key is set by one parameter only: a
      // second would silently overwrite the first.
      for (std::size_t i = first; i < s.calibrate.free.size(); ++i) {
        const auto& other = s.calibrate.free[i];
        const std::string other_key = fmt::format("calibrate.free[{}]", i - first);
        if (other.name == f.name) {
          bad(c, *t.get("name"), k + ".name", "the name is already used by " + other_key,
              "give each [[calibrate.free]] table its own name");
        }
      }
      for (std::size_t j = 0; j < f.keys.size(); ++j) {
        std::string owner;
        for (std::size_t i = first; i < s.calibrate.free.size() && owner.empty(); ++i) {
          const auto& ks = s.calibrate.free[i].keys;
          if (std::find(ks.begin(), ks.end(), f.keys[j]) != ks.end()) {
            owner = fmt::format("calibrate.free[{}] ('{}')", i - first, s.calibrate.free[i].name);
          }
        }
        if (owner.empty() &&
            std::find(f.keys.begin(), f.keys.begin() + static_cast<std::ptrdiff_t>(j), f.keys[j]) !=
                f.keys.begin() + static_cast<std::ptrdiff_t>(j)) {
          owner = "this table";
        }
        if (!owner.empty()) {
          fail(ErrorKind::config, {c.file, line_of(*t.get("keys")), k + ".keys", f.keys[j]},
               "the scenario key is already set by " + owner +
                   ": one value would silently overwrite the other",
               "list each key under one [[calibrate.free]] table only (one free parameter may "
               "set several keys)");
        }
      }
      f.lo = real(c, *t.get("lo"), k + ".lo", -1e9, 1e9);
      f.hi = real(c, *t.get("hi"), k + ".hi", -1e9, 1e9);
      if (!(f.lo < f.hi)) {
        bad(c, *t.get("hi"), k + ".hi", "must be above lo", "set lo < hi");
      }
      f.start = t.contains("start") ? real(c, *t.get("start"), k + ".start", f.lo, f.hi)
                                    : 0.5 * (f.lo + f.hi);
      for (const auto& key2 : f.keys) {
        const Param* p = find_parameter(key2);
        const KeyedParam* kp = find_keyed_parameter(key2);
        const bool table_key = kp != nullptr && kp->entry != nullptr;
        // (a policy's number, policy.ID.trend: whether the policy exists is the model's check)
        if (!table_key && !parse_policy_key(key2) && (p == nullptr || p->type != ParamType::real)) {
          bad(c, *t.get("keys"), k + ".keys", "'" + key2 + "' is not a numeric scenario key",
              "use keys such as adoption.shift.3201 or vertical.mandate");
        }
      }
      s.calibrate.free.push_back(f);
    });
  } else if (key == "sensitivity.factor") {
    // Keys and ranges are checked by the sensitivity workflow, with those of --factor.
    each_table(c, n, key, [&](const toml::table& t, const std::string& k) {
      check_keys(c, t, k + ".", {"key", "lo", "hi"});
      if (!t.contains("key")) {
        bad(c, n, k + ".key", "missing", "set key, e.g. key = \"vertical.mandate\"");
      }
      SensitivityFactor f;
      f.key = text(c, *t.get("key"), k + ".key");
      // An unknown key is reported here, with its line, so that `validate` finds it; whether a
      // known key can be a factor (real-valued, its range) is the sensitivity workflow's check.
      if (find_parameter(f.key) == nullptr && find_keyed_parameter(f.key) == nullptr &&
          !parse_policy_key(f.key)) {
        std::vector<std::string> keys;
        for (const auto& p : parameters()) {
          if (p.type == ParamType::real) {
            keys.emplace_back(p.key);
          }
        }
        const auto near = closest(f.key, keys);
        bad(c, *t.get("key"), k + ".key", "not a scenario key",
            near.empty() ? "use a real-valued key of docs/parameters.md, e.g. vertical.mandate"
                         : "did you mean '" + near + "'?");
      }
      const double inf = std::numeric_limits<double>::infinity();
      if (const auto* lo = t.get("lo")) {
        f.lo = real(c, *lo, k + ".lo", -inf, inf);
      }
      if (const auto* hi = t.get("hi")) {
        f.hi = real(c, *hi, k + ".hi", -inf, inf);
      }
      s.sensitivity.factors.push_back(f);
    });
  } else if (key == "promotion.by_level") {
    for (const auto& [k, v] : table(c, n, key)) {
      const std::string kk = key + "." + std::string(k.str());
      by_level(c, table(c, v, kk), std::string(k.str()), kk);
    }
  } else if (key == "output.quantiles") {
    const auto* arr = n.as_array();
    if (arr == nullptr || arr->empty()) {
      bad(c, n, key, "must be a non-empty array of probabilities", "write e.g. [0.05, 0.5, 0.95]");
    }
    s.output.quantiles.clear();
    std::vector<std::string> columns;
    for (const auto& e : *arr) {
      const double p = real(c, e, key, 0, 1);
      // Each quantile becomes a column (0.05 -> q05); the name must be plain and distinct.
      const auto col = quantile_column(p);
      if (col.find_first_not_of("q0123456789_") != std::string::npos) {
        bad(c, e, key, fmt::format("quantile {} has no column name (too many digits)", p),
            "use probabilities with at most 4 decimals, e.g. 0.025 or 0.0005");
      }
      if (std::find(columns.begin(), columns.end(), col) != columns.end()) {
        bad(c, e, key, fmt::format("quantile {} is given twice (column {})", p, col),
            "list each probability once");
      }
      columns.push_back(col);
      s.output.quantiles.push_back(p);
    }
  } else if (key == "event") {
    each_table(c, n, key, [&](const toml::table& t, const std::string& k) {
      s.events.push_back(event(c, t, k));
    });
  }
}

// The line of every key of the file (not of one --set gave), as Scenario::key_lines.
void record_lines(const toml::node& n, const std::string& key, const std::string& file,
                  FieldLines& out) {
  const auto& path = n.source().path;
  if (!key.empty() && path != nullptr && *path == file && n.source().begin.line > 0) {
    out.emplace_back(key, static_cast<std::int64_t>(n.source().begin.line));
  }
  if (const auto* t = n.as_table()) {
    for (const auto& [k, v] : *t) {
      record_lines(v, key.empty() ? std::string(k.str()) : key + "." + std::string(k.str()), file,
                   out);
    }
  } else if (const auto* a = n.as_array(); a != nullptr && a->is_array_of_tables()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      record_lines(*a->get(i), key + "[" + std::to_string(i) + "]", file, out);
    }
  }
}

void walk(const Ctx& c, const toml::table& t, const std::string& prefix) {
  std::vector<std::string> allowed;
  std::set<std::string> seen;
  for (const auto& p : parameters()) {
    if (p.key.substr(0, prefix.size()) == prefix) {
      auto rest = std::string(p.key.substr(prefix.size()));
      const auto dot = rest.find('.');
      rest = rest.substr(0, dot);
      if (seen.insert(rest).second) {
        allowed.push_back(prefix + rest);
      }
    }
  }
  for (const auto& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    const Param* p = find_parameter(key);
    if (p != nullptr && p->type == ParamType::table) {
      parse_special(c, key, v);
    } else if (p != nullptr) {
      set_scalar(c, *p, v);
    } else if (seen.count(std::string(k.str())) != 0) {
      walk(c, table(c, v, key), key + ".");
    } else {
      unknown(c, v, key, allowed);
    }
  }
}

namespace {

// TOML allows non-ASCII text only inside strings and comments. toml++ 3.3.0 reaches
// undefined behaviour (an unreachable point) on some non-ASCII characters elsewhere, e.g.
// a section sign or an ideographic comma after a bare key
// (fuzz/findings/tomlpp-unicode-unreachable.toml), so such text is refused here, before
// toml++ sees it. Returns the line of the first such character, or 0.
//
// It also counts the parts of dotted keys on each line (a dot outside strings followed by a
// key's first character, not a digit: a float's point is not counted): toml++ builds a table
// per part, recursively, and overflowed the stack on a key of 40,000 parts (a segfault), while
// it caps nested values at 256. A line with more than kMaxKeyParts is refused the same way;
// `deep_key` says which of the two was found.
constexpr int kMaxKeyParts = 256;
std::int64_t non_ascii_outside_strings(std::string_view text, bool* deep_key = nullptr) {
  std::int64_t line = 1;
  int dots = 0;  // dotted-key parts on this line
  std::size_t i = 0;
  const auto starts = [&](std::string_view q) { return text.substr(i, q.size()) == q; };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      ++i;
    } else if (c == '.' && i + 1 < text.size() &&
               (std::isalpha(static_cast<unsigned char>(text[i + 1])) != 0 || text[i + 1] == '_' ||
                text[i + 1] == '-' || text[i + 1] == '"' || text[i + 1] == '\'' ||
                text[i + 1] == ' ')) {
      if (++dots > kMaxKeyParts) {
        if (deep_key != nullptr) {
          *deep_key = true;
        }
        return line;
      }
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') {
        ++i;
      }
    } else if (starts(R"(""")") || starts("'''")) {
      const std::string_view q = text.substr(i, 3);
      i += 3;
      while (i < text.size() && !starts(q)) {
        if (q[0] == '"' && text[i] == '\\') {
          ++i;
        }
        if (i < text.size() && text[i] == '\n') {
          ++line;
        }
        ++i;
      }
      i += 3;
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < text.size() && text[i] != c && text[i] != '\n') {
        if (c == '"' && text[i] == '\\') {
          ++i;
        }
        ++i;
      }
      ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return line;
    } else {
      ++i;
    }
  }
  return 0;
}

}  // namespace

// Every key of `from` into `into`, tables into tables, recursively; other values replace.
void merge_tables(toml::table& into, const toml::table& from) {
  for (const auto& [k, v] : from) {
    auto* existing = into.get(k);
    if (existing != nullptr && existing->is_table() && v.is_table()) {
      merge_tables(*existing->as_table(), *v.as_table());
    } else {
      into.insert_or_assign(k, v);
    }
  }
}

toml::table parse_override_value(const std::string& value) {
  try {
    if (non_ascii_outside_strings("v = " + value) > 0) {
      throw toml::parse_error("non-ASCII bare word", toml::source_region{});
    }
    return toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    return toml::table{{"v", value}};  // a bare word is a string
  }
}

// The element of an array of tables that a key segment names: its index ("0"), or the `id` of
// one of its tables ("policy.councils.trend" as [uncertainty] names a policy's numbers); nullptr
// where none.
std::optional<std::size_t> element_index(const toml::array& arr, const std::string& part) {
  for (std::size_t i = 0; i < arr.size(); ++i) {  // an id first: a policy may be named "2020"
    const auto* t = arr.get(i)->as_table();
    const auto* id = t != nullptr ? t->get("id") : nullptr;
    if (id != nullptr && id->is_string() && id->as_string()->get() == part) {
      return i;
    }
  }
  if (!part.empty() && part.size() < 9 &&
      part.find_first_not_of("0123456789") == std::string::npos && std::stoul(part) < arr.size()) {
    return std::stoul(part);
  }
  return std::nullopt;
}

toml::node* array_element(toml::array& arr, const std::string& part) {
  const auto i = element_index(arr, part);
  return i ? arr.get(*i) : nullptr;
}

// The node at a dotted key, arrays of tables entered by index or id (array_element).
const toml::node* node_at(const toml::table& root, const std::string& key) {
  const toml::node* cur = &root;
  std::stringstream ss(key);
  for (std::string part; cur != nullptr && std::getline(ss, part, '.');) {
    if (const auto* tb = cur->as_table()) {
      cur = tb->get(part);
    } else if (const auto* arr = cur->as_array()) {
      cur = array_element(const_cast<toml::array&>(*arr), part);  // (only read)
    } else {
      cur = nullptr;
    }
  }
  return cur;
}

void apply_override(toml::table& root, const std::string& assignment) {
  if (assignment.find_first_of("\r\n") != std::string::npos) {
    fail(ErrorKind::usage, {"--set " + assignment, 0, "", ""}, "a --set spans several lines",
         "give one key=value per --set, on one line");
  }
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail(ErrorKind::usage, {"--set " + assignment, 0, "", ""}, "not of the form key=value",
         "write e.g. --set vertical.attenuation=0.3");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  const toml::table holder = parse_override_value(value);
  // Walk the dotted key, creating tables; numeric segments index arrays.
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) {
    parts.push_back(part);
  }
  toml::node* cur = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (auto* tb = cur->as_table()) {
      if (!tb->contains(parts[i])) {
        tb->insert(parts[i], toml::table{});
      }
      cur = tb->get(parts[i]);
    } else if (auto* arr = cur->as_array()) {
      toml::node* element = array_element(*arr, parts[i]);
      if (element == nullptr) {
        fail(ErrorKind::config, {"--set " + assignment, 0, "", ""},
             "'" + parts[i] + "' is neither an index of the array (size " +
                 std::to_string(arr->size()) + ") nor the id of one of its tables",
             "index arrays of tables from 0, e.g. event.0.deadline=2016-12, or name a "
             "[[policy]] by its id, e.g. policy.councils.trend=0.1");
      }
      cur = element;
    } else {
      fail(ErrorKind::config, {"--set " + assignment, 0, "", ""},
           "'" + parts[i - 1] + "' is a value, not a table", "check the key path");
    }
  }
  auto* tb = cur->as_table();
  if (tb == nullptr) {
    fail(ErrorKind::config, {"--set " + assignment, 0, "", ""}, "the key's parent is not a table",
         "check the key path");
  }
  // A table given for a table merges into it (`--set 'adoption={gamma_vertical=3}'` changes
  // that key only): replacing it would drop every key of the file's table that the value
  // does not repeat, silently (alpha = -inf for a level that must not adopt, for one).
  auto* into = tb->get(parts.back());
  const auto* given = holder.get("v");
  if (into != nullptr && into->is_table() && given->is_table()) {
    merge_tables(*into->as_table(), *given->as_table());
    return;
  }
  tb->insert_or_assign(parts.back(), *given);
}

}  // namespace

bool override_value_holds(const std::string& value, const std::string& rest) {
  const toml::table holder = parse_override_value(value);
  const toml::node* n = holder.get("v");
  std::stringstream parts(rest);
  for (std::string part; n != nullptr && std::getline(parts, part, '.');) {
    if (const auto* t = n->as_table()) {
      n = t->get(part);
    } else if (const auto* arr = n->as_array()) {
      const bool index = !part.empty() && part.size() < 9 &&
                         std::all_of(part.begin(), part.end(),
                                     [](unsigned char c) { return std::isdigit(c) != 0; });
      n = index ? arr->get(std::stoul(part)) : nullptr;
    } else {
      n = nullptr;
    }
  }
  return n != nullptr;
}

LoadedScenario parse_scenario(const std::string& text_with_bom, const std::string& name,
                              const std::vector<std::string>& overrides) {
  // A UTF-8 byte-order mark (some Windows editors write one) is dropped, as the CSV reader
  // drops it; it changes no line number.
  const std::string_view bom = "\xEF\xBB\xBF";
  const std::string text_in =
      text_with_bom.rfind(bom, 0) == 0 ? text_with_bom.substr(bom.size()) : text_with_bom;
  bool deep_key = false;
  if (const auto line = non_ascii_outside_strings(text_in, &deep_key); line > 0) {
    if (deep_key) {
      fail(ErrorKind::config, {name, line, "", ""},
           "a dotted key of more than " + std::to_string(kMaxKeyParts) + " parts",
           "nest keys at most " + std::to_string(kMaxKeyParts) + " levels deep");
    }
    fail(ErrorKind::config, {name, line, "", ""},
         "TOML syntax error: a non-ASCII character outside a string or comment",
         "put text in double quotes (non-ASCII keys too) or after a #");
  }
  toml::table root;
  try {
    root = toml::parse(text_in, name);
  } catch (const toml::parse_error& e) {
    fail(ErrorKind::config, {name, static_cast<std::int64_t>(e.source().begin.line), "", ""},
         std::string("TOML syntax error: ") + std::string(e.description()),
         "correct the TOML syntax at this line");
  }
  // The file's own values, to tell below which keys the overrides changed (a key, or a table
  // holding it: --set 'adoption={gamma_vertical=2}').
  const toml::table as_written = overrides.empty() ? toml::table{} : root;
  for (const auto& o : overrides) {
    apply_override(root, o);
  }
  LoadedScenario out;
  Scenario& s = out.scenario;
  s.file = name;
  Ctx c{name, &s};
  c.written = &as_written;
  for (const auto& o : overrides) {
    // "event.0.deadline" as errors name it: "event[0].deadline"; "policy.councils.trend" (a
    // table of an array named by its id) as "policy[1].trend".
    std::string key;
    std::stringstream parts(o.substr(0, o.find('=')));
    toml::node* at = &root;
    for (std::string part; std::getline(parts, part, '.');) {
      auto* arr = at != nullptr ? at->as_array() : nullptr;
      if (const auto i = arr != nullptr ? element_index(*arr, part) : std::nullopt) {
        key += "[" + std::to_string(*i) + "]";
        at = arr->get(*i);
        continue;
      }
      const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
      key += index ? "[" + part + "]" : (key.empty() ? "" : ".") + part;
      auto* tb = at != nullptr ? at->as_table() : nullptr;
      at = tb != nullptr ? tb->get(part) : nullptr;
    }
    c.sets.emplace_back(key, o);
  }
  if (!root.contains("schema_version")) {
    fail(ErrorKind::config, {name, 1, "schema_version", ""}, "missing",
         "start the file with schema_version = 1");
  }
  walk(c, root, "");
  record_lines(root, "", name, s.key_lines);
  auto& cal = s.calendar;
  if (!valid_periods_per_year(cal.periods_per_year)) {
    fail(ErrorKind::config,
         {name, s.line_of("calendar.periods_per_year"), "calendar.periods_per_year",
          std::to_string(cal.periods_per_year)},
         "not a calendar", "use 1, 2, 3, 4, 6, 12 (months), 52 (ISO weeks) or 365 (days)");
  }
  if (cal.stated_periods_per_year != 0 && !valid_periods_per_year(cal.stated_periods_per_year)) {
    fail(ErrorKind::config,
         {name, 0, "calendar.stated_periods_per_year", std::to_string(cal.stated_periods_per_year)},
         "not a calendar",
         "use 1, 2, 3, 4, 6, 12 (months), 52 (ISO weeks) or 365 (days), the calendar the "
         "per-period parameters were stated on, or 0 for periods_per_year");
  }
  if (!cal.start.empty()) {
    const auto* t = root["calendar"].as_table();
    for (const char* k : {"start_year", "start_month"}) {
      if (t != nullptr && t->contains(k)) {
        fail(ErrorKind::config, {name, 0, std::string("calendar.") + k, ""},
             "given together with calendar.start",
             "keep calendar.start only (with --set, change calendar.start_year and "
             "calendar.start_month instead: --set cannot remove a key)");
      }
    }
    const auto* node = root.at_path("calendar.start").node();
    set_calendar_start(cal, cal.start, "calendar.start", name,
                       node != nullptr ? static_cast<std::int64_t>(node->source().begin.line) : 0);
  }
  if (s.hierarchy.source == "csv" && s.hierarchy.path.empty()) {
    fail(ErrorKind::config, {name, s.line_of("hierarchy"), "hierarchy.path", ""},
         "source is \"csv\" but no path is given", "set hierarchy.path to the units CSV");
  }
  if (s.policies.empty()) {
    Policy only;
    only.id = "policy";
    only.name = "policy";
    s.policies.push_back(only);
  }
  for (auto& e : s.events) {
    if (e.policy.empty()) {
      if (s.policies.size() > 1) {
        fail(ErrorKind::config, {name, e.line, e.key + ".policy", ""},
             "several policies are defined, so the event must name one", "set policy = \"ID\"");
      }
      e.policy = s.policies[0].id;
    }
  }
  // A value set on the command line (or by a compare variant) for a key that each replicate
  // draws is held at that value, not drawn (docs/model.md 7.11): every drawn key whose value
  // the overrides changed, however they reached it. The resolved scenario lists it in
  // uncertainty.held, so a resumed study holds it too.
  if (!overrides.empty() && s.uncertainty.draw) {
    for (const auto& key : s.uncertainty.keys) {
      const auto* before = node_at(as_written, key);
      const auto* after = node_at(root, key);
      auto& held = s.uncertainty.held;
      if (after != nullptr && (before == nullptr || text_of(before) != text_of(after)) &&
          std::find(held.begin(), held.end(), key) == held.end()) {
        held.push_back(key);
      }
    }
    if (!s.uncertainty.held.empty()) {
      toml::array list;
      for (const auto& key : s.uncertainty.held) {
        list.push_back(key);
      }
      auto* u = root["uncertainty"].as_table();
      if (u != nullptr) {
        u->insert_or_assign("held", std::move(list));
      }
    }
  }
  std::ostringstream o;
  o << root;
  out.resolved_toml = o.str();
  return out;
}

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "this is a folder, not a scenario file",
         "give the scenario's .toml file (e.g. " +
             (std::filesystem::path(path) / "scenario.toml").string() + ")");
  }
  if (std::error_code ec;
      std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    fail(ErrorKind::no_input, {path, 0, "", ""}, "this is not a regular file (a device or a pipe)",
         "give the scenario's .toml file");
  }
  // Opened only now: opening a pipe for reading would wait for a writer.
  std::ifstream in(path, std::ios::binary);
  if (!in || !std::filesystem::is_regular_file(path)) {
    const int err = errno;
    if (std::error_code ec; std::filesystem::is_regular_file(path, ec)) {
      // It is there but cannot be read (permissions): not "not found".
      fail(ErrorKind::no_input, {path, 0, "", ""},
           std::string("cannot read the scenario file: ") + std::strerror(err),
           "check its permissions (the user running pdlab must be able to read it)");
    }
    fail(ErrorKind::no_input, {path, 0, "", ""}, "scenario file not found",
         "check the path; `pdlab validate FILE` checks a scenario");
  }
  note_input(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path, overrides);
}

}  // namespace pdlab::io
