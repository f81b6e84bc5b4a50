#include "manager/store/sqlite_session_repository.h"

#include "manager/store/broker_validation.h"
#include "manager/store/sqlite_session_query.h"

namespace corral::store {

namespace {

constexpr const char* kInsert =
    "INSERT INTO sessions (id, workspace_id, pool_id, server_id, user_name, state, end_reason, origin, "
    "agent_session_id, cores_milli, memory_bytes, gpus, reserved_at, reservation_expires_at, activated_at, ended_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'none', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0)";
// Each transition is one statement guarded by the state it leaves, so two managers (or a
// confirmation racing an expiry) cannot both make it.
constexpr const char* kActivate =
    "UPDATE sessions SET state = 'active', activated_at = ?2 WHERE id = ?1 AND state = 'reserved'";
constexpr const char* kEnd =
    "UPDATE sessions SET state = 'ended', end_reason = ?2, ended_at = ?3 WHERE id = ?1 AND state <> 'ended'";

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

Status SqliteSessionRepository::insert(const SessionRecord& session) {
  auto s = checked_new_session(session);
  if (!s.ok()) return s.status();
  auto stmt = conn_.statement(kInsert, "insert session");
  if (!stmt.ok()) return stmt.status();
  return stmt->bind_text(1, s->id)
      .bind_optional_text(2, null_if_empty(s->workspace_id))
      .bind_text(3, s->pool_id)
      .bind_text(4, s->server_id)
      .bind_text(5, s->user)
      .bind_text(6, session_state_name(s->state))
      .bind_text(7, session_origin_name(s->origin))
      .bind_text(8, s->agent_session_id)
      .bind_int64(9, s->resources.cores_milli)
      .bind_int64(10, s->resources.memory_bytes)
      .bind_int64(11, s->resources.gpus)
      .bind_int64(12, s->reserved_at)
      .bind_int64(13, s->reservation_expires_at)
      .bind_int64(14, s->activated_at)
      .run();
}

Result<std::optional<SessionRecord>> SqliteSessionRepository::get(const std::string& id) {
  static const std::string sql = select_sessions("WHERE id = ?1");
  auto stmt = conn_.statement(sql, "get session");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto rows = read_sessions(*stmt);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(std::move(rows->front()));
}

Result<Page<SessionRecord>> SqliteSessionRepository::list(const SessionFilter& filter, const PageRequest& page) {
  if (page.size == 0) return error(ErrorCode::invalid_argument, "page size must be at least 1");
  SessionQuery q = session_page_query(filter, page.after_id);
  auto stmt = conn_.statement(q.sql, "list sessions");
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  for (const std::string& p : q.text_params) stmt->bind_text(index++, p);
  stmt->bind_int64(index, int64_t{page.size} + 1);
  auto rows = read_sessions(*stmt);
  if (!rows.ok()) return rows.status();
  return make_page(std::move(*rows), page.size);
}

Result<std::optional<SessionState>> SqliteSessionRepository::state_of(const std::string& id) {
  auto stmt = conn_.statement("SELECT state FROM sessions WHERE id = ?1", "select session state");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<SessionState>();
  auto state = parse_session_state(stmt->column_text(0));
  if (!state) return error(ErrorCode::internal, "stored session " + id + " has an unknown state");
  return std::optional<SessionState>(*state);
}

Result<SessionActivation> SqliteSessionRepository::activate(const std::string& id, int64_t at) {
  if (at <= 0) return error(ErrorCode::invalid_argument, "activation time must be positive");
  // The transition and the look at why it did not happen are one snapshot.
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  {
    auto stmt = conn_.statement(kActivate, "activate session");
    if (!stmt.ok()) return stmt.status();
    if (Status s = stmt->bind_text(1, id).bind_int64(2, at).run(); !s.ok()) return s;
  }
  SessionActivation outcome = SessionActivation::activated;
  if (conn_.changes() == 0) {
    auto state = state_of(id);
    if (!state.ok()) return state.status();
    outcome = !*state                           ? SessionActivation::not_found
              : **state == SessionState::active ? SessionActivation::already_active
                                                : SessionActivation::ended;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return outcome;
}

Result<SessionEnding> SqliteSessionRepository::end(const std::string& id, SessionEndReason reason, int64_t at) {
  if (at <= 0) return error(ErrorCode::invalid_argument, "end time must be positive");
  if (reason == SessionEndReason::none) return error(ErrorCode::invalid_argument, "an ended session needs a reason");
  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  {
    auto stmt = conn_.statement(kEnd, "end session");
    if (!stmt.ok()) return stmt.status();
    Status s = stmt->bind_text(1, id).bind_text(2, session_end_reason_name(reason)).bind_int64(3, at).run();
    if (!s.ok()) return s;
  }
  SessionEnding outcome = SessionEnding::ended;
  if (conn_.changes() == 0) {
    auto state = state_of(id);
    if (!state.ok()) return state.status();
    outcome = *state ? SessionEnding::already_ended : SessionEnding::not_found;
  }
  if (Status s = txn->commit(); !s.ok()) return s;
  return outcome;
}

Result<std::vector<SessionRecord>> SqliteSessionRepository::list_unfinished() {
  // Through sessions_state: two seeks, never a walk through every ended session ever recorded.
  static const std::string sql = select_sessions("WHERE state IN ('reserved', 'active') ORDER BY id");
  auto stmt = conn_.statement(sql, "list unfinished sessions");
  if (!stmt.ok()) return stmt.status();
  return read_sessions(*stmt);
}

Result<std::vector<SessionRecord>> SqliteSessionRepository::list_expired_reservations(int64_t now, uint32_t limit) {
  if (limit == 0) return error(ErrorCode::invalid_argument, "limit must be at least 1");
  // Without statistics SQLite prefers sessions_state (every reservation, then a sort); the
  // partial index holds only reservations, in expiry order, so the first `limit` are the answer.
  static const std::string sql = select_sessions(
      "INDEXED BY sessions_reservations WHERE state = 'reserved' AND reservation_expires_at <= ?1 "
      "ORDER BY reservation_expires_at, id LIMIT ?2");
  auto stmt = conn_.statement(sql, "list expired reservations");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_int64(1, now).bind_int64(2, limit);
  return read_sessions(*stmt);
}

Result<uint32_t> SqliteSessionRepository::count_unfinished(const std::string& server_id) {
  auto stmt = conn_.statement("SELECT COUNT(*) FROM sessions WHERE server_id = ?1 AND state <> 'ended'",
                              "count unfinished sessions");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, server_id);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  return static_cast<uint32_t>(stmt->column_int64(0));
}

Result<int> SqliteSessionRepository::delete_ended_before(int64_t before) {
  // As for expired reservations: the partial index reaches the old ones without walking every
  // ended session through sessions_state.
  auto stmt = conn_.statement("DELETE FROM sessions INDEXED BY sessions_ended WHERE state = 'ended' AND ended_at < ?1",
                              "delete ended sessions");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_int64(1, before).run(); !s.ok()) return s;
  return conn_.changes();
}

}  // namespace corral::store
