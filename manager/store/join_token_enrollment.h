// Enrolling an agent with a join token: consuming the token, inserting the agent and, when the
// token names a server, binding the agent to that server are one unit of work, so a refused or
// failed enrollment writes nothing. Enrollment (manager/fleet) calls it after checking the token's secret.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "manager/store/store.h"

namespace corral::store {

// What happened; callers switch on it, never on message text.
enum class EnrollOutcome {
  enrolled,
  unknown_token,
  token_used,
  token_expired,
  agent_conflict,  // the agent id or certificate serial is already enrolled
};
const char* enroll_outcome_name(EnrollOutcome outcome);

// Consumes token `token_id` at `now` (see JoinTokenRepository::consume) and inserts `agent`, in
// one unit of work; anything but `enrolled` leaves the store as it was. The caller has already
// checked the secret and copied the token's labels and server_id into `agent`.
// agent.join_token_id may be left empty (token_id is recorded); if set it must equal token_id.
// When agent.server_id names a server the agent becomes its backing agent (replacing any other),
// and `bound_server`, if given, receives the server's row as committed. A server deleted since
// the token was made binds nothing: the agent enrolls unbound and an admin may assign it.
// invalid_argument for an empty agent id or serial, now <= 0, or a mismatched join_token_id;
// other errors are the store's.
Result<EnrollOutcome> consume_join_token_and_enroll(Store& store, const std::string& token_id, int64_t now,
                                                    const AgentRecord& agent, ServerRecord* bound_server = nullptr);

}  // namespace corral::store
