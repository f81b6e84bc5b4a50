#include "common/log.h"

#include <gtest/gtest.h>

namespace corral::log {
namespace {

TEST(Log, FormatsKeyValuePairsAndQuotes) {
  std::string line = format(Level::info, "agent.connected", {{"agent_id", "a1"}, {"hostname", "two words"}, {"n", 3}});
  EXPECT_NE(line.find(" level=info "), std::string::npos) << line;
  EXPECT_NE(line.find(" event=agent.connected"), std::string::npos) << line;
  EXPECT_NE(line.find(" agent_id=a1"), std::string::npos) << line;
  EXPECT_NE(line.find(" hostname=\"two words\""), std::string::npos) << line;
  EXPECT_NE(line.find(" n=3"), std::string::npos) << line;
}

TEST(Log, EscapesNewlinesSoOneEventIsOneLine) {
  std::string line = format(Level::warn, "x", {{"reason", "a\nb\"c"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("reason=\"a\\nb\\\"c\""), std::string::npos) << line;
}

TEST(Log, RedactsSecretLookingKeys) {
  std::string line = format(Level::info, "x", {{"join_token", "s3cr3t"}, {"password", "hunter2"}, {"token_id", "t1"}});
  EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
  EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  EXPECT_NE(line.find("token_id=t1"), std::string::npos) << line;
}

TEST(Log, ParsesLevels) {
  Level l;
  EXPECT_TRUE(parse_level("debug", &l));
  EXPECT_EQ(l, Level::debug);
  EXPECT_FALSE(parse_level("verbose", &l));
}

}  // namespace
}  // namespace corral::log
