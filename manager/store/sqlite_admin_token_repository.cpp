#include "manager/store/sqlite_admin_token_repository.h"

namespace corral::store {

namespace {

AdminTokenRecord read_row(const Statement& stmt) {
  AdminTokenRecord token;
  token.id = stmt.column_text(0);
  token.secret_sha256 = stmt.column_text(1);
  token.name = stmt.column_text(2);
  token.created_at = stmt.column_int64(3);
  return token;
}

}  // namespace

Status SqliteAdminTokenRepository::insert(const AdminTokenRecord& token) {
  if (token.id.empty()) return error(ErrorCode::invalid_argument, "admin token id is empty");
  auto stmt = conn_.statement("INSERT INTO admin_tokens (id, secret_sha256, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                              "insert admin token");
  if (!stmt.ok()) return stmt.status();
  return stmt->bind_text(1, token.id)
      .bind_text(2, token.secret_sha256)
      .bind_text(3, token.name)
      .bind_int64(4, token.created_at)
      .run();
}

Result<std::optional<AdminTokenRecord>> SqliteAdminTokenRepository::get(const std::string& id) {
  auto stmt = conn_.statement("SELECT id, secret_sha256, name, created_at FROM admin_tokens WHERE id = ?1",
                              "select admin token");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AdminTokenRecord>();
  return std::optional<AdminTokenRecord>(read_row(*stmt));
}

Result<std::vector<AdminTokenRecord>> SqliteAdminTokenRepository::list() {
  auto stmt = conn_.statement("SELECT id, secret_sha256, name, created_at FROM admin_tokens ORDER BY created_at, id",
                              "list admin tokens");
  if (!stmt.ok()) return stmt.status();
  std::vector<AdminTokenRecord> tokens;
  while (true) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return tokens;
    tokens.push_back(read_row(*stmt));
  }
}

Status SqliteAdminTokenRepository::remove(const std::string& id) {
  auto stmt = conn_.statement("DELETE FROM admin_tokens WHERE id = ?1", "delete admin token");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, id).run(); !s.ok()) return s;
  if (conn_.changes() == 0) return error(ErrorCode::not_found, "no admin token " + id);
  return {};
}

}  // namespace corral::store
