// Provider config validation: a subset of JSON Schema (draft 2020-12) on nlohmann::json, used by
// plugins (the default Provider::validate_config) and by the manager when a config is saved, so
// both judge a config the same way.
//
// Supported keywords: type (a name or a list; "integer" is any number with no fractional part),
// properties, required, additionalProperties (boolean or schema), items, minItems, maxItems,
// uniqueItems, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength and
// maxLength (in code points), pattern (ECMAScript, matched anywhere as the spec says), allOf,
// anyOf, oneOf, $defs with local "$ref": "#/$defs/name", and boolean schemas. Annotations are
// accepted and not checked: title, description, default, examples, deprecated, readOnly,
// writeOnly, format, $schema, $id, $comment. Any other keyword is a mistake in the plugin's schema
// and throws std::invalid_argument naming it, so the author learns at once.
//
// Errors carry a JSON Pointer (RFC 6901) to the offending value and say what was expected. A
// property marked "writeOnly": true is a secret: its value never appears in a message.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace corral::sdk {

struct SchemaError {
  std::string path;     // JSON Pointer of the offending value ("" = the document itself)
  std::string message;  // what is wrong, e.g. "must be >= 1, got 0"
};

namespace json_schema_detail {

using nlohmann::json;

inline constexpr int kMaxDepth = 64;

inline std::string pointer_token(std::string_view key) {
  std::string out;
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

inline std::string type_of(const json& v) {
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
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return type_of(v) == t;
}

inline size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Nesting depth of a JSON text, counted outside strings, without parsing it.
inline int nesting_depth(std::string_view text) {
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
      max = std::max(max, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max;
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) { check_schema(root, "", 0); }

  std::vector<SchemaError> run(const json& document) {
    errors_.clear();
    validate(root_, document, "", false, 0);
    return errors_;
  }

 private:
  static const std::set<std::string>& known_keywords() {
    static const std::set<std::string> k = {
        "type",      "properties", "required", "additionalProperties", "items",    "minItems",
        "maxItems",  "uniqueItems", "enum",    "const",                "minimum",  "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "allOf",
        "anyOf",     "oneOf",      "$defs",    "$ref",                 "title",    "description",
        "default",   "examples",   "deprecated", "readOnly",           "writeOnly", "format",
        "$schema",   "$id",        "$comment"};
    return k;
  }

  void bad_schema(const std::string& spath, const std::string& what) const {
    throw std::invalid_argument("config schema at '" + spath + "': " + what);
  }

  // Checks, once, that the schema uses only what this validator understands.
  void check_schema(const json& s, const std::string& spath, int depth) {
    if (depth > kMaxDepth) bad_schema(spath, "nested deeper than 64 levels");
    if (s.is_boolean()) return;
    if (!s.is_object()) bad_schema(spath, "a schema must be an object or a boolean");
    for (const auto& [key, value] : s.items()) {
      if (!known_keywords().count(key)) bad_schema(spath, "unsupported keyword '" + key + "'");
      std::string here = spath + "/" + pointer_token(key);
      if (key == "properties" || key == "$defs") {
        if (!value.is_object()) bad_schema(here, "must be an object");
        for (const auto& [name, sub] : value.items()) check_schema(sub, here + "/" + pointer_token(name), depth + 1);
      } else if (key == "additionalProperties" || key == "items") {
        check_schema(value, here, depth + 1);
      } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
        if (!value.is_array() || value.empty()) bad_schema(here, "must be a non-empty array");
        for (size_t i = 0; i < value.size(); ++i) check_schema(value[i], here + "/" + std::to_string(i), depth + 1);
      } else if (key == "type") {
        auto check_name = [&](const json& t) {
          static const std::set<std::string> names = {"null", "boolean", "integer", "number",
                                                      "string", "array", "object"};
          if (!t.is_string() || !names.count(t.get<std::string>())) bad_schema(here, "unknown type");
        };
        if (value.is_array()) {
          for (const auto& t : value) check_name(t);
        } else {
          check_name(value);
        }
      } else if (key == "required") {
        if (!value.is_array()) bad_schema(here, "must be an array of names");
        for (const auto& n : value) {
          if (!n.is_string()) bad_schema(here, "must be an array of names");
        }
      } else if (key == "enum") {
        if (!value.is_array()) bad_schema(here, "must be an array");
      } else if (key == "pattern") {
        if (!value.is_string()) bad_schema(here, "must be a string");
        try {
          std::regex re(value.get<std::string>(), std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          bad_schema(here, "not a valid regular expression");
        }
      } else if (key == "$ref") {
        if (!value.is_string()) bad_schema(here, "must be a string");
        resolve(value.get<std::string>(), here);
      } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" ||
                 key == "exclusiveMaximum") {
        if (!value.is_number()) bad_schema(here, "must be a number");
      } else if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength") {
        if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
          bad_schema(here, "must be a non-negative integer");
        }
      }
    }
  }

  const json& resolve(const std::string& ref, const std::string& spath) const {
    const std::string prefix = "#/$defs/";
    if (ref.compare(0, prefix.size(), prefix) != 0) {
      bad_schema(spath, "only local references of the form #/$defs/name are supported");
    }
    std::string name = ref.substr(prefix.size());
    auto defs = root_.find("$defs");
    if (defs == root_.end() || !defs->contains(name)) bad_schema(spath, "unknown reference '" + ref + "'");
    return (*defs)[name];
  }

  void fail(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }

  static std::string shown(const json& v, bool secret) {
    if (secret) return "(secret value)";
    std::string d = v.dump();
    return d.size() > 64 ? d.substr(0, 61) + "..." : d;
  }

  void validate(const json& s, const json& v, const std::string& path, bool secret, int depth) {
    if (depth > kMaxDepth) return fail(path, "nested deeper than 64 levels");
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(path, "is not allowed here");
      return;
    }
    secret = secret || s.value("writeOnly", false);
    if (auto ref = s.find("$ref"); ref != s.end()) {
      validate(resolve(ref->get<std::string>(), path), v, path, secret, depth + 1);
    }
    if (auto t = s.find("type"); t != s.end()) {
      bool ok = false;
      std::string wanted;
      for (const auto& name : t->is_array() ? *t : json::array({*t})) {
        ok = ok || has_type(v, name.get<std::string>());
        wanted += (wanted.empty() ? "" : " or ") + name.get<std::string>();
      }
      if (!ok) return fail(path, "must be " + wanted + ", got " + type_of(v));
    }
    if (auto e = s.find("enum"); e != s.end()) {
      bool found = false;
      for (const auto& option : *e) found = found || option == v;
      if (!found) fail(path, secret ? "is not one of the allowed values" : "must be one of " + e->dump() + ", got " + shown(v, false));
    }
    if (auto c = s.find("const"); c != s.end() && *c != v) {
      fail(path, secret ? "is not the required value" : "must be " + c->dump() + ", got " + shown(v, false));
    }
    if (v.is_number()) check_number(s, v, path, secret);
    if (v.is_string()) check_string(s, v.get_ref<const std::string&>(), path, secret);
    if (v.is_object()) check_object(s, v, path, secret, depth);
    if (v.is_array()) check_array(s, v, path, secret, depth);
    check_combinators(s, v, path, secret, depth);
  }

  void check_number(const json& s, const json& v, const std::string& path, bool secret) {
    double x = v.get<double>();
    auto bound = [&](const char* key, bool below_fails, bool inclusive, const char* op) {
      auto b = s.find(key);
      if (b == s.end()) return;
      double limit = b->get<double>();
      bool bad = below_fails ? (inclusive ? x < limit : x <= limit) : (inclusive ? x > limit : x >= limit);
      if (bad) fail(path, std::string("must be ") + op + " " + b->dump() + (secret ? "" : ", got " + v.dump()));
    };
    bound("minimum", true, true, ">=");
    bound("exclusiveMinimum", true, false, ">");
    bound("maximum", false, true, "<=");
    bound("exclusiveMaximum", false, false, "<");
  }

  void check_string(const json& s, const std::string& str, const std::string& path, bool secret) {
    size_t n = code_points(str);
    if (auto m = s.find("minLength"); m != s.end() && n < m->get<size_t>()) {
      fail(path, "must be at least " + m->dump() + " characters long" + (secret ? "" : ", got " + std::to_string(n)));
    }
    if (auto m = s.find("maxLength"); m != s.end() && n > m->get<size_t>()) {
      fail(path, "must be at most " + m->dump() + " characters long" + (secret ? "" : ", got " + std::to_string(n)));
    }
    if (auto p = s.find("pattern"); p != s.end()) {
      std::regex re(p->get<std::string>(), std::regex::ECMAScript);
      if (!std::regex_search(str, re)) {
        fail(path, "must match the pattern " + p->dump() + (secret ? "" : ", got " + shown(json(str), false)));
      }
    }
  }

  void check_object(const json& s, const json& v, const std::string& path, bool secret, int depth) {
    if (auto r = s.find("required"); r != s.end()) {
      for (const auto& name : *r) {
        if (!v.contains(name.get<std::string>())) {
          fail(path + "/" + pointer_token(name.get<std::string>()), "is required");
        }
      }
    }
    auto props = s.find("properties");
    auto extra = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      std::string here = path + "/" + pointer_token(key);
      if (props != s.end() && props->contains(key)) {
        validate((*props)[key], value, here, secret, depth + 1);
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) {
          fail(here, "is not a known property");
        } else {
          validate(*extra, value, here, secret, depth + 1);
        }
      }
    }
  }

  void check_array(const json& s, const json& v, const std::string& path, bool secret, int depth) {
    if (auto m = s.find("minItems"); m != s.end() && v.size() < m->get<size_t>()) {
      fail(path, "must have at least " + m->dump() + " items, got " + std::to_string(v.size()));
    }
    if (auto m = s.find("maxItems"); m != s.end() && v.size() > m->get<size_t>()) {
      fail(path, "must have at most " + m->dump() + " items, got " + std::to_string(v.size()));
    }
    if (auto u = s.find("uniqueItems"); u != s.end() && u->is_boolean() && u->get<bool>()) {
      for (size_t i = 0; i < v.size(); ++i) {
        for (size_t j = i + 1; j < v.size(); ++j) {
          if (v[i] == v[j]) {
            fail(path + "/" + std::to_string(j), "repeats item " + std::to_string(i));
            break;
          }
        }
      }
    }
    if (auto items = s.find("items"); items != s.end()) {
      for (size_t i = 0; i < v.size(); ++i) validate(*items, v[i], path + "/" + std::to_string(i), secret, depth + 1);
    }
  }

  void check_combinators(const json& s, const json& v, const std::string& path, bool secret, int depth) {
    auto passes = [&](const json& sub) {
      std::vector<SchemaError> saved;
      saved.swap(errors_);
      validate(sub, v, path, secret, depth + 1);
      bool ok = errors_.empty();
      errors_.swap(saved);
      return ok;
    };
    if (auto all = s.find("allOf"); all != s.end()) {
      for (const auto& sub : *all) validate(sub, v, path, secret, depth + 1);
    }
    if (auto any = s.find("anyOf"); any != s.end()) {
      bool ok = false;
      for (const auto& sub : *any) ok = ok || passes(sub);
      if (!ok) fail(path, "must match at least one of the " + std::to_string(any->size()) + " alternatives (anyOf)");
    }
    if (auto one = s.find("oneOf"); one != s.end()) {
      int matched = 0;
      for (const auto& sub : *one) matched += passes(sub);
      if (matched != 1) {
        fail(path, "must match exactly one of the " + std::to_string(one->size()) + " alternatives (oneOf), matched " +
                       std::to_string(matched));
      }
    }
  }

  const json& root_;
  std::vector<SchemaError> errors_;
};

