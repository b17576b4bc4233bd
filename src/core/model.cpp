#include "core/model.hpp"

#include "core/calendar.hpp"
#include "core/errors.hpp"
#include "core/params.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab {

namespace {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line = 0) {
  fail(ErrorKind::config, {s.file, line, key, value}, what, fix);
}

int level_of(const Scenario& s, const Hierarchy& h, const std::string& key, const std::string& name,
             std::int64_t line = 0) {
  if (auto l = h.level_index(name)) {
    return *l;
  }
  const auto near = closest(name, h.level_names());
  std::string all;
  for (const auto& n : h.level_names()) {
    all += (all.empty() ? "" : ", ") + n;
  }
  bad(s, key, name, "no such level in the hierarchy (levels: " + all + ")",
      near.empty() ? "use one of the levels listed" : "did you mean '" + near + "'?", line);
}

std::int32_t unit_of(const Scenario& s, const Hierarchy& h, const std::string& key,
                     const std::string& id, std::int64_t line = 0) {
  const auto u = h.find(id);
  if (u < 0) {
    bad(s, key, id,
        h.excluded(id)
            ? "unit is outside the selected subtree (hierarchy.root = '" + s.hierarchy.root + "')"
            : "no unit has this id",
        "use an id of a unit under hierarchy.root", line);
  }
  return u;
}

std::vector<double> column(const Scenario& s, const Hierarchy& h, const std::string& key,
                           const std::string& name, const std::string& missing) {
  const auto a = h.attribute_index(name);
  if (!a) {
    const auto near = closest(name, h.source_columns());
    bad(s, key, name, "the hierarchy has no such attribute column",
        near.empty() ? "use a column of the hierarchy file" : "did you mean '" + near + "'?");
  }
  const auto col = h.attribute(*a);
  std::vector<double> v(col.begin(), col.end());
  double sum = 0;
  std::int64_t n_ok = 0;
  std::int32_t first_missing = -1;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) {
      if (first_missing < 0) {
        first_missing = static_cast<std::int32_t>(i);
      }
    } else {
      sum += v[i];
      ++n_ok;
    }
  }
  if (first_missing >= 0) {
    if (missing == "error") {
      bad(s, key, name,
          "column has missing values (first: unit '" + std::string(h.id(first_missing)) +
              "', line " + std::to_string(h.source_line(first_missing)) + " of " + h.source() + ")",
          "fill the column, or set adoption.missing = \"mean\" or \"zero\"");
    }
    const double fillv = missing == "mean" && n_ok > 0 ? sum / static_cast<double>(n_ok) : 0.0;
    for (auto& x : v) {
      if (std::isnan(x)) {
        x = fillv;
      }
    }
  }
  return v;
}

std::array<double, 4> cdf(const ModeWeights& w) {
  const double total = w.endorse + w.pilot + w.mandate + w.championship;
  if (total <= 0) {
    return {0, 0, 0, 0};
  }
  return {w.endorse / total, (w.endorse + w.pilot) / total,
          (w.endorse + w.pilot + w.mandate) / total, 1.0};
}

}  // namespace

