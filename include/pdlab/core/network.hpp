// Weighted peer edges beyond siblings (geographic neighbours, site visits, transfers), in CSR.
#pragma once

#include "pdlab/core/hierarchy.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab {

class Network {
 public:
  [[nodiscard]] bool empty() const { return target_.empty(); }
  [[nodiscard]] std::int32_t n_units() const {
    return offset_.empty() ? 0 : static_cast<std::int32_t>(offset_.size() - 1);
  }
  [[nodiscard]] std::span<const std::int32_t> neighbours(std::int32_t u) const {
    return {target_.data() + offset_[u], static_cast<std::size_t>(offset_[u + 1] - offset_[u])};
  }
  [[nodiscard]] std::span<const float> weights(std::int32_t u) const {
    return {weight_.data() + offset_[u], static_cast<std::size_t>(offset_[u + 1] - offset_[u])};
  }
  [[nodiscard]] std::int64_t degree(std::int32_t u) const { return offset_[u + 1] - offset_[u]; }
  // An edge from -> to exposes `to` to `from`'s adoption: each unit's incoming edges are its
  // peers. Their number and total weight per unit (summed in the order of their sources,
  // which for a symmetric list is the order of the unit's own row).
  [[nodiscard]] std::vector<std::int32_t> in_degrees() const;
  [[nodiscard]] std::vector<double> in_weights() const;
  [[nodiscard]] std::int64_t n_edges() const { return static_cast<std::int64_t>(target_.size()); }
  [[nodiscard]] std::int64_t dropped() const { return dropped_; }
  // What loading the edges did that a user should hear of (a shipped list on a hierarchy
  // of one's own: how many edges were kept).
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

 private:
  friend class NetworkBuilder;
  std::vector<std::int64_t> offset_;
  std::vector<std::int32_t> target_;
  std::vector<float> weight_;
  std::int64_t dropped_ = 0;
  std::vector<std::string> notes_;
};

// Edges name units by id. An id outside the selected subtree is dropped (counted); an id not
// in the hierarchy at all, a negative or non-finite weight or a self-loop is an error.
// Duplicate edges are merged by adding their weights (several files, or rows of one flow list,
// add up). With `symmetric` each row stands for both directions, so a file that also lists the
// reverse of one of its rows would count that pair twice: build() refuses it, naming both lines.
class NetworkBuilder {
 public:
  explicit NetworkBuilder(const Hierarchy& h) : h_(h) {}
  void add(const std::string& source, std::int64_t line, std::string_view from, std::string_view to,
           double weight, bool symmetric);
  Network build();
  // While on, an edge naming an id the hierarchy lacks is dropped and counted instead of
  // refused: a shipped neighbour list on a hierarchy that holds some of its units.
  void drop_unknown_ids(bool on) { drop_unknown_ = on; }
  [[nodiscard]] std::int64_t unknown_dropped() const { return unknown_dropped_; }
  [[nodiscard]] std::int64_t rows_added() const { return rows_added_; }
  [[nodiscard]] std::int64_t dropped_outside() const { return dropped_; }
  void add_note(std::string note) { notes_.push_back(std::move(note)); }

 private:
  struct Edge {
    std::int32_t from;
    std::int32_t to;
    float weight;
    std::int32_t file;  // place in sources_
    std::int64_t line;  // of the row it comes from
    bool mirror;        // the reverse direction a symmetric row adds
  };
  void refuse_both_directions(const Edge& row, const Edge& mirror) const;
  const Hierarchy& h_;
  std::vector<Edge> edges_;
  std::vector<std::string> sources_;  // the files in the order they were added
  std::vector<std::uint8_t> symmetric_;
  std::int64_t dropped_ = 0;
  bool drop_unknown_ = false;
  std::int64_t unknown_dropped_ = 0;
  std::int64_t rows_added_ = 0;
  std::vector<std::string> notes_;
};

}  // namespace pdlab
