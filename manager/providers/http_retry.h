// When the manager's HTTP service for plugins (host_http.h) sends a request again, and how long
// it waits before doing so. Pure functions, so the policy is tested without a network.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace corral::manager::providers {

// GET, HEAD, PUT and DELETE are idempotent by their definition (RFC 9110); any other method only
// when the plugin says so (HttpRequest.idempotent).
bool is_idempotent_request(std::string_view method, bool marked_idempotent);

// 408, 429, 500, 502, 503 and 504: the server did not do the work, or says to try later.
bool is_retryable_status(int status);

// A Retry-After value (RFC 9110 10.2.3): delay-seconds, or an HTTP-date taken relative to NOW
// (a date in the past is zero). nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// "Full jitter" exponential backoff: uniform in [0, min(cap, base * 2^(retry - 1))], where retry
// is 1 before the first resend. RANDOM is a uniformly distributed 64-bit value.
std::chrono::milliseconds full_jitter_backoff(uint32_t retry, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap, uint64_t random);

// Time as the retry loop sees it: the clock of call deadlines, the wall clock Retry-After dates
// are read against, and the wait between attempts. Tests give one that records the waits and moves
// time by hand, so backoff and Retry-After are checked without waiting.
class RetryTiming {
 public:
  virtual ~RetryTiming() = default;
  // Milliseconds of the clock deadlines are on (corral_host_v1.monotonic_ms).
  virtual int64_t monotonic_ms() const = 0;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  // Waits WAIT unless *CANCELLED (may be null) turns true first; true when it waited it all.
  virtual bool wait(std::chrono::milliseconds wait, const std::atomic<bool>* cancelled) const = 0;
};

// steady_clock, system_clock, and a wait that looks at the cancellation flag every 20 ms.
const RetryTiming& system_retry_timing();

}  // namespace corral::manager::providers
