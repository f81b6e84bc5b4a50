// An enrollment repeated after its answer was lost: the manager committed the agent and stopped
// (or the connection dropped) before the agent got its certificate, and the agent asks again with
// the same token and the same key. The CSR proves it holds that key, so it gets a new certificate
// for the same agent; the serial of the one it never received stops being accepted.
#include <string>
#include <utility>

#include "common/log.h"
#include "manager/fleet/enrollment.h"

namespace corral::manager {

void Enrollment::enroll_again(const corral::agent::v1::EnrollRequest& request, const store::JoinTokenRecord& token,
                              const std::string& agent_id, std::function<void(EnrollmentResult)> done) {
  auto issued = ca_.sign_client_csr(request.csr_pem(), agent_id, settings_.agent_certificate_days);
  if (!issued.ok()) {
    log::warn("enroll.refused", {{"token_id", token.id}, {"reason", "csr_invalid"}});
    return done(enrollment_refused(400, "csr_invalid", issued.status().message()));
  }
  EnrollmentResult result;
  result.response = answer(token, agent_id, issued->certificate_pem);
  store_.submit(
      [agent_id, serial = issued->serial_hex](store::Store& s) -> Result<std::optional<store::AgentRecord>> {
        std::optional<store::AgentRecord> agent;
        Status st = s.unit_of_work([&](store::Repositories& r) -> Status {
          if (Status replaced = r.agents().replace_certificate_serial(agent_id, serial); !replaced.ok()) {
            return replaced;
          }
          auto row = r.agents().get(agent_id);
          if (!row.ok()) return row.status();
          agent = std::move(*row);
          return {};
        });
        if (!st.ok()) return st;
        return agent;
      },
      [token_id = token.id, agent_id, serial = issued->serial_hex, result = std::move(result),
       done = std::move(done)](Result<std::optional<store::AgentRecord>> written) mutable {
        if (!written.ok() && written.status().code() == ErrorCode::not_found) {
          // Revoked or deleted since: the token's one use is over.
          log::warn("enroll.refused", {{"token_id", token_id}, {"reason", "token_used"}});
          return done(enrollment_refused(403, "token_used", "join token was already used"));
        }
        if (!written.ok()) return done(enrollment_refused(500, "store_error", written.status().message()));
        if (!written->has_value()) return done(enrollment_refused(500, "store_error", "the agent row is gone"));
        result.agent = std::move(**written);
        log::info("agent.enrolled_again", {{"agent_id", agent_id},
                                           {"token_id", token_id},
                                           {"certificate_serial", serial},
                                           {"reason", "the same key asked again: the first answer was lost"}});
        done(std::move(result));
      });
}

}  // namespace corral::manager
