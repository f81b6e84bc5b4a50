// The SDK's config validator: each supported keyword, error paths, messages and order, secrets,
// refusal of schemas it does not understand, and hostile input.
#include "corral/sdk/json_schema.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ostream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "corral/sdk/detail/json_schema_validator.h"

namespace corral::sdk {
namespace {

using nlohmann::json;

std::string joined(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "[" + e.path + "] " + e.message + "\n";
  return out;
}

struct Expect {
  std::string path;
  std::string part;  // expected somewhere in the message
};

struct Case {
  const char* name;
  const char* schema;
  std::string document;
  std::vector<Expect> errors;  // in order; empty: valid
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ValidateJsonTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateJsonTest, ReportsExactlyTheExpectedErrors) {
  const Case& c = GetParam();
  auto errors = validate_json(c.schema, c.document);
  ASSERT_EQ(errors.size(), c.errors.size()) << joined(errors);
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].path, c.errors[i].path) << joined(errors);
    EXPECT_NE(errors[i].message.find(c.errors[i].part), std::string::npos) << joined(errors);
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
    Object, ValidateJsonTest,
    ::testing::Values(
        Case{"valid", kObject, R"({"region":"eu-1","count":3,"ratio":0.5,"mode":"safe","zones":["a","b"]})", {}},
        Case{"required", kObject, R"({})", {{"/region", "is required"}}},
        Case{"wrong_type", kObject, R"({"region":5})", {{"/region", "must be string, got integer"}}},
        Case{"integer_accepts_whole_float", kObject, R"({"region":"eu-1","count":3.0})", {}},
        Case{"integer_refuses_fraction",
             kObject,
             R"({"region":"eu-1","count":3.5})",
             {{"/count", "must be integer, got number"}}},
        Case{"minimum", kObject, R"({"region":"eu-1","count":0})", {{"/count", "must be >= 1, got 0"}}},
        Case{"maximum", kObject, R"({"region":"eu-1","count":11})", {{"/count", "must be <= 10, got 11"}}},
        Case{"bounds_inclusive", kObject, R"({"region":"eu-1","count":10})", {}},
        Case{"exclusive_max", kObject, R"({"region":"eu-1","ratio":1})", {{"/ratio", "must be < 1, got 1"}}},
        Case{"exclusive_min", kObject, R"({"region":"eu-1","ratio":0})", {{"/ratio", "must be > 0, got 0"}}},
        Case{"min_length_then_pattern",
             kObject,
             R"({"region":"e"})",
             {{"/region", "at least 2 characters long, got 1"}, {"/region", "must match the pattern"}}},
        Case{"pattern_echoes_value", kObject, R"({"region":"eu-x"})", {{"/region", R"(got "eu-x")"}}},
        Case{"enum",
             kObject,
             R"({"region":"eu-1","mode":"slow"})",
             {{"/mode", R"(must be one of ["fast","safe"], got "slow")"}}},
        Case{"unknown_property", kObject, R"({"region":"eu-1","colour":1})", {{"/colour", "not a known property"}}},
        Case{"unique_before_items",
             kObject,
             R"({"region":"eu-1","zones":["a",1,"a"]})",
             {{"/zones/2", "repeats item 0"}, {"/zones/1", "must be string"}}},
        Case{"min_items", kObject, R"({"region":"eu-1","zones":[]})", {{"/zones", "at least 1 items, got 0"}}},
        Case{"max_items",
             kObject,
             R"({"region":"eu-1","zones":["a","b","c","d"]})",
             {{"/zones", "at most 3 items, got 4"}}},
        Case{"pointer_escaping",
             kObject,
             R"({"region":"eu-1","nested":{"a/b":1,"t~x":4}})",
             {{"/nested/a~1b", "must be boolean"}, {"/nested/t~0x", "must be 3, got 4"}}},
        Case{
            "every_error_in_key_order",
            kObject,
            R"({"count":0,"mode":"x","extra":true})",
            {{"/region", "is required"}, {"/count", ">= 1"}, {"/extra", "not a known property"}, {"/mode", "one of"}}}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Keywords, ValidateJsonTest,
    ::testing::Values(
        Case{"type_list", R"({"type":["integer","null"]})", "null", {}},
        Case{"type_list_mismatch",
             R"({"type":["integer","null"]})",
             R"("x")",
             {{"", "must be integer or null, got string"}}},
        Case{"type_error_hides_other_keywords",
             R"({"type":"string","minimum":5,"enum":["a"]})",
             "1",
             {{"", "must be string"}}},
        Case{"number_accepts_integer", R"({"type":"number"})", "7", {}},
        Case{"integers_compared_exactly",
             R"({"maximum":9007199254740993})",
             "9007199254740994",
             {{"", "must be <= 9007199254740993, got 9007199254740994"}}},
        Case{"integers_compared_exactly_ok", R"({"maximum":9007199254740993})", "9007199254740992", {}},
        Case{"negative_and_unsigned", R"({"minimum":-1})", "18446744073709551615", {}},
        Case{"float_bound", R"({"minimum":0.5})", "0", {{"", "must be >= 0.5, got 0"}}},
        Case{"length_in_code_points", R"({"type":"string","maxLength":2})", "\"\u00e9\u00e9\"", {}},
        Case{"length_in_code_points_over",
             R"({"type":"string","maxLength":2})",
             "\"\u00e9\u00e9\u00e9\"",
             {{"", "at most 2 characters long, got 3"}}},
        Case{"whole_float_counts", R"({"minLength":2.0})", R"("a")", {{"", "at least 2.0 characters"}}},
        Case{"pattern_searches_anywhere", R"({"pattern":"b+"})", R"("abbc")", {}},
        Case{"pattern_anchored", R"({"pattern":"^b+$"})", R"("abbc")", {{"", "must match the pattern \"^b+$\""}}},
        Case{"unique_numbers_compare_by_value",
             R"({"uniqueItems":true})",
             "[1, 1.0, 2, [1], [1.0], {\"a\":1}]",
             {{"/1", "repeats item 0"}, {"/4", "repeats item 3"}}},
        Case{"unique_false_allows_repeats", R"({"uniqueItems":false})", "[1,1]", {}},
        Case{"const_object", R"({"const":{"a":[1,2]}})", R"({"a":[1,2]})", {}},
        Case{"const_object_mismatch", R"({"const":{"a":[1,2]}})", R"({"a":[2,1]})", {{"", R"(must be {"a":[1,2]})"}}},
        Case{"additional_properties_schema",
             R"({"properties":{"a":{}},"additionalProperties":{"type":"integer"}})",
             R"({"a":"x","b":1,"c":"y"})",
             {{"/c", "must be integer"}}},
        Case{"required_ignores_non_objects", R"({"required":["a"]})", "[]", {}},
        Case{"required_pointer_escaped", R"({"required":["a/b"]})", "{}", {{"/a~1b", "is required"}}},
        Case{"items_every_item",
             R"({"items":{"minimum":0}})",
             "[0,-1,2,-3]",
             {{"/1", ">= 0, got -1"}, {"/3", ">= 0, got -3"}}},
        Case{"ref",
             R"({"$defs":{"port":{"type":"integer","minimum":1,"maximum":65535}},
                      "type":"object","properties":{"p":{"$ref":"#/$defs/port"}}})",
             R"({"p":0})",
             {{"/p", ">= 1"}}},
        Case{"ref_name_escaped",
             R"({"$defs":{"a/b":{"type":"string"}},"$ref":"#/$defs/a~1b"})",
             "1",
             {{"", "must be string"}}},
        Case{"ref_with_siblings",
             R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":1})",
             R"("ab")",
             {{"", "at most 1"}}},
        Case{"any_of_matches", R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "3", {}},
        Case{"any_of_none",
             R"({"anyOf":[{"type":"string"},{"type":"integer"}]})",
             "true",
             {{"", "at least one of the 2 schemas in anyOf, matched none"}}},
        Case{"one_of_two", R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "3", {{"", "oneOf, matched 2"}}},
        Case{"one_of_one", R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "3.5", {}},
        Case{"one_of_none", R"({"oneOf":[{"type":"string"}]})", "3", {{"", "oneOf, matched 0"}}},
        Case{"all_of_reports_each", R"({"allOf":[{"minimum":5},{"maximum":1}]})", "3", {{"", ">= 5"}, {"", "<= 1"}}},
        Case{"false_schema", R"({"properties":{"x":false}})", R"({"x":1})", {{"/x", "not allowed"}}},
        Case{"true_schema", "true", R"({"anything":[1]})", {}},
        Case{"format_not_asserted", R"({"type":"string","format":"email"})", R"("not an email")", {}},
        Case{"annotations_accepted",
             R"({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","$comment":"c","title":"t",
                 "description":"d","default":1,"examples":[1],"deprecated":false,"readOnly":true})",
             "1",
             {}}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    NotJson, ValidateJsonTest,
    ::testing::Values(
        Case{"position", R"({})", "{\n  \"region\": ,\n}", {{"", "line 2, column 13"}}},
        Case{"empty", R"({})", "", {{"", "not valid JSON (syntax error at line 1, column 1)"}}},
        Case{"trailing_garbage", R"({})", "{} x", {{"", "line 1, column 4"}}},
        Case{"invalid_utf8", R"({})", "\"\xff\"", {{"", "not valid JSON"}}},
        Case{"number_out_of_range", R"({})", "[1e999]", {{"", "number out of range at line 1, column 6"}}}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(JsonSchemaTest, NotJsonNeverQuotesTheDocument) {
  auto errors = validate_json(R"({})", R"({"password": "hunter2)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message.find("hunter2"), std::string::npos) << errors[0].message;
}

