// The estimation workflows: see include/pdlab/study/estimation_study.hpp. Messages about an option
// name the `pdlab` flag that sets it (--static, --policy, --level, --strata, --params).
#include "pdlab/study/estimation_study.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/io/scenario_io.hpp"
#include "pdlab/io/text_reader.hpp"
#include "pdlab/study/riskset_inputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <optional>
#include <set>

namespace pdlab::study {

namespace {

// The columns a formula term reads: "x" -> x, "log(x)" -> x, "factor(g)" -> g, "a:log(b)" ->
// a, b.
std::vector<std::string> term_columns(const std::string& term) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= term.size()) {
    auto to = term.find(':', from);
    if (to == std::string::npos) {
      to = term.size();
    }
    std::string part = term.substr(from, to - from);
    for (const char* wrap : {"factor(", "log("}) {
      const std::string w = wrap;
      if (part.rfind(w, 0) == 0 && !part.empty() && part.back() == ')') {
        part = part.substr(w.size(), part.size() - w.size() - 1);
      }
    }
    out.push_back(part);
    from = to + 1;
  }
  return out;
}

// An infinite value in a term of the formula (or in the offset) of a row used, named by its
// line and term: the fit itself could only say that there is one. (Missing values drop their
// rows before this; an infinity is a number, and stays.)
void check_finite(const io::DataTable& data, const io::Design& design,
                  const std::string& offset_column) {
  const bool x_ok = design.x.allFinite();
  const bool offset_ok = design.offset.size() == 0 || design.offset.allFinite();
  if (x_ok && offset_ok) {
    return;
  }
  for (Eigen::Index i = 0; i < design.x.rows(); ++i) {
    const auto r = design.rows[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < design.x.cols(); ++j) {
      if (std::isfinite(design.x(i, j))) {
        continue;
      }
      // The column that is infinite, as the file has it; else the term (an interaction of an
      // infinity with 0, say), with its value.
      const std::string& term = design.names[static_cast<std::size_t>(j)];
      Where where{data.path, data.line[r], term, fmt::format("{}", design.x(i, j))};
      for (const auto& name : term_columns(term)) {
        const auto c = data.column(name);
        if (c && !data.num[*c].empty() && std::isinf(data.num[*c][r])) {
          where.field = name;
          where.value = data.text[*c].size() > r ? std::string(data.text[*c][r])
                                                 : fmt::format("{}", data.num[*c][r]);
          break;
        }
      }
      fail(ErrorKind::data, where, "the term '" + term + "' is not finite in this row",
           "give a finite value, or leave the field empty (a row with a missing value is "
           "dropped)");
    }
    if (design.offset.size() > 0 && !std::isfinite(design.offset[i])) {
      fail(ErrorKind::data,
           {data.path, data.line[r], offset_column, fmt::format("{}", design.offset[i])},
           "the offset is not finite in this row",
           "give a finite offset, or leave the field empty (a row with a missing value is "
           "dropped)");
    }
  }
}

// Cluster-robust standard errors need at least two clusters among the rows used: with one, the
// sandwich is (numerically) zero.
void check_clusters(const io::DataTable& data, const io::Design& design,
                    const std::string& cluster) {
  if (cluster.empty() || design.rows.empty()) {
    return;
  }
  const std::set<std::int64_t> ids(design.clusters.begin(), design.clusters.end());
  if (ids.size() >= 2) {
    return;
  }
  const auto c = data.column(cluster);
  const std::string value = c && *c < data.text.size() && design.rows.front() < data.text[*c].size()
                                ? std::string(data.text[*c][design.rows.front()])
                                : std::string();
  fail(ErrorKind::data, {data.path, 0, "--cluster", cluster},
       fmt::format("cluster-robust standard errors need at least 2 clusters: column '{}' has the "
                   "single value '{}' in the {} rows used",
                   cluster, value, design.rows.size()),
       "choose a cluster column with several values, or drop --cluster");
}

