// Estimation inputs and outputs: observed adoption events, time-varying covariates,
// risk-set CSV (ready for R glm/survival and Stata), generic data tables and formulas.
#pragma once

#include "pdlab/core/model.hpp"
#include "pdlab/estimation/cox.hpp"
#include "pdlab/estimation/glm.hpp"
#include "pdlab/estimation/netinf.hpp"
#include "pdlab/estimation/riskset.hpp"
#include "pdlab/io/table.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pdlab::io {

// Events CSV: unit_id,policy_id,time (time: "YYYY-MM", "YYYY" or a period number on the
// scenario's calendar); a unit that never adopted has no row, so an empty time is an error
// that counts the file's empty times. A unit id the hierarchy lacks that is a padded code of
// one of its units is read as that unit (padded_codes.hpp). Unknown units or policies, duplicates,
// dates before the calendar are errors naming the line (unless
// EventsReadOptions::keep_before_start); events after the horizon are kept as censored and counted
// in `after_horizon`.
struct EventsFile {
  std::vector<ObservedAdoption> adoptions;
  std::vector<std::int64_t> lines;      // per adoption: its line in the file (0: not from one)
  std::vector<std::string> policy_ids;  // index = ObservedAdoption::policy
  // Every policy id of the file in the order first seen, those not read included (for
  // messages: an id asked for that the file lacks).
  std::vector<std::string> file_policy_ids;
  std::int64_t after_horizon = 0;
  std::int64_t outside_subtree = 0;
  // Adoptions dated wholly before the calendar's start (kept with keep_before_start, at
  // period kBeforeStart): their count, the first in the file, and the earliest date.
  std::int64_t before_start = 0;
  std::size_t first_before_start = 0;  // index into adoptions
  std::string first_before_start_time, earliest_before_start;
  // Events dated by a bare year ("2021") on a calendar of several periods a year: each is
  // placed in its year's first period (docs/model.md 2), which a hazard by period reads as an
  // adoption in January.
  std::int64_t year_dates = 0;
  // Unit ids read as China's codes padded with zeros (130100 for the prefecture 1301;
  // padded_codes.hpp): their count and the note that says so ("" when none).
  std::int64_t padded_ids = 0;
  std::string padded_ids_note;
};
// The note on EventsFile::year_dates for a calendar ("" when there are none).
std::string year_dates_note(const EventsFile& events, const Calendar& cal);
// The note on EventsFile::outside_subtree ("" when there are none): every command that reads
// events against a scenario restricted to a subtree (hierarchy.root) says how many it ignored.
std::string outside_subtree_note(const EventsFile& events);
// The period of an adoption dated before the calendar's start: the unit had adopted when the
// calendar begins (adopted "before period 0").
inline constexpr std::int32_t kBeforeStart = -1;

struct EventsReadOptions {
  // Only the rows of these policy ids are read (their units and dates checked); empty: every
  // row. The other rows are skipped before any check: they may even be dated before the start.
  std::vector<std::string> policies;
  // A date that ends before the calendar's start is kept at period kBeforeStart (and counted
  // in EventsFile::before_start) instead of refused; the caller decides what it means.
  bool keep_before_start = false;
};

// If the hierarchy has an `exists_from` column (a year, e.g. 2012 for a unit created then),
// events before that year are errors and the risk set starts there. With a policy filter, a
// file with rows but none of those policies gives no adoptions instead of the "no events"
// error (the caller names the policy asked for).
EventsFile read_events(const std::string& path, const Hierarchy& h, const Calendar& cal,
                       const EventsReadOptions& options = {});

// Per unit, the first period it exists (from `exists_from`); empty without that column.
std::vector<std::int32_t> unit_first_periods(const Hierarchy& h, const Calendar& cal);

// What bounds the risk set, from the scenario compiled against the hierarchy (docs/model.md
// 7.7): each unit's existence and the periods its tier is abolished (the model's restructuring
// schedule: exists_from / exists_until, merge, split, abolish, reestablish), and for the
// events' policies (matched by id; policies the scenario does not list are at risk everywhere
// from the start) [[policy]] from, levels and types. An observed adoption outside the risk
// set (before its policy exists, at a level or of a type that cannot adopt it, while its unit
// does not exist or its tier is abolished) is a data error naming the events file, line, unit
// and date, with the fix.
void riskset_availability(const Model& model, const EventsFile& events,
                          const std::string& events_path, RiskSetOptions& options);

// Long covariates CSV: unit_id,time,variable,value. Unit ids as in read_events: padded codes
// are read as their units, and `padded_ids_note` (when given) says how many ("" when none).
std::vector<TimeVaryingCovariate> read_time_varying(const std::string& path, const Hierarchy& h,
                                                    const Calendar& cal,
                                                    std::string* padded_ids_note = nullptr);

