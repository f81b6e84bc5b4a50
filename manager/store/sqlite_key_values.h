// Key/value child tables (agent labels, join token labels, intent ownership tags): one row per
// key, so a later "agents with label X" query can use them as they are. Shared by the SQLite
// repositories that own such a table.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

using KeyValues = std::map<std::string, std::string>;

// `insert_sql` binds ?1 owner, ?2 key, ?3 value.
Status insert_key_values(SqliteConnection& conn, std::string_view insert_sql, const std::string& owner,
                         const KeyValues& values, std::string_view op);
// `select_sql` binds ?1 owner and returns (key, value) rows.
Status read_key_values(SqliteConnection& conn, std::string_view select_sql, const std::string& owner,
                       std::string_view op, KeyValues* out);
// For lists: `select_sql` binds nothing and returns (owner, key, value) rows; rows of owners not
// in `index` (owner -> position in `records`) are skipped. One query instead of one per record.
template <typename Record>
Status read_all_key_values(SqliteConnection& conn, std::string_view select_sql, std::string_view op,
                           const std::unordered_map<std::string, size_t>& index, std::vector<Record>& records,
                           KeyValues Record::*field) {
  auto stmt = conn.statement(select_sql, op);
  if (!stmt.ok()) return stmt.status();
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return {};
    auto it = index.find(stmt->column_text(0));
    if (it != index.end()) (records[it->second].*field)[stmt->column_text(1)] = stmt->column_text(2);
  }
}

}  // namespace corral::store