// `trend` is the period number (docs/model.md 7.7), as in `pdlab fit` and `riskset --terms`:
// in a table with no column of that name (a column named trend wins) and a `period` column (a
// risk set's), each term's `trend` is read from `period`. Returns the terms changed, (as read,
// as written), so that the design's columns keep the formula's names.
std::vector<std::pair<std::string, std::string>> read_trend_as_period(io::Formula& f,
                                                                      bool has_trend,
                                                                      bool has_period) {
  std::vector<std::pair<std::string, std::string>> renamed;
  if (has_trend || !has_period) {
    return renamed;
  }
  for (auto& term : f.terms) {
    const auto cols = term_columns(term);
    if (std::find(cols.begin(), cols.end(), "trend") == cols.end()) {
      continue;
    }
    const std::string read = io::rename_term_column(term, "trend", "period");
    if (std::find(f.terms.begin(), f.terms.end(), read) != f.terms.end()) {
      fail(ErrorKind::usage, {"", 0, "--formula", term},
           "'" + term + "' and '" + read +
               "' are one column: trend is the period number, read from the period column "
               "(the table has no column named trend)",
           "keep one of them");
    }
    renamed.emplace_back(read, term);
    term = read;
  }
  return renamed;
}

// The design's columns named as the formula wrote them (see read_trend_as_period).
void name_as_written(io::Design& design,
                     const std::vector<std::pair<std::string, std::string>>& renamed) {
  for (auto& name : design.names) {
    for (const auto& [read, written] : renamed) {
      if (name == read) {
        name = written;
      } else if (read.rfind("factor(", 0) == 0 && name.rfind(read, 0) == 0) {
        name = written + name.substr(read.size());  // factor(trend)3
      }
    }
  }
}

// The fits (src/estimation) name the column, not the file: their data errors get the file's
// name in front, as the readers' errors have it.
template <typename Fit>
auto naming_file(const std::string& path, Fit&& fit) -> decltype(fit()) {
  try {
    return fit();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (e.kind() != ErrorKind::data || path.empty() || what.rfind(path, 0) == 0) {
      throw;
    }
    fail(ErrorKind::data, {path, 0, "", ""}, what, "");
  }
}

}  // namespace

std::vector<std::string> riskset_notes(const RisksetReport& r) {
  std::vector<std::string> notes = r.input_notes;
  if (!r.year_dates_note.empty()) {
    notes.push_back(r.year_dates_note);
  }
  if (!r.eventless_levels.empty() && !r.event_levels.empty()) {
    std::string at;
    for (const auto& [level, n] : r.event_levels) {
      at += fmt::format("{}{} at {}", at.empty() ? "" : ", ", n, level);
    }
    notes.push_back(fmt::format(
        "the events are {}; the risk set has rows at every level, and those at {} can never be "
        "events (--level {} keeps one level's rows)",
        at, fmt::join(r.eventless_levels, ", "), r.event_levels.front().first));
  }
  if (r.before_start > 0) {
    const auto& ids = r.before_start_policies;
    notes.push_back(
        ids.size() == 1
            ? fmt::format("{} unit{} adopted policy '{}' before the calendar's start ({}) and {} "
                          "not at risk (--before-start adopted): {} count{} as adopter{} from "
                          "the start in the exposures of the others",
                          r.before_start, r.before_start == 1 ? "" : "s", ids.front(),
                          r.calendar_start, r.before_start == 1 ? "is" : "are",
                          r.before_start == 1 ? "it" : "they", r.before_start == 1 ? "s" : "",
                          r.before_start == 1 ? "" : "s")
            : fmt::format("{} adoptions of {} policies are dated before the calendar's start "
                          "({}): those units are not at risk of those policies (--before-start "
                          "adopted) and count as adopters from the start in the exposures of "
                          "the others",
                          r.before_start, ids.size(), r.calendar_start));
  }
  if (!r.unstarted_policies.empty()) {
    const auto& ids = r.unstarted_policies;
    notes.push_back(fmt::format(
        "{} polic{} no adoption before the horizon, so no rows (--start first-adoption starts "
        "a policy's risk at its first adoption): {}{}",
        ids.size(), ids.size() == 1 ? "y has" : "ies have",
        fmt::join(ids.begin(),
                  ids.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(ids.size(), 10)),
                  ", "),
        ids.size() > 10 ? fmt::format(" and {} more", ids.size() - 10) : ""));
  }
  for (const auto& [level, n] : r.other_levels) {
    notes.push_back(fmt::format(
        "{} events of units at level {} are not rows of this level's risk set; they count only "
        "in the exposures (a superior's adoption is vertical exposure)",
        n, level));
  }
  return notes;
}

