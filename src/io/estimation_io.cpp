#include "pdlab/io/estimation_io.hpp"

#include "pdlab/core/restructure.hpp"

#include "pdlab/core/calendar.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/core/params.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace pdlab::io {

namespace {

std::size_t need_column(const CsvReader& csv, const char* name, const char* header) {
  const auto c = csv.column(name);
  if (!c) {
    fail(ErrorKind::data, {csv.path(), 1, name, ""}, "required column missing from the header",
         std::string("the header must be ") + header);
  }
  return *c;
}

std::int32_t unit_index(const Hierarchy& h, const CsvReader& csv, std::string_view id,
                        bool* outside) {
  const auto u = h.find(id);
  if (u >= 0) {
    return u;
  }
  if (h.excluded(id)) {
    *outside = true;
    return -1;
  }
  fail(ErrorKind::data, {csv.path(), csv.line(), "unit_id", std::string(id)},
       "no unit in the hierarchy has this id", "use ids of the scenario's hierarchy");
}

}  // namespace

std::vector<std::int32_t> unit_first_periods(const Hierarchy& h, const Calendar& cal) {
  const auto a = h.attribute_index("exists_from");
  if (!a) {
    return {};
  }
  const auto col = h.attribute(*a);
  std::vector<std::int32_t> out(static_cast<std::size_t>(h.size()), 0);
  for (std::int32_t u = 0; u < h.size(); ++u) {
    if (!std::isnan(col[u])) {
      // A year, or a month YYYYMM, as the simulator reads it (docs/model.md 7.13).
      const auto p = existence_period(cal, col[u]);
      if (!p) {
        fail(ErrorKind::data,
             {h.source(), h.source_line(u), "exists_from", fmt::format("{}", col[u])},
             "exists_from must be a year (1000-3000) or a month YYYYMM",
             "give the year or month the unit was created, or leave the field empty");
      }
      out[u] = std::max(0, *p);
    }
  }
  return out;
}

void riskset_availability(const Model& model, const EventsFile& events,
                          const std::string& events_path, RiskSetOptions& ro) {
  const auto& sc = model.scenario();
  const auto& h = model.hierarchy();
  const auto& rs = model.restructuring();
  const auto n = static_cast<std::size_t>(h.size());
  ro.first_period.clear();
  ro.end_period.clear();
  ro.abolished_from.clear();
  ro.abolished_until.clear();
  if (rs.changes_units()) {
    ro.first_period.resize(n);
    ro.end_period.resize(n);
    for (std::int32_t u = 0; u < h.size(); ++u) {
      ro.first_period[static_cast<std::size_t>(u)] = rs.begin(u);
      ro.end_period[static_cast<std::size_t>(u)] = rs.end(u);
    }
  }
  if (rs.abolishes()) {
    ro.abolished_from.resize(n);
    ro.abolished_until.resize(n);
    for (std::int32_t u = 0; u < h.size(); ++u) {
      ro.abolished_from[static_cast<std::size_t>(u)] = rs.abolished_at(u);
      ro.abolished_until[static_cast<std::size_t>(u)] = rs.restored_at(u);
    }
  }
  const auto np = events.policy_ids.size();
  ro.policy_from.assign(np, 0);
  ro.policy_levels.assign(np, {});
  ro.policy_units.assign(np, {});
  std::vector<int> scenario_policy(np, -1);
  for (std::size_t k = 0; k < np; ++k) {
    const auto it = std::find_if(sc.policies.begin(), sc.policies.end(),
                                 [&](const Policy& p) { return p.id == events.policy_ids[k]; });
    if (it == sc.policies.end()) {
      continue;
    }
    const int m = static_cast<int>(it - sc.policies.begin());
    scenario_policy[k] = m;
    ro.policy_from[k] = model.policy_from(m);
    if (!it->levels.empty()) {
      ro.policy_levels[k].assign(static_cast<std::size_t>(h.n_levels()), 0);
      for (int l = 0; l < h.n_levels(); ++l) {
        ro.policy_levels[k][static_cast<std::size_t>(l)] = model.adoptable(m, l) ? 1 : 0;
      }
    }
    if (model.typed(m)) {
      ro.policy_units[k].assign(n, 0);
      for (std::int32_t u = 0; u < h.size(); ++u) {
        ro.policy_units[k][static_cast<std::size_t>(u)] = model.adoptable_unit(m, u) ? 1 : 0;
      }
    }
  }
  // Every observed adoption must lie in the risk set: an adoption outside it is bad data (or a
  // scenario that contradicts the data), never silently dropped.
  const auto& text_names = h.text_attribute_names();
  const auto type_col = std::find(text_names.begin(), text_names.end(), "type");
  const auto when = [&](std::int32_t t) {
    return t == kNever ? std::string("the end") : period_label(sc.calendar, t);
  };
  for (std::size_t i = 0; i < events.adoptions.size(); ++i) {
    const auto& a = events.adoptions[i];
    const auto k = static_cast<std::size_t>(a.policy);
    const int m = scenario_policy[k];
    const std::string key = m >= 0 ? "policy[" + std::to_string(m) + "]" : "";
    const bool in_run = a.period < sc.calendar.periods;
    std::string why;
    std::string fix;
    if (a.period < ro.policy_from[k]) {
      why = "before the policy exists (" + key + ".from = " + sc.policies[m].from + ")";
      fix = "correct the event's time, or move " + key + ".from in the scenario earlier";
    } else if (!ro.policy_levels[k].empty() &&
               ro.policy_levels[k][static_cast<std::size_t>(h.level(a.unit))] == 0) {
      why = "by a " + h.level_names()[static_cast<std::size_t>(h.level(a.unit))] +
            ", a level where the scenario says it cannot be adopted (" + key + ".levels)";
      fix = "correct the event's unit, or add the level to " + key + ".levels";
    } else if (!ro.policy_units[k].empty() &&
               ro.policy_units[k][static_cast<std::size_t>(a.unit)] == 0) {
      const auto c = static_cast<int>(type_col - text_names.begin());
      why = "by a unit of type '" + std::string(h.text_attribute(c, a.unit)) +
            "', which the scenario says cannot adopt it (" + key + ".types)";
      fix = "correct the event's unit, or add the type to " + key + ".types";
    } else if (in_run && !rs.exists(a.unit, a.period)) {
      why = "while the unit does not exist (it exists from " + when(rs.begin(a.unit)) + " until " +
            when(rs.end(a.unit)) +
            ": hierarchy columns exists_from / exists_until and the scenario's merge and "
            "split events)";
      fix =
          "date the event while the unit exists (an adoption after a merge or split belongs "
          "to the unit that took it over), or correct the unit's existence";
    } else if (in_run && rs.abolished_at(a.unit) <= a.period && a.period < rs.restored_at(a.unit)) {
      why = "while the unit's tier is abolished (from " + when(rs.abolished_at(a.unit)) +
            " until " + when(rs.restored_at(a.unit)) +
            ": the scenario's abolish and reestablish events), when it is not a government";
      fix = "correct the event, or the scenario's abolish / reestablish events";
    }
    if (!why.empty()) {
      const std::int64_t line = i < events.lines.size() ? events.lines[i] : 0;
      fail(ErrorKind::data, {events_path, line, "unit_id", std::string(h.id(a.unit))},
           "an observed adoption of policy '" + events.policy_ids[k] + "' at " +
               period_label(sc.calendar, a.period) + " " + why + ": it lies outside the risk set",
           fix);
    }
  }
}

