// ServerRepository on the SQLite connection: servers in `servers`, labels in `server_labels`,
// assigned users in `server_users` (schema in sqlite_migrations.cpp, migration 6). The
// single-field changes are in sqlite_server_flags.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manager/store/server_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteServerRepository final : public ServerRepository {
 public:
  explicit SqliteServerRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const ServerRecord& server) override;
  Result<std::optional<ServerRecord>> get(const std::string& id) override;
  Result<std::optional<ServerRecord>> get_by_hostname(const std::string& pool_id, const std::string& hostname) override;
  Result<std::optional<ServerRecord>> find_by_agent(const std::string& agent_id) override;
  Result<Page<ServerRecord>> list(const ServerFilter& filter, const PageRequest& page) override;
  Result<UpdateOutcome> update(const ServerRecord& server, uint64_t expected_revision) override;
  Result<AgentBinding> bind_agent(const std::string& server_id, const std::string& agent_id, int64_t now) override;
  Status unbind_agent(const std::string& server_id, int64_t now) override;
  Status set_draining(const std::string& server_id, bool draining, int64_t now) override;
  Status set_enabled(const std::string& server_id, bool enabled, int64_t now) override;
  Result<RemoveOutcome> remove(const std::string& id) override;

 private:
  // The servers `sql` selects with `params` bound to ?1, ?2... in order (an int64 last when
  // `limit` > 0), with their labels and users.
  Result<std::vector<ServerRecord>> select(std::string_view sql, const std::vector<std::string>& params, int64_t limit);
  Result<std::optional<ServerRecord>> select_one(std::string_view sql, const std::vector<std::string>& params);
  // Runs `sql`, an UPDATE of one server (?1 its id, ?2 the new value, ?3 now) that changes the
  // row only when the value differs: ok when it changed or already had the value, not_found
  // when there is no such server.
  Status set_flag(const char* sql, const std::string& server_id, bool value, int64_t now, const char* op);
  Status changed_or_exists(const std::string& server_id);

  SqliteConnection& conn_;
};

}  // namespace corral::store