RisksetReport riskset_study(const RisksetSpec& spec) {
  const auto in = read_riskset_inputs({spec.scenario, spec.overrides, spec.events_path,
                                       spec.covariates_path, spec.static_columns, spec.inherit,
                                       spec.event_covariates, spec.edges, spec.level, spec.policy,
                                       spec.edges_directed, spec.before_start, spec.start});
  const auto& h = *in.inputs.hierarchy;
  const auto& sc = in.loaded.scenario;
  const auto& events = in.events;
  auto rs = build_riskset(h, *in.inputs.network, events.adoptions,
                          static_cast<int>(events.policy_ids.size()), in.time_varying, in.options);
  if (!spec.terms.empty()) {
    // Each term not already a column becomes one, named as written ("trend", "log(gdp)",
    // "vertical:horizontal"), computed as `pdlab fit` and `pdlab eha` compute it.
    const auto table = riskset_table(rs, h, "the risk set of " + spec.events_path);
    const auto f = io::parse_formula("event ~ " + spec.terms);
    check_terms(f, table, rs, h, sc.calendar, in.source, "--terms", false);
    for (const auto& term : f.terms) {
      const bool have = term == "vertical" || term == "horizontal" || term == "bottom_up" ||
                        std::find(rs.covariate_names.begin(), rs.covariate_names.end(), term) !=
                            rs.covariate_names.end();
      if (!have) {
        rs.covariates.push_back(term_values(table, term));
        rs.covariate_names.push_back(term);
      }
    }
  }
  io::write_table(spec.out, spec.force, io::riskset_schema(rs), [&](io::TableWriter& w) {
    io::write_riskset(rs, h, sc.calendar, events.policy_ids, w);
  });
  RisksetReport rep;
  rep.rows = rs.rows();
  for (auto e : rs.event) {
    rep.events += e;
  }
  rep.policies = in.policies.size();
  rep.after_horizon = events.after_horizon;
  rep.outside_subtree = events.outside_subtree;
  rep.year_dates_note = io::year_dates_note(events, sc.calendar);
  rep.input_notes = in.notes;
  rep.calendar_start = period_label(sc.calendar, 0);
  std::vector<std::int32_t> first(events.policy_ids.size(), kNever);
  for (const auto& a : events.adoptions) {
    const bool at_risk =
        std::find(in.policies.begin(), in.policies.end(), a.policy) != in.policies.end();
    const auto& pid = events.policy_ids[static_cast<std::size_t>(a.policy)];
    first[static_cast<std::size_t>(a.policy)] =
        std::min(first[static_cast<std::size_t>(a.policy)], a.period);
    if (at_risk && a.period == io::kBeforeStart) {
      ++rep.before_start;
      if (std::find(rep.before_start_policies.begin(), rep.before_start_policies.end(), pid) ==
          rep.before_start_policies.end()) {
        rep.before_start_policies.push_back(pid);
      }
    }
  }
  if (spec.start == RiskStart::first_adoption) {
    for (const auto k : in.policies) {
      if (first[static_cast<std::size_t>(k)] >= sc.calendar.periods) {
        rep.unstarted_policies.push_back(events.policy_ids[static_cast<std::size_t>(k)]);
      }
    }
  }
  std::vector<std::int64_t> by_level(static_cast<std::size_t>(h.n_levels()), 0);
  for (const auto& a : events.adoptions) {  // of the policies at risk only
    if (std::find(in.policies.begin(), in.policies.end(), a.policy) != in.policies.end()) {
      ++by_level[h.level(a.unit)];
    }
  }
  if (in.options.level < 0) {
    for (int l = 0; l < h.n_levels(); ++l) {
      const auto n = by_level[static_cast<std::size_t>(l)];
      const auto& name = h.level_names()[static_cast<std::size_t>(l)];
      if (n > 0) {
        rep.event_levels.emplace_back(name, n);
      } else if (l > 0) {
        rep.eventless_levels.push_back(name);
      }
    }
  } else {
    for (int l = 0; l < h.n_levels(); ++l) {
      if (l != in.options.level && by_level[static_cast<std::size_t>(l)] > 0) {
        rep.other_levels.emplace_back(h.level_names()[static_cast<std::size_t>(l)],
                                      by_level[static_cast<std::size_t>(l)]);
      }
    }
  }
  return rep;
}