std::string year_dates_note(const EventsFile& events, const Calendar& cal) {
  if (events.year_dates == 0) {
    return "";
  }
  return fmt::format(
      "{} of the {} events are dated by a year only, on a calendar of {} periods a year: each "
      "is placed in its year's first period (docs/model.md 2), so a hazard by period sees them "
      "all adopt then; date them by month (YYYY-MM), or set calendar.periods_per_year = 1",
      events.year_dates, events.adoptions.size(), cal.periods_per_year);
}

EventsFile read_events(const std::string& path, const Hierarchy& h, const Calendar& cal) {
  const auto first = unit_first_periods(h, cal);
  CsvReader csv(path);
  const char* header = "unit_id,policy_id,time";
  const auto cu = need_column(csv, "unit_id", header);
  const auto cp = need_column(csv, "policy_id", header);
  const auto ct = need_column(csv, "time", header);
  EventsFile ev;
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> seen;
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    bool outside = false;
    const auto u = unit_index(h, csv, f[cu], &outside);
    if (outside) {
      ++ev.outside_subtree;
      continue;
    }
    const std::string pid(f[cp]);
    if (pid.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "policy_id", ""}, "empty policy id",
           "give every event a policy id");
    }
    auto it = std::find(ev.policy_ids.begin(), ev.policy_ids.end(), pid);
    if (it == ev.policy_ids.end()) {
      ev.policy_ids.push_back(pid);
      it = ev.policy_ids.end() - 1;
    }
    const auto pol = static_cast<std::int32_t>(it - ev.policy_ids.begin());
    std::int32_t period = 0;
    // to_period's message names the file, line, field and value, and the fix; in an events
    // file it is bad data (65), not a bad scenario.
    try {
      period = to_period(cal, std::string(f[ct]), "time", path, csv.line());
    } catch (const Error& e) {
      throw Error(ErrorKind::data, e.what());
    }
    const auto key = std::make_pair(u, pol);
    if (auto s = seen.find(key); s != seen.end()) {
      fail(ErrorKind::data, {path, csv.line(), "unit_id", std::string(f[cu])},
           "duplicate event: this unit already adopts policy '" + pid + "' on line " +
               std::to_string(s->second),
           "keep the first adoption of each unit and policy");
    }
    seen.emplace(key, csv.line());
    if (!first.empty() && period < first[u]) {
      fail(ErrorKind::data, {path, csv.line(), "time", std::string(f[ct])},
           "event before the unit exists (exists_from = " +
               fmt::format("{}", h.attribute(*h.attribute_index("exists_from"))[u]) + ")",
           "correct the event time or the unit's exists_from");
    }
    if (period >= cal.periods) {
      ++ev.after_horizon;
    }
    const std::string_view time = f[ct];
    if (cal.periods_per_year > 1 && time.size() == 4 &&
        std::all_of(time.begin(), time.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      ++ev.year_dates;
    }
    ev.adoptions.push_back({u, pol, period});
    ev.lines.push_back(csv.line());
  }
  if (ev.adoptions.empty() && ev.outside_subtree == 0) {
    fail(ErrorKind::data, {path, csv.line(), "", ""}, "no events",
         "add rows unit_id,policy_id,time");
  }
  return ev;
}

