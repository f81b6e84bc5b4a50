// Servers: the session hosts of a pool, their connection settings (password sealed), limits,
// labels, state flags, the agent that backs them and the users assigned to them. The REST API
// edits them, enrollment and admins bind agents, the broker loads them and the autoscaler adds
// and removes autoscaled ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "manager/store/broker_outcomes.h"
#include "manager/store/broker_records.h"
#include "manager/store/page.h"

namespace corral::store {

enum class AgentBinding {
  bound,
  server_not_found,
  agent_not_found,  // no enrolled agent has that id
  agent_taken,      // the agent already backs another server
};
const char* agent_binding_name(AgentBinding b);

struct ServerFilter {
  std::string pool_id;  // "" = every pool
};

class ServerRepository {
 public:
  virtual ~ServerRepository() = default;

  // Writes revision 1 (server.revision is not read). invalid_argument for an empty id, pool id,
  // hostname, label or user, negative overrides, or a password that is not sealed;
  // already_exists when the id, the hostname within the pool or the agent is taken;
  // failed_precondition when the pool or the agent does not exist.
  virtual Status insert(const ServerRecord& server) = 0;
  virtual Result<std::optional<ServerRecord>> get(const std::string& id) = 0;
  virtual Result<std::optional<ServerRecord>> get_by_hostname(const std::string& pool_id,
                                                              const std::string& hostname) = 0;
  // The server `agent_id` backs, if any.
  virtual Result<std::optional<ServerRecord>> find_by_agent(const std::string& agent_id) = 0;
  // In id order.
  virtual Result<Page<ServerRecord>> list(const ServerFilter& filter, const PageRequest& page) = 0;
  // Replaces every field but id, pool_id, agent_id (see bind_agent), created_at and revision,
  // only if the stored revision is expected_revision; name_taken when the hostname is taken in
  // the pool. invalid_argument as for insert.
  virtual Result<UpdateOutcome> update(const ServerRecord& server, uint64_t expected_revision) = 0;

  // The single-field changes below need no revision (each is idempotent and leaves the other
  // fields alone) but still move the revision on and set updated_at = now, so an edit made from
  // the revision before them is refused. not_found when the server is unknown.

  // Makes `agent_id` the server's backing agent, replacing any other.
  virtual Result<AgentBinding> bind_agent(const std::string& server_id, const std::string& agent_id, int64_t now) = 0;
  virtual Status unbind_agent(const std::string& server_id, int64_t now) = 0;
  virtual Status set_draining(const std::string& server_id, bool draining, int64_t now) = 0;
  virtual Status set_enabled(const std::string& server_id, bool enabled, int64_t now) = 0;

  // Refused (has_sessions) while the server has reserved or active sessions. Its ended sessions
  // stay, with their server emptied.
  virtual Result<RemoveOutcome> remove(const std::string& id) = 0;
};

}  // namespace corral::store
