// SessionRepository on the SQLite connection: sessions in `sessions` (schema in
// sqlite_migrations.cpp, migration 6). One row per session and no child tables, so a placement
// is one INSERT.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manager/store/session_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteSessionRepository final : public SessionRepository {
 public:
  explicit SqliteSessionRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const SessionRecord& session) override;
  Result<std::optional<SessionRecord>> get(const std::string& id) override;
  Result<Page<SessionRecord>> list(const SessionFilter& filter, const PageRequest& page) override;
  Result<SessionActivation> activate(const std::string& id, int64_t at) override;
  Result<SessionEnding> end(const std::string& id, SessionEndReason reason, int64_t at) override;
  Result<std::vector<SessionRecord>> list_unfinished() override;
  Result<std::vector<SessionRecord>> list_expired_reservations(int64_t now, uint32_t limit) override;
  Result<uint32_t> count_unfinished(const std::string& server_id) override;
  Result<int> delete_ended_before(int64_t before) override;

 private:
  // The state of session `id`, or nullopt when there is none.
  Result<std::optional<SessionState>> state_of(const std::string& id);

  SqliteConnection& conn_;
};

}  // namespace corral::store
