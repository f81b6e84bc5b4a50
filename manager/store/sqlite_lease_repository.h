// LeaseRepository on the SQLite connection (table `leases`, migration 4). Each call is one
// statement, so the check and the write cannot be separated by another connection.
#pragma once

#include "manager/store/lease_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteLeaseRepository final : public LeaseRepository {
 public:
  explicit SqliteLeaseRepository(SqliteConnection& conn) : conn_(conn) {}

  Result<bool> acquire(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) override;
  Result<bool> renew(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) override;
  Result<bool> release(const std::string& name, const std::string& holder) override;
  Result<std::optional<LeaseRecord>> get(const std::string& name) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
