#include "pdlab/study/event_settings.hpp"

#include "pdlab/core/params.hpp"

#include <fmt/format.h>

#include <charconv>
#include <variant>

namespace pdlab::study {

std::optional<std::size_t> event_value_index(std::string_view key) {
  std::string_view rest;
  if (key.starts_with("event.")) {
    rest = key.substr(6);
  } else if (key.starts_with("event[")) {
    rest = key.substr(6);
  } else {
    return std::nullopt;
  }
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (ec != std::errc() || end == rest.data()) {
    return std::nullopt;
  }
  const std::string_view tail(end, static_cast<std::size_t>(rest.data() + rest.size() - end));
  const bool bracket = key[5] == '[';
  if (tail != (bracket ? "].value" : ".value")) {
    return std::nullopt;
  }
  return n;
}

std::vector<std::string> event_setting_warnings(
    const Scenario& sc, const std::vector<std::string>& keys, const std::string& verb,
    const std::function<std::string(std::size_t event)>& instead) {
  std::vector<std::string> out;
  for (const auto& key : keys) {
    std::vector<std::size_t> setting;
    for (std::size_t i = 0; i < sc.events.size(); ++i) {
      const auto* s = std::get_if<SetSpec>(&sc.events[i].spec);
      if (s != nullptr && s->key == key) {
        setting.push_back(i);
      }
    }
    if (setting.empty()) {
      continue;
    }
    std::string events;
    for (const auto i : setting) {
      const auto& e = sc.events[i];
      events += fmt::format("{}event.{} (set, {}line {}) sets it to {} from {}",
                            events.empty() ? "" : ", and ", i, sc.file.empty() ? "" : sc.file + " ",
                            e.line, std::get<SetSpec>(e.spec).value, e.date);
    }
    const auto& first = sc.events[setting.front()];
    out.push_back(fmt::format("{} is {}, but {}: the {} values hold only before {}; {}", key, verb,
                              events, verb, first.date, instead(setting.front())));
  }
  return out;
}

std::pair<double, double> event_value_range(const SetSpec& s) {
  if (const KeyedParam* kp = find_keyed_parameter(s.key); kp != nullptr) {
    return {kp->lo, kp->hi};
  }
  if (const Param* p = find_parameter(s.key); p != nullptr) {
    return {p->lo, p->hi};
  }
  return {-kShiftBound,
          kShiftBound};  // adoption.alpha_shift: parse_set's bounds (src/core/events.cpp)
}

}  // namespace pdlab::study