TEST(JsonSchemaTest, LongValuesAreCutOnACharacterBoundary) {
  std::string value(58, 'a');
  for (int i = 0; i < 10; ++i) value += "\u00e9";
  auto errors = validate_json(R"({"const":"x"})", "\"" + value + "\"");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("..."), std::string::npos);
  EXPECT_LT(errors[0].message.size(), 100u);
  EXPECT_NO_THROW((void)json(errors[0].message).dump()) << "message is not valid UTF-8";
}

TEST(JsonSchemaTest, ParsedValuesGiveTheSameAnswer) {
  json schema = json::parse(kObject);
  json document = json::parse(R"({"count":0,"mode":"x","extra":true})");
  auto parsed = validate_json(schema, document);
  auto text = validate_json(kObject, document.dump());
  ASSERT_EQ(parsed.size(), 4u);
  for (size_t i = 0; i < parsed.size(); ++i) {
    EXPECT_EQ(parsed[i].path, text[i].path);
    EXPECT_EQ(parsed[i].message, text[i].message);
  }
  EXPECT_EQ(validate_json_value(schema, document).size(), 4u);
}

TEST(JsonSchemaTest, InvalidUtf8InAParsedValueIsShownReplaced) {
  auto errors = validate_json(json::parse(R"({"const":"x"})"), json(std::string("a\xff")));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NO_THROW((void)json(errors[0].message).dump());
}

