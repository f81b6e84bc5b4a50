#include "cli/pretty_json.h"

#include <gtest/gtest.h>

namespace corral::cli {
namespace {

TEST(PrettyJson, IndentsObjectsAndArrays) {
  EXPECT_EQ(pretty_json(R"({"agents":[{"id":"a1","labels":{}},{"id":"a2"}],"n":3,"ok":true})"),
            "{\n"
            "  \"agents\": [\n"
            "    {\n"
            "      \"id\": \"a1\",\n"
            "      \"labels\": {}\n"
            "    },\n"
            "    {\n"
            "      \"id\": \"a2\"\n"
            "    }\n"
            "  ],\n"
            "  \"n\": 3,\n"
            "  \"ok\": true\n"
            "}\n");
}

TEST(PrettyJson, LeavesStringsAlone) {
  EXPECT_EQ(pretty_json(R"({"m":"a, b: {c} [d] \"q\" \\"})"
                        "\n"),
            "{\n"
            "  \"m\": \"a, b: {c} [d] \\\"q\\\" \\\\\"\n"
            "}\n");
}

TEST(PrettyJson, ReindentsAlreadyPrettyInput) {
  EXPECT_EQ(pretty_json("{ \"a\" : [ ] ,\n \"b\":{ } }"), "{\n  \"a\": [],\n  \"b\": {}\n}\n");
  EXPECT_EQ(pretty_json("{}\n"), "{}\n");
  EXPECT_EQ(pretty_json(""), "");
}

TEST(PrettyJson, EscapesControlsSoATerminalOnlyShowsThem) {
  // DEL and C1 controls are valid raw in JSON strings, and protobuf sends them raw; raw C0
  // controls are not JSON at all. All come out as \u escapes: the same JSON value, inert.
  EXPECT_EQ(pretty_json("{\"h\":\"a\x7f\xc2\x9b\x1b]0;t\x07\"}"),
            "{\n  \"h\": \"a\\u007f\\u009b\\u001b]0;t\\u0007\"\n}\n");
  EXPECT_EQ(pretty_json("{\"h\":\"\xe2\x80\xae\"}"), "{\n  \"h\": \"\\u202e\"\n}\n");
  // Bytes that are not UTF-8 cannot be in JSON; they become the replacement character.
  EXPECT_EQ(pretty_json("{\"h\":\"\xff\x9b\"}"), "{\n  \"h\": \"\\ufffd\\ufffd\"\n}\n");
  // Printable UTF-8 and escapes already there are kept.
  EXPECT_EQ(pretty_json(R"({"h":"Grüße \u001b"})"), "{\n  \"h\": \"Grüße \\u001b\"\n}\n");
  // Outside strings (input that is not JSON) too.
  EXPECT_EQ(pretty_json("not\x1bjson"), "not\\u001bjson\n");
}

}  // namespace
}  // namespace corral::cli
