// Enrollment, done once per data directory: verify the manager (manager_ca.h), write a fresh
// key, send a CSR with the join token, and keep the certificate the manager's CA issues. Called
// at start when the data directory holds no agent.crt; never again after that.
#pragma once

#include <string>

#include "agent/data_dir.h"
#include "agent/manager_ca.h"
#include "common/result.h"

namespace corral::agent {

struct EnrollParams {
  std::string manager_url;  // https://HOST[:PORT]
  std::string join_token;   // secret
  std::string ca_cert_pem;  // from --ca-cert; empty when not given
  std::string hostname;
};

// "https://HOST[:PORT]" with any trailing '/' removed. Anything but https is refused: the join
// token must never travel in clear text.
Result<std::string> normalize_manager_url(const std::string& url);

// On success every file of DATA_DIR is written and the state is returned. A refusal by the
// manager is logged as agent.enroll_refused and returned as permission_denied whose message starts
// with its reason ("token_used: ..."). unavailable means the manager could not be reached and
// the token was not consumed, so trying again later is safe.
Result<corral::agent::state::v1::EnrollmentState> enroll(const DataDir& data_dir, const EnrollParams& params,
                                                         const HttpPerform& perform);

}  // namespace corral::agent