// ---- Schemas the validator refuses.

struct Refused {
  const char* name;
  const char* schema;
  const char* where;  // schema path, quoted as in the message
  const char* what;
};

void PrintTo(const Refused& c, std::ostream* os) { *os << c.name; }

class RefusedSchemaTest : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedSchemaTest, ThrowsNamingThePathAndTheProblem) {
  const Refused& c = GetParam();
  for (int api = 0; api < 2; ++api) {
    try {
      if (api == 0) {
        validate_json(c.schema, "{}");
      } else {
        secret_paths(c.schema);
      }
      ADD_FAILURE() << "expected std::invalid_argument from " << (api == 0 ? "validate_json" : "secret_paths");
    } catch (const std::invalid_argument& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(std::string("'") + c.where + "'"), std::string::npos) << what;
      EXPECT_NE(what.find(c.what), std::string::npos) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RefusedSchemaTest,
    ::testing::Values(
        Refused{"unknown_keyword", R"({"properties":{"a":{"type":"string","if":{}}}})", "/properties/a", "'if'"},
        Refused{"unknown_keyword_escaped_path", R"({"properties":{"a/b":{"patternProperties":{}}}})",
                "/properties/a~1b", "'patternProperties'"},
        Refused{"not_a_schema", R"({"items":3})", "/items", "object or a boolean"},
        Refused{"unknown_type", R"({"type":"text"})", "/type", "unknown type \"text\""},
        Refused{"empty_type_list", R"({"type":[]})", "/type", "at least one type"},
        Refused{"required_not_names", R"({"required":[1]})", "/required", "property names"},
        Refused{"enum_not_array", R"({"enum":1})", "/enum", "must be an array"},
        Refused{"bad_count", R"({"minLength":-1})", "/minLength", "non-negative integer"},
        Refused{"fractional_count", R"({"maxItems":1.5})", "/maxItems", "non-negative integer"},
        Refused{"bound_not_number", R"({"minimum":"1"})", "/minimum", "must be a number"},
        Refused{"write_only_not_boolean", R"({"properties":{"k":{"writeOnly":1}}})", "/properties/k/writeOnly",
                "true or false"},
        Refused{"unique_items_not_boolean", R"({"uniqueItems":"yes"})", "/uniqueItems", "true or false"},
        Refused{"empty_any_of", R"({"anyOf":[]})", "/anyOf", "non-empty array"},
        Refused{"bad_regex", R"({"pattern":"("})", "/pattern", "not a valid regular expression"},
        Refused{"back_reference", R"({"pattern":"(a)\\1"})", "/pattern", "back-reference"},
        Refused{"huge_repeat", R"({"pattern":"a{100000}"})", "/pattern", "repeats too much"},
        Refused{"nested_repeat", R"({"pattern":"(a{100}){1000}"})", "/pattern", "repeats too much"},
        // std::regex would overflow reading these counts, even in braces it then rejects.
        Refused{"count_overflow", R"({"pattern":"a{99999999999999999999999}"})", "/pattern", "repeats too much"},
        Refused{"malformed_count_overflow", R"({"pattern":"a{0001000000000000000000000000,8~}"})", "/pattern",
                "repeats too much"},
        Refused{"octal_escape", R"({"pattern":"\\01"})", "/pattern", "back-reference"},
        Refused{"remote_ref", R"({"$ref":"http://example.com/s"})", "/$ref", "only local references"},
        Refused{"deep_ref", R"({"$defs":{"a":{}},"$ref":"#/$defs/a/properties/b"})", "/$ref", "only local references"},
        Refused{"unknown_ref", R"({"$ref":"#/$defs/missing"})", "/$ref", "unknown reference"},
        Refused{"ref_cycle",
                R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"})", "",
                "reference cycle"},
        Refused{"write_only_root", R"({"writeOnly":true})", "", "not on the whole config"},
        Refused{"write_only_items", R"({"properties":{"keys":{"items":{"type":"string","writeOnly":true}}}})",
                "/properties/keys/items", "not under items or additionalProperties"},
        Refused{"write_only_additional", R"({"$defs":{"s":{"writeOnly":true}},"properties":{"a":{"$ref":"#/$defs/s"}},
                                           "additionalProperties":{"$ref":"#/$defs/s"}})",
                "/$defs/s", "not under items or additionalProperties"}),
    [](const ::testing::TestParamInfo<Refused>& p) { return std::string(p.param.name); });

TEST(JsonSchemaTest, SchemaThatIsNotJsonIsRefused) {
  EXPECT_THROW(validate_json("{", "{}"), std::invalid_argument);
  EXPECT_THROW(secret_paths("not json"), std::invalid_argument);
}

TEST(JsonSchemaTest, LongPatternIsRefused) {
  std::string schema = R"({"pattern":")" + std::string(1025, 'a') + R"("})";
  EXPECT_THROW(validate_json(schema, "1"), std::invalid_argument);
  schema = R"({"pattern":")" + std::string(1024, 'a') + R"("})";
  EXPECT_NO_THROW(validate_json(schema, "1"));
}

// ---- Secrets.

struct Secret {
  const char* name;
  const char* schema;  // "key" is secret in each
  const char* document;
  const char* value;  // the secret, as a message would quote it
  size_t errors;
};

void PrintTo(const Secret& c, std::ostream* os) { *os << c.name; }

class SecretValueTest : public ::testing::TestWithParam<Secret> {};

// Every case fails validation with the secret's value in reach of a message; none may quote it.
// The control: with writeOnly removed, the same schema does quote it, so the check is not vacuous.
TEST_P(SecretValueTest, IsNeverQuoted) {
  const Secret& c = GetParam();
  auto errors = validate_json(c.schema, c.document);
  ASSERT_EQ(errors.size(), c.errors) << joined(errors);
  for (const auto& e : errors) EXPECT_EQ(e.message.find(c.value), std::string::npos) << e.message;

  std::string control = c.schema;
  for (size_t at; (at = control.find("\"writeOnly\":true")) != std::string::npos;) {
    control.replace(at, 16, "\"writeOnly\":false");
  }
  EXPECT_NE(joined(validate_json(control, c.document)).find(c.value), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SecretValueTest,
    ::testing::Values(Secret{"direct",
                             R"({"properties":{"key":{"type":"string","writeOnly":true,"minLength":40,"pattern":"^AKIA",
                                                   "enum":["x"]}}})",
                             R"({"key":"hunter2-very-secret"})", "hunter2", 3},
                      Secret{"const", R"({"properties":{"key":{"writeOnly":true,"const":"x"}}})",
                             R"({"key":"hunter2"})", "hunter2", 1},
                      Secret{"number", R"({"properties":{"key":{"writeOnly":true,"maximum":1,"enum":[1]}}})",
                             R"({"key":2222222222})", "2222222222", 2},
                      Secret{"through_ref", R"({"$defs":{"s":{"type":"string","writeOnly":true}},
                                  "properties":{"key":{"$ref":"#/$defs/s","enum":["x"]}}})",
                             R"({"key":"hunter2"})", "hunter2", 1},
                      Secret{"through_all_of",
                             R"({"properties":{"key":{"allOf":[{"writeOnly":true}],"pattern":"^x"}}})",
                             R"({"key":"hunter2"})", "hunter2", 1},
                      Secret{"inside_a_secret_object",
                             R"({"properties":{"key":{"writeOnly":true,"properties":{"inner":{"const":1}}}}})",
                             R"({"key":{"inner":"hunter2"}})", "hunter2", 1}),
    [](const ::testing::TestParamInfo<Secret>& p) { return std::string(p.param.name); });

