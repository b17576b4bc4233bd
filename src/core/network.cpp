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
  edges_.push_back({a, b, static_cast<float>(weight)});
  if (symmetric) {
    edges_.push_back({b, a, static_cast<float>(weight)});
  }
}

Network NetworkBuilder::build() {
  std::sort(edges_.begin(), edges_.end(), [](const Edge& x, const Edge& y) {
    return x.from != y.from ? x.from < y.from : x.to < y.to;
  });
  Network net;
  net.dropped_ = dropped_;
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
