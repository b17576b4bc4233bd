// The user's contrasts of a comparison (--contrast NAME=EXPR) and its per-replicate outcomes:
// what a design with two or more keys needs beyond differences from the first variant (an
// interaction is v4-v3-v2+v1 of a 2 x 2 design), estimated replicate by replicate on the
// common random numbers, as the differences are.
#include "pdlab/core/errors.hpp"
#include "pdlab/io/table.hpp"
#include "pdlab/study/compare_study.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace pdlab::study {

namespace {

const char* const kContrastFix =
    "write NAME=EXPR with terms such as v2, -v1, 0.5*v3 (variants numbered from 1 in the "
    "table's order; with --vary, the first key slowest), e.g. --contrast "
    "interaction=v4-v3-v2+v1";

}  // namespace

UserContrast parse_contrast(const std::string& text, std::size_t n_variants) {
  const auto bad = [&](const std::string& what, const std::string& fix = kContrastFix) {
    fail(ErrorKind::usage, {"", 0, "--contrast", text}, what, fix);
  };
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    bad("not of the form NAME=EXPR");
  }
  UserContrast c;
  c.name = text.substr(0, eq);
  c.name.erase(0, c.name.find_first_not_of(" \t"));
  c.name.erase(c.name.find_last_not_of(" \t") + 1);
  if (c.name.empty()) {
    bad("the contrast has no name before '='");
  }
  if (text.find('=', eq + 1) != std::string::npos) {
    bad("a contrast's name cannot contain '=' (the first '=' ends it)",
        "name it without '=', e.g. interaction=v4-v3-v2+v1");
  }
  for (const char ch : text.substr(eq + 1)) {
    if (std::isspace(static_cast<unsigned char>(ch)) == 0) {
      c.expression += ch;
    }
  }
  if (c.expression.empty()) {
    bad("the contrast has no terms after '='");
  }
  c.weights.assign(n_variants, 0.0);
  const std::string& e = c.expression;
  std::size_t pos = 0;
  while (pos < e.size()) {
    double sign = 1;
    if (e[pos] == '+' || e[pos] == '-') {
      sign = e[pos] == '-' ? -1 : 1;
      ++pos;
    } else if (pos > 0) {
      bad(fmt::format("expected + or - before \"{}\"", e.substr(pos)));
    }
    double coef = 1;
    if (pos < e.size() &&
        (std::isdigit(static_cast<unsigned char>(e[pos])) != 0 || e[pos] == '.')) {
      const char* start = e.c_str() + pos;
      char* end = nullptr;
      coef = std::strtod(start, &end);
      if (end == start || !std::isfinite(coef)) {
        bad(fmt::format("cannot read a weight at \"{}\"", e.substr(pos)));
      }
      pos += static_cast<std::size_t>(end - start);
      if (pos < e.size() && e[pos] == '*') {
        ++pos;
      }
    }
    if (pos >= e.size() || (e[pos] != 'v' && e[pos] != 'V')) {
      bad(fmt::format("expected a variant (v1, v2, ...) at \"{}\"",
                      pos < e.size() ? e.substr(pos) : std::string("the end")));
    }
    ++pos;
    const std::size_t digits = pos;
    std::size_t index = 0;
    while (pos < e.size() && std::isdigit(static_cast<unsigned char>(e[pos])) != 0) {
      index = std::min<std::size_t>(index * 10 + static_cast<std::size_t>(e[pos] - '0'), 1000000);
      ++pos;
    }
    if (pos == digits) {
      bad(fmt::format("a variant is v and its number: \"{}\"", e.substr(digits - 1)));
    }
    if (index < 1 || index > n_variants) {
      bad(fmt::format("v{}: there are {} variants", index, n_variants),
          fmt::format("number them v1 to v{} in the table's order (with --vary, the first key "
                      "slowest; v1 is the baseline)",
                      n_variants));
    }
    c.weights[index - 1] += sign * coef;
  }
  double sum = 0;
  double scale = 0;
  for (double w : c.weights) {
    sum += w;
    scale += std::abs(w);
  }
  if (scale == 0) {
    bad("the terms cancel: every variant's weight is 0",
        "weigh variants against each other, e.g. v2-v1");
  }
  if (std::abs(sum) > 1e-9 * scale) {
    bad(fmt::format("the weights sum to {:g}, not 0: a contrast compares variants (a sum would "
                    "mix a variant's level with the differences)",
                    sum),
        "balance the terms, e.g. v2-v1, 0.5*v2+0.5*v3-v1, or v4-v3-v2+v1 for the interaction of "
        "two keys with two values each");
  }
  return c;
}