std::vector<TimeVaryingCovariate> read_time_varying(const std::string& path, const Hierarchy& h,
                                                    const Calendar& cal) {
  CsvReader csv(path);
  const char* header = "unit_id,time,variable,value";
  const auto cu = need_column(csv, "unit_id", header);
  const auto ct = need_column(csv, "time", header);
  const auto cv = need_column(csv, "variable", header);
  const auto cx = need_column(csv, "value", header);
  std::vector<TimeVaryingCovariate> out;
  std::map<std::tuple<std::string, std::int32_t, std::int32_t>, std::int64_t> seen;  // -> line
  struct BeforeStart {
    std::int64_t day = 0;  // the date's first day
    double value = 0;
    std::int64_t line = 0;
  };
  std::map<std::pair<std::string, std::int32_t>, BeforeStart> before_start;
  std::map<std::tuple<std::string, std::int32_t, std::int64_t>, std::int64_t> seen_before;
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    bool outside = false;
    const auto u = unit_index(h, csv, f[cu], &outside);
    if (outside) {
      continue;
    }
    const std::string name(f[cv]);
    if (name.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "variable", ""}, "empty variable name",
           "name every covariate");
    }
    // A value dated before the calendar's start (a lagged, pre-window predictor) holds from
    // the start until the unit's next value, as any value holds until the next: the latest
    // of each unit and variable is kept and placed at period 0 below, unless one is dated
    // there.
    const std::string time(f[ct]);
    DateSpan span;
    std::string why;
    if (parse_date(time, span, why) && span.first < calendar_first_day(cal)) {
      const auto v = parse_number(f[cx], path, csv.line(), "value");
      if (const auto [at, fresh] =
              seen_before.emplace(std::make_tuple(name, u, span.first), csv.line());
          !fresh) {
        fail(ErrorKind::data, {path, csv.line(), "variable", name},
             "two values for the same unit, time and variable (the first on line " +
                 std::to_string(at->second) + ")",
             "keep one value");
      }
      auto& kept = before_start[{name, u}];
      if (kept.line == 0 || span.first > kept.day) {
        kept = {span.first, v ? *v : std::nan(""), csv.line()};
      }
      continue;
    }
    std::int32_t t = 0;
    try {
      t = to_period(cal, time, "time", path, csv.line());
    } catch (const Error& e) {
      throw Error(ErrorKind::data, e.what());  // bad data, as in read_events
    }
    const auto v = parse_number(f[cx], path, csv.line(), "value");
    if (const auto [at, fresh] = seen.emplace(std::make_tuple(name, u, t), csv.line()); !fresh) {
      fail(ErrorKind::data, {path, csv.line(), "variable", name},
           "two values for the same unit, time and variable (the first on line " +
               std::to_string(at->second) + ")",
           "keep one value");
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({name, {}});
      it = out.end() - 1;
    }
    it->obs.push_back({u, t, v ? *v : std::nan("")});
  }
  for (const auto& [key, kept] : before_start) {
    const std::string& name = key.first;
    const std::int32_t u = key.second;
    if (seen.count({name, u, 0}) != 0) {
      continue;  // the start has its own value
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({name, {}});
      it = out.end() - 1;
    }
    it->obs.push_back({u, 0, kept.value});
  }
  return out;
}

TableSchema riskset_schema(const RiskSet& rs) {
  auto schema = table_schema("riskset");
  for (const auto& c : rs.covariate_names) {
    schema.columns.push_back({c, ColumnType::real, "covariate"});
  }
  return schema;
}