struct Paths {
  const char* name;
  const char* schema;
  std::vector<std::string> expected;
};

void PrintTo(const Paths& c, std::ostream* os) { *os << c.name; }

class SecretPathsTest : public ::testing::TestWithParam<Paths> {};

TEST_P(SecretPathsTest, ListsEverySecretInKeyOrder) {
  EXPECT_EQ(secret_paths(GetParam().schema), GetParam().expected);
  EXPECT_EQ(secret_paths(json::parse(GetParam().schema)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SecretPathsTest,
    ::testing::Values(
        Paths{"none", R"({"type":"object","properties":{"a":{"type":"string"}}})", {}},
        Paths{"nested",
              R"({"type":"object","properties":{
                 "api_key":{"type":"string","writeOnly":true},
                 "region":{"type":"string"},
                 "azure":{"type":"object","properties":{"client_secret":{"type":"string","writeOnly":true},
                                                        "tenant":{"type":"string"}}}}})",
              {"/api_key", "/azure/client_secret"}},
        Paths{"escaped", R"({"properties":{"a/b":{"properties":{"c~d":{"writeOnly":true}}}}})", {"/a~1b/c~0d"}},
        Paths{"write_only_false", R"({"properties":{"a":{"writeOnly":false}}})", {}},
        Paths{"through_ref",
              R"({"$defs":{"s":{"type":"string","writeOnly":true},
                                         "azure":{"properties":{"secret":{"$ref":"#/$defs/s"}}}},
                                "properties":{"password":{"$ref":"#/$defs/s"},"azure":{"$ref":"#/$defs/azure"}}})",
              {"/azure/secret", "/password"}},
        Paths{"branches_merged",
              R"({"properties":{"auth":{"oneOf":[
                 {"properties":{"password":{"writeOnly":true}}},
                 {"properties":{"token":{"writeOnly":true}}},
                 {"properties":{"password":{"type":"string"}}}]}}})",
              {"/auth/password", "/auth/token"}},
        Paths{"secret_object_listed_once",
              R"({"properties":{"k":{"writeOnly":true,"properties":{"x":{"writeOnly":true}}}}})",
              {"/k"}},
        Paths{"unused_definition_ignored", R"({"$defs":{"s":{"writeOnly":true}},"properties":{"a":{}}})", {}},
        Paths{"recursion_without_secrets",
              R"({"$defs":{"n":{"properties":{"l":{"$ref":"#/$defs/n"},"r":{"$ref":"#/$defs/n"}}}},
                                              "properties":{"tree":{"$ref":"#/$defs/n"},"key":{"writeOnly":true}}})",
              {"/key"}}),
    [](const ::testing::TestParamInfo<Paths>& p) { return std::string(p.param.name); });

