// Startup-script templates: substitution, literal braces, and every error with its position.
#include "corral/sdk/template.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace corral::sdk {
namespace {

std::string joined(const std::vector<TemplateError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.message + "\n";
  return out;
}

struct RenderCase {
  const char* name;
  const char* text;
  const char* expected;
};

void PrintTo(const RenderCase& c, std::ostream* os) { *os << c.name; }

class TemplateRenderTest : public ::testing::TestWithParam<RenderCase> {};

TEST_P(TemplateRenderTest, RendersAsExpected) {
  std::vector<TemplateError> errors;
  Template t = Template::parse(GetParam().text, &errors);
  ASSERT_TRUE(errors.empty()) << joined(errors);
  std::map<std::string, std::string> values = {
      {"join_token", "cj1.abc"}, {"zone", "eu-1"}, {"x", "{y}"}, {"q", "it's \"$(rm -rf /)\""}, {"_a1", "A"}};
  EXPECT_EQ(t.render(values), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, TemplateRenderTest,
                         ::testing::Values(RenderCase{"plain", "echo hi\n", "echo hi\n"}, RenderCase{"empty", "", ""},
                                           RenderCase{"variable", "--join-token {join_token}", "--join-token cj1.abc"},
                                           RenderCase{"twice", "{zone}/{zone}", "eu-1/eu-1"},
                                           RenderCase{"adjacent", "{zone}{join_token}", "eu-1cj1.abc"},
                                           RenderCase{"underscore_and_digits", "{_a1}", "A"},
                                           RenderCase{"literal_braces", "function f {{ echo }}; {{x}}",
                                                      "function f { echo }; {x}"},
                                           RenderCase{"closing_then_opening", "}}{{", "}{"},
                                           RenderCase{"literal_around_variable", "{{{zone}}}", "{eu-1}"},
                                           RenderCase{"value_not_reparsed", "{x}", "{y}"},
                                           RenderCase{"value_not_escaped", "echo '{q}'", "echo 'it's \"$(rm -rf /)\"'"},
                                           RenderCase{"powershell_hashtable", "@{{a={zone}}}", "@{a=eu-1}"},
                                           RenderCase{"crlf_kept", "a\r\n{zone}\r\n", "a\r\neu-1\r\n"},
                                           RenderCase{"utf8_kept", "\u00e9{zone}\u00e9", "\u00e9eu-1\u00e9"}),
                         [](const ::testing::TestParamInfo<RenderCase>& p) { return std::string(p.param.name); });

struct ErrorCase {
  const char* name;
  std::string text;
  int line;
  int column;
  const char* message_part;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class TemplateSyntaxTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TemplateSyntaxTest, ReportsOneErrorWithItsPosition) {
  const ErrorCase& c = GetParam();
  std::vector<TemplateError> errors;
  Template::parse(c.text, &errors);
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_EQ(errors[0].line, c.line);
  EXPECT_EQ(errors[0].column, c.column);
  EXPECT_NE(errors[0].message.find(c.message_part), std::string::npos) << errors[0].message;
  std::string prefix = "line " + std::to_string(c.line) + ", column " + std::to_string(c.column) + ": ";
  EXPECT_EQ(errors[0].message.rfind(prefix, 0), 0u) << errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TemplateSyntaxTest,
    ::testing::Values(ErrorCase{"unterminated", "echo {zone", 1, 6, "'{' is not closed"},
                      ErrorCase{"unterminated_at_newline", "a\nb {zone\nc}}", 2, 3, "'{' is not closed"},
                      ErrorCase{"unterminated_crlf", "{zone\r\n}}", 1, 1, "'{' is not closed"},
                      ErrorCase{"nested_open", "{a{b}", 1, 1, "'{' is not closed"},
                      ErrorCase{"lone_open_at_end", "abc{", 1, 4, "'{' is not closed"},
                      ErrorCase{"lone_close", "bc }", 1, 4, "lone '}'"},
                      ErrorCase{"close_after_variable", "{a}}", 1, 4, "lone '}'"},
                      ErrorCase{"odd_closing_run", "}}}", 1, 3, "lone '}'"},
                      ErrorCase{"empty_name", "x {} y", 1, 3, "invalid variable name '{}'"},
                      ErrorCase{"space_in_name", "{ zone}", 1, 1, "invalid variable name '{ zone}'"},
                      ErrorCase{"digit_first", "\n\n  {1x}", 3, 3, "invalid variable name '{1x}'"},
                      ErrorCase{"dash", "{a-b}", 1, 1, "invalid variable name '{a-b}'"},
                      ErrorCase{"non_ascii", "{z\u00e9}", 1, 1, "invalid variable name"},
                      // Columns count bytes: a CR before LF ends the line, any other CR is a column.
                      ErrorCase{"crlf_not_a_column", "a\r\n b}", 2, 3, "lone '}'"},
                      ErrorCase{"lone_cr_is_a_column", "a\rb}", 1, 4, "lone '}'"},
                      ErrorCase{"utf8_counts_bytes", "\u00e9}", 1, 3, "lone '}'"},
                      ErrorCase{"literal_braces_count", "{{}}{{ }", 1, 8, "lone '}'"},
                      ErrorCase{"after_a_variable", "{zone} x\n\t}", 2, 2, "lone '}'"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return std::string(p.param.name); });

TEST(TemplateTest, EverySyntaxErrorIsReportedInOrder) {
  std::vector<TemplateError> errors;
  Template::parse("} {\n{ } {ok}\n{a-b}", &errors);
  ASSERT_EQ(errors.size(), 4u) << joined(errors);
  std::vector<std::pair<int, int>> at;
  for (const auto& e : errors) at.push_back({e.line, e.column});
  EXPECT_EQ(at, (std::vector<std::pair<int, int>>{{1, 1}, {1, 3}, {2, 1}, {3, 1}}));
}

TEST(TemplateTest, ErrorsMayBeIgnored) {
  Template t = Template::parse("{a} }", nullptr);
  EXPECT_EQ(t.variables(), std::vector<std::string>{"a"});
}

TEST(TemplateTest, VariablesAreListedOnceInOrderOfFirstUse) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("{b}{a}{b}{{c}}{c}{a}", &errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"b", "a", "c"}));
}

