#include "common/join_token.h"

#include <gtest/gtest.h>

namespace corral {
namespace {

const std::string kId = "abcdefghij012345";
const std::string kSecret = "abcdefghijklmnopqrstuvwxyz012345";
const std::string kHash = std::string(64, 'a');

TEST(JoinToken, FormatParseRoundTrip) {
  JoinTokenParts p{kId, kSecret, kHash};
  std::string text = format_join_token(p);
  EXPECT_EQ(text, "cj1." + kId + "." + kSecret + "." + kHash);
  auto back = parse_join_token(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->id, kId);
  EXPECT_EQ(back->secret, kSecret);
  EXPECT_EQ(back->ca_sha256, kHash);
}

TEST(JoinToken, HashIsOptional) {
  auto p = parse_join_token("cj1." + kId + "." + kSecret);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->ca_sha256.empty());
}

TEST(JoinToken, RejectsMalformedTokensWithoutEchoingTheSecret) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const Case cases[] = {
      {"", "must look like"},
      {"cj1." + kId, "must look like"},
      {"cj2." + kId + "." + kSecret, "unknown token version"},
      {"cj1." + kId.substr(1) + "." + kSecret, "id must be"},
      {"cj1." + std::string(16, 'A') + "." + kSecret, "id must be"},
      {"cj1." + kId + "." + kSecret + "x", "secret must be"},
      {"cj1." + kId + "." + kSecret + "." + std::string(63, 'a'), "CA hash"},
      {"cj1." + kId + "." + kSecret + "." + std::string(64, 'A'), "CA hash"},
      {"cj1." + kId + "." + kSecret + "." + kHash + ".extra", "must look like"},
  };
  for (const Case& c : cases) {
    auto r = parse_join_token(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << c.text << " -> " << r.status().message();
    EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
  }
}

TEST(JoinToken, GeneratedTokensParse) {
  JoinTokenParts p = generate_join_token();
  EXPECT_TRUE(parse_join_token(format_join_token(p)).ok());
  EXPECT_NE(generate_join_token().secret, p.secret);
}

}  // namespace
}  // namespace corral
