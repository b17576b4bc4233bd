#include "pdlab/core/calendar.hpp"

#include <cmath>
#include <limits>
#include "helpers.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/scenario_io.hpp"

using namespace pdlab;
using pdlab::test::expect_error;

namespace {

const std::string kBase = R"(schema_version = 1
[calendar]
start_year = 2010
periods = 60
[[policy]]
id = "p"
)";
// Star hierarchies have no population column: pilots are chosen at random.
const std::string kRandomPilots = "[promotion]\npilot_rule = \"random\"\n";

io::LoadedScenario parse(const std::string& extra, const std::vector<std::string>& sets = {}) {
  return io::parse_scenario(kBase + extra, "s.toml", sets);
}

std::string config_error(const std::string& extra, const std::vector<std::string>& sets = {}) {
  return expect_error([&] { parse(extra, sets); }, ErrorKind::config).what();
}

std::string model_error(const std::string& extra) {
  const auto h = test::star(4);
  const Network net;
  const auto s =
      parse(extra.find("[promotion]") == std::string::npos ? kRandomPilots + extra : extra);
  return expect_error([&] { Model m(s.scenario, h, net); }, ErrorKind::config).what();
}

}  // namespace

TEST(Scenario, DefaultsAndValues) {
  const auto s =
      parse("[vertical]\nattenuation = 0.25\n[adoption]\nalpha = { leaf = -inf }\n").scenario;
  EXPECT_EQ(s.calendar.periods, 60);
  EXPECT_EQ(s.vertical.attenuation, 0.25);
  EXPECT_EQ(s.adoption.alpha.at("leaf"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.policies.size(), 1U);
  EXPECT_EQ(s.replicates, 1);
}

TEST(Scenario, AByteOrderMarkIsDropped) {
  // As the CSV reader drops it; it was refused as "a non-ASCII character outside a string".
  const auto plain = io::parse_scenario(kBase + "[run]\nseed = 7\n", "s.toml", {});
  const auto marked =
      io::parse_scenario("\xEF\xBB\xBF" + kBase + "[run]\nseed = 7\n", "s.toml", {});
  EXPECT_EQ(marked.scenario.seed, 7U);
  EXPECT_EQ(marked.scenario.seed, plain.scenario.seed);
  EXPECT_EQ(marked.scenario.name, plain.scenario.name);
  // Elsewhere it is still a non-ASCII character outside a string, at its line.
  const auto e = expect_error(
      [] { io::parse_scenario(kBase + "\xEF\xBB\xBF[run]\n", "s.toml", {}); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("non-ASCII"), std::string::npos);
}

TEST(Scenario, UnknownKeyWithSuggestion) {
  const auto m = config_error("[vertical]\nattenuaton = 0.3\n");
  EXPECT_NE(m.find("s.toml:8: field 'vertical.attenuaton'"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'attenuation'"), std::string::npos) << m;
  EXPECT_NE(config_error("[vertcal]\n").find("did you mean 'vertical'"), std::string::npos);
  EXPECT_NE(config_error("colour = 1\n").find("unknown key"), std::string::npos);
}

TEST(Scenario, RangeTypeAndNaN) {
  EXPECT_NE(config_error("[vertical]\nattenuation = 1.5\n").find("out of range [0, 1]"),
            std::string::npos);
  EXPECT_NE(config_error("[vertical]\nattenuation = nan\n").find("NaN"), std::string::npos);
  EXPECT_NE(config_error("[vertical]\nattenuation = \"high\"\n").find("must be a number"),
            std::string::npos);
  EXPECT_NE(config_error("[run]\nreplicates = 0\n").find("out of range"), std::string::npos);
  EXPECT_NE(config_error("[run]\nreplicates = 2.5\n").find("integer"), std::string::npos);
  EXPECT_NE(config_error("[adoption]\nlink = \"logistic\"\n").find("not one of cloglog|logit"),
            std::string::npos);
  EXPECT_NE(config_error("[adoption]\nsuccess_weighted = 1\n").find("true or false"),
            std::string::npos);
  EXPECT_NE(config_error("", {"calendar.periods_per_year=5"}).find("not a calendar"),
            std::string::npos);
  EXPECT_NE(config_error("[output]\nquantiles = [0.5, 2]\n").find("out of range"),
            std::string::npos);
}

TEST(Scenario, SchemaVersionRequired) {
  const auto e = expect_error([] { io::parse_scenario("[run]\nseed = 1\n", "s.toml", {}); },
                              ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("schema_version"), std::string::npos);
  expect_error([] { io::parse_scenario("schema_version = 2\n", "s.toml", {}); }, ErrorKind::config);
}

TEST(Scenario, SyntaxErrorHasLine) {
  const auto e = expect_error(
      [] { io::parse_scenario("schema_version = 1\n[run\n", "s.toml", {}); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("s.toml:2"), std::string::npos) << e.what();
}

TEST(Scenario, Overrides) {
  const auto s = parse("[[event]]\ntype = \"adopt\"\ndate = \"2011-01\"\nunits = [\"R\"]\n",
                       {"vertical.attenuation=0.1", "run.seed=99", "hierarchy.root=abc",
                        "event.0.date=2012-03", "adoption.alpha.leaf=-3"})
                     .scenario;
  EXPECT_EQ(s.vertical.attenuation, 0.1);
  EXPECT_EQ(s.seed, 99U);
  EXPECT_EQ(s.hierarchy.root, "abc");
  EXPECT_EQ(s.events[0].date, "2012-03");
  EXPECT_EQ(s.adoption.alpha.at("leaf"), -3.0);
  EXPECT_NE(config_error("", {"vertical.atenuation=0.1"}).find("did you mean 'attenuation'"),
            std::string::npos);
  EXPECT_NE(config_error("", {"vertical.attenuation=2"}).find("out of range"), std::string::npos);
  expect_error([] { parse("", {"novalue"}); }, ErrorKind::usage);
  // An index past the array is a bad key (config), like an unknown key; only a --set that is not
  // key=value is bad usage.
  EXPECT_NE(
      std::string(expect_error([] { parse("", {"policy.5.id=x"}); }, ErrorKind::config).what())
          .find("--set policy.5.id=x: "),
      std::string::npos);
}

TEST(Scenario, EventErrors) {
  EXPECT_NE(config_error("[[event]]\ntype = \"adpt\"\ndate = \"2011\"\nunits = [\"R\"]\n")
                .find("did you mean 'adopt'"),
            std::string::npos);
  EXPECT_NE(config_error("[[event]]\ntype = \"mandate\"\ndate = \"2011\"\nissuer = "
                         "\"R\"\ntarget_level = \"leaf\"\n")
                .find("deadline"),
            std::string::npos);
  EXPECT_NE(config_error(
                "[[event]]\ntype = \"adopt\"\ndate = \"2011\"\nunits = [\"R\"]\nissuer = \"R\"\n")
                .find("not used by events of type adopt"),
            std::string::npos);
  EXPECT_NE(
      config_error(
          "[[event]]\ntype = \"adopt\"\ndate = \"2011\"\nunits = [\"R\"]\nmode = \"mandat\"\n")
          .find("did you mean 'mandate'"),
      std::string::npos);
}

TEST(Calendar, DatesAndLabels) {
  Calendar cal;
  cal.start_year = 2010;
  cal.start_month = 1;
  cal.periods_per_year = 12;
  EXPECT_EQ(to_period(cal, "2010-01", "k"), 0);
  EXPECT_EQ(to_period(cal, "2013-07", "k"), 42);
  EXPECT_EQ(to_period(cal, "2011", "k"), 12);
  EXPECT_EQ(to_period(cal, "17", "k"), 17);
  EXPECT_EQ(period_label(cal, 42), "2013-07");
  cal.periods_per_year = 4;
  EXPECT_EQ(to_period(cal, "2013-07", "k"), 14);
  EXPECT_EQ(period_label(cal, 14), "2013-Q3");
  expect_error([&] { to_period(cal, "2009-12", "k"); }, ErrorKind::config);
  expect_error([&] { to_period(cal, "2013-13", "k"); }, ErrorKind::config);
  expect_error([&] { to_period(cal, "July 2013", "k"); }, ErrorKind::config);
}

TEST(ModelErrors, UnknownLevelColumnUnitPolicy) {
  EXPECT_NE(model_error("[adoption]\nalpha = { leef = -3 }\n").find("did you mean 'leaf'"),
            std::string::npos);
  EXPECT_NE(model_error("[adoption]\nbeta = { y = 1 }\n").find("did you mean 'x'"),
            std::string::npos);
  EXPECT_NE(model_error("[[event]]\ntype = \"adopt\"\ndate = \"2011\"\nunits = [\"Q\"]\n")
                .find("no unit has this id"),
            std::string::npos);
  EXPECT_NE(
      model_error("[[event]]\ntype = \"adopt\"\ndate = \"2011\"\npolicy = \"q\"\nunits = [\"R\"]\n")
          .find("no [[policy]]"),
      std::string::npos);
  EXPECT_NE(model_error("[[event]]\ntype = \"mandate\"\ndate = \"2011\"\nissuer = "
                        "\"c0\"\ntarget_level = \"top\"\ndeadline = \"2012\"\n")
                .find("not below"),
            std::string::npos);
  EXPECT_NE(model_error("[[event]]\ntype = \"mandate\"\ndate = \"2011\"\nissuer = "
                        "\"R\"\ntarget_level = \"leaf\"\ndeadline = \"2010-06\"\n")
                .find("not after"),
            std::string::npos);
  EXPECT_NE(model_error("[promotion]\npilot_rule = \"capacity\"\ncapacity = \"pop\"\n")
                .find("no such attribute"),
            std::string::npos);
}

TEST(ModelErrors, MissingCovariateValues) {
  HierarchyBuilder b("h.csv", {"x"});
  const double ok[] = {1.0};
  const double na[] = {std::nan("")};
  b.add("R", "", "top", "", ok, 2);
  b.add("a", "R", "leaf", "", na, 3);
  const auto h = b.build("");
  const Network net;
  const auto s = parse(kRandomPilots + "[adoption]\nbeta = { x = 1 }\n").scenario;
  const auto e = expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("line 3 of h.csv"), std::string::npos) << e.what();
  auto s2 = s;
  s2.adoption.missing = "mean";
  const Model m(s2, h, net);
  EXPECT_FLOAT_EQ(m.base(1) - m.base(0), 0.0F);  // mean fill: same covariate as the root
}

TEST(ModelErrors, PilotScoreTerms) {
  const std::string score = "[promotion]\npilot_rule = \"score\"\n";
  auto e = model_error(score);
  EXPECT_NE(e.find("promotion.score gives no coefficients"), std::string::npos) << e;
  e = model_error(score + "score = { y = 1 }\n");
  EXPECT_NE(e.find("promotion.score.y"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'x'"), std::string::npos) << e;
  e = model_error(score + "score = { \"log(y)\" = 1 }\n");
  EXPECT_NE(e.find("did you mean 'log(x)'"), std::string::npos) << e;
  // log of a value <= 0 names the unit and its line
  HierarchyBuilder b("h.csv", {"x"});
  const double one[] = {1.0};
  const double zero[] = {0.0};
  b.add("R", "", "top", "", one, 2);
  b.add("a", "R", "leaf", "", zero, 3);
  const auto h = b.build("");
  const Network net;
  const auto s = parse(score + "score = { \"log(x)\" = 1 }\n").scenario;
  const auto err = expect_error([&] { Model m(s, h, net); }, ErrorKind::config);
  EXPECT_NE(std::string(err.what()).find("'a' (line 3 of h.csv)"), std::string::npos) << err.what();
  // a range check on the coefficient, from the keyed registry entry
  EXPECT_NE(config_error(score + "score = { x = 1e9 }\n").find("promotion.score.x"),
            std::string::npos);
}

TEST(Params, RegistryIsComplete) {
  for (const auto& p : parameters()) {
    EXPECT_FALSE(p.help.empty()) << p.key;
    if (p.type == ParamType::real) EXPECT_NE(p.real, nullptr) << p.key;
    if (p.type == ParamType::choice) EXPECT_NE(p.set_choice, nullptr) << p.key;
    if (p.type == ParamType::real || p.type == ParamType::integer) EXPECT_LE(p.lo, p.hi) << p.key;
  }
  EXPECT_NE(find_parameter("vertical.attenuation"), nullptr);
  EXPECT_EQ(closest("atenuation", {"attenuation", "endorse"}), "attenuation");
  EXPECT_EQ(closest("zzzzzzzz", {"attenuation", "endorse"}), "");
}

// Calibrated scenarios are the source file with the values in place: comments survive.
TEST(ScenarioTextEdit, ReplacesInPlaceAndKeepsComments) {
  const std::string text = kBase +
                           "# sources of the rates\n"
                           "[adoption]\n"
                           "gamma_horizontal = 0.5 # direction: peers; value illustrative\n"
                           "[[policy]]\n"
                           "id = \"q\"\n";
  const auto edited =
      io::apply_overrides_to_text(text,
                                  {"adoption.gamma_horizontal=1.25", "policy.1.name=\"Second\"",
                                   "run.seed=7", "adoption.gamma_vertical=0.5"},
                                  "s.toml");
  ASSERT_TRUE(edited.has_value());
  EXPECT_NE(edited->find("gamma_horizontal = 1.25 # direction: peers; value illustrative\n"),
            std::string::npos)
      << *edited;
  EXPECT_NE(edited->find("# sources of the rates\n"), std::string::npos);
  EXPECT_EQ(edited->find("0.5 # direction"), std::string::npos);
  // Added keys land in their own tables; the second [[policy]] entry got its name.
  const auto sc = io::parse_scenario(*edited, "s.toml", {}).scenario;
  EXPECT_EQ(sc.seed, 7U);
  EXPECT_EQ(sc.adoption.gamma_horizontal, 1.25);
  EXPECT_EQ(sc.adoption.gamma_vertical, 0.5);
  ASSERT_EQ(sc.policies.size(), 2U);
  EXPECT_EQ(sc.policies[0].name, "p");
  EXPECT_EQ(sc.policies[1].name, "Second");
}

// A fitted scenario's headers may quote a part ([policy.profile.'factor(period)1']): read as
// keys, so that an edit elsewhere keeps the file's comments; a key under such a table of an
// array entry is not placed (the caller falls back to the resolved TOML).
TEST(ScenarioTextEdit, ReadsQuotedHeaderKeys) {
  const std::string text = kBase +
                           "[policy.profile.'factor(period)1']\n"
                           "weight = 0.5\n"
                           "dates = ['2001', '2002']\n"
                           "values = [1.0, 0.0]\n"
                           "# the fit's intercepts\n"
                           "[adoption]\n"
                           "gamma_horizontal = 0.5 # fitted\n";
  ASSERT_NO_THROW(io::parse_scenario(text, "s.toml", {}));
  const auto edited =
      io::apply_overrides_to_text(text, {"adoption.gamma_horizontal=1.25"}, "s.toml");
  ASSERT_TRUE(edited.has_value());
  EXPECT_NE(edited->find("gamma_horizontal = 1.25 # fitted\n"), std::string::npos) << *edited;
  EXPECT_NE(edited->find("# the fit's intercepts\n"), std::string::npos);
  EXPECT_NE(edited->find("[policy.profile.'factor(period)1']\nweight = 0.5\n"), std::string::npos);
  EXPECT_FALSE(
      io::apply_overrides_to_text(text, {"policy.0.profile.factor(period)1.weight=2"}, "s.toml")
          .has_value());
  // A basic string with an escape in a header is not read here.
  EXPECT_FALSE(
      io::apply_overrides_to_text(
          kBase + "[policy.profile.\"a\\u0041\"]\nweight = 1\ndates = ['2011']\nvalues = [1.0]\n",
          {"run.seed=3"}, "s.toml")
          .has_value());
}

TEST(ScenarioTextEdit, RefusesWhatItCannotPlaceWithCertainty) {
  // An entry of an array of tables that is not there.
  EXPECT_FALSE(io::apply_overrides_to_text(kBase, {"policy.3.name=x"}, "s.toml").has_value());
  // A value continued over lines (the file itself is valid, the edit is what is refused).
  const std::string spread = kBase + "levels = [\n  \"county\",\n]\n";
  ASSERT_NO_THROW(io::parse_scenario(spread, "s.toml", {}));
  EXPECT_FALSE(io::apply_overrides_to_text(spread, {"policy.0.levels=[\"township\"]"}, "s.toml")
                   .has_value());
  // A key inside a one-line inline table is replaced there, or added to it.
  const std::string inline_table =
      kBase + "[adoption]\nalpha = { county = -5, township = -6 } # per level\n";
  const auto in_place = io::apply_overrides_to_text(
      inline_table, {"adoption.alpha.township=-4.5", "adoption.alpha.prefecture=-7"}, "s.toml");
  ASSERT_TRUE(in_place.has_value());
  EXPECT_NE(
      in_place->find("alpha = { county = -5, township = -4.5, prefecture = -7 } # per level\n"),
      std::string::npos)
      << *in_place;
  // The same key on one line is replaced.
  const std::string one_line = kBase + "levels = [\"county\"]\n";
  const auto edited =
      io::apply_overrides_to_text(one_line, {"policy.0.levels=[\"township\"]"}, "s.toml");
  ASSERT_TRUE(edited.has_value());
  EXPECT_NE(edited->find("levels = [\"township\"]\n"), std::string::npos);
}
