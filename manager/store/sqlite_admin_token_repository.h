// AdminTokenRepository on the SQLite connection (table `admin_tokens`).
#pragma once

#include "manager/store/admin_token_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteAdminTokenRepository final : public AdminTokenRepository {
 public:
  explicit SqliteAdminTokenRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const AdminTokenRecord& token) override;
  Result<std::optional<AdminTokenRecord>> get(const std::string& id) override;
  Result<std::vector<AdminTokenRecord>> list() override;
  Status remove(const std::string& id) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
