#include "helpers.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/io/inputs.hpp"

#include <zlib.h>

#include <cmath>

using namespace pdlab;
using pdlab::test::expect_error;
using pdlab::test::temp_dir;
using pdlab::test::write_file;

namespace {

Hierarchy load(const std::string& csv, const std::string& root = "") {
  const auto p = write_file(temp_dir(), "units.csv", csv);
  return io::load_hierarchy_csv(p, root);
}

std::string message(const std::string& csv, ErrorKind kind = ErrorKind::data) {
  return expect_error([&] { load(csv); }, kind).what();
}

const char* kGood =
    "id,parent_id,level,name,pop\n"
    "c2,b,county,C2,3\n"
    "a,,province,A,10\n"
    "b,a,prefecture,B,\n"
    "c1,b,county,C1,NA\n"
    "b2,a,prefecture,B2,4\n"
    "c3,b2,county,\"C3, quoted \"\"x\"\"\",5\n";

}  // namespace

TEST(Hierarchy, BreadthFirstLayout) {
  const auto h = load(kGood);
  ASSERT_EQ(h.size(), 6);
  EXPECT_EQ(h.id(0), "a");
  EXPECT_EQ(h.n_levels(), 3);
  EXPECT_EQ(h.level_names()[1], "prefecture");
  for (std::int32_t u = 1; u < h.size(); ++u) {
    EXPECT_LT(h.parent(u), u) << "parents precede children";
    EXPECT_EQ(h.level(u), h.level(h.parent(u)) + 1);
    EXPECT_GE(u, h.first_child(h.parent(u)));
    EXPECT_LT(u, h.end_child(h.parent(u)));
  }
  const auto b = h.find("b");
  EXPECT_EQ(h.n_children(b), 2);
  EXPECT_EQ(h.id(h.first_child(b)), "c2");  // input order among siblings
  EXPECT_EQ(h.level_begin(2), 3);
  EXPECT_EQ(h.name(h.find("c3")), "C3, quoted \"x\"");
  const auto pop = h.attribute(*h.attribute_index("pop"));
  EXPECT_TRUE(std::isnan(pop[b]));
  EXPECT_TRUE(std::isnan(pop[h.find("c1")]));
  EXPECT_EQ(pop[h.find("c3")], 5.0);
  EXPECT_EQ(h.source_line(h.find("c3")), 7);
  EXPECT_EQ(h.find("zzz"), -1);
  EXPECT_EQ(h.ancestor_at(h.find("c1"), 1), b);
}

TEST(Hierarchy, SubtreeByRoot) {
  const auto h = load(kGood, "b");
  EXPECT_EQ(h.size(), 3);
  EXPECT_EQ(h.level_names()[0], "prefecture");
  EXPECT_TRUE(h.excluded("c3"));
  EXPECT_FALSE(h.excluded("nope"));
  const auto e = expect_error([&] { load(kGood, "nope"); }, ErrorKind::config);
  EXPECT_NE(std::string(e.what()).find("hierarchy.root"), std::string::npos);
}

// Ids are sorted and searched by their first 16 bytes as integers: ids longer than that which
// share those bytes, ids that are prefixes of others, and bytes above 0x7F must still resolve
// exactly, and a duplicate beyond byte 16 must still be found.
TEST(Hierarchy, LongAndPrefixIdsResolve) {
  const std::string p16 = "0123456789abcdef";  // 16 bytes
  const std::string csv =
      "id,parent_id,level\n"
      "r,,a\n" +
      p16 + "B,r,b\n" + p16 + "A,r,b\n" + p16 + ",r,b\n" + "01,r,b\n" + "0,r,b\n" +
      "\xC3\xA9,r,b\n" + "x1," + p16 + "A,c\n" + "x2," + p16 + "B,c\n" + "x3," + p16 + ",c\n" +
      "x4,0,c\n" + "x5,\xC3\xA9,c\n";
  const auto h = load(csv);
  ASSERT_EQ(h.size(), 12);
  for (const auto& [child, parent] : std::vector<std::pair<std::string, std::string>>{
           {"x1", p16 + "A"}, {"x2", p16 + "B"}, {"x3", p16}, {"x4", "0"}, {"x5", "\xC3\xA9"}}) {
    const auto c = h.find(child);
    ASSERT_GE(c, 0) << child;
    EXPECT_EQ(h.id(h.parent(c)), parent) << child;
    EXPECT_EQ(h.find(parent), h.parent(c)) << parent;
  }
  EXPECT_EQ(h.find(p16 + "C"), -1);
  EXPECT_EQ(h.find("012"), -1);
  EXPECT_EQ(h.find(p16 + "A" + std::string(1, '\0')), -1);
  const auto m = message("id,parent_id,level\nr,,a\n" + p16 + "ZZ,r,b\n" + p16 + "ZY,r,b\n" + p16 +
                         "ZZ,r,b\n");
  EXPECT_NE(m.find("duplicate id, first defined on line 3"), std::string::npos) << m;
}