void write_riskset(const RiskSet& rs, const Hierarchy& h, const Calendar& cal,
                   const std::vector<std::string>& policy_ids, TableWriter& w) {
  for (std::size_t r = 0; r < rs.rows(); ++r) {
    const auto u = rs.unit[r];
    const auto p = h.parent(u);
    w.text(h.id(u))
        .text(p >= 0 ? h.id(p) : std::string_view())
        .text(h.level_names()[h.level(u)])
        .text(policy_ids[rs.policy[r]])
        .integer(rs.period[r])
        .text(period_label(cal, rs.period[r]))
        .integer(rs.period[r])
        .integer(rs.period[r] + 1)
        .integer(rs.event[r])
        .integer(rs.duration[r])
        .real(std::log(static_cast<double>(rs.duration[r])))
        .real(rs.vertical[r])
        .real(rs.horizontal[r])
        .real(rs.bottom_up[r]);
    for (const auto& col : rs.covariates) {
      w.real(col[r]);
    }
    w.end_row();
  }
}

std::optional<std::size_t> DataTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

void TextColumn::push_back(std::string_view s) {
  if (shared_) {
    throw Error(ErrorKind::internal, "TextColumn::push_back on a column of a file's text");
  }
  if (s.size() > kMaxLength || own_.size() + s.size() >= (std::uint64_t{1} << 40U)) {
    throw Error(ErrorKind::data, "a column holds a field over 16 MB or more than 1 TB of text");
  }
  cells_.push_back(cell(own_.size(), s.size()));
  own_.append(s);
}

namespace {

// One block of lines of a table, parsed by one thread into rows [row0, row0 + rows).
struct TableBlock {
  std::size_t begin = 0;  // offsets in the file's text: whole lines
  std::size_t end = 0;
  std::int64_t line0 = 0;  // line number of the block's first line
  std::size_t row0 = 0;    // first row (counting every line; empty lines are dropped later)
  std::size_t lines = 0;
  std::size_t rows = 0;
  std::vector<std::pair<std::int64_t, std::string>> first_text;  // per column, line 0: none
  std::exception_ptr error;
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);  // R's format() pads numbers
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// A field's number: NaN for empty or NA (missing); false (and NaN) for text.
bool field_number(std::string_view s, double& v) {
  s = trimmed(s);
  v = std::nan("");
  if (s.empty() || s == "NA") {
    return true;
  }
  if (!parse_double(s, v)) {
    v = std::nan("");
    return false;
  }
  return true;
}

// What read_table keeps of a column.
enum class Keep : std::uint8_t { skip, number, text };

// A row of plain decimals (no quotes, spaces, NA or text) in one pass, with no splitting
// first; false, having written nothing that counts, for any other row, which the general
// path then reads (and refuses with its message if it is bad). A skipped column's field may be
// anything short enough (no quotes: the caller checked).
bool fast_row(const char* text, const char* p, const char* end, std::size_t row,
              const std::vector<Keep>& keep, std::vector<std::vector<double>>& num,
              std::vector<std::vector<std::uint64_t>>& cells) {
  const std::size_t nc = keep.size();
  for (std::size_t c = 0; c < nc; ++c) {
    const bool last = c + 1 == nc;
    if (keep[c] == Keep::skip) {
      const auto left = static_cast<std::size_t>(end - p);
      const auto* comma = static_cast<const char*>(std::memchr(p, ',', left));
      const char* fe = last ? end : comma;
      if ((last ? comma != nullptr : comma == nullptr) ||
          static_cast<std::size_t>(fe - p) > TextColumn::kMaxLength) {
        return false;
      }
      p = fe + 1;
      continue;
    }
    double v = 0;
    const char* fe = parse_decimal_prefix(p, end, v);
    if (fe == nullptr || (last ? fe != end : (fe == end || *fe != ','))) {
      return false;
    }
    if (keep[c] == Keep::text) {
      cells[c][row] =
          TextColumn::cell(static_cast<std::size_t>(p - text), static_cast<std::size_t>(fe - p));
    }
    num[c][row] = v;
    p = fe + 1;
  }
  return true;
}

void parse_block(char* text, TableBlock& b, const std::string& path, const std::vector<Keep>& keep,
                 std::vector<std::vector<double>>& num,
                 std::vector<std::vector<std::uint64_t>>& cells,
                 std::vector<std::int64_t>& line_of) {
  std::vector<std::string_view> f;
  const std::size_t nc = keep.size();
  b.first_text.assign(nc, {});
  std::int64_t line = b.line0;
  std::size_t row = b.row0;
  char* p = text + b.begin;
  char* const e = text + b.end;
  try {
    for (; p < e; ++line) {
      auto* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
      char* const le = nl != nullptr ? nl : e;
      char* const next = nl != nullptr ? nl + 1 : e;
      char* end = le;
      if (end > p && end[-1] == '\r') {
        --end;
      }
      if (end == p) {
        p = next;
        continue;
      }
      if (std::memchr(p, '"', static_cast<std::size_t>(end - p)) == nullptr &&
          fast_row(text, p, end, row, keep, num, cells)) {
        line_of[row] = line;
        ++row;
        p = next;
        continue;
      }
      split_csv_line(p, end, f, path, line);
      if (f.size() != nc) {
        fail(ErrorKind::data, {path, line, "", ""},
             "row has " + std::to_string(f.size()) + " fields but the header has " +
                 std::to_string(nc),
             "make every row have one field per header column (quote fields containing commas)");
      }
      line_of[row] = line;
      for (std::size_t c = 0; c < nc; ++c) {
        std::string_view s = f[c];
        if (s.size() > TextColumn::kMaxLength) {
          fail(ErrorKind::data, {path, line, "", ""}, "a field is longer than 16 MB",
               "shorten the field; a table for fitting holds numbers and short labels");
        }
        if (keep[c] == Keep::skip) {
          continue;
        }
        if (keep[c] == Keep::text) {
          cells[c][row] = TextColumn::cell(static_cast<std::size_t>(s.data() - text), s.size());
        }
        double v = std::nan("");
        if (!field_number(s, v) && b.first_text[c].first == 0) {
          b.first_text[c] = {line, std::string(trimmed(s))};
        }
        num[c][row] = v;
      }
      ++row;
      p = next;
    }
  } catch (...) {
    b.error = std::current_exception();
  }
  b.rows = row - b.row0;
}

}  // namespace

