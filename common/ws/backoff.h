// Reconnect delays for the agent: exponential backoff with full jitter (the AWS architecture blog's
// "Exponential Backoff And Jitter"), so a fleet that lost the manager at once does not reconnect
// in lockstep. Owned by the agent's connection loop; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace corral::ws {

class Backoff {
 public:
  // RANDOM returns uniformly distributed 64-bit values; tests inject a fixed sequence. Empty means
  // an mt19937_64 seeded from std::random_device. Negative durations count as zero.
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::function<uint64_t()> random = {});

  // Uniform in [0, min(cap, base * 2^attempt)], then attempt grows by one.
  std::chrono::milliseconds next();
  // After a connection that stayed up: the next delay is drawn from [0, base] again.
  void reset() { attempt_ = 0; }
  // How many delays next() has handed out since construction or reset().
  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  std::function<uint64_t()> random_;
  int attempt_ = 0;
};

}  // namespace corral::ws