TableFit<GlmFit> eha_study(const EhaSpec& spec) {
  // Only the formula's columns are kept: the table is its numbers, not the file's text. A bad
  // file is still reported before a bad formula, as when the table was read first.
  io::Formula f;
  std::exception_ptr bad_formula;
  try {
    f = io::parse_formula(spec.formula);
  } catch (...) {
    bad_formula = std::current_exception();
  }
  // The response in another role would be fitted against itself.
  for (const auto& [option, column] :
       {std::pair<const char*, const std::string&>{"--offset", spec.offset},
        std::pair<const char*, const std::string&>{"--cluster", spec.cluster}}) {
    if (!bad_formula && !column.empty() && column == f.response) {
      fail(ErrorKind::usage, {"", 0, option, column},
           "the column is the formula's response: the model would be fitted against itself",
           std::string("give ") + option + " another column, or leave it out");
    }
  }
  if (!bad_formula && f.response.rfind("Surv(", 0) == 0) {
    fail(ErrorKind::usage, {"", 0, "--formula", spec.formula},
         "a Surv(...) response is a Cox model's (time to event over intervals): eha fits a "
         "discrete-time model of a 0/1 event column",
         "use `pdlab cox` with this formula, or write e.g. \"event ~ horizontal\" for eha");
  }
  std::vector<std::pair<std::string, std::string>> renamed;
  if (!bad_formula) {
    io::CsvReader header(spec.data);
    renamed = read_trend_as_period(f, header.column("trend").has_value(),
                                   header.column("period").has_value());
  }
  GlmOptions gopt;
  gopt.link = spec.link;
  gopt.response = f.response.empty() ? "event" : f.response;
  // The formula's intercept, as R's glm (a constant column after "- 1" is no intercept).
  gopt.intercept = f.intercept ? GlmOptions::Intercept::yes : GlmOptions::Intercept::no;
  // The common case (numeric terms) straight into the design matrix; anything else, and every
  // error, by the table.
  if (!bad_formula) {
    // An infinity in a row used is named by its line below, from the table (one in a row
    // dropped for a missing value leaves the design unchecked: the fit checks it, and passes).
    const auto usable = [](const io::Design& d) {
      return d.checked || (d.x.allFinite() && (d.offset.size() == 0 || d.offset.allFinite()));
    };
    if (auto design = io::read_design(spec.data, f, spec.offset, spec.cluster);
        design && usable(*design)) {
      // The matrix is handed back to the system by another thread as soon as the fit has read
      // it for the last time, while the fit sums the likelihood on its own thread.
      tbb::task_group release;
      name_as_written(*design, renamed);
      gopt.x_done = [&] { release.run([&] { io::release_matrix(design->x); }); };
      gopt.inputs_checked = design->checked;
      std::optional<GlmFit> fit;
      try {
        fit = naming_file(spec.data, [&] {
          return fit_binomial_glm(design->x, design->y, design->offset, design->names, gopt);
        });
      } catch (...) {
        release.wait();
        throw;
      }
      release.wait();
      TableFit<GlmFit> r{std::move(*fit), design->dropped_missing};
      io::release_design(*design);
      return r;
    }
  }
  const auto data = io::read_table(
      spec.data, 0,
      bad_formula ? io::TableColumns{} : io::formula_columns(f, spec.offset, spec.cluster));
  if (bad_formula) {
    std::rethrow_exception(bad_formula);
  }
  auto design = io::build_design(data, f, spec.offset, spec.cluster);
  name_as_written(design, renamed);
  const auto c_event = *data.column(f.response);
  for (std::size_t i = 0; i < design.rows.size(); ++i) {
    const double ev = design.y[static_cast<Eigen::Index>(i)];
    if (ev != 0 && ev != 1) {
      const auto r = design.rows[i];
      fail(ErrorKind::data,
           {data.path, data.line[r], f.response, std::string(data.text[c_event][r])},
           "the response must be 0 or 1", "code an adoption as 1 and a period at risk as 0");
    }
  }
  check_finite(data, design, spec.offset);
  gopt.clusters = design.clusters;
  return {
      naming_file(
          data.path,
          [&] { return fit_binomial_glm(design.x, design.y, design.offset, design.names, gopt); }),
      design.dropped_missing};
}

