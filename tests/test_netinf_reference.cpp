// pdlab's networkinference flavour against R NetworkInference 1.2.5 itself: the edges the
// package's netinf() infers (tests/reference/netinf_r, made by make_reference.R there) on its
// own data sets and on the SPID cascades. Same edges in the same order, improvements and
// p-values within 1e-6, the package's default lambda to the last bit.
#include "pdlab/estimation/netinf.hpp"
#include "pdlab/io/estimation_io.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

using namespace pdlab;

namespace {

const std::string kSource = std::string(PDLAB_SOURCE_DIR) + "/";
const std::string kNi = kSource + "tests/reference/netinf_r/";

struct Comparison {
  std::size_t edges_pdlab = 0;
  std::size_t edges_r = 0;
  std::size_t same_rank = 0;  // edges with the same (origin, destination) at the same rank
  double max_improvement_diff = 0;
  double max_p_value_diff = 0;
};

// Runs pdlab on a case of cases.csv and compares it with <case>_edges.csv row by row.
Comparison compare_case(const std::string& name, const std::string& cascades,
                        const std::string& nodes, double tolerance) {
  const auto cases = io::read_table(kNi + "cases.csv");
  const auto col = [&](const char* c) { return *cases.column(c); };
  std::size_t row = cases.rows();
  for (std::size_t k = 0; k < cases.rows(); ++k) {
    if (cases.text[col("case")][k] == name) {
      row = k;
    }
  }
  EXPECT_LT(row, cases.rows()) << name << " not in cases.csv";
  if (row == cases.rows()) {
    return {};
  }
  const auto c = io::read_cascades(cascades, nodes);
  NetInfOptions o;
  o.flavour = NetInfFlavour::networkinference;
  o.model = cases.text[col("model")][row] == "rayleigh" ? Transmission::rayleigh
                                                        : Transmission::exponential;
  const double lambda_r = std::strtod(std::string(cases.text[col("lambda")][row]).c_str(), nullptr);
  if (cases.text[col("lambda_given")][row] == "TRUE") {
    o.alpha = lambda_r;
  } else {
    o.alpha = netinf_default_parameter(c.events, o.model);
    EXPECT_EQ(o.alpha, lambda_r) << "the package's default lambda, to the last bit";
  }
  const double cutoff = cases.num[col("p_value_cutoff")][row];
  const double n_edges = cases.num[col("n_edges")][row];
  o.p_value_cutoff = std::isnan(cutoff) ? 0.0 : cutoff;
  o.max_edges = std::isnan(n_edges) ? 0 : static_cast<std::int64_t>(n_edges);
  const auto r = netinf(c.events, static_cast<std::int32_t>(c.node_names.size()), o);

  const auto ref = io::read_table(kNi + name + "_edges.csv");
  const auto origin = *ref.column("origin_node");
  const auto destination = *ref.column("destination_node");
  const auto improvement = *ref.column("improvement");
  const auto p_value = *ref.column("p_value");
  Comparison cmp;
  cmp.edges_pdlab = r.edges.size();
  cmp.edges_r = ref.rows();
  EXPECT_EQ(cmp.edges_pdlab, cmp.edges_r) << name << ": number of edges";
  EXPECT_EQ(static_cast<double>(cmp.edges_r), cases.num[col("edges")][row]);
  const std::size_t n = std::min(cmp.edges_pdlab, cmp.edges_r);
  for (std::size_t k = 0; k < n; ++k) {
    const auto& e = r.edges[k];
    const auto& o_name = c.node_names[e.origin];
    const auto& d_name = c.node_names[e.destination];
    const bool same = o_name == ref.text[origin][k] && d_name == ref.text[destination][k];
    cmp.same_rank += same ? 1 : 0;
    EXPECT_TRUE(same) << name << " rank " << k + 1 << ": pdlab " << o_name << "->" << d_name
                      << ", R " << ref.text[origin][k] << "->" << ref.text[destination][k];
    const double di = std::fabs(e.improvement - ref.num[improvement][k]);
    const double dp = std::fabs(e.p_value - ref.num[p_value][k]);
    cmp.max_improvement_diff = std::max(cmp.max_improvement_diff, di);
    cmp.max_p_value_diff = std::max(cmp.max_p_value_diff, dp);
    EXPECT_LE(di, tolerance) << name << " rank " << k + 1 << ": improvement " << e.improvement
                             << " vs R " << ref.num[improvement][k];
    EXPECT_LE(dp, tolerance) << name << " rank " << k + 1 << ": p-value " << e.p_value << " vs R "
                             << ref.num[p_value][k];
  }
  std::printf(
      "%s: %zu edges (R %zu), %zu at the same rank, max |d improvement| %.3g, "
      "max |d p| %.3g\n",
      name.c_str(), cmp.edges_pdlab, cmp.edges_r, cmp.same_rank, cmp.max_improvement_diff,
      cmp.max_p_value_diff);
  return cmp;
}

constexpr double kTolerance = 1e-6;

}  // namespace

