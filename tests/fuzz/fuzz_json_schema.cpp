// Fuzzes the config validator. Input without a NUL byte is a document checked against a fixed,
// realistic provider schema; input "SCHEMA\0DOCUMENT" fuzzes both. A bad schema may only throw
// std::invalid_argument; nothing else may escape, crash or recurse without bound, and every error
// path is a JSON Pointer.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "corral/sdk/json_schema.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::string_view kSchema = R"({
  "$defs": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}},
  "type": "object",
  "properties": {
    "region": {"type": "string", "pattern": "^[a-z]{2}-[a-z]+-[0-9]$"},
    "capacity": {"type": ["integer", "null"], "minimum": 1},
    "ports": {"type": "array", "items": {"$ref": "#/$defs/port"}, "uniqueItems": true, "maxItems": 8},
    "mode": {"enum": ["fast", "safe"]},
    "secret": {"type": "string", "writeOnly": true, "minLength": 8},
    "nested": {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}}
  },
  "required": ["region"],
  "additionalProperties": false
})";

void check(std::string_view schema, std::string_view document, bool schema_may_be_bad) {
  std::vector<corral::sdk::SchemaError> errors;
  try {
    errors = corral::sdk::validate_json(schema, document);
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(schema_may_be_bad);
    return;
  }
  for (const auto& e : errors) {
    FUZZ_CHECK(e.path.empty() || e.path[0] == '/');
    FUZZ_CHECK(!e.message.empty());
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
