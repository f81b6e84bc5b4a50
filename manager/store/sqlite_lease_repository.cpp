#include "manager/store/sqlite_lease_repository.h"

#include <limits>

namespace corral::store {

namespace {

// Insert if free; take over if expired or ours. When the WHERE of DO UPDATE is false, SQLite
// changes no row, which is how a lease held by someone else shows.
constexpr const char* kAcquire =
    "INSERT INTO leases (name, holder, expires_at_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms "
    "WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= ?4";

Status check_arguments(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) {
  if (name.empty()) return error(ErrorCode::invalid_argument, "lease name is empty");
  if (holder.empty()) return error(ErrorCode::invalid_argument, "lease holder is empty");
  if (ttl_ms <= 0) return error(ErrorCode::invalid_argument, "lease ttl must be positive");
  if (now_ms > std::numeric_limits<int64_t>::max() - ttl_ms) {
    return error(ErrorCode::invalid_argument, "lease expiry overflows");
  }
  return {};
}

}  // namespace

Result<bool> SqliteLeaseRepository::acquire(const std::string& name, const std::string& holder, int64_t ttl_ms,
                                            int64_t now_ms) {
  if (Status s = check_arguments(name, holder, ttl_ms, now_ms); !s.ok()) return s;
  auto stmt = conn_.statement(kAcquire, "acquire lease");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, name).bind_text(2, holder).bind_int64(3, now_ms + ttl_ms).bind_int64(4, now_ms).run();
  if (!s.ok()) return s;
  return conn_.changes() == 1;
}

Result<bool> SqliteLeaseRepository::renew(const std::string& name, const std::string& holder, int64_t ttl_ms,
                                          int64_t now_ms) {
  if (Status s = check_arguments(name, holder, ttl_ms, now_ms); !s.ok()) return s;
  auto stmt = conn_.statement(
      "UPDATE leases SET expires_at_ms = ?3 WHERE name = ?1 AND holder = ?2 AND ?4 < expires_at_ms", "renew lease");
  if (!stmt.ok()) return stmt.status();
  Status s = stmt->bind_text(1, name).bind_text(2, holder).bind_int64(3, now_ms + ttl_ms).bind_int64(4, now_ms).run();
  if (!s.ok()) return s;
  return conn_.changes() == 1;
}

Result<bool> SqliteLeaseRepository::release(const std::string& name, const std::string& holder) {
  auto stmt = conn_.statement("DELETE FROM leases WHERE name = ?1 AND holder = ?2", "release lease");
  if (!stmt.ok()) return stmt.status();
  if (Status s = stmt->bind_text(1, name).bind_text(2, holder).run(); !s.ok()) return s;
  return conn_.changes() == 1;
}

Result<std::optional<LeaseRecord>> SqliteLeaseRepository::get(const std::string& name) {
  auto stmt = conn_.statement("SELECT name, holder, expires_at_ms FROM leases WHERE name = ?1", "select lease");
  if (!stmt.ok()) return stmt.status();
  stmt->bind_text(1, name);
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<LeaseRecord>();
  return std::optional<LeaseRecord>(LeaseRecord{stmt->column_text(0), stmt->column_text(1), stmt->column_int64(2)});
}

}  // namespace corral::store
