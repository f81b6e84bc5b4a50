#include "manager/store/sqlite_string_sets.h"

namespace corral::store {

Status insert_string_set(SqliteConnection& conn, std::string_view insert_sql, const std::string& owner,
                         const std::vector<std::string>& values, std::string_view op) {
  if (values.empty()) return {};
  auto stmt = conn.statement(insert_sql, op);
  if (!stmt.ok()) return stmt.status();
  for (const std::string& value : values) {
    if (Status s = stmt->bind_text(1, owner).bind_text(2, value).run(); !s.ok()) return s;
    stmt->reset();
  }
  return {};
}

Status replace_string_set(SqliteConnection& conn, std::string_view delete_sql, std::string_view insert_sql,
                          const std::string& owner, const std::vector<std::string>& values, std::string_view op) {
  {
    auto stmt = conn.statement(delete_sql, op);
    if (!stmt.ok()) return stmt.status();
    if (Status s = stmt->bind_text(1, owner).run(); !s.ok()) return s;
  }
  return insert_string_set(conn, insert_sql, owner, values, op);
}

Status read_string_set(SqliteConnection& conn, std::string_view select_sql, const std::string& owner,
                       std::string_view op, std::vector<std::string>* out) {
  auto stmt = conn.statement(select_sql, op);
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, owner);
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return {};
    out->push_back(stmt->column_text(0));
  }
}

}  // namespace corral::store
