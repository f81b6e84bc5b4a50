#include "manager/store/join_token_enrollment.h"

namespace corral::store {

Result<EnrollOutcome> consume_join_token_and_enroll(Store& store, const std::string& token_id, int64_t now,
                                                    const AgentRecord& agent, ServerRecord* bound_server) {
  // Checked up front so that a bad call is an error, not an outcome, whatever state the token is in.
  if (agent.id.empty()) return error(ErrorCode::invalid_argument, "agent id is empty");
  if (agent.certificate_serial.empty()) return error(ErrorCode::invalid_argument, "certificate serial is empty");
  if (now <= 0) return error(ErrorCode::invalid_argument, "enrollment time must be positive");
  if (!agent.join_token_id.empty() && agent.join_token_id != token_id) {
    return error(ErrorCode::invalid_argument,
                 "agent record names join token " + agent.join_token_id + " but enrolls with " + token_id);
  }
  AgentRecord row = agent;
  row.join_token_id = token_id;

  EnrollOutcome outcome = EnrollOutcome::enrolled;
  Status s = store.unit_of_work([&](Repositories& repos) -> Status {
    auto used = repos.join_tokens().consume(token_id, now, agent.id);
    if (!used.ok()) return used.status();
    switch (*used) {
      case TokenConsumption::consumed: break;
      // Nothing has been written yet, so there is nothing to roll back.
      case TokenConsumption::unknown_token: outcome = EnrollOutcome::unknown_token; return {};
      case TokenConsumption::already_used: outcome = EnrollOutcome::token_used; return {};
      case TokenConsumption::expired: outcome = EnrollOutcome::token_expired; return {};
    }
    Status inserted = repos.agents().insert(row);
    // The error rolls back the token use above.
    if (inserted.code() == ErrorCode::already_exists) outcome = EnrollOutcome::agent_conflict;
    if (!inserted.ok() || row.server_id.empty()) return inserted;
    auto bound = repos.servers().bind_agent(row.server_id, row.id, now);
    if (!bound.ok()) return bound.status();
    // server_not_found is the only other answer: a new agent backs no other server yet.
    if (*bound != AgentBinding::bound) return {};
    auto server = repos.servers().get(row.server_id);
    if (!server.ok()) return server.status();
    if (bound_server != nullptr && server->has_value()) *bound_server = std::move(**server);
    return {};
  });
  if (outcome != EnrollOutcome::enrolled) return outcome;
  if (!s.ok()) return s;
  return EnrollOutcome::enrolled;
}

}  // namespace corral::store
