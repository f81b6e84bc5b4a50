#include "common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/unit/common/log_lines.h"

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

TEST(Log, FlushDeliversEverythingLoggedToStderrInOrder) {
  testing::DrainedPipe pipe;
  ASSERT_GE(pipe.write_fd(), 0);
  pipe.start_reading();
  {
    testing::StderrRedirect redirect(pipe.write_fd());
    for (int i = 0; i < 2000; ++i) info("test.flush_line", {{"i", i}});
    flush();
  }
  std::vector<std::string> lines = testing::split_lines(pipe.finish());
  ASSERT_EQ(lines.size(), 2000u);
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(lines[i].ends_with(" i=" + std::to_string(i))) << lines[i];
}

// The process's own stderr, blocked: nobody reads the pipe until the caller has logged 10 MB.
TEST(Log, ABlockedStderrCostsLinesNotTheCallerNorTheOrder) {
  testing::DrainedPipe pipe;
  ASSERT_GE(pipe.write_fd(), 0);
  testing::StderrRedirect redirect(pipe.write_fd());
  constexpr int kLines = 100000;
  for (int i = 0; i < kLines; ++i) info("test.blocked_line", {{"pad", std::string(60, '.')}, {"i", i}});
  pipe.start_reading();
  flush();
  redirect.restore();

  int kept = 0;
  long reported = 0;
  long last = -1;
  for (const std::string& line : testing::split_lines(pipe.finish())) {
    if (line.find(" event=log.dropped ") != std::string::npos) {
      size_t at = line.find(" count=");
      ASSERT_NE(at, std::string::npos) << line;
      reported += std::stol(line.substr(at + 7));
      ASSERT_NE(line.find(" level=warn "), std::string::npos) << line;
      continue;
    }
    ASSERT_NE(line.find(" event=test.blocked_line "), std::string::npos) << line;
    long i = std::stol(line.substr(line.rfind(" i=") + 3));
    ASSERT_GT(i, last) << "out of order";
    last = i;
    kept++;
  }
  EXPECT_GT(reported, 0);
  EXPECT_EQ(kept + reported, kLines);
}

using LogDeathTest = ::testing::Test;

// A fresh process (not a fork of this one), so its lines really wait in the queue of a running
// writer thread when it aborts or exits.
TEST_F(LogDeathTest, AnErrorBeforeAbortReachesStderrAfterWhatWasQueued) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        for (int i = 0; i < 1000; ++i) info("test.queued", {{"i", i}});
        error_before_abort("test.dying", {{"why", "testing"}});
        std::abort();
      },
      "i=999\n[^\n]*level=error [^\n]*event=test.dying why=testing");
}

TEST_F(LogDeathTest, ExitWritesWhatIsQueued) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        for (int i = 0; i < 5000; ++i) info("test.exiting", {{"i", i}});
        std::exit(3);
      },
      ::testing::ExitedWithCode(3), "event=test.exiting i=4999\n$");
}

}  // namespace
}  // namespace corral::log
