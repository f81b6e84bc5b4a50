// Small helpers for the config validator (corral/sdk/json_schema.h): JSON Pointer tokens, safe
// value rendering for messages, exact number comparison, nesting limits and the guard that keeps
// a schema's regular expressions cheap. Not part of the SDK's API.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <locale>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corral::sdk::json_schema_detail {

using nlohmann::json;

// Deepest nesting accepted in a document or a schema, and the longest chain of $ref, allOf, anyOf
// and oneOf steps applied to one value. Bounds the recursion, so hostile input cannot overflow
// the stack.
inline constexpr int kMaxDepth = 64;
// Nested validation calls for one value: document levels and in-place chains together. Both are
// bounded on their own; this keeps their product off the stack.
inline constexpr int kMaxFrames = 4 * kMaxDepth;
// Strings longer than this are not run against a "pattern" (an error says so): std::regex
// implementations other than libstdc++'s polynomial mode recurse once per character.
inline constexpr size_t kMaxPatternInput = 4096;
// Longest "pattern", and the most automaton states one may expand to ("a{1000}" is 1000).
inline constexpr size_t kMaxPatternLength = 1024;
inline constexpr size_t kMaxPatternStates = 10000;
// Schema applications per validation: anyOf/allOf over shared $defs can otherwise multiply.
inline constexpr size_t kMaxSteps = 1000000;

[[noreturn]] inline void bad_schema(const std::string& spath, const std::string& what) {
  throw std::invalid_argument("config schema at '" + spath + "': " + what);
}

// One RFC 6901 reference token: '~' becomes "~0" and '/' becomes "~1".
inline std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// The JSON Schema type name of a value ("integer" for JSON numbers parsed without a fraction).
inline const char* type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "invalid";
  }
}

inline bool has_type(const json& v, const std::string& t) {
  if (t == "number") return v.is_number();
  if (t == "integer") {
    if (v.is_number_integer()) return true;  // signed and unsigned
    if (!v.is_number_float()) return false;
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return t == type_of(v);
}

inline size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `text` cut to at most `max` bytes on a UTF-8 boundary, with "..." when cut, so a message
// quoting a long value stays short and stays valid UTF-8.
inline std::string truncated(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

// A value as JSON text for a message. A document built in memory may hold invalid UTF-8, which
// dump() would throw on; it is replaced instead.
inline std::string shown(const json& v, size_t max = 64) {
  return truncated(v.dump(-1, ' ', false, json::error_handler_t::replace), max);
}

// Compares two JSON numbers exactly: integers as integers (no rounding through double above
// 2^53), anything involving a float as long double. Returns <0, 0 or >0.
inline int compare_numbers(const json& a, const json& b) {
  auto sign = [](auto x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); };
  if (a.is_number_float() || b.is_number_float()) {
    long double x = a.is_number_unsigned()  ? static_cast<long double>(a.get<uint64_t>())
                    : a.is_number_integer() ? static_cast<long double>(a.get<int64_t>())
                                            : static_cast<long double>(a.get<double>());
    long double y = b.is_number_unsigned()  ? static_cast<long double>(b.get<uint64_t>())
                    : b.is_number_integer() ? static_cast<long double>(b.get<int64_t>())
                                            : static_cast<long double>(b.get<double>());
    return sign(x - y);
  }
  bool a_neg = !a.is_number_unsigned() && a.get<int64_t>() < 0;
  bool b_neg = !b.is_number_unsigned() && b.get<int64_t>() < 0;
  if (a_neg != b_neg) return a_neg ? -1 : 1;
  if (a_neg) {
    int64_t x = a.get<int64_t>();
    int64_t y = b.get<int64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  uint64_t x = a.get<uint64_t>();
  uint64_t y = b.get<uint64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

// A non-negative integer keyword value (minLength, maxItems, ...): 3 and 3.0 both count. Values
// beyond 2^63 saturate; no document is that long.
inline std::optional<uint64_t> as_count(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    return i < 0 ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(i));
  }
  if (v.is_number_float() && has_type(v, "integer") && v.get<double>() >= 0) {
    double d = v.get<double>();
    return d >= 9.2e18 ? std::numeric_limits<uint64_t>::max() / 2 : static_cast<uint64_t>(d);
  }
  return std::nullopt;
}

// Deepest nesting of arrays and objects in a JSON text, counted outside strings without parsing
// (the guard runs before the parser and the recursive code after it).
inline int text_depth(std::string_view text) {
  int depth = 0;
  int max = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) max = depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max;
}

// Whether a value built in memory nests arrays and objects deeper than `max`, found without
// recursion.
inline bool deeper_than(const json& root, int max) {
  std::vector<std::pair<const json*, int>> stack = {{&root, 0}};
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (!v->is_structured()) continue;
    if (depth + 1 > max) return true;
    for (const json& child : *v) stack.emplace_back(&child, depth + 1);
  }
  return false;
}

