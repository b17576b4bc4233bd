// libFuzzer target: the model formula parser of `pdlab eha` / `pdlab cox` (parse_formula,
// parse_surv and build_design in src/io/estimation_io.cpp), then, like the CLI, a fit on a
// small fixed table (binomial GLM; Cox when the response is Surv(...)). pdlab::Error is the
// expected outcome of a bad formula.
#include "pdlab/core/errors.hpp"
#include "pdlab/estimation/cox.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/io/estimation_io.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

// 12 rows: event, tstart, tstop, vertical, horizontal, share (one NA), policy_id (text),
// level (numbers as a factor), cluster.
pdlab::io::DataTable make_table() {
  pdlab::io::DataTable t;
  t.path = "fuzz_table.csv";
  t.names = {"event", "tstart",    "tstop", "vertical", "horizontal",
             "share", "policy_id", "level", "cluster"};
  const std::vector<std::vector<std::string>> cols = {
      {"0", "1", "0", "0", "1", "0", "1", "0", "0", "1", "1", "0"},
      {"0", "0", "1", "0", "1", "2", "0", "1", "2", "0", "1", "0"},
      {"1", "1", "2", "1", "2", "3", "1", "2", "3", "1", "2", "1"},
      {"0", "1", "1", "0", "0", "1", "1", "0", "1", "1", "0", "0"},
      {"0.1", "0.5", "0.2", "0", "0.9", "0.3", "0.7", "0.1", "0.4", "0.8", "0.6", "0.2"},
      {"0.25", "NA", "0.5", "0.75", "1", "0", "0.5", "0.25", "0.1", "0.9", "0.3", "0.6"},
      {"a", "b", "a", "c", "b", "a", "c", "b", "a", "c", "a", "b"},
      {"10", "2", "10", "2", "1", "1", "2", "10", "1", "2", "10", "1"},
      {"1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6"}};
  for (const auto& c : cols) {
    std::vector<double> num;
    bool numeric = true;
    for (const auto& v : c) {
      if (v == "NA") {
        num.push_back(std::nan(""));
      } else if (v[0] >= 'a' && v[0] <= 'z') {
        num.push_back(std::nan(""));
        numeric = false;
      } else {
        num.push_back(std::stod(v));
      }
    }
    pdlab::io::TextColumn text;
    for (const auto& v : c) {
      text.push_back(v);
    }
    t.text.push_back(std::move(text));
    t.num.push_back(num);
    t.numeric.push_back(numeric);
    t.first_text.emplace_back(numeric ? 0 : 2, numeric ? "" : c[0]);
  }
  for (std::size_t r = 0; r < t.text[0].size(); ++r) {
    t.line.push_back(static_cast<std::int64_t>(r) + 2);
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const pdlab::io::DataTable table = make_table();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto f = pdlab::io::parse_formula(text);
    const auto surv = pdlab::io::parse_surv(f.response);
    if (surv.empty()) {
      const auto d = pdlab::io::build_design(table, f, "", "cluster");
      pdlab::GlmOptions opt;
      opt.clusters = d.clusters;
      opt.max_iterations = 10;
      pdlab::fit_binomial_glm(d.x, d.y, d.offset, d.names, opt);
    } else if (surv.size() == 3) {
      f.response = surv[2];
      f.intercept = false;
      const auto d = pdlab::io::build_design(table, f, "", "");
      const auto c0 = table.column(surv[0]);
      const auto c1 = table.column(surv[1]);
      if (c0 && c1) {
        const auto n = static_cast<Eigen::Index>(d.rows.size());
        Eigen::VectorXd start(n);
        Eigen::VectorXd stop(n);
        for (Eigen::Index i = 0; i < n; ++i) {
          start[i] = table.num[*c0][d.rows[static_cast<std::size_t>(i)]];
          stop[i] = table.num[*c1][d.rows[static_cast<std::size_t>(i)]];
        }
        pdlab::CoxOptions opt;
        opt.max_iterations = 10;
        pdlab::fit_cox(d.x, start, stop, d.y, d.names, opt);
      }
    }
  } catch (const pdlab::Error&) {
  }
  return 0;
}