TableFit<CoxFit> cox_study(const CoxSpec& spec) {
  const auto data = io::read_table(spec.data);
  auto f = io::parse_formula(spec.formula);
  const auto surv = io::parse_surv(f.response);
  if (surv.empty()) {
    const bool two = f.response.rfind("Surv(", 0) == 0 &&
                     std::count(f.response.begin(), f.response.end(), ',') == 1;
    fail(ErrorKind::usage, {"", 0, "--formula", spec.formula},
         two ? "the response must be Surv(start, stop, event): the two-argument form "
               "Surv(time, event) is not supported"
             : "the response must be Surv(start, stop, event)",
         "give each row its interval (start, stop]: for times counted from 0, add a column "
         "start = 0 and write Surv(start, time, event)");
  }
  // Each Surv() column once, and none of them a covariate (its coefficient is meaningless:
  // R's coxph gives it an infinite z as well).
  for (std::size_t a = 0; a < 3; ++a) {
    for (std::size_t b = a + 1; b < 3; ++b) {
      if (surv[a] == surv[b]) {
        fail(ErrorKind::usage, {"", 0, "--formula", spec.formula},
             "column '" + surv[a] + "' is used twice in Surv(start, stop, event)",
             "give Surv() three different columns: the interval's start, its end and the event "
             "indicator");
      }
    }
  }
  for (const auto& term : f.terms) {
    for (const auto& col : term_columns(term)) {
      for (std::size_t a = 0; a < 3; ++a) {
        if (col == surv[a]) {
          fail(ErrorKind::usage, {"", 0, "--formula", spec.formula},
               "the covariate term '" + term + "' uses column '" + col + "', which is the " +
                   (a == 0   ? "start"
                    : a == 1 ? "stop"
                             : "event") +
                   " column of Surv(): its coefficient is not estimable",
               "remove '" + term + "' from the covariates (or use another column)");
        }
      }
    }
  }
  // Nor a stratum or a cluster: the intervals' ends and the event are the response.
  for (const auto& [option, column] :
       {std::pair<const char*, const std::string&>{"--strata", spec.strata},
        std::pair<const char*, const std::string&>{"--cluster", spec.cluster}}) {
    for (std::size_t a = 0; a < 3 && !column.empty(); ++a) {
      if (column == surv[a]) {
        fail(ErrorKind::usage, {"", 0, option, column},
             std::string("the column is the ") +
                 (a == 0   ? "start"
                  : a == 1 ? "stop"
                           : "event") +
                 " column of Surv(): part of the response, not a grouping of the rows",
             std::string("give ") + option +
                 " another column (e.g. the unit's superior), or "
                 "leave it out");
      }
    }
  }
  if (f.terms.empty()) {
    fail(ErrorKind::usage, {"", 0, "--formula", spec.formula},
         "a Cox model needs at least one covariate (its baseline hazard takes the place of an "
         "intercept)",
         "add a term, e.g. Surv(tstart, tstop, event) ~ horizontal");
  }
  f.response = surv[2];
  f.intercept = false;
  f.baseline = true;  // the baseline hazard
  const auto renamed =
      read_trend_as_period(f, data.column("trend").has_value(), data.column("period").has_value());
  auto design = io::build_design(data, f, "", spec.cluster);
  name_as_written(design, renamed);
  check_finite(data, design, "");
  check_clusters(data, design, spec.cluster);
  CoxOptions copt;
  copt.ties = spec.ties;
  copt.clusters = design.clusters;
  const auto n = static_cast<Eigen::Index>(design.rows.size());
  Eigen::VectorXd start(n);
  Eigen::VectorXd stop(n);
  std::optional<std::size_t> strata_col;
  if (!spec.strata.empty()) {
    strata_col = data.column(spec.strata);
    if (!strata_col) {
      fail(ErrorKind::usage, {spec.data, 1, "--strata", spec.strata}, "no such column",
           "use a column of the file's header (" + fmt::format("{}", fmt::join(data.names, ", ")) +
               ")");
    }
  }
  std::map<std::string, std::int64_t> strata_ids;
  for (const auto& name : {surv[0], surv[1]}) {
    if (!data.column(name)) {
      fail(ErrorKind::usage, {spec.data, 1, "--formula", name}, "Surv(): no such column",
           "use a column of the file's header (" + fmt::format("{}", fmt::join(data.names, ", ")) +
               ")");
    }
  }
  const auto c_start = *data.column(surv[0]);
  const auto c_stop = *data.column(surv[1]);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto r = design.rows[static_cast<std::size_t>(i)];
    start[i] = data.num[c_start][r];
    stop[i] = data.num[c_stop][r];
    // Checked here, where the file and line are known: the column that is wrong is named.
    const auto where = [&](std::size_t c) {
      return Where{data.path, data.line[r], data.names[c], std::string(data.text[c][r])};
    };
    if (!std::isfinite(start[i])) {
      fail(ErrorKind::data, where(c_start), "the interval start is not a number",
           "give each row a numeric start time");
    }
    if (!std::isfinite(stop[i])) {
      fail(ErrorKind::data, where(c_stop), "the interval end is not a number",
           "give each row a numeric end time");
    }
    if (!(start[i] < stop[i])) {
      // Every row's start above its stop: the two columns were given the other way round.
      bool swapped = true;
      for (const auto row : design.rows) {
        swapped = swapped && data.num[c_start][row] > data.num[c_stop][row];
      }
      fail(ErrorKind::data, where(c_stop),
           fmt::format("the interval ({}, {}] is empty: {} must be greater than {} = {}", start[i],
                       stop[i], surv[1], surv[0], data.text[c_start][r]),
           swapped ? fmt::format("every row has {0} > {1}: the columns look swapped; write "
                                 "Surv({1}, {0}, {2})",
                                 surv[0], surv[1], surv[2])
                   : std::string("each row is an interval (start, stop] with start < stop"));
    }
    const double ev = design.y[i];
    if (ev != 0 && ev != 1) {
      fail(ErrorKind::data, where(*data.column(surv[2])), "the event indicator must be 0 or 1",
           "code an event as 1 and censoring as 0");
    }
    if (strata_col) {
      const auto v = data.text[*strata_col][r];
      if (v.empty() || v == "NA") {
        // R's coxph drops such rows; here a missing stratum would become a stratum of its own.
        fail(ErrorKind::data, where(*strata_col), "the stratum is missing",
             "give every row a stratum, or leave out the rows without one");
      }
      copt.strata.push_back(
          strata_ids.emplace(data.text[*strata_col][r], strata_ids.size()).first->second);
    }
  }
  return {naming_file(data.path,
                      [&] { return fit_cox(design.x, start, stop, design.y, design.names, copt); }),
          design.dropped_missing};
}

