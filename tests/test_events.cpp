// The table of event kinds (core/events.hpp) and the keyed registry entries (params.hpp):
// what the reader refuses, and that typed overrides of keyed entries reach the model.
#include "helpers.hpp"
#include "pdlab/core/events.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <cmath>
#include <limits>

using namespace pdlab;
using pdlab::test::expect_error;

namespace {

const std::string kBase = R"(schema_version = 1
[calendar]
start_year = 2010
periods = 60
[promotion]
pilot_rule = "random"
[[policy]]
id = "p"
[[policy]]
id = "q"
)";

Scenario parse(const std::string& extra, const std::vector<std::string>& sets = {}) {
  return io::parse_scenario(kBase + extra, "e.toml", sets).scenario;
}

std::string config_error(const std::string& extra, const std::vector<std::string>& sets = {}) {
  return expect_error([&] { parse(extra, sets); }, ErrorKind::config).what();
}

std::string model_error(const Scenario& s) {
  const auto h = test::star(4);
  const Network net;
  return expect_error([&] { Model m(s, h, net); }, ErrorKind::config).what();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One event of every kind, valid on test::star (levels top, leaf; units R, c0..c3).
const std::string kEveryKind = R"(
[[event]]
type = "adopt"
date = "2010-02"
policy = "p"
units = ["R"]
[[event]]
type = "mandate"
date = "2010-03"
policy = "p"
issuer = "R"
target_level = "leaf"
deadline = "2012-01"
[[event]]
type = "promote"
date = "2010-04"
policy = "p"
units = ["R"]
mode = "pilot"
[[event]]
type = "set"
date = "2010-05"
policy = "p"
key = "adoption.alpha.leaf"
value = -3.0
[[event]]
type = "reverse"
date = "2010-06"
policy = "p"
units = ["c0"]
[[event]]
type = "abolish"
date = "2010-07"
policy = "q"
level = "leaf"
[[event]]
type = "merge"
date = "2010-08"
policy = "q"
units = ["c1"]
into = "c2"
[[event]]
type = "split"
date = "2010-09"
policy = "q"
unit = "c3"
into = ["c0", "c2"]
[[event]]
type = "reestablish"
date = "2010-10"
policy = "q"
level = "leaf"
)";

}  // namespace

// The table's order is the variants' order: each kind reads into its own alternative, and
// compiles into the alternative of the same index.
TEST(EventKinds, TableMatchesTheVariants) {
  const auto s = parse(kEveryKind);
  ASSERT_EQ(s.events.size(), event_kinds().size());
  ASSERT_EQ(event_kinds().size(), std::variant_size_v<EventSpec>);
  const auto h = test::star(4);
  const Network net;
  const Model m(s, h, net);
  ASSERT_EQ(m.events().size(), s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    EXPECT_EQ(s.events[i].spec.index(), i);
    EXPECT_EQ(kind_of(s.events[i]).name, event_kinds()[i].name);
    EXPECT_EQ(m.events()[i].action.index(), i) << event_kinds()[i].name;
    EXPECT_EQ(find_event_kind(event_kinds()[i].name), &event_kinds()[i]);
  }
  const auto& mandate = std::get<MandateEvent>(m.events()[1].action);
  EXPECT_EQ(mandate.issuer, h.find("R"));
  EXPECT_EQ(mandate.deadline, 24);
  EXPECT_EQ(deadline_of(m.events()[1].action), 24);
  EXPECT_EQ(deadline_of(m.events()[0].action), kNever);  // adopt without mode mandate
  EXPECT_EQ(std::get<MergeEvent>(m.events()[6].action).into, h.find("c2"));
  EXPECT_EQ(std::get<AbolishEvent>(m.events()[5].action).units.size(), 4U);
}

// A field another kind uses is refused with the file, line, field and this kind's fields.
TEST(EventKinds, FieldOfAnotherKindIsRefused) {
  const auto m = config_error(
      "[[event]]\ntype = \"reverse\"\ndate = \"2011\"\nunits = [\"c0\"]\ninto = \"R\"\n");
  EXPECT_TRUE(has(m, "e.toml:15: field 'event[0].into'")) << m;
  EXPECT_TRUE(has(m, "not used by events of type reverse")) << m;
  EXPECT_TRUE(has(m, "accept type, date, policy, units, descendants")) << m;
  // A field no kind has is an unknown key with a suggestion.
  const auto u =
      config_error("[[event]]\ntype = \"adopt\"\ndate = \"2011\"\nunits = [\"c0\"]\nmodes = 1\n");
  EXPECT_TRUE(has(u, "unknown key")) << u;
  EXPECT_TRUE(has(u, "did you mean 'mode'")) << u;
}

