// Latencies of many requests, summarised the same way by both broker benches: count, p50, p99
// and max. Nearest-rank percentiles over every sample, no histogram buckets, so the figures in
// docs/PERFORMANCE.md are the samples themselves.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <vector>

namespace corral::bench {

class LatencySummary {
 public:
  void reserve(size_t n) { us_.reserve(n); }
  void add(std::chrono::steady_clock::duration d) {
    us_.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  size_t count() const { return us_.size(); }

  // Sorts the samples; call once all are in.
  void finish() { std::sort(us_.begin(), us_.end()); }
  double at(double quantile) const {
    if (us_.empty()) return 0;
    return us_[static_cast<size_t>(quantile * static_cast<double>(us_.size() - 1))];
  }
  double max() const { return us_.empty() ? 0 : us_.back(); }

  // "p50_us=… p99_us=… max_us=…", for the key=value report lines.
  void print(std::FILE* out) const {
    std::fprintf(out, "p50_us=%.1f p99_us=%.1f max_us=%.1f", at(0.50), at(0.99), max());
  }

 private:
  std::vector<double> us_;
};

}  // namespace corral::bench
