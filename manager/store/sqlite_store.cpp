#include "manager/store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "manager/store/sqlite_migrations.h"
#include "manager/store/sqlite_migrator.h"
#include "manager/store/sqlite_statement.h"

namespace corral::store {

namespace {

// Long enough to ride out an operator's backup or sqlite3 shell holding the lock for a moment,
// short enough that the core thread does not look hung.
constexpr int kBusyTimeoutMs = 5000;

// SQLite creates a missing file 0644 (less umask); creating it first keeps token hashes and
// certificate serials away from other local users. The -wal and -shm files inherit this mode.
Status create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    return error(err == EACCES || err == EPERM ? ErrorCode::permission_denied : ErrorCode::unavailable,
                 "open store " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  return {};
}

Result<std::string> pragma_value(sqlite3* db, const char* sql, std::string_view op) {
  auto stmt = Statement::prepare(db, sql, op);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return stmt->column_text(0);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, CheckpointPolicy policy) {
  if (path.empty()) return error(ErrorCode::invalid_argument, "store path is empty");
  const bool in_memory = path == ":memory:";
  if (!in_memory) {
    if (Status s = create_private_file(path); !s.ok()) return s;
  }

  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // Owned from here on, so every early return below closes the connection.
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  if (rc != SQLITE_OK) return sqlite_status(db, rc, "open " + path);

  // Extended codes tell a taken key (already_exists) from other constraint failures.
  sqlite3_extended_result_codes(db, 1);
  wait_while_busy_in_short_steps(db, kBusyTimeoutMs);
  // Refuses writable_schema and similar tricks that could corrupt the file.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

  // The first statement to touch the file: a file that is not a database fails here.
  auto mode = pragma_value(db, "PRAGMA journal_mode=WAL", "set journal_mode=WAL on " + path);
  if (!mode.ok()) return mode.status();
  if (*mode != "wal" && !(in_memory && *mode == "memory")) {
    return error(ErrorCode::unavailable, "store " + path + ": journal_mode stayed '" + *mode + "', WAL is required");
  }
  // With WAL, NORMAL only risks the last transactions on power loss, never corruption.
  if (Status s = exec_sql(db, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"); !s.ok()) return s;
  if (Status s = exec_sql(db, "PRAGMA foreign_keys=ON", "set foreign_keys=ON"); !s.ok()) return s;
  // Label rows rely on ON DELETE CASCADE; a build without foreign key support ignores the PRAGMA.
  auto fk = pragma_value(db, "PRAGMA foreign_keys", "read foreign_keys");
  if (!fk.ok()) return fk.status();
  if (*fk != "1") return error(ErrorCode::internal, "this SQLite does not enforce foreign keys");

  auto now = unix_seconds(std::chrono::system_clock::now());
  if (Status s = apply_migrations(db, sqlite_migrations(), now); !s.ok()) return s;
  auto version = store->schema_version();
  if (!version.ok()) return version.status();

  if (!in_memory) {
    // An automatic checkpoint runs inside the commit that crosses its threshold, fsyncs and all,
    // on the core thread; the checkpointer's thread does it instead. The PRAGMA comes first: it
    // resets the connection's WAL hook, which start() then takes.
    if (Status s = exec_sql(db, "PRAGMA wal_autocheckpoint=0", "set wal_autocheckpoint=0"); !s.ok()) return s;
    auto checkpointer = SqliteCheckpointer::start(db, path, policy);
    if (!checkpointer.ok()) return checkpointer.status();
    store->checkpointer_ = std::move(checkpointer).value();
  }
  log::info("store.opened", {{"backend", "sqlite"}, {"path", path}, {"schema_version", *version}});
  return store;
}

SqliteStore::SqliteStore(sqlite3* db) : conn_(db) {}

Result<int> SqliteStore::schema_version() { return read_schema_version(conn_.handle()); }

Status SqliteStore::unit_of_work(const std::function<Status(Repositories&)>& work) {
  // A nested unit of work would either commit the outer one's writes early or be rolled back
  // with it without knowing; refusing is the only answer that cannot surprise the caller.
  if (in_unit_of_work_) {
    return error(ErrorCode::failed_precondition, "a unit of work is already in progress; units of work do not nest");
  }
  in_unit_of_work_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_unit_of_work_};

  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  Status s;
  try {
    s = work(*this);
  } catch (const std::exception& e) {
    s = error(ErrorCode::internal, std::string("unit of work threw: ") + e.what());
  } catch (...) {
    s = error(ErrorCode::internal, "unit of work threw a non-standard exception");
  }
  // On an error the transaction's destructor rolls everything back.
  if (!s.ok()) return s;
  return txn->commit();
}

}  // namespace corral::store

namespace corral::store {

Status SqliteStore::commit_group(size_t count, const std::function<void(size_t)>& member) {
  if (in_unit_of_work_ || in_group_) {
    return error(ErrorCode::failed_precondition, "a group commit cannot run inside a unit of work or another group");
  }
  in_group_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_group_};

  auto txn = conn_.begin(Transaction::Kind::write);
  if (!txn.ok()) return txn.status();
  for (size_t i = 0; i < count; ++i) {
    member(i);
    // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite rolls the whole transaction back by
    // itself. Members run after that would write outside it, each committing alone while the
    // group reports failure; stop here instead, with everything undone.
    if (sqlite3_get_autocommit(conn_.handle()) != 0) {
      return error(ErrorCode::unavailable, "the store rolled back the group's transaction at member " +
                                               std::to_string(i + 1) + " of " + std::to_string(count));
    }
  }
  return txn->commit();
}

}  // namespace corral::store
