// Provider config validation: a subset of JSON Schema draft 2020-12 on nlohmann::json, used by
// plugins (the default Provider::validate_config) and by the manager when a config is saved, so
// both judge a config the same way.
//
// Keywords checked:
//   type                 a name or a list of names; "integer" is any number without a fraction
//                        (3.0 included). A value of the wrong type gets only that error.
//   properties, required, additionalProperties (a boolean or a schema)
//   items (one schema for every item), minItems, maxItems, uniqueItems (1 and 1.0 are equal)
//   enum, const
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers; integers compared exactly)
//   minLength, maxLength (counted in code points)
//   pattern              ECMAScript as std::regex reads it, byte-based (no Unicode classes), and
//                        found anywhere in the string as the spec says: anchor with ^...$ to
//                        match all of it. Back-references, patterns over 1 KiB and patterns
//                        that repeat into more than 10,000 states are refused; a string longer
//                        than 4 KiB is reported as too long to check rather than matched.
//   allOf, anyOf, oneOf, $defs with local references "$ref": "#/$defs/name" (the root's $defs,
//                        name escaped as in a JSON Pointer), and the boolean schemas true/false.
// Annotations accepted and not checked: title, description, default, examples, deprecated,
// readOnly, writeOnly (see secrets), format (no format is asserted, as the 2020-12 default),
// $schema, $id, $comment. Any other keyword, a malformed keyword value, an unresolvable $ref, a
// $ref/allOf/anyOf/oneOf cycle or a misplaced writeOnly makes the schema unusable: these
// functions throw std::invalid_argument naming the problem and its path in the schema, so the
// plugin's author learns at once (the conformance kit validates every plugin's schema).
//
// Errors: one per violation, every violation, in a fixed order. For each value: what its $ref
// finds, then type, enum, const, the number, string, object (required, then members in key
// order) and array keywords (minItems, maxItems, uniqueItems, then items in order), then allOf,
// anyOf and oneOf (which report one error each, not their branches'). Each has the JSON Pointer
// (RFC 6901: "~" written "~0", "/" written "~1") of the offending value and says what was
// expected and what was found. A document that is not JSON is one error at path "" with the
// 1-based line and column (in bytes) where parsing failed.
//
// Secrets: a property whose schema says "writeOnly": true (directly or through $ref, allOf, anyOf
// or oneOf) holds a secret. Its value, and anything inside it, never appears in a message; and
// secret_paths() lists where secrets sit, so the manager can seal them. Because they are sealed by
// path, writeOnly is refused where no fixed path exists: on the root schema, under items or under
// additionalProperties.
//
// Hostile input: documents and schemas nested deeper than 64 levels are refused before any
// recursive code sees them, in-place chains are limited to 64 steps, and one validation applies
// at most 1,000,000 schemas (past that, one error says the document is too complex) so shared
// $defs under allOf cannot multiply the work. Patterns run in linear time with libstdc++, and a
// match counts against that budget in proportion to the string's length times the pattern's size
// (1 per 64 bytes for each state), charged before it runs: a match that would overspend the budget
// is not run. The budget counts work, not time, so a schema and a document get the same answer on
// any machine, however busy. uniqueItems sorts rather than comparing every pair.
//
// Text and parsed forms: validate_json and secret_paths take JSON text, or nlohmann::json values
// (the same checks, without parsing).
//
// The implementation is compiled once, in json_schema.cpp (the SDK's CMake package builds it into
// every plugin like the provider protobuf code): std::regex and the validator cost about half a
// minute of compile time in each file that would otherwise include them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace corral::sdk {

struct SchemaError {
  std::string path;     // JSON Pointer of the offending value ("" = the document itself)
  std::string message;  // what is wrong, e.g. "must be >= 1, got 0"
};

namespace json_schema_detail {

template <typename J>
using IfJson = std::enable_if_t<std::is_same_v<J, nlohmann::json>, int>;

std::vector<SchemaError> validate_parsed(const nlohmann::json& schema, const nlohmann::json& document);
std::vector<std::string> secret_paths_parsed(const nlohmann::json& schema);

}  // namespace json_schema_detail

// Validates the JSON text `document` against the JSON Schema text `schema`. Throws
// std::invalid_argument when the schema is not JSON or not usable (see above).
std::vector<SchemaError> validate_json(std::string_view schema, std::string_view document);

// The same for values already parsed. (A template only so that string literals still pick the
// text overload above instead of being ambiguous.)
template <typename J, json_schema_detail::IfJson<J> = 0>
std::vector<SchemaError> validate_json(const J& schema, const J& document) {
  return json_schema_detail::validate_parsed(schema, document);
}

// Kept for existing callers: validate_json() on parsed values.
inline std::vector<SchemaError> validate_json_value(const nlohmann::json& schema, const nlohmann::json& document) {
  return json_schema_detail::validate_parsed(schema, document);
}

// JSON Pointers of every property holding a secret (see above), e.g. {"/api_key",
// "/azure/client_secret"}, following nested object properties, $ref, allOf, anyOf and oneOf, in
// key order, up to the 64 levels a document may have. Throws like validate_json, and also when
// more than 10,000 paths would be listed (a recursive schema that branches).
std::vector<std::string> secret_paths(std::string_view schema);

template <typename J, json_schema_detail::IfJson<J> = 0>
std::vector<std::string> secret_paths(const J& schema) {
  return json_schema_detail::secret_paths_parsed(schema);
}

}  // namespace corral::sdk