// An upper bound on the automaton states std::regex builds for `p`: an atom is one, a group the
// sum of its parts, and "{n,m}" copies what it follows m times. "(a{100}){100}" is 10,000 states
// and "a{99999999}" would exhaust memory while compiling, so both are refused before that.
inline size_t regex_states(std::string_view p) {
  constexpr size_t kOver = std::numeric_limits<size_t>::max();
  std::vector<size_t> groups;  // size so far of each enclosing group
  size_t current = 0;          // size so far of the innermost group
  size_t last = 0;             // size of the atom or group a quantifier would apply to
  auto add = [&](size_t n) {
    current = current > kOver - n ? kOver : current + n;
    last = n;
  };
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
      add(1);
    } else if (c == '[') {
      for (++i; i < p.size() && p[i] != ']'; ++i) i += p[i] == '\\';
      add(1);
    } else if (c == '(') {
      groups.push_back(current);
      current = 0;
    } else if (c == ')' && !groups.empty()) {
      size_t inner = current;
      current = groups.back();
      groups.pop_back();
      add(inner + 1);
    } else if (c == '{') {
      // "{n}" and "{n,m}" make max(n, m) copies; "{n,}" makes n and a loop.
      size_t bound[2] = {0, 0};
      int part = 0;
      bool digits[2] = {false, false};
      size_t j = i + 1;
      for (; j < p.size() && ((p[j] >= '0' && p[j] <= '9') || (p[j] == ',' && part == 0)); ++j) {
        if (p[j] == ',') {
          part = 1;
          continue;
        }
        // libstdc++ reads a count into a long without an overflow check, before it finds out
        // whether the braces are even well formed.
        if (bound[part] >= 100000) return kOver;
        size_t digit = static_cast<size_t>(p[j] - '0');
        bound[part] = bound[part] > (kOver - digit) / 10 ? kOver : bound[part] * 10 + digit;
        digits[part] = true;
      }
      size_t copies = bound[0] > bound[1] ? bound[0] : bound[1];
      if (part == 1 && !digits[1] && copies < kOver) ++copies;
      if (j < p.size() && p[j] == '}' && digits[0]) {
        size_t extra = last == 0 ? 0 : (copies > kOver / last ? kOver : copies * last);
        current = current > kOver - extra ? kOver : current + extra;
        i = j;
      } else {
        add(1);
      }
    } else {
      add(1);
    }
  }
  for (size_t outer : groups) current = current > kOver - outer ? kOver : current + outer;
  return current;
}

// A compiled "pattern" and its size in states: matching a string costs about its length times
// that, which the validator counts against its budget.
struct Pattern {
  std::regex regex;
  size_t states;
};

// Budget units one match of `pattern` against `length` bytes is charged: the breadth-first
// matcher visits each state at most once per byte, and 64 such visits cost about what applying
// one schema does.
inline size_t pattern_charge(const Pattern& pattern, size_t length) { return (length + 1) * pattern.states / 64; }

// libstdc++ fills std::ctype<char>'s narrow() cache on first use of each character, without a
// lock (GCC bug 77704), and std::regex's scanner calls narrow(); a plugin validates configs on
// several call threads at once. Filling the cache once, behind a function-local static, leaves
// later compiles only reading it.
inline void fill_ctype_narrow_cache() {
  static const bool filled = [] {
    const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
    for (int c = 1; c < 256; ++c) (void)ctype.narrow(static_cast<char>(c), '\0');
    return true;
  }();
  (void)filled;
}

// Compiles a schema "pattern" or explains why not. Back-references are refused: they need
// backtracking, which can take exponential time on a hostile string.
inline Pattern compile_pattern(const std::string& p, const std::string& spath) {
  if (p.size() > kMaxPatternLength) {
    bad_schema(spath, "pattern is longer than " + std::to_string(kMaxPatternLength) + " bytes");
  }
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] != '\\') continue;
    // "\1" is a back-reference, and so is "\0" before a digit for std::regex.
    bool digit_next = i + 2 < p.size() && p[i + 2] >= '0' && p[i + 2] <= '9';
    if ((p[i + 1] >= '1' && p[i + 1] <= '9') || (p[i + 1] == '0' && digit_next)) {
      bad_schema(spath, "pattern uses a back-reference, which is not supported");
    }
    ++i;
  }
  size_t states = regex_states(p);
  if (states > kMaxPatternStates) {
    bad_schema(spath, "pattern repeats too much (more than " + std::to_string(kMaxPatternStates) + " states)");
  }
  auto flags = std::regex::ECMAScript;
#if defined(__GLIBCXX__)
  // libstdc++'s breadth-first matcher: time linear in the string, stack independent of it.
  flags |= std::regex_constants::__polynomial;
#endif
  fill_ctype_narrow_cache();
  try {
    return {std::regex(p, flags), states};
  } catch (const std::regex_error& e) {
    bad_schema(spath, std::string("pattern is not a valid regular expression: ") + e.what());
  }
}

}  // namespace corral::sdk::json_schema_detail
