// The one-pass scanner behind Template::parse (corral/sdk/template.h): splits a startup-script
// template into literal text and variables and finds every syntax error. It counts the work it
// does, so the SDK's tests prove parsing linear on hostile text by counts rather than by timing.
// Not part of the SDK's API.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace corral::sdk::template_detail {

struct Part {
  bool variable;
  std::string text;  // literal text, or the variable's name
  int line;
  int column;
};

struct SyntaxError {
  int line;
  int column;
  std::string what;  // without the position
};

// What one parse spent.
struct Work {
  size_t bytes_searched = 0;    // bytes looked at to find where each '{' closes
  size_t name_comparisons = 0;  // names compared to list each variable once
};

struct Parsed {
  std::vector<Part> parts;
  std::vector<std::string> variables;  // each once, in order of first use
  std::vector<SyntaxError> errors;     // in text order
  Work work;
};

// A name for a message: long ones are cut (on a UTF-8 boundary, so the message stays valid).
inline std::string name_for_message(const std::string& name) {
  constexpr size_t kMax = 64;
  if (name.size() <= kMax) return name;
  size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
  return name.substr(0, end) + "...";
}

inline bool valid_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

inline Parsed parse(std::string_view text) {
  Parsed out;
  struct SameName {
    size_t* count;
    bool operator()(const std::string& a, const std::string& b) const {
      ++*count;
      return a == b;
    }
  };
  // out.variables as a set: listing each variable once stays linear however many there are.
  std::unordered_set<std::string, std::hash<std::string>, SameName> seen(0, std::hash<std::string>(),
                                                                         SameName{&out.work.name_comparisons});
  int line = 1;
  int column = 1;
  std::string literal;
  auto advance = [&](size_t i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if (text[i] != '\r' || i + 1 >= text.size() || text[i + 1] != '\n') {
      ++column;  // a CR is a column unless it ends the line with the LF after it
    }
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      advance(i);
      advance(i + 1);
      i += 2;
    } else if (c == '}') {
      out.errors.push_back({line, column, "lone '}' (write '}}' for a literal brace)"});
      advance(i);
      ++i;
    } else if (c == '{') {
      // A variable never spans lines, so the search stops at the next brace or line end: each
      // byte is searched at most once.
      size_t close = text.find_first_of("}{\n", i + 1);
      out.work.bytes_searched += (close == std::string_view::npos ? text.size() : close + 1) - (i + 1);
      if (close == std::string_view::npos || text[close] != '}') {
        out.errors.push_back(
            {line, column, "'{' is not closed (a variable is '{name}' on one line; write '{{' for a literal brace)"});
        advance(i);
        ++i;
        continue;
      }
      std::string name(text.substr(i + 1, close - i - 1));
      if (!valid_name(name)) {
        out.errors.push_back({line, column,
                              "invalid variable name '{" + name_for_message(name) +
                                  "}' (letters, digits and '_', not starting with a digit; write '{{' for a literal "
                                  "brace)"});
      } else {
        if (!literal.empty()) out.parts.push_back({false, std::move(literal), 0, 0});
        literal.clear();
        out.parts.push_back({true, name, line, column});
        if (seen.insert(name).second) out.variables.push_back(name);
      }
      for (size_t k = i; k <= close; ++k) advance(k);
      i = close + 1;
    } else {
      literal += c;
      advance(i);
      ++i;
    }
  }
  if (!literal.empty()) out.parts.push_back({false, std::move(literal), 0, 0});
  return out;
}

}  // namespace corral::sdk::template_detail
