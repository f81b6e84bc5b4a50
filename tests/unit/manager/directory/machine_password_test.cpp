#include "manager/directory/machine_password.h"

#include <gtest/gtest.h>

#include <set>

namespace corral::manager::directory {
namespace {

// Bytes counting up from SEED: deterministic, and every value below 256 appears.
RandomBytes counting(unsigned char seed) {
  return [seed](size_t n) mutable {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(seed++));
    return out;
  };
}

TEST(MachinePassword, HasEveryCharacterClassAndTheLength) {
  for (int i = 0; i < 200; ++i) {
    std::string p = generate_machine_password(system_random());
    ASSERT_EQ(p.size(), kMachinePasswordLength);
    EXPECT_NE(p.find_first_of("ABCDEFGHJKLMNPQRSTUVWXYZ"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("abcdefghijkmnopqrstuvwxyz"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("23456789"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("-_.:+=@#,~*"), std::string::npos) << p;
    EXPECT_EQ(p.find_first_of("\"'`$\\{}%^&|<>;! "), std::string::npos) << p;
    EXPECT_TRUE(meets_ad_complexity(p)) << p;
  }
}

TEST(MachinePassword, DrawsFromTheRandomSourceAndDiffersEachTime) {
  EXPECT_EQ(generate_machine_password(counting(7)), generate_machine_password(counting(7)));
  EXPECT_NE(generate_machine_password(counting(7)), generate_machine_password(counting(8)));
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(generate_machine_password(system_random()));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(MachinePassword, RejectsBytesThatWouldBiasTheChoice) {
  // Only 255s (above every set's largest multiple below 256) then counting: the 255s are skipped.
  int calls = 0;
  RandomBytes high_then_counting = [&calls, next = counting(0)](size_t n) mutable {
    return calls++ == 0 ? std::string(n, '\xff') : next(n);
  };
  EXPECT_EQ(generate_machine_password(high_then_counting).size(), kMachinePasswordLength);
  EXPECT_GT(calls, 1);
}

TEST(MachinePassword, ComplexityFollowsAdDefaults) {
  EXPECT_TRUE(meets_ad_complexity("Abcdef1"));
  EXPECT_TRUE(meets_ad_complexity("abcdef1-"));
  EXPECT_FALSE(meets_ad_complexity("Abc1"));         // too short
  EXPECT_FALSE(meets_ad_complexity("abcdefgh123"));  // two classes
}

TEST(UnicodePwd, QuotesAndEncodesAsUtf16le) {
  auto v = unicode_pwd_value("Ab1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, std::string("\"\0A\0b\x00"
                            "1\0\"\0",
                            10));
}

TEST(UnicodePwd, EncodesMultiByteAndAstralCharacters) {
  auto v = unicode_pwd_value("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");  // é € 😀
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, std::string("\"\0\xe9\0\xac\x20\x3d\xd8\x00\xde\"\0", 12));
}

TEST(UnicodePwd, RefusesInvalidUtf8) {
  for (std::string bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "a\x80"}) {
    auto v = unicode_pwd_value(bad);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().message(), "password is not valid UTF-8");
  }
}

}  // namespace
}  // namespace corral::manager::directory
