// `--set` assignments applied to a scenario's text, keeping its comments and layout (for the
// scenarios that calibrate writes). The edit is checked by parsing both ways; anything it
// cannot place with certainty gives nullopt and the caller falls back to the resolved TOML.
#include "pdlab/core/errors.hpp"
#include "pdlab/io/scenario_io.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pdlab::io {
namespace {

using Path = std::vector<std::string>;

Path split_dots(const std::string& s) {
  Path out;
  std::string cur;
  for (const char ch : s) {
    if (ch == '.') {
      out.push_back(cur);
      cur.clear();
    } else if (std::isspace(static_cast<unsigned char>(ch)) == 0) {
      cur.push_back(ch);
    }
  }
  out.push_back(cur);
  return out;
}

// The dotted key of a table header from `open` (after "[" or "[["), with quoted parts ('a.b',
// "c") unquoted, and where its closing bracket is; nullopt for what is not handled here (a
// basic string with escapes, an unclosed header).
std::optional<std::pair<Path, std::size_t>> header_key(const std::string& l, std::size_t open) {
  Path out;
  std::string cur;
  char quote = 0;
  for (std::size_t i = open; i < l.size(); ++i) {
    const char ch = l[i];
    if (quote != 0) {
      if (ch == quote) {
        quote = 0;
      } else if (ch == '\\') {
        return std::nullopt;
      } else {
        cur.push_back(ch);
      }
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (ch == '.') {
      out.push_back(cur);
      cur.clear();
    } else if (ch == ']') {
      out.push_back(cur);
      return std::pair{out, i};
    } else if (std::isspace(static_cast<unsigned char>(ch)) == 0) {
      cur.push_back(ch);
    }
  }
  return std::nullopt;
}

bool bare_key_char(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-';
}

// Where the value of a `key = value` line ends: before a comment outside strings.
// nullopt when the value is not complete on this line (an open array, table or string).
std::optional<std::size_t> value_end(const std::string& line, std::size_t from) {
  int depth = 0;
  for (std::size_t i = from; i < line.size(); ++i) {
    const char ch = line[i];
    if (ch == '"' || ch == '\'') {
      if (line.compare(i, 3, std::string(3, ch)) == 0) {
        return std::nullopt;  // a multi-line string
      }
      auto j = i + 1;
      while (j < line.size() && line[j] != ch) {
        j += (ch == '"' && line[j] == '\\') ? 2 : 1;
      }
      if (j >= line.size()) {
        return std::nullopt;
      }
      i = j;
    } else if (ch == '[' || ch == '{') {
      ++depth;
    } else if (ch == ']' || ch == '}') {
      --depth;
    } else if (ch == '#') {
      if (depth != 0) {
        return std::nullopt;
      }
      auto end = i;
      while (end > from && std::isspace(static_cast<unsigned char>(line[end - 1])) != 0) {
        --end;
      }
      return end;
    }
  }
  if (depth != 0) {
    return std::nullopt;
  }
  auto end = line.size();
  while (end > from && std::isspace(static_cast<unsigned char>(line[end - 1])) != 0) {
    --end;
  }
  return end;
}

// The value as TOML text: as given when it parses as a TOML value, else a quoted string
// (as apply_override reads a bare word).
std::string value_text(const std::string& value) {
  bool simple = !value.empty();
  for (const char ch : value) {
    simple = simple && (bare_key_char(ch) || ch == '.' || ch == '+' || ch == ':');
  }
  const bool number_like =
      !value.empty() && (std::isdigit(static_cast<unsigned char>(value[0])) != 0 ||
                         value[0] == '-' || value[0] == '+' || value[0] == '.');
  if (value == "true" || value == "false" || number_like || value[0] == '"' || value[0] == '\'' ||
      value[0] == '[' || value[0] == '{' || !simple) {
    return value;
  }
  std::string quoted = "\"";
  for (const char ch : value) {
    if (ch == '"' || ch == '\\') {
      quoted.push_back('\\');
    }
    quoted.push_back(ch);
  }
  return quoted + "\"";
}

// `leaf = value` set inside a one-line inline table "{ a = 1, b = 2 }": the entry's value
// replaced, or the entry added at the end. nullopt for nested or dotted entries.
std::optional<std::string> edit_inline_table(const std::string& t, const std::string& leaf,
                                             const std::string& value) {
  if (t.size() < 2 || t.front() != '{' || t.back() != '}') {
    return std::nullopt;
  }
  bool any = false;
  std::size_t i = 1;
  while (i + 1 < t.size()) {
    while (i + 1 < t.size() && (t[i] == ' ' || t[i] == ',')) {
      ++i;
    }
    if (i + 1 >= t.size()) {
      break;
    }
    const auto k0 = i;
    while (i < t.size() && bare_key_char(t[i])) {
      ++i;
    }
    const std::string key = t.substr(k0, i - k0);
    while (i < t.size() && t[i] == ' ') {
      ++i;
    }
    if (key.empty() || i >= t.size() || t[i] != '=') {
      return std::nullopt;
    }
    ++i;
    while (i < t.size() && t[i] == ' ') {
      ++i;
    }
    const auto v0 = i;
    int depth = 0;
    for (; i + 1 < t.size(); ++i) {
      const char ch = t[i];
      if (ch == '"' || ch == '\'') {
        auto j = i + 1;
        while (j < t.size() && t[j] != ch) {
          j += (ch == '"' && t[j] == '\\') ? 2 : 1;
        }
        i = j;
      } else if (ch == '[' || ch == '{') {
        ++depth;
      } else if (ch == ']' || ch == '}') {
        --depth;
      } else if (ch == ',' && depth == 0) {
        break;
      }
    }
    auto v1 = std::min(i, t.size() - 1);
    while (v1 > v0 && t[v1 - 1] == ' ') {
      --v1;
    }
    if (key == leaf) {
      return t.substr(0, v0) + value + t.substr(v1);
    }
    any = true;
  }
  auto end = t.size() - 1;
  while (end > 1 && t[end - 1] == ' ') {
    --end;
  }
  return t.substr(0, end) + (any ? ", " : " ") + leaf + " = " + value + " }";
}

struct Line {
  std::string text;
  Path table;  // the table this line belongs to (array-of-tables entries by index)
  bool header = false;
};

}  // namespace

std::optional<std::string> apply_overrides_to_text(const std::string& text,
                                                   const std::vector<std::string>& overrides,
                                                   const std::string& name) {
  std::vector<Line> lines;
  {
    std::istringstream in(text);
    std::map<std::string, int> array_count;
    Path table;
    for (std::string l; std::getline(in, l);) {
      Line line{l, table, false};
      std::size_t i = 0;
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) {
        ++i;
      }
      if (i < l.size() && l[i] == '[') {
        const bool array = l.compare(i, 2, "[[") == 0;
        const auto open = i + (array ? 2 : 1);
        auto parsed = header_key(l, open);
        if (!parsed || (array && l.compare(parsed->second, 2, "]]") != 0)) {
          return std::nullopt;  // not a header handled here
        }
        Path p = std::move(parsed->first);
        std::string key;  // (the array's count by its path)
        for (const auto& part : p) {
          key += part + '\x1f';
        }
        if (array) {
          p.push_back(std::to_string(array_count[key]++));
        }
        table = p;
        line.table = p;
        line.header = true;
      }
      lines.push_back(line);
    }
  }
  for (const auto& assignment : overrides) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return std::nullopt;
    }
    const Path full = split_dots(assignment.substr(0, eq));
    const std::string value = value_text(assignment.substr(eq + 1));
    bool done = false;
    for (auto& line : lines) {
      if (line.header) {
        continue;
      }
      const std::string& l = line.text;
      std::size_t i = 0;
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) {
        ++i;
      }
      auto k = i;
      while (k < l.size() && (bare_key_char(l[k]) || l[k] == '.' || l[k] == ' ')) {
        ++k;
      }
      if (k == i || k >= l.size() || l[k] != '=') {
        continue;
      }
      Path p = line.table;
      for (auto& part : split_dots(l.substr(i, k - i))) {
        p.push_back(part);
      }
      // The key itself, or the inline table holding it (alpha = { county = -5, ... }).
      const bool in_inline =
          p.size() + 1 == full.size() && std::equal(p.begin(), p.end(), full.begin());
      if (p != full && !in_inline) {
        continue;
      }
      auto v0 = k + 1;
      while (v0 < l.size() && l[v0] == ' ') {
        ++v0;
      }
      const auto v1 = value_end(l, v0);
      if (!v1) {
        return std::nullopt;
      }
      std::string replacement = value;
      if (in_inline) {
        const auto edited = edit_inline_table(l.substr(v0, *v1 - v0), full.back(), value);
        if (!edited) {
          return std::nullopt;
        }
        replacement = *edited;
      }
      line.text = l.substr(0, v0) + replacement + l.substr(*v1);
      done = true;
      break;
    }
    if (done) {
      continue;
    }
    // Not in the file: add it to its table, right after the table's header (the root table:
    // before the first header); a table that does not exist is added at the end.
    const Path table(full.begin(), full.end() - 1);
    const std::string leaf = full.back() + " = " + value;
    std::size_t at = lines.size();
    bool found = false;
    for (std::size_t j = 0; j < lines.size(); ++j) {
      if (table.empty() && lines[j].header) {
        at = j;
        found = true;
        break;
      }
      if (!table.empty() && lines[j].header && lines[j].table == table) {
        at = j + 1;
        found = true;
        break;
      }
    }
    if (table.empty() || found) {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), Line{leaf, table, false});
    } else {
      for (const auto& part : table) {
        if (std::isdigit(static_cast<unsigned char>(part[0])) != 0) {
          return std::nullopt;  // an entry of an array of tables that is not there
        }
      }
      std::string header = "[";
      for (std::size_t j = 0; j < table.size(); ++j) {
        header += (j ? "." : "") + table[j];
      }
      lines.push_back(Line{"", table, false});
      lines.push_back(Line{header + "]", table, true});
      lines.push_back(Line{leaf, table, false});
    }
  }
  std::string out;
  for (const auto& line : lines) {
    out += line.text;
    out += '\n';
  }
  // Keep the edit only if it means exactly what the overrides mean.
  try {
    if (parse_scenario(out, name, {}).resolved_toml !=
        parse_scenario(text, name, overrides).resolved_toml) {
      return std::nullopt;
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace pdlab::io
