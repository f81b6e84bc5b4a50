// Store on a local SQLite file: the manager's default backend for a single manager process.
// One connection, opened SQLITE_OPEN_NOMUTEX, so only one thread may use the store at a time;
// every repository runs on it and shares its prepared-statement cache. A second connection, on
// the checkpointer's own thread, only checkpoints the WAL. The schema is in sqlite_migrations.cpp.
#pragma once

#include <memory>
#include <string>

#include "manager/store/sqlite_admin_token_repository.h"
#include "manager/store/sqlite_agent_repository.h"
#include "manager/store/sqlite_autoscale_config_repository.h"
#include "manager/store/sqlite_checkpointer.h"
#include "manager/store/sqlite_connection.h"
#include "manager/store/sqlite_event_repository.h"
#include "manager/store/sqlite_intent_repository.h"
#include "manager/store/sqlite_join_token_repository.h"
#include "manager/store/sqlite_ldap_config_repository.h"
#include "manager/store/sqlite_lease_repository.h"
#include "manager/store/sqlite_pool_repository.h"
#include "manager/store/sqlite_provider_config_repository.h"
#include "manager/store/sqlite_server_repository.h"
#include "manager/store/sqlite_session_repository.h"
#include "manager/store/sqlite_workspace_repository.h"
#include "manager/store/store.h"

namespace corral::store {

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file (created 0600: it holds token hashes), sets
  // journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON and a busy timeout, then applies
  // pending migrations. A database from a newer Corral is refused with failed_precondition.
  // A file database checkpoints its WAL on a thread of its own (SqliteCheckpointer, `policy`),
  // never inside a commit; ":memory:" has no WAL to checkpoint.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, CheckpointPolicy policy = {});

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override = default;

  Result<int> schema_version() override;
  Status unit_of_work(const std::function<Status(Repositories&)>& work) override;
  // Inside a group, a unit of work is a savepoint of the group's transaction.
  Status commit_group(size_t count, const std::function<void(size_t)>& member) override;

  AgentRepository& agents() override { return agents_; }
  JoinTokenRepository& join_tokens() override { return join_tokens_; }
  AdminTokenRepository& admin_tokens() override { return admin_tokens_; }
  ProviderConfigRepository& provider_configs() override { return provider_configs_; }
  LdapConfigRepository& ldap_configs() override { return ldap_configs_; }
  IntentRepository& intents() override { return intents_; }
  LeaseRepository& leases() override { return leases_; }
  EventRepository& events() override { return events_; }
  PoolRepository& pools() override { return pools_; }
  ServerRepository& servers() override { return servers_; }
  WorkspaceRepository& workspaces() override { return workspaces_; }
  SessionRepository& sessions() override { return sessions_; }
  AutoscaleConfigRepository& autoscale_configs() override { return autoscale_configs_; }

  // For tests and diagnostics (statement cache counters); never write through it.
  const SqliteConnection& connection() const { return conn_; }
  // Null for ":memory:".
  const SqliteCheckpointer* checkpointer() const { return checkpointer_.get(); }

 private:
  explicit SqliteStore(sqlite3* db);

  // Declared first: every repository holds a reference to it, so it must be destroyed last.
  SqliteConnection conn_;
  SqliteAgentRepository agents_{conn_};
  SqliteJoinTokenRepository join_tokens_{conn_};
  SqliteAdminTokenRepository admin_tokens_{conn_};
  SqliteProviderConfigRepository provider_configs_{conn_};
  SqliteLdapConfigRepository ldap_configs_{conn_};
  SqliteIntentRepository intents_{conn_};
  SqliteLeaseRepository leases_{conn_};
  SqliteEventRepository events_{conn_};
  SqlitePoolRepository pools_{conn_};
  SqliteServerRepository servers_{conn_};
  SqliteWorkspaceRepository workspaces_{conn_};
  SqliteSessionRepository sessions_{conn_};
  SqliteAutoscaleConfigRepository autoscale_configs_{conn_};
  bool in_unit_of_work_ = false;
  bool in_group_ = false;
  // Declared after conn_, so destroyed before it: it unhooks conn_ and joins its thread first.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

}  // namespace corral::store
