// LdapConfigRepository on the SQLite connection (table `ldap_configs`).
#pragma once

#include "manager/store/ldap_config_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteLdapConfigRepository final : public LdapConfigRepository {
 public:
  explicit SqliteLdapConfigRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const LdapConfigRecord& config) override;
  Result<LdapConfigUpdate> update(const LdapConfigRecord& config, uint64_t expected_revision) override;
  Result<std::optional<LdapConfigRecord>> get(const std::string& id) override;
  Result<std::vector<LdapConfigRecord>> list() override;
  Status remove(const std::string& id) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