// Required fields come from the table and are reported at the event's line.
TEST(EventKinds, MissingRequiredFieldNamesTheKindsFields) {
  const auto m = config_error("[[event]]\ntype = \"promote\"\ndate = \"2011\"\nunits = [\"R\"]\n");
  EXPECT_TRUE(has(m, "e.toml:11: field 'event[0].mode'")) << m;
  EXPECT_TRUE(has(m, "missing")) << m;
  EXPECT_TRUE(has(m, "events of type promote need type, date, units, mode")) << m;
  const auto t = config_error("[[event]]\ndate = \"2011\"\n");
  EXPECT_TRUE(has(t, "field 'event[0].type'")) << t;
  EXPECT_TRUE(has(t, "adopt, mandate, promote, set, reverse, abolish, merge, split or reestablish"))
      << t;
}

// Keyed entries: a key outside its domain is refused naming the valid keys, whichever way it
// came in (TOML, --set, a typed override, a set event).
TEST(KeyedParams, UnknownKeyIsRefusedNamingTheValidOnes) {
  auto m = model_error(parse("[adoption]\nalpha = { contry = -3 }\n"));
  EXPECT_TRUE(has(m, "field 'adoption.alpha.contry'")) << m;
  EXPECT_TRUE(has(m, "levels: top, leaf")) << m;
  m = model_error(parse("", {"promotion.by_level.lef.pilot=0.5"}));
  EXPECT_TRUE(has(m, "field 'promotion.by_level.lef'")) << m;
  EXPECT_TRUE(has(m, "did you mean 'leaf'")) << m;
  m = model_error(parse("", {"adoption.beta.y=0.5"}));
  EXPECT_TRUE(has(m, "field 'adoption.beta.y'")) << m;
  EXPECT_TRUE(has(m, "columns: x")) << m;
  auto s = parse("");
  set_numeric_parameter(s, "adoption.alpha.county", -2);
  m = model_error(s);
  EXPECT_TRUE(has(m, "field 'adoption.alpha.county'")) << m;
  EXPECT_TRUE(has(m, "levels: top, leaf")) << m;
  m = model_error(parse(
      "[[event]]\ntype = \"set\"\ndate = \"2015\"\npolicy = \"p\"\nkey = \"adoption.alpha.lef\"\n"
      "value = 1\n"));
  EXPECT_TRUE(has(m, "field 'event[0].key'")) << m;
  EXPECT_TRUE(has(m, "did you mean 'leaf'")) << m;
  // Policies: boosted_by and an event's policy list the ids.
  m = model_error(parse("[[policy]]\nid = \"r\"\nboosted_by = { pp = 0.5 }\n"));
  EXPECT_TRUE(has(m, "field 'policy[2].boosted_by' = 'pp'")) << m;
  EXPECT_TRUE(has(m, "policies: p, q, r")) << m;
  m =
      model_error(parse("[[event]]\ntype = \"adopt\"\ndate = \"2011\"\npolicy = \"z\"\n"
                        "units = [\"R\"]\n"));
  EXPECT_TRUE(has(m, "policies: p, q")) << m;
}

