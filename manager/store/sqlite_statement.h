// A thin RAII layer over the SQLite C API for the SQLite repositories and the migrator: prepared
// statements with bound parameters, transactions that roll back unless committed (savepoints when
// nested), and the mapping of SQLite result codes to corral::Status naming the failed operation.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace corral::store {

// `op` names what was being done ("insert agent"), so the error says which write failed.
Status sqlite_status(sqlite3* db, int rc, std::string_view op);

// One prepared statement. Values are only ever bound, never spliced into SQL text. A bind
// failure is remembered and reported by the next step(), so call sites can chain binds.
// A statement from prepare() is finalized when dropped; one lent by SqliteConnection's cache is
// reset and cleared of its bindings instead and goes back to the cache.
class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string_view op);
  // Wraps a statement lent by a cache: on destruction it is reset and *in_use set to false.
  static Statement borrowed(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, std::string_view op);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view value);
  Statement& bind_int64(int index, int64_t value);
  // NULL when `value` is nullopt.
  Statement& bind_optional_text(int index, const std::optional<std::string>& value);

  // true: a row is ready to be read; false: the statement has finished.
  Result<bool> step();
  // Steps a statement that returns no rows.
  Status run();
  // Makes the statement ready to run again with new bindings.
  void reset();

  std::string column_text(int col) const;
  std::string column_blob(int col) const;
  int64_t column_int64(int col) const;
  bool column_is_null(int col) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, std::string op)
      : db_(db), stmt_(stmt), in_use_(in_use), op_(std::move(op)) {}
  void remember_bind(int rc);
  void release();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;  // set when the statement belongs to a cache
  std::string op_;
  int bind_rc_ = SQLITE_OK;
};

// Outside a transaction: BEGIN (read) or BEGIN IMMEDIATE (write: takes the write lock up front,
// so a transaction never fails halfway because another connection, e.g. an operator's sqlite3
// shell, got it first). Inside one (a unit of work), a SAVEPOINT, so each repository call stays
// all-or-nothing on its own while the enclosing unit of work decides whether it all commits.
// Rolls back (to the savepoint) on destruction unless commit() succeeded. Nest strictly.
class Transaction {
 public:
  enum class Kind { read, write };
  static Result<Transaction> begin(sqlite3* db, Kind kind);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  Transaction(sqlite3* db, bool nested) : db_(db), nested_(nested) {}

  sqlite3* db_ = nullptr;
  bool nested_ = false;
};

// For statements without parameters and results (PRAGMAs, DDL, BEGIN/COMMIT).
Status exec_sql(sqlite3* db, const char* sql, std::string_view op);

// A busy handler for `db` that retries a lock every 250 us for up to `timeout_ms`. SQLite's own
// busy timeout sleeps in steps growing to 100 ms, so a lock held for 2 ms (the checkpointer's
// RESTART, the core's group commit) could cost the waiter 10 ms or more.
void wait_while_busy_in_short_steps(sqlite3* db, int timeout_ms);

}  // namespace corral::store
