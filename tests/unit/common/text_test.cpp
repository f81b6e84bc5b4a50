#include "common/text.h"

#include <gtest/gtest.h>

namespace corral {
namespace {

void expect_refused(std::string_view value, const std::string& message) {
  Status s = check_printable(value, "hostname", 64);
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument) << s.to_string();
  EXPECT_EQ(s.message(), message);
}

TEST(CheckPrintable, AcceptsPlainAndInternationalText) {
  for (std::string_view ok : {"", "web-01.example.com", "Linux 6.1.0-18-amd64", "h\xC3\xB4te-\xE5\x90\x8D",
                              "\xF0\x9F\x90\x84 corral", "ends at the limit: \xEF\xBF\xBD"}) {
    EXPECT_TRUE(check_printable(ok, "hostname", 64).ok()) << ok;
  }
  EXPECT_TRUE(check_printable(std::string(64, 'a'), "hostname", 64).ok());
}

TEST(CheckPrintable, RefusesOverLongValuesNamingTheFieldAndLimit) {
  expect_refused(std::string(65, 'a'), "hostname is 65 bytes, over the limit of 64");
}

TEST(CheckPrintable, RefusesControlCharactersNamingTheCodePointAndWhere) {
  expect_refused("web\n01", "hostname contains control character U+000A (at byte 3)");
  expect_refused(std::string("a\0b", 3), "hostname contains control character U+0000 (at byte 1)");
  expect_refused("\t", "hostname contains control character U+0009 (at byte 0)");
  expect_refused("x\x1b[31m", "hostname contains control character U+001B (at byte 1)");
  expect_refused("x\x7f", "hostname contains control character U+007F (at byte 1)");
  expect_refused("x\xC2\x85", "hostname contains control character U+0085 (at byte 1)");  // NEL (C1)
  expect_refused("a\xE2\x80\xA8", "hostname contains control character U+2028 (at byte 1)");
  // "Trojan source": text that displays in another order than it is stored.
  expect_refused("admin\xE2\x80\xAEtxt.exe", "hostname contains control character U+202E (at byte 5)");
  expect_refused("\xE2\x81\xA6x", "hostname contains control character U+2066 (at byte 0)");
}

TEST(CheckPrintable, RefusesInvalidUtf8) {
  expect_refused("ab\xFF", "hostname is not valid UTF-8 (at byte 2)");
  expect_refused("\xC3", "hostname is not valid UTF-8 (at byte 0)");              // cut short
  expect_refused("\xC0\xAF", "hostname is not valid UTF-8 (at byte 0)");          // overlong '/'
  expect_refused("\xE0\x80\xAF", "hostname is not valid UTF-8 (at byte 0)");      // overlong '/'
  expect_refused("\xED\xA0\x80", "hostname is not valid UTF-8 (at byte 0)");      // surrogate
  expect_refused("\xF4\x90\x80\x80", "hostname is not valid UTF-8 (at byte 0)");  // past U+10FFFF
  expect_refused("a\x80", "hostname is not valid UTF-8 (at byte 1)");             // stray continuation
}

TEST(CheckPrintable, NeverEchoesTheValue) {
  Status s = check_printable("secret-looking\nvalue", "os_version", 64);
  EXPECT_EQ(s.message().find("secret-looking"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("os_version ", 0), 0u) << s.message();
}

TEST(SanitizePrintable, ReplacesWhatCheckRefusesAndCutsOnACharacterBoundary) {
  EXPECT_EQ(sanitize_printable("web\n01", 64), "web?01");
  EXPECT_EQ(sanitize_printable("a\xE2\x80\xAE"
                               "b",
                               64),
            "a?b");
  EXPECT_EQ(sanitize_printable("a\xFF\xFE"
                               "b",
                               64),
            "a??b");
  EXPECT_EQ(sanitize_printable("\xC3"
                               "b",
                               64),
            "?b");
  EXPECT_EQ(sanitize_printable("h\xC3\xB4te", 64), "h\xC3\xB4te");
  EXPECT_EQ(sanitize_printable("ab\xC3\xB4", 3), "ab");  // the 2-byte character does not fit
  EXPECT_EQ(sanitize_printable(std::string(300, 'x'), 255), std::string(255, 'x'));
  for (std::string_view hostile : {"x\x1b[2J\xE2\x80\xAE\xC0\xAF\xED\xA0\x80", "\xF4\x90\x80\x80\n\t"}) {
    EXPECT_TRUE(check_printable(sanitize_printable(hostile, 8), "v", 8).ok()) << hostile;
  }
}

TEST(TrimWhitespace, DropsSpacesTabsAndLineEndsAroundOnly) {
  EXPECT_EQ(trim_whitespace(" \t cj1.a.b \r\n"), "cj1.a.b");
  EXPECT_EQ(trim_whitespace("a b"), "a b");
  EXPECT_EQ(trim_whitespace(" \r\n\t"), "");
  EXPECT_EQ(trim_whitespace(""), "");
}

TEST(AsciiCase, LowersAndComparesOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("AbC-09_Z\xC3\x89"), "abc-09_z\xC3\x89");
  EXPECT_TRUE(ascii_iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(ascii_iequals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(ascii_iequals("[", "{")) << "only letters differ by case";
  EXPECT_FALSE(ascii_iequals("\xC3\x89", "\xC3\xA9"));
}

}  // namespace
}  // namespace corral
