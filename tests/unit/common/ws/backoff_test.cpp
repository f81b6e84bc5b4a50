#include "common/ws/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace corral::ws {
namespace {

using std::chrono::milliseconds;

constexpr uint64_t kMaxRandom = std::numeric_limits<uint64_t>::max();

std::function<uint64_t()> constant(uint64_t value) {
  return [value] { return value; };
}

TEST(Backoff, CeilingDoublesUpToCap) {
  // A draw equal to the expected ceiling comes back unchanged only if it is inside [0, ceiling], and
  // the next test shows one more wraps, so this pins the ceiling of each attempt.
  std::vector<int64_t> ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
  size_t call = 0;
  Backoff backoff(milliseconds(100), milliseconds(1000), [&] { return static_cast<uint64_t>(ceilings[call++]); });
  for (size_t i = 0; i < ceilings.size(); ++i) {
    EXPECT_EQ(backoff.attempt(), static_cast<int>(i));
    EXPECT_EQ(backoff.next(), milliseconds(ceilings[i])) << "attempt " << i;
  }
  // One past the ceiling wraps to 0, proving the range is [0, ceiling] and nothing more.
  Backoff over(milliseconds(100), milliseconds(1000), constant(101));
  EXPECT_EQ(over.next(), milliseconds(0));
}

TEST(Backoff, BoundedByCapForAnyRandomValue) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{999}, uint64_t{123456789}, kMaxRandom, kMaxRandom - 1}) {
    Backoff backoff(milliseconds(250), milliseconds(30000), constant(value));
    for (int i = 0; i < 80; ++i) {
      milliseconds delay = backoff.next();
      EXPECT_GE(delay.count(), 0) << value << " attempt " << i;
      EXPECT_LE(delay, milliseconds(30000)) << value << " attempt " << i;
      int64_t ceiling = i < 7 ? int64_t{250} << i : 30000;
      EXPECT_LE(delay.count(), ceiling) << value << " attempt " << i;
    }
  }
}

TEST(Backoff, FullJitterUsesTheRandomSource) {
  // The delay is the random value reduced into [0, ceiling], not the ceiling minus a little.
  std::vector<uint64_t> draws = {0, 37, 1, 12345};
  size_t call = 0;
  Backoff backoff(milliseconds(100), milliseconds(100000), [&] { return draws[call++]; });
  EXPECT_EQ(backoff.next(), milliseconds(0));            // [0, 100]
  EXPECT_EQ(backoff.next(), milliseconds(37));           // [0, 200]
  EXPECT_EQ(backoff.next(), milliseconds(1));            // [0, 400]
  EXPECT_EQ(backoff.next(), milliseconds(12345 % 801));  // [0, 800]
  EXPECT_EQ(call, draws.size());
}

TEST(Backoff, DefaultSourceSpreadsDelays) {
  Backoff backoff(milliseconds(1000), milliseconds(1000));
  int distinct_from_first = 0;
  milliseconds first = backoff.next();
  for (int i = 0; i < 50; ++i) {
    milliseconds delay = backoff.next();
    EXPECT_LE(delay, milliseconds(1000));
    if (delay != first) ++distinct_from_first;
  }
  // 50 draws from 1001 values all equal to the first would mean no jitter at all.
  EXPECT_GT(distinct_from_first, 0);
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff(milliseconds(100), milliseconds(100000), constant(kMaxRandom));
  for (int i = 0; i < 5; ++i) backoff.next();
  EXPECT_EQ(backoff.attempt(), 5);
  backoff.reset();
  EXPECT_EQ(backoff.attempt(), 0);
  // Back to [0, 100]: 2^64-1 mod 101.
  EXPECT_EQ(backoff.next(), milliseconds(kMaxRandom % 101));
  EXPECT_EQ(backoff.attempt(), 1);
}

TEST(Backoff, LargeAttemptCountsDoNotOverflow) {
  const milliseconds cap(std::chrono::hours(1));
  Backoff backoff(milliseconds(500), cap, constant(static_cast<uint64_t>(cap.count())));
  // 500 ms * 2^13 passes the cap; from there on every ceiling is the cap, including attempts 64,
  // 128, ... where a shift by the raw attempt count would wrap on x86.
  for (int i = 0; i < 1000; ++i) {
    milliseconds delay = backoff.next();
    if (i >= 13) {
      ASSERT_EQ(delay, cap) << "attempt " << i;
    } else {
      ASSERT_EQ(delay.count(), cap.count() % ((int64_t{500} << i) + 1)) << "attempt " << i;
    }
  }
  EXPECT_EQ(backoff.attempt(), 1000);
  // Extreme durations too: base and cap near the top of the representation.
  const milliseconds huge(std::numeric_limits<milliseconds::rep>::max());
  Backoff extreme(huge, huge, constant(kMaxRandom));
  for (int i = 0; i < 1000; ++i) {
    milliseconds d = extreme.next();
    EXPECT_GE(d.count(), 0);
  }
}

TEST(Backoff, ZeroBaseMeansNoDelay) {
  Backoff backoff(milliseconds(0), milliseconds(5000), constant(kMaxRandom));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(backoff.next(), milliseconds(0)) << i;
}

TEST(Backoff, BaseAboveCapIsCapped) {
  Backoff backoff(milliseconds(10000), milliseconds(3000), constant(3000));
  EXPECT_EQ(backoff.next(), milliseconds(3000));
  Backoff over(milliseconds(10000), milliseconds(3000), constant(3001));
  EXPECT_EQ(over.next(), milliseconds(0));
}

}  // namespace
}  // namespace corral::ws