namespace {

// Honest limits of an inferred network (docs/model.md 7.8). NetInf links an adopter only to
// earlier adopters, and scores a link by the time between them: adopters at one time are no
// evidence for one another, and with integer years many candidate edges score alike, so the
// greedy search picks among equal gains by its tie rule (node order), not by the data.
std::vector<std::string> infer_warnings(const InferResult& r, bool parameter_estimated) {
  std::vector<std::string> out;
  const auto& ev = r.cascades.events;  // by cascade, time, node
  std::int64_t tied = 0;
  std::int64_t zero_gaps = 0;  // times since the previous event that are 0
  std::int64_t gaps = 0;
  for (std::size_t i = 0; i < ev.size();) {
    std::size_t j = i;
    while (j < ev.size() && ev[j].cascade == ev[i].cascade && ev[j].time == ev[i].time) {
      ++j;
    }
    tied += j - i > 1 ? static_cast<std::int64_t>(j - i) : 0;
    const bool first = i == 0 || ev[i - 1].cascade != ev[i].cascade;
    gaps += static_cast<std::int64_t>(j - i) - (first ? 1 : 0);
    zero_gaps += static_cast<std::int64_t>(j - i) - 1;
    i = j;
  }
  const auto n_events = static_cast<std::int64_t>(ev.size());
  if (tied > 0) {
    out.push_back(fmt::format(
        "{} of the {} events ({:.0f}%) share their time with another event of the same cascade: "
        "NetInf links an adopter only to earlier ones and cannot tell which of several "
        "simultaneous adopters was the source, so among tied times the edges are arbitrary "
        "(equal gains go by node order: the nodes' sorted names, or the --nodes list); give "
        "finer dates (months, days) if you have them",
        tied, n_events, 100.0 * static_cast<double>(tied) / static_cast<double>(n_events)));
  }
  if (parameter_estimated && zero_gaps > 0) {
    out.push_back(fmt::format(
        "the transmission parameter {} was estimated from the mean gaps between events, {} of "
        "whose {} gaps since the previous event are 0 (tied times): the estimate is inflated by "
        "the ties; give --params in the unit of your times (e.g. 1 for yearly data)",
        r.parameter, zero_gaps, gaps));
  }
  const auto n_casc = r.cascades.cascade_ids.size();
  const auto n_nodes = r.cascades.node_names.size();
  if (n_casc < n_nodes) {
    out.push_back(fmt::format(
        "{} cascade{} over {} nodes: an edge rests on at most {} cascade{} (its volume), and "
        "NetInf tells a source from a contemporary only over many cascades (fewer cascades "
        "than nodes leaves each node fewer adoptions than candidate sources; examples/spid "
        "has 728 cascades over 50 nodes){}",
        n_casc, n_casc == 1 ? "" : "s", n_nodes, n_casc, n_casc == 1 ? "" : "s",
        n_casc == 1 ? ": with one cascade the edges only order its adopters in time and carry "
                      "no evidence of influence"
                    : ""));
  }
  // Edges whose improvement equals another edge's (to rounding): chosen by the tie rule.
  std::vector<double> gains;
  for (const auto& e : r.network.edges) {
    gains.push_back(e.improvement);
  }
  std::sort(gains.begin(), gains.end());
  std::int64_t equal = 0;
  const auto same = [](double a, double b) {
    return std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
  };
  for (std::size_t k = 0; k < gains.size(); ++k) {
    equal += (k > 0 && same(gains[k], gains[k - 1])) ||
                     (k + 1 < gains.size() && same(gains[k], gains[k + 1]))
                 ? 1
                 : 0;
  }
  if (equal > 0 && 10 * equal >= static_cast<std::int64_t>(gains.size())) {
    out.push_back(fmt::format(
        "{} of the {} edges have the same improvement as another edge: which of those edges "
        "enter the network, and in which order, is decided by the tie rule (node order), not "
        "by the data",
        equal, gains.size()));
  }
  return out;
}

}  // namespace

