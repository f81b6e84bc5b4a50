// PoolRepository on the SQLite connection: pools in `pools`, labels in `pool_labels` (schema in
// sqlite_migrations.cpp, migration 6).
#pragma once

#include "manager/store/pool_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqlitePoolRepository final : public PoolRepository {
 public:
  explicit SqlitePoolRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const PoolRecord& pool) override;
  Result<std::optional<PoolRecord>> get(const std::string& id) override;
  Result<std::optional<PoolRecord>> get_by_name(const std::string& name) override;
  Result<Page<PoolRecord>> list(const PageRequest& page) override;
  Result<UpdateOutcome> update(const PoolRecord& pool, uint64_t expected_revision) override;
  Result<RemoveOutcome> remove(const std::string& id) override;

 private:
  // The pools `sql` selects (binding ?1 to `key`, and ?2 to `limit` when given), with labels.
  Result<std::vector<PoolRecord>> select(const char* sql, const std::string& key, int64_t limit);
  Result<std::optional<PoolRecord>> select_one(const char* sql, const std::string& key);

  SqliteConnection& conn_;
};

}  // namespace corral::store
