#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace corral {
namespace {

Result<std::string> find(bool present) {
  if (!present) return error(ErrorCode::not_found, "no such thing");
  return std::string("thing");
}

TEST(ResultTest, HoldsAValueOrAnError) {
  auto found = find(true);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, "thing");
  EXPECT_TRUE(found.status().ok());

  auto missing = find(false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::not_found);
  EXPECT_EQ(missing.status().to_string(), "not_found: no such thing");
}

TEST(ResultTest, MovesOutAMoveOnlyValue) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, ResultFromAnOkStatusIsAnInternalError) {
  Result<int> r{Status{}};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::internal);
}

using ResultDeathTest = ::testing::Test;

// value() on an error is a logged abort in every build type, never a bad_variant_access or a
// read of the wrong alternative.
TEST_F(ResultDeathTest, ValueOfAnErrorAbortsWithTheError) {
  auto missing = find(false);
  EXPECT_DEATH((void)missing.value(), "result.value_of_error.*not_found: no such thing");
  const auto& constant = missing;
  EXPECT_DEATH((void)constant.value(), "result.value_of_error");
  EXPECT_DEATH((void)std::move(missing).value(), "result.value_of_error");
  EXPECT_DEATH((void)*find(false), "result.value_of_error");
}

}  // namespace
}  // namespace corral
