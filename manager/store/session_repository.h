// Sessions: what the broker placed (reserved until the agent confirms, then active) or an agent
// reported, until they end. Every placement and state change is written here before the broker
// answers, so a restarted manager finds every reservation and session it had (list_unfinished).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/broker_records.h"
#include "manager/store/page.h"

namespace corral::store {

enum class SessionActivation {
  activated,
  already_active,  // confirmed before: nothing changed
  ended,           // too late: the session ended (e.g. its reservation expired) and stays ended
  not_found,
};
const char* session_activation_name(SessionActivation a);

enum class SessionEnding {
  ended,
  already_ended,  // ended before: the first reason and time are kept
  not_found,
};
const char* session_ending_name(SessionEnding e);

// Every field that is set must match; "" and nullopt match anything.
struct SessionFilter {
  std::string pool_id;
  std::string server_id;
  std::string workspace_id;
  std::string user;
  std::optional<SessionState> state;
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;

  // A new session: reserved (placed, reservation_expires_at > 0) or active (activated_at > 0,
  // e.g. one an agent reported), not ended. invalid_argument for an empty id, pool id or server
  // id, a placed session without a workspace, a reported one that is not active, or negative
  // resources; already_exists on a taken id; failed_precondition when the pool, server or
  // workspace does not exist.
  virtual Status insert(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> get(const std::string& id) = 0;
  // In id order.
  virtual Result<Page<SessionRecord>> list(const SessionFilter& filter, const PageRequest& page) = 0;

  // reserved -> active at `at` (> 0).
  virtual Result<SessionActivation> activate(const std::string& id, int64_t at) = 0;
  // reserved or active -> ended at `at` (> 0) for `reason` (not none). Idempotent.
  virtual Result<SessionEnding> end(const std::string& id, SessionEndReason reason, int64_t at) = 0;

  // Reserved and active sessions, in id order: what the broker loads at start.
  virtual Result<std::vector<SessionRecord>> list_unfinished() = 0;
  // Reserved sessions whose reservation has run out (reservation_expires_at <= now), oldest
  // expiry first, at most `limit`: what the broker releases.
  virtual Result<std::vector<SessionRecord>> list_expired_reservations(int64_t now, uint32_t limit) = 0;
  // Reserved plus active sessions on the server.
  virtual Result<uint32_t> count_unfinished(const std::string& server_id) = 0;
  // Deletes sessions that ended before `before` (history retention); returns how many.
  virtual Result<int> delete_ended_before(int64_t before) = 0;
};

}  // namespace corral::store
