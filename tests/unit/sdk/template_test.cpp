// Startup-script templates: substitution, literal braces, and every error with its position.
#include "corral/sdk/template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace corral::sdk {
namespace {

struct RenderCase {
  const char* name;
  const char* text;
  const char* expected;
};

class TemplateRenderTest : public ::testing::TestWithParam<RenderCase> {};

TEST_P(TemplateRenderTest, RendersAsExpected) {
  std::vector<TemplateError> errors;
  Template t = Template::parse(GetParam().text, &errors);
  ASSERT_TRUE(errors.empty()) << errors[0].message;
  EXPECT_EQ(t.render({{"join_token", "cj1.abc"}, {"zone", "eu-1"}, {"x", "{y}"}}), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TemplateRenderTest,
    ::testing::Values(RenderCase{"plain", "echo hi\n", "echo hi\n"},
                      RenderCase{"variable", "--join-token {join_token}", "--join-token cj1.abc"},
                      RenderCase{"twice", "{zone}/{zone}", "eu-1/eu-1"},
                      RenderCase{"literal_braces", "function f {{ echo }}; {{x}}", "function f { echo }; {x}"},
                      RenderCase{"value_not_reparsed", "{x}", "{y}"},
                      RenderCase{"powershell_hashtable", "@{{a={zone}}}", "@{a=eu-1}"},
                      RenderCase{"empty", "", ""}),
    [](const ::testing::TestParamInfo<RenderCase>& p) { return std::string(p.param.name); });

struct ErrorCase {
  const char* name;
  const char* text;
  int line;
  int column;
  const char* message_part;
};

class TemplateSyntaxTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TemplateSyntaxTest, ReportsPosition) {
  std::vector<TemplateError> errors;
  Template::parse(GetParam().text, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, GetParam().line);
  EXPECT_EQ(errors[0].column, GetParam().column);
  EXPECT_NE(errors[0].message.find(GetParam().message_part), std::string::npos) << errors[0].message;
  EXPECT_EQ(errors[0].message.rfind("line " + std::to_string(GetParam().line) + ", column " +
                                        std::to_string(GetParam().column) + ": ",
                                    0),
            0u)
      << errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TemplateSyntaxTest,
    ::testing::Values(ErrorCase{"unterminated", "echo {zone", 1, 6, "not closed"},
                      ErrorCase{"unterminated_at_newline", "a\nb {zone\nc", 2, 3, "not closed"},
                      ErrorCase{"lone_close", "a\r\nbc }", 2, 4, "without a matching"},
                      ErrorCase{"empty_name", "x {} y", 1, 3, "not a variable name"},
                      ErrorCase{"space_in_name", "{ zone}", 1, 1, "not a variable name"},
                      ErrorCase{"digit_first", "\n\n  {1x}", 3, 3, "not a variable name"},
                      ErrorCase{"dash", "{a-b}", 1, 1, "not a variable name"},
                      ErrorCase{"nested_open", "{a{b}", 1, 1, "not closed"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return std::string(p.param.name); });

TEST(TemplateTest, ValidateReportsEveryUnknownVariableWithPositionAndSuggestion) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("a {join_token}\n  {joun_token} {zone}\n{nope}", &errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"join_token", "joun_token", "zone", "nope"}));
  auto unknown = t.validate({"join_token", "zone"});
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_EQ(unknown[0].line, 2);
  EXPECT_EQ(unknown[0].column, 3);
  EXPECT_EQ(unknown[0].message, "line 2, column 3: unknown variable 'joun_token' (did you mean 'join_token'?)");
  EXPECT_EQ(unknown[1].line, 3);
  EXPECT_EQ(unknown[1].message, "line 3, column 1: unknown variable 'nope'");
}

TEST(TemplateTest, EverySyntaxErrorIsReported) {
  std::vector<TemplateError> errors;
  Template::parse("} {\n{ }", &errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].column, 1);
  EXPECT_EQ(errors[1].column, 3);
  EXPECT_EQ(errors[2].line, 2);
}

TEST(TemplateTest, RenderWithoutAValueNamesTheVariable) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("{server_id}", &errors);
  try {
    t.render({});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("server_id"), std::string::npos);
  }
}

TEST(TemplateTest, LongInputsParseInLinearTime) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "{a";
  std::vector<TemplateError> errors;
  Template::parse(text, &errors);
  EXPECT_EQ(errors.size(), 200000u);
}

}  // namespace
}  // namespace corral::sdk
