// hierarchy.attributes (per-unit columns joined onto any hierarchy) and `pdlab fit` carrying a
// --covariates variable constant within each unit as such a column.
#include "helpers.hpp"
#include "pdlab/core/calendar.hpp"
#include "pdlab/core/model.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/fit.hpp"
#include "pdlab/study/riskset_inputs.hpp"
#include "pdlab/study/study.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace pdlab;

namespace {

const std::string kToy = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_hierarchy.csv";

// The toy hierarchy's ids by level, read from its file.
std::map<std::string, std::vector<std::string>> toy_ids() {
  std::ifstream in(kToy);
  std::string line;
  std::getline(in, line);
  std::map<std::string, std::vector<std::string>> out;
  while (std::getline(in, line)) {
    std::stringstream s(line);
    std::string id, parent, level;
    std::getline(s, id, ',');
    std::getline(s, parent, ',');
    std::getline(s, level, ',');
    out[level].push_back(id);
  }
  return out;
}

std::string scenario_text(const std::string& alpha_prefecture, const std::string& beta) {
  return "schema_version = 1\n[calendar]\nstart_year = 2010\nperiods_per_year = 1\nperiods = "
         "10\n[hierarchy]\nsource = \"csv\"\npath = \"" +
         kToy +
         "\"\nattributes = [\"gdp.csv\"]\n[adoption]\nalpha = { province = -inf, prefecture = " +
         alpha_prefecture + ", county = -3, township = -3 }\n" + beta;
}

// gdp.csv giving counties and townships (value = the row's position), none above.
std::string gdp_csv() {
  const auto ids = toy_ids();
  std::string csv = "unit_id,gdp,spare\n";
  int k = 0;
  for (const char* level : {"county", "township"}) {
    for (const auto& id : ids.at(level)) {
      csv += id + "," + std::to_string(k++) + ",1\n";
    }
  }
  return csv;
}

io::Inputs load(const std::string& dir, const std::string& toml, const std::string& gdp,
                io::LoadedScenario* loaded = nullptr) {
  test::write_file(dir, "gdp.csv", gdp);
  const auto path = test::write_file(dir, "s.toml", toml);
  auto sc = io::load_scenario(path, {});
  auto in = io::load_inputs(sc.scenario);
  if (loaded != nullptr) {
    *loaded = std::move(sc);
  }
  return in;
}

}  // namespace

TEST(UnitAttributes, JoinedColumnServesAdoptionBeta) {
  const auto dir = test::temp_dir();
  io::LoadedScenario sc;
  const auto in = load(dir, scenario_text("-inf", "beta = { gdp = 0.1 }\n"), gdp_csv(), &sc);
  const auto& h = *in.hierarchy;
  const auto a = h.attribute_index("gdp");
  ASSERT_TRUE(a);
  EXPECT_FALSE(h.attribute_index("spare"));  // not used by the scenario: checked, not stored
  EXPECT_EQ(h.attribute_file(*a), dir + "/gdp.csv");
  EXPECT_FALSE(h.attribute_given_at(*a, *h.level_index("prefecture")));
  EXPECT_TRUE(h.attribute_given_at(*a, *h.level_index("county")));
  const auto ids = toy_ids();
  EXPECT_EQ(h.attribute(*a)[h.find(ids.at("county")[2])], 2.0);
  EXPECT_TRUE(std::isnan(h.attribute(*a)[h.find("P1")]));
  // The prefectures never adopt (alpha -inf): the column's absence there changes nothing.
  const Model m(sc.scenario, h, *in.network);
  EXPECT_GT(run_replicate(m, 0).adoptions.size(), 0U);
}

// A level that can adopt but is not in the file: no silent 0 or mean, a refusal naming the
// level's first unit, the file and the fix.
TEST(UnitAttributes, LevelThatCanAdoptWithoutValuesIsRefused) {
  const auto dir = test::temp_dir();
  io::LoadedScenario sc;
  const auto in =
      load(dir, scenario_text("-3", "beta = { gdp = 0.1 }\nmissing = \"mean\"\n"), gdp_csv(), &sc);
  const auto e = test::expect_error([&] { const Model m(sc.scenario, *in.hierarchy, *in.network); },
                                    ErrorKind::config);
  const std::string what = e.what();
  EXPECT_NE(what.find("unit 'P1' (level 'prefecture') has no row in"), std::string::npos) << what;
  EXPECT_NE(what.find("gdp.csv"), std::string::npos) << what;
  EXPECT_NE(what.find("county, township only"), std::string::npos) << what;
  EXPECT_NE(what.find("adoption.beta.gdp"), std::string::npos) << what;
  EXPECT_NE(what.find("Fix:"), std::string::npos) << what;
}

