// Enrolled agents: their identity, labels, last Hello and capacity report, last-seen time and
// revocation. The agent registry writes them as agents talk; enrollment inserts them (inside a
// unit of work, see join_token_enrollment.h); start-up reads the revoked serials.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"
#include "manager/store/records.h"

namespace corral::store {

class AgentRepository {
 public:
  virtual ~AgentRepository() = default;

  // Inserts the agent with its labels, all or nothing. invalid_argument if the id or the
  // certificate serial is empty (revocation goes by serial, so every agent needs its own);
  // already_exists if either is taken.
  virtual Status insert(const AgentRecord& agent) = 0;
  virtual Result<std::optional<AgentRecord>> get(const std::string& id) = 0;
  // Ordered by enrolled_at, then id.
  virtual Result<std::vector<AgentRecord>> list() = 0;
  // Replaces the stored Hello and moves last_seen forward to seen_at (never back).
  // not_found if the agent is unknown.
  virtual Status update_hello(const std::string& id, const corral::agent::v1::Hello& hello, int64_t seen_at) = 0;
  // not_found if the agent is unknown.
  virtual Status update_capacity(const std::string& id, const corral::agent::v1::CapacityReport& report) = 0;
  // Heartbeats are persisted in batches: all pairs (agent id, seen at) in one transaction.
  // last_seen only moves forward; unknown ids are skipped, so one agent deleted meanwhile does
  // not lose the rest of the batch.
  virtual Status update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) = 0;
  // not_found if the agent is unknown; revoking twice keeps the first time. `at` must be > 0.
  virtual Status revoke(const std::string& id, int64_t at) = 0;
  // A certificate issued again for the same key (an enrollment whose answer was lost): the agent's
  // serial becomes SERIAL. not_found if the agent is unknown or revoked.
  virtual Status replace_certificate_serial(const std::string& id, const std::string& serial) = 0;
  // Certificate serials of every revoked agent, ordered by revocation time then serial.
  virtual Result<std::vector<std::string>> list_revoked_serials() = 0;
};

}  // namespace corral::store
