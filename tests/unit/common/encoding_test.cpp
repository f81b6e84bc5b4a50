#include "common/encoding.h"

#include <gtest/gtest.h>

#include <set>

namespace corral {
namespace {

TEST(Encoding, HexRoundTrip) {
  std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(to_hex(bytes), "0001abff");
  EXPECT_EQ(from_hex("0001ABff").value(), bytes);
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
}

TEST(Encoding, HexDigitsAndLowercaseHexText) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'}) EXPECT_EQ(hex_digit_value(c), -1) << c;
  EXPECT_TRUE(is_lower_hex(sha256_hex("x")));
  EXPECT_TRUE(is_lower_hex(""));
  EXPECT_FALSE(is_lower_hex("ABCDEF"));
  EXPECT_FALSE(is_lower_hex("0g"));
}

TEST(Encoding, RandomTokensUseTheAdvertisedAlphabet) {
  EXPECT_EQ(random_token(64).find_first_not_of(kRandomTokenAlphabet), std::string::npos);
}

TEST(Encoding, Base64KnownVectors) {
  // RFC 4648 section 10.
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded).value(), plain);
  }
  EXPECT_FALSE(base64_decode("Zm9").has_value());
  EXPECT_FALSE(base64_decode("Zm9*").has_value());
}

TEST(Encoding, Sha256KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Encoding, RandomTokensAreDistinctAndFromAlphabet) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; i++) {
    std::string t = random_token(24);
    ASSERT_EQ(t.size(), 24u);
    for (char c : t) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Encoding, UuidIsVersion4) {
  std::string u = random_uuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
  EXPECT_NE(u, random_uuid());
}

TEST(Encoding, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secre"));
}

}  // namespace
}  // namespace corral
