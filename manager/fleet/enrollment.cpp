#include "manager/fleet/enrollment.h"

#include <google/protobuf/util/time_util.h>

#include "common/encoding.h"
#include "common/join_token.h"
#include "common/log.h"
#include "common/text.h"
#include "common/tls/keys.h"
#include "manager/fleet/agent_input.h"
#include "manager/store/join_token_enrollment.h"
#include "manager/store/join_token_issue.h"

namespace corral::manager {
namespace {

using google::protobuf::util::TimeUtil;

}  // namespace

EnrollmentResult enrollment_refused(int http_status, std::string reason, std::string message) {
  EnrollmentResult r;
  r.refusal = EnrollmentRefusal{http_status, std::move(reason), std::move(message)};
  return r;
}

std::string agent_id_for(const std::string& token_id, const std::string& public_key_sha256) {
  // A UUID (version 8: made by the application) from the token and the key, so the same pair
  // always names the same agent and a lost answer can be given again.
  std::string h = sha256_hex("corral-agent-id\n" + token_id + "\n" + public_key_sha256).substr(0, 32);
  h[12] = '8';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

Enrollment::Enrollment(store::StoreExecutor& store, const tls::CertificateAuthority& ca, const Clock& clock,
                       EnrollmentSettings settings, EnrollmentBindings& bindings)
    : store_(store),
      ca_(ca),
      clock_(clock),
      settings_(std::move(settings)),
      bindings_(bindings),
      ca_sha256_(ca.sha256_hex()) {}

void Enrollment::create_join_token(const corral::api::v1::CreateJoinTokenRequest& request,
                                   std::function<void(Result<corral::api::v1::JoinToken>)> done) {
  uint32_t ttl = request.ttl_seconds() ? request.ttl_seconds() : settings_.default_token_ttl_seconds;
  if (ttl > settings_.max_token_ttl_seconds) {
    return done(error(ErrorCode::invalid_argument, "ttl_seconds " + std::to_string(ttl) + " exceeds the maximum of " +
                                                       std::to_string(settings_.max_token_ttl_seconds)));
  }
  std::map<std::string, std::string> labels(request.labels().begin(), request.labels().end());
  // Token labels become the agent's labels: the same limits as labels agents report.
  if (Status s = check_labels(labels, "labels"); !s.ok()) return done(s);
  if (Status s = check_printable(request.description(), "description", kMaxDescriptionBytes); !s.ok()) return done(s);
  if (Status s = check_printable(request.server_id(), "server_id", kMaxServerIdBytes); !s.ok()) return done(s);
  int64_t now = unix_seconds(clock_.now());
  store::IssuedJoinToken issued = store::make_join_token(now, now + ttl, ca_sha256_);
  store::JoinTokenRecord& record = issued.record;
  record.labels = std::move(labels);
  record.server_id = request.server_id();
  record.description = request.description();

  corral::api::v1::JoinToken out;
  out.set_id(record.id);
  out.set_token(std::move(issued.text));
  *out.mutable_expires_at() = TimeUtil::SecondsToTimestamp(record.expires_at);
  out.mutable_labels()->insert(request.labels().begin(), request.labels().end());
  out.set_server_id(record.server_id);
  out.set_description(record.description);
  out.set_ca_cert_sha256(ca_sha256_);
  store_.submit(
      [record](store::Store& s) { return s.join_tokens().insert(record); },
      [out = std::move(out), ttl, done = std::move(done)](const Status& s) mutable {
        if (!s.ok()) return done(s);
        log::info("join_token.created", {{"token_id", out.id()}, {"ttl_seconds", ttl}, {"server_id", out.server_id()}});
        done(std::move(out));
      });
}

void Enrollment::enroll(const corral::agent::v1::EnrollRequest& request, std::function<void(EnrollmentResult)> done) {
  Result<JoinTokenParts> parts = parse_join_token(request.join_token());
  if (!parts.ok()) return done(enrollment_refused(400, "token_malformed", parts.status().message()));
  if (!parts->ca_sha256.empty() && parts->ca_sha256 != ca_sha256_) {
    // The agent should have stopped before sending the token; refuse anyway.
    return done(enrollment_refused(403, "ca_mismatch", "join token was issued by a manager with another CA"));
  }
  // Checked before the token is looked at, so a bad hostname never uses up a token.
  if (Status s = check_hostname(request.hostname()); !s.ok())
    return done(enrollment_refused(400, "hostname_invalid", s.message()));
  store_.submit([id = parts->id](store::Store& s) { return s.join_tokens().get(id); },
                [this, request, secret = parts->secret, id = parts->id,
                 done = std::move(done)](Result<std::optional<store::JoinTokenRecord>> token) mutable {
                  if (!token.ok()) return done(enrollment_refused(500, "store_error", token.status().message()));
                  enroll_with_token(request, id, secret, std::move(*token), std::move(done));
                });
}

void Enrollment::enroll_with_token(const corral::agent::v1::EnrollRequest& request, const std::string& token_id,
                                   const std::string& secret, std::optional<store::JoinTokenRecord> stored,
                                   std::function<void(EnrollmentResult)> done) {
  // Unknown id and wrong secret get the same answer, so the API is no oracle for token ids.
  if (!stored || !constant_time_equal(stored->secret_sha256, sha256_hex(secret))) {
    log::warn("enroll.refused", {{"token_id", token_id}, {"reason", "token_unknown"}});
    return done(enrollment_refused(401, "token_unknown", "join token is not known to this manager"));
  }
  const store::JoinTokenRecord& token = *stored;
  int64_t now = unix_seconds(clock_.now());
  auto key_sha256 = tls::csr_public_key_sha256(request.csr_pem());
  if (!key_sha256.ok()) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "csr_invalid"}});
    return done(enrollment_refused(400, "csr_invalid", key_sha256.status().message()));
  }
  const std::string agent_id = agent_id_for(token.id, *key_sha256);
  if (token.used_at != 0 && token.used_by_agent == agent_id && now < token.expires_at) {
    return enroll_again(request, token, agent_id, std::move(done));
  }
  if (token.used_at != 0) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "token_used"}});
    return done(enrollment_refused(403, "token_used", "join token was already used"));
  }
  if (now >= token.expires_at) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "token_expired"}});
    return done(enrollment_refused(403, "token_expired", "join token expired"));
  }

  auto issued = ca_.sign_client_csr(request.csr_pem(), agent_id, settings_.agent_certificate_days);
  if (!issued.ok()) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "csr_invalid"}});
    return done(enrollment_refused(400, "csr_invalid", issued.status().message()));
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

  EnrollmentResult result;
  result.response = answer(token, agent_id, issued->certificate_pem);
  result.agent = agent;

  struct Enrolled {
    store::EnrollOutcome outcome = store::EnrollOutcome::enrolled;
    store::ServerRecord server;  // bound, when the token names one
  };
  store_.submit(
      [token_id = token.id, now, agent](store::Store& s) -> Result<Enrolled> {
        Enrolled written;
        auto outcome = store::consume_join_token_and_enroll(s, token_id, now, agent, &written.server);
        if (!outcome.ok()) return outcome.status();
        written.outcome = *outcome;
        return written;
      },
      [this, token_id = token.id, hostname = request.hostname(), serial = issued->serial_hex,
       result = std::move(result), done = std::move(done)](Result<Enrolled> written) mutable {
        if (!written.ok()) return done(enrollment_refused(500, "store_error", written.status().message()));
        const store::EnrollOutcome enrolled = written->outcome;
        // Anything but enrolled lost a race since the checks above: another enrollment used the
        // token, it expired meanwhile, or the sweep deleted it.
        if (enrolled != store::EnrollOutcome::enrolled) {
          log::warn("enroll.refused", {{"token_id", token_id}, {"reason", store::enroll_outcome_name(enrolled)}});
        }
        switch (enrolled) {
          case store::EnrollOutcome::enrolled: break;
          case store::EnrollOutcome::token_used:
            return done(enrollment_refused(403, "token_used", "join token was already used"));
          case store::EnrollOutcome::token_expired:
            return done(enrollment_refused(403, "token_expired", "join token expired"));
          case store::EnrollOutcome::unknown_token:
            return done(enrollment_refused(401, "token_unknown", "join token is not known to this manager"));
          case store::EnrollOutcome::agent_conflict:
            return done(enrollment_refused(500, "store_error", "agent id or certificate serial is already enrolled"));
        }
        if (!result.agent.server_id.empty() && written->server.id.empty()) {
          log::warn("enroll.server_gone", {{"agent_id", result.agent.id},
                                           {"server_id", result.agent.server_id},
                                           {"reason", "the token's server was deleted; the agent backs none"}});
        }
        // Before the agent has its certificate, so its first Welcome carries the server's settings.
        if (!written->server.id.empty()) bindings_.on_agent_bound(written->server);
        log::info("agent.enrolled", {{"agent_id", result.agent.id},
                                     {"token_id", token_id},
                                     {"hostname", hostname},
                                     {"certificate_serial", serial}});
        done(std::move(result));
      });
}

corral::agent::v1::EnrollResponse Enrollment::answer(const store::JoinTokenRecord& token, const std::string& agent_id,
                                                     const std::string& certificate_pem) const {
  corral::agent::v1::EnrollResponse out;
  out.set_agent_id(agent_id);
  out.set_certificate_pem(certificate_pem);
  out.set_ca_certificate_pem(ca_.certificate_pem());
  out.set_agent_endpoint(settings_.agent_endpoint);
  out.mutable_labels()->insert(token.labels.begin(), token.labels.end());
  out.set_server_id(token.server_id);
  return out;
}

void Enrollment::delete_expired_tokens(std::function<void(Result<int>)> done) {
  store_.submit([now = unix_seconds(clock_.now())](store::Store& s) { return s.join_tokens().delete_expired(now); },
                [done = std::move(done)](Result<int> deleted) {
                  if (deleted.ok() && *deleted > 0) log::info("join_token.expired_deleted", {{"count", *deleted}});
                  done(std::move(deleted));
                });
}

}  // namespace corral::manager
