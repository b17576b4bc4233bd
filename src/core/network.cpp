#include "pdlab/core/network.hpp"

#include <fmt/format.h>

#include "pdlab/core/errors.hpp"

#include <algorithm>
#include <cmath>

namespace pdlab {

void NetworkBuilder::add(const std::string& source, std::int64_t line, std::string_view from,
                         std::string_view to, double weight, bool symmetric) {
  const auto a = h_.find(from);
  const auto b = h_.find(to);
  if (drop_unknown_ && ((a < 0 && !h_.excluded(from)) || (b < 0 && !h_.excluded(to)))) {
    ++unknown_dropped_;
    return;
  }
  auto check = [&](std::int32_t idx, const char* field, std::string_view value) {
    if (idx < 0 && !h_.excluded(value)) {
      fail(ErrorKind::data, {source, line, field, std::string(value)},
           "no unit in the hierarchy has this id",
           "use ids from the hierarchy file, or remove the edge");
    }
  };
  check(a, "from", from);
  check(b, "to", to);
  // Weights are relative; the bound keeps sums of millions of single-precision weights finite.
  if (!std::isfinite(weight) || weight < 0 || weight > 1e9) {
    fail(ErrorKind::data, {source, line, "weight", fmt::format("{}", weight)},
         "weight must be a number from 0 to 1e9", "correct the weight, or rescale all weights");
  }
  if (a < 0 || b < 0) {
    ++dropped_;
    return;
  }
  if (a == b) {
    fail(ErrorKind::data, {source, line, "to", std::string(to)}, "edge from a unit to itself",
         "remove the self-loop");
  }
  if (sources_.empty() || sources_.back() != source ||
      symmetric_.back() != static_cast<std::uint8_t>(symmetric)) {
    sources_.push_back(source);
    symmetric_.push_back(static_cast<std::uint8_t>(symmetric));
  }
  const auto file = static_cast<std::int32_t>(sources_.size() - 1);
  ++rows_added_;
  edges_.push_back({a, b, static_cast<float>(weight), file, line, false});
  if (symmetric) {
    edges_.push_back({b, a, static_cast<float>(weight), file, line, true});
  }
}

void NetworkBuilder::refuse_both_directions(const Edge& row, const Edge& mirror) const {
  // `row` is from -> to at its line; `mirror` is the same direction, made from the row
  // to -> from at mirror.line. Blame the later of the two rows.
  const std::int64_t other = mirror.line;
  const bool row_later = row.line > other;
  const std::int64_t later = row_later ? row.line : other;
  const std::int64_t earlier = row_later ? other : row.line;
  const auto from = row_later ? row.from : row.to;
  const auto to = row_later ? row.to : row.from;
  fail(ErrorKind::data,
       {sources_[static_cast<std::size_t>(row.file)], later, "to", std::string(h_.id(to))},
       fmt::format("the edge {} -> {} reverses line {} ({} -> {}); with symmetric = true each "
                   "row stands for both directions, so the pair would count twice",
                   h_.id(from), h_.id(to), earlier, h_.id(to), h_.id(from)),
       "set symmetric = false for this edge list (it gives both directions), or keep one row "
       "per pair");
}

std::vector<std::int32_t> Network::in_degrees() const {
  std::vector<std::int32_t> n(static_cast<std::size_t>(n_units()), 0);
  for (const std::int32_t v : target_) {
    ++n[static_cast<std::size_t>(v)];
  }
  return n;
}

std::vector<double> Network::in_weights() const {
  std::vector<double> w(static_cast<std::size_t>(n_units()), 0.0);
  for (std::size_t e = 0; e < target_.size(); ++e) {
    w[static_cast<std::size_t>(target_[e])] += weight_[e];
  }
  return w;
}

Network NetworkBuilder::build() {
  std::sort(edges_.begin(), edges_.end(), [](const Edge& x, const Edge& y) {
    return x.from != y.from ? x.from < y.from : x.to < y.to;
  });
  // A symmetric file that lists a pair in both directions: among the copies of one directed
  // edge, a row and a mirror from the same symmetric file (a row and its own mirror never
  // meet: they run in opposite directions).
  for (std::size_t k = 0; k + 1 < edges_.size();) {
    std::size_t e = k + 1;
    while (e < edges_.size() && edges_[e].from == edges_[k].from && edges_[e].to == edges_[k].to) {
      ++e;
    }
    for (std::size_t x = k; x < e && e - k > 1; ++x) {
      for (std::size_t y = k; y < e; ++y) {
        if (!edges_[x].mirror && edges_[y].mirror && edges_[x].file == edges_[y].file &&
            symmetric_[static_cast<std::size_t>(edges_[x].file)] != 0) {
          refuse_both_directions(edges_[x], edges_[y]);
        }
      }
    }
    k = e;
  }
  Network net;
  net.dropped_ = dropped_;
  net.notes_ = std::move(notes_);
  net.offset_.assign(static_cast<std::size_t>(h_.size()) + 1, 0);
  for (std::size_t k = 0; k < edges_.size(); ++k) {
    if (k > 0 && edges_[k].from == edges_[k - 1].from && edges_[k].to == edges_[k - 1].to) {
      net.weight_.back() += edges_[k].weight;
      continue;
    }
    net.target_.push_back(edges_[k].to);
    net.weight_.push_back(edges_[k].weight);
    ++net.offset_[edges_[k].from + 1];
  }
  for (std::size_t u = 1; u < net.offset_.size(); ++u) {
    net.offset_[u] += net.offset_[u - 1];
  }
  edges_.clear();
  edges_.shrink_to_fit();
  return net;
}

}  // namespace pdlab
