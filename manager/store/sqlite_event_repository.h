// EventRepository on the SQLite connection (table `events`, migration 8).
#pragma once

#include "manager/store/event_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteEventRepository final : public EventRepository {
 public:
  explicit SqliteEventRepository(SqliteConnection& conn) : conn_(conn) {}

  Result<int64_t> append(const EventRecord& event) override;
  Result<std::vector<EventRecord>> list(const EventFilter& filter) override;
  Result<int64_t> last_id() override;
  Result<int> delete_before(int64_t before_ms) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
