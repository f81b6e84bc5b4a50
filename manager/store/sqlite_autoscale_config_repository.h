// AutoscaleConfigRepository on the SQLite connection: configs in `autoscale_configs`, their
// schedules in `autoscale_schedules` (schema in sqlite_migrations.cpp, migration 9).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manager/store/autoscale_config_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteAutoscaleConfigRepository final : public AutoscaleConfigRepository {
 public:
  explicit SqliteAutoscaleConfigRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const AutoscaleConfigRecord& config) override;
  Result<std::optional<AutoscaleConfigRecord>> get(const std::string& id) override;
  Result<std::optional<AutoscaleConfigRecord>> get_by_name(const std::string& name) override;
  Result<Page<AutoscaleConfigRecord>> list(const AutoscaleConfigFilter& filter, const PageRequest& page) override;
  Result<UpdateOutcome> update(const AutoscaleConfigRecord& config, uint64_t expected_revision) override;
  Result<RemoveOutcome> remove(const std::string& id) override;

 private:
  // The configs `sql` selects with `params` bound to ?1, ?2... in order (an int64 last when
  // `limit` > 0), with their schedules.
  Result<std::vector<AutoscaleConfigRecord>> select(std::string_view sql, const std::vector<std::string>& params,
                                                    int64_t limit);
  Result<std::optional<AutoscaleConfigRecord>> select_one(std::string_view sql, const std::string& key);
  Status read_schedules(AutoscaleConfigRecord& config);
  Status write_schedules(const AutoscaleConfigRecord& config);
  // failed_precondition naming what is missing.
  Status check_exists(const char* table, const std::string& id, const char* what);

  SqliteConnection& conn_;
};

}  // namespace corral::store
