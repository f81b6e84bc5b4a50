// The config validator's engine (corral/sdk/json_schema.h says what it checks and why): the walk
// over a schema and a document, and parsing with positions for errors. Compiled once in
// json_schema.cpp; the SDK's own tests include it to prove the budget by what it counts. Not part
// of the SDK's API.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corral/sdk/detail/json_schema_checked.h"
#include "corral/sdk/detail/json_schema_support.h"
#include "corral/sdk/json_schema.h"

namespace corral::sdk::json_schema_detail {

// What one validation spent. The SDK's tests prove the limits below by these counts, not by
// timing, so they hold on any machine.
struct Spent {
  size_t steps = 0;            // budget units: one per schema applied or refused, plus pattern charges
  size_t schemas = 0;          // schemas applied (none once the budget is spent)
  size_t pattern_matches = 0;  // regular expression searches run
  size_t comparisons = 0;      // item comparisons made for uniqueItems
};

class Validator {
 public:
  // `max_steps` is the budget (see "Hostile input" above); tests pass a small one.
  explicit Validator(const CheckedSchema& schema, size_t max_steps = kMaxSteps)
      : schema_(schema), max_steps_(max_steps) {}

  // `document` must nest no deeper than kMaxDepth (the callers check).
  std::vector<SchemaError> run(const json& document) {
    errors_.clear();
    spent_ = {};
    validate(schema_.root(), document, "", false, 0);
    if (over_budget()) {
      return {{"", "is too complex to check against this schema (more than " + std::to_string(max_steps_) +
                       " schema applications)"}};
    }
    return std::move(errors_);
  }

  const Spent& spent() const { return spent_; }

 private:
  void fail(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }

  bool over_budget() const { return spent_.steps > max_steps_; }

  // `secret`: the value is (inside) a writeOnly property, so no message may quote it. `frames`
  // counts nested calls, which document depth and in-place chains bound between them.
  void validate(const json& s, const json& v, const std::string& path, bool secret, int frames) {
    ++spent_.steps;
    if (over_budget()) return;
    ++spent_.schemas;
    if (frames > kMaxFrames) {
      return fail(path,
                  "is nested too deeply to check (document levels and $ref, allOf, anyOf and oneOf steps "
                  "together exceed " +
                      std::to_string(kMaxFrames) + ")");
    }
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(path, "is not allowed here (the schema is false)");
      return;
    }
    secret = secret || schema_.is_secret(s);
    if (auto ref = s.find("$ref"); ref != s.end()) validate(schema_.resolve(*ref), v, path, secret, frames + 1);
    if (auto t = s.find("type"); t != s.end() && !check_type(*t, v, path)) return;
    if (auto e = s.find("enum"); e != s.end()) {
      bool found = false;
      for (const json& option : *e) found = found || option == v;
      if (!found) {
        fail(path,
             secret ? "is not one of the allowed values" : "must be one of " + shown(*e, 200) + ", got " + shown(v));
      }
    }
    if (auto c = s.find("const"); c != s.end() && *c != v) {
      fail(path, secret ? "is not the required value" : "must be " + shown(*c, 200) + ", got " + shown(v));
    }
    if (v.is_number()) check_number(s, v, path, secret);
    if (v.is_string()) check_string(s, v.get_ref<const std::string&>(), path, secret);
    if (v.is_object()) check_object(s, v, path, secret, frames);
    if (v.is_array()) check_array(s, v, path, secret, frames);
    check_combinators(s, v, path, secret, frames);
  }

  // A value of the wrong type gets this one error: its other keywords would only repeat it.
  bool check_type(const json& t, const json& v, const std::string& path) {
    std::string wanted;
    for (const json& name : t.is_array() ? t : json::array({t})) {
      if (has_type(v, name.get_ref<const std::string&>())) return true;
      wanted += (wanted.empty() ? "" : " or ") + name.get<std::string>();
    }
    fail(path, "must be " + wanted + ", got " + type_of(v));
    return false;
  }

  void check_number(const json& s, const json& v, const std::string& path, bool secret) {
    struct Bound {
      const char* key;
      const char* op;
      bool (*violated)(int);  // given compare(value, limit)
    };
    static const Bound bounds[] = {
        {"minimum", ">=", [](int c) { return c < 0; }},
        {"exclusiveMinimum", ">", [](int c) { return c <= 0; }},
        {"maximum", "<=", [](int c) { return c > 0; }},
        {"exclusiveMaximum", "<", [](int c) { return c >= 0; }},
    };
    for (const Bound& b : bounds) {
      auto limit = s.find(b.key);
      if (limit == s.end() || !b.violated(compare_numbers(v, *limit))) continue;
      fail(path, std::string("must be ") + b.op + " " + limit->dump() + (secret ? "" : ", got " + v.dump()));
    }
  }

  void check_string(const json& s, const std::string& str, const std::string& path, bool secret) {
    size_t n = code_points(str);
    std::string got = secret ? "" : ", got " + std::to_string(n);
    if (auto m = s.find("minLength"); m != s.end() && n < *as_count(*m)) {
      fail(path, "must be at least " + m->dump() + " characters long" + got);
    }
    if (auto m = s.find("maxLength"); m != s.end() && n > *as_count(*m)) {
      fail(path, "must be at most " + m->dump() + " characters long" + got);
    }
    if (auto p = s.find("pattern"); p != s.end()) {
      if (str.size() > kMaxPatternInput) {
        fail(path, "is longer than " + std::to_string(kMaxPatternInput) +
                       " bytes, too long to check against the pattern " + shown(*p, 200));
      } else if (!matches(schema_.pattern(*p), str)) {
        fail(path, "must match the pattern " + shown(*p, 200) + (secret ? "" : ", got " + shown(json(str))));
      }
    }
  }

