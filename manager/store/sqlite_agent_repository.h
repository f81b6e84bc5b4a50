// AgentRepository on the SQLite connection: agents in `agents`, labels in `agent_labels`, the
// Hello and CapacityReport as serialized protobuf BLOBs (only the manager reads them whole).
#pragma once

#include "manager/store/agent_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteAgentRepository final : public AgentRepository {
 public:
  explicit SqliteAgentRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const AgentRecord& agent) override;
  Result<std::optional<AgentRecord>> get(const std::string& id) override;
  Result<std::vector<AgentRecord>> list() override;
  Status update_hello(const std::string& id, const corral::agent::v1::Hello& hello, int64_t seen_at) override;
  Status update_capacity(const std::string& id, const corral::agent::v1::CapacityReport& report) override;
  Status update_last_seen(const std::vector<std::pair<std::string, int64_t>>& seen) override;
  Status revoke(const std::string& id, int64_t at) override;
  Status replace_certificate_serial(const std::string& id, const std::string& serial) override;
  Result<std::vector<std::string>> list_revoked_serials() override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
