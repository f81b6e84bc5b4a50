// Fuzzes the config validator. Input without a NUL byte is a document checked against a fixed,
// realistic provider schema; input "SCHEMA\0DOCUMENT" fuzzes both. A bad schema may only throw
// std::invalid_argument, and then from validate_json and secret_paths alike; nothing else may
// escape, crash or recurse without bound; every error path is a JSON Pointer; and no message
// quotes the value of a secret.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "corral/sdk/json_schema.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::string_view kSchema = R"({
  "$defs": {"port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "secret": {"type": "string", "writeOnly": true, "minLength": 8, "pattern": "^[A-Za-z0-9]+$"}},
  "type": "object",
  "properties": {
    "region": {"type": "string", "pattern": "^[a-z]{2}-[a-z]+-[0-9]$"},
    "capacity": {"type": ["integer", "null"], "minimum": 1},
    "ports": {"type": "array", "items": {"$ref": "#/$defs/port"}, "uniqueItems": true, "maxItems": 8},
    "mode": {"enum": ["fast", "safe"]},
    "secret": {"$ref": "#/$defs/secret", "enum": ["abcdefgh"]},
    "auth": {"oneOf": [{"properties": {"token": {"$ref": "#/$defs/secret"}}, "required": ["token"]},
                       {"properties": {"password": {"type": "string", "writeOnly": true, "const": "x"}}}]},
    "nested": {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}}
  },
  "required": ["region"],
  "additionalProperties": false
})";

// Letters and digits mixed, 8 or more: a message's own words and numbers never contain one, so
// if a message does, it quoted a value.
bool is_token(const std::string& s) {
  bool letter = false;
  bool digit = false;
  for (char c : s) {
    letter = letter || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    digit = digit || (c >= '0' && c <= '9');
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return s.size() >= 8 && letter && digit;
}

void check(std::string_view schema, std::string_view document, bool schema_may_be_bad) {
  std::vector<corral::sdk::SchemaError> errors;
  std::vector<std::string> secrets;
  bool usable = true;
  try {
    errors = corral::sdk::validate_json(schema, document);
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(schema_may_be_bad);
    usable = false;
  }
  try {
    secrets = corral::sdk::secret_paths(schema);
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(schema_may_be_bad);
    secrets.clear();
    if (!usable) return;
  }
  FUZZ_CHECK(usable);  // a schema validate_json refuses, secret_paths must refuse too
  for (const auto& e : errors) {
    FUZZ_CHECK(e.path.empty() || e.path[0] == '/');
    FUZZ_CHECK(!e.message.empty());
  }
  for (const auto& p : secrets) FUZZ_CHECK(!p.empty() && p[0] == '/');

  // A secret that is a token found nowhere else in the schema or the document must not appear
  // in a message.
  if (errors.size() == 1 && errors[0].path.empty() && errors[0].message.find("deeper than") != std::string::npos)
    return;
  nlohmann::json doc = nlohmann::json::parse(document, nullptr, false);
  if (doc.is_discarded()) return;
  std::string schema_text = std::string(schema) + nlohmann::json::parse(schema, nullptr, false).dump();
  for (const auto& p : secrets) {
    nlohmann::json::json_pointer pointer(p);
    if (!doc.contains(pointer) || !doc.at(pointer).is_string()) continue;
    std::string value = doc.at(pointer).get<std::string>();
    nlohmann::json rest = doc;
    rest.at(pointer) = nullptr;
    if (!is_token(value) || schema_text.find(value) != std::string::npos ||
        rest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).find(value) != std::string::npos) {
      continue;
    }
    for (const auto& e : errors) FUZZ_CHECK(e.message.find(value) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  if (nul == std::string_view::npos) {
    check(kSchema, input, false);
  } else {
    check(input.substr(0, nul), input.substr(nul + 1), true);
  }
  return 0;
}
