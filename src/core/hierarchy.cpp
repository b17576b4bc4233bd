#include "pdlab/core/hierarchy.hpp"

#include "pdlab/core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace pdlab {

namespace {

// An id's first 16 bytes, zero-padded, as two big-endian integers: comparing the pairs orders
// ids as their bytes do wherever the pairs differ (ids of national codes have 12 digits, so a
// sort or search compares two integers, not strings); on a tie the ids themselves decide.
struct IdKey {
  std::uint64_t hi;
  std::uint64_t lo;
};
IdKey id_key(std::string_view s) {
  unsigned char b[16] = {};
  std::memcpy(b, s.data(), std::min<std::size_t>(s.size(), sizeof b));
  const auto word = [&](int at) {
    std::uint64_t w = 0;
    for (int i = 0; i < 8; ++i) {
      w = (w << 8) | b[at + i];
    }
    return w;
  };
  return {word(0), word(8)};
}
bool key_less(const IdKey& a, const IdKey& b) {
  return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
}
bool key_equal(const IdKey& a, const IdKey& b) {
  return a.hi == b.hi && a.lo == b.lo;
}

// The ids' row numbers sorted by id (ties by row), with the ids' keys in the same order.
struct SortedIds {
  std::vector<std::int32_t> rows;
  std::vector<IdKey> keys;
};
SortedIds sorted_index(const StringPool& pool) {
  struct Entry {
    IdKey key;
    std::int32_t row;
  };
  std::vector<Entry> e(pool.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    e[i] = {id_key(pool[i]), static_cast<std::int32_t>(i)};
  }
  const auto less = [&](const Entry& a, const Entry& b) {
    if (!key_equal(a.key, b.key)) {
      return key_less(a.key, b.key);
    }
    const auto sa = pool[a.row];
    const auto sb = pool[b.row];
    return sa != sb ? sa < sb : a.row < b.row;
  };
  // Hierarchy files list each level's units in order (data/china: 5 ascending runs of ids in
  // 665,277 rows), so merging the runs sorts them in a few passes where a sort took 40 ms.
  // The order is total (ties end at the row), so both give the same result.
  std::vector<std::size_t> runs{0};
  for (std::size_t i = 1; i < e.size() && runs.size() <= 64; ++i) {
    if (less(e[i], e[i - 1])) {
      runs.push_back(i);
    }
  }
  if (runs.size() > 64) {
    std::sort(e.begin(), e.end(), less);
  } else {
    runs.push_back(e.size());
    for (std::size_t width = 1; width + 1 < runs.size(); width *= 2) {
      for (std::size_t r = 0; r + width + 1 < runs.size(); r += 2 * width) {
        const auto mid = runs[r + width];
        const auto end = runs[std::min(r + 2 * width, runs.size() - 1)];
        std::inplace_merge(e.begin() + static_cast<std::ptrdiff_t>(runs[r]),
                           e.begin() + static_cast<std::ptrdiff_t>(mid),
                           e.begin() + static_cast<std::ptrdiff_t>(end), less);
      }
    }
  }
  SortedIds out;
  out.rows.resize(e.size());
  out.keys.resize(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    out.rows[i] = e[i].row;
    out.keys[i] = e[i].key;
  }
  return out;
}

std::int32_t lookup(const StringPool& pool, const SortedIds& ids, std::string_view key) {
  const IdKey k = id_key(key);
  // The first entry whose key is not below k, then among equal keys the first whose id is not
  // below the one sought.
  auto lo = static_cast<std::size_t>(
      std::lower_bound(ids.keys.begin(), ids.keys.end(), k, key_less) - ids.keys.begin());
  while (lo < ids.keys.size() && key_equal(ids.keys[lo], k)) {
    const auto s = pool[ids.rows[lo]];
    if (s == key) {
      return ids.rows[lo];
    }
    if (key < s) {
      break;
    }
    ++lo;
  }
  return -1;
}

std::int32_t lookup(const StringPool& pool, const std::vector<std::int32_t>& idx,
                    std::string_view key) {
  auto it = std::lower_bound(idx.begin(), idx.end(), key,
                             [&](std::int32_t a, std::string_view k) { return pool[a] < k; });
  return (it != idx.end() && pool[*it] == key) ? *it : -1;
}

}  // namespace

std::optional<int> Hierarchy::level_index(std::string_view name) const {
  for (std::size_t l = 0; l < level_names_.size(); ++l) {
    if (level_names_[l] == name) {
      return static_cast<int>(l);
    }
  }
  return std::nullopt;
}

