#include "manager/store/sqlite_join_token_repository.h"

#include "manager/store/sqlite_key_values.h"

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO join_tokens (id, secret_sha256, created_at, expires_at, used_at, used_by_agent, server_id, "
    "description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kSelectOne =
    "SELECT id, secret_sha256, created_at, expires_at, used_at, used_by_agent, server_id, description "
    "FROM join_tokens WHERE id = ?1";
constexpr const char* kInsertLabel = "INSERT INTO join_token_labels (token_id, key, value) VALUES (?1, ?2, ?3)";
constexpr const char* kSelectLabels = "SELECT key, value FROM join_token_labels WHERE token_id = ?1";
// The conditions of a successful use, checked and applied in one statement.
constexpr const char* kConsume =
    "UPDATE join_tokens SET used_at = ?2, used_by_agent = ?3 WHERE id = ?1 AND used_at = 0 AND ?2 < expires_at";

JoinTokenRecord read_row(const Statement& stmt) {
  JoinTokenRecord token;
  token.id = stmt.column_text(0);
  token.secret_sha256 = stmt.column_text(1);
  token.created_at = stmt.column_int64(2);
  token.expires_at = stmt.column_int64(3);
  token.used_at = stmt.column_int64(4);
  token.used_by_agent = stmt.column_text(5);
  token.server_id = stmt.column_text(6);
  token.description = stmt.column_text(7);
  return token;
}

}  // namespace

Status SqliteJoinTokenRepository::insert(const JoinTokenRecord& token) {
  if (token.id.empty()) return error(ErrorCode::invalid_argument, "join token id is empty");
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kInsert, "insert join token");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, token.id)
                 .bind_text(2, token.secret_sha256)
                 .bind_int64(3, token.created_at)
                 .bind_int64(4, token.expires_at)
                 .bind_int64(5, token.used_at)
                 .bind_text(6, token.used_by_agent)
                 .bind_text(7, token.server_id)
                 .bind_text(8, token.description)
                 .run();
  if (!s.ok()) return s;
  s = insert_key_values(conn_, kInsertLabel, token.id, token.labels, "insert join token label");
  if (!s.ok()) return s;
  return txn->commit();
}

Result<std::optional<JoinTokenRecord>> SqliteJoinTokenRepository::get(const std::string& id) {
  // One snapshot for the row and its labels.
  auto txn = conn_.begin(Transaction::Kind::read);
  if (!txn.ok()) return txn.status();
  auto stmt = conn_.statement(kSelectOne, "select join token");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<JoinTokenRecord>();
  JoinTokenRecord token = read_row(*stmt);
  Status s = read_key_values(conn_, kSelectLabels, id, "select join token labels", &token.labels);
  if (!s.ok()) return s;
  if (s = txn->commit(); !s.ok()) return s;
  return std::optional<JoinTokenRecord>(std::move(token));
}

Result<TokenConsumption> SqliteJoinTokenRepository::consume(const std::string& id, int64_t now,
                                                            const std::string& agent_id) {
  // used_at = 0 means "unused", so a use at time 0 could not be recorded.
  if (now <= 0) return error(ErrorCode::invalid_argument, "token use time must be positive");
  if (agent_id.empty()) return error(ErrorCode::invalid_argument, "agent id is empty");
  {
    auto mark = conn_.statement(kConsume, "consume join token");
    if (!mark.ok()) return mark.status();
    if (Status s = mark->bind_text(1, id).bind_int64(2, now).bind_text(3, agent_id).run(); !s.ok()) return s;
    if (conn_.changes() == 1) return TokenConsumption::consumed;
  }
  // Nothing was written; find out why. A used or expired token stays so, so the answer holds even
  // outside a unit of work (at worst the sweep deleted an expired token meanwhile: unknown_token).
  auto why = conn_.statement("SELECT used_at, expires_at FROM join_tokens WHERE id = ?1", "select join token state");
  if (!why.ok()) return why.status();
  why->bind_text(1, id);
  auto row = why->step();
  if (!row.ok()) return row.status();
  if (!*row) return TokenConsumption::unknown_token;
  if (why->column_int64(0) != 0) return TokenConsumption::already_used;
  return TokenConsumption::expired;
}

Result<int> SqliteJoinTokenRepository::delete_expired(int64_t now) {
  auto stmt =
      conn_.statement("DELETE FROM join_tokens WHERE used_at = 0 AND expires_at <= ?1", "delete expired join tokens");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_int64(1, now).run(); !s.ok()) return s;
  // Counts the token rows only; their labels go by cascade and are not counted.
  return conn_.changes();
}

}  // namespace corral::store
