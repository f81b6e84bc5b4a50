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

TEST(Capacity, GenerationNeverStartsAtZero) {
  // 0 is what a report without the field reads as.
  EXPECT_EQ(Capacity(1, 0).generation(), 1u);
}

}  // namespace
}  // namespace corral::agent
