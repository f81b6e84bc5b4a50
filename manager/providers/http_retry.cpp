#include "manager/providers/http_retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <string>
#include <thread>

namespace corral::manager::providers {

bool is_idempotent_request(std::string_view method, bool marked_idempotent) {
  return marked_idempotent || method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
}

bool is_retryable_status(int status) {
  switch (status) {
    case 408:  // Request Timeout: the server gave up waiting for the request
    case 429:  // Too Many Requests
    case 500:  // the cloud APIs (AWS, Azure, GCP) document 500 as retryable for idempotent calls
    case 502:
    case 503:
    case 504: return true;
    default: return false;
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything beyond a day is "much later" to every caller; capping keeps the arithmetic sane.
    constexpr int64_t kMaxSeconds = 86'400;
    int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxSeconds) return std::chrono::seconds(kMaxSeconds);
    }
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate, and the obsolete RFC 850 and asctime forms, all of which libcurl parses.
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  auto delay = std::chrono::system_clock::from_time_t(when) - now;
  if (delay <= std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(delay),
                  std::chrono::milliseconds(std::chrono::hours(24)));
}

std::chrono::milliseconds full_jitter_backoff(uint32_t retry, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap, uint64_t random) {
  if (retry == 0 || base.count() <= 0 || cap.count() <= 0) return std::chrono::milliseconds(0);
  int64_t ceiling = base.count();
  for (uint32_t i = 1; i < retry && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap.count());
  return std::chrono::milliseconds(static_cast<int64_t>(random % static_cast<uint64_t>(ceiling + 1)));
}

namespace {

class SystemRetryTiming final : public RetryTiming {
 public:
  int64_t monotonic_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }
  bool wait(std::chrono::milliseconds wait, const std::atomic<bool>* cancelled) const override {
    // How often the wait looks at the flag: a plugin's cancellation is noticed within this.
    constexpr std::chrono::milliseconds kSlice{20};
    auto until = std::chrono::steady_clock::now() + wait;
    while (true) {
      if (cancelled != nullptr && cancelled->load()) return false;
      auto now = std::chrono::steady_clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, kSlice));
    }
  }
};

}  // namespace

const RetryTiming& system_retry_timing() {
  static const SystemRetryTiming timing;
  return timing;
}

}  // namespace corral::manager::providers
