#include "manager/api/query.h"

#include <gtest/gtest.h>

namespace corral::manager::api {
namespace {

TEST(QueryParamsTest, DecodesAndReadsByName) {
  auto q = QueryParams::parse("pageSize=50&label=site%3Dlab&label=tier%3Dgold&name=a+b&flag");
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->take("name"), "a b");
  EXPECT_EQ(q->take_all("label"), (std::vector<std::string>{"site=lab", "tier=gold"}));
  EXPECT_EQ(q->take("flag"), "");
  EXPECT_EQ(q->take("absent"), std::nullopt);
  auto size = q->take_uint("pageSize", 10, 1, 100);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 50u);
  EXPECT_TRUE(q->check_all_taken().ok());
}

TEST(QueryParamsTest, UnknownParametersAreNamed) {
  auto q = QueryParams::parse("pageSize=5&colour=red");
  ASSERT_TRUE(q.ok());
  (void)q->take("pageSize");
  Status s = q->check_all_taken();
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_NE(s.message().find("unknown query parameter 'colour'"), std::string::npos) << s.message();
}

TEST(QueryParamsTest, NumbersOutOfRangeOrNotNumbersAreRefused) {
  for (const char* text : {"n=0", "n=1001", "n=-1", "n=1e3", "n=", "n=12x", "n=99999999999"}) {
    auto q = QueryParams::parse(text);
    ASSERT_TRUE(q.ok()) << text;
    auto n = q->take_uint("n", 5, 1, 1000);
    ASSERT_FALSE(n.ok()) << text;
    EXPECT_NE(n.status().message().find("query parameter n must be a whole number from 1 to 1000"), std::string::npos);
  }
  auto q = QueryParams::parse("");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->take_uint("n", 5, 1, 1000).value(), 5u);
}

TEST(QueryParamsTest, MalformedEscapesAndControlCharactersAreRefused) {
  EXPECT_FALSE(QueryParams::parse("a=%zz").ok());
  EXPECT_FALSE(QueryParams::parse("a=%4").ok());
  EXPECT_FALSE(QueryParams::parse("a=x%0Ay").ok());
  EXPECT_FALSE(QueryParams::parse("=value").ok());
  EXPECT_TRUE(QueryParams::parse("&&a=1&").ok());
}

TEST(PercentDecodeTest, PlusIsASpaceOnlyInQueries) {
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("a+b%2B", false), "a+b+");
  EXPECT_EQ(percent_decode("%e2%9c%93", false), "\xe2\x9c\x93");
  EXPECT_EQ(percent_decode("%7f", false), std::nullopt);
}

}  // namespace
}  // namespace corral::manager::api
