// Brings a SQLite database up to the schema the code expects. SqliteStore::open calls it with
// the real migration list; tests call it with their own list to check the transaction rules.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>

#include "common/result.h"
#include "manager/store/sqlite_migrations.h"

namespace corral::store {

// Highest version recorded in schema_migrations (0 if it is empty). The table exists once
// apply_migrations has run.
Result<int> read_schema_version(sqlite3* db);

// Applies every migration newer than the database, each together with its schema_migrations
// row in one transaction, so a failure leaves the database at the previous version and never
// half-migrated. A database newer than the last migration is refused (failed_precondition):
// running old code on it could corrupt data it does not understand.
Status apply_migrations(sqlite3* db, std::span<const Migration> migrations, int64_t now);

}  // namespace corral::store