TEST(JsonSchemaTest, SecretsInALinkedListAreListedToTheDepthADocumentMayHave) {
  auto paths = secret_paths(R"({"$defs":{"n":{"properties":{"pw":{"type":"string","writeOnly":true},
                                                            "next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"})");
  ASSERT_EQ(paths.size(), 64u);
  std::string deepest;
  for (int i = 0; i < 63; ++i) deepest += "/next";
  EXPECT_EQ(paths.front(), deepest + "/pw");
  EXPECT_EQ(paths.back(), "/pw");
}

TEST(JsonSchemaTest, SecretsInABranchingRecursionAreRefused) {
  EXPECT_THROW(secret_paths(R"({"$defs":{"n":{"properties":{"pw":{"writeOnly":true},
                                  "l":{"$ref":"#/$defs/n"},"r":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"})"),
               std::invalid_argument);
}

// ---- Hostile input: errors, never a crash or a hang.

TEST(JsonSchemaTest, DeepDocumentTextIsAnError) {
  auto errors = validate_json(R"({"type":"object"})", std::string(100000, '['));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "");
  EXPECT_NE(errors[0].message.find("deeper than 64"), std::string::npos);
  std::string at_limit = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(validate_json(R"({"items":{}})", at_limit).empty());
  EXPECT_EQ(validate_json(R"({})", "[" + at_limit + "]").size(), 1u);
}

