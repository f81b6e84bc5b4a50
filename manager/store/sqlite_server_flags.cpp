// The single-field changes of SqliteServerRepository: the backing agent and the draining and
// enabled flags. Each UPDATE changes the row (and moves its revision on) only when the value
// differs, so repeating a change is a no-op that does not invalidate anyone's revision.
#include "manager/store/sqlite_server_repository.h"

namespace corral::store {

Status SqliteServerRepository::changed_or_exists(const std::string& server_id) {
  if (conn_.changes() == 1) return {};
  auto exists = conn_.any_row("SELECT 1 FROM servers WHERE id = ?1", server_id, "select server id");
  if (!exists.ok()) return exists.status();
  if (!*exists) return error(ErrorCode::not_found, "no server " + server_id);
  return {};
}

Status SqliteServerRepository::set_flag(const char* sql, const std::string& server_id, bool value, int64_t now,
                                        const char* op) {
  auto stmt = conn_.statement(sql, op);
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, server_id).bind_int64(2, value ? 1 : 0).bind_int64(3, now).run(); !s.ok()) return s;
  return changed_or_exists(server_id);
}

Status SqliteServerRepository::set_draining(const std::string& server_id, bool draining, int64_t now) {
  return set_flag(
      "UPDATE servers SET draining = ?2, updated_at = ?3, revision = revision + 1 WHERE id = ?1 AND draining <> ?2",
      server_id, draining, now, "set server draining");
}

Status SqliteServerRepository::set_enabled(const std::string& server_id, bool enabled, int64_t now) {
  return set_flag(
      "UPDATE servers SET enabled = ?2, updated_at = ?3, revision = revision + 1 WHERE id = ?1 AND enabled <> ?2",
      server_id, enabled, now, "set server enabled");
}

Result<AgentBinding> SqliteServerRepository::bind_agent(const std::string& server_id, const std::string& agent_id,
                                                        int64_t now) {
  if (agent_id.empty()) return error(ErrorCode::invalid_argument, "agent id is required to bind an agent");
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  // Asked first rather than read from the foreign key's failure: the answer must not depend on
  // which constraint a backend happens to check first.
  auto agent_known = conn_.any_row("SELECT 1 FROM agents WHERE id = ?1", agent_id, "select agent id");
  if (!agent_known.ok()) return agent_known.status();
  if (!*agent_known) return AgentBinding::agent_not_found;
  {
    auto stmt = conn_.statement(
        "UPDATE servers SET agent_id = ?2, updated_at = ?3, revision = revision + 1 "
        "WHERE id = ?1 AND agent_id IS NOT ?2",
        "bind server agent");
    if (!stmt.ok()) return stmt.status();
    Status s = stmt->bind_text(1, server_id).bind_text(2, agent_id).bind_int64(3, now).run();
    // agent_id is UNIQUE: the agent backs another server.
    if (s.code() == ErrorCode::already_exists) return AgentBinding::agent_taken;
    if (!s.ok()) return s;
  }
  Status s = changed_or_exists(server_id);
  if (s.code() == ErrorCode::not_found) return AgentBinding::server_not_found;
  if (s.ok()) s = txn->commit();
  if (!s.ok()) return s;
  return AgentBinding::bound;
}

Status SqliteServerRepository::unbind_agent(const std::string& server_id, int64_t now) {
  auto stmt = conn_.statement(
      "UPDATE servers SET agent_id = NULL, updated_at = ?2, revision = revision + 1 "
      "WHERE id = ?1 AND agent_id IS NOT NULL",
      "unbind server agent");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, server_id).bind_int64(2, now).run(); !s.ok()) return s;
  return changed_or_exists(server_id);
}

}  // namespace corral::store