// Risk set as CSV: unit_id, parent_id, level, policy_id, period, date, tstart, tstop, event,
// duration, log_duration, vertical, horizontal, bottom_up, covariates...
TableSchema riskset_schema(const RiskSet& rs);
void write_riskset(const RiskSet& rs, const Hierarchy& h, const Calendar& cal,
                   const std::vector<std::string>& policy_ids, TableWriter& w);

// A CSV loaded into columns for model fitting.
// The raw text of one column: views into the file read_table read (kept once, shared by the
// columns; a million-row table is not 20 million strings) or into text it owns (push_back).
class TextColumn {
 public:
  std::string_view operator[](std::size_t r) const {
    const std::uint64_t c = cells_[r];
    return {base() + (c >> kLengthBits), static_cast<std::size_t>(c & kMaxLength)};
  }
  [[nodiscard]] std::size_t size() const { return cells_.size(); }
  [[nodiscard]] bool empty() const { return cells_.empty(); }
  // Appends a copy of s (a column that shares a file's text takes no more).
  void push_back(std::string_view s);
  // A cell packs the offset of its text (40 bits) and its length (24 bits).
  static constexpr unsigned kLengthBits = 24;
  static constexpr std::uint64_t kMaxLength = (std::uint64_t{1} << kLengthBits) - 1;
  static std::uint64_t cell(std::size_t offset, std::size_t length) {
    return (static_cast<std::uint64_t>(offset) << kLengthBits) | length;
  }
  // The column of `cells` into `text` (read_table).
  void share(std::shared_ptr<const std::string> text, std::vector<std::uint64_t> cells) {
    shared_ = std::move(text);
    own_.clear();
    cells_ = std::move(cells);
  }
  void reserve(std::size_t cells, std::size_t bytes) {
    cells_.reserve(cells);
    own_.reserve(bytes);
  }
  class iterator {
   public:
    iterator(const TextColumn* c, std::size_t r) : c_(c), r_(r) {}
    std::string_view operator*() const { return (*c_)[r_]; }
    iterator& operator++() {
      ++r_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return r_ != o.r_; }

   private:
    const TextColumn* c_;
    std::size_t r_;
  };
  [[nodiscard]] iterator begin() const { return {this, 0}; }
  [[nodiscard]] iterator end() const { return {this, size()}; }

 private:
  [[nodiscard]] const char* base() const { return shared_ ? shared_->data() : own_.data(); }
  std::shared_ptr<const std::string> shared_;
  std::string own_;
  std::vector<std::uint64_t> cells_;
};

struct DataTable {
  std::string path;
  std::vector<std::string> names;
  std::vector<TextColumn> text;          // raw values (empty for a column read without text)
  std::vector<std::vector<double>> num;  // NaN where empty, NA or not a number
  std::vector<bool> numeric;             // every non-missing value is a number
  std::vector<bool> kept;                // read (false: skipped by a TableColumns selection)
  std::vector<std::int64_t> line;        // per row: its line in the file (for messages)
  // Per column: the line and text of its first value that is not a number (line 0: none).
  std::vector<std::pair<std::int64_t, std::string>> first_text;
  [[nodiscard]] std::size_t rows() const { return line.size(); }
  [[nodiscard]] std::optional<std::size_t> column(const std::string& name) const;
};
// Which columns read_table keeps: by default all, as numbers and text. A selection keeps only
// the columns named in `numbers` (numbers only) and `text` (numbers and text); the others are
// checked (field count, quoting) but not stored, and the table owns the text it keeps instead
// of holding the whole file. Names not in the header are ignored (build_design reports them).
struct TableColumns {
  bool all = true;
  std::vector<std::string> numbers;
  std::vector<std::string> text;
};
// Rows are parsed in parallel on `threads` threads (0: all cores); the table, and the error
// for bad input (the first in the file), are the same whatever the number.
DataTable read_table(const std::string& path, int threads = 0, const TableColumns& keep = {});

// "event ~ vertical + horizontal + log(gdp) + vertical:horizontal + factor(policy_id) - 1":
// the response, terms and whether there is an intercept. A term is factor(column) (treatment
// contrasts, levels sorted as in R for numbers, byte order for text) or numeric: a column,
// log(column), or an interaction a:b (the product of its parts, each a column or a log). As in
// R, a*b expands to a + b + a:b; repeated terms are kept once. Without an intercept, the first
// factor codes every level (R's model.matrix: its dummies then span the intercept), unless the
// model has a baseline of its own.
struct Formula {
  std::string response;
  std::vector<std::string> terms;
  bool intercept = true;
  // The model has an intercept the design does not hold (a Cox model's baseline hazard, `fit`'s
  // intercepts by level): every factor keeps its reference level out, as R's coxph codes them.
  bool baseline = false;
};
Formula parse_formula(const std::string& text);
// One factor of a numeric term: a column, or its natural log.
struct TermPart {
  std::string column;
  bool log = false;
};
// The parts of a numeric term ("x" -> {x}, "log(x)" -> {log x}, "a:log(b)" -> {a, log b});
// empty for factor(x). Terms come from parse_formula (already checked).
std::vector<TermPart> term_parts(const std::string& term);
// `term` with column `from` read as `to` wherever a part of it (between ':') is `from`,
// log(from) or factor(from): "horizontal:log(trend)" -> "horizontal:log(period)".
std::string rename_term_column(const std::string& term, const std::string& from,
                               const std::string& to);
