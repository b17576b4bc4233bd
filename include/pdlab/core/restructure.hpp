// Restructuring of the hierarchy over time (docs/model.md 7.13): units that exist only for part
// of the run (hierarchy columns exists_from / exists_until), merges and splits at dates (merge
// and split events: the mapping from the units that cease to the units that take them over,
// with the rule for the adoption state they inherit), and tiers abolished (for some unit types
// only) and re-established. Compiled once per model; adoption, the summaries and the
// governance layer all read it, so each sees the same hierarchy in every period.
//
// Nothing is stored per unit when nothing restructures: empty() is then true and every unit
// exists throughout.
#pragma once

#include "pdlab/core/events.hpp"
#include "pdlab/core/hierarchy.hpp"
#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pdlab {

// Units `from` cease at `period`; units `to` take them over from then (born then, or an existing
// unit that continues). A merge has one `to`; a split one `from`.
struct Transition {
  std::int32_t period = 0;
  std::vector<std::int32_t> from;
  std::vector<std::int32_t> to;
  Inherit inherit = Inherit::any;
  // The unit, among `from` and a `to` that existed before, with the most residents (hierarchy
  // column `population`; the first listed when none has one): what inherit = largest follows.
  std::int32_t largest = -1;
  std::string source;  // "event[3]", for messages
};

// A number of the hierarchy's exists_from / exists_until columns as a period of the calendar:
// a year 1000-3000 (its first month) or a month YYYYMM (100001-300012). nullopt when neither.
std::optional<std::int32_t> existence_period(const Calendar& cal, double v);

class Restructuring {
 public:
  Restructuring() = default;
  // Throws Error(config or data) naming the event or hierarchy row, field, value and fix: a
  // merge or split of units that do not exist then, a unit that exists outside its parent's
  // existence, a re-establishment of a tier that is not abolished.
  Restructuring(const Scenario& sc, const Hierarchy& h, const std::vector<CompiledEvent>& events);

  // True when every unit exists throughout and no tier is abolished.
  [[nodiscard]] bool empty() const { return begin_.empty() && abolished_at_.empty(); }
  // True when some unit does not exist throughout.
  [[nodiscard]] bool changes_units() const { return !begin_.empty(); }
  [[nodiscard]] bool exists(std::int32_t u, std::int32_t t) const {
    return begin_.empty() || (begin_[u] <= t && t < end_[u]);
  }
  // [begin, end): the periods unit u exists (0 and kNever when throughout).
  [[nodiscard]] std::int32_t begin(std::int32_t u) const { return begin_.empty() ? 0 : begin_[u]; }
  [[nodiscard]] std::int32_t end(std::int32_t u) const { return end_.empty() ? kNever : end_[u]; }
  // Units of level l that exist in period t (the denominators of the summaries).
  [[nodiscard]] std::int32_t count(int level, std::int32_t t) const;
  // Merges and splits in period order; the ones of period t.
  [[nodiscard]] const std::vector<Transition>& transitions() const { return transitions_; }
  [[nodiscard]] std::span<const Transition> transitions_at(std::int32_t t) const;
  // Units born (their first period is t > 0) or ceasing (their last period is t - 1) at t.
  [[nodiscard]] std::span<const std::int32_t> born_at(std::int32_t t) const {
    return at(born_, born_first_, t);
  }
  [[nodiscard]] std::span<const std::int32_t> ceased_at(std::int32_t t) const {
    return at(ceased_, ceased_first_, t);
  }
  // Abolished tiers: unit u is not a government in [abolished_at(u), restored_at(u)).
  [[nodiscard]] bool abolishes() const { return !abolished_at_.empty(); }
  [[nodiscard]] std::int32_t abolished_at(std::int32_t u) const {
    return abolished_at_.empty() ? kNever : abolished_at_[u];
  }
  [[nodiscard]] std::int32_t restored_at(std::int32_t u) const {
    return restored_at_.empty() ? kNever : restored_at_[u];
  }
  // Units abolished or re-established at t.
  [[nodiscard]] std::span<const std::int32_t> abolished_in(std::int32_t t) const {
    return at(abolish_list_, abolish_first_, t);
  }
  [[nodiscard]] std::span<const std::int32_t> restored_in(std::int32_t t) const {
    return at(restore_list_, restore_first_, t);
  }

 private:
  static std::span<const std::int32_t> at(const std::vector<std::int32_t>& list,
                                          const std::vector<std::int32_t>& first, std::int32_t t) {
    if (first.empty() || t < 0 || t + 1 >= static_cast<std::int32_t>(first.size())) {
      return {};
    }
    return {list.data() + first[t], static_cast<std::size_t>(first[t + 1] - first[t])};
  }

  std::int32_t periods_ = 0;
  int levels_ = 0;
  std::vector<std::int32_t> begin_, end_;  // per unit; empty when every unit exists throughout
  std::vector<std::int32_t> counts_;       // [level][period], when begin_ is not empty
  std::vector<std::int32_t> level_size_;
  std::vector<Transition> transitions_;
  std::vector<std::int32_t> transition_first_;  // per period + 1: index into transitions_
  std::vector<std::int32_t> born_, born_first_, ceased_, ceased_first_;
  std::vector<std::int32_t> abolished_at_, restored_at_;  // per unit; empty without abolition
  std::vector<std::int32_t> abolish_list_, abolish_first_, restore_list_, restore_first_;
};

}  // namespace pdlab
