#include "manager/directory/hostname_pattern.h"

#include <gtest/gtest.h>

#include "manager/directory/computer_records.h"

namespace corral::manager::directory {
namespace {

RandomBytes zeros() {
  return [](size_t n) { return std::string(n, '\0'); };
}

TEST(HostnamePattern, DefaultFillsFifteenCharacters) {
  auto p = HostnamePattern::parse(kDefaultHostnamePattern);
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (int i = 0; i < 100; ++i) {
    std::string name = p->generate(system_random());
    ASSERT_EQ(name.size(), 15u) << name;
    EXPECT_TRUE(name.starts_with("corral-")) << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos) << name;
  }
  EXPECT_EQ(p->generate(zeros()), "corral-aaaaaaaa");
}

TEST(HostnamePattern, FixedRandomLengthAndSuffix) {
  auto p = HostnamePattern::parse("WIN-{random:4}-x");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->generate(zeros()), "win-aaaa-x");
  EXPECT_TRUE(p->has_random());
}

TEST(HostnamePattern, ANameWithoutLettersStartsWithALetter) {
  auto p = HostnamePattern::parse("{random:6}");
  ASSERT_TRUE(p.ok());
  // Byte 26 would be '0' in the full alphabet; the first character draws from letters only.
  RandomBytes twenty_six = [](size_t n) { return std::string(n, '\x1a'); };
  EXPECT_EQ(p->generate(twenty_six), "a00000");

  // Literal parts of digits only leave the same risk (found by fuzz_directory_text).
  for (const char* digits_only : {"{random}7", "42-{random:3}", "{random:2}-0"}) {
    auto q = HostnamePattern::parse(digits_only);
    ASSERT_TRUE(q.ok()) << digits_only;
    std::string name = q->generate(twenty_six);
    EXPECT_NE(name.find('a'), std::string::npos) << digits_only << " gave " << name;
  }
  // A letter in the literal part is enough: the random part draws from the whole alphabet.
  EXPECT_EQ(HostnamePattern::parse("x{random:2}")->generate(twenty_six), "x00");
}

TEST(HostnamePattern, AHugeRandomLengthIsRefusedNotWrapped) {
  // 17 + (2^64 - 3) wraps to 14 in size_t (found by fuzz_directory_text).
  auto p = HostnamePattern::parse("a{random:18446744073709551613}");
  EXPECT_FALSE(p.ok());
  EXPECT_FALSE(HostnamePattern::parse("abcdefghijklmnopq{random:18446744073709551613}").ok());
  EXPECT_FALSE(HostnamePattern::parse("{random:16}").ok());
  EXPECT_TRUE(HostnamePattern::parse("{random:15}").ok());
}

TEST(HostnamePattern, RefusesWhatNetbiosOrDnsWouldNot) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  for (auto [pattern, message] : std::initializer_list<Case>{
           {"corral-{random:9}", "hostname pattern makes names of 16 characters; NetBIOS allows at most 15"},
           {"averyveryverylongname", "hostname pattern makes names of 21 characters; NetBIOS allows at most 15"},
           {"corral_{random}", "hostname pattern may hold only letters, digits, '-' and one {random}; found '_'"},
           {"-x{random}", "hostname pattern makes names that begin or end with '-'"},
           {"fixed-", "hostname pattern makes names that begin or end with '-'"},
           {"12345", "hostname pattern makes names of digits only"},
           {"x{rand}", "hostname pattern knows only {random} and {random:N}"},
           {"x{random:0}", "hostname pattern: {random:N} needs a positive number N"},
           {"x{random", "hostname pattern has an unclosed '{'"},
           {"abcdefghijklmno{random}", "hostname pattern leaves no room for {random} in 15 characters"},
           {"", "hostname pattern is empty"},
       }) {
    auto p = HostnamePattern::parse(pattern);
    ASSERT_FALSE(p.ok()) << pattern;
    EXPECT_EQ(p.status().message(), message) << pattern;
  }
  EXPECT_TRUE(HostnamePattern::parse("web-01").ok());
  EXPECT_FALSE(HostnamePattern::parse("web-01").value().has_random());
}

TEST(HostnamePattern, AccountNameIsUpperCaseWithDollar) {
  EXPECT_EQ(computer_account_name("corral-ab12cd34"), "CORRAL-AB12CD34$");
}

TEST(DnsDomain, FromTheDcPartsOfTheBaseDn) {
  EXPECT_EQ(dns_domain_of("DC=Example,DC=local"), "example.local");
  EXPECT_EQ(dns_domain_of("OU=x, dc=corp , dc=example,DC=com"), "corp.example.com");
  EXPECT_EQ(dns_domain_of("CN=Computers"), "");
}

}  // namespace
}  // namespace corral::manager::directory