std::optional<int> Hierarchy::attribute_index(std::string_view name) const {
  for (std::size_t a = 0; a < attr_names_.size(); ++a) {
    if (attr_names_[a] == name) {
      return static_cast<int>(a);
    }
  }
  return std::nullopt;
}

std::int32_t Hierarchy::find(std::string_view id) const {
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                             [&](std::int32_t u, std::string_view k) { return ids_[row_[u]] < k; });
  return (it != by_id_.end() && ids_[row_[*it]] == id) ? *it : -1;
}

bool Hierarchy::excluded(std::string_view id) const {
  return lookup(ids_, excluded_, id) >= 0;
}

std::int32_t Hierarchy::ancestor_at(std::int32_t u, int l) const {
  if (l > level_[u]) {
    return -1;
  }
  while (level_[u] > l) {
    u = parent_[u];
  }
  return u;
}

std::size_t Hierarchy::memory_bytes() const {
  std::size_t b = parent_.capacity() * 4 + level_.capacity() + child_begin_.capacity() * 4 +
                  row_.capacity() * 4 + line_.capacity() * 4 + by_id_.capacity() * 4 +
                  excluded_.capacity() * 4 + ids_.bytes() + names_.bytes();
  for (const auto& a : attrs_) {
    b += a.capacity() * 8;
  }
  return b;
}

void Hierarchy::add_joined_attribute(std::string name, std::vector<double> values, std::string file,
                                     std::vector<std::uint8_t> given_levels) {
  source_columns_.push_back(name);
  attr_names_.push_back(std::move(name));
  attrs_.push_back(std::move(values));
  attr_files_.push_back(std::move(file));
  attr_levels_.push_back(std::move(given_levels));
}

HierarchyBuilder::HierarchyBuilder(std::string source, std::vector<std::string> attribute_names)
    : source_(std::move(source)),
      attr_names_(std::move(attribute_names)),
      attrs_(attr_names_.size()) {}

void HierarchyBuilder::reserve(std::size_t n, std::size_t bytes) {
  ids_.reserve(n, bytes / 4);
  parents_.reserve(n, bytes / 4);
  names_.reserve(n, bytes / 2);
  level_code_.reserve(n);
  lines_.reserve(n);
  for (auto& a : attrs_) {
    a.reserve(n);
  }
}

void HierarchyBuilder::add(std::string_view id, std::string_view parent_id, std::string_view level,
                           std::string_view name, std::span<const double> attributes,
                           std::int64_t line) {
  if (id.empty()) {
    fail(ErrorKind::data, {source_, line, "id", ""}, "empty id", "give every unit a non-empty id");
  }
  if (level.empty()) {
    fail(ErrorKind::data, {source_, line, "level", ""}, "empty level",
         "give every unit a level name such as 'province' or 'county'");
  }
  if (parent_id == id) {
    fail(ErrorKind::data, {source_, line, "parent_id", std::string(parent_id)},
         "unit is its own parent",
         "set parent_id to the unit's superior, or leave it empty for the root");
  }
  std::size_t code = 0;
  while (code < level_seen_.size() && level_seen_[code] != level) {
    ++code;
  }
  if (code == level_seen_.size()) {
    if (code == 255) {
      fail(ErrorKind::data, {source_, line, "level", std::string(level)},
           "more than 255 level names", "use one level name per tier of the hierarchy");
    }
    level_seen_.emplace_back(level);
  }
  if (!ids_.push(id) || !parents_.push(parent_id) || !names_.push(name)) {
    fail(ErrorKind::data, {source_, line, "", ""}, "more than 4 GiB of ids or names",
         "split the hierarchy or shorten names");
  }
  level_code_.push_back(static_cast<std::uint8_t>(code));
  lines_.push_back(static_cast<std::int32_t>(line));
  for (std::size_t a = 0; a < attrs_.size(); ++a) {
    attrs_[a].push_back(attributes[a]);
  }
}

