#include "manager/store/sqlite_connection.h"

namespace corral::store {

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> SqliteConnection::statement(std::string_view sql, std::string_view op) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement::borrowed(db_, it->second.stmt, &it->second.in_use, op);
  }
  ++prepare_count_;
  if (it != cache_.end()) return Statement::prepare(db_, sql, op);

  sqlite3_stmt* stmt = nullptr;
  // PERSISTENT tells SQLite the statement is kept for long, so it allocates it outside the
  // lookaside pool meant for short-lived ones.
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_status(db_, rc, "prepare " + std::string(op));
  }
  auto entry = cache_.emplace(std::string(sql), Cached{stmt, true}).first;
  return Statement::borrowed(db_, stmt, &entry->second.in_use, op);
}

Result<bool> SqliteConnection::any_row(std::string_view sql, std::string_view value, std::string_view op) {
  auto stmt = statement(sql, op);
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, value);
  return stmt->step();
}

}  // namespace corral::store
