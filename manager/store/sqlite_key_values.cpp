#include "manager/store/sqlite_key_values.h"

namespace corral::store {

Status insert_key_values(SqliteConnection& conn, std::string_view insert_sql, const std::string& owner,
                         const KeyValues& values, std::string_view op) {
  if (values.empty()) return {};
  auto stmt = conn.statement(insert_sql, op);
  if (!stmt.ok()) return stmt.status();
  for (const auto& [key, value] : values) {
    if (Status s = stmt->bind_text(1, owner).bind_text(2, key).bind_text(3, value).run(); !s.ok()) return s;
    stmt->reset();
  }
  return {};
}

Status read_key_values(SqliteConnection& conn, std::string_view select_sql, const std::string& owner,
                       std::string_view op, KeyValues* out) {
  auto stmt = conn.statement(select_sql, op);
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, owner);
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return {};
    (*out)[stmt->column_text(0)] = stmt->column_text(1);
  }
}

}  // namespace corral::store
