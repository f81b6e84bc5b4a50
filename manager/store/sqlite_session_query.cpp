#include "manager/store/sqlite_session_query.h"

namespace corral::store {

std::string select_sessions(std::string_view rest) {
  return "SELECT id, workspace_id, pool_id, server_id, user_name, state, end_reason, origin, agent_session_id, "
         "cores_milli, memory_bytes, gpus, reserved_at, reservation_expires_at, activated_at, ended_at "
         "FROM sessions " +
         std::string(rest);
}

namespace {

Result<SessionRecord> read_row(const Statement& stmt) {
  SessionRecord s;
  s.id = stmt.column_text(0);
  // NULL (unknown, or deleted since) reads as "".
  s.workspace_id = stmt.column_text(1);
  s.pool_id = stmt.column_text(2);
  s.server_id = stmt.column_text(3);
  s.user = stmt.column_text(4);
  auto state = parse_session_state(stmt.column_text(5));
  auto reason = parse_session_end_reason(stmt.column_text(6));
  auto origin = parse_session_origin(stmt.column_text(7));
  if (!state || !reason || !origin)
    return error(ErrorCode::internal, "stored session " + s.id + " has an unknown state, end reason or origin");
  s.state = *state;
  s.end_reason = *reason;
  s.origin = *origin;
  s.agent_session_id = stmt.column_text(8);
  s.resources = {stmt.column_int64(9), stmt.column_int64(10), stmt.column_int64(11)};
  s.reserved_at = stmt.column_int64(12);
  s.reservation_expires_at = stmt.column_int64(13);
  s.activated_at = stmt.column_int64(14);
  s.ended_at = stmt.column_int64(15);
  return s;
}

}  // namespace

Result<std::vector<SessionRecord>> read_sessions(Statement& stmt) {
  std::vector<SessionRecord> sessions;
  while (true) {
    auto row = stmt.step();
    if (!row.ok()) return row.status();
    if (!*row) return sessions;
    auto session = read_row(stmt);
    if (!session.ok()) return session.status();
    sessions.push_back(std::move(*session));
  }
}

SessionQuery session_page_query(const SessionFilter& filter, const std::string& after_id) {
  SessionQuery q;
  std::string where;
  auto add = [&](const char* column, const std::string& value) {
    q.text_params.push_back(value);
    where += std::string(column) + " = ?" + std::to_string(q.text_params.size()) + " AND ";
  };
  if (!filter.pool_id.empty()) add("pool_id", filter.pool_id);
  if (!filter.server_id.empty()) add("server_id", filter.server_id);
  if (!filter.workspace_id.empty()) add("workspace_id", filter.workspace_id);
  if (!filter.user.empty()) add("user_name", filter.user);
  if (filter.state) add("state", session_state_name(*filter.state));
  q.text_params.push_back(after_id);
  const std::string after = std::to_string(q.text_params.size());
  q.sql = select_sessions("WHERE " + where + "id > ?" + after + " ORDER BY id LIMIT ?" +
                          std::to_string(q.text_params.size() + 1));
  return q;
}

}  // namespace corral::store
