// `pdlab infer`'s inputs and outputs (the events format, row order, warnings, edges read back
// by riskset) and the `trend` term of eha and cox (docs/model.md 7.7, 7.8).
#include "helpers.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

using namespace pdlab;
using pdlab::test::expect_error;
using pdlab::test::temp_dir;
using pdlab::test::write_file;

namespace {

bool any_has(const std::vector<std::string>& v, const std::string& text) {
  return std::any_of(v.begin(), v.end(),
                     [&](const auto& s) { return s.find(text) != std::string::npos; });
}

// Two policies over five units, yearly: 2020 first adopters a and b, then three in 2021.
const char* kEvents =
    "unit_id,policy_id,time\n"
    "a,p,2020\nb,p,2020\nc,p,2021\nd,p,2021\ne,p,2021\n"
    "a,q,2020\nb,q,2020\nc,q,2021\nd,q,2021\ne,q,2022\n";

std::string reversed_rows(const std::string& csv) {
  std::vector<std::string> lines;
  std::size_t from = 0;
  while (from < csv.size()) {
    const auto to = csv.find('\n', from);
    lines.push_back(csv.substr(from, to - from));
    from = to + 1;
  }
  std::string out = lines.front() + "\n";
  for (auto it = lines.rbegin(); it + 1 != lines.rend(); ++it) {
    out += *it + "\n";
  }
  return out;
}

std::vector<std::string> edges_of(const study::InferResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.network.edges) {
    out.push_back(r.cascades.node_names[e.origin] + ">" + r.cascades.node_names[e.destination]);
  }
  return out;
}

}  // namespace

TEST(InferInputs, EventsFormatIsReadWithDatesAsDecimalYears) {
  const auto dir = temp_dir();
  const auto c = io::read_cascades(
      write_file(dir, "ev.csv", "unit_id,policy_id,time\nx,p,2020-07\ny,p,2020\nz,p,2021-Q2\n"),
      "");
  EXPECT_TRUE(c.events_format);
  ASSERT_EQ(c.events.size(), 3U);
  // Sorted by time within the cascade: y (2020), x (2020-07), z (2021-04-01).
  EXPECT_EQ(c.node_names[c.events[0].node], "y");
  EXPECT_DOUBLE_EQ(c.events[0].time, 2020.0);
  EXPECT_DOUBLE_EQ(c.events[1].time, 2020.0 + 182.0 / 366.0);
  EXPECT_DOUBLE_EQ(c.events[2].time, 2021.0 + 90.0 / 365.0);
  // Period numbers as they are; a mix of both is refused naming the line.
  const auto p = io::read_cascades(write_file(dir, "p.csv", "unit_id,policy_id,time\nx,p,3\n"), "");
  EXPECT_DOUBLE_EQ(p.events[0].time, 3.0);
  const std::string mixed =
      expect_error(
          [&] {
            io::read_cascades(write_file(dir, "m.csv", "unit_id,policy_id,time\nx,p,3\ny,p,2020\n"),
                              "");
          },
          ErrorKind::data)
          .what();
  EXPECT_NE(mixed.find("m.csv:3: field 'time' = '2020': a date among period numbers (line 2"),
            std::string::npos)
      << mixed;
}

