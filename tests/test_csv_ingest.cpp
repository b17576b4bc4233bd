// The CSV ingest path of `pdlab eha` and `pdlab cox`: parse_double's fast path gives exactly
// std::from_chars's doubles, and read_table gives the same table (and the same first error)
// on one thread as on several, with blocks of lines parsed apart.
#include "helpers.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/text_reader.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace pdlab {
namespace {

bool from_chars_double(const std::string& s, double& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

void expect_same(const std::string& s) {
  double want = 0;
  double got = 0;
  const bool ok_want = from_chars_double(s, want);
  const bool ok_got = io::parse_double(s, got);
  ASSERT_EQ(ok_got, ok_want) << "'" << s << "'";
  if (ok_want) {
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0)
        << "'" << s << "': " << got << " vs " << want;
  }
  // In a field of a longer line (the short path, which reads ahead, then applies): where the
  // prefix parser takes the whole field, its value is from_chars's.
  const std::string line = s + ",0123456789012345678901234";
  double in_line = 0;
  const char* q = io::parse_decimal_prefix(line.data(), line.data() + line.size(), in_line);
  ASSERT_TRUE(q == nullptr || q <= line.data() + s.size()) << "'" << s << "'";
  if (q == line.data() + s.size()) {
    ASSERT_TRUE(ok_want) << "'" << s << "'";
    EXPECT_EQ(std::memcmp(&in_line, &want, sizeof want), 0)
        << "'" << s << "' in a line: " << in_line << " vs " << want;
  }
}

TEST(CsvIngest, ParseDoubleIsFromChars) {
  for (const char* s : {"0",
                        "-0",
                        "1",
                        "-1.5",
                        "0.1",
                        "1e5",
                        "1E-5",
                        "1e+22",
                        "1e23",
                        "1e-22",
                        "1e-23",
                        "1.",
                        ".5",
                        "-",
                        "",
                        "+1",
                        "1e",
                        "1e+",
                        "1.5e",
                        "inf",
                        "-inf",
                        "nan",
                        "NA",
                        "0x1p3",
                        "1,5",
                        "1 ",
                        " 1",
                        "9007199254740992",
                        "9007199254740993",
                        "00012",
                        "1e0005",
                        "12345678",
                        "123456789012345678901",
                        "0.000123456",
                        "1e999",
                        "4.9e-324",
                        "1.7976931348623157e308",
                        "-0.000000",
                        "12345678.87654321",
                        "1234567890123456789",
                        "99999999999999999999"}) {
    expect_same(s);
  }
  std::mt19937_64 gen(7);
  std::normal_distribution<double> z;
  std::uniform_int_distribution<int> digits(1, 19);
  std::uniform_int_distribution<int> exps(-30, 30);
  char buf[64];
  for (int i = 0; i < 200000; ++i) {
    const double x = z(gen) * std::pow(10.0, exps(gen));
    const int n = std::snprintf(buf, sizeof buf, i % 2 ? "%.*g" : "%.*f", digits(gen), x);
    expect_same(std::string(buf, static_cast<std::size_t>(n)));
  }
  // Short decimals, -?D{1,8}.D{1,8}, as CSV writers print them.
  std::uniform_int_distribution<int> short_digits(1, 8);
  for (int i = 0; i < 200000; ++i) {
    const int before = short_digits(gen);
    const int after = short_digits(gen);
    std::string t = i % 2 ? "-" : "";
    for (int k = 0; k < before + after + 1; ++k) {
      t += k == before ? '.' : static_cast<char>('0' + gen() % 10);
    }
    expect_same(t);
  }
  // Every digit string of 1 to 16 digits with the point anywhere (mantissas near 2^53 too).
  std::uniform_int_distribution<std::uint64_t> mant(0, std::uint64_t{1} << 54U);
  for (int i = 0; i < 100000; ++i) {
    std::string s = std::to_string(mant(gen));
    s.insert(s.size() - static_cast<std::size_t>(i % static_cast<int>(s.size())), ".");
    if (s.back() == '.') {
      s.pop_back();
    }
    expect_same(s);
  }
}

// A table with every kind of row the reader meets: numbers, text, NA, empty fields, quotes,
// padded numbers, CRLF, empty lines; big enough for several blocks.
std::string messy_table(int rows) {
  std::string t = "\xEF\xBB\xBFy,x,label,z\r\n";
  std::mt19937_64 gen(3);
  std::normal_distribution<double> z;
  char buf[256];
  for (int i = 0; i < rows; ++i) {
    const double x = z(gen);
    const char* label = i % 7 == 0 ? "\"a, \"\"quoted\"\" one\"" : (i % 5 ? "b" : "c");
    const char* zz = i % 11 == 0 ? "NA" : (i % 13 == 0 ? "" : (i % 17 == 0 ? " 2.5 " : "1e-3"));
    std::snprintf(buf, sizeof buf, "%d,%.*g,%s,%s%s", i % 2, 1 + i % 17, x, label, zz,
                  i % 3 ? "\n" : "\r\n");
    t += buf;
    if (i % 1000 == 0) {
      t += "\n";  // an empty line
    }
  }
  return t;
}

void expect_same_tables(const io::DataTable& a, const io::DataTable& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.names, b.names);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.numeric, b.numeric);
  EXPECT_EQ(a.first_text, b.first_text);
  for (std::size_t c = 0; c < a.names.size(); ++c) {
    for (std::size_t r = 0; r < a.rows(); ++r) {
      ASSERT_EQ(a.text[c][r], b.text[c][r]) << c << " " << r;
      const double x = a.num[c][r];
      const double y = b.num[c][r];
      ASSERT_TRUE((std::isnan(x) && std::isnan(y)) || x == y) << c << " " << r;
    }
  }
}

