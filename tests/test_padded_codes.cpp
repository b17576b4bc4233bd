// China's codes padded with zeros (130100 for the prefecture 1301) in events and covariates
// files and `pdlab units`; empty event times; a shipped neighbour list on a hierarchy file.
#include "helpers.hpp"
#include "pdlab/core/network.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/padded_codes.hpp"

using namespace pdlab;

namespace {

// China's layout in small: 441900 is the prefecture 4419's only county (as 东莞市 in the
// shipped data), so 441900 is both a unit and, padded, the prefecture.
const char* kUnits =
    "id,parent_id,level,name\n"
    "0,,nation,中国\n"
    "11,0,province,北京市\n"
    "1101,11,prefecture,市辖区\n"
    "110101,1101,county,东城区\n"
    "13,0,province,河北省\n"
    "1301,13,prefecture,石家庄市\n"
    "130102,1301,county,长安区\n"
    "44,0,province,广东省\n"
    "4419,44,prefecture,东莞市\n"
    "441900,4419,county,东莞市\n"
    "441900003,441900,township,东城街道\n";

Hierarchy china_like() {
  return io::load_hierarchy_csv(test::write_file(test::temp_dir(), "u.csv", kUnits), "");
}

Calendar years() {
  Calendar cal;
  cal.start_year = 2018;
  cal.periods_per_year = 1;
  cal.periods = 5;
  return cal;
}

std::vector<std::string> ids(const Hierarchy& h, const std::vector<std::int32_t>& units) {
  std::vector<std::string> out;
  for (const auto u : units) {
    out.emplace_back(h.id(u));
  }
  return out;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(PaddedCodes, FindsTheUnitAPaddedCodeNames) {
  const auto h = china_like();
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(h, io::padded_code_units(h, "130100")), V{"1301"});
  EXPECT_EQ(ids(h, io::padded_code_units(h, "110000")), V{"11"});
  EXPECT_EQ(ids(h, io::padded_code_units(h, "130100000000")), V{"1301"});
  EXPECT_EQ(ids(h, io::padded_code_units(h, "130102000")), V{"130102"});
  EXPECT_EQ(ids(h, io::padded_code_units(h, "441900")), V{"4419"});
  EXPECT_EQ(ids(h, io::padded_code_units(h, "441900000000")), (V{"4419", "441900"}));
  EXPECT_TRUE(io::padded_code_units(h, "139900").empty());  // no prefecture 1399
  EXPECT_TRUE(io::padded_code_units(h, "13010").empty());   // not 6, 9 or 12 digits
  EXPECT_TRUE(io::padded_code_units(h, "1301").empty());
  EXPECT_TRUE(io::padded_code_units(h, "13a100").empty());
}

// A generic hierarchy with numeric ids is not read as China's: a prefix must sit where
// China's layout puts it (under the unit its own prefix names).
TEST(PaddedCodes, OnlyWhereTheIdsFollowChinasLayout) {
  const auto h = io::load_hierarchy_csv(
      test::write_file(test::temp_dir(), "u.csv",
                       "id,parent_id,level\n0,,top\n10,0,mid\n9000,10,low\n"),
      "");
  EXPECT_EQ(ids(h, io::padded_code_units(h, "100000")), std::vector<std::string>{"10"});
  EXPECT_TRUE(io::padded_code_units(h, "900000").empty());  // 9000 is not under 90
}

TEST(PaddedCodes, EventsReadPaddedCodesWithANote) {
  const auto h = china_like();
  const auto p = test::write_file(test::temp_dir(), "ev.csv",
                                  "unit_id,policy_id,time\n130100,p,2019\n110000,p,2020\n"
                                  "130102,p,2021\n");
  const auto ev = io::read_events(p, h, years());
  ASSERT_EQ(ev.adoptions.size(), 3U);
  EXPECT_EQ(h.id(ev.adoptions[0].unit), "1301");
  EXPECT_EQ(h.id(ev.adoptions[1].unit), "11");
  EXPECT_EQ(h.id(ev.adoptions[2].unit), "130102");
  EXPECT_EQ(ev.padded_ids, 2);
  EXPECT_TRUE(has(ev.padded_ids_note,
                  "2 unit ids read as China's codes padded with zeros (1 province, 1 "
                  "prefecture; e.g. '130100' on line 2 as prefecture 1301 (石家庄市))"))
      << ev.padded_ids_note;
  // The hierarchy's own codes: no note.
  const auto plain = io::read_events(
      test::write_file(test::temp_dir(), "ev.csv", "unit_id,policy_id,time\n441900,p,2019\n"), h,
      years());
  EXPECT_EQ(plain.padded_ids, 0);
  EXPECT_EQ(plain.padded_ids_note, "");
}

TEST(PaddedCodes, AmbiguousIdsAreRefused) {
  const auto h = china_like();
  const auto dir = test::temp_dir();
  // 441900 is the county, but in a file of padded codes it would be the prefecture 4419.
  const auto mixed =
      test::write_file(dir, "mixed.csv", "unit_id,policy_id,time\n130100,p,2019\n441900,p,2020\n");
  const std::string e1 =
      test::expect_error([&] { io::read_events(mixed, h, years()); }, ErrorKind::data).what();
  EXPECT_TRUE(has(e1,
                  "mixed.csv:3: field 'unit_id' = '441900': ambiguous id: it is county "
                  "441900 (东莞市), but this file writes codes padded with zeros (e.g. "
                  "'130100' on line 2, read as prefecture 1301 (石家庄市)), and padded it is "
                  "prefecture 4419 (东莞市)"))
      << e1;
  EXPECT_TRUE(has(e1, "4419 for the prefecture, 441900 for the county")) << e1;
  // Two units pad to it.
  const auto two =
      test::write_file(dir, "two.csv", "unit_id,policy_id,time\n441900000000,p,2019\n");
  const std::string e2 =
      test::expect_error([&] { io::read_events(two, h, years()); }, ErrorKind::data).what();
  EXPECT_TRUE(has(e2,
                  "two.csv:2: field 'unit_id' = '441900000000': no unit has this id, and "
                  "read as a code padded with zeros it is ambiguous: prefecture 4419 "
                  "(东莞市) or county 441900 (东莞市)"))
      << e2;
  // A padded code of no unit stays the unknown-id error.
  const auto none = test::write_file(dir, "none.csv", "unit_id,policy_id,time\n139900,p,2019\n");
  const std::string e3 =
      test::expect_error([&] { io::read_events(none, h, years()); }, ErrorKind::data).what();
  EXPECT_TRUE(has(e3, "'139900': no unit in the hierarchy has this id")) << e3;
}

TEST(PaddedCodes, CovariatesReadPaddedCodesWithANote) {
  const auto h = china_like();
  const auto p = test::write_file(test::temp_dir(), "cov.csv",
                                  "unit_id,time,variable,value\n130100,2019,x,1\n1301,2020,x,2\n");
  std::string note;
  const auto tv = io::read_time_varying(p, h, years(), &note);
  ASSERT_EQ(tv.size(), 1U);
  ASSERT_EQ(tv[0].obs.size(), 2U);
  EXPECT_EQ(tv[0].obs[0].unit, h.find("1301"));
  EXPECT_TRUE(has(note, "1 unit id read as China's codes padded with zeros (1 prefecture;"))
      << note;
}

TEST(EventsFile, EmptyTimeSaysNeverAdoptersHaveNoRow) {
  const auto h = china_like();
  const auto p = test::write_file(test::temp_dir(), "ev.csv",
                                  "unit_id,policy_id,time\n1301,p,2019\n1101,p,\n11,p,\n"
                                  "130102,q,\n13,p,2020\n");
  const std::string e =
      test::expect_error([&] { io::read_events(p, h, years()); }, ErrorKind::data).what();
  EXPECT_TRUE(has(e,
                  "ev.csv:3: field 'time' = '': empty time: 3 of the file's 5 rows have no "
                  "date (lines 3, 4, 5)"))
      << e;
  EXPECT_TRUE(has(e,
                  "a unit that never adopted has no row in the events file: leave those rows "
                  "out (e.g. awk -F, 'NR==1 || $3 != \"\"'"))
      << e;
  // With a policy filter only that policy's rows are counted.
  io::EventsReadOptions opt;
  opt.policies = {"p"};
  const std::string ep =
      test::expect_error([&] { io::read_events(p, h, years(), opt); }, ErrorKind::data).what();
  EXPECT_TRUE(has(ep, "empty time: 2 of the file's 5 rows have no date (lines 3, 4)")) << ep;
}

TEST(Network, DroppingUnknownIdsCountsThem) {
  const auto h = china_like();
  NetworkBuilder nb(h);
  nb.drop_unknown_ids(true);
  nb.add("adj.csv", 2, "1301", "1101", 1.0, true);
  nb.add("adj.csv", 3, "1301", "1399", 1.0, true);  // 1399 is no unit here
  nb.drop_unknown_ids(false);
  EXPECT_EQ(nb.rows_added(), 1);
  EXPECT_EQ(nb.unknown_dropped(), 1);
  // Off again: an unknown id is the error it always was.
  const std::string e =
      test::expect_error([&] { nb.add("adj.csv", 4, "1301", "1399", 1.0, true); }, ErrorKind::data)
          .what();
  EXPECT_TRUE(has(e, "no unit in the hierarchy has this id")) << e;
  nb.add_note("kept 1");
  const auto net = nb.build();
  EXPECT_EQ(net.n_edges(), 2);
  EXPECT_EQ(net.notes(), std::vector<std::string>{"kept 1"});
}
