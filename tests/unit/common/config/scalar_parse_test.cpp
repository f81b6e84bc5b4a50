#include "common/config/scalar_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace corral::config {
namespace {

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

struct SignedCase {
  const char* text;
  int64_t min;
  int64_t max;
  ScalarParse want;
  int64_t value;
};

TEST(ScalarParse, Signed) {
  const SignedCase cases[] = {
      {"0", kI32Min, kI32Max, ScalarParse::ok, 0},
      {"-0", kI32Min, kI32Max, ScalarParse::ok, 0},
      {"+17", kI32Min, kI32Max, ScalarParse::ok, 17},
      {"2147483647", kI32Min, kI32Max, ScalarParse::ok, kI32Max},
      {"-2147483648", kI32Min, kI32Max, ScalarParse::ok, kI32Min},
      {"2147483648", kI32Min, kI32Max, ScalarParse::out_of_range, 0},
      {"-2147483649", kI32Min, kI32Max, ScalarParse::out_of_range, 0},
      {"9223372036854775807", kI64Min, kI64Max, ScalarParse::ok, kI64Max},
      {"-9223372036854775808", kI64Min, kI64Max, ScalarParse::ok, kI64Min},
      {"9223372036854775808", kI64Min, kI64Max, ScalarParse::out_of_range, 0},
      {"-9223372036854775809", kI64Min, kI64Max, ScalarParse::out_of_range, 0},
      {"99999999999999999999999", kI64Min, kI64Max, ScalarParse::out_of_range, 0},
      {"0x1F", kI32Min, kI32Max, ScalarParse::ok, 31},
      {"0o17", kI32Min, kI32Max, ScalarParse::ok, 15},
      {"-0x1F", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"0x", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"-", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"--1", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"+-1", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"1.0", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"12abc", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {" 1", kI32Min, kI32Max, ScalarParse::malformed, 0},
      {"ten", kI32Min, kI32Max, ScalarParse::malformed, 0},
  };
  for (const auto& c : cases) {
    int64_t value = -12345;
    EXPECT_EQ(parse_signed(c.text, c.min, c.max, &value), c.want) << c.text;
    if (c.want == ScalarParse::ok) {
      EXPECT_EQ(value, c.value) << c.text;
    }
  }
}

TEST(ScalarParse, Unsigned) {
  struct Case {
    const char* text;
    uint64_t max;
    ScalarParse want;
    uint64_t value;
  };
  const uint64_t u32 = std::numeric_limits<uint32_t>::max();
  const uint64_t u64 = std::numeric_limits<uint64_t>::max();
  const Case cases[] = {
      {"0", u32, ScalarParse::ok, 0},
      {"+5", u32, ScalarParse::ok, 5},
      {"4294967295", u32, ScalarParse::ok, u32},
      {"4294967296", u32, ScalarParse::out_of_range, 0},
      {"18446744073709551615", u64, ScalarParse::ok, u64},
      {"18446744073709551616", u64, ScalarParse::out_of_range, 0},
      {"0xFFFFFFFF", u32, ScalarParse::ok, u32},
      {"0x100000000", u32, ScalarParse::out_of_range, 0},
      {"-1", u32, ScalarParse::malformed, 0},
      {"-0", u32, ScalarParse::malformed, 0},
      {"1e3", u32, ScalarParse::malformed, 0},
      {"", u32, ScalarParse::malformed, 0},
  };
  for (const auto& c : cases) {
    uint64_t value = 12345;
    EXPECT_EQ(parse_unsigned(c.text, c.max, &value), c.want) << c.text;
    if (c.want == ScalarParse::ok) {
      EXPECT_EQ(value, c.value) << c.text;
    }
  }
}

TEST(ScalarParse, Double) {
  struct Case {
    const char* text;
    ScalarParse want;
    double value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {"1.5", ScalarParse::ok, 1.5},
      {"-2", ScalarParse::ok, -2},
      {"+2.5e3", ScalarParse::ok, 2500},
      {".5", ScalarParse::ok, 0.5},
      {"1e-400", ScalarParse::ok, 0},
      {"0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
       ScalarParse::ok, 0},
      {"1e400", ScalarParse::out_of_range, 0},
      {"-1e400", ScalarParse::out_of_range, 0},
      // Large mantissa, negative exponent, still too big: the sign of the exponent alone is not enough.
      {"1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e-10",
       ScalarParse::out_of_range, 0},
      {".inf", ScalarParse::ok, inf},
      {"-.Inf", ScalarParse::ok, -inf},
      {"+.INF", ScalarParse::ok, inf},
      {"inf", ScalarParse::malformed, 0},
      {"nan", ScalarParse::malformed, 0},
      {"infinity", ScalarParse::malformed, 0},
      {"0x10", ScalarParse::malformed, 0},
      {"1.2.3", ScalarParse::malformed, 0},
      {"1e", ScalarParse::malformed, 0},
      {"", ScalarParse::malformed, 0},
      {"-", ScalarParse::malformed, 0},
      {"--1", ScalarParse::malformed, 0},
  };
  for (const auto& c : cases) {
    double value = 12345;
    EXPECT_EQ(parse_double(c.text, &value), c.want) << c.text;
    if (c.want == ScalarParse::ok) {
      EXPECT_EQ(value, c.value) << c.text;
    }
  }
  double nan = 0;
  ASSERT_EQ(parse_double(".nan", &nan), ScalarParse::ok);
  EXPECT_TRUE(std::isnan(nan));
}

TEST(ScalarParse, FloatRange) {
  float value = 0;
  EXPECT_EQ(parse_float("3.4e38", &value), ScalarParse::ok);
  EXPECT_EQ(parse_float("3.5e38", &value), ScalarParse::out_of_range);
  EXPECT_EQ(parse_float("-1e39", &value), ScalarParse::out_of_range);
  EXPECT_EQ(parse_float(".inf", &value), ScalarParse::ok);
  EXPECT_TRUE(std::isinf(value));
  EXPECT_EQ(parse_float("0.25", &value), ScalarParse::ok);
  EXPECT_EQ(value, 0.25f);
}

TEST(ScalarParse, Bool) {
  for (const char* t : {"true", "True", "TRUE"}) EXPECT_EQ(parse_bool(t), std::optional<bool>(true)) << t;
  for (const char* f : {"false", "False", "FALSE"}) EXPECT_EQ(parse_bool(f), std::optional<bool>(false)) << f;
  for (const char* bad : {"yes", "no", "on", "off", "1", "0", "tRUE", ""})
    EXPECT_EQ(parse_bool(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace corral::config