TEST(InferInputs, RowOrderDecidesNothing) {
  const auto dir = temp_dir();
  study::InferSpec spec;
  spec.cascades = write_file(dir, "ev.csv", kEvents);
  const auto forward = study::infer_study(spec, {});
  spec.cascades = write_file(dir, "rev.csv", reversed_rows(kEvents));
  const auto backward = study::infer_study(spec, {});
  EXPECT_EQ(forward.cascades.node_names, backward.cascades.node_names);
  EXPECT_EQ(forward.cascades.cascade_ids, backward.cascades.cascade_ids);
  ASSERT_FALSE(forward.network.edges.empty());
  EXPECT_EQ(edges_of(forward), edges_of(backward));
  for (std::size_t k = 0; k < forward.network.edges.size(); ++k) {
    EXPECT_EQ(forward.network.edges[k].improvement, backward.network.edges[k].improvement);
  }
  // The nodes in their names' order (the tie rule's order).
  EXPECT_EQ(forward.cascades.node_names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(InferInputs, WarnsOfTiesFewCascadesAndEqualGains) {
  const auto dir = temp_dir();
  study::InferSpec spec;
  spec.cascades = write_file(dir, "ev.csv", kEvents);
  const auto r = study::infer_study(spec, {});
  // Tied: a, b in both; c, d, e in p; c, d in q: 9 of 10.
  EXPECT_TRUE(any_has(r.warnings, "9 of the 10 events (90%) share their time")) << r.warnings[0];
  EXPECT_TRUE(any_has(r.warnings, "2 cascades over 5 nodes"));
  EXPECT_TRUE(any_has(r.warnings, "have the same improvement as another edge"));
  // networkinference estimates its parameter from gaps, most of them 0 here.
  spec.flavour = NetInfFlavour::networkinference;
  const auto ni = study::infer_study(spec, {});
  EXPECT_TRUE(any_has(ni.warnings, "of whose 8 gaps since the previous event are 0"));
  // Distinct times and more cascades than nodes: no warning.
  std::string csv = "node_name,event_time,cascade_id\n";
  for (int k = 0; k < 4; ++k) {
    csv += "a,0," + std::to_string(k) + "\nb," + std::to_string(1 + 0.1 * k) + "," +
           std::to_string(k) + "\n";
  }
  spec.cascades = write_file(dir, "clean.csv", csv);
  spec.flavour = NetInfFlavour::snap;
  EXPECT_TRUE(study::infer_study(spec, {}).warnings.empty());
}

// infer's edges file, as it writes it, is an edge list for riskset --edges-directed: origin
// exposes destination, each edge of weight 1.
TEST(InferInputs, InferredEdgesAreReadAsDirectedEdges) {
  HierarchyBuilder b("h", {});
  b.add("R", "", "top", "", {}, 2);
  for (const char* id : {"a", "b", "c"}) {
    b.add(id, "R", "leaf", "", {}, 3);
  }
  const auto h = b.build("");
  NetworkBuilder nb(h);
  io::load_edges_csv(write_file(temp_dir(), "inf.csv",
                                "origin_node,destination_node,improvement,p_value,volume,"
                                "median_time_difference,mean_time_difference\n"
                                "a,b,44.6,,2,1,1\na,c,3.5,,1,1,1\n"),
                     false, nb);
  const auto net = nb.build();
  EXPECT_EQ(net.n_edges(), 2);
  const auto a = h.find("a");
  ASSERT_EQ(net.degree(a), 2);
  EXPECT_EQ(net.weights(a)[0], 1.0F);
  EXPECT_EQ(net.weights(a)[1], 1.0F);
  EXPECT_EQ(net.degree(h.find("b")), 0);
}

// trend in eha and cox is the risk set's period when the table has no trend column; a column
// named trend wins.
TEST(InferInputs, TrendIsThePeriodColumnInEhaAndCox) {
  const auto dir = temp_dir();
  std::string with_period = "unit_id,period,tstart,tstop,event,x\n";
  std::string with_trend = "unit_id,period,tstart,tstop,event,x,trend\n";
  for (int u = 0; u < 30; ++u) {
    for (int t = 0; t < 4; ++t) {
      const int ev = (u * 7 + t * 3) % 5 == 0 ? 1 : 0;
      const auto row = "u" + std::to_string(u) + "," + std::to_string(t) + "," + std::to_string(t) +
                       "," + std::to_string(t + 1) + "," + std::to_string(ev) + "," +
                       std::to_string((u % 3) * 0.5);
      with_period += row + "\n";
      with_trend += row + "," + std::to_string(t % 2) + "\n";  // not the period
    }
  }
  study::EhaSpec e;
  e.data = write_file(dir, "p.csv", with_period);
  e.formula = "event ~ x + trend";
  const auto by_period = study::eha_study(e);
  ASSERT_EQ(by_period.fit.names.back(), "trend");
  e.formula = "event ~ x + period";
  const auto plain = study::eha_study(e);
  EXPECT_EQ(by_period.fit.coef[2], plain.fit.coef[2]);
  e.data = write_file(dir, "t.csv", with_trend);
  e.formula = "event ~ x + trend";
  const auto own = study::eha_study(e);
  EXPECT_NE(own.fit.coef[2], plain.fit.coef[2]) << "the column named trend wins";
  study::CoxSpec c;
  c.data = write_file(dir, "pc.csv", with_period);
  c.formula = "Surv(tstart, tstop, event) ~ x + x:trend";
  const auto cox = study::cox_study(c);
  EXPECT_EQ(cox.fit.names.back(), "x:trend");
}
