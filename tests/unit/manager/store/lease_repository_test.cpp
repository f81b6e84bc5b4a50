// Leases with time moved by hand (unix milliseconds): who may take, extend and give one up.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::SqliteStoreTest;

using test_support::kNowMs;
constexpr int64_t kTtl = 15'000;

using LeaseRepositoryTest = SqliteStoreTest;

TEST_F(LeaseRepositoryTest, FreeLeaseIsAcquiredAndHeldUntilExpiry) {
  auto& leases = store_->leases();
  EXPECT_FALSE(leases.get("autoscaler").value().has_value());
  ASSERT_TRUE(leases.acquire("autoscaler", "m1", kTtl, kNowMs).value());
  auto held = leases.get("autoscaler").value();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->holder, "m1");
  EXPECT_EQ(held->expires_at_ms, kNowMs + kTtl);

  // Another manager is refused up to the last millisecond, and gets it at expiry.
  EXPECT_FALSE(leases.acquire("autoscaler", "m2", kTtl, kNowMs + kTtl - 1).value());
  EXPECT_EQ(leases.get("autoscaler").value()->holder, "m1");
  EXPECT_TRUE(leases.acquire("autoscaler", "m2", kTtl, kNowMs + kTtl).value());
  EXPECT_EQ(leases.get("autoscaler").value()->holder, "m2");
  EXPECT_EQ(leases.get("autoscaler").value()->expires_at_ms, kNowMs + 2 * kTtl);
  // Leases are independent by name.
  EXPECT_TRUE(leases.acquire("other-job", "m1", kTtl, kNowMs + kTtl).value());
}

TEST_F(LeaseRepositoryTest, HolderReacquiringExtends) {
  auto& leases = store_->leases();
  ASSERT_TRUE(leases.acquire("autoscaler", "m1", kTtl, kNowMs).value());
  ASSERT_TRUE(leases.acquire("autoscaler", "m1", kTtl, kNowMs + 1000).value());
  EXPECT_EQ(leases.get("autoscaler").value()->expires_at_ms, kNowMs + 1000 + kTtl);
}

TEST_F(LeaseRepositoryTest, OnlyTheUnexpiredHolderRenews) {
  auto& leases = store_->leases();
  EXPECT_FALSE(leases.renew("autoscaler", "m1", kTtl, kNowMs).value()) << "nothing to renew";
  ASSERT_TRUE(leases.acquire("autoscaler", "m1", kTtl, kNowMs).value());
  EXPECT_FALSE(leases.renew("autoscaler", "m2", kTtl, kNowMs + 1).value());
  ASSERT_TRUE(leases.renew("autoscaler", "m1", kTtl, kNowMs + 10'000).value());
  EXPECT_EQ(leases.get("autoscaler").value()->expires_at_ms, kNowMs + 10'000 + kTtl);
  // Once expired the holder must acquire again: someone else may have seen it free.
  EXPECT_FALSE(leases.renew("autoscaler", "m1", kTtl, kNowMs + 10'000 + kTtl).value());
  EXPECT_EQ(leases.get("autoscaler").value()->expires_at_ms, kNowMs + 10'000 + kTtl);
}

TEST_F(LeaseRepositoryTest, OnlyTheHolderReleases) {
  auto& leases = store_->leases();
  ASSERT_TRUE(leases.acquire("autoscaler", "m1", kTtl, kNowMs).value());
  EXPECT_FALSE(leases.release("autoscaler", "m2").value());
  EXPECT_EQ(leases.get("autoscaler").value()->holder, "m1");
  EXPECT_TRUE(leases.release("autoscaler", "m1").value());
  EXPECT_FALSE(leases.get("autoscaler").value().has_value());
  EXPECT_FALSE(leases.release("autoscaler", "m1").value());
  // Free again: anyone may take it at once.
  EXPECT_TRUE(leases.acquire("autoscaler", "m2", kTtl, kNowMs + 1).value());
}

TEST_F(LeaseRepositoryTest, TwoManagersOnOneDatabaseSeeOneHolder) {
  auto other = SqliteStore::open(path_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->leases().acquire("autoscaler", "m1", kTtl, kNowMs).value());
  EXPECT_FALSE((*other)->leases().acquire("autoscaler", "m2", kTtl, kNowMs + 1).value());
  EXPECT_EQ((*other)->leases().get("autoscaler").value()->holder, "m1");
}

TEST_F(LeaseRepositoryTest, BadArgumentsAreRejected) {
  auto& leases = store_->leases();
  EXPECT_EQ(leases.acquire("", "m1", kTtl, kNowMs).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(leases.acquire("l", "", kTtl, kNowMs).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(leases.acquire("l", "m1", 0, kNowMs).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(leases.renew("l", "m1", -1, kNowMs).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(leases.acquire("l", "m1", kTtl, INT64_MAX).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::store
