// IntentRepository on the SQLite connection: intents in `intents`, ownership tags in
// `intent_tags` (schema in sqlite_migrations.cpp, migrations 3 and 11).
#pragma once

#include "manager/store/intent_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteIntentRepository final : public IntentRepository {
 public:
  explicit SqliteIntentRepository(SqliteConnection& conn) : conn_(conn) {}

  Status append(const IntentRecord& intent) override;
  Result<std::optional<IntentRecord>> get(const std::string& id) override;
  Status set_vm_id(const std::string& id, const std::string& vm_id) override;
  Status mark_done(const std::string& id, const std::string& outcome, int64_t done_at) override;
  Result<std::vector<IntentRecord>> list_unfinished() override;
  Result<std::vector<IntentRecord>> list_for_server(const std::string& server_id) override;
  Status set_payload(const std::string& id, const std::string& payload) override;

 private:
  Result<bool> exists(const std::string& id);

  SqliteConnection& conn_;
};

}  // namespace corral::store