void estimate_user_contrasts(CompareResult& res) {
  const auto& defs = res.outcomes;
  const std::size_t nv = res.values.size();
  res.user_results.assign(defs.size(), {});
  res.user_censored.assign(defs.size(),
                           std::vector<double>(res.user_contrasts.size(), std::nan("")));
  for (std::size_t k = 0; k < defs.size(); ++k) {
    std::vector<const std::vector<double>*> x(nv);
    for (std::size_t i = 0; i < nv; ++i) {
      x[i] = &res.values[i][k];
    }
    for (std::size_t j = 0; j < res.user_contrasts.size(); ++j) {
      const auto& w = res.user_contrasts[j].weights;
      res.user_results[k].push_back(linear_contrast(x, w));
      // reached_half follows periods_to_half (outcome_defs): 0 where the horizon stands in.
      if (defs[k].statistic != "periods_to_half" || k + 1 >= defs.size() ||
          defs[k + 1].statistic != "reached_half") {
        continue;
      }
      int used = 0;
      int censored = 0;
      const std::size_t reps = res.values[0][k].size();
      for (std::size_t r = 0; r < reps; ++r) {
        bool defined = true;
        bool short_of_half = false;
        for (std::size_t i = 0; i < nv; ++i) {
          if (w[i] != 0) {
            defined = defined && !std::isnan(res.values[i][k][r]);
            short_of_half = short_of_half || res.values[i][k + 1][r] == 0;
          }
        }
        used += defined ? 1 : 0;
        censored += defined && short_of_half ? 1 : 0;
      }
      res.user_censored[k][j] = used > 0 ? static_cast<double>(censored) / used : std::nan("");
    }
  }
  // A contrast exactly 0 in every replicate of every outcome weighs variants that agree: most
  // often a slip in the numbering (with --vary the first key is the slowest), so say what
  // v1..vN are.
  for (std::size_t j = 0; j < res.user_contrasts.size(); ++j) {
    bool zero = true;
    for (std::size_t k = 0; k < defs.size() && zero; ++k) {
      const auto& c = res.user_results[k][j];
      zero = c.n == 0 || (c.diff == 0 && (std::isnan(c.lo) || (c.lo == 0 && c.hi == 0)));
    }
    if (!zero) {
      continue;
    }
    std::string legend;
    for (std::size_t i = 0; i < res.labels.size(); ++i) {
      legend += fmt::format("{}v{} = \"{}\"", i > 0 ? ", " : "", i + 1, res.labels[i]);
    }
    const auto& u = res.user_contrasts[j];
    res.warnings.push_back(fmt::format(
        "contrast \"{}\" ({}) is exactly 0 in every replicate of every outcome: the variants "
        "it weighs gave the same outcomes (check the numbering: {})",
        u.name, u.expression, legend));
  }
}

bool contrast_unreached(const CompareResult& res, const OutcomeDef& d, std::size_t j) {
  if (!d.policy.empty() || res.community_level.empty() || d.level != res.community_level) {
    return false;
  }
  const auto& w = res.user_contrasts[j].weights;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] != 0 && (i >= res.community_adopts.size() || res.community_adopts[i] != 0)) {
      return false;
    }
  }
  return true;
}

void write_compare_contrasts(const CompareResult& res, io::TableWriter& w) {
  for (const auto& c : res.user_contrasts) {
    for (std::size_t i = 0; i < c.weights.size(); ++i) {
      if (c.weights[i] != 0) {
        w.text(c.name)
            .text(c.expression)
            .integer(static_cast<std::int64_t>(i) + 1)
            .text(res.labels[i])
            .real(c.weights[i])
            .end_row();
      }
    }
  }
}

void write_compare_replicates(const CompareResult& res, io::TableWriter& w) {
  const auto& defs = res.outcomes;
  for (std::size_t i = 0; i < res.values.size(); ++i) {
    for (std::size_t r = 0; r < static_cast<std::size_t>(res.replicates); ++r) {
      for (std::size_t k = 0; k < defs.size(); ++k) {
        w.text(res.labels[i])
            .integer(static_cast<std::int64_t>(r))
            .text(defs[k].name)
            .text(defs[k].statistic)
            .text(defs[k].policy)
            .text(defs[k].level)
            .real(res.values[i][k][r])
            .end_row();
      }
    }
  }
}

}  // namespace pdlab::study
