// Enrolls a test identity through the real REST API, the way an agent does, and returns its
// certificate and key: used by tests that need a valid client certificate in a raw client.
#pragma once

#include <string>

#include "common/result.h"
#include "tests/integration/harness/fleet.h"

namespace corral::testing {

struct TestIdentity {
  std::string agent_id;
  std::string certificate_pem;
  std::string private_key_pem;
};

// With PRIVATE_KEY_PEM empty a fresh P-256 key is generated, as the agent does.
Result<TestIdentity> enroll_test_identity(const ManagerUnderTest& manager, const std::string& token,
                                          const std::string& hostname, const std::string& private_key_pem = "");

}  // namespace corral::testing
