// JoinTokenRepository on the SQLite connection: tokens in `join_tokens`, labels in
// `join_token_labels` (deleted with their token by cascade).
#pragma once

#include "manager/store/join_token_repository.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

class SqliteJoinTokenRepository final : public JoinTokenRepository {
 public:
  explicit SqliteJoinTokenRepository(SqliteConnection& conn) : conn_(conn) {}

  Status insert(const JoinTokenRecord& token) override;
  Result<std::optional<JoinTokenRecord>> get(const std::string& id) override;
  Result<TokenConsumption> consume(const std::string& id, int64_t now, const std::string& agent_id) override;
  Result<int> delete_expired(int64_t now) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace corral::store
