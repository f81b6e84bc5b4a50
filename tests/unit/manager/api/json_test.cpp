#include "manager/api/json.h"

#include <gtest/gtest.h>

#include "corral/api/v1/api.pb.h"

namespace corral::manager::api {
namespace {

std::string nested_lists(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepthTest, CountsArraysAndObjectsButNotBracketsInStrings) {
  EXPECT_TRUE(check_json_depth(nested_lists(kMaxJsonDepth)).ok());
  EXPECT_FALSE(check_json_depth(nested_lists(kMaxJsonDepth + 1)).ok());
  EXPECT_TRUE(
      check_json_depth(R"({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})", 3).ok());
  EXPECT_TRUE(check_json_depth(R"({"a": "\"[[[[["})", 1).ok()) << "an escaped quote does not end the string";
  EXPECT_FALSE(check_json_depth(R"({"a": {"b": [1]}})", 2).ok());
  EXPECT_TRUE(check_json_depth(R"({"a": {"b": [1]}})", 3).ok());
  // Siblings do not add up.
  EXPECT_TRUE(check_json_depth("[[1],[2],[3],[4]]", 2).ok());
}

// A provider config's `config` is a google.protobuf.Struct: deep lists there took the parser time
// quadratic in the depth. The depth check refuses them before it, with a message saying why.
TEST(JsonDepthTest, DeeplyNestedBodiesAreRefusedBeforeTheParser) {
  corral::api::v1::ProviderConfig config;
  std::string body = R"({"name": "x", "config": {"k": )" + nested_lists(100000) + "}}";
  Status s = parse_json_body(body, &config);
  ASSERT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_NE(s.message().find("nested deeper than 32 levels"), std::string::npos) << s.message();
  EXPECT_EQ(config.name(), "") << "nothing was parsed";

  // The deepest body allowed still parses: 2 levels of body and config, 30 of lists; objects too.
  std::string ok = R"({"name": "x", "config": {"k": )" + nested_lists(kMaxJsonDepth - 2) + "}}";
  Status parsed = parse_json_body(ok, &config);
  EXPECT_TRUE(parsed.ok()) << parsed.to_string();
  EXPECT_EQ(config.name(), "x");
  std::string objects = R"({"name": "y", "config": )";
  for (size_t i = 0; i < kMaxJsonDepth - 1; ++i) objects += R"({"a": )";
  objects += "1" + std::string(kMaxJsonDepth - 1, '}') + "}";
  Status deep_objects = parse_json_body(objects, &config);
  EXPECT_TRUE(deep_objects.ok()) << deep_objects.to_string();
}

TEST(ParseJsonBodyTest, UnknownFieldsAreNamed) {
  corral::api::v1::CreateJoinTokenRequest r;
  Status s = parse_json_body(R"({"ttlSeconds": 5, "colour": "red"})", &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("colour"), std::string::npos) << s.message();
  EXPECT_TRUE(parse_json_body("", &r).ok());
}

TEST(StatusResponseTest, MapsCodesToHttp) {
  EXPECT_EQ(status_response(error(ErrorCode::not_found, "x")).status, 404);
  EXPECT_EQ(status_response(error(ErrorCode::invalid_argument, "x")).status, 400);
  EXPECT_EQ(status_response(error(ErrorCode::already_exists, "x")).status, 409);
  EXPECT_EQ(status_response(error(ErrorCode::unavailable, "x")).status, 503);
  EXPECT_EQ(status_response(error(ErrorCode::internal, "x")).status, 500);
  HttpResponse r = error_response(418, "teapot", "short and stout");
  EXPECT_NE(r.body.find(R"("reason":"teapot")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace corral::manager::api
