// ProviderConfigRepository on the SQLite connection (table `provider_configs`).
#pragma once

#include "manager/store/provider_config_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteProviderConfigRepository final : public ProviderConfigRepository {
 public:
  explicit SqliteProviderConfigRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const ProviderConfigRecord& config) override;
  Result<ProviderConfigUpdate> update(const ProviderConfigRecord& config, uint64_t expected_revision) override;
  Result<std::optional<ProviderConfigRecord>> get(const std::string& id) override;
  Result<std::vector<ProviderConfigRecord>> list() override;
  Status remove(const std::string& id) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