TEST(CsvIngest, ThreadsGiveTheSameTable) {
  const auto dir = test::temp_dir();
  const auto p =
      test::write_file(dir, "messy.csv", messy_table(500000));  // ~13 MB: 3 blocks of 4 MB
  const auto one = io::read_table(p, 1);
  const auto four = io::read_table(p, 4);
  expect_same_tables(one, four);
  EXPECT_EQ(one.names, (std::vector<std::string>{"y", "x", "label", "z"}));
  EXPECT_EQ(one.text[2][0], "a, \"quoted\" one");
  EXPECT_EQ(one.text[3][17], " 2.5 ") << "padding is kept in the text, not the number";
  EXPECT_EQ(one.num[3][17], 2.5);
  EXPECT_FALSE(one.numeric[2]);
  EXPECT_TRUE(one.numeric[3]);
  EXPECT_EQ(one.line[0], 2);
  EXPECT_EQ(one.line[1], 4) << "line 3 is empty";
  EXPECT_EQ(one.rows(), 500000U);
  // gzip gives the same table.
  const auto gz = dir + "/messy.csv.gz";
  {
    const std::string text = messy_table(500000);
    gzFile f = gzopen(gz.c_str(), "wb1");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
              static_cast<int>(text.size()));
    gzclose(f);
  }
  expect_same_tables(one, io::read_table(gz, 2));
}

