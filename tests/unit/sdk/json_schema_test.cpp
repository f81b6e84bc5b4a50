// The SDK's config validator: each supported keyword, error paths and messages, secrets, and
// refusal of schemas it does not understand.
#include "corral/sdk/json_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace corral::sdk {
namespace {

std::string joined(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "[" + e.path + "] " + e.message + "\n";
  return out;
}

struct Case {
  const char* name;
  const char* schema;
  const char* document;
  std::vector<std::string> paths;     // expected error paths, in order; empty: valid
  const char* message_part = nullptr;  // expected in the first message
};

class ValidateJsonTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateJsonTest, ReportsExactlyTheExpectedErrors) {
  const Case& c = GetParam();
  auto errors = validate_json(c.schema, c.document);
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.path);
  EXPECT_EQ(paths, c.paths) << joined(errors);
  if (c.message_part && !errors.empty()) {
    EXPECT_NE(errors[0].message.find(c.message_part), std::string::npos) << errors[0].message;
  }
}

const char* kObject = R"({"type":"object","properties":{
  "region":{"type":"string","minLength":2,"pattern":"^[a-z]+-[0-9]$"},
  "count":{"type":"integer","minimum":1,"maximum":10},
  "ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
  "mode":{"enum":["fast","safe"]},
  "zones":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"uniqueItems":true},
  "nested":{"type":"object","properties":{"a/b":{"type":"boolean"},"t~x":{"const":3}},"additionalProperties":false}
},"required":["region"],"additionalProperties":false})";

INSTANTIATE_TEST_SUITE_P(
    Keywords, ValidateJsonTest,
    ::testing::Values(
        Case{"valid", kObject, R"({"region":"eu-1","count":3,"ratio":0.5,"mode":"safe","zones":["a","b"]})", {}},
        Case{"required", kObject, R"({})", {"/region"}, "is required"},
        Case{"wrong_type", kObject, R"({"region":5})", {"/region"}, "must be string, got integer"},
        Case{"integer_accepts_whole_float", kObject, R"({"region":"eu-1","count":3.0})", {}},
        Case{"integer_refuses_fraction", kObject, R"({"region":"eu-1","count":3.5})", {"/count"}, "must be integer"},
        Case{"minimum", kObject, R"({"region":"eu-1","count":0})", {"/count"}, "must be >= 1, got 0"},
        Case{"maximum", kObject, R"({"region":"eu-1","count":11})", {"/count"}, "must be <= 10"},
        Case{"exclusive_bounds", kObject, R"({"region":"eu-1","ratio":1})", {"/ratio"}, "must be < 1"},
        Case{"exclusive_min", kObject, R"({"region":"eu-1","ratio":0})", {"/ratio"}, "must be > 0"},
        Case{"min_length_and_pattern", kObject, R"({"region":"e"})", {"/region", "/region"}, "at least 2"},
        Case{"pattern", kObject, R"({"region":"eu-x"})", {"/region"}, "must match the pattern"},
        Case{"enum", kObject, R"({"region":"eu-1","mode":"slow"})", {"/mode"}, "must be one of"},
        Case{"unknown_property", kObject, R"({"region":"eu-1","colour":1})", {"/colour"}, "not a known property"},
        Case{"items_and_unique", kObject, R"({"region":"eu-1","zones":["a",1,"a"]})", {"/zones/2", "/zones/1"}},
        Case{"min_items", kObject, R"({"region":"eu-1","zones":[]})", {"/zones"}, "at least 1 items"},
        Case{"max_items", kObject, R"({"region":"eu-1","zones":["a","b","c","d"]})", {"/zones"}, "at most 3"},
        Case{"pointer_escaping", kObject, R"({"region":"eu-1","nested":{"a/b":1,"t~x":4}})",
             {"/nested/a~1b", "/nested/t~0x"}},
        Case{"every_error_reported", kObject, R"({"count":0,"mode":"x","extra":true})",
             {"/region", "/count", "/extra", "/mode"}},
        Case{"not_json", kObject, "{\n  \"region\": ,\n}", {""}, "line 2, column 13"},
        Case{"ref", R"({"$defs":{"port":{"type":"integer","minimum":1,"maximum":65535}},
                      "type":"object","properties":{"p":{"$ref":"#/$defs/port"}}})",
             R"({"p":0})", {"/p"}, ">= 1"},
        Case{"any_of", R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "true", {""}, "at least one"},
        Case{"one_of", R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "3", {""}, "matched 2"},
        Case{"all_of", R"({"allOf":[{"minimum":2},{"maximum":1}]})", "3", {""}, "<= 1"},
        Case{"code_points", R"({"type":"string","maxLength":2})", "\"\u00e9\u00e9\"", {}},
        Case{"false_schema", R"({"properties":{"x":false}})", R"({"x":1})", {"/x"}, "not allowed"}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(JsonSchemaTest, SecretValuesNeverAppearInMessages) {
  const char* schema = R"({"type":"object","properties":{
    "key":{"type":"string","writeOnly":true,"minLength":40,"pattern":"^AKIA","enum":["x"]}}})";
  auto errors = validate_json(schema, R"({"key":"hunter2-very-secret"})");
  ASSERT_EQ(errors.size(), 3u) << joined(errors);
  for (const auto& e : errors) {
    EXPECT_EQ(e.message.find("hunter2"), std::string::npos) << e.message;
    EXPECT_EQ(e.path, "/key");
  }
}

TEST(JsonSchemaTest, SecretPathsListsWriteOnlyPropertiesAtAnyDepth) {
  auto paths = secret_paths(R"({"type":"object","properties":{
    "api_key":{"type":"string","writeOnly":true},
    "region":{"type":"string"},
    "azure":{"type":"object","properties":{"client_secret":{"type":"string","writeOnly":true},
                                           "tenant":{"type":"string"}}}}})");
  EXPECT_EQ(paths, (std::vector<std::string>{"/api_key", "/azure/client_secret"}));
}

TEST(JsonSchemaTest, UnsupportedKeywordInTheSchemaIsRefusedWithItsPath) {
  try {
    validate_json(R"({"properties":{"a":{"type":"string","if":{}}}})", "{}");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/properties/a"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'if'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(validate_json("not json", "{}"), std::invalid_argument);
  EXPECT_THROW(validate_json(R"({"type":"text"})", "{}"), std::invalid_argument);
  EXPECT_THROW(validate_json(R"({"pattern":"("})", "{}"), std::invalid_argument);
  EXPECT_THROW(validate_json(R"({"$ref":"http://example.com/s"})", "{}"), std::invalid_argument);
}

TEST(JsonSchemaTest, HostileNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  auto errors = validate_json(R"({"type":"object"})", deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("deeper than 64"), std::string::npos);
}

}  // namespace
}  // namespace corral::sdk