namespace {

// Parses the lines text[begin, end) (whole lines; the first is line `line`) in parallel into
// rows appended to t, and the text columns' cells (offsets into `text`) at the same rows.
// Advances `line` past them. Throws the first error in these lines.
void parse_lines(char* text, std::size_t begin, std::size_t end, std::int64_t& line,
                 const std::vector<Keep>& keep, tbb::task_arena& arena, DataTable& t,
                 std::vector<std::vector<std::uint64_t>>& cells) {
  const auto nc = keep.size();
  // Blocks of whole lines, about 4 MB each, so that threads share the work evenly.
  std::vector<TableBlock> blocks;
  {
    const std::size_t size = end - begin;
    const std::size_t n = std::max<std::size_t>(1, size >> 22U);
    const std::string_view s(text, end);
    std::size_t at = begin;
    for (std::size_t k = 1; k <= n && at < end; ++k) {
      std::size_t stop = end;
      if (k < n) {
        const auto nl = s.find('\n', std::max(at, begin + size * k / n));
        stop = nl == std::string::npos ? end : nl + 1;
      }
      TableBlock b;
      b.begin = at;
      b.end = stop;
      blocks.push_back(std::move(b));
      at = stop;
    }
  }
  const auto each_block = [&](auto&& fn) {
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t k) { fn(blocks[k]); });
    });
  };
  each_block([&](TableBlock& b) {
    b.lines = static_cast<std::size_t>(std::count(text + b.begin, text + b.end, '\n'));
    if (b.end > b.begin && text[b.end - 1] != '\n') {
      ++b.lines;  // the last line has no newline
    }
  });
  const std::size_t base = t.line.size();
  std::size_t total = base;
  for (auto& b : blocks) {
    b.row0 = total;
    b.line0 = line;
    total += b.lines;
    line += static_cast<std::int64_t>(b.lines);
  }
  t.line.resize(total);
  for (std::size_t c = 0; c < nc; ++c) {
    if (keep[c] != Keep::skip) {
      t.num[c].resize(total);
    }
    if (keep[c] == Keep::text) {
      cells[c].resize(total);
    }
  }
  each_block([&](TableBlock& b) { parse_block(text, b, t.path, keep, t.num, cells, t.line); });
  // The first error in the file, as a reader going line by line would meet it.
  for (const auto& b : blocks) {
    if (b.error) {
      std::rethrow_exception(b.error);
    }
  }
  // Close the gaps left by empty lines.
  std::size_t rows = base;
  for (const auto& b : blocks) {
    if (rows != b.row0) {
      for (std::size_t c = 0; c < nc; ++c) {
        if (keep[c] != Keep::skip) {
          std::copy_n(t.num[c].begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                      t.num[c].begin() + static_cast<std::ptrdiff_t>(rows));
        }
        if (keep[c] == Keep::text) {
          std::copy_n(cells[c].begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                      cells[c].begin() + static_cast<std::ptrdiff_t>(rows));
        }
      }
      std::copy_n(t.line.begin() + static_cast<std::ptrdiff_t>(b.row0), b.rows,
                  t.line.begin() + static_cast<std::ptrdiff_t>(rows));
    }
    rows += b.rows;
  }
  t.line.resize(rows);
  for (std::size_t c = 0; c < nc; ++c) {
    if (keep[c] == Keep::skip) {
      continue;
    }
    t.num[c].resize(rows);
    if (keep[c] == Keep::text) {
      cells[c].resize(rows);
    }
    for (const auto& b : blocks) {
      if (t.first_text[c].first == 0 && b.first_text[c].first != 0) {
        t.first_text[c] = b.first_text[c];
      }
    }
  }
}

}  // namespace

