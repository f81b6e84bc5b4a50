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

}  // namespace
}  // namespace corral::cli
