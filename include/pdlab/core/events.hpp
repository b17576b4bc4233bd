// Scenario events compiled against a hierarchy: dates resolved to periods, ids to unit indices.
// One struct per kind with only its fields, held in a std::variant under a common header. Read
// by the adoption processes (adopt, mandate, promote, reverse, set on hazard keys) and by the
// governance layer (set on governance keys, abolish, merge).
//
// One table of kinds (event_kinds()) names each kind, the fields it accepts and requires, how
// to read it (through EventFields, which the I/O library implements over TOML) and how to
// compile it; the reader and the compiler both go through it, so a new kind is one struct per
// side and one table entry.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pdlab {

class Hierarchy;

struct CompiledQuota {
  std::vector<std::int32_t> regions;  // units whose descendants at target level form a region
  double share = 0;
  std::int32_t period = 0;
};

struct AdoptEvent {
  std::vector<std::int32_t> units;
  Mode mode = Mode::none;
  std::int32_t deadline = kNever;  // when mode = mandate
};
struct PromoteEvent {
  std::vector<std::int32_t> units;
  Mode mode = Mode::none;
  std::int32_t deadline = kNever;  // when mode = mandate
};
struct MandateEvent {
  std::int32_t issuer = -1;
  int target_level = 0;
  std::int32_t deadline = kNever;
  double compliance = 1.0;
  std::vector<CompiledQuota> quotas;
};
struct SetEvent {  // a parameter changes from this period on
  std::string key;
  double value = 0;
};
struct ReverseEvent {  // the units reverse the policy (Guiyang 2019)
  std::vector<std::int32_t> units;
  std::vector<std::int32_t> listed;  // the units the event names (units adds their descendants)
};
struct AbolishEvent {  // the units (a tier) stop being governments (Guiyang 2010-2012)
  std::vector<std::int32_t> units;
  std::vector<std::int32_t> under;  // the units they were selected below (empty: all)
  bool line_departments = false;    // a full reform (line departments too)
};
// How a unit that takes over others (by a merge or a split) inherits their adoption state
// (docs/model.md 7.13): any = active if any source was (the most advanced state, "max"); all =
// only if every source was; largest = the state of the source with the most residents; none =
// no inheritance (a new unit starts unadopted, an existing one keeps its own state).
enum class Inherit : std::uint8_t { any, all, largest, none };
const char* to_string(Inherit r);
struct MergeEvent {  // the units cease and merge into `into` (which may be born then)
  std::vector<std::int32_t> units;
  std::int32_t into = -1;
  Inherit inherit = Inherit::any;
};
struct SplitEvent {  // the unit ceases; its parts (born then) take it over
  std::int32_t unit = -1;
  std::vector<std::int32_t> into;
  Inherit inherit = Inherit::any;
};
struct ReestablishEvent {  // the units, of an abolished tier, are governments again
  std::vector<std::int32_t> units;
  std::vector<std::int32_t> under;  // the units they were selected below (empty: all)
};
// Same order as EventSpec and the table of kinds.
using EventAction = std::variant<AdoptEvent, MandateEvent, PromoteEvent, SetEvent, ReverseEvent,
                                 AbolishEvent, MergeEvent, SplitEvent, ReestablishEvent>;

struct CompiledEvent {
  std::int32_t period = 0;
  std::int32_t policy = 0;
  std::string source;      // "event[3]", for messages
  std::int64_t line = 0;   // of the event in the scenario file
  FieldLines field_lines;  // of its fields (Event::field_lines)
  EventAction action;

  [[nodiscard]] std::int64_t line_of(const std::string& field) const {
    return field_line(source, line, field_lines, field);
  }
};

// The deadline of an event that has one (adopt and promote with mode mandate, mandate), else
// kNever.
std::int32_t deadline_of(const EventAction& a);

// For std::visit with one lambda per kind.
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

// The fields of one event as written. The scenario reader implements it over its format;
// every accessor throws Error(config) naming the file, line, field and value when the field is
// missing (for one the kind requires) or of the wrong type or range.
class EventFields {
 public:
  virtual ~EventFields() = default;
  virtual bool has(std::string_view field) const = 0;
  virtual std::string text(std::string_view field) const = 0;
  virtual std::string date(std::string_view field) const = 0;
  virtual std::vector<std::string> strings(std::string_view field) const = 0;
  virtual double real(std::string_view field, double lo, double hi) const = 0;
  virtual bool boolean(std::string_view field) const = 0;
  virtual Mode mode(std::string_view field) const = 0;
  virtual std::vector<Quota> quotas(std::string_view field) const = 0;
  [[noreturn]] virtual void refuse(std::string_view field, const std::string& what,
                                   const std::string& fix) const = 0;
};

// What compiling one event needs: the scenario, the hierarchy and the event's period.
struct EventContext {
  const Scenario& scenario;
  const Hierarchy& hierarchy;
  const Event& event;
  std::int32_t period;
};

struct EventKind {
  std::string_view name;                  // the TOML `type`
  std::vector<std::string_view> accepts;  // fields besides type, date and policy
  std::vector<std::string_view> required;
  std::string_view help;  // for docs and messages
  EventSpec (*parse)(const EventFields& fields) = nullptr;
  // Throws Error(config) naming the event's field for an id, level or date the hierarchy or
  // calendar does not have.
  EventAction (*compile)(const EventContext& context) = nullptr;
};

// Every kind, at the index of its alternatives in EventSpec and EventAction (kind_of).
const std::vector<EventKind>& event_kinds();
// The kind of this name, or nullptr.
const EventKind* find_event_kind(std::string_view name);
inline const EventKind& kind_of(const Event& e) {
  return event_kinds()[e.spec.index()];
}
// "type, date, policy, units, mode, deadline": every field a kind accepts, for messages.
std::string accepted_fields(const EventKind& k);

}  // namespace pdlab
