#include "common/time_format.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace corral {
namespace {

using namespace std::chrono;

TEST(TimeFormat, Rfc3339InUtcWithWholeSeconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1'700'000'000), "2023-11-14T22:13:20Z");
  // The ends of google.protobuf.Timestamp, beyond what a system_clock::time_point holds.
  EXPECT_EQ(format_rfc3339(-62'135'596'800), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(253'402'300'799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(253'402'300'800), "") << "year 10000 does not fit RFC 3339";
}

TEST(TimeFormat, Rfc3339WithMillisecondsForLogLines) {
  system_clock::time_point t{seconds(1'700'000'000) + milliseconds(42)};
  EXPECT_EQ(format_rfc3339_millis(t), "2023-11-14T22:13:20.042Z");
  EXPECT_EQ(format_rfc3339_millis(system_clock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(Clock, UnixAndSteadyConversions) {
  system_clock::time_point t{seconds(1'700'000'000) + milliseconds(999)};
  EXPECT_EQ(unix_seconds(t), 1'700'000'000);
  EXPECT_EQ(unix_millis(t), 1'700'000'000'999);
  EXPECT_EQ(steady_millis(steady_clock::time_point{} + seconds(3)), 3000);
}

}  // namespace
}  // namespace corral