TEST(JsonSchemaTest, DeepParsedDocumentIsAnError) {
  json deep = json::array();
  for (int i = 0; i < 10000; ++i) deep = json::array({std::move(deep)});
  auto errors = validate_json(json::parse(R"({"enum":[1]})"), deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("deeper than 64"), std::string::npos);
}

TEST(JsonSchemaTest, DeepSchemaIsRefused) {
  std::string schema;
  for (int i = 0; i < 100; ++i) schema += R"({"items":)";
  schema += "true" + std::string(100, '}');
  EXPECT_THROW(validate_json(schema, "1"), std::invalid_argument);
  EXPECT_THROW(validate_json(std::string(100000, '['), "1"), std::invalid_argument);
}

// d0 applies d1 twice through a $ref each, d1 applies d2 twice, ...: 2^(depth+2) - 2 schema
// applications in all.
std::string multiplying_schema(int depth) {
  std::string defs;
  for (int i = 0; i < depth; ++i) {
    std::string next = "{\"$ref\":\"#/$defs/d" + std::to_string(i + 1) + "\"}";
    defs += "\"d" + std::to_string(i) + "\":{\"allOf\":[" + next + "," + next + "]},";
  }
  defs += "\"d" + std::to_string(depth) + "\":{\"type\":\"integer\"}";
  return "{\"$defs\":{" + defs + "},\"$ref\":\"#/$defs/d0\"}";
}

// The budget's limits are proven by what the validator counts, on a budget small enough that a
// validator without the limit still finishes (and fails these tests) quickly.
struct Budgeted {
  std::vector<SchemaError> errors;
  json_schema_detail::Spent spent;
};

Budgeted validate_within(const std::string& schema, const std::string& document, size_t max_steps) {
  json s = json::parse(schema);
  json_schema_detail::CheckedSchema checked(s);
  json_schema_detail::Validator validator(checked, max_steps);
  Budgeted out;
  out.errors = validator.run(json::parse(document));
  out.spent = validator.spent();
  return out;
}

TEST(JsonSchemaTest, SchemasThatMultiplyStopAtTheBudget) {
  // 2^18 - 2 applications without the budget.
  Budgeted r = validate_within(multiplying_schema(16), "1", 1000);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0].path, "");
  EXPECT_NE(r.errors[0].message.find("too complex to check against this schema (more than 1000 "), std::string::npos)
      << r.errors[0].message;
  EXPECT_EQ(r.spent.schemas, 1000u) << "schemas applied past the budget";
  // Within the budget the same schema is simply checked.
  Budgeted within = validate_within(multiplying_schema(7), "\"x\"", 1000);
  EXPECT_EQ(within.spent.schemas, 510u);
  EXPECT_EQ(within.errors.size(), 128u) << joined(within.errors);
}