TEST(HierarchyErrors, DuplicateId) {
  const auto m = message("id,parent_id,level\na,,p\nb,a,c\nb,a,c\n");
  EXPECT_NE(m.find("units.csv:4"), std::string::npos) << m;
  EXPECT_NE(m.find("duplicate id, first defined on line 3"), std::string::npos) << m;
  EXPECT_NE(m.find("Fix:"), std::string::npos) << m;
}

TEST(HierarchyErrors, MissingParent) {
  const auto m = message("id,parent_id,level\na,,p\nb,x,c\n");
  EXPECT_NE(m.find(":3: field 'parent_id' = 'x'"), std::string::npos) << m;
}

TEST(HierarchyErrors, Cycle) {
  const auto m = message("id,parent_id,level\na,,p\nb,c,q\nc,d,q\nd,b,q\n");
  EXPECT_NE(m.find("cycle"), std::string::npos) << m;
  EXPECT_NE(m.find("->"), std::string::npos) << m;
}

TEST(HierarchyErrors, SelfParent) {
  const auto m = message("id,parent_id,level\na,,p\nb,b,q\n");
  EXPECT_NE(m.find("own parent"), std::string::npos) << m;
}

TEST(HierarchyErrors, SeveralRoots) {
  const auto m = message("id,parent_id,level\na,,p\nb,,p\nc,,p\n");
  EXPECT_NE(m.find("several roots"), std::string::npos) << m;
  EXPECT_NE(m.find("and 1 more"), std::string::npos) << m;
  // ...but a subtree of one of them is fine.
  const auto p = write_file(temp_dir(), "roots.csv", "id,parent_id,level\na,,p\nb,,p\nc,b,q\n");
  EXPECT_EQ(io::load_hierarchy_csv(p, "b").size(), 2);
}

TEST(HierarchyErrors, BadNumber) {
  const auto m = message("id,parent_id,level,pop\na,,p,12x\n");
  EXPECT_NE(m.find(":2: field 'pop' = '12x': not a finite number"), std::string::npos) << m;
  message("id,parent_id,level,pop\na,,p,inf\n");
  message("id,parent_id,level,pop\na,,p,nan\n");
}

// A date written 2012-06 in an existence column: the message gives the formats it takes
// (not "list a text column", which would mislead).
TEST(HierarchyErrors, ExistenceDateNamesItsFormat) {
  for (const std::string col : {"exists_from", "exists_until"}) {
    const auto m = message("id,parent_id,level," + col + "\na,,p,\nb,a,q,2012-06\n");
    EXPECT_NE(m.find(":3: field '" + col + "' = '2012-06': not a year or a month"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("YYYYMM (e.g. 201206, not 2012-06)"), std::string::npos) << m;
    EXPECT_EQ(m.find("text column"), std::string::npos) << m;
  }
  EXPECT_EQ(load("id,parent_id,level,exists_from\na,,p,\nb,a,q,201206\n").size(), 2);
}

TEST(HierarchyErrors, EmptyFile) {
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("id,parent_id,level\n").find("no units"), std::string::npos);
}

TEST(HierarchyErrors, MissingColumnAndRaggedRows) {
  EXPECT_NE(message("id,level\na,p\n").find("'parent_id'"), std::string::npos);
  EXPECT_NE(message("id,parent_id,level\na,,p,extra\n").find("4 fields but the header has 3"),
            std::string::npos);
  EXPECT_NE(message("id,parent_id,level\na,,\"p\n").find("unterminated"), std::string::npos);
  EXPECT_NE(message("id,parent_id,level\n,,p\n").find("empty id"), std::string::npos);
}

