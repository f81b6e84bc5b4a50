// The shared-file INI dialect: what the official SDKs accept is accepted with the same meaning,
// what they refuse is refused with the line number and without quoting the line.
#include "plugins/aws/ini_file.h"

#include <gtest/gtest.h>

namespace corral::aws {
namespace {

TEST(IniFile, ReadsSectionsKeysAndTheirForms) {
  auto ini = parse_ini(
      "\xEF\xBB\xBF# comment\n"
      "[default]\r\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "  ; indented comment\n"
      "AWS_Secret_Access_Key=secret=with=equals\n"
      "\n"
      "[profile dev]\n"
      "region: eu-west-1\n"
      "s3 =\n"
      "  max_concurrent_requests = 10\n"
      "empty =\n");
  ASSERT_TRUE(ini.ok()) << ini.error().message;
  const IniFile& f = ini.value();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.at("default").at("aws_access_key_id"), "AKIDDEFAULT");
  EXPECT_EQ(f.at("default").at("aws_secret_access_key"), "secret=with=equals");  // keys are case-insensitive
  EXPECT_EQ(f.at("profile dev").at("region"), "eu-west-1");
  EXPECT_EQ(f.at("profile dev").at("s3"), "\nmax_concurrent_requests = 10");  // continuation line
  EXPECT_EQ(f.at("profile dev").at("empty"), "");
}

TEST(IniFile, ValueKeepsAnInlineHash) {
  // configparser has no inline comments by default: a secret may contain '#'.
  auto ini = parse_ini("[p]\nk = abc#def ;x\n");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini.value().at("p").at("k"), "abc#def ;x");
}

TEST(IniFile, ErrorsNameTheLineAndNeverQuoteIt) {
  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad cases[] = {
      {"aws_secret_access_key = TOPSECRET\n", "line 1: key before any [section]"},
      {"[a]\nTOPSECRET\n", "line 2: expected [section] or key = value"},
      {"[a]\nk=1\nk=TOPSECRET\n", "line 3: a key appears twice in its section"},
      {"[a]\n[a]\n", "line 2: section [a] appears twice"},
      {"[a\n", "line 1: section header without ']'"},
      {"[]\n", "line 1: empty section name"},
      {"[a]\n= TOPSECRET\n", "line 2: empty key"},
  };
  for (const Bad& c : cases) {
    auto ini = parse_ini(c.text);
    ASSERT_FALSE(ini.ok()) << c.text;
    EXPECT_EQ(ini.error().message, c.message);
    EXPECT_EQ(ini.error().message.find("TOPSECRET"), std::string::npos);
  }
}

TEST(IniFile, EmptyInputIsAnEmptyFile) {
  auto ini = parse_ini("");
  ASSERT_TRUE(ini.ok());
  EXPECT_TRUE(ini.value().empty());
}

}  // namespace
}  // namespace corral::aws