Model::Model(const Scenario& scenario, const Hierarchy& hierarchy, const Network& network)
    : sc_(scenario), h_(hierarchy), net_(network) {
  const std::int32_t n = h_.size();
  const auto& a = sc_.adoption;
  // Intercepts by level.
  std::vector<double> alpha(h_.n_levels(), a.alpha_default);
  for (const auto& [lvl, v] : a.alpha) {
    alpha[level_of(sc_, h_, "adoption.alpha." + lvl, lvl)] = v;
  }
  base_.assign(n, 0.0F);
  need_term_.assign(n, 0.0F);
  std::vector<double> lin(n, 0.0);
  for (const auto& [col, b] : a.beta) {
    const auto x = column(sc_, h_, "adoption.beta." + col, col, a.missing);
    for (std::int32_t u = 0; u < n; ++u) {
      lin[u] += b * x[u];
    }
  }
  // Pilot selection needs its ranking column only when some superior can choose pilots.
  bool uses_pilots = sc_.promotion.weights.pilot > 0;
  for (const auto& [lvl, w] : sc_.promotion.by_level) {
    uses_pilots = uses_pilots || w.pilot > 0;
  }
  for (const auto& e : sc_.events) {
    uses_pilots = uses_pilots || e.mode == Mode::pilot;
  }
  need_.assign(n, 0.0F);
  if (a.gamma_need != 0.0 || (uses_pilots && sc_.promotion.pilot_rule == PilotRule::need)) {
    const auto x = column(sc_, h_, "adoption.need", a.need, a.missing);
    for (std::int32_t u = 0; u < n; ++u) {
      need_[u] = static_cast<float>(x[u]);
      need_term_[u] = static_cast<float>(a.gamma_need * x[u]);
    }
  }
  // Regional shifts: a unit's own shift plus its ancestors' (BFS order: parents first).
  std::vector<double> shift(n, 0.0);
  for (const auto& [id, v] : a.shift) {
    shift[unit_of(sc_, h_, "adoption.shift." + id, id)] += v;
  }
  if (!a.shift.empty()) {
    for (std::int32_t u = 1; u < n; ++u) {
      shift[u] += shift[h_.parent(u)];
    }
  }
  for (std::int32_t u = 0; u < n; ++u) {
    base_[u] = static_cast<float>(alpha[h_.level(u)] + lin[u] + need_term_[u] + shift[u]);
  }
  capacity_.assign(n, 0.0F);
  if (uses_pilots && sc_.promotion.pilot_rule == PilotRule::capacity) {
    const auto idx = h_.attribute_index(sc_.promotion.capacity);
    if (!idx) {
      column(sc_, h_, "promotion.capacity", sc_.promotion.capacity, "zero");  // throws
    }
    const auto col = h_.attribute(*idx);
    for (std::int32_t u = 0; u < n; ++u) {
      capacity_[u] =
          std::isnan(col[u]) ? -std::numeric_limits<float>::infinity() : static_cast<float>(col[u]);
    }
  }
  // Promotion mode weights by level.
  mode_cdf_.assign(h_.n_levels(), cdf(sc_.promotion.weights));
  for (const auto& [lvl, w] : sc_.promotion.by_level) {
    mode_cdf_[level_of(sc_, h_, "promotion.by_level." + lvl, lvl)] = cdf(w);
  }
  // Units that can use the factorised fast path.
  fast_.assign(n, 0);
  for (std::int32_t u = 0; u < n; ++u) {
    const bool has_edges = !net_.empty() && net_.degree(u) > 0;
    fast_[u] = (h_.n_children(u) == 0 && !has_edges && a.link == Link::cloglog && u > 0) ? 1 : 0;
    if (h_.n_children(u) > 0) {
      n_slots_ = u + 1;
    }
  }
  if (n_slots_ == 0) {
    n_slots_ = 1;
  }
  if (!sc_.output.adoptions_max_level.empty()) {
    adoptions_max_level_ =
        level_of(sc_, h_, "output.adoptions_max_level", sc_.output.adoptions_max_level);
  }
  if (!sc_.output.unit_time_max_level.empty()) {
    unit_time_max_level_ =
        level_of(sc_, h_, "output.unit_time_max_level", sc_.output.unit_time_max_level);
  }
  // Events.
  for (const auto& e : sc_.events) {
    CompiledEvent c;
    c.period = to_period(sc_.calendar, e.date, e.key + ".date", sc_.file, e.line);
    const auto pol = std::find_if(sc_.policies.begin(), sc_.policies.end(),
                                  [&](const Policy& p) { return p.id == e.policy; });
    if (pol == sc_.policies.end()) {
      std::vector<std::string> ids;
      for (const auto& p : sc_.policies) {
        ids.push_back(p.id);
      }
      const auto near = closest(e.policy, ids);
      bad(sc_, e.key + ".policy", e.policy, "no [[policy]] has this id",
          near.empty() ? "use the id of a [[policy]]" : "did you mean '" + near + "'?", e.line);
    }
    c.policy = static_cast<std::int32_t>(pol - sc_.policies.begin());
    c.mode = e.mode;
    c.compliance = e.compliance < 0 ? sc_.promotion.compliance : e.compliance;
    if (e.type == "adopt" || e.type == "promote") {
      c.type = e.type == "adopt" ? CompiledEvent::Type::adopt : CompiledEvent::Type::promote;
      if (e.units.empty()) {
        bad(sc_, e.key + ".units", "", "no units given", "list unit ids, e.g. units = [\"32\"]",
            e.line);
      }
      for (const auto& id : e.units) {
        c.units.push_back(unit_of(sc_, h_, e.key + ".units", id, e.line));
      }
      if (c.type == CompiledEvent::Type::promote && c.mode == Mode::none) {
        bad(sc_, e.key + ".mode", "", "a promote event needs a mode",
            "set mode = \"endorse\", \"pilot\", \"mandate\" or \"championship\"", e.line);
      }
      if (c.mode == Mode::mandate) {
        c.deadline = e.deadline.empty() ? c.period + sc_.promotion.mandate_deadline
                                        : to_period(sc_.calendar, e.deadline, e.key + ".deadline",
                                                    sc_.file, e.line);
      }
    } else if (e.type == "mandate") {
      c.type = CompiledEvent::Type::mandate;
      c.issuer = unit_of(sc_, h_, e.key + ".issuer", e.issuer, e.line);
      c.target_level = level_of(sc_, h_, e.key + ".target_level", e.target_level, e.line);
      if (c.target_level <= h_.level(c.issuer)) {
        bad(sc_, e.key + ".target_level", e.target_level,
            "the target level is not below the issuer's level '" +
                h_.level_names()[h_.level(c.issuer)] + "'",
            "target a level below the issuing unit", e.line);
      }
      if (e.deadline.empty()) {
        bad(sc_, e.key + ".deadline", "", "a mandate needs a deadline",
            "set deadline = \"YYYY-MM\"", e.line);
      }
      c.deadline = to_period(sc_.calendar, e.deadline, e.key + ".deadline", sc_.file, e.line);
      for (std::size_t q = 0; q < e.quotas.size(); ++q) {
        const auto& eq = e.quotas[q];
        const std::string qkey = e.key + ".quota[" + std::to_string(q) + "]";
        CompiledQuota cq;
        cq.share = eq.share;
        cq.period = to_period(sc_.calendar, eq.by, qkey + ".by", sc_.file, e.line);
        for (const auto& rid : eq.regions) {
          const auto r = unit_of(sc_, h_, qkey + ".regions", rid, e.line);
          if (h_.level(r) >= c.target_level || h_.ancestor_at(r, h_.level(c.issuer)) != c.issuer) {
            bad(sc_, qkey + ".regions", rid,
                "region is not under the issuer above the target level",
                "list units below the issuer and above the target level", e.line);
          }
          cq.regions.push_back(r);
        }
        if (cq.regions.empty()) {
          cq.regions.push_back(c.issuer);
        }
        c.quotas.push_back(std::move(cq));
      }
    } else if (e.type == "set") {
      c.type = CompiledEvent::Type::set;
      c.key = e.param;
      c.value = e.value;
    } else if (e.type == "reverse" || e.type == "merge") {
      c.type = e.type == "reverse" ? CompiledEvent::Type::reverse : CompiledEvent::Type::merge;
      for (const auto& id : e.units) {
        c.units.push_back(unit_of(sc_, h_, e.key + ".units", id, e.line));
      }
      if (c.type == CompiledEvent::Type::merge) {
        c.issuer = unit_of(sc_, h_, e.key + ".into", e.into, e.line);
        for (auto u : c.units) {
          if (h_.level(u) != h_.level(c.issuer) || u == c.issuer) {
            bad(sc_, e.key + ".units", std::string(h_.id(u)),
                "a merged unit must be another unit at the level of 'into' ('" +
                    h_.level_names()[h_.level(c.issuer)] + "')",
                "merge units of one level into a unit of the same level", e.line);
          }
        }
      } else if (e.descendants) {
        // Every unit below a listed unit, in index order (units stay unique).
        std::vector<std::uint8_t> in(static_cast<std::size_t>(n), 0);
        for (auto u : c.units) {
          in[u] = 1;
        }
        for (std::int32_t u = 1; u < n; ++u) {
          in[u] = in[u] != 0 || in[h_.parent(u)] != 0 ? 1 : 0;
        }
        c.units.clear();
        for (std::int32_t u = 0; u < n; ++u) {
          if (in[u] != 0) {
            c.units.push_back(u);
          }
        }
      }
    } else {  // abolish
      c.type = CompiledEvent::Type::abolish;
      const int l = level_of(sc_, h_, e.key + ".level", e.level, e.line);
      if (l == 0) {
        bad(sc_, e.key + ".level", e.level, "the top level cannot be abolished",
            "abolish a tier between the top and the bottom of the hierarchy", e.line);
      }
      std::vector<std::int32_t> roots;
      for (const auto& id : e.under) {
        roots.push_back(unit_of(sc_, h_, e.key + ".under", id, e.line));
      }
      for (std::int32_t u = h_.level_begin(l); u < h_.level_begin(l + 1); ++u) {
        bool below = roots.empty();
        for (auto r : roots) {
          below = below || (h_.level(r) < l && h_.ancestor_at(u, h_.level(r)) == r);
        }
        if (below) {
          c.units.push_back(u);
        }
      }
      if (c.units.empty()) {
        bad(sc_, e.key + ".under", "", "no unit of level '" + e.level + "' lies below these units",
            "list units above the abolished level", e.line);
      }
    }
    if (c.deadline != kNever && c.deadline <= c.period) {
      bad(sc_, e.key + ".deadline", e.deadline, "deadline is not after the event's date",
          "set a deadline after the date", e.line);
    }
    const std::string last = period_label(sc_.calendar, sc_.calendar.periods - 1);
    if (c.period >= sc_.calendar.periods) {
      warnings_.push_back(e.key + " (" + e.type + " at " + e.date + ") is after the last period (" +
                          last + ") and has no effect");
    } else if (c.deadline != kNever && c.deadline >= sc_.calendar.periods) {
      warnings_.push_back(e.key + ": deadline " + e.deadline + " is after the last period (" +
                          last + "); it is never enforced");
    }
    for (std::size_t q = 0; q < c.quotas.size(); ++q) {
      if (c.quotas[q].period >= sc_.calendar.periods || c.quotas[q].period < c.period) {
        warnings_.push_back(e.key + ".quota[" + std::to_string(q) + "]: date " + e.quotas[q].by +
                            " is before the mandate or after the last period; it is never checked");
      }
    }
    events_.push_back(std::move(c));
  }
  if (!sc_.governance.policy.empty()) {
    const auto pol = std::find_if(sc_.policies.begin(), sc_.policies.end(),
                                  [&](const Policy& p) { return p.id == sc_.governance.policy; });
    if (pol == sc_.policies.end()) {
      bad(sc_, "governance.policy", sc_.governance.policy, "no [[policy]] has this id",
          "use the id of a [[policy]]");
    }
    governance_policy_ = static_cast<int>(pol - sc_.policies.begin());
  }
  if (sc_.events.empty()) {
    bool spontaneous = false;
    for (std::int32_t u = 0; u < n && !spontaneous; ++u) {
      spontaneous = std::isfinite(base_[u]);
    }
    if (!spontaneous) {
      warnings_.push_back("every intercept is -inf and there are no events: nothing can adopt");
    }
  }
  std::stable_sort(
      events_.begin(), events_.end(),
      [](const CompiledEvent& x, const CompiledEvent& y) { return x.period < y.period; });
  if (sc_.governance.any()) {
    gov_ = std::make_unique<GovernanceModel>(sc_, h_, events_, governance_policy_,
                                             unit_time_max_level_);
  }
}

Model::~Model() = default;

}  // namespace pdlab
