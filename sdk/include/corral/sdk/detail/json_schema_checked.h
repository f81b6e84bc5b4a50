// A config schema checked once before use (corral/sdk/json_schema.h): only supported keywords
// with well-formed values, every $ref resolvable, no $ref/allOf/anyOf/oneOf cycle, every
// writeOnly on a property the manager can seal, every pattern compiled. Also answers what the
// validator and secret_paths need: references, compiled patterns, which schemas mark secrets.
// Not part of the SDK's API.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "corral/sdk/detail/json_schema_support.h"

namespace corral::sdk::json_schema_detail {

class CheckedSchema {
 public:
  // Throws std::invalid_argument naming the first problem and its schema path. `root` must
  // outlive this object: nodes are remembered by address.
  explicit CheckedSchema(const json& root) : root_(root) {
    if (deeper_than(root, kMaxDepth)) bad_schema("", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    check(root, "", 0);
    for (const Node& n : nodes_) chain(*n.schema, n.spath, 0);
    check_secret_placement();
  }

  const json& root() const { return root_; }

  // The schema a checked "$ref" names.
  const json& resolve(const json& ref) const { return *targets_.at(&ref); }

  const Pattern& pattern(const json& value) const { return patterns_.at(&value); }

  // Whether values of `schema` are secrets: it, or a schema it applies in place ($ref, allOf,
  // anyOf, oneOf), says "writeOnly": true.
  bool is_secret(const json& schema) const {
    auto it = info_.find(&schema);
    return it != info_.end() && it->second.secret;
  }

  // The schemas that apply to the same value as `schema`, itself excluded.
  std::vector<const json*> in_place(const json& schema) const {
    std::vector<const json*> out;
    if (!schema.is_object()) return out;
    if (auto r = schema.find("$ref"); r != schema.end()) out.push_back(&resolve(*r));
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      if (auto list = schema.find(key); list != schema.end()) {
        for (const json& sub : *list) out.push_back(&sub);
      }
    }
    return out;
  }

  // Whether some writeOnly schema is reachable from `schema` through properties and in-place
  // steps, i.e. whether a secret may sit at or below a value it describes.
  bool leads_to_secret(const json& schema) const { return leads_to_secret_.count(&schema) > 0; }

 private:
  struct Node {
    const json* schema;
    std::string spath;
  };
  struct Info {
    int chain;    // longest in-place chain below this schema
    bool secret;  // is_secret()
  };

  static const std::set<std::string>& known_keywords() {
    static const std::set<std::string> k = {
        // checked
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "uniqueItems",
        "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "pattern", "allOf", "anyOf", "oneOf", "$defs", "$ref",
        // annotations: accepted, not checked
        "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "format", "$schema",
        "$id", "$comment"};
    return k;
  }