// Whether a column is an id ("id" or "..._id"): labels, never a numeric term, even when they
// look like numbers (administrative codes).
bool is_id_column(const std::string& column);
// The columns build_design needs for `f` with these offset and cluster columns: the response,
// factors and cluster as text (for levels, ids and messages), the other terms as numbers.
TableColumns formula_columns(const Formula& f, const std::string& offset_column,
                             const std::string& cluster_column);

struct Design {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  Eigen::VectorXd offset;
  std::vector<std::string> names;
  std::vector<std::int64_t> clusters;
  std::int64_t dropped_missing = 0;
  std::vector<std::size_t> rows;  // table rows used, in order
  // Set by read_design when it has checked, while parsing, that every response is 0 or 1 and
  // every value of x finite (GlmOptions::inputs_checked): the fit then skips its own pass.
  bool checked = false;
};
Design build_design(const DataTable& data, const Formula& f, const std::string& offset_column,
                    const std::string& cluster_column);
// The same design read straight from a plain CSV file into the matrix (no table), with the
// rows split across `threads` threads (0: all cores; the design is the same at any number), for
// `pdlab eha`: numeric terms, an optional offset, no factor() or cluster. It also requires a
// response of 0 or 1 on every row used. nullopt for anything else: a gzip file, a quote, a field
// that is neither a number from_chars reads whole and in range (an infinity is kept, as
// read_table keeps it)
// nor empty nor NA (text, padding, '+', ...), a bad row or header,
// a column not in the header, no rows; read_table and build_design then give the design or
// the error. `rows` is left empty (no message needs it: the response was checked).
std::optional<Design> read_design(const std::string& path, const Formula& f,
                                  const std::string& offset_column,
                                  const std::string& cluster_column, int threads = 0);
// Frees a design's matrix with its pages returned to the system by all threads at once: a
// 1,000,000 x 20 design's 39,000 pages take one thread ~30 ms to free, serially, at the end
// of `pdlab eha`. The design is empty afterwards.
void release_design(Design& design);
// The same for a matrix alone (empty afterwards).
void release_matrix(Eigen::MatrixXd& m);

// "Surv(tstart, tstop, event)" -> {tstart, tstop, event}; empty if not of that form.
std::vector<std::string> parse_surv(const std::string& response);

// Cascades in R NetworkInference's long format: node_name,event_time,cascade_id. Node ids are
// positions in `node_list` when given (a CSV with node_name), else order of first appearance.
// The cascades of `pdlab infer`, from the events format (unit_id,policy_id,time: a policy is a
// cascade; a date is read as the decimal year of its first day, a period number as it is) or
// NetInf's (node_name,event_time,cascade_id: any finite number). Nodes are numbered as the node
// list gives them (its node_name or unit_id column), else in their names' sorted order;
// cascades in their ids' sorted order; each cascade's events by time, then node: the order of
// the rows decides nothing (docs/model.md 7.8).
struct Cascades {
  std::vector<CascadeEvent> events;
  std::vector<std::string> node_names;
  std::vector<std::string> cascade_ids;
  bool events_format = false;  // read from unit_id,policy_id,time
};
Cascades read_cascades(const std::string& path, const std::string& node_list);
// origin_node,destination_node,improvement,p_value,volume,median_time_difference,
// mean_time_difference (p_value empty in the snap flavour).
void write_netinf(const NetInfResult& r, const Cascades& c, TableWriter& w);

// Writes a tidy coefficient table (term, estimate, std_error, z_value, p_value, conf_low,
// conf_high, se_type) as CSV, and prints a readable summary to `report`.
void write_glm(const GlmFit& fit, TableWriter& w);
void print_glm(const GlmFit& fit, const std::string& title, std::ostream& report);
// The same for a Cox model (estimate, hazard ratio, se, z, p, CI).
void write_cox(const CoxFit& fit, TableWriter& w);
// A fit's statistics as one row (schemas eha_stats and cox_stats, `--stats FILE`): its size,
// likelihood, information criteria and the likelihood-ratio test against the null model.
// `model`: the formula as given; `kind`: the link (eha) or the ties (cox); `dropped`: rows
// with missing values left out.
void write_glm_stats(const GlmFit& fit, const std::string& model, const std::string& kind,
                     std::int64_t dropped, TableWriter& w);
void write_cox_stats(const CoxFit& fit, const std::string& model, const std::string& kind,
                     std::int64_t dropped, TableWriter& w);
void print_cox(const CoxFit& fit, const std::string& title, std::ostream& report);

}  // namespace pdlab::io
