// The config validator's entry points (corral/sdk/json_schema.h). Compiled once per build: in the
// Corral tree as corral_sdk_json_schema, and in a plugin's own build by the SDK's CMake package.
#include "corral/sdk/json_schema.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "corral/sdk/detail/json_schema_checked.h"
#include "corral/sdk/detail/json_schema_secrets.h"
#include "corral/sdk/detail/json_schema_support.h"
#include "corral/sdk/detail/json_schema_validator.h"

namespace corral::sdk {

std::vector<SchemaError> validate_json(std::string_view schema, std::string_view document) {
  using namespace json_schema_detail;
  json s = parse_schema(schema);
  CheckedSchema checked(s);
  std::string error;
  json doc = parse(document, &error);
  if (doc.is_discarded()) return {{"", error}};
  return Validator(checked).run(doc);
}

std::vector<std::string> secret_paths(std::string_view schema) {
  using namespace json_schema_detail;
  json s = parse_schema(schema);
  CheckedSchema checked(s);
  return SecretPaths(checked).run();
}

namespace json_schema_detail {

std::vector<SchemaError> validate_parsed(const json& schema, const json& document) {
  CheckedSchema checked(schema);
  if (deeper_than(document, kMaxDepth)) return {{"", "is nested deeper than " + std::to_string(kMaxDepth) + " levels"}};
  return Validator(checked).run(document);
}

std::vector<std::string> secret_paths_parsed(const json& schema) {
  CheckedSchema checked(schema);
  return SecretPaths(checked).run();
}

}  // namespace json_schema_detail
}  // namespace corral::sdk