TEST(HierarchyErrors, LevelNamesMustMatchDepth) {
  const auto m = message("id,parent_id,level\na,,p\nb,a,q\nc,a,r\n");
  EXPECT_NE(m.find("units at depth 1 are level 'q'"), std::string::npos) << m;
  const auto m2 = message("id,parent_id,level\na,,p\nb,a,p\n");
  EXPECT_NE(m2.find("depth"), std::string::npos) << m2;
  // A misspelt level is blamed on its own line even when it comes first: the depth's name is
  // the one most of its units give.
  const auto m3 = message("id,parent_id,level\na,,p\nb,a,qq\nc,a,q\nd,a,q\n");
  EXPECT_NE(m3.find(":3:"), std::string::npos) << m3;
  EXPECT_NE(m3.find("units at depth 1 are level 'q' (2 of 3), but this one is 'qq'"),
            std::string::npos)
      << m3;
}

TEST(HierarchyErrors, MissingFile) {
  expect_error([] { io::load_hierarchy_csv("/nonexistent/units.csv", ""); }, ErrorKind::no_input);
}

TEST(Hierarchy, ReadsGzip) {
  const auto dir = temp_dir();
  const auto p = dir + "/units.csv.gz";
  gzFile f = gzopen(p.c_str(), "wb");
  const std::string text = "id,parent_id,level\r\na,,p\r\nb,a,q\r\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  const auto h = io::load_hierarchy_csv(p, "");
  EXPECT_EQ(h.size(), 2);
  EXPECT_EQ(h.level_names()[1], "q");  // CR stripped
}

TEST(Network, EdgesCsrAndErrors) {
  const auto h = load(kGood);
  const auto dir = temp_dir();
  NetworkBuilder nb(h);
  io::load_edges_csv(write_file(dir, "e.csv", "from,to,weight\nc1,c2,2\nc1,c2,1\nc2,c3,0.5\n"),
                     true, nb);
  const auto net = nb.build();
  EXPECT_EQ(net.n_edges(), 4);  // c1-c2 merged, both directions
  const auto c1 = h.find("c1");
  ASSERT_EQ(net.degree(c1), 1);
  EXPECT_EQ(net.weights(c1)[0], 3.0F);
  auto err = [&](const std::string& csv) {
    NetworkBuilder b(h);
    return std::string(
        expect_error([&] { io::load_edges_csv(write_file(dir, "bad.csv", csv), true, b); },
                     ErrorKind::data)
            .what());
  };
  EXPECT_NE(err("from,to,weight\nc1,zz,1\n").find("field 'to' = 'zz'"), std::string::npos);
  EXPECT_NE(err("from,to,weight\nc1,c2,-1\n").find("weight"), std::string::npos);
  EXPECT_NE(err("from,to,weight\nc1,c1,1\n").find("itself"), std::string::npos);
  EXPECT_NE(err("from,to,weight\n").find("no rows"), std::string::npos);
  EXPECT_NE(err("a,b\nc1,c2\n").find("from"), std::string::npos);
  EXPECT_NE(err("from,to,weight\nc1,c2,\n").find("missing weight"), std::string::npos);
}

