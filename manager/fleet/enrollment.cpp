#include "manager/fleet/enrollment.h"

#include <google/protobuf/util/time_util.h>

#include "common/encoding.h"
#include "common/join_token.h"
#include "common/log.h"
#include "manager/store/join_token_enrollment.h"

namespace corral::manager {
namespace {

using google::protobuf::util::TimeUtil;

Status refuse(EnrollmentRefusal* refusal, int http_status, std::string reason, std::string message) {
  refusal->http_status = http_status;
  refusal->reason = std::move(reason);
  refusal->message = std::move(message);
  ErrorCode code = http_status == 401   ? ErrorCode::unauthenticated
                   : http_status == 403 ? ErrorCode::permission_denied
                   : http_status >= 500 ? ErrorCode::internal
                                        : ErrorCode::invalid_argument;
  return error(code, refusal->message);
}

}  // namespace

Enrollment::Enrollment(store::Store& store, const tls::CertificateAuthority& ca, const Clock& clock,
                       EnrollmentSettings settings)
    : store_(store), ca_(ca), clock_(clock), settings_(std::move(settings)), ca_sha256_(ca.sha256_hex()) {}

Result<corral::api::v1::JoinToken> Enrollment::create_join_token(
    const corral::api::v1::CreateJoinTokenRequest& request) {
  uint32_t ttl = request.ttl_seconds() ? request.ttl_seconds() : settings_.default_token_ttl_seconds;
  if (ttl > settings_.max_token_ttl_seconds) {
    return error(ErrorCode::invalid_argument, "ttl_seconds " + std::to_string(ttl) + " exceeds the maximum of " +
                                                  std::to_string(settings_.max_token_ttl_seconds));
  }
  JoinTokenParts parts = generate_join_token();
  parts.ca_sha256 = ca_sha256_;
  int64_t now = unix_seconds(clock_.now());

  store::JoinTokenRecord record;
  record.id = parts.id;
  record.secret_sha256 = sha256_hex(parts.secret);
  record.created_at = now;
  record.expires_at = now + ttl;
  record.labels.insert(request.labels().begin(), request.labels().end());
  record.server_id = request.server_id();
  record.description = request.description();
  if (Status s = store_.join_tokens().insert(record); !s.ok()) return s;

  corral::api::v1::JoinToken out;
  out.set_id(parts.id);
  out.set_token(format_join_token(parts));
  *out.mutable_expires_at() = TimeUtil::SecondsToTimestamp(record.expires_at);
  out.mutable_labels()->insert(request.labels().begin(), request.labels().end());
  out.set_server_id(record.server_id);
  out.set_description(record.description);
  out.set_ca_cert_sha256(ca_sha256_);
  log::info("join_token.created", {{"token_id", parts.id}, {"ttl_seconds", ttl}, {"server_id", record.server_id}});
  return out;
}

Result<corral::agent::v1::EnrollResponse> Enrollment::enroll(const corral::agent::v1::EnrollRequest& request,
                                                             EnrollmentRefusal* refusal) {
  Result<JoinTokenParts> parts = parse_join_token(request.join_token());
  if (!parts.ok()) return refuse(refusal, 400, "token_malformed", parts.status().message());
  if (!parts->ca_sha256.empty() && parts->ca_sha256 != ca_sha256_) {
    // The agent should have stopped before sending the token; refuse anyway.
    return refuse(refusal, 403, "ca_mismatch", "join token was issued by a manager with another CA");
  }

  auto stored = store_.join_tokens().get(parts->id);
  if (!stored.ok()) return refuse(refusal, 500, "store_error", stored.status().message());
  // Unknown id and wrong secret get the same answer, so the API is no oracle for token ids.
  if (!stored->has_value() || !constant_time_equal((*stored)->secret_sha256, sha256_hex(parts->secret))) {
    log::warn("enroll.refused", {{"token_id", parts->id}, {"reason", "token_unknown"}});
    return refuse(refusal, 401, "token_unknown", "join token is not known to this manager");
  }
  const store::JoinTokenRecord& token = **stored;
  int64_t now = unix_seconds(clock_.now());
  if (token.used_at != 0) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "token_used"}});
    return refuse(refusal, 403, "token_used", "join token was already used");
  }
  if (now >= token.expires_at) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "token_expired"}});
    return refuse(refusal, 403, "token_expired", "join token expired");
  }

  std::string agent_id = random_uuid();
  auto issued = ca_.sign_client_csr(request.csr_pem(), agent_id, settings_.agent_certificate_days);
  if (!issued.ok()) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "csr_invalid"}});
    return refuse(refusal, 400, "csr_invalid", issued.status().message());
  }

  store::AgentRecord agent;
  agent.id = agent_id;
  agent.certificate_serial = issued->serial_hex;
  agent.enrolled_at = now;
  agent.join_token_id = token.id;
  agent.server_id = token.server_id;
  agent.labels = token.labels;
  agent.hello.set_hostname(request.hostname());
  agent.hello.set_os_family(request.os_family());
  auto enrolled = store::consume_join_token_and_enroll(store_, token.id, now, agent);
  if (!enrolled.ok()) return refuse(refusal, 500, "store_error", enrolled.status().message());
  // Anything but enrolled lost a race since the checks above: another enrollment used the token,
  // it expired meanwhile, or the sweep deleted it.
  if (*enrolled != store::EnrollOutcome::enrolled) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", store::enroll_outcome_name(*enrolled)}});
  }
  switch (*enrolled) {
    case store::EnrollOutcome::enrolled:
      break;
    case store::EnrollOutcome::token_used:
      return refuse(refusal, 403, "token_used", "join token was already used");
    case store::EnrollOutcome::token_expired:
      return refuse(refusal, 403, "token_expired", "join token expired");
    case store::EnrollOutcome::unknown_token:
      return refuse(refusal, 401, "token_unknown", "join token is not known to this manager");
    case store::EnrollOutcome::agent_conflict:
      return refuse(refusal, 500, "store_error", "agent id or certificate serial is already enrolled");
  }

  corral::agent::v1::EnrollResponse out;
  out.set_agent_id(agent_id);
  out.set_certificate_pem(issued->certificate_pem);
  out.set_ca_certificate_pem(ca_.certificate_pem());
  out.set_agent_endpoint(settings_.agent_endpoint);
  out.mutable_labels()->insert(token.labels.begin(), token.labels.end());
  out.set_server_id(token.server_id);
  log::info("agent.enrolled", {{"agent_id", agent_id},
                               {"token_id", token.id},
                               {"hostname", request.hostname()},
                               {"certificate_serial", issued->serial_hex}});
  return out;
}

Result<int> Enrollment::delete_expired_tokens() {
  auto deleted = store_.join_tokens().delete_expired(unix_seconds(clock_.now()));
  if (!deleted.ok()) return deleted.status();
  if (*deleted > 0) log::info("join_token.expired_deleted", {{"count", *deleted}});
  return deleted;
}

}  // namespace corral::manager
