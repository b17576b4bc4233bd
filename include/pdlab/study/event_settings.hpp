// Keys a study varies or fits (compare's variants, sensitivity's factors, calibrate's free
// parameters) that a scripted `set` event of the scenario sets too: from the event's date on
// the event's value replaces the varied one, so the study varies the key only before it (a
// trial varied coproduction.mobilisation, which Haicang's event 1 sets to 1.0 from 2015-01,
// and saw almost no effect). The workflows warn before running, naming the event and how to
// vary its value instead; sensitivity can take the event's value as a factor.
#pragma once

#include "pdlab/core/scenario.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab::study {

// N of "event.N.value" or "event[N].value" (0-based, as the scenario's messages number
// events), else nullopt.
std::optional<std::size_t> event_value_index(std::string_view key);

// One warning per key of `keys` that a set event of `sc` sets (listing every such event):
// "KEY is VERB, but event.N (set, line L) sets it to V from DATE: the VERB values hold only
// before DATE; " + instead(N) (how to vary the event's value instead, for the first event).
std::vector<std::string> event_setting_warnings(
    const Scenario& sc, const std::vector<std::string>& keys, const std::string& verb,
    const std::function<std::string(std::size_t event)>& instead);

// The range a set event's value may take (its key's, as the scenario reader checks it).
std::pair<double, double> event_value_range(const SetSpec& s);

}  // namespace pdlab::study