// A symmetric list that also gives a pair's reverse would count the pair twice: refused,
// naming both lines. Without `symmetric`, or across files, the weights add up as documented.
TEST(Network, SymmetricListGivingBothDirectionsIsRefused) {
  const auto h = load(kGood);
  const auto dir = temp_dir();
  const auto both = write_file(dir, "both.csv", "from,to,weight\nc1,c2,2\nc2,c3,1\nc2,c1,2\n");
  NetworkBuilder nb(h);
  io::load_edges_csv(both, true, nb);
  const std::string msg = expect_error([&] { (void)nb.build(); }, ErrorKind::data).what();
  EXPECT_NE(msg.find("both.csv"), std::string::npos) << msg;
  EXPECT_NE(msg.find("both.csv:4:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'to' = 'c1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the edge c2 -> c1 reverses line 2 (c1 -> c2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("symmetric = false"), std::string::npos) << msg;
  // The same rows as a directed list: one edge each way, weights as given.
  NetworkBuilder directed(h);
  io::load_edges_csv(both, false, directed);
  const auto net = directed.build();
  EXPECT_EQ(net.n_edges(), 3);
  EXPECT_EQ(net.weights(h.find("c1"))[0], 2.0F);
  // One pair in two symmetric files (e.g. borders plus flows) adds up.
  NetworkBuilder two(h);
  io::load_edges_csv(write_file(dir, "a.csv", "from,to,weight\nc1,c2,2\n"), true, two);
  io::load_edges_csv(write_file(dir, "b.csv", "from,to,weight\nc2,c1,1\n"), true, two);
  const auto summed = two.build();
  EXPECT_EQ(summed.n_edges(), 2);
  EXPECT_EQ(summed.weights(h.find("c1"))[0], 3.0F);
}

TEST(Network, EdgesOutsideSubtreeAreDropped) {
  const auto h = load(kGood, "b");
  NetworkBuilder nb(h);
  io::load_edges_csv(write_file(temp_dir(), "e.csv", "from,to\nc1,c3\nc1,c2\n"), false, nb);
  const auto net = nb.build();
  EXPECT_EQ(net.n_edges(), 1);
  EXPECT_EQ(net.dropped(), 1);
}

TEST(ChinaData, ShippedHierarchyIsComplete) {
  const auto h = io::load_hierarchy_csv(io::data_dir() + "/china/units.csv.gz", "350205");
  EXPECT_EQ(h.size(), 1 + 6 + 49);  // Haicang: 6 township-level units, 49 communities
  EXPECT_EQ(h.level_names()[0], "county");
  const auto ms = h.attribute(*h.attribute_index("migrant_share"));
  for (std::int32_t u = 0; u < h.size(); ++u) {
    EXPECT_GT(ms[u], 0.0);
    EXPECT_LT(ms[u], 1.0);
  }
}

TEST(Hierarchy, TextColumns) {
  const auto p =
      write_file(temp_dir(), "t.csv",
                 "id,parent_id,level,region,pop\na,,p,north,1\nb,a,q,\"south, coast\",2\n");
  const auto m =
      std::string(expect_error([&] { io::load_hierarchy_csv(p, ""); }, ErrorKind::data).what());
  EXPECT_NE(m.find("field 'region' = 'north'"), std::string::npos) << m;
  EXPECT_NE(m.find("hierarchy.text_columns"), std::string::npos) << m;
  const auto h = io::load_hierarchy_csv(p, "", {}, {"region"});
  ASSERT_EQ(h.text_attribute_names().size(), 1U);
  EXPECT_EQ(h.text_attribute(0, h.find("b")), "south, coast");
  EXPECT_EQ(h.attribute_names(), std::vector<std::string>{"pop"});
  expect_error([&] { io::load_hierarchy_csv(p, "", {}, {"colour"}); }, ErrorKind::config);
}

// Ids are indexed by merging the file's ascending runs (each level in order, as the shipped
// files are) or, past 64 runs, by sorting: every id resolves either way, and a duplicate is
// found on its line.
TEST(Hierarchy, IdsResolveInAnyOrderOfRows) {
  for (const bool few_runs : {true, false}) {
    std::string csv = "id,parent_id,level\nr,,a\n";
    std::vector<std::string> mid, leaf;
    for (int i = 0; i < 150; ++i) {
      const int k = few_runs ? i : 149 - i;  // descending: 150 runs
      mid.push_back("m" + std::to_string(1000 + k));
      csv += mid.back() + ",r,b\n";
    }
    for (int i = 0; i < 300; ++i) {
      const int k = few_runs ? i : (i * 7919) % 300;
      leaf.push_back("l" + std::to_string(100000 + k));
      csv += leaf.back() + ",m" + std::to_string(1000 + k % 150) + ",c\n";
    }
    const auto h = load(csv);
    ASSERT_EQ(h.size(), 451);
    for (std::size_t i = 0; i < leaf.size(); ++i) {
      const auto u = h.find(leaf[i]);
      ASSERT_GE(u, 0) << leaf[i];
      EXPECT_EQ(h.id(u), leaf[i]);
      EXPECT_EQ(h.id(h.parent(u)),
                "m" + std::to_string(1000 + (std::stoi(leaf[i].substr(1)) - 100000) % 150))
          << leaf[i];
    }
    EXPECT_EQ(h.find("m999"), -1);
    EXPECT_EQ(h.find("l1000000"), -1);
    const auto m = message(csv + "m1000,r,b\n");
    EXPECT_NE(m.find("duplicate id, first defined on line"), std::string::npos) << m;
  }
}
