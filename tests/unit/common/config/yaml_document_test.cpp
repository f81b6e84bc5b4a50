#include "common/config/yaml_document.h"

#include <gtest/gtest.h>

#include <string>

namespace corral::config {
namespace {

TEST(ParseSingleDocument, NoDocumentIsANullNode) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "---\n...\n"}) {
    Result<YAML::Node> node = parse_single_document(text);
    ASSERT_TRUE(node.ok()) << "[" << text << "] " << node.status().to_string();
    EXPECT_TRUE(node->IsNull()) << "[" << text << "]";
  }
}

TEST(ParseSingleDocument, OneDocument) {
  for (const char* text : {"a: 1\n", "---\na: 1\n", "---\na: 1\n...\n", "%YAML 1.2\n---\na: 1\n"}) {
    Result<YAML::Node> node = parse_single_document(text);
    ASSERT_TRUE(node.ok()) << "[" << text << "] " << node.status().to_string();
    ASSERT_TRUE(node->IsMap()) << "[" << text << "]";
    EXPECT_EQ((*node)["a"].Scalar(), "1");
  }
}

struct BadCase {
  const char* name;
  std::string text;
  const char* want;
};

TEST(ParseSingleDocument, Rejects) {
  const BadCase cases[] = {
      {"second document", "a: 1\n---\nb: 2\n", "expected one YAML document, found another at line 2, column 1"},
      // yaml-cpp 0.7 would report empty documents here forever.
      {"stray comma", ",x\n", "invalid YAML at line 1, column 1: unexpected ','"},
      {"stray comma after content", "a: 1\n,x\n", "invalid YAML at line 2, column 1: end of map not found"},
      // yaml-cpp 0.7 would stop at the NUL and load "a: 1" alone.
      {"NUL byte", std::string("a: 1\nb: \0c: 2\n", 13), "invalid YAML at line 2, column 4: NUL byte"},
      {"unterminated flow", "a: [1, 2\n", "invalid YAML at line 2, column 1: end of sequence flow not found"},
  };
  for (const auto& c : cases) {
    Result<YAML::Node> node = parse_single_document(c.text);
    ASSERT_FALSE(node.ok()) << c.name;
    EXPECT_EQ(node.status().code(), ErrorCode::invalid_argument) << c.name;
    EXPECT_EQ(node.status().message(), c.want) << c.name;
  }
}

TEST(DescribePosition, IsOneBased) {
  YAML::Mark mark;
  mark.line = 0;
  mark.column = 4;
  EXPECT_EQ(describe_position(mark), "at line 1, column 5");
  EXPECT_EQ(describe_position(YAML::Mark::null_mark()), "at end of document");
}

}  // namespace
}  // namespace corral::config
