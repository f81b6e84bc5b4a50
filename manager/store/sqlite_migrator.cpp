#include "manager/store/sqlite_migrator.h"

#include <string>

#include "common/log.h"
#include "manager/store/sqlite_statement.h"

namespace corral::store {

namespace {

Status ensure_migrations_table(sqlite3* db) {
  return exec_sql(db,
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                  "create schema_migrations");
}

Result<int> current_version(sqlite3* db) {
  auto stmt = Statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "read schema version");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  return static_cast<int>(stmt->column_int64(0));
}

Status refuse_newer(int db_version, int known) {
  return error(ErrorCode::failed_precondition, "database schema version " + std::to_string(db_version) +
                                                   " is newer than this build supports (" + std::to_string(known) +
                                                   "); upgrade the manager or restore a matching backup");
}

}  // namespace

Result<int> read_schema_version(sqlite3* db) { return current_version(db); }

Status apply_migrations(sqlite3* db, std::span<const Migration> migrations, int64_t now) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return error(ErrorCode::internal,
                   "migration list out of order at version " + std::to_string(migrations[i].version));
    }
  }
  const int known = static_cast<int>(migrations.size());

  Status s = ensure_migrations_table(db);
  if (!s.ok()) return s;
  // The common case, a database already up to date, takes no write lock.
  auto before = current_version(db);
  if (!before.ok()) return before.status();
  if (*before > known) return refuse_newer(*before, known);
  if (*before == known) return {};

  for (const Migration& m : migrations) {
    auto txn = Transaction::begin(db, Transaction::Kind::write);
    if (!txn.ok()) return txn.status();
    // Read again under the write lock: another process may have migrated since the last look.
    auto version = current_version(db);
    if (!version.ok()) return version.status();
    if (*version > known) return refuse_newer(*version, known);
    if (*version >= m.version) continue;

    s = exec_sql(db, m.sql, "migration " + std::to_string(m.version));
    if (!s.ok()) return s;
    auto stamp = Statement::prepare(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                                    "record migration " + std::to_string(m.version));
    if (!stamp.ok()) return stamp.status();
    s = stamp->bind_int64(1, m.version).bind_int64(2, now).run();
    if (!s.ok()) return s;
    s = txn->commit();
    if (!s.ok()) return s;
    log::info("store.migrated", {{"schema_version", m.version}});
  }
  return {};
}

}  // namespace corral::store
