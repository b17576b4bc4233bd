// Rules of the adoption engine found wrong in a review against docs/model.md: quotas over the
// units a policy can reach, readmission after a scripted reversal, directed peer edges.
#include "helpers.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/study.hpp"

#include <string>
#include <vector>

using namespace pdlab;
using test::temp_dir;
using test::write_file;

namespace {

// A city, one district, four street offices and four towns at the street level.
const char* kStreets =
    "id,parent_id,level,name,type,population,migrant_share\n"
    "C,,city,City,prefecture_city,100,0.3\n"
    "D0,C,district,D0,district,100,0.3\n"
    "S0,D0,street,S0,street_office,100,0.3\n"
    "S1,D0,street,S1,street_office,100,0.3\n"
    "S2,D0,street,S2,street_office,100,0.3\n"
    "S3,D0,street,S3,street_office,100,0.3\n"
    "T0,D0,street,T0,town,100,0.3\n"
    "T1,D0,street,T1,town,100,0.3\n"
    "T2,D0,street,T2,town,100,0.3\n"
    "T3,D0,street,T3,town,100,0.3\n";

const char* kHeader =
    "schema_version = 1\n"
    "[calendar]\nstart_year = 2010\nperiods_per_year = 12\nperiods = 24\n"
    "[hierarchy]\nsource = \"csv\"\npath = \"h.csv\"\n"
    "[promotion]\nendorse = 0.0\npilot = 0.0\nmandate = 0.0\nchampionship = 0.0\n";

study::PreparedStudy prepare(const std::string& dir, const std::string& toml) {
  write_file(dir, "h.csv", kStreets);
  return study::prepare_study(write_file(dir, "s.toml", std::string(kHeader) + toml), {});
}

std::string id_of(const Model& m, std::int32_t u) {
  return std::string(m.hierarchy().id(u));
}

}  // namespace

// A quota's share is of the units the policy can reach: with the policy open to street offices
// only, "half of the district's streets by June" means two of its four street offices, in
// every replicate (the towns were in the base before, and drawn to fill it, then refused).
TEST(EngineRules, QuotasCountOnlyTheUnitsThePolicyReaches) {
  const auto dir = temp_dir();
  const auto st = prepare(dir,
                          "[[policy]]\nid = \"model\"\ntypes = [\"street_office\"]\n"
                          "[adoption]\nalpha = { city = -inf, district = -inf, street = -inf }\n"
                          "[[event]]\ntype = \"mandate\"\ndate = \"2010-03\"\nissuer = \"C\"\n"
                          "target_level = \"street\"\ndeadline = \"2011-12\"\ncompliance = 0.0\n"
                          "[[event.quota]]\nshare = 0.5\nby = \"2010-06\"\n");
  for (const auto& r : run_ensemble(*st.model, 20, 2)) {
    int adopted = 0;
    for (const auto& a : r.adoptions) {
      EXPECT_EQ(id_of(*st.model, a.unit)[0], 'S');
      adopted += 1;
    }
    EXPECT_EQ(adopted, 2);
  }
}

// A unit reversed by a `reverse` event returns to the risk set from the next period, even with
// a hazard that makes it adopt at once (before, it adopted again in the period it reversed).
TEST(EngineRules, AScriptedReversalReadmitsFromTheNextPeriod) {
  const auto dir = temp_dir();
  const auto st = prepare(dir,
                          "[[policy]]\nid = \"model\"\n"
                          "[adoption]\nalpha = { city = -inf, district = -inf, street = 3 }\n"
                          "[stages]\nreadopt = true\n"
                          "[[event]]\ntype = \"reverse\"\ndate = \"2010-06\"\nunits = [\"S0\"]\n");
  int again = 0;
  for (const auto& r : run_ensemble(*st.model, 5, 2)) {
    for (const auto& a : r.adoptions) {
      if (id_of(*st.model, a.unit) == "S0" && a.round > 0) {
        EXPECT_EQ(a.period, 6);  // reversed in period 5 (2010-06), at risk again from 6
        ++again;
      }
    }
  }
  EXPECT_EQ(again, 5);
}

