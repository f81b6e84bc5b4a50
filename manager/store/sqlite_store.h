// Store on a local SQLite file: the manager's default backend for a single manager process.
// The manager's core thread owns the instance; the connection is opened SQLITE_OPEN_NOMUTEX, so
// it must never be used from two threads at once. Labels live in child tables, Hello and
// CapacityReport as serialized protobuf BLOBs (the schema is in sqlite_migrations.cpp).
#pragma once

#include <memory>
#include <string>

#include "manager/store/store.h"

struct sqlite3;

namespace corral::store {

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file (created 0600: it holds token hashes), sets
  // journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON and a busy timeout, then applies
  // pending migrations. A database from a newer Corral is refused with failed_precondition.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;

  Result<int> schema_version() override;

  Status put_join_token(const JoinTokenRecord& token) override;
  Result<std::optional<JoinTokenRecord>> get_join_token(const std::string& id) override;
  Status consume_join_token_and_enroll(const std::string& token_id, int64_t now,
                                       const AgentRecord& agent) override;
  Result<int> delete_expired_join_tokens(int64_t now) override;

  Result<std::vector<AgentRecord>> list_agents() override;
  Result<std::optional<AgentRecord>> get_agent(const std::string& id) override;
  Status update_agent_hello(const std::string& id, const corral::agent::v1::Hello& hello,
                            int64_t seen_at) override;
  Status update_agent_capacity(const std::string& id,
                               const corral::agent::v1::CapacityReport& report) override;
  Status update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) override;
  Status revoke_agent(const std::string& id, int64_t at) override;
  Result<std::vector<std::string>> list_revoked_serials() override;

  Status put_admin_token(const AdminTokenRecord& token) override;
  Result<std::vector<AdminTokenRecord>> list_admin_tokens() override;
  Status put_provider_config(const ProviderConfigRecord& config) override;
  Status update_provider_config(const ProviderConfigRecord& config) override;
  Result<std::optional<ProviderConfigRecord>> get_provider_config(const std::string& id) override;
  Result<std::vector<ProviderConfigRecord>> list_provider_configs() override;
  Status delete_provider_config(const std::string& id) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

}  // namespace corral::store
