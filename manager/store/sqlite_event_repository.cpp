#include "manager/store/sqlite_event_repository.h"

#include <string_view>

namespace corral::store {
namespace {

constexpr const char* kColumns = "id, at_ms, kind, severity, pool_id, autoscale_config_id, server_id, vm_id, message";

Result<EventSeverity> severity_from(std::string_view name) {
  if (name == "info") return EventSeverity::info;
  if (name == "warning") return EventSeverity::warning;
  if (name == "error") return EventSeverity::error;
  return error(ErrorCode::internal, "event has an unknown severity '" + std::string(name) + "'");
}

}  // namespace

const char* event_severity_name(EventSeverity severity) {
  switch (severity) {
    case EventSeverity::info: return "info";
    case EventSeverity::warning: return "warning";
    case EventSeverity::error: return "error";
  }
  return "info";
}

Result<int64_t> SqliteEventRepository::append(const EventRecord& e) {
  if (e.id != 0) return error(ErrorCode::invalid_argument, "an event's id is given by the store");
  if (e.kind.empty()) return error(ErrorCode::invalid_argument, "an event needs a kind");
  if (e.message.empty()) return error(ErrorCode::invalid_argument, "an event needs a message");
  if (e.at_ms <= 0) return error(ErrorCode::invalid_argument, "an event needs a time");
  auto stmt = conn_.statement(
      "INSERT INTO events (at_ms, kind, severity, pool_id, autoscale_config_id, server_id, vm_id, message) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
      "append event");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_int64(1, e.at_ms)
      .bind_text(2, e.kind)
      .bind_text(3, event_severity_name(e.severity))
      .bind_text(4, e.pool_id)
      .bind_text(5, e.autoscale_config_id)
      .bind_text(6, e.server_id)
      .bind_text(7, e.vm_id)
      .bind_text(8, e.message);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return error(ErrorCode::internal, "append event: no id returned");
  int64_t id = stmt->column_int64(0);
  // Step to the end so the statement is done before it goes back to the cache.
  if (auto end = stmt->step(); !end.ok()) return end.status();
  return id;
}

Result<std::vector<EventRecord>> SqliteEventRepository::list(const EventFilter& f) {
  if (f.limit == 0) return error(ErrorCode::invalid_argument, "an event list needs a limit");
  // One text for every filter: an empty value matches any row, so the statement is cached once.
  auto stmt = conn_.statement(std::string("SELECT ") + kColumns +
                                  " FROM events WHERE id > ?1 AND (?2 = '' OR pool_id = ?2) AND "
                                  "(?3 = '' OR autoscale_config_id = ?3) AND (?4 = '' OR server_id = ?4) "
                                  "ORDER BY id LIMIT ?5",
                              "list events");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_int64(1, f.after_id)
      .bind_text(2, f.pool_id)
      .bind_text(3, f.autoscale_config_id)
      .bind_text(4, f.server_id)
      .bind_int64(5, f.limit);
  std::vector<EventRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    EventRecord e;
    e.id = stmt->column_int64(0);
    e.at_ms = stmt->column_int64(1);
    e.kind = stmt->column_text(2);
    auto severity = severity_from(stmt->column_text(3));
    if (!severity.ok()) return severity.status();
    e.severity = *severity;
    e.pool_id = stmt->column_text(4);
    e.autoscale_config_id = stmt->column_text(5);
    e.server_id = stmt->column_text(6);
    e.vm_id = stmt->column_text(7);
    e.message = stmt->column_text(8);
    out.push_back(std::move(e));
  }
  return out;
}

Result<int64_t> SqliteEventRepository::last_id() {
  // sqlite_sequence keeps the largest id ever given, also after those rows are deleted.
  auto stmt = conn_.statement("SELECT seq FROM sqlite_sequence WHERE name = 'events'", "last event id");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  int64_t id = *row ? stmt->column_int64(0) : 0;
  if (*row) {
    if (auto end = stmt->step(); !end.ok()) return end.status();
  }
  return id;
}

Result<int> SqliteEventRepository::delete_before(int64_t before_ms) {
  auto stmt = conn_.statement("DELETE FROM events WHERE at_ms < ?1", "delete old events");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_int64(1, before_ms).run(); !s.ok()) return s;
  return conn_.changes();
}

}  // namespace corral::store