InferResult infer_study(const InferSpec& spec, const std::function<void(double)>& on_estimated,
                        const std::function<void(std::int64_t)>& on_edge) {
  // (NaN passes every comparison, so the option parser's range lets it through.)
  if (!(spec.p_value_cutoff >= 0 && spec.p_value_cutoff <= 1)) {
    fail(ErrorKind::usage, {"", 0, "--p-value-cutoff", fmt::format("{}", spec.p_value_cutoff)},
         "the p-value cut-off must be a number from 0 to 1",
         "give e.g. --p-value-cutoff 0.05, or leave it out");
  }
  if (spec.flavour == NetInfFlavour::snap && spec.p_value_cutoff > 0) {
    fail(ErrorKind::usage, {"", 0, "--p-value-cutoff", fmt::format("{}", spec.p_value_cutoff)},
         "the p-value cut-off is a rule of the networkinference flavour (Vuong p-values); the "
         "snap flavour has none and would ignore it",
         "add --flavour networkinference, or drop --p-value-cutoff (with snap, --edges bounds "
         "the network)");
  }
  InferResult res;
  res.cascades = io::read_cascades(spec.cascades, spec.nodes);
  const auto& casc = res.cascades;
  if (spec.parameter && !(std::isfinite(*spec.parameter) && *spec.parameter > 0)) {
    throw Error(ErrorKind::usage, fmt::format("--params {}: the transmission parameter must be a "
                                              "finite number > 0. Fix: give e.g. --params 0.5",
                                              *spec.parameter));
  }
  if (spec.model == Transmission::power_law && spec.flavour == NetInfFlavour::networkinference) {
    fail(ErrorKind::usage, {"", 0, "--model", "power-law"},
         "the networkinference flavour (R NetworkInference) has the exponential and Rayleigh "
         "models only",
         "use --model exponential or rayleigh, or --flavour snap");
  }
  if (!spec.parameter && spec.model == Transmission::power_law) {
    fail(ErrorKind::usage, {"", 0, "--params", ""},
         "--model power-law needs --params, an exponent > 1: the default, 1, is a rate for the "
         "exponential and Rayleigh models and no valid exponent",
         "give the power law's exponent, e.g. --params 2");
  }
  if (spec.max_edges < 0) {
    fail(ErrorKind::usage, {"", 0, "--edges", fmt::format("{}", spec.max_edges)},
         "the number of edges must be at least 1", "give --edges 1 or more, or leave it out");
  }
  NetInfOptions nopt;
  nopt.model = spec.model;
  nopt.flavour = spec.flavour;
  nopt.p_value_cutoff = spec.p_value_cutoff;
  nopt.alpha = spec.parameter.value_or(1.0);
  if (nopt.flavour == NetInfFlavour::networkinference && !spec.parameter) {
    nopt.alpha = netinf_default_parameter(casc.events, nopt.model);
    if (!(std::isfinite(nopt.alpha) && nopt.alpha > 0)) {
      // The package's estimate is built from the mean times since each cascade's first and
      // previous event: 0 (simultaneous events) makes it infinite, times near 1e308 make it 0
      // (or, for Rayleigh, the reverse).
      fail(ErrorKind::data, {spec.cascades, 0, "event_time", ""},
           fmt::format("the transmission parameter estimated from the cascades' times (the "
                       "package's default, from the mean times since each cascade's first and "
                       "previous event) is {}, not a finite number > 0: the times within the "
                       "cascades are {}",
                       nopt.alpha,
                       (nopt.model == Transmission::rayleigh ? !(nopt.alpha > 0) : nopt.alpha > 0)
                           ? "all equal (simultaneous events)"
                           : "too far apart for double precision"),
           "give the parameter with --params (a rate > 0), or give the event times in a unit in "
           "which the cascades' events are apart and of moderate size");
    }
    if (on_estimated) {
      on_estimated(nopt.alpha);
    }
  }
  nopt.epsilon = spec.epsilon;
  nopt.max_edges = spec.max_edges;
  nopt.on_edge = on_edge;
  res.network = netinf(casc.events, static_cast<std::int32_t>(casc.node_names.size()), nopt);
  res.parameter = nopt.alpha;
  res.warnings =
      infer_warnings(res, spec.flavour == NetInfFlavour::networkinference && !spec.parameter);
  return res;
}

}  // namespace pdlab::study
