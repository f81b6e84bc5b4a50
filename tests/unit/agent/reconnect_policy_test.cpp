#include "agent/reconnect_policy.h"

#include <gtest/gtest.h>

namespace corral::agent {
namespace {

using std::chrono::milliseconds;

// The largest draw: every delay lands on its ceiling, which makes the backoff's growth visible.
ReconnectPolicy policy() {
  return ReconnectPolicy(milliseconds(1000), milliseconds(60000), [] { return ~uint64_t{0}; });
}

TEST(ReconnectPolicy, BacksOffAndWelcomeResets) {
  ReconnectPolicy p(milliseconds(1000), milliseconds(60000), [] { return uint64_t{1000}; });
  // Draw 1000 modulo (ceiling + 1) is 1000 while the ceiling is at least 1000.
  EXPECT_FALSE(p.on_closed(0));
  EXPECT_EQ(p.next_delay(), milliseconds(1000));
  EXPECT_EQ(p.attempt(), 1);
  p.next_delay();
  p.next_delay();
  EXPECT_EQ(p.attempt(), 3);
  p.on_welcome();
  EXPECT_EQ(p.attempt(), 0);
}

TEST(ReconnectPolicy, DelaysStayWithinTheCap) {
  ReconnectPolicy p = policy();
  for (int i = 0; i < 20; ++i) {
    milliseconds d = p.next_delay();
    EXPECT_LE(d, milliseconds(60000));
    EXPECT_GE(d.count(), 0);
  }
}

TEST(ReconnectPolicy, RevokedRetriesOnlyAtTheCapAndSaysSoOnce) {
  ReconnectPolicy p(milliseconds(1000), milliseconds(60000), [] { return uint64_t{0}; });
  EXPECT_EQ(p.next_delay(), milliseconds(0)) << "full jitter may retry at once";
  EXPECT_TRUE(p.on_closed(kCloseRevoked));
  EXPECT_TRUE(p.revoked());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(p.next_delay(), milliseconds(60000));
    // Refused again at the handshake (no close code) or closed with 4003 again: still revoked,
    // and not announced a second time.
    EXPECT_FALSE(p.on_closed(i % 2 ? kCloseRevoked : 0));
  }
}

TEST(ReconnectPolicy, WelcomeAfterRestoreEndsRevokedMode) {
  ReconnectPolicy p(milliseconds(1000), milliseconds(60000), [] { return uint64_t{0}; });
  EXPECT_TRUE(p.on_closed(kCloseRevoked));
  p.on_welcome();
  EXPECT_FALSE(p.revoked());
  EXPECT_EQ(p.next_delay(), milliseconds(0));
  EXPECT_TRUE(p.on_closed(kCloseRevoked)) << "a new revocation is announced again";
}

TEST(ReconnectPolicy, OtherCloseCodesAreNotRevocation) {
  ReconnectPolicy p = policy();
  EXPECT_FALSE(p.on_closed(kCloseGoingAway));
  EXPECT_FALSE(p.on_closed(kCloseProtocolError));
  EXPECT_FALSE(p.on_closed(4009));
  EXPECT_FALSE(p.revoked());
}

}  // namespace
}  // namespace corral::agent