Hierarchy HierarchyBuilder::build(std::string_view root_id) {
  const auto n = static_cast<std::int32_t>(ids_.size());
  if (n == 0) {
    fail(ErrorKind::data, {source_, 0, "", ""}, "the hierarchy has no units",
         "add rows 'id,parent_id,level,name' below the header");
  }
  const auto sorted = sorted_index(ids_);
  const auto& order = sorted.rows;
  for (std::int32_t k = 1; k < n; ++k) {
    if (ids_[order[k]] == ids_[order[k - 1]]) {
      const std::int32_t dup = std::max(order[k], order[k - 1]);
      const std::int32_t first = std::min(order[k], order[k - 1]);
      fail(ErrorKind::data, {source_, lines_[dup], "id", std::string(ids_[dup])},
           "duplicate id, first defined on line " + std::to_string(lines_[first]),
           "give each unit a unique id");
    }
  }
  // Resolve parents; count children.
  std::vector<std::int32_t> par(n, -1);
  std::vector<std::int32_t> roots;
  for (std::int32_t i = 0; i < n; ++i) {
    const auto p = parents_[i];
    if (p.empty()) {
      roots.push_back(i);
      continue;
    }
    par[i] = lookup(ids_, sorted, p);
    if (par[i] < 0) {
      fail(ErrorKind::data, {source_, lines_[i], "parent_id", std::string(p)},
           "no unit has this id (unit '" + std::string(ids_[i]) + "')",
           "add the parent unit, correct the id, or leave parent_id empty for the root");
    }
  }
  parents_.clear();
  // Children lists in input order (counting sort).
  std::vector<std::int32_t> cbeg(n + 1, 0);
  for (std::int32_t i = 0; i < n; ++i) {
    if (par[i] >= 0) {
      ++cbeg[par[i] + 1];
    }
  }
  std::partial_sum(cbeg.begin(), cbeg.end(), cbeg.begin());
  std::vector<std::int32_t> kids(cbeg[n]);
  {
    std::vector<std::int32_t> fill(cbeg.begin(), cbeg.end() - 1);
    for (std::int32_t i = 0; i < n; ++i) {
      if (par[i] >= 0) {
        kids[fill[par[i]]++] = i;
      }
    }
  }
  auto bfs = [&](const std::vector<std::int32_t>& starts) {
    std::vector<std::int32_t> q(starts);
    q.reserve(n);
    for (std::size_t h = 0; h < q.size(); ++h) {
      for (std::int32_t k = cbeg[q[h]]; k < cbeg[q[h] + 1]; ++k) {
        q.push_back(kids[k]);
      }
    }
    return q;
  };
  // Units not reachable from any root lie on or below a cycle.
  {
    const auto reach = bfs(roots);
    if (static_cast<std::int32_t>(reach.size()) < n) {
      std::vector<char> seen(n, 0);
      for (auto u : reach) {
        seen[u] = 1;
      }
      std::int32_t u = 0;
      while (seen[u]) {
        ++u;
      }
      std::vector<char> on_path(n, 0);
      while (!on_path[u]) {
        on_path[u] = 1;
        u = par[u];
      }
      std::string cycle(ids_[u]);
      for (std::int32_t v = par[u]; v != u; v = par[v]) {
        cycle += " -> " + std::string(ids_[v]);
      }
      cycle += " -> " + std::string(ids_[u]);
      fail(ErrorKind::data, {source_, lines_[u], "parent_id", std::string(ids_[par[u]])},
           "the parent links form a cycle: " + cycle,
           "break the cycle by correcting one parent_id; the root has an empty parent_id");
    }
  }
  std::int32_t root = -1;
  if (root_id.empty()) {
    if (roots.size() > 1) {
      fail(ErrorKind::data, {source_, lines_[roots[1]], "parent_id", ""},
           "several roots (units with an empty parent_id): '" + std::string(ids_[roots[0]]) +
               "' on line " + std::to_string(lines_[roots[0]]) + " and '" +
               std::string(ids_[roots[1]]) + "'" +
               (roots.size() > 2 ? " and " + std::to_string(roots.size() - 2) + " more" : ""),
           "add one common root unit and make it their parent, or select one subtree with "
           "hierarchy.root");
    }
    root = roots[0];
  } else {
    root = lookup(ids_, sorted, root_id);
    if (root < 0) {
      fail(ErrorKind::config, {source_, 0, "hierarchy.root", std::string(root_id)},
           "no unit has this id",
           "use an id of the hierarchy: look one up by name with `pdlab units NAME` (e.g. "
           "`pdlab units Haicang`; add --scenario FILE for a CSV hierarchy)");
    }
  }
  const auto bfs_order = bfs({root});
  const auto m = static_cast<std::int32_t>(bfs_order.size());

  Hierarchy h;
  h.source_ = source_;
  h.attr_names_ = attr_names_;
  h.source_columns_ = source_columns_.empty() ? attr_names_ : source_columns_;
  std::vector<std::int32_t> new_index(n, -1);
  for (std::int32_t k = 0; k < m; ++k) {
    new_index[bfs_order[k]] = k;
  }
  h.parent_.resize(m);
  h.level_.resize(m);
  h.child_begin_.resize(m + 1);
  h.row_ = bfs_order;
  std::vector<std::int32_t> depth(m, 0);
  for (std::int32_t k = 0; k < m; ++k) {
    const std::int32_t u = bfs_order[k];
    h.parent_[k] = par[u] >= 0 && k > 0 ? new_index[par[u]] : -1;
    depth[k] = k == 0 ? 0 : depth[h.parent_[k]] + 1;
    if (depth[k] > 250) {
      fail(ErrorKind::data, {source_, lines_[u], "id", std::string(ids_[u])},
           "the hierarchy is deeper than 250 levels", "check the parent_id column");
    }
  }
  // Level names by depth: the name most units of the depth give (the first seen among equals),
  // so that a unit whose level is misspelt is the one blamed, whichever line comes first. A
  // name used at two depths is an error.
  const std::size_t codes = level_seen_.size();
  const auto depths = static_cast<std::size_t>(m > 0 ? depth[m - 1] + 1 : 0);  // BFS: last deepest
  std::vector<std::int32_t> count(depths * codes, 0);
  std::vector<std::int32_t> first(depths * codes, m);
  for (std::int32_t k = 0; k < m; ++k) {
    const auto i = static_cast<std::size_t>(depth[k]) * codes + level_code_[bfs_order[k]];
    ++count[i];
    first[i] = std::min(first[i], k);
  }
  std::vector<std::size_t> code_at_depth(depths, 0);
  std::vector<std::int32_t> units_at_depth(depths, 0);
  for (std::size_t d = 0; d < depths; ++d) {
    std::size_t best = 0;
    for (std::size_t c = 0; c < codes; ++c) {
      const auto i = d * codes + c;
      units_at_depth[d] += count[i];
      const auto b = d * codes + best;
      if (count[i] > count[b] || (count[i] == count[b] && first[i] < first[b])) {
        best = c;
      }
    }
    code_at_depth[d] = best;
  }
  std::vector<std::string> level_at_depth;
  std::int32_t next_child = 1;
  for (std::int32_t k = 0; k < m; ++k) {
    const std::int32_t u = bfs_order[k];
    const auto d = static_cast<std::size_t>(depth[k]);
    const std::string_view lvl = level_seen_[level_code_[u]];
    if (d == level_at_depth.size()) {
      const std::string& name = level_seen_[code_at_depth[d]];
      for (std::size_t e = 0; e < level_at_depth.size(); ++e) {
        if (level_at_depth[e] == name) {
          const auto at = static_cast<std::size_t>(first[d * codes + code_at_depth[d]]);
          fail(ErrorKind::data, {source_, lines_[bfs_order[at]], "level", name},
               "level name used at depth " + std::to_string(d) + " and at depth " +
                   std::to_string(e) + " of the tree",
               "give each tier of the hierarchy its own level name");
        }
      }
      level_at_depth.push_back(name);
    }
    if (level_code_[u] != code_at_depth[d]) {
      fail(ErrorKind::data, {source_, lines_[u], "level", std::string(lvl)},
           "units at depth " + std::to_string(d) + " are level '" + level_at_depth[d] + "' (" +
               std::to_string(count[d * codes + code_at_depth[d]]) + " of " +
               std::to_string(units_at_depth[d]) + "), but this one is '" + std::string(lvl) + "'",
           "make the level column match the unit's tier (its parent is one level up)");
    }
    h.level_[k] = static_cast<std::uint8_t>(depth[k]);
    h.child_begin_[k] = next_child;
    next_child += cbeg[u + 1] - cbeg[u];
  }
  // Attributes: permute one column at a time, freeing each source column.
  for (auto& col : attrs_) {
    std::vector<double> out(m);
    for (std::int32_t k = 0; k < m; ++k) {
      out[k] = col[bfs_order[k]];
    }
    std::vector<double>().swap(col);
    h.attrs_.push_back(std::move(out));
  }
  h.attr_files_.assign(h.attrs_.size(), std::string());
  h.attr_levels_.assign(h.attrs_.size(), {});
  h.child_begin_[m] = next_child;
  h.level_names_ = level_at_depth;
  h.level_begin_.assign(level_at_depth.size() + 1, m);
  for (std::int32_t k = m - 1; k >= 0; --k) {
    h.level_begin_[h.level_[k]] = k;
  }
  h.by_id_.reserve(m);
  for (auto u : order) {
    if (new_index[u] >= 0) {
      h.by_id_.push_back(new_index[u]);
    } else {
      h.excluded_.push_back(u);
    }
  }
  h.line_ = std::move(lines_);
  h.text_names_ = std::move(text_names_);
  h.text_ = std::move(text_);
  h.ids_ = std::move(ids_);
  h.names_ = std::move(names_);
  return h;
}

}  // namespace pdlab
