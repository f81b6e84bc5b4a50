#include "manager/store/sqlite_statement.h"

#include <unistd.h>

#include <cstdint>

#include <utility>

namespace corral::store {

Status sqlite_status(sqlite3* db, int rc, std::string_view op) {
  ErrorCode code = ErrorCode::internal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      // A taken key is the caller's "already exists"; other constraints (NOT NULL, foreign key,
      // CHECK) mean the request contradicts stored state.
      code = (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) ? ErrorCode::already_exists
                                                                                    : ErrorCode::failed_precondition;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY: code = ErrorCode::unavailable; break;
    case SQLITE_FULL:
    case SQLITE_NOMEM: code = ErrorCode::resource_exhausted; break;
    case SQLITE_PERM:
    case SQLITE_AUTH: code = ErrorCode::permission_denied; break;
    default: break;
  }
  std::string message = "sqlite " + std::string(op) + ": ";
  // The connection's message carries the detail ("UNIQUE constraint failed: agents.id"); the
  // generic text is the fallback when there is no connection yet.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (code " + std::to_string(rc) + ")";
  return error(code, std::move(message));
}

Status exec_sql(sqlite3* db, const char* sql, std::string_view op) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db, rc, op);
  return {};
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql, std::string_view op) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_status(db, rc, "prepare " + std::string(op));
  }
  return Statement(db, stmt, nullptr, std::string(op));
}

Statement Statement::borrowed(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, std::string_view op) {
  return Statement(db, stmt, in_use, std::string(op));
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      op_(std::move(other.op_)),
      bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    in_use_ = std::exchange(other.in_use_, nullptr);
    op_ = std::move(other.op_);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Statement::~Statement() { release(); }

// Resetting or finalizing (rather than leaving a stepped SELECT around) matters in WAL mode: an
// unfinished statement holds a read snapshot open and stops checkpoints from recycling the log.
// Clearing the bindings drops the copies of bound values (token hashes among them).
void Statement::release() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  in_use_ = nullptr;
}

void Statement::remember_bind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

// An empty std::string_view may have a null data(), and SQLite binds a null pointer as SQL NULL;
// "" keeps an empty value an empty value.
Statement& Statement::bind_text(int index, std::string_view value) {
  remember_bind(
      sqlite3_bind_text64(stmt_, index, value.data() ? value.data() : "", value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
  remember_bind(sqlite3_bind_blob64(stmt_, index, value.data() ? value.data() : "", value.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_int64(int index, int64_t value) {
  remember_bind(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_status(db_, bind_rc_, "bind " + op_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(db_, rc, op_);
}

Status Statement::run() {
  auto stepped = step();
  if (!stepped.ok()) return stepped.status();
  if (*stepped) return error(ErrorCode::internal, "sqlite " + op_ + ": statement unexpectedly returned a row");
  return {};
}

void Statement::reset() {
  // The error of a failed step is already reported by step(); reset() just repeats it.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Statement& Statement::bind_optional_text(int index, const std::optional<std::string>& value) {
  if (value) return bind_text(index, *value);
  remember_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Statement::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Statement::column_blob(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  if (blob == nullptr) return {};
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

// Every nested level uses the same savepoint name: SQLite resolves RELEASE and ROLLBACK TO to the
// innermost savepoint of that name, which is the right one as long as levels nest strictly.
Result<Transaction> Transaction::begin(sqlite3* db, Kind kind) {
  // The connection knows whether a transaction is open; no depth counter to keep in step.
  if (sqlite3_get_autocommit(db) == 0) {
    if (Status s = exec_sql(db, "SAVEPOINT corral_nested", "begin nested transaction"); !s.ok()) return s;
    return Transaction(db, true);
  }
  Status s = kind == Kind::write ? exec_sql(db, "BEGIN IMMEDIATE", "begin write transaction")
                                 : exec_sql(db, "BEGIN", "begin read transaction");
  if (!s.ok()) return s;
  return Transaction(db, false);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), nested_(other.nested_) {}

Transaction::~Transaction() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL); a second ROLLBACK
  // would only fail, so ask first.
  if (db_ == nullptr || sqlite3_get_autocommit(db_) != 0) return;
  if (nested_) {
    // ROLLBACK TO undoes the level's writes but keeps the savepoint open; RELEASE closes it.
    sqlite3_exec(db_, "ROLLBACK TO corral_nested; RELEASE corral_nested", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::commit() {
  Status s = nested_ ? exec_sql(db_, "RELEASE corral_nested", "release nested transaction")
                     : exec_sql(db_, "COMMIT", "commit");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls it back.
  if (s.ok()) db_ = nullptr;
  return s;
}

namespace {

constexpr int kBusyStepUs = 250;

int retry_in_short_steps(void* timeout_ms, int attempts) {
  const int64_t limit_us = int64_t{reinterpret_cast<intptr_t>(timeout_ms)} * 1000;
  if (int64_t{attempts} * kBusyStepUs >= limit_us) return 0;
  ::usleep(kBusyStepUs);
  return 1;
}

}  // namespace

void wait_while_busy_in_short_steps(sqlite3* db, int timeout_ms) {
  // The timeout travels in the handler's pointer argument, so nothing needs to outlive this call.
  sqlite3_busy_handler(db, &retry_in_short_steps, reinterpret_cast<void*>(static_cast<intptr_t>(timeout_ms)));
}

}  // namespace corral::store
