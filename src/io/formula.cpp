// Model formulas (R-like terms, factors, interactions, log(x)) and the design matrix they
// build from a data table.
#include "pdlab/io/estimation_io.hpp"

#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace pdlab::io {

namespace {

// "log(x)" -> x, else empty.
std::string log_argument(const std::string& part) {
  if (part.size() > 5 && part.rfind("log(", 0) == 0 && part.back() == ')') {
    return part.substr(4, part.size() - 5);
  }
  return {};
}

}  // namespace

bool is_id_column(const std::string& column) {
  std::string c = column;
  std::transform(c.begin(), c.end(), c.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return c == "id" || (c.size() > 3 && c.compare(c.size() - 3, 3, "_id") == 0);
}

std::vector<TermPart> term_parts(const std::string& term) {
  std::vector<TermPart> parts;
  if (term.rfind("factor(", 0) == 0) {
    return parts;
  }
  std::size_t b = 0;
  while (true) {
    const auto e = term.find(':', b);
    const auto part = term.substr(b, e == std::string::npos ? std::string::npos : e - b);
    const auto arg = log_argument(part);
    parts.push_back(arg.empty() ? TermPart{part, false} : TermPart{arg, true});
    if (e == std::string::npos) {
      break;
    }
    b = e + 1;
  }
  return parts;
}

std::string rename_term_column(const std::string& term, const std::string& from,
                               const std::string& to) {
  std::string read;
  std::size_t b = 0;
  while (b <= term.size()) {
    auto e = term.find(':', b);
    e = e == std::string::npos ? term.size() : e;
    std::string part = term.substr(b, e - b);
    if (part == from || part == "log(" + from + ")" || part == "factor(" + from + ")") {
      part.replace(part.find(from), from.size(), to);
    }
    read += (read.empty() ? "" : ":") + part;
    b = e + 1;
  }
  return read;
}

Formula parse_formula(const std::string& text) {
  Formula f;
  const auto tilde = text.find('~');
  auto trim = [](const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  if (tilde == std::string::npos) {
    fail(ErrorKind::usage, {"", 0, "--formula", text}, "no '~' in the formula",
         "write e.g. \"event ~ vertical + horizontal + migrant_share\"");
  }
  // A name in backticks (R's quoting of a column whose name is not syntactic, `log gdp`)
  // keeps its spaces, + and -; the backticks are not part of it.
  const auto unquote = [&](const std::string& s) {
    std::string out;
    bool tick = false;
    for (const char c : s) {
      if (c == '`') {
        tick = !tick;
        continue;
      }
      if (tick && std::string_view("*:^|()~").find(c) != std::string_view::npos) {
        fail(ErrorKind::usage, {"", 0, "--formula", text},
             std::string("a name in backticks holds '") + c +
                 "', which the formula reads as "
                 "an operator",
             "rename the column (letters, digits, spaces, '_', '.', '-')");
      }
      if (tick || (c != ' ' && c != '\t')) {
        out += c;  // outside backticks "log( x )" is log(x): a bare name has no spaces
      }
    }
    if (tick) {
      fail(ErrorKind::usage, {"", 0, "--formula", text}, "a backtick is not closed",
           "close the name, e.g. `log gdp`");
    }
    return out;
  };
  f.response = trim(text.substr(0, tilde));
  if (f.response.size() > 1 && f.response.front() == '`') {
    f.response = unquote(f.response);
  }
  std::string rhs = text.substr(tilde + 1);
  const auto add = [&](const std::string& term) {
    if (std::find(f.terms.begin(), f.terms.end(), term) == f.terms.end()) {
      f.terms.push_back(term);
    }
  };
  // One part of an interaction: a column or log(column); nothing else is a function here.
  const auto check_part = [&](const std::string& term, const std::string& part) {
    const auto arg = log_argument(part);
    const auto& name = arg.empty() ? part : arg;
    if (name.empty() || name.find_first_of("*:^|()") != std::string::npos) {
      fail(ErrorKind::usage, {"", 0, "--formula", text},
           "term '" + term + "' is not supported (functions other than log() and factor(), " +
               "powers, nesting)",
           "write columns, log(column), interactions a:b or a*b, factor(column); compute other "
           "transformations as a column and name it");
    }
  };
  // Split on + and -, remembering the sign.
  char sign = '+';
  std::string cur;
  auto flush = [&] {
    const std::string term = unquote(trim(cur));
    cur.clear();
    if (term.empty()) {
      return;
    }
    if (term == "1" || term == "0") {
      f.intercept = (term == "1") == (sign == '+');
      return;
    }
    if (sign == '-') {
      fail(ErrorKind::usage, {"", 0, "--formula", text}, "only '- 1' can be subtracted",
           "list the terms to include");
    }
    if (term.rfind("factor(", 0) == 0) {
      const auto inner =
          term.size() > 8 && term.back() == ')' ? term.substr(7, term.size() - 8) : std::string();
      if (inner.empty() || inner.find_first_of("*:^|()") != std::string::npos) {
        fail(ErrorKind::usage, {"", 0, "--formula", text},
             "term '" + term + "' is not supported (factor() of one column, not in an interaction)",
             "write factor(column) as a term of its own");
      }
      add(term);
      return;
    }
    // a*b*c: every non-empty product of the parts, smaller ones first (R's order).
    std::vector<std::string> star;
    for (std::size_t b = 0;;) {
      const auto e = term.find('*', b);
      star.push_back(term.substr(b, e == std::string::npos ? std::string::npos : e - b));
      if (e == std::string::npos) {
        break;
      }
      b = e + 1;
    }
    if (star.size() > 8) {
      fail(ErrorKind::usage, {"", 0, "--formula", text}, "term '" + term + "' crosses too many",
           "cross at most 8 columns with '*', or list the interactions with ':'");
    }
    std::vector<std::pair<int, std::string>> products;
    for (unsigned mask = 1; mask < (1U << star.size()); ++mask) {
      std::string prod;
      int size = 0;
      for (std::size_t k = 0; k < star.size(); ++k) {
        if ((mask & (1U << k)) != 0) {
          prod += (prod.empty() ? "" : ":") + star[k];
          ++size;
        }
      }
      products.emplace_back(size, prod);
    }
    std::stable_sort(products.begin(), products.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [size, prod] : products) {
      // A column met twice in one interaction counts once, as in R (x:x is x, x*x is x).
      std::vector<std::string> parts;
      for (std::size_t b = 0;;) {
        const auto e = prod.find(':', b);
        const auto part = prod.substr(b, e == std::string::npos ? std::string::npos : e - b);
        check_part(term, part);
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) {
          parts.push_back(part);
        }
        if (e == std::string::npos) {
          break;
        }
        b = e + 1;
      }
      std::string once;
      for (const auto& part : parts) {
        once += (once.empty() ? "" : ":") + part;
      }
      add(once);
    }
  };
  bool tick = false;  // within a backticked name, + and - are part of it
  for (char c : rhs) {
    tick = c == '`' ? !tick : tick;
    if (!tick && (c == '+' || c == '-')) {
      flush();
      sign = c;
    } else {
      cur += c;
    }
  }
  flush();
  // R refuses a formula that ends with an operator ("event ~ x +"): a term was left out.
  if (const auto last = rhs.find_last_not_of(" \t");
      last != std::string::npos && (rhs[last] == '+' || rhs[last] == '-')) {
    fail(ErrorKind::usage, {"", 0, "--formula", text},
         std::string("the formula ends with '") + rhs[last] + "': a term is missing",
         "add the term, or drop the last '" + std::string(1, rhs[last]) + "'");
  }
  if (f.response.empty()) {
    fail(ErrorKind::usage, {"", 0, "--formula", text}, "no response before '~'",
         "write the event column first, e.g. \"event ~ vertical\"");
  }
  return f;
}

TableColumns formula_columns(const Formula& f, const std::string& offset_column,
                             const std::string& cluster_column) {
  TableColumns k;
  k.all = false;
  k.text.push_back(f.response);  // its text names a bad value in eha's message
  for (const auto& t : f.terms) {
    if (t.rfind("factor(", 0) == 0) {
      k.text.push_back(t.substr(7, t.size() - 8));
    } else {
      for (const auto& part : term_parts(t)) {
        k.numbers.push_back(part.column);
      }
    }
  }
  if (!offset_column.empty()) {
    k.numbers.push_back(offset_column);
  }
  if (!cluster_column.empty()) {
    k.text.push_back(cluster_column);
  }
  return k;
}

namespace {

// Factor levels that differ only by surrounding whitespace ("c" and "c ") would become two
// terms printed alike (factor(g)c): refused naming the lines of both (R keeps them apart and
// quotes them; a stray space is far likelier than two meant levels). `levels`: sorted, unique.
void refuse_space_twins(const DataTable& d, std::size_t column, const std::string& name,
                        const std::vector<std::string>& levels) {
  const auto trim = [](std::string_view v) {
    const auto a = v.find_first_not_of(" \t");
    return a == std::string_view::npos ? std::string_view{}
                                       : v.substr(a, v.find_last_not_of(" \t") - a + 1);
  };
  std::map<std::string_view, std::string_view> seen;  // trimmed -> a level
  for (const auto& l : levels) {
    const auto [it, fresh] = seen.emplace(trim(l), l);
    if (fresh) {
      continue;
    }
    const auto line_of = [&](std::string_view v) -> std::int64_t {
      const auto& text = d.text[column];
      for (std::size_t r = 0; r < text.size(); ++r) {
        if (text[r] == v) {
          return r < d.line.size() ? d.line[r] : 0;
        }
      }
      return 0;
    };
    const std::string a(it->second);
    const auto la = line_of(a);
    const auto lb = line_of(l);
    fail(ErrorKind::data, {d.path, lb, name, l},
         "factor levels '" + a + "' (line " + std::to_string(la) + ") and '" + l + "' (line " +
             std::to_string(lb) +
             ") differ only by surrounding whitespace: they would be two terms printed alike, "
             "factor(" +
             name + ")" + std::string(trim(l)) + " (R keeps them apart; pdlab refuses)",
         "remove the spaces around the values of column '" + name +
             "' (or make the levels "
             "differ visibly)");
  }
}

}  // namespace

Design build_design(const DataTable& d, const Formula& f, const std::string& offset_column,
                    const std::string& cluster_column) {
  auto col = [&](const std::string& name, const std::string& what) {
    const auto c = d.column(name);
    if (!c) {
      // A header name with spaces around it (" x ") is the likeliest meaning of "x".
      std::string near;
      for (const auto& h : d.names) {
        const auto b = h.find_first_not_of(" \t");
        if (b != std::string::npos && h.substr(b, h.find_last_not_of(" \t") - b + 1) == name) {
          near = h;
        }
      }
      if (!near.empty()) {
        fail(ErrorKind::usage, {d.path, 1, what, name}, "no such column",
             "the header has '" + near + "', with spaces: remove them from the header");
      }
      // A file separated by semicolons or tabs (a European spreadsheet's CSV) reads as one
      // column whose name holds them all.
      if (d.names.size() == 1 && (d.names[0].find(';') != std::string::npos ||
                                  d.names[0].find('\t') != std::string::npos)) {
        fail(ErrorKind::usage, {d.path, 1, what, name}, "no such column",
             "the header is one column, '" + d.names[0] +
                 "': pdlab reads comma-separated files; save the table with commas (the file "
                 "seems separated by " +
                 (d.names[0].find(';') != std::string::npos ? "semicolons" : "tabs") + ")");
      }
      if (name == "trend") {
        fail(ErrorKind::usage, {d.path, 1, what, name}, "no such column",
             "trend is a risk set's period number, read from its period column: this table has "
             "neither a trend nor a period column (add one, or write the risk set with `pdlab "
             "riskset`)");
      }
      near = closest(name, d.names);
      std::string columns;
      for (std::size_t i = 0; i < d.names.size() && i < 20; ++i) {
        columns += (i ? ", " : "") + d.names[i];
      }
      if (d.names.size() > 20) {
        columns += ", ...";
      }
      fail(ErrorKind::usage, {d.path, 1, what, name}, "no such column",
           near.empty() ? "use a column of the table: " + columns : "did you mean '" + near + "'?");
    }
    if (!d.kept.empty() && !d.kept[*c]) {
      throw Error(ErrorKind::internal, "build_design: column '" + name +
                                           "' was not read (read the table with "
                                           "formula_columns)");
    }
    return *c;
  };
  struct Term {
    std::size_t column;
    bool factor;
    std::vector<std::string> levels;                  // factors: coded levels (Formula)
    std::string name;                                 // numeric: as written ("x", "log(x)", "a:b")
    std::vector<std::pair<std::size_t, bool>> parts;  // numeric: (column, log) multiplied
  };
  std::vector<Term> terms;
  std::vector<std::size_t> used{col(f.response, "response")};
  for (const auto& t : f.terms) {
    if (t.rfind("factor(", 0) == 0) {
      const auto name = t.substr(7, t.size() - 8);
      // Its levels come from the rows fitted (below), as R's glm drops unused levels.
      Term term{col(name, "factor"), true, {}, name, {}};
      terms.push_back(term);
      used.push_back(term.column);
    } else {
      Term term{0, false, {}, t, {}};
      for (const auto& part : term_parts(t)) {
        const auto c = col(part.column, "term");
        // Ids are text in pdlab's tables (docs/outputs.md), even when they look like numbers:
        // a slope on administrative codes means nothing.
        const auto& n = part.column;
        if (is_id_column(n)) {
          fail(ErrorKind::usage, {d.path, 0, "term", t},
               "'" + n + "' is an id column: its values are labels, not measurements",
               "use factor(" + n +
                   ") for one effect per id, or (eha, cox) cluster the "
                   "standard errors on it");
        }
        if (!d.numeric[c]) {
          const auto& [line, value] = d.first_text[c];
          // Other tools' missing-value codes (Stata's ".", SPSS's and Excel's) are no
          // categories: the fix is the missing value pdlab reads.
          const bool missing_code = value == "." || value == "NaN" || value == "nan" ||
                                    value == "N/A" || value == "n/a" || value == "#N/A" ||
                                    value == "NULL" || value == "null" || value == "-";
          // A number out of double precision's range (1e999) or an infinity: a bad value, not
          // a category.
          const std::string text(value);
          char* end = nullptr;
          const double x = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
          if (!missing_code && !text.empty() && end == text.c_str() + text.size() &&
              !std::isfinite(x)) {
            fail(ErrorKind::data, {d.path, line, part.column, value},
                 "not a finite number (the value lies outside double precision's range, about "
                 "1.8e308, or is an infinity)",
                 "correct the value, or leave the field empty (a row with a missing value is "
                 "dropped)");
          }
          fail(ErrorKind::data, {d.path, line, part.column, value},
               "column is not numeric (this is its first value that is not a finite number)",
               missing_code ? "write a missing value as an empty field or NA (rows with a "
                              "missing value in a term are dropped)"
                            : "correct the value, or use factor(" + part.column +
                                  ") for a categorical term");
        }
        term.parts.emplace_back(c, part.log);
        used.push_back(c);
      }
      term.column = term.parts.front().first;
      terms.push_back(term);
    }
  }
  std::optional<std::size_t> off, clu;
  if (!offset_column.empty()) {
    off = col(offset_column, "--offset");
    used.push_back(*off);
  }
  // A response or offset holding text (TRUE/FALSE, a label) is named at its first such value,
  // before its rows would all count as missing.
  const auto numbers_only = [&](std::size_t c, const std::string& name, const char* fix) {
    if (!d.numeric[c] && d.first_text[c].first > 0) {
      const auto& [line, value] = d.first_text[c];
      fail(ErrorKind::data, {d.path, line, name, value},
           "column is not numeric (this is its first value that is not a finite number)", fix);
    }
  };
  numbers_only(used[0], f.response, "code events as 1 and non-events as 0");
  if (off) {
    numbers_only(*off, offset_column, "give the offset as numbers (e.g. log of the exposure)");
  }
  if (!cluster_column.empty()) {
    clu = col(cluster_column, "--cluster");
  }
  Design des;
  std::vector<std::size_t> rows;
  std::vector<bool> used_is_factor;
  for (auto c : used) {
    used_is_factor.push_back(std::any_of(terms.begin(), terms.end(),
                                         [&](const Term& t) { return t.factor && t.column == c; }));
  }
  {
    // Column by column (each a straight pass over memory), then the rows that are complete.
    std::vector<char> ok(d.rows(), 1);
    for (std::size_t k = 0; k < used.size(); ++k) {
      const auto c = used[k];
      if (used_is_factor[k]) {
        for (std::size_t r = 0; r < ok.size(); ++r) {
          const auto v = d.text[c][r];
          ok[r] &= static_cast<char>(!(v.empty() || v == "NA"));
        }
      } else {
        const auto& num = d.num[c];
        for (std::size_t r = 0; r < ok.size(); ++r) {
          ok[r] &= static_cast<char>(!std::isnan(num[r]));
        }
      }
    }
    if (clu) {
      for (std::size_t r = 0; r < ok.size(); ++r) {
        ok[r] &= static_cast<char>(!d.text[*clu][r].empty());
      }
    }
    rows.reserve(ok.size());
    for (std::size_t r = 0; r < ok.size(); ++r) {
      if (ok[r] != 0) {
        rows.push_back(r);
      }
    }
    des.dropped_missing = static_cast<std::int64_t>(ok.size() - rows.size());
  }
  // Each factor's levels, from the rows fitted: a level only on rows dropped for a missing
  // value has no column, as R's glm drops unused levels (R's coxph keeps such a level as a
  // column it cannot estimate, NA; pdlab's Cox fit would refuse it). Treatment contrasts: the
  // first level
  // is the reference, except for the first factor of a formula without an intercept or a
  // baseline of its own, which codes every level (R's model.matrix).
  bool every_level = !f.intercept && !f.baseline;
  for (auto& term : terms) {
    if (!term.factor) {
      continue;
    }
    const auto& name = term.name;
    std::vector<std::string_view> seen;
    seen.reserve(rows.size());
    for (const auto r : rows) {
      seen.emplace_back(d.text[term.column][r]);  // (missing values are not on these rows)
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    std::vector<std::string> lv(seen.begin(), seen.end());
    refuse_space_twins(d, term.column, name, lv);
    if (d.numeric[term.column]) {
      // Numeric levels in numeric order (R's order), ties by text; strtod, unlike stod,
      // takes subnormals, and a NaN level is refused rather than breaking the sort.
      std::vector<std::pair<double, std::string>> keyed;
      for (auto& v : lv) {
        const double x = std::strtod(v.c_str(), nullptr);
        if (std::isnan(x)) {
          fail(ErrorKind::data, {d.path, 0, name, v}, "a factor level is not a number",
               "write missing values as NA or leave the field empty");
        }
        keyed.emplace_back(x, std::move(v));
      }
      std::sort(keyed.begin(), keyed.end());
      lv.clear();
      for (auto& [x, v] : keyed) {
        lv.push_back(std::move(v));
      }
    }
    term.levels.assign(lv.begin() + (lv.empty() || every_level ? 0 : 1), lv.end());
    every_level = false;
  }
  std::size_t p = f.intercept ? 1 : 0;
  for (const auto& t : terms) {
    p += t.factor ? t.levels.size() : 1;
  }
  if (p == 0) {
    fail(ErrorKind::usage, {"", 0, "--formula", f.response + " ~ 0"},
         "the model has no terms (no intercept and no covariates)",
         "add an intercept or at least one term, e.g. \"event ~ 1\" or \"event ~ horizontal\"");
  }
  if (rows.empty()) {
    fail(ErrorKind::data, {d.path, 0, "", ""}, "no rows left to fit (all have missing values)",
         "check the columns of the formula for empty or NA fields");
  }
  {
    // A design that cannot fit is refused with its size, not a bare "out of memory".
    const double bytes = 8.0 * static_cast<double>(rows.size()) * static_cast<double>(p);
    const double memory = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) *
                          static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (memory > 0 && bytes > 0.5 * memory) {
      fail(ErrorKind::data, {d.path, 0, "--formula", ""},
           fmt::format("the design matrix would take {:.1f} GB ({} rows x {} columns), more than "
                       "half of this machine's {:.1f} GB",
                       bytes / 1e9, rows.size(), p, memory / 1e9),
           "use fewer factor levels (a coarser column in factor()), or fewer rows (e.g. the "
           "risk set of one level: riskset --level)");
    }
  }
  des.x.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(p));
  des.y.resize(static_cast<Eigen::Index>(rows.size()));
  if (f.intercept) {
    des.names.emplace_back("(Intercept)");
  }
  for (const auto& t : terms) {
    if (t.factor) {
      for (const auto& l : t.levels) {
        des.names.push_back("factor(" + d.names[t.column] + ")" + l);  // R's naming
      }
    } else {
      des.names.push_back(t.name);
    }
  }
  // log() of a value that is not positive: named with its line (missing rows are gone).
  for (const auto& t : terms) {
    for (const auto& [c, is_log] : t.parts) {
      if (!is_log) {
        continue;
      }
      for (auto r : rows) {
        if (!(d.num[c][r] > 0)) {
          fail(ErrorKind::data,
               {d.path, d.line[r], d.names[c],
                d.text.size() > c && d.text[c].size() > r ? std::string(d.text[c][r])
                                                          : fmt::format("{}", d.num[c][r])},
               "log(" + d.names[c] + ") of a value that is not positive",
               "give " + d.names[c] +
                   " only positive values (or NA to drop the row), or use it without log()");
        }
      }
    }
  }
  // Column by column: the design matrix is column-major.
  const auto n_rows = rows.size();
  for (std::size_t i = 0; i < n_rows; ++i) {
    des.y[static_cast<Eigen::Index>(i)] = d.num[used[0]][rows[i]];
  }
  // The design's columns, filled in parallel (each a column of the column-major matrix).
  struct Fill {
    std::size_t column;        // of the table
    const std::string* level;  // a factor's level, or nullptr for a numeric term
    const Term* term;          // the numeric term (its parts)
  };
  std::vector<Fill> fills;
  for (const auto& t : terms) {
    if (t.factor) {
      for (const auto& l : t.levels) {
        fills.push_back({t.column, &l, &t});
      }
    } else {
      fills.push_back({t.column, nullptr, &t});
    }
  }
  const Eigen::Index first = f.intercept ? 1 : 0;
  if (f.intercept) {
    des.x.col(0).setOnes();
  }
  tbb::parallel_for(std::size_t{0}, fills.size(), [&](std::size_t k) {
    auto xc = des.x.col(first + static_cast<Eigen::Index>(k));
    const auto& fill = fills[k];
    if (fill.level != nullptr) {
      const auto& text = d.text[fill.column];
      for (std::size_t i = 0; i < n_rows; ++i) {
        xc[static_cast<Eigen::Index>(i)] = text[rows[i]] == *fill.level ? 1.0 : 0.0;
      }
    } else if (fill.term->parts.size() == 1 && !fill.term->parts[0].second) {
      const auto& num = d.num[fill.column];
      for (std::size_t i = 0; i < n_rows; ++i) {
        xc[static_cast<Eigen::Index>(i)] = num[rows[i]];
      }
    } else {
      for (std::size_t i = 0; i < n_rows; ++i) {
        double v = 1.0;
        for (const auto& [c, is_log] : fill.term->parts) {
          v *= is_log ? std::log(d.num[c][rows[i]]) : d.num[c][rows[i]];
        }
        xc[static_cast<Eigen::Index>(i)] = v;
      }
    }
  });
  if (clu) {
    std::map<std::string, std::int64_t, std::less<>> cluster_ids;
    for (std::size_t i = 0; i < n_rows; ++i) {
      const auto v = d.text[*clu][rows[i]];
      auto it = cluster_ids.find(v);
      if (it == cluster_ids.end()) {
        it = cluster_ids.emplace(std::string(v), static_cast<std::int64_t>(cluster_ids.size()))
                 .first;
      }
      des.clusters.push_back(it->second);
    }
  }
  des.rows = rows;
  if (off) {
    des.offset.resize(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      des.offset[static_cast<Eigen::Index>(i)] = d.num[*off][rows[i]];
    }
  }
  if (f.response.empty() || !d.numeric[used[0]]) {
    fail(ErrorKind::data, {d.path, 1, f.response, ""}, "the response column is not numeric",
         "code events as 1 and non-events as 0");
  }
  return des;
}

}  // namespace pdlab::io
