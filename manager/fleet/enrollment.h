// Join tokens and enrollment: an admin creates a one-time join token; an agent trades it, with a
// CSR, for a certificate signed by the manager's CA. Runs on the core thread. A refused attempt
// stores nothing and says why (reason codes are part of the API, see docs/api.md).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/tls/certificate_authority.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "manager/store/store.h"

namespace corral::manager {

struct EnrollmentSettings {
  uint32_t default_token_ttl_seconds = 3600;
  uint32_t max_token_ttl_seconds = 7 * 24 * 3600;
  int agent_certificate_days = 365;
  // wss:// URL returned to enrolled agents.
  std::string agent_endpoint;
};

// Why an enrollment was refused; `reason` is the machine-readable code the API returns.
struct EnrollmentRefusal {
  int http_status = 400;
  std::string reason;
  std::string message;
};

class Enrollment {
 public:
  Enrollment(store::Store& store, const tls::CertificateAuthority& ca, const Clock& clock,
             EnrollmentSettings settings);

  Result<corral::api::v1::JoinToken> create_join_token(const corral::api::v1::CreateJoinTokenRequest& request);

  // On success returns the response and the new agent record is stored; on refusal fills
  // `refusal` and stores nothing.
  Result<corral::agent::v1::EnrollResponse> enroll(const corral::agent::v1::EnrollRequest& request,
                                                   EnrollmentRefusal* refusal);

  // Deletes unused join tokens that have expired (used ones stay: they record who enrolled with
  // them); returns how many went. The manager calls it at start and then periodically.
  Result<int> delete_expired_tokens();

  const std::string& ca_sha256() const { return ca_sha256_; }

 private:
  store::Store& store_;
  const tls::CertificateAuthority& ca_;
  const Clock& clock_;
  EnrollmentSettings settings_;
  std::string ca_sha256_;
};

}  // namespace corral::manager
