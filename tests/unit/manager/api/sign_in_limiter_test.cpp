// The sign-in back-off: free failures, then waits that double up to a maximum, per user name and
// per source address, one attempt per user at a time; time is passed in, nothing sleeps.
#include "manager/api/sign_in_limiter.h"

#include <gtest/gtest.h>

namespace corral::manager {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

class SignInLimiterTest : public ::testing::Test {
 protected:
  SignInLimiterTest() {
    limits_.free_failures = 2;
    limits_.backoff = 1s;
    limits_.backoff_max = 8s;
    limits_.max_in_flight_per_address = 2;
  }
  // One whole failed attempt; returns what admit() said first.
  milliseconds fail(SignInLimiter& l, const std::string& user, const std::string& address) {
    milliseconds wait = l.admit(user, address, now_);
    if (wait.count() == 0) l.failed(user, address, now_);
    return wait;
  }

  SignInLimits limits_;
  SignInLimiter::TimePoint now_{std::chrono::hours(1)};
};

TEST_F(SignInLimiterTest, WaitsDoubleAfterTheFreeFailuresUpToTheMaximum) {
  SignInLimiter l(limits_);
  EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms);
  EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms);
  EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms) << "the third failure is recorded, then waits begin";
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 1000ms);
  for (milliseconds expected : {2000ms, 4000ms, 8000ms, 8000ms}) {
    now_ += l.admit("alice", "10.0.0.1", now_);
    EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms);
    EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), expected);
  }
  now_ += 500ms;
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 7500ms) << "the wait counts down";
}

TEST_F(SignInLimiterTest, TheUserNameIsLimitedFromEveryAddressAndWithoutRegardToCase) {
  SignInLimiter l(limits_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fail(l, "alice", "10.0.0." + std::to_string(i)), 0ms);
  EXPECT_EQ(l.admit("ALICE", "10.0.0.99", now_), 1000ms);
  EXPECT_EQ(l.admit("bob", "10.0.0.99", now_), 0ms) << "another user from a fresh address goes ahead";
}

TEST_F(SignInLimiterTest, TheAddressIsLimitedWhateverUserNameItTries) {
  SignInLimiter l(limits_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fail(l, "user" + std::to_string(i), "10.0.0.1"), 0ms);
  EXPECT_EQ(l.admit("someone-else", "10.0.0.1", now_), 1000ms);
  EXPECT_EQ(l.admit("someone-else", "10.0.0.2", now_), 0ms);
}

TEST_F(SignInLimiterTest, OneAttemptPerUserAtATimeAndAFewPerAddress) {
  SignInLimiter l(limits_);
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms);
  EXPECT_EQ(l.admit("alice", "10.0.0.2", now_), 1000ms) << "a second guess beside the first waits";
  EXPECT_EQ(l.admit("bob", "10.0.0.1", now_), 0ms);
  EXPECT_EQ(l.admit("carol", "10.0.0.1", now_), 1000ms) << "the address has 2 in flight";
  l.abandoned("alice", "10.0.0.1");
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms);
}

TEST_F(SignInLimiterTest, SuccessForgetsTheUsersFailuresButNotTheAddresss) {
  SignInLimiter l(limits_);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms);
  ASSERT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms);
  l.succeeded("alice", "10.0.0.1");
  EXPECT_EQ(fail(l, "alice", "10.0.0.2"), 0ms);
  EXPECT_EQ(fail(l, "alice", "10.0.0.2"), 0ms);
  EXPECT_EQ(l.admit("alice", "10.0.0.3", now_), 0ms) << "alice starts again from zero";
  l.abandoned("alice", "10.0.0.3");
  EXPECT_EQ(fail(l, "mallory", "10.0.0.1"), 0ms) << "the address's third failure";
  EXPECT_EQ(l.admit("trent", "10.0.0.1", now_), 1000ms);
}

TEST_F(SignInLimiterTest, AbandonedAttemptsCountAgainstNobody) {
  SignInLimiter l(limits_);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms);
    l.abandoned("alice", "10.0.0.1");
  }
  EXPECT_EQ(l.keys(), 0u);
}

TEST_F(SignInLimiterTest, FailuresAreForgottenAfterTwiceTheLongestWait) {
  SignInLimiter l(limits_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fail(l, "alice", "10.0.0.1"), 0ms);
  now_ += 16s;
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms);
  l.failed("alice", "10.0.0.1", now_);
  EXPECT_EQ(l.admit("alice", "10.0.0.1", now_), 0ms) << "counting starts again: one failure is free";
}

}  // namespace
}  // namespace corral::manager