TEST(UnitAttributes, BadFilesNameFileLineFieldAndFix) {
  const auto ids = toy_ids();
  const auto& counties = ids.at("county");
  std::string all_counties;
  for (const auto& c : counties) {
    all_counties += c + ",1\n";
  }
  struct Case {
    std::string csv, expect;
  };
  const std::vector<Case> cases = {
      {"unit_id,migrant_share\n" + all_counties, "already in the hierarchy"},
      {"unit_id,gdp,gdp\n", "the header names this column twice"},
      {"unit_id,level\n" + all_counties, "a field of the hierarchy's own"},
      {"id,gdp\n" + all_counties, "the first column must be unit_id"},
      {"unit_id,gdp\n" + all_counties + counties[0] + ",2\n",
       "gdp.csv:" + std::to_string(counties.size() + 2) + ": field 'unit_id' = '" + counties[0] +
           "': the unit already has a row (line 2)"},
      {"unit_id,gdp\nP1C9,1\n", "no unit in the hierarchy has this id. Fix: did you mean 'P1C1'?"},
      {"unit_id,gdp\n" + counties[0] + ",high\n",
       "gdp.csv:2: field 'gdp' = 'high': not a finite number"},
      {"unit_id,gdp\n" + counties[0] + ",1\n",
       "field 'unit_id' = '" + counties[1] +
           "': the file gives 1 of the 9 units of level 'county'"},
      {"unit_id,gdp\n", "the file has no rows"},
  };
  for (const auto& c : cases) {
    const auto dir = test::temp_dir();
    const auto e = test::expect_error(
        [&] { load(dir, scenario_text("-inf", "beta = { gdp = 0.1 }\n"), c.csv); },
        ErrorKind::data);
    const std::string what = e.what();
    EXPECT_NE(what.find(c.expect), std::string::npos) << what;
    EXPECT_NE(what.find("gdp.csv"), std::string::npos) << what;
    EXPECT_NE(what.find("Fix:"), std::string::npos) << what;
  }
}