TEST(CsvIngest, FirstErrorInTheFileWhateverTheThreads) {
  const auto dir = test::temp_dir();
  auto text = messy_table(500000);
  // Two bad rows, one in each block: the first is the one reported.
  const auto second = text.find('\n', text.size() * 3 / 4);
  text.insert(second + 1, "1,2\n");
  const auto first = text.find('\n', text.size() / 4);
  text.insert(first + 1, "1,\"x\"y,3,4\n");
  const auto bad_line = 1 + std::count(text.begin(), text.begin() + first + 1, '\n');
  const auto p = test::write_file(dir, "bad.csv", text);
  for (int threads : {1, 2, 4}) {
    const auto e = test::expect_error([&] { io::read_table(p, threads); }, ErrorKind::data);
    EXPECT_NE(std::string(e.what()).find("bad.csv:" + std::to_string(bad_line) + ":"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("text after a closing quote"), std::string::npos);
  }
  const auto p2 = test::write_file(dir, "empty_rows.csv", "a,b\n\n\r\n");
  const auto e = test::expect_error([&] { io::read_table(p2); }, ErrorKind::data);
  EXPECT_NE(std::string(e.what()).find("empty_rows.csv:3:"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("the table has no rows"), std::string::npos);
}

// A selection of columns (what `pdlab eha` reads) gives the full table's values for the
// columns it keeps, at any thread count, and still refuses every bad row as the full read does,
// skipped columns included.
TEST(CsvIngest, SelectedColumnsAreTheFullTables) {
  const auto dir = test::temp_dir();
  const auto p = test::write_file(dir, "messy.csv", messy_table(300000));
  const auto full = io::read_table(p, 1);
  io::TableColumns keep;
  keep.all = false;
  keep.numbers = {"x", "z", "no_such_column"};
  keep.text = {"label"};
  for (int threads : {1, 4}) {
    const auto part = io::read_table(p, threads, keep);
    ASSERT_EQ(part.rows(), full.rows());
    EXPECT_EQ(part.line, full.line);
    EXPECT_EQ(part.kept, (std::vector<bool>{false, true, true, true}));
    EXPECT_TRUE(part.num[0].empty());
    EXPECT_TRUE(part.text[0].empty() && part.text[1].empty() && part.text[3].empty());
    for (std::size_t c = 1; c < 4; ++c) {
      EXPECT_EQ(part.numeric[c], full.numeric[c]);
      EXPECT_EQ(part.first_text[c], full.first_text[c]);
      for (std::size_t r = 0; r < full.rows(); ++r) {
        const double x = part.num[c][r];
        const double y = full.num[c][r];
        ASSERT_TRUE((std::isnan(x) && std::isnan(y)) || x == y) << c << " " << r;
      }
    }
    for (std::size_t r = 0; r < full.rows(); ++r) {
      ASSERT_EQ(part.text[2][r], full.text[2][r]) << r;
    }
  }
  // Bad rows whose faults lie in skipped columns: the same first error as the full read.
  io::TableColumns only_y;
  only_y.all = false;
  only_y.numbers = {"y"};
  for (const char* bad : {"1,2\n", "1,2,b,3,4\n", "1,2,b\n", "1,\"x\"y,3,4\n", "1,2,\"b,3\n"}) {
    auto text = messy_table(300000);
    const auto at = text.find('\n', text.size() / 2);
    text.insert(at + 1, bad);
    const auto path = test::write_file(dir, "bad.csv", text);
    const auto want = test::expect_error([&] { io::read_table(path, 1); }, ErrorKind::data);
    for (int threads : {1, 4}) {
      const auto got =
          test::expect_error([&] { io::read_table(path, threads, only_y); }, ErrorKind::data);
      EXPECT_EQ(std::string(got.what()), std::string(want.what())) << bad;
    }
  }
}

// read_design (the CSV straight into the design matrix) gives build_design's design, bit for
// bit, at any thread count, and declines (nullopt) whatever only the general reader may judge.
void expect_same_design(const io::Design& got, const io::Design& want, const std::string& what) {
  ASSERT_EQ(got.x.rows(), want.x.rows()) << what;
  ASSERT_EQ(got.x.cols(), want.x.cols()) << what;
  EXPECT_EQ(got.names, want.names) << what;
  EXPECT_EQ(got.dropped_missing, want.dropped_missing) << what;
  EXPECT_TRUE(got.clusters.empty()) << what;
  const auto same = [](const double* a, const double* b, Eigen::Index n) {
    return n == 0 || std::memcmp(a, b, sizeof(double) * static_cast<std::size_t>(n)) == 0;
  };
  EXPECT_TRUE(same(got.x.data(), want.x.data(), got.x.size())) << what;
  ASSERT_EQ(got.y.size(), want.y.size()) << what;
  EXPECT_TRUE(same(got.y.data(), want.y.data(), got.y.size())) << what;
  ASSERT_EQ(got.offset.size(), want.offset.size()) << what;
  EXPECT_TRUE(same(got.offset.data(), want.offset.data(), got.offset.size())) << what;
}

void expect_read_design(const std::string& dir, const std::string& text, const std::string& formula,
                        const std::string& offset = "") {
  const auto p = test::write_file(dir, "d.csv", text);
  const auto f = io::parse_formula(formula);
  const auto want = io::build_design(io::read_table(p, 1), f, offset, "");
  for (int threads : {1, 2, 4}) {
    const auto got = io::read_design(p, f, offset, "", threads);
    ASSERT_TRUE(got.has_value()) << formula << " on:\n" << text.substr(0, 300);
    expect_same_design(*got, want, formula + " on:\n" + text.substr(0, 300));
  }
}

// A table that read_design takes: plain decimals of every length (short ones on the fast
// path, long mantissas and exponents through parse_decimal_prefix), integers, -0, empty and NA
// fields, a text column outside the formula, CRLF and LF lines, empty lines; several blocks.
std::string plain_table(int rows) {
  std::string t = "y,x1,label,x2,x3,o\n";
  std::mt19937_64 gen(11);
  std::normal_distribution<double> z;
  char buf[256];
  for (int i = 0; i < rows; ++i) {
    const double a = z(gen);
    const double b = z(gen) * std::pow(10.0, i % 9 - 4);
    const char* x3 = i % 101 == 0 ? "NA" : (i % 103 == 0 ? "" : (i % 3 ? "-0" : "1e-3"));
    std::snprintf(buf, sizeof buf, "%d,%.*g,%s,%.*f,%s,%d%s", i % 2, 1 + i % 17, a,
                  i % 5 ? "some text" : "", i % 12, b, x3, i % 4, i % 3 ? "\n" : "\r\n");
    t += buf;
    if (i % 5000 == 0) {
      t += i % 10000 == 0 ? "\n" : "\r\n";
    }
  }
  return t;
}

TEST(CsvIngest, ReadDesignIsBuildDesign) {
  const auto dir = test::temp_dir();
  // Small files: every line within the last 64 bytes, parsed from the padded copy.
  expect_read_design(dir, "y,x\n1,2\n", "y ~ x");
  expect_read_design(dir, "y,x\n1,2", "y ~ x");  // no final newline
  expect_read_design(dir, "y,x\r\n1,2\r\n0,-3.5\r", "y ~ x");
  expect_read_design(dir, "\xEF\xBB\xBFy,x\r\n1,2\r\n\r\n\n0,-0\n", "y ~ x - 1");
  expect_read_design(dir, "y\n1\n0\n\n1\n", "y ~ 1");  // empty lines are no rows
  expect_read_design(dir, "y,x,z\n1,,3\n0,NA,4\n1,5,NA\n0,6,\n1,7,8\n", "y ~ x + z");
  expect_read_design(dir, "y,x,o\n1,2,0.5\n0,3,NA\n1,4,-1e-3\n", "y ~ x", "o");
  expect_read_design(dir, "y,x\n1,inf\n0,nan\n1,-inf\n0,2\n", "y ~ x");  // from_chars's
  expect_read_design(dir, "y,x\n1,2\n0,3\n", "y ~ x + x + y");           // columns used twice
  expect_read_design(dir, "a,y,b,x\nt e x t,1,,123456789.123456789\n,0,??,1e300\n", "y ~ x");
  // Long lines near the end of the file (the padded copy holds more than one line).
  expect_read_design(dir, "y,x,t\n1,2," + std::string(200, 'a') + "\n0,3,b\n", "y ~ x");
  // Several blocks of 4 MB, each parsed into its own rows: the same at 1, 2 and 4 threads.
  const auto big = plain_table(400000);
  ASSERT_GT(big.size(), std::size_t{12} << 20U);
  expect_read_design(dir, big, "y ~ x1 + x2 + x3", "o");
  expect_read_design(dir, big, "y ~ o + x2 - 1", "x1");
}

TEST(CsvIngest, ReadDesignDeclinesWhatTheTableMustJudge) {
  const auto dir = test::temp_dir();
  const auto declines = [&](const std::string& text, const std::string& formula,
                            const std::string& cluster = "") {
    const auto p = test::write_file(dir, "d.csv", text);
    for (int threads : {1, 2}) {
      EXPECT_FALSE(io::read_design(p, io::parse_formula(formula), "", cluster, threads))
          << formula << " on:\n"
          << text.substr(0, 200);
    }
  };
  declines("y,x\n1,\"2\"\n", "y ~ x");        // a quote
  declines("y,x,t\n1,2,\"a,b\"\n", "y ~ x");  // a quote in a skipped column
  declines("\"y\",x\n1,2\n", "y ~ x");        // a quoted header
  declines("y,x\n1, 2\n", "y ~ x");           // padding (read_table trims it)
  declines("y,x\n1,+2\n", "y ~ x");           // text for read_table
  declines("y,x\n1,1e999\n", "y ~ x");        // out of range: text for read_table
  declines("y,x\n1,abc\n", "y ~ x");          // not numeric: build_design's message
  declines("y,x\n2,1\n", "y ~ x");            // response not 0/1: eha_study's message
  declines("y,x\n1,2,3\n", "y ~ x");          // too many fields
  declines("y,x,z\n1,2\n", "y ~ x");          // too few
  declines("y,x\n1,2\r\r\n", "y ~ x");        // a CR inside the field
  declines("y,y\n1,2\n", "y ~ 1");            // the header names a column twice
  declines("y,x\n1,2\n", "y ~ w");            // no such column
  declines("y,x\n1,2\n", "y ~ factor(x)");    // factors: the table
  declines("y,x\n1,2\n", "y ~ x", "x");       // clusters: the table
  declines("y,x\n", "y ~ x");                 // no rows
  declines("y,x\n\n\r\n", "y ~ x");
  declines("y,x\n1,NA\n0,\n", "y ~ x");  // no complete row
  declines("", "y ~ x");                 // empty
  declines(std::string("y,x\n1,2\n") + std::string(100, '\n') + "1,\"3\"\n", "y ~ x");
  // gzip: the table reads it.
  const auto gz = dir + "/d.csv.gz";
  const std::string text = "y,x\n1,2\n0,3\n";
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(f);
  EXPECT_FALSE(io::read_design(gz, io::parse_formula("y ~ x"), "", ""));
  EXPECT_FALSE(io::read_design(dir + "/no_such.csv", io::parse_formula("y ~ x"), "", ""));
  const auto fifo = dir + "/fifo.csv";  // not waited on: declined at once
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(io::read_design(fifo, io::parse_formula("y ~ x"), "", ""));
  // A bad row in one block of several: the whole file goes to the table.
  auto big = plain_table(300000);
  big.insert(big.find('\n', big.size() / 2) + 1, "1,2,t,3,4\n");
  declines(big, "y ~ x1");
}

// read_design vouches for its design (Design::checked: responses 0 or 1, x finite), so that
// `pdlab eha` spares the fit its own pass; an infinity, which it keeps as read_table does,
// withdraws that promise, and the fit then finds it (tests/bad_inputs: eha_infinite).
TEST(CsvIngest, ReadDesignVouchesOnlyForAFiniteDesign) {
  const auto dir = test::temp_dir();
  const auto checked = [&](const std::string& text, const std::string& formula) -> bool {
    const auto p = test::write_file(dir, "d.csv", text);
    std::vector<bool> got;
    for (int threads : {1, 2}) {
      const auto d = io::read_design(p, io::parse_formula(formula), "", "", threads);
      EXPECT_TRUE(d.has_value()) << text.substr(0, 200);
      got.push_back(d && d->checked);
    }
    EXPECT_EQ(got[0], got[1]) << text.substr(0, 200);
    return got[0];
  };
  EXPECT_TRUE(checked("y,x\n1,2\n0,-3.5e2\n1,\n0,NA\n", "y ~ x"));
  EXPECT_TRUE(checked(plain_table(400000), "y ~ x1 + x2 + x3"));
  EXPECT_FALSE(checked("y,x\n1,2\n0,inf\n", "y ~ x"));
  EXPECT_FALSE(checked("y,x\n1,2\n0,-inf\n", "y ~ x - 1"));
  EXPECT_FALSE(checked("y,x,z\n1,2,3\n0,inf,NA\n1,4,5\n", "y ~ x + z"));  // in a dropped row
  // In the padded copy of the last lines, and in a block in the middle of the file (the flags
  // of every block count).
  EXPECT_FALSE(checked(plain_table(400000) + "1,0.5,,2,inf,1\n", "y ~ x1 + x2 + x3"));
  auto middle = plain_table(400000);
  middle.insert(middle.find('\n', middle.size() / 2) + 1, "1,0.5,,-inf,1,1\n");
  EXPECT_FALSE(checked(middle, "y ~ x1 + x2 + x3"));
  // A column outside the formula may hold anything.
  EXPECT_TRUE(checked("y,x,z\n1,2,inf\n0,3,4\n", "y ~ x"));
  // build_design's design is never vouched for: the fit checks it.
  EXPECT_FALSE(io::build_design(io::read_table(test::write_file(dir, "e.csv", "y,x\n1,2\n0,3\n")),
                                io::parse_formula("y ~ x"), "", "")
                   .checked);
}

}  // namespace
}  // namespace pdlab

// A reader that fails while reading the header (an empty file, plain or gzip) leaves no file
// open: the constructor's failure closes what it opened (its destructor does not run). Before,
// the chunked reader kept the descriptor of every empty file it was given.
TEST(CsvIngest, AFailedOpenLeavesNoFileOpen) {
  const auto dir = pdlab::test::temp_dir();
  const auto empty = pdlab::test::write_file(dir, "empty.csv", "");
  const auto gz = dir + "/empty.csv.gz";
  gzFile g = gzopen(gz.c_str(), "wb");
  gzclose(g);
  const auto open_files = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator{});
  };
  const auto before = open_files();
  for (int i = 0; i < 20; ++i) {
    for (const auto& path : {empty, gz}) {
      EXPECT_THROW(pdlab::io::CsvChunks chunks(path), pdlab::Error);
      EXPECT_THROW(pdlab::io::CsvReader reader(path), pdlab::Error);
    }
  }
  EXPECT_EQ(open_files(), before);
}