  // The structure of one schema and everything below it.
  void check(const json& s, const std::string& spath, int depth) {
    if (depth > kMaxDepth) bad_schema(spath, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    nodes_.push_back({&s, spath});
    if (s.is_boolean()) return;
    if (!s.is_object()) bad_schema(spath, "a schema must be an object or a boolean");
    for (const auto& [key, value] : s.items()) {
      if (!known_keywords().count(key)) bad_schema(spath, "unsupported keyword '" + key + "'");
      check_keyword(key, value, spath + "/" + pointer_token(key), depth);
    }
  }

  void check_keyword(const std::string& key, const json& value, const std::string& here, int depth) {
    if (key == "properties" || key == "$defs") {
      if (!value.is_object()) bad_schema(here, "must be an object");
      for (const auto& [name, sub] : value.items()) check(sub, here + "/" + pointer_token(name), depth + 1);
    } else if (key == "additionalProperties" || key == "items") {
      check(value, here, depth + 1);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!value.is_array() || value.empty()) bad_schema(here, "must be a non-empty array of schemas");
      for (size_t i = 0; i < value.size(); ++i) check(value[i], here + "/" + std::to_string(i), depth + 1);
    } else if (key == "type") {
      check_type(value, here);
    } else if (key == "required") {
      if (!value.is_array()) bad_schema(here, "must be an array of property names");
      for (const json& n : value) {
        if (!n.is_string()) bad_schema(here, "must be an array of property names");
      }
    } else if (key == "enum") {
      if (!value.is_array()) bad_schema(here, "must be an array");
    } else if (key == "pattern") {
      if (!value.is_string()) bad_schema(here, "must be a string");
      patterns_.emplace(&value, compile_pattern(value.get<std::string>(), here));
    } else if (key == "$ref") {
      targets_[&value] = &find_definition(value, here);
    } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!value.is_number()) bad_schema(here, "must be a number");
    } else if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength") {
      if (!as_count(value)) bad_schema(here, "must be a non-negative integer");
    } else if (key == "uniqueItems" || key == "writeOnly" || key == "readOnly" || key == "deprecated") {
      if (!value.is_boolean()) bad_schema(here, "must be true or false");
    }
  }

  static void check_type(const json& value, const std::string& here) {
    static const std::set<std::string> names = {"null", "boolean", "integer", "number", "string", "array", "object"};
    auto known = [&](const json& t) { return t.is_string() && names.count(t.get<std::string>()) > 0; };
    if (value.is_array()) {
      if (value.empty()) bad_schema(here, "must name at least one type");
      for (const json& t : value) {
        if (!known(t)) bad_schema(here, "unknown type " + shown(t));
      }
    } else if (!known(value)) {
      bad_schema(here, "unknown type " + shown(value));
    }
  }

  // "#/$defs/name" in the root, with name's "~1" and "~0" escapes undone.
  const json& find_definition(const json& ref, const std::string& here) const {
    const std::string prefix = "#/$defs/";
    if (!ref.is_string()) bad_schema(here, "must be a string");
    const std::string& text = ref.get_ref<const std::string&>();
    if (text.compare(0, prefix.size(), prefix) != 0 || text.find('/', prefix.size()) != std::string::npos) {
      bad_schema(here, "only local references of the form \"#/$defs/name\" are supported, not " + shown(ref));
    }
    std::string name;
    for (size_t i = prefix.size(); i < text.size(); ++i) {
      if (text[i] == '~' && i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
        name += text[++i] == '0' ? '~' : '/';
      } else {
        name += text[i];
      }
    }
    auto defs = root_.find("$defs");
    if (!root_.is_object() || defs == root_.end() || !defs->is_object() || !defs->contains(name)) {
      bad_schema(here, "unknown reference " + shown(ref));
    }
    return (*defs)[name];
  }

  // Length of the longest $ref/allOf/anyOf/oneOf chain starting at `s` (a cycle never ends, so it
  // is caught by the same limit), and whether it marks a secret. Memoized: linear overall.
  const Info& chain(const json& s, const std::string& spath, int on_stack) {
    if (on_stack > kMaxDepth) {
      bad_schema(spath, "$ref, allOf, anyOf and oneOf nest deeper than " + std::to_string(kMaxDepth) +
                            " levels (a reference cycle?)");
    }
    if (auto it = info_.find(&s); it != info_.end()) {
      if (on_stack + it->second.chain <= kMaxDepth) return it->second;
      bad_schema(spath, "$ref, allOf, anyOf and oneOf nest deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    Info info{0, s.is_object() && s.value("writeOnly", false)};
    for (const json* sub : in_place(s)) {
      const Info& below = chain(*sub, spath, on_stack + 1);
      info.chain = std::max(info.chain, below.chain + 1);
      info.secret = info.secret || below.secret;
    }
    return info_[&s] = info;
  }

  // The manager seals secrets by JSON Pointer, so a writeOnly schema must apply only to named
  // properties: one under "items" or "additionalProperties" (no fixed path) or at the root (the
  // whole config) would be stored in the clear, so it is refused here rather than leaked there.
  void check_secret_placement() {
    enum Mode { kRoot, kFixed, kDynamic };
    std::unordered_map<const json*, const std::string*> spath;
    for (const Node& n : nodes_) spath.emplace(n.schema, &n.spath);
    std::set<std::pair<const json*, int>> seen;
    std::vector<std::pair<const json*, Mode>> todo = {{&root_, kRoot}};
    std::unordered_map<const json*, std::vector<const json*>> reverse;  // for leads_to_secret_
    while (!todo.empty()) {
      const json* s = todo.back().first;
      Mode mode = todo.back().second;
      todo.pop_back();
      if (!seen.insert({s, mode}).second || !s->is_object()) continue;
      if (s->value("writeOnly", false) && mode != kFixed) {
        bad_schema(*spath.at(s), mode == kRoot
                                     ? "writeOnly is only supported on properties, not on the whole config"
                                     : "writeOnly is only supported on properties at a fixed path, not "
                                       "under items or additionalProperties (the secret could not be sealed)");
      }
      auto visit = [&](const json* sub, Mode m) {
        todo.emplace_back(sub, m);
        if (mode != kDynamic) reverse[sub].push_back(s);
      };
      for (const json* sub : in_place(*s)) visit(sub, mode);
      if (auto props = s->find("properties"); props != s->end()) {
        for (const json& sub : *props) visit(&sub, mode == kDynamic ? kDynamic : kFixed);
      }
      for (const char* key : {"items", "additionalProperties"}) {
        if (auto sub = s->find(key); sub != s->end()) todo.emplace_back(&*sub, kDynamic);
      }
    }
    // Everything that can reach a writeOnly schema through properties and in-place steps.
    std::vector<const json*> marks;
    for (const auto& state : seen) {
      if (state.first->is_object() && state.first->value("writeOnly", false)) marks.push_back(state.first);
    }
    while (!marks.empty()) {
      const json* s = marks.back();
      marks.pop_back();
      if (!leads_to_secret_.insert(s).second) continue;
      if (auto it = reverse.find(s); it != reverse.end())
        marks.insert(marks.end(), it->second.begin(), it->second.end());
    }
  }

  const json& root_;
  std::vector<Node> nodes_;
  std::unordered_map<const json*, const json*> targets_;  // "$ref" value -> definition
  std::unordered_map<const json*, Pattern> patterns_;     // "pattern" value -> compiled
  std::unordered_map<const json*, Info> info_;
  std::unordered_set<const json*> leads_to_secret_;
};

}  // namespace corral::sdk::json_schema_detail
