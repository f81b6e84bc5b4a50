// The swarm's results: one "phase=NAME key=value ..." line per phase on stdout as each phase
// ends, a summary with the targets from the issue, and optionally the same as a JSON file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace corral::bench {

using ReportFields = std::vector<std::pair<std::string, std::string>>;

// Fixed-point text for a measured value.
std::string fixed(double value, int decimals = 1);

// "p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.." of MS under PREFIX (sorted copy; empty gives zeros).
ReportFields percentiles(const std::string& prefix, std::vector<uint32_t> ms);

class SwarmReport {
 public:
  // Prints the line at once, so a run cut short still shows what it measured.
  void phase(const std::string& name, ReportFields fields);
  void summary(ReportFields fields);
  Status write_json(const std::string& path) const;

 private:
  std::vector<std::pair<std::string, ReportFields>> phases_;
};

}  // namespace corral::bench
