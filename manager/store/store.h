// The manager's persistent state behind one interface, so the core can run on SQLite (the
// default, SqliteStore) or on a shared PostgreSQL later. Only the manager's core thread calls
// it; implementations are not required to be thread-safe.
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

class Store {
 public:
  virtual ~Store() = default;

  // Highest migration applied to the database.
  virtual Result<int> schema_version() = 0;

  // already_exists on a duplicate id.
  virtual Status put_join_token(const JoinTokenRecord& token) = 0;
  virtual Result<std::optional<JoinTokenRecord>> get_join_token(const std::string& id) = 0;
  // In one transaction: the token must exist (else not_found), be unused (else
  // failed_precondition "token already used") and not be expired at `now`, i.e. now < expires_at
  // (else failed_precondition "token expired"); then it is marked used by agent.id at `now` and
  // the agent is inserted (already_exists if the id or certificate serial is taken; both
  // must be non-empty). On any
  // failure nothing is written. agent.join_token_id may be left empty (token_id is recorded);
  // if set it must equal token_id (else invalid_argument). The caller has already checked the
  // secret and copied the token's labels and server_id into `agent`.
  virtual Status consume_join_token_and_enroll(const std::string& token_id, int64_t now,
                                               const AgentRecord& agent) = 0;
  // Deletes unused tokens expired at `now`; used ones stay as the record of who enrolled with
  // them. Returns how many were deleted.
  virtual Result<int> delete_expired_join_tokens(int64_t now) = 0;

  // Ordered by enrolled_at, then id.
  virtual Result<std::vector<AgentRecord>> list_agents() = 0;
  virtual Result<std::optional<AgentRecord>> get_agent(const std::string& id) = 0;
  // Replaces the stored Hello and moves last_seen forward to seen_at (never back).
  // not_found if the agent is unknown.
  virtual Status update_agent_hello(const std::string& id, const corral::agent::v1::Hello& hello,
                                    int64_t seen_at) = 0;
  // not_found if the agent is unknown.
  virtual Status update_agent_capacity(const std::string& id,
                                       const corral::agent::v1::CapacityReport& report) = 0;
  // Heartbeats are persisted in batches: all pairs (agent id, seen at) in one transaction.
  // last_seen only moves forward; unknown ids are skipped, so one agent deleted meanwhile does
  // not lose the rest of the batch.
  virtual Status update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) = 0;
  // not_found if the agent is unknown; revoking twice keeps the first time. `at` must be > 0.
  virtual Status revoke_agent(const std::string& id, int64_t at) = 0;
  // Certificate serials of every revoked agent, ordered by revocation time then serial.
  virtual Result<std::vector<std::string>> list_revoked_serials() = 0;

  // already_exists on a duplicate id.
  virtual Status put_admin_token(const AdminTokenRecord& token) = 0;
  // Ordered by created_at, then id.
  virtual Result<std::vector<AdminTokenRecord>> list_admin_tokens() = 0;

  // already_exists on a duplicate id or name.
  virtual Status put_provider_config(const ProviderConfigRecord& config) = 0;
  // Replaces every field but id and created_at; not_found if the id is unknown, already_exists
  // if the new name is taken.
  virtual Status update_provider_config(const ProviderConfigRecord& config) = 0;
  virtual Result<std::optional<ProviderConfigRecord>> get_provider_config(const std::string& id) = 0;
  // Ordered by name.
  virtual Result<std::vector<ProviderConfigRecord>> list_provider_configs() = 0;
  // not_found if the id is unknown.
  virtual Status delete_provider_config(const std::string& id) = 0;
};

}  // namespace corral::store
