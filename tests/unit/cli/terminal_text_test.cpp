// Agent-supplied text on a terminal: every control shown as an escape, never obeyed, and a
// hostile agent cannot add a row to a table.
#include "cli/terminal_text.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cli/format.h"
#include "cli/pretty_json.h"
#include "cli/table.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::Harness;
using testing::response;

// No byte a terminal acts on: C0 controls, DEL, and the UTF-8 of C1 controls.
bool has_raw_control(const std::string& s, bool allow_newline) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n' && allow_newline) continue;
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

TEST(Visible, ShowsControlsAsEscapes) {
  EXPECT_EQ(visible("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");  // OSC: retitle the terminal
  EXPECT_EQ(visible("a\rb\nc\td"), "a\\rb\\nc\\td");
  EXPECT_EQ(visible(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(visible("del\x7f"), "del\\x7f");
  EXPECT_EQ(visible("\xc2\x9b"
                    "31m"),
            "\\u009b31m");                                        // C1 CSI, as UTF-8
  EXPECT_EQ(visible("\xc2\x85"), "\\u0085");                      // NEL
  EXPECT_EQ(visible("abc\xe2\x80\xaeverse"), "abc\\u202everse");  // right-to-left override
  EXPECT_EQ(visible("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
}

TEST(Visible, ShowsBytesThatAreNotUtf8) {
  EXPECT_EQ(visible("\xff"), "\\xff");
  EXPECT_EQ(visible("\x9b"
                    "31m"),
            "\\x9b31m");                                           // a bare C1 byte: CSI on an 8-bit terminal
  EXPECT_EQ(visible("ab\xc3"), "ab\\xc3");                         // cut short
  EXPECT_EQ(visible("\xc3(x"), "\\xc3(x");                         // bad continuation
  EXPECT_EQ(visible("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(visible("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(visible("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
}

TEST(Visible, KeepsPrintableText) {
  EXPECT_EQ(visible("web-01.example"), "web-01.example");
  EXPECT_EQ(visible("Grüße 日本 🚀"), "Grüße 日本 🚀");
  EXPECT_EQ(visible("DOMAIN\\alice"), "DOMAIN\\alice");
  EXPECT_EQ(visible("\xc2\xa0nbsp"), "\xc2\xa0nbsp");  // U+00A0 is printable
  EXPECT_EQ(visible(""), "");
}

TEST(Tables, AnAgentCannotForgeARowOrDriveTheTerminal) {
  api::v1::ListAgentsResponse list;
  auto* a = list.add_agents();
  a->set_id("a1");
  a->set_hostname("evil\na2  forged  online");
  a->set_agent_version(
      "\x1b]0;owned\x07"
      "1.0");
  a->set_os_version("\r\x1b[2K");
  a->set_status(api::v1::AGENT_STATUS_ONLINE);
  std::string table = format_agent_table(list, std::chrono::system_clock::time_point{});
  EXPECT_FALSE(has_raw_control(table, /*allow_newline=*/true)) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2) << table;  // the header and one row
  EXPECT_NE(table.find("evil\\na2  forged  online"), std::string::npos) << table;
  EXPECT_NE(table.find("\\x1b]0;owned\\x071.0"), std::string::npos) << table;
}

TEST(Tables, KeyValuesAndLabelsAreShownToo) {
  api::v1::Agent a;
  a.set_id("a1");
  a.set_hostname("h\tx");
  (*a.mutable_labels())["k\x1b"] = "v\n\xff";
  a.add_addresses("10.0.0.1\r");
  std::string details = format_agent_details(a, std::chrono::system_clock::time_point{});
  EXPECT_FALSE(has_raw_control(details, /*allow_newline=*/true)) << details;
  EXPECT_NE(details.find("hostname:           h\\tx\n"), std::string::npos) << details;
  EXPECT_NE(details.find("labels:             k\\x1b=v\\n\\xff\n"), std::string::npos) << details;
  EXPECT_NE(details.find("addresses:          10.0.0.1\\r\n"), std::string::npos) << details;
}

TEST(Tables, WidthsCountTheEscapesAsShown) {
  EXPECT_EQ(format_table({"A", "B"}, {{"\x1b", "x"}, {"long", "y"}}),
            "A     B\n"
            "\\x1b  x\n"
            "long  y\n");
}

TEST(PlainLines, CommandsAndErrorsShowHostileTextToo) {
  Harness revoke;
  revoke.fake.answers.push_back(response(200, R"({"id":"a1","hostname":"web\u001b]0;x\u0007\r\nforged"})"));
  ASSERT_EQ(revoke.run({"agents", "revoke", "a1"}), kExitOk);
  EXPECT_EQ(revoke.out.str(), "agent a1 (web\\x1b]0;x\\x07\\r\\nforged) revoked\n");

  Harness refused;
  refused.fake.answers.push_back(
      response(404, R"({"code":404,"reason":"not_found","message":"no agent \u001b[31mx\n"})"));
  EXPECT_EQ(refused.run({"agents", "show", "x"}), kExitApiError);
  EXPECT_EQ(refused.err.str(), "corralctl: no agent \\x1b[31mx\\n (HTTP 404 not_found)\n");

  Harness version;
  version.env.erase("CORRAL_TOKEN");
  version.fake.answers.push_back(response(200, R"({"status":"ok\u009b","version":"1\u001b[8m"})"));
  ASSERT_EQ(version.run({"version"}), kExitOk);
  EXPECT_FALSE(has_raw_control(version.out.str(), /*allow_newline=*/true)) << version.out.str();
}

TEST(PlainLines, JsonStaysJsonWithControlsEscaped) {
  Harness h;
  // Protobuf escapes C0 controls but sends DEL and C1 controls raw.
  h.fake.answers.push_back(response(200, "{\"agents\":[{\"id\":\"a1\",\"hostname\":\"x\\u001b\x7f\xc2\x9b\"}]}"));
  ASSERT_EQ(h.run({"agents", "list", "--json"}), kExitOk) << h.err.str();
  EXPECT_FALSE(has_raw_control(h.out.str(), /*allow_newline=*/true)) << h.out.str();
  EXPECT_NE(h.out.str().find(R"("hostname": "x\u001b\u007f\u009b")"), std::string::npos) << h.out.str();
}

}  // namespace
}  // namespace corral::cli