// A --covariates variable constant within each unit is carried per unit: the fitted scenario
// joins its values (hierarchy.attributes) and has its coefficient as adoption.beta, so
// simulated units differ by it. One with one value a period is carried as the policy's profile
// (the intercepts' shift by date); one that changes otherwise is still folded, and the note
// quantifies what that costs.
TEST(FitThenSimulate, ConstantCovariateIsCarriedPerUnit) {
  const std::string toy = std::string(PDLAB_SOURCE_DIR) + "/scenarios/examples/toy_endorse.toml";
  const auto st =
      study::prepare_study(toy, {"run.replicates=1", "adoption.gamma_horizontal=0",
                                 "adoption.beta.migrant_share=12", "adoption.alpha.township=-9"});
  const auto& h = st.model->hierarchy();
  const auto& cal = st.model->scenario().calendar;
  std::string csv = "unit_id,policy_id,time\n";
  for (const auto& a : run_replicate(*st.model, 0).adoptions) {
    csv += std::string(h.id(a.unit)) + ",model," + period_label(cal, a.period) + "\n";
  }
  // The hierarchy's migrant share as a long covariate `z` (the same every period), a national
  // series `year_effect` (one value a period, the same for every unit) and `wiggle`, which
  // changes within units over time.
  const auto ms = h.attribute(*h.attribute_index("migrant_share"));
  std::string cov = "unit_id,time,variable,value\n";
  for (std::int32_t u = 0; u < h.size(); ++u) {
    for (std::int32_t t = 0; t < cal.periods; ++t) {
      const auto date = period_label(cal, t);
      cov += fmt::format("{},{},z,{}\n", h.id(u), date, ms[u]);
      // (in large units, as a national series in yuan: 3e7, and 4e7 each December)
      cov +=
          fmt::format("{},{},year_effect,{}\n", h.id(u), date, t % 12 == 11 ? 40000000 : 30000000);
      cov += fmt::format("{},{},wiggle,{}\n", h.id(u), date, ms[u] * (t % 2));
    }
  }
  const auto dir = test::temp_dir();
  study::RisksetInputSpec spec;
  spec.scenario = toy;
  spec.events_path = test::write_file(dir, "events.csv", csv);
  spec.covariates_path = test::write_file(dir, "cov.csv", cov);
  spec.level = "township";
  const auto in = study::read_riskset_inputs(spec);
  study::FitOptions fo;
  fo.terms = "vertical + z + year_effect + wiggle";
  fo.out = dir + "/fitted.toml";
  const auto res = study::fit_scenario(in, fo);
  ASSERT_TRUE(res.glm.converged);
  const auto j = std::find(res.glm.names.begin(), res.glm.names.end(), "z") - res.glm.names.begin();
  EXPECT_GT(res.glm.coef[j], 3.0);  // the effect simulated (12), estimated
  // The values beside the scenario, one row per township.
  EXPECT_EQ(study::attributes_path(fo.out), dir + "/fitted_attributes.csv");
  const auto twp = *h.level_index("township");
  EXPECT_EQ(std::count(res.attributes_csv.begin(), res.attributes_csv.end(), '\n'),
            1 + h.level_begin(twp + 1) - h.level_begin(twp));
  EXPECT_EQ(res.attributes_csv.rfind("unit_id,z\n", 0), 0U);
  std::string notes;
  for (const auto& n : res.notes) {
    notes += n + "\n";
  }
  EXPECT_NE(notes.find("'z' (--covariates) is constant within each unit"), std::string::npos)
      << notes;
  // The folded one: the fit's expected adoptions both ways.
  EXPECT_NE(notes.find("the fitted scenario has no counterpart of 'wiggle'"), std::string::npos)
      << notes;
  EXPECT_NE(notes.find("adoptions with each row's own values and"), std::string::npos) << notes;
  // The time profile: b x its value in each period, from the first period where it changes.
  EXPECT_NE(notes.find("'year_effect' varies only over time (one value a period): the fitted "
                       "scenario carries it as the policy's profile"),
            std::string::npos)
      << notes;
  const auto k =
      std::find(res.glm.names.begin(), res.glm.names.end(), "year_effect") - res.glm.names.begin();
  const auto parsed = io::parse_scenario(res.scenario_toml, "fitted.toml", {}).scenario;
  std::map<std::string, double> shift;  // date -> the profile's shift from then
  const auto& prof = parsed.policies.at(0).profile.at("year_effect");
  // Scaled: the values lie in [-1, 1] (one of them at the bound), the weight is b times the
  // scale (the largest deviation from the mean, between 5e6 and 1e7 here), and [uncertainty]
  // draws it with the scale squared times b's variance.
  const double b = res.glm.coef[k];
  const double scale = prof.weight / b;
  EXPECT_GT(scale, 5e6);
  EXPECT_LT(scale, 1e7);
  double largest = 0;
  for (std::size_t i = 0; i < prof.dates.size(); ++i) {
    shift[prof.dates[i]] = prof.weight * prof.values[i];
    largest = std::max(largest, std::fabs(prof.values[i]));
  }
  EXPECT_EQ(largest, 1.0);
  const auto& keys = parsed.uncertainty.keys;
  const auto w = static_cast<std::size_t>(
      std::find(keys.begin(), keys.end(),
                "policy." + parsed.policies.at(0).id + ".profile.year_effect.weight") -
      keys.begin());
  ASSERT_LT(w, keys.size());
  EXPECT_EQ(parsed.uncertainty.estimate[w], prof.weight);
  const auto& vb = res.glm.cov_robust.size() > 0 ? res.glm.cov_robust : res.glm.cov;
  EXPECT_NEAR(parsed.uncertainty.covariance[w][w], scale * scale * vb(k, k),
              1e-9 * scale * scale * vb(k, k));
  EXPECT_TRUE(std::none_of(parsed.events.begin(), parsed.events.end(),
                           [](const Event& e) { return std::holds_alternative<SetSpec>(e.spec); }));
  // (b x the value less its mean: from the first period, then on at each December, off after)
  ASSERT_EQ(shift.size(), static_cast<std::size_t>(2 * (cal.periods / 12))) << notes;
  const double off = shift.at(period_label(cal, 0));
  EXPECT_LT(off * b, 0.0);  // -b x (the mean less 3e7), which lies in (0, 1e7)
  for (std::int32_t t = 11; t < cal.periods; t += 12) {
    // b times the December step of 1e7
    EXPECT_NEAR(shift.at(period_label(cal, t)) - off, b * 1e7, 1e-9 * std::fabs(b * 1e7));
    if (t + 1 < cal.periods) {
      EXPECT_EQ(shift.at(period_label(cal, t + 1)), off);
    }
  }
  // Written and loaded as `pdlab run` would: the scenario joins the file, and the townships'
  // simulated adoption rises with z.
  test::write_file(dir, "fitted_attributes.csv", res.attributes_csv);
  test::write_file(dir, "fitted.toml", res.scenario_toml);
  const auto fitted = study::prepare_study(dir + "/fitted.toml", {});
  EXPECT_EQ(fitted.loaded.scenario.adoption.beta.at("z"), res.glm.coef[j]);
  const auto& fh = fitted.model->hierarchy();
  const auto z = fh.attribute(*fh.attribute_index("z"));
  std::vector<double> by_z;
  for (std::int32_t u = fh.level_begin(twp); u < fh.level_begin(twp + 1); ++u) {
    by_z.push_back(z[u]);
  }
  std::sort(by_z.begin(), by_z.end());
  const double median = by_z[by_z.size() / 2];
  double high = 0;
  double low = 0;
  for (int r = 0; r < 40; ++r) {
    for (const auto& a : run_replicate(*fitted.model, r).adoptions) {
      if (fh.level(a.unit) == twp) {
        (z[a.unit] > median ? high : low) += 1;
      }
    }
  }
  // Most townships adopt within the horizon either way; carried, the high-z half adopts about a
  // third more often (679 against 502 adoptions), folded the halves would not differ but by
  // chance (sd about 25).
  EXPECT_GT(high, 1.2 * low) << high << " " << low;
}
