// Join tokens and enrollment: an admin creates a one-time join token; an agent trades it, with a
// CSR, for a certificate signed by the manager's CA. Runs on the core thread. A refused attempt
// stores nothing and says why (reason codes are part of the API, see docs/api.md).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/tls/certificate_authority.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "manager/store/store.h"
#include "manager/store/store_executor.h"

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

// A finished enrollment: the answer for the agent, or why it was refused (nothing stored then).
struct EnrollmentResult {
  std::optional<corral::agent::v1::EnrollResponse> response;
  store::AgentRecord agent;   // as stored, when enrolled
  EnrollmentRefusal refusal;  // when not
};

// A refused enrollment, answered with HTTP_STATUS.
EnrollmentResult enrollment_refused(int http_status, std::string reason, std::string message);

// The agent an enrollment with the join token TOKEN_ID and a CSR for the key whose
// SubjectPublicKeyInfo hashes to PUBLIC_KEY_SHA256 makes: the same pair always names the same agent.
std::string agent_id_for(const std::string& token_id, const std::string& public_key_sha256);

// Hears of an agent bound to a server by enrolling with a join token that names the server, once
// that is committed and before the agent gets its certificate, so its first Welcome already
// carries the server's settings. The session broker.
class EnrollmentBindings {
 public:
  virtual ~EnrollmentBindings() = default;
  // `server` as committed, its agent_id the new agent.
  virtual void on_agent_bound(const store::ServerRecord& server) = 0;
};

// Every call answers through its callback, on the core thread; store work goes through the store
// executor, so none of them blocks the core.
class Enrollment {
 public:
  Enrollment(store::StoreExecutor& store, const tls::CertificateAuthority& ca, const Clock& clock,
             EnrollmentSettings settings, EnrollmentBindings& bindings);

  void create_join_token(const corral::api::v1::CreateJoinTokenRequest& request,
                         std::function<void(Result<corral::api::v1::JoinToken>)> done);

  // On success the new agent record is stored; on refusal nothing is, and the token stays usable
  // unless the refusal says it was used or expired.
  void enroll(const corral::agent::v1::EnrollRequest& request, std::function<void(EnrollmentResult)> done);

  // Deletes unused join tokens that have expired (used ones stay: they record who enrolled with
  // them) and logs how many went. The manager calls it at start and then periodically.
  void delete_expired_tokens(std::function<void(Result<int>)> done);

  const std::string& ca_sha256() const { return ca_sha256_; }

 private:
  // Second half of enroll(): the token was read; check it, sign the CSR, consume and store.
  void enroll_with_token(const corral::agent::v1::EnrollRequest& request, const std::string& token_id,
                         const std::string& secret, std::optional<store::JoinTokenRecord> stored,
                         std::function<void(EnrollmentResult)> done);
  // The token was used by AGENT_ID, the agent this CSR's key makes with it: the answer of that
  // enrollment was lost (the manager stopped before sending it). A new certificate for the same
  // agent replaces the one it never received (enrollment_again.cpp).
  void enroll_again(const corral::agent::v1::EnrollRequest& request, const store::JoinTokenRecord& token,
                    const std::string& agent_id, std::function<void(EnrollmentResult)> done);

  // What an enrolled agent is told: its id and certificate, the CA, where to connect, and the
  // token's labels and server.
  corral::agent::v1::EnrollResponse answer(const store::JoinTokenRecord& token, const std::string& agent_id,
                                           const std::string& certificate_pem) const;

  store::StoreExecutor& store_;
  const tls::CertificateAuthority& ca_;
  const Clock& clock_;
  EnrollmentSettings settings_;
  EnrollmentBindings& bindings_;
  std::string ca_sha256_;
};

}  // namespace corral::manager
