#include "manager/store/sqlite_checkpointer.h"

#include <chrono>
#include <utility>

#include "common/log.h"
#include "manager/store/sqlite_statement.h"

namespace corral::store {

namespace {

// A RESTART checkpoint first waits for the core's transaction in progress to end; a group commit
// lasts milliseconds, so a wait this long means something else holds the database.
constexpr int kBusyTimeoutMs = 5000;
// Each pass copies what the core committed during the one before, so few are needed.
constexpr int kCatchUpPasses = 4;

}  // namespace

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::start(sqlite3* core, const std::string& path,
                                                                      CheckpointPolicy policy) {
  if (policy.passive_every_pages <= 0 || policy.restart_above_pages <= 0) {
    return error(ErrorCode::invalid_argument, "checkpoint policy: page counts must be positive");
  }
  sqlite3* own = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite_status(own, rc, "open checkpoint connection to " + path);
    sqlite3_close_v2(own);
    return s;
  }
  wait_while_busy_in_short_steps(own, kBusyTimeoutMs);
  // The checkpoint's fsyncs follow the connection's setting; match the core's.
  if (Status s = exec_sql(own, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL on the checkpoint connection");
      !s.ok()) {
    sqlite3_close_v2(own);
    return s;
  }
  std::unique_ptr<SqliteCheckpointer> checkpointer(new SqliteCheckpointer(core, own, policy));
  // Replaces SQLite's own wal_autocheckpoint hook on the core connection: from here on no
  // checkpoint runs inside the core's commits.
  sqlite3_wal_hook(core, &SqliteCheckpointer::on_commit, checkpointer.get());
  return checkpointer;
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* core, sqlite3* own, CheckpointPolicy policy)
    : core_(core), own_(own), policy_(policy), next_request_at_(policy.passive_every_pages), thread_([this] {
        run();
      }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_hook(core_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(own_);
}

int SqliteCheckpointer::on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  auto* c = static_cast<SqliteCheckpointer*>(self);
  // A smaller WAL than at the last commit means the WAL was restarted after a full checkpoint.
  if (wal_pages < c->last_wal_pages_) c->next_request_at_ = c->policy_.passive_every_pages;
  c->last_wal_pages_ = wal_pages;
  if (wal_pages >= c->next_request_at_) {
    c->next_request_at_ = wal_pages + c->policy_.passive_every_pages;
    c->request();
  }
  // SQLITE_OK: the commit itself is never failed by the hook.
  return SQLITE_OK;
}

void SqliteCheckpointer::request() {
  requests_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_one();
}

void SqliteCheckpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void SqliteCheckpointer::checkpoint() {
  int wal_frames = 0;
  int backfilled = 0;
  int rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &backfilled);
  // BUSY: another connection (an operator's shell, a backup) is checkpointing; nothing to do.
  if (rc == SQLITE_BUSY) return;
  if (rc != SQLITE_OK) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    log::warn("store.checkpoint_failed", {{"mode", "passive"}, {"error", sqlite3_errmsg(own_)}});
    return;
  }
  passive_runs_.fetch_add(1, std::memory_order_relaxed);
  wal_frames_.store(wal_frames, std::memory_order_relaxed);
  wal_frames_backfilled_.store(backfilled, std::memory_order_relaxed);
  if (wal_frames < policy_.restart_above_pages) return;
  // The core waits for the RESTART below, for as long as it copies; passes that do not block it
  // first bring what is left to copy down to a few pages' worth.
  for (int pass = 0; pass < kCatchUpPasses && wal_frames - backfilled > policy_.passive_every_pages / 8; ++pass) {
    if (sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &backfilled) != SQLITE_OK)
      break;
  }

  // Everything up to the passive run's end is in the database already, so this one copies only
  // what was committed meanwhile; the core waits for it, not for the whole WAL.
  const int left = wal_frames - backfilled;
  const auto start = std::chrono::steady_clock::now();
  rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_RESTART, &wal_frames, &backfilled);
  if (rc == SQLITE_OK) {
    restarts_.fetch_add(1, std::memory_order_relaxed);
    // The core waited for part of this; the figure says how long a stall it was at most.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    log::debug("store.wal_restarted", {{"frames_left_to_copy", left}, {"micros", us.count()}});
    return;
  }
  // BUSY: the core held its transaction past the busy timeout; the next request tries again.
  if (rc != SQLITE_BUSY) failures_.fetch_add(1, std::memory_order_relaxed);
  log::warn("store.checkpoint_failed",
            {{"mode", "restart"}, {"wal_pages", wal_frames}, {"error", sqlite3_errmsg(own_)}});
}

SqliteCheckpointer::Stats SqliteCheckpointer::stats() const {
  Stats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.passive_runs = passive_runs_.load(std::memory_order_relaxed);
  s.wal_frames = wal_frames_.load(std::memory_order_relaxed);
  s.wal_frames_backfilled = wal_frames_backfilled_.load(std::memory_order_relaxed);
  s.restarts = restarts_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace corral::store