TEST(TemplateTest, ValidateReportsEveryUseOfAnUnknownVariable) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("a {join_token}\n  {joun_token} {zone}\n{nope} {joun_token}", &errors);
  ASSERT_TRUE(errors.empty());
  auto unknown = t.validate({"join_token", "zone"});
  ASSERT_EQ(unknown.size(), 3u) << joined(unknown);
  EXPECT_EQ(unknown[0].line, 2);
  EXPECT_EQ(unknown[0].column, 3);
  EXPECT_EQ(unknown[0].message, "line 2, column 3: unknown variable 'joun_token' (did you mean 'join_token'?)");
  EXPECT_EQ(unknown[1].message, "line 3, column 1: unknown variable 'nope'");
  EXPECT_EQ(unknown[2].message, "line 3, column 8: unknown variable 'joun_token' (did you mean 'join_token'?)");
  EXPECT_TRUE(t.validate({"join_token", "joun_token", "zone", "nope"}).empty());
}

struct Suggestion {
  const char* used;
  const char* expected;  // "" for none
};

void PrintTo(const Suggestion& c, std::ostream* os) { *os << c.used; }

class TemplateSuggestionTest : public ::testing::TestWithParam<Suggestion> {};

TEST_P(TemplateSuggestionTest, SuggestsOnlyCloseNames) {
  std::vector<TemplateError> errors;
  Template t = Template::parse(std::string("{") + GetParam().used + "}", &errors);
  ASSERT_TRUE(errors.empty());
  auto unknown = t.validate({"server_hostname", "server_id", "zone", "domain"});
  ASSERT_EQ(unknown.size(), 1u);
  std::string hint = *GetParam().expected ? std::string(" (did you mean '") + GetParam().expected + "'?)" : "";
  EXPECT_EQ(unknown[0].message, std::string("line 1, column 1: unknown variable '") + GetParam().used + "'" + hint);
}

INSTANTIATE_TEST_SUITE_P(Cases, TemplateSuggestionTest,
                         ::testing::Values(Suggestion{"server_hostnam", "server_hostname"},
                                           Suggestion{"sever_id", "server_id"}, Suggestion{"Zone", "zone"},
                                           Suggestion{"zon", ""}, Suggestion{"region", ""}, Suggestion{"x", ""},
                                           Suggestion{"domain_controller", ""}));

TEST(TemplateTest, RenderWithoutAValueNamesTheVariable) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("echo {server_id}", &errors);
  try {
    t.render({{"zone", "eu-1"}});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'server_id'"), std::string::npos) << e.what();
  }
}

TEST(TemplateTest, LongNamesAreCutInMessages) {
  std::vector<TemplateError> errors;
  Template t = Template::parse("{" + std::string(10000, 'a') + "}{" + std::string(10000, '-') + "}", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_LT(errors[0].message.size(), 300u);
  auto unknown = t.validate({});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_LT(unknown[0].message.size(), 200u);
}

// Quadratic parsing would search to the end of the text for each '{' never closed, or look
// through every earlier name for each new variable. The parser counts both kinds of work.
TEST(TemplateTest, HostileInputsParseInLinearTime) {
  std::string opens;
  std::string distinct;
  for (int i = 0; i < 20000; ++i) {
    opens += "{a";
    distinct += "{v" + std::to_string(i) + "}";
  }
  template_detail::Parsed unclosed = template_detail::parse(opens);
  EXPECT_EQ(unclosed.errors.size(), 20000u);
  EXPECT_LE(unclosed.work.bytes_searched, opens.size()) << "each byte searched at most once";

  template_detail::Parsed many = template_detail::parse(distinct);
  EXPECT_TRUE(many.errors.empty());
  EXPECT_EQ(many.variables.size(), 20000u);
  EXPECT_LE(many.work.bytes_searched, distinct.size()) << "each byte searched at most once";
  EXPECT_LE(many.work.name_comparisons, 20000u) << "at most about one comparison per use, not one per earlier name";

  std::vector<TemplateError> errors;
  Template t = Template::parse(distinct, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(t.variables().size(), 20000u);
  EXPECT_EQ(t.validate({}).size(), 20000u);
}

}  // namespace
}  // namespace corral::sdk
