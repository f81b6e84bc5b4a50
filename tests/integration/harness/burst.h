// Many REST requests in flight at once against a manager under test: every request gets its own
// connection and all of them are started before any answer is read (libcurl's multi interface on
// the calling thread), so the manager sees them together, as it would from many users at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/harness/fleet.h"

namespace corral::testing {

struct BurstRequest {
  std::string method = "POST";
  std::string path;  // "/api/v1/sessions"
  std::string body;
};

struct BurstAnswer {
  long status = 0;  // 0 when no answer came (error says why)
  std::string body;
  std::string error;  // the transfer's failure, if any
};

// Answers in the order of REQUESTS. Each request carries the manager's admin token and verifies
// its certificate. TIMEOUT bounds each transfer only so that a hung manager fails the test instead
// of hanging it.
std::vector<BurstAnswer> send_all_at_once(const ManagerUnderTest& manager, const std::vector<BurstRequest>& requests,
                                          std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace corral::testing