// A directed edge from -> to exposes `to` to `from`: H of a unit is the share of the weight of
// its incoming edges whose source has adopted. S1 has an edge in from S0 (weight 1) and one out
// to S2 (weight 3); T0, a leaf with only an edge in from S0. When S0 adopts, both see H = 1 and
// adopt by peer learning within a few periods. Before, S1's share was 1/3 (its outgoing weight
// as the denominator) and T0 took the fast path, which has no edge exposure: neither followed.
TEST(EngineRules, DirectedEdgesExposeTheUnitsTheyPointTo) {
  const auto dir = temp_dir();
  write_file(dir, "edges.csv", "from,to,weight\nS0,S1,1\nS1,S2,3\nS0,T0,1\n");
  const auto st = prepare(dir,
                          "[[hierarchy.edges]]\npath = \"edges.csv\"\nsymmetric = false\n"
                          "[[policy]]\nid = \"model\"\n"
                          "[adoption]\nalpha = { city = -inf, district = -inf, street = -14 }\n"
                          "gamma_vertical = 0.0\ngamma_bottom_up = 0.0\ngamma_need = 0.0\n"
                          "gamma_horizontal = 14.0\nsibling_weight = 0.0\n"
                          "[[event]]\ntype = \"adopt\"\ndate = \"2010-02\"\nunits = [\"S0\"]\n");
  int followed = 0;
  int replicates = 0;
  for (const auto& r : run_ensemble(*st.model, 20, 2)) {
    ++replicates;
    for (const auto& a : r.adoptions) {
      const auto id = id_of(*st.model, a.unit);
      if ((id == "S1" || id == "T0") && a.channel == Channel::horizontal) {
        ++followed;
      }
      // S2's only peer edge comes from S1; S0 and the others point nowhere near S3..T3.
      EXPECT_TRUE(id == "S0" || id == "S1" || id == "T0" || id == "S2") << id;
    }
  }
  // Each follows at 1 - exp(-1) a period over 22 periods: all but a few in 20 replicates.
  EXPECT_GE(followed, 2 * replicates - 2);
}

// A split part that existed before and runs the model keeps running it under the default
// `inherit = "any"`: its own stage is among the sources, as for a merge's `into` (before, a
// split looked only at the unit split, so P0's record ended at the split as a reversal).
TEST(EngineRules, AnExistingSplitPartKeepsItsStageUnderAny) {
  const auto dir = temp_dir();
  write_file(dir, "parts.csv",
             "id,parent_id,level,name,population,exists_from,exists_until\n"
             "C,,city,City,300,,\nS,C,unit,S,100,,\nP0,C,unit,P0,100,,\n"
             "P1,C,unit,P1,100,2013,\n");
  const auto st = study::prepare_study(
      write_file(dir, "s.toml",
                 "schema_version = 1\n"
                 "[calendar]\nstart_year = 2010\nperiods_per_year = 12\nperiods = 60\n"
                 "[hierarchy]\nsource = \"csv\"\npath = \"parts.csv\"\n"
                 "[adoption]\nalpha = { city = -inf, unit = -30.0 }\n"
                 "[[event]]\ntype = \"adopt\"\ndate = \"2011-01\"\nunits = [\"P0\"]\n"
                 "[[event]]\ntype = \"split\"\ndate = \"2013-01\"\nunit = \"S\"\n"
                 "into = [\"P0\", \"P1\"]\n"),
      {});
  const auto r = run_replicate(*st.model, 0);
  int p0 = 0;
  for (const auto& a : r.adoptions) {
    if (id_of(*st.model, a.unit) == "P0") {
      ++p0;
      EXPECT_EQ(a.period, 12);
      EXPECT_EQ(a.rev_period, kNever);  // not reversed at the split (period 36)
    }
    EXPECT_NE(id_of(*st.model, a.unit), "P1");  // S never ran it: nothing to inherit
  }
  EXPECT_EQ(p0, 1);
}

// On a quarterly calendar a unit's exists_from counts from the quarter that starts at or after
// its month, a merge from the quarter containing its date: a merge dated 2013-02 and a unit
// born by it with exists_from 201302 (born 2013-Q2) were refused with "set its exists_from
// to the date", which it was. The message now names the month that works (201301).
TEST(EngineRules, ABirthByMergeOnAQuarterlyCalendarIsToldTheMonthThatWorks) {
  const auto dir = temp_dir();
  const auto scenario = [&](const std::string& from) {
    write_file(dir, "q.csv",
               "id,parent_id,level,name,population,exists_from,exists_until\n"
               "C,,city,City,300,,\nA,C,unit,A,100,,\nB,C,unit,B,100,,\nM,C,unit,M,100," +
                   from + ",\n");
    return write_file(dir, "q.toml",
                      "schema_version = 1\n"
                      "[calendar]\nstart_year = 2010\nperiods_per_year = 4\nperiods = 24\n"
                      "[hierarchy]\nsource = \"csv\"\npath = \"q.csv\"\n"
                      "[adoption]\nalpha = { city = -inf, unit = -2.0 }\n"
                      "[[event]]\ntype = \"merge\"\ndate = \"2013-02\"\nunits = [\"A\", \"B\"]\n"
                      "into = \"M\"\n");
  };
  const auto e = test::expect_error([&] { (void)study::prepare_study(scenario("201302"), {}); },
                                    ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("set its exists_from in the hierarchy file to 201301"),
            std::string::npos)
      << e.what();
  const auto st = study::prepare_study(scenario("201301"), {});
  EXPECT_EQ(st.model->restructuring().transitions().size(), 1U);
}