DataTable read_table(const std::string& path, int threads, const TableColumns& want) {
  // The whole file, for a table that keeps its text as views into it; else pieces of it,
  // so that memory holds the kept columns and one piece.
  std::optional<CsvFile> file;
  std::optional<CsvChunks> chunks;
  DataTable t;
  t.path = path;
  if (want.all) {
    file = read_csv_file(path);
    t.names = file->header;
  } else {
    chunks.emplace(path);
    t.names = chunks->header();
  }
  const auto nc = t.names.size();
  std::vector<Keep> keep(nc, want.all ? Keep::text : Keep::skip);
  if (!want.all) {
    for (std::size_t c = 0; c < nc; ++c) {
      const auto named = [&](const std::vector<std::string>& v) {
        return std::find(v.begin(), v.end(), t.names[c]) != v.end();
      };
      keep[c] = named(want.text) ? Keep::text : named(want.numbers) ? Keep::number : Keep::skip;
    }
  }
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(conc);
  std::vector<std::vector<std::uint64_t>> cells(nc);
  t.num.resize(nc);
  t.first_text.assign(nc, {});
  t.text.resize(nc);
  std::int64_t line = 2;
  if (want.all) {
    std::string& text = *file->text;
    if (text.size() >> (64U - TextColumn::kLengthBits) != 0) {
      fail(ErrorKind::data, {path, 0, "", ""}, "the table is larger than 1 TB",
           "split it, or fit on a sample of its rows");
    }
    parse_lines(text.data(), file->body, text.size(), line, keep, arena, t, cells);
    const std::shared_ptr<const std::string> shared = std::move(file->text);
    for (std::size_t c = 0; c < nc; ++c) {
      t.text[c].share(shared, std::move(cells[c]));
    }
  } else {
    constexpr std::size_t kPiece = std::size_t{32} << 20U;
    std::string piece;
    bool reserved = false;
    while (chunks->next(piece, kPiece)) {
      const std::size_t from = t.line.size();
      parse_lines(piece.data(), 0, piece.size(), line, keep, arena, t, cells);
      if (!reserved && chunks->file_bytes() > piece.size() && !t.line.empty()) {
        // Rows in the file, from the first piece's bytes per row, so columns grow once.
        const double per_row =
            static_cast<double>(piece.size()) / static_cast<double>(t.line.size());
        const auto expect =
            static_cast<std::size_t>(1.02 * static_cast<double>(chunks->file_bytes()) / per_row) +
            16;
        t.line.reserve(expect);
        for (std::size_t c = 0; c < nc; ++c) {
          if (keep[c] != Keep::skip) {
            t.num[c].reserve(expect);
          }
          if (keep[c] == Keep::text) {
            cells[c].reserve(expect);
            t.text[c].reserve(expect, 0);
          }
        }
      }
      reserved = true;
      // The kept text, copied out of the piece (a few columns of short fields).
      for (std::size_t c = 0; c < nc; ++c) {
        for (std::size_t r = from; r < cells[c].size(); ++r) {
          const auto cell = cells[c][r];
          t.text[c].push_back({piece.data() + (cell >> TextColumn::kLengthBits),
                               static_cast<std::size_t>(cell & TextColumn::kMaxLength)});
        }
      }
    }
  }
  t.numeric.assign(nc, true);
  t.kept.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    t.numeric[c] = t.first_text[c].first == 0;
    t.kept[c] = keep[c] != Keep::skip;
  }
  if (t.rows() == 0) {
    fail(ErrorKind::data, {path, line - 1, "", ""}, "the table has no rows",
         "give a CSV with a header and data rows");
  }
  return t;
}

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
    std::vector<std::string> levels;                  // for factors, without the reference level
    std::string name;                                 // numeric: as written ("x", "log(x)", "a:b")
    std::vector<std::pair<std::size_t, bool>> parts;  // numeric: (column, log) multiplied
  };
  std::vector<Term> terms;
  std::vector<std::size_t> used{col(f.response, "response")};
  for (const auto& t : f.terms) {
    if (t.rfind("factor(", 0) == 0) {
      const auto name = t.substr(7, t.size() - 8);
      Term term{col(name, "factor"), true, {}, {}, {}};
      std::vector<std::string> lv;
      for (const auto v : d.text[term.column]) {
        if (!v.empty() && v != "NA") {
          lv.emplace_back(v);
        }
      }
      std::sort(lv.begin(), lv.end());
      lv.erase(std::unique(lv.begin(), lv.end()), lv.end());
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
      term.levels.assign(lv.begin() + (lv.empty() ? 0 : 1), lv.end());
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

Cascades read_cascades(const std::string& path, const std::string& node_list) {
  Cascades out;
  std::map<std::string, std::int32_t> node_id;
  std::map<std::string, std::int32_t> cascade_id;
  std::vector<std::string_view> f;
  if (!node_list.empty()) {
    CsvReader nodes(node_list);
    const auto c = need_column(nodes, "node_name", "node_name");
    while (nodes.next(f)) {
      const std::string name(f[c]);
      if (name.empty()) {
        fail(ErrorKind::data, {node_list, nodes.line(), "node_name", name}, "an empty node name",
             "give every node a name");
      }
      if (!node_id.emplace(name, static_cast<std::int32_t>(out.node_names.size())).second) {
        fail(ErrorKind::data, {node_list, nodes.line(), "node_name", name}, "duplicate node",
             "list each node once");
      }
      out.node_names.push_back(name);
    }
  }
  CsvReader csv(path);
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> first_line;  // (cascade, node)
  const char* header = "node_name,event_time,cascade_id";
  const auto cn = need_column(csv, "node_name", header);
  const auto ct = need_column(csv, "event_time", header);
  const auto cc = need_column(csv, "cascade_id", header);
  while (csv.next(f)) {
    const std::string name(f[cn]);
    if (name.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "node_name", name}, "an empty node name",
           "give every event its node's name (drop the row if the node is unknown)");
    }
    auto it = node_id.find(name);
    if (it == node_id.end()) {
      if (!node_list.empty()) {
        fail(ErrorKind::data, {path, csv.line(), "node_name", name}, "node not in the node list",
             "add it to " + node_list);
      }
      it = node_id.emplace(name, static_cast<std::int32_t>(out.node_names.size())).first;
      out.node_names.push_back(name);
    }
    // A cascade lists only the nodes that adopted in it: a missing time is no missing value
    // here, and the advice says so (not the general "leave it empty").
    std::optional<double> t;
    try {
      t = parse_number(f[ct], path, csv.line(), "event_time");
    } catch (const Error&) {
      fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])}, "not a number",
           "give the time of the event as a number, e.g. a year (a node that did not adopt in "
           "a cascade has no row in it)");
    }
    if (!t) {
      fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])},
           "missing event time",
           "give the time of the event, or drop the row: a node that did not adopt in a cascade "
           "has no row in it");
    }
    if (!std::isfinite(*t)) {
      fail(ErrorKind::data, {path, csv.line(), "event_time", std::string(f[ct])},
           "event times must be finite", "give the time of the event, e.g. a year");
    }
    const std::string cid(f[cc]);
    if (cid.empty()) {
      fail(ErrorKind::data, {path, csv.line(), "cascade_id", cid}, "an empty cascade id",
           "give every event the id of the cascade (the policy) it belongs to");
    }
    auto ci = cascade_id.emplace(cid, static_cast<std::int32_t>(out.cascade_ids.size())).first;
    if (ci->second == static_cast<std::int32_t>(out.cascade_ids.size())) {
      out.cascade_ids.push_back(cid);
    }
    if (const auto [seen, fresh] =
            first_line.emplace(std::pair{ci->second, it->second}, csv.line());
        !fresh) {
      fail(ErrorKind::data, {path, csv.line(), "node_name", name},
           "the node appears twice in cascade '" + cid + "' (first at line " +
               std::to_string(seen->second) + ")",
           "keep each node's first event in a cascade only");
    }
    out.events.push_back({it->second, ci->second, *t});
  }
  if (out.events.empty()) {
    fail(ErrorKind::data, {path, csv.line(), "", ""}, "no cascades",
         "give rows node_name,event_time,cascade_id");
  }
  return out;
}