inline json parse_schema(std::string_view schema) {
  if (nesting_depth(schema) > kMaxDepth) throw std::invalid_argument("config schema nested deeper than 64 levels");
  json s = json::parse(schema, nullptr, /*allow_exceptions=*/false);
  if (s.is_discarded()) throw std::invalid_argument("config schema is not valid JSON");
  return s;
}

inline void collect_secrets(const json& s, const std::string& path, std::vector<std::string>* out) {
  if (!s.is_object()) return;
  auto props = s.find("properties");
  if (props == s.end() || !props->is_object()) return;
  for (const auto& [name, sub] : props->items()) {
    std::string here = path + "/" + pointer_token(name);
    if (sub.is_object() && sub.value("writeOnly", false)) {
      out->push_back(here);
    } else {
      collect_secrets(sub, here, out);
    }
  }
}

}  // namespace json_schema_detail

// Validates an already-parsed document. Throws std::invalid_argument for an unusable schema.
inline std::vector<SchemaError> validate_json_value(const nlohmann::json& schema, const nlohmann::json& document) {
  return json_schema_detail::Validator(schema).run(document);
}

// Validates the JSON text `document` against the JSON Schema text `schema`. A document that is not
// JSON is one error at path "" naming line and column. Throws std::invalid_argument when the schema
// is not JSON or uses a keyword outside the supported subset.
inline std::vector<SchemaError> validate_json(std::string_view schema, std::string_view document) {
  using nlohmann::json;
  json s = json_schema_detail::parse_schema(schema);
  json_schema_detail::Validator validator(s);
  if (json_schema_detail::nesting_depth(document) > json_schema_detail::kMaxDepth) {
    return {{"", "is nested deeper than 64 levels"}};
  }
  json doc;
  try {
    doc = json::parse(document);
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line and column.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < offset && i < document.size(); ++i) {
      if (document[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return {{"", "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column)}};
  }
  return validator.run(doc);
}

// JSON Pointers of every property marked "writeOnly": true (secrets), e.g. {"/api_key",
// "/azure/client_secret"}, recursing into nested object properties. Throws like validate_json.
inline std::vector<std::string> secret_paths(std::string_view schema) {
  std::vector<std::string> out;
  json_schema_detail::collect_secrets(json_schema_detail::parse_schema(schema), "", &out);
  return out;
}

}  // namespace corral::sdk
