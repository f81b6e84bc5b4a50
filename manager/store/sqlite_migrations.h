// The SQLite schema's history: every change is a numbered migration, applied once, in order, by
// the migrator when SqliteStore opens a database. Never edit or renumber a released
// migration; add a new one at the end.
#pragma once

#include <span>

namespace corral::store {

struct Migration {
  int version;      // 1, 2, 3... with no gaps
  const char* sql;  // one or more statements, no bound values
};

std::span<const Migration> sqlite_migrations();

}  // namespace corral::store