TEST(NetInfRReference, SimValidationCutoff005DefaultLambda) {
  compare_case("sim_validation_p05", kNi + "sim_validation_input.csv",
               kNi + "sim_validation_node_names.csv", kTolerance);
}

TEST(NetInfRReference, SimValidationCutoff01Lambda05) {
  compare_case("sim_validation_p10_l05", kNi + "sim_validation_input.csv",
               kNi + "sim_validation_node_names.csv", kTolerance);
}

TEST(NetInfRReference, SimValidationRayleighCutoff01Lambda2) {
  compare_case("sim_validation_rayleigh_p10_l2", kNi + "sim_validation_input.csv",
               kNi + "sim_validation_node_names.csv", kTolerance);
}

TEST(NetInfRReference, SnapCascadesFiveEdges) {
  compare_case("snap_cascades_n5", kSource + "tests/reference/snap_cascades.csv",
               kSource + "tests/reference/snap_cascades_node_names.csv", kTolerance);
}

TEST(NetInfRReference, SnapCascadesCutoff01) {
  compare_case("snap_cascades_p10", kSource + "tests/reference/snap_cascades.csv",
               kSource + "tests/reference/snap_cascades_node_names.csv", kTolerance);
}

// The package's node order on SPID (as_cascade_long: the names in order of first appearance)
// is examples/spid/node_names.csv: without a node list pdlab numbers the nodes in their names'
// sorted order, so that the order of the rows decides nothing (docs/model.md 7.8).
const std::string kSpidPackageNodes = kSource + "examples/spid/node_names.csv";

TEST(NetInfRReference, SpidCutoff01Lambda05) {
  const auto cmp = compare_case("spid_p10_l05", kSource + "examples/spid/cascades.csv",
                                kSpidPackageNodes, kTolerance);
  EXPECT_EQ(cmp.edges_r, 872U);
}

TEST(NetInfRReference, SpidCutoff01DefaultLambda) {
  compare_case("spid_p10", kSource + "examples/spid/cascades.csv", kSpidPackageNodes, kTolerance);
}

// With neither a number of edges nor a p-value cut-off (R's netinf() refuses that call), the
// networkinference flavour adds every edge that improves the likelihood and stops there, as
// the snap flavour does and docs/model.md 7.8 says: on the SNAP cascades at params 1 that is
// the edges up to the first without gain (before, all 543 candidates, 384 of them with none).
TEST(NetInfRReference, WithoutCountOrCutoffEveryImprovingEdgeAndNoOther) {
  const auto c = io::read_cascades(kSource + "tests/reference/snap_cascades.csv",
                                   kSource + "tests/reference/snap_cascades_node_names.csv");
  NetInfOptions o;
  o.flavour = NetInfFlavour::networkinference;
  o.alpha = 1.0;
  const auto r = netinf(c.events, static_cast<std::int32_t>(c.node_names.size()), o);
  ASSERT_FALSE(r.edges.empty());
  for (const auto& e : r.edges) {
    EXPECT_GT(e.improvement, 0.0);
  }
  EXPECT_LT(static_cast<std::int64_t>(r.edges.size()), r.candidate_edges);
  // With a count as large as the candidates, the package's choice: every candidate.
  o.max_edges = r.candidate_edges;
  EXPECT_EQ(static_cast<std::int64_t>(
                netinf(c.events, static_cast<std::int32_t>(c.node_names.size()), o).edges.size()),
            r.candidate_edges);
}