void write_netinf(const NetInfResult& r, const Cascades& c, TableWriter& w) {
  for (const auto& e : r.edges) {
    w.text(c.node_names[e.origin])
        .text(c.node_names[e.destination])
        .real(e.improvement)
        .real(e.p_value >= 0 ? e.p_value : std::nan(""))
        .integer(e.volume)
        .real(e.median_time_difference)
        .real(e.mean_time_difference)
        .end_row();
  }
}

std::vector<std::string> parse_surv(const std::string& response) {
  if (response.rfind("Surv(", 0) != 0 || response.back() != ')') {
    return {};
  }
  std::vector<std::string> out;
  std::string cur;
  for (char c : response.substr(5, response.size() - 6)) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out.size() == 3 ? out : std::vector<std::string>{};
}

namespace {

bool flagged(const std::vector<bool>& v, std::size_t j) {
  return j < v.size() && v[j];
}

}  // namespace

void write_cox(const CoxFit& fit, TableWriter& w) {
  const bool robust = fit.se_robust.size() > 0;
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    w.text(fit.names[j])
        .real(b)
        .real(std::exp(b))
        .real(se)
        .real(b / se)
        .real(normal_p_value(b / se))
        .real(b - 1.959963984540054 * se)
        .real(b + 1.959963984540054 * se)
        .text(robust ? "cluster" : "model")
        .real(fit.se[jj])
        .integer(flagged(fit.separated, j) ? 1 : 0)
        .real(std::exp(b - 1.959963984540054 * se))
        .real(std::exp(b + 1.959963984540054 * se))
        .end_row();
  }
}

