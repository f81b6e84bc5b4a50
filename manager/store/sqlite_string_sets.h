// Child tables holding a set of strings per row (pool, server and workspace labels, a server's
// assigned users): one row per value, so the database can answer "servers with label X" as it is.
// Shared by the SQLite broker repositories, like sqlite_key_values.h for key/value tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/store/sqlite_connection.h"

namespace corral::store {

// `insert_sql` binds ?1 owner, ?2 value.
Status insert_string_set(SqliteConnection& conn, std::string_view insert_sql, const std::string& owner,
                         const std::vector<std::string>& values, std::string_view op);
// `delete_sql` binds ?1 owner and removes the owner's rows; then the values are inserted.
Status replace_string_set(SqliteConnection& conn, std::string_view delete_sql, std::string_view insert_sql,
                          const std::string& owner, const std::vector<std::string>& values, std::string_view op);
// `select_sql` binds ?1 owner and returns one value per row, in the order it asks for.
Status read_string_set(SqliteConnection& conn, std::string_view select_sql, const std::string& owner,
                       std::string_view op, std::vector<std::string>* out);

}  // namespace corral::store