TEST(JsonSchemaTest, SchemasThatMultiplyGiveUpWithOneError) {
  // 2^21 - 2 applications asked for, the default budget is 1,000,000.
  auto errors = validate_json(multiplying_schema(19), "1");
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_EQ(errors[0].path, "");
  EXPECT_NE(errors[0].message.find("too complex to check against this schema (more than 1000000 schema applications)"),
            std::string::npos)
      << errors[0].message;
}

TEST(JsonSchemaTest, LongStringsAreNotRunAgainstAPattern) {
  const char* schema = R"({"pattern":"^[a-z]+$"})";
  EXPECT_TRUE(validate_json(schema, "\"" + std::string(4096, 'a') + "\"").empty());
  auto errors = validate_json(schema, "\"" + std::string(1000000, 'a') + "\"");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("longer than 4096 bytes"), std::string::npos);
}

TEST(JsonSchemaTest, BacktrackingPatternsRunOnTheLinearTimeMatcher) {
  json schema = json::parse(R"({"pattern":"^(a|a)*$"})");
  json_schema_detail::CheckedSchema checked(schema);
#if defined(__GLIBCXX__)
  // Backtracking would take 2^4000 steps on the string below; the breadth-first matcher takes
  // one pass over it.
  ASSERT_TRUE(checked.pattern(schema["pattern"]).regex.flags() & std::regex_constants::__polynomial);
#else
  GTEST_SKIP() << "linear-time matching is only promised with libstdc++";
#endif
  auto errors = validate_json(schema, json(std::string(4000, 'a') + "b"));
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_NE(errors[0].message.find("must match the pattern"), std::string::npos) << errors[0].message;
  EXPECT_TRUE(validate_json(schema, json(std::string(4000, 'a'))).empty());
}

TEST(JsonSchemaTest, LargePatternsOverManyStringsGiveUpWithOneError) {
  const std::string pattern = "^(a?){100}$";
  std::string doc = "[";
  for (int i = 0; i < 100; ++i) doc += (i ? ",\"" : "\"") + std::string(100, 'a') + "\"";
  doc += "]";
  const size_t budget = 10000;
  Budgeted r = validate_within(R"({"items":{"pattern":")" + pattern + R"("}})", doc, budget);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_NE(r.errors[0].message.find("too complex"), std::string::npos) << r.errors[0].message;
  // Each match is charged before it runs, so only the matches the budget pays for run.
  size_t charge =
      json_schema_detail::pattern_charge({std::regex(pattern), json_schema_detail::regex_states(pattern)}, 100);
  ASSERT_GT(charge, 100u);
  EXPECT_GT(r.spent.pattern_matches, 0u);
  EXPECT_LE(r.spent.pattern_matches * charge, budget) << r.spent.pattern_matches << " matches run";
  // The same strings within the budget all match.
  Budgeted within = validate_within(R"({"items":{"pattern":")" + pattern + R"("}})", doc, 100 * (charge + 1) + 1);
  EXPECT_TRUE(within.errors.empty()) << joined(within.errors);
  EXPECT_EQ(within.spent.pattern_matches, 100u);
}

// A long array with one repeat at the end: the repeat is found, and the comparisons grow as
// n log n (twice the items, a little over twice the comparisons), not as n^2 (four times).
TEST(JsonSchemaTest, UniqueItemsComparisonsGrowAsNLogN) {
  auto compared = [](int n) {
    std::string doc = "[";
    for (int i = 0; i < n; ++i) doc += (i ? "," : "") + std::to_string(i);
    doc += ",7]";
    Budgeted r = validate_within(R"({"uniqueItems":true})", doc, json_schema_detail::kMaxSteps);
    EXPECT_EQ(r.errors.size(), 1u) << joined(r.errors);
    if (!r.errors.empty()) {
      EXPECT_EQ(r.errors[0].path, "/" + std::to_string(n));
      EXPECT_EQ(r.errors[0].message, "repeats item 7 (uniqueItems)");
    }
    return r.spent.comparisons;
  };
  size_t at_n = compared(5000);
  size_t at_2n = compared(10000);
  EXPECT_GT(at_n, 5000u);
  EXPECT_LT(at_2n, 3 * at_n) << at_n << " then " << at_2n << " comparisons";
  EXPECT_LT(at_n, 5000u * 5000u / 100) << "far fewer than all pairs";
}

}  // namespace
}  // namespace corral::sdk
