#include "manager/providers/http_retry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>

namespace corral::manager::providers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(HttpRetry, IdempotentMethods) {
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE"}) EXPECT_TRUE(is_idempotent_request(m, false)) << m;
  for (const char* m : {"POST", "PATCH"}) {
    EXPECT_FALSE(is_idempotent_request(m, false)) << m;
    EXPECT_TRUE(is_idempotent_request(m, true)) << m;
  }
}

TEST(HttpRetry, RetryableStatuses) {
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 412, 422, 501, 505}) {
    EXPECT_FALSE(is_retryable_status(s)) << s;
  }
}

TEST(HttpRetry, RetryAfterSeconds) {
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), seconds(86'400));
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(HttpRetry, RetryAfterHttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT
  auto date = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", date - seconds(30)), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", date - seconds(5)), milliseconds(5'000));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", date - seconds(1)), milliseconds(1'000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", date + seconds(10)), milliseconds(0));
}

TEST(HttpRetry, FullJitterStaysWithinTheExponentialCeiling) {
  const milliseconds base(100);
  const milliseconds cap(1000);
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(full_jitter_backoff(1, base, cap, 0), milliseconds(0));
  // random % (ceiling + 1): the largest value each retry can draw.
  EXPECT_EQ(full_jitter_backoff(1, base, cap, 100), milliseconds(100));
  EXPECT_EQ(full_jitter_backoff(2, base, cap, 200), milliseconds(200));
  EXPECT_EQ(full_jitter_backoff(3, base, cap, 400), milliseconds(400));
  EXPECT_EQ(full_jitter_backoff(4, base, cap, 800), milliseconds(800));
  EXPECT_EQ(full_jitter_backoff(5, base, cap, 1000), milliseconds(1000));  // capped
  EXPECT_EQ(full_jitter_backoff(1, base, cap, 101), milliseconds(0));      // wraps: never above the ceiling
  for (uint32_t retry = 1; retry < 80; ++retry) {
    for (uint64_t r : {uint64_t{0}, uint64_t{12345}, max / 3, max}) {
      auto wait = full_jitter_backoff(retry, base, cap, r);
      EXPECT_GE(wait.count(), 0);
      EXPECT_LE(wait, cap);
    }
  }
  EXPECT_EQ(full_jitter_backoff(0, base, cap, 50), milliseconds(0));
}

TEST(HttpRetry, TheSystemWaitEndsWhenTheCallIsCancelled) {
  const RetryTiming& timing = system_retry_timing();
  std::atomic<bool> cancelled{true};
  EXPECT_FALSE(timing.wait(seconds(60), &cancelled)) << "already cancelled: no wait";
  EXPECT_TRUE(timing.wait(milliseconds(0), nullptr));

  // Cancelled while waiting (or before it starts: either way it must not wait the minute).
  cancelled = false;
  auto waiting = std::async(std::launch::async, [&] { return timing.wait(seconds(60), &cancelled); });
  cancelled = true;
  EXPECT_FALSE(waiting.get());
}

}  // namespace
}  // namespace corral::manager::providers
