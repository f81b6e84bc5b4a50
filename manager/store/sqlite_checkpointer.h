// Keeps the store's WAL short without ever checkpointing on the core thread. SqliteStore turns
// SQLite's automatic checkpoint off on its connection (it runs inside a commit, fsync included,
// and stalled the core for ~17 ms every 1,000 pages: docs/PERFORMANCE.md) and owns one of these:
// a second connection on its own thread that checkpoints when the core's commits say the WAL grew.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"

namespace corral::store {

struct CheckpointPolicy {
  // A PASSIVE checkpoint (never waits for, never blocks, the core) each time the WAL grew by this
  // many pages since the last request.
  int passive_every_pages = 1000;
  // Under steady writes a passive checkpoint never catches up with the end of the WAL, so the WAL
  // is never restarted and would grow without end. Past this many pages the checkpointer runs a
  // RESTART checkpoint: the core's next commit waits until it is done (the one stall left, about
  // a millisecond once passive passes have copied nearly everything), and then writes the WAL
  // from its start again. RESTART, not TRUNCATE: cutting a large WAL file to zero freed its pages
  // for 110-140 ms here, all of it a stall of the core; the file stays at this size instead.
  int restart_above_pages = 16384;
};

class SqliteCheckpointer {
 public:
  // Counters for tests and the bench; each is read without a lock, so they may be a step apart.
  struct Stats {
    uint64_t requests = 0;      // wakeups asked for by the core's commits
    uint64_t passive_runs = 0;  // PASSIVE checkpoints that ran to SQLITE_OK
    // As the last PASSIVE run left them: frames in the WAL, and how many of them are copied back
    // into the database (SQLite counts those since the WAL was last restarted).
    int wal_frames = 0;
    int wal_frames_backfilled = 0;
    uint64_t restarts = 0;  // RESTART checkpoints: the next commit writes the WAL from its start
    uint64_t failures = 0;  // checkpoints that returned an error other than BUSY
  };

  // Opens a second connection to `path` and starts the thread, then hooks `core`'s commits
  // (sqlite3_wal_hook, which also replaces SQLite's own automatic checkpoint on `core`). `core`
  // must stay open until this object is destroyed, and the destructor must run on the thread that
  // uses `core`.
  static Result<std::unique_ptr<SqliteCheckpointer>> start(sqlite3* core, const std::string& path,
                                                           CheckpointPolicy policy);
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;
  // Unhooks `core`, lets a running checkpoint finish, joins the thread and closes the connection.
  // Nothing is lost: every commit is already in the WAL, which SQLite checkpoints when `core` closes.
  ~SqliteCheckpointer();

  Stats stats() const;

 private:
  SqliteCheckpointer(sqlite3* core, sqlite3* own, CheckpointPolicy policy);
  // sqlite3_wal_hook callback: runs on the core thread inside every commit, so it only compares
  // two integers and, once per passive_every_pages, wakes the thread.
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void request();
  void run();
  void checkpoint();

  sqlite3* core_;
  sqlite3* own_;
  const CheckpointPolicy policy_;
  // Core thread only (the hook): the WAL size at the last commit and the size that asks next.
  int last_wal_pages_ = 0;
  int next_request_at_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_

  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> passive_runs_{0};
  std::atomic<int> wal_frames_{0};
  std::atomic<int> wal_frames_backfilled_{0};
  std::atomic<uint64_t> restarts_{0};
  std::atomic<uint64_t> failures_{0};
  // Last: started once everything it reads exists.
  std::thread thread_;
};

}  // namespace corral::store