void print_cox(const CoxFit& fit, const std::string& title, std::ostream& o) {
  const bool robust = fit.se_robust.size() > 0;
  o << title << "\n\n";
  // The interval of the estimate (the log hazard ratio), then of the hazard ratio, exp(coef).
  o << fmt::format("{:<24} {:>12} {:>10} {:>12} {:>9} {:>10} {:>12} {:>12} {:>10} {:>10}{}\n",
                   "term", "estimate", "exp(coef)", robust ? "robust se" : "std. error", "z", "p",
                   "coef 2.5%", "coef 97.5%", "HR 2.5%", "HR 97.5%",
                   robust ? fmt::format(" {:>12}", "model se") : "");
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    o << fmt::format(
        "{:<24} {:>12.6g} {:>10.4g} {:>12.6g} {:>9.3f} {:>10.3g} {:>12.6g} {:>12.6g} {:>10.4g} "
        "{:>10.4g}{}{}\n",
        fit.names[j], b, std::exp(b), se, b / se, normal_p_value(b / se),
        b - 1.959963984540054 * se, b + 1.959963984540054 * se,
        std::exp(b - 1.959963984540054 * se), std::exp(b + 1.959963984540054 * se),
        robust ? fmt::format(" {:>12.6g}", fit.se[jj]) : "",
        flagged(fit.separated, j) ? "  DIVERGES" : "");
  }
  o << fmt::format(
      "\nN = {}, events = {}{}, log partial likelihood = {:.6f} (null {:.6f}), "
      "likelihood ratio = {:.4f} on {} df, Newton iterations = {}{}\n",
      fit.n, fit.events, robust ? fmt::format(", clusters = {}", fit.n_clusters) : "",
      fit.log_likelihood, fit.log_likelihood_null,
      2 * (fit.log_likelihood - fit.log_likelihood_null), fit.names.size(), fit.iterations,
      fit.converged ? "" : " (NOT CONVERGED)");
  for (const auto& w : fit.warnings) {
    o << "warning: " << w << '\n';
  }
}

void write_glm(const GlmFit& fit, TableWriter& w) {
  const bool robust = fit.se_robust.size() > 0;
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    const double z = b / se;
    w.text(fit.names[j])
        .real(b)
        .real(se)
        .real(z)
        .real(std::isnan(z) ? z : normal_p_value(z))
        .real(b - 1.959963984540054 * se)
        .real(b + 1.959963984540054 * se)
        .text(robust ? "cluster" : "model")
        .real(fit.se[jj])
        .integer(flagged(fit.separated, j) ? 1 : 0)
        .end_row();
  }
}

void print_glm(const GlmFit& fit, const std::string& title, std::ostream& o) {
  const bool robust = fit.se_robust.size() > 0;
  o << title << "\n\n";
  o << fmt::format("{:<24} {:>12} {:>12} {:>9} {:>10} {:>12} {:>12}{}\n", "term", "estimate",
                   robust ? "robust se" : "std. error", "z", "p", "2.5%", "97.5%",
                   robust ? fmt::format(" {:>12}", "model se") : "");
  for (std::size_t j = 0; j < fit.names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    const double b = fit.coef[jj];
    const double se = robust ? fit.se_robust[jj] : fit.se[jj];
    if (std::isnan(b)) {
      o << fmt::format("{:<24} {:>12}\n", fit.names[j], "NA (aliased)");
      continue;
    }
    const double z = b / se;
    o << fmt::format("{:<24} {:>12.6g} {:>12.6g} {:>9.3f} {:>10.3g} {:>12.6g} {:>12.6g}{}{}\n",
                     fit.names[j], b, se, z, normal_p_value(z), b - 1.959963984540054 * se,
                     b + 1.959963984540054 * se,
                     robust ? fmt::format(" {:>12.6g}", fit.se[jj]) : "",
                     flagged(fit.separated, j) ? "  DIVERGES" : "");
  }
  o << fmt::format(
      "\nN = {}, events = {}{}, log-likelihood = {:.6f}, AIC = {:.4f}, deviance = {:.4f} "
      "(null {:.4f}), IRLS iterations = {}{}\n",
      fit.n, fit.events, robust ? fmt::format(", clusters = {}", fit.n_clusters) : "",
      fit.log_likelihood, fit.aic, fit.deviance, fit.null_deviance, fit.iterations,
      fit.converged ? "" : " (NOT CONVERGED)");
  for (const auto& w : fit.warnings) {
    o << "warning: " << w << '\n';
  }
}

}  // namespace pdlab::io