  // Charges the match to the budget before running it: a large pattern over many long strings is
  // where a hostile document would spend its time, and the match that would overspend never runs.
  bool matches(const Pattern& pattern, const std::string& str) {
    spent_.steps += pattern_charge(pattern, str.size());
    if (over_budget()) return true;  // run() reports the spent budget instead
    ++spent_.pattern_matches;
    return std::regex_search(str, pattern.regex);
  }

  void check_object(const json& s, const json& v, const std::string& path, bool secret, int frames) {
    if (auto r = s.find("required"); r != s.end()) {
      for (const json& name : *r) {
        const std::string& key = name.get_ref<const std::string&>();
        if (!v.contains(key)) fail(path + "/" + pointer_token(key), "is required");
      }
    }
    auto props = s.find("properties");
    auto extra = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      std::string here = path + "/" + pointer_token(key);
      auto named = props == s.end() ? props : props->find(key);
      if (props != s.end() && named != props->end()) {
        validate(*named, value, here, secret, frames + 1);
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) {
          fail(here, "is not a known property");
        } else {
          validate(*extra, value, here, secret, frames + 1);
        }
      }
    }
  }

  void check_array(const json& s, const json& v, const std::string& path, bool secret, int frames) {
    if (auto m = s.find("minItems"); m != s.end() && v.size() < *as_count(*m)) {
      fail(path, "must have at least " + m->dump() + " items, got " + std::to_string(v.size()));
    }
    if (auto m = s.find("maxItems"); m != s.end() && v.size() > *as_count(*m)) {
      fail(path, "must have at most " + m->dump() + " items, got " + std::to_string(v.size()));
    }
    if (auto u = s.find("uniqueItems"); u != s.end() && u->get<bool>()) {
      // Ordered, not pairwise: a long hostile array stays n log n. JSON equality is numeric
      // (1 equals 1.0), and nlohmann's ordering agrees with it.
      std::map<json, size_t, CountingLess> first(CountingLess{&spent_.comparisons});
      for (size_t i = 0; i < v.size(); ++i) {
        auto [it, inserted] = first.emplace(v[i], i);
        if (!inserted)
          fail(path + "/" + std::to_string(i), "repeats item " + std::to_string(it->second) + " (uniqueItems)");
      }
    }
    if (auto items = s.find("items"); items != s.end()) {
      for (size_t i = 0; i < v.size(); ++i) validate(*items, v[i], path + "/" + std::to_string(i), secret, frames + 1);
    }
  }

  void check_combinators(const json& s, const json& v, const std::string& path, bool secret, int frames) {
    auto passes = [&](const json& sub) {
      std::vector<SchemaError> outer;
      outer.swap(errors_);
      validate(sub, v, path, secret, frames + 1);
      bool ok = errors_.empty();
      errors_.swap(outer);
      return ok;
    };
    if (auto all = s.find("allOf"); all != s.end()) {
      for (const json& sub : *all) validate(sub, v, path, secret, frames + 1);
    }
    if (auto any = s.find("anyOf"); any != s.end()) {
      bool ok = false;
      for (size_t i = 0; i < any->size() && !ok; ++i) ok = passes((*any)[i]);
      if (!ok)
        fail(path, "must match at least one of the " + std::to_string(any->size()) + " schemas in anyOf, matched none");
    }
    if (auto one = s.find("oneOf"); one != s.end()) {
      size_t matched = 0;
      for (const json& sub : *one) matched += passes(sub) ? 1 : 0;
      if (matched != 1) {
        fail(path, "must match exactly one of the " + std::to_string(one->size()) + " schemas in oneOf, matched " +
                       std::to_string(matched));
      }
    }
  }

  struct CountingLess {
    size_t* count;
    bool operator()(const json& a, const json& b) const {
      ++*count;
      return a < b;
    }
  };

  const CheckedSchema& schema_;
  const size_t max_steps_;
  std::vector<SchemaError> errors_;
  Spent spent_;
};

inline std::string position(std::string_view text, size_t byte) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Finds where a JSON text stops being JSON. nlohmann's SAX interface reports the byte of every
// failure, a number too large for a double included (the DOM parser throws that one without a
// position).
struct FailurePosition {
  size_t byte = 0;
  bool number_overflow = false;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(size_t) { return true; }
  bool key(json::string_t&) { return true; }
  bool end_object() { return true; }
  bool start_array(size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(size_t at, const std::string&, const json::exception& e) {
    byte = at;
    number_overflow = e.id == 406;
    return false;
  }
};

// Parses JSON text, refusing hostile nesting before the parser (and the recursive code after it)
// sees it. On failure returns a discarded value and sets `error`; the message never quotes the
// text, which may hold a secret.
inline json parse(std::string_view text, std::string* error) {
  if (text_depth(text) > kMaxDepth) {
    *error = "is nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return json(json::value_t::discarded);
  }
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    FailurePosition failure;
    json::sax_parse(text, &failure);
    *error = std::string("is not valid JSON (") + (failure.number_overflow ? "number out of range" : "syntax error") +
             " at " + position(text, failure.byte) + ")";
  }
  return value;
}

inline json parse_schema(std::string_view text) {
  std::string error;
  json schema = parse(text, &error);
  if (schema.is_discarded()) throw std::invalid_argument("config schema " + error);
  return schema;
}

}  // namespace corral::sdk::json_schema_detail
