// The one SQLite connection behind every SQLite repository, with its prepared-statement cache.
// SqliteStore owns it; repositories borrow statements by SQL text, so each text is prepared once
// per connection and then only reset and rebound. Single-threaded, like the connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "manager/store/sqlite_statement.h"

namespace corral::store {

class SqliteConnection {
 public:
  // Takes ownership of `db` (may be null after a failed sqlite3_open_v2, which still needs closing).
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  // Finalizes every cached statement, then closes the connection.
  ~SqliteConnection();

  sqlite3* handle() const { return db_; }

  // The cached statement for `sql`, prepared on first use. While one handle for a text is out, a
  // second request for the same text gets a fresh statement that is finalized after use.
  Result<Statement> statement(std::string_view sql, std::string_view op);
  // Whether `sql`, with ?1 bound to `value`, returns a row: for existence and "still in use" checks.
  Result<bool> any_row(std::string_view sql, std::string_view value, std::string_view op);
  Result<Transaction> begin(Transaction::Kind kind) { return Transaction::begin(db_, kind); }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int changes() const { return sqlite3_changes(db_); }

  // How many times statement() called sqlite3_prepare: for tests that prove the cache works.
  uint64_t prepare_count() const { return prepare_count_; }
  size_t cached_statements() const { return cache_.size(); }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  // Lets find() take a string_view without building a std::string per lookup.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_;
  // Node-based: a lent Statement points at its entry's in_use, which stays put when the map grows.
  std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> cache_;
  uint64_t prepare_count_ = 0;
};

}  // namespace corral::store