// Ranges come from the keyed entry, for TOML, --set, typed overrides, set events and
// calibrate keys alike.
TEST(KeyedParams, OutOfRangeIsRefused) {
  EXPECT_TRUE(has(config_error("[adoption]\nalpha = { leaf = 25 }\n"), "out of range [-inf, 20]"));
  EXPECT_TRUE(has(config_error("", {"adoption.shift.c0=60"}), "out of range [-50, 50]"));
  EXPECT_TRUE(has(config_error("", {"promotion.by_level.leaf.pilot=2"}), "out of range [0, 1]"));
  EXPECT_TRUE(has(config_error("[[policy]]\nid = \"r\"\nboosted_by = { p = 51 }\n"),
                  "out of range [-50, 50]"));
  EXPECT_TRUE(has(config_error("[[event]]\ntype = \"set\"\ndate = \"2015\"\npolicy = \"p\"\n"
                               "key = \"adoption.beta.x\"\nvalue = 2e6\n"),
                  "out of range [-1e+06, 1e+06]"));
  auto s = parse("");
  const auto e =
      expect_error([&] { set_numeric_parameter(s, "adoption.beta.x", -2e6); }, ErrorKind::config);
  EXPECT_TRUE(has(e.what(), "field 'adoption.beta.x'")) << e.what();
  EXPECT_TRUE(has(e.what(), "out of range")) << e.what();
  EXPECT_TRUE(s.adoption.beta.empty());  // refused before anything was set
  // A keyed entry no typed override reaches (inside [[policy]]) is not numeric.
  expect_error([&] { set_numeric_parameter(s, "policy[].boosted_by.p", 1); }, ErrorKind::config);
  // A set event may not change a keyed entry the table marks as not settable.
  EXPECT_TRUE(has(config_error("[[event]]\ntype = \"set\"\ndate = \"2015\"\npolicy = \"p\"\n"
                               "key = \"adoption.shift.c0\"\nvalue = 1\n"),
                  "cannot be changed by an event"));
}

// A typed override of a keyed entry changes the compiled model; with the override path cut
// (set_numeric_parameter not reaching keyed entries) this fails.
TEST(KeyedParams, TypedOverrideChangesTheModel) {
  const auto h = test::star(4);
  const Network net;
  auto s = parse("[adoption]\nalpha_default = -7\n");
  const Model before(s, h, net);
  EXPECT_FLOAT_EQ(before.base(h.find("c0")), -7.0F);
  set_numeric_parameter(s, "adoption.alpha.leaf", -2.5);
  set_numeric_parameter(s, "adoption.beta.x", 0.5);  // x = 1 for every unit
  set_numeric_parameter(s, "adoption.shift.c1", 1.0);
  set_numeric_parameter(s, "promotion.by_level.top.mandate", 1.0);
  const Model after(s, h, net);
  EXPECT_FLOAT_EQ(after.base(h.find("c0")), -2.0F);
  EXPECT_FLOAT_EQ(after.base(h.find("c1")), -1.0F);
  EXPECT_FLOAT_EQ(after.base(h.find("R")), -6.5F);  // alpha_default + beta
  // A level listed in by_level takes 0 for the weights not given: only mandate is left.
  const auto& cdf = after.mode_cdf(0);
  EXPECT_DOUBLE_EQ(cdf[0], 0.0);
  EXPECT_DOUBLE_EQ(cdf[1], 0.0);
  EXPECT_DOUBLE_EQ(cdf[2], 1.0);
  // The same through --set and TOML gives the same model.
  const auto via_set = parse("[adoption]\nalpha_default = -7\n",
                             {"adoption.alpha.leaf=-2.5", "adoption.beta.x=0.5",
                              "adoption.shift.c1=1.0", "promotion.by_level.top.mandate=1.0"});
  const Model m2(via_set, h, net);
  for (std::int32_t u = 0; u < h.size(); ++u) {
    EXPECT_EQ(m2.base(u), after.base(u));
  }
  EXPECT_EQ(m2.mode_cdf(0), after.mode_cdf(0));
}

// Every keyed entry is reachable by its pattern and documents its domain.
TEST(KeyedParams, RegistryFindsEveryEntry) {
  for (const auto& k : keyed_parameters()) {
    std::string key;
    const std::string full = std::string(k.prefix) + "name" + std::string(k.suffix);
    EXPECT_EQ(find_keyed_parameter(full, &key), &k) << full;
    EXPECT_EQ(key, "name");
    EXPECT_FALSE(k.help.empty());
    EXPECT_FALSE(k.default_value.empty());
    EXPECT_LT(k.lo, k.hi);
  }
  EXPECT_EQ(find_keyed_parameter("adoption.alpha."), nullptr);
  EXPECT_EQ(find_keyed_parameter("adoption.alpha_default"), nullptr);
  EXPECT_EQ(find_keyed_parameter("promotion.by_level.leaf.sway"), nullptr);
}
