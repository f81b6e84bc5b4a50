#include "agent/capacity.h"

#include <gtest/gtest.h>

namespace corral::agent {
namespace {

TEST(Capacity, GenerationMovesOnlyOnChange) {
  Capacity c(4, 100);
  EXPECT_EQ(c.report().generation(), 100u);
  EXPECT_EQ(c.report().max_sessions(), 4u);
  EXPECT_FALSE(c.report().draining());

  EXPECT_FALSE(c.set_max_sessions(4));
  EXPECT_FALSE(c.set_draining(false));
  EXPECT_EQ(c.generation(), 100u);

  EXPECT_TRUE(c.set_draining(true));
  EXPECT_EQ(c.generation(), 101u);
  EXPECT_TRUE(c.set_max_sessions(2));
  EXPECT_EQ(c.generation(), 102u);
  auto r = c.report();
  EXPECT_EQ(r.generation(), 102u);
  EXPECT_EQ(r.max_sessions(), 2u);
  EXPECT_TRUE(r.draining());
  EXPECT_EQ(r.sessions_size(), 0);
}

TEST(Capacity, SessionsMoveTheGenerationOnlyWhenTheyDiffer) {
  Capacity c(4, 100);
  EXPECT_FALSE(c.set_sessions({}));
  corral::agent::v1::Session s;
  s.set_id("s1");
  s.set_user("alice");
  EXPECT_TRUE(c.set_sessions({s}));
  EXPECT_EQ(c.generation(), 101u);
  EXPECT_FALSE(c.set_sessions({s})) << "the same list again";
  s.set_state(corral::agent::v1::SESSION_STATE_DISCONNECTED);
  EXPECT_TRUE(c.set_sessions({s})) << "a session's state is part of the report";
  EXPECT_EQ(c.generation(), 102u);
  ASSERT_EQ(c.report().sessions_size(), 1);
  EXPECT_EQ(c.report().sessions(0).state(), corral::agent::v1::SESSION_STATE_DISCONNECTED);
  EXPECT_TRUE(c.set_sessions({}));
  EXPECT_EQ(c.report().sessions_size(), 0);
}

TEST(Capacity, GenerationNeverStartsAtZero) {
  // 0 is what a report without the field reads as.
  EXPECT_EQ(Capacity(1, 0).generation(), 1u);
}

}  // namespace
}  // namespace corral::agent
