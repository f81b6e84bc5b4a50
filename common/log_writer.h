// The queue between the threads that log and the one thread that writes. common/log.h keeps one
// for stderr; tests build their own with a sink they control. Callers hand over a finished line
// and return, so a sink that blocks (a full pipe, a stalled terminal) holds up the writer thread
// only, never the manager's core or network thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace corral::log {

class LogWriter {
 public:
  // Receives one or more whole lines, each ending in '\n'; called by one thread at a time.
  using Sink = std::function<void(std::string_view lines)>;
  // The line (without '\n') that reports DROPPED lines lost to a full queue.
  using DropNotice = std::function<std::string(uint64_t dropped)>;

  // Lines wait while they take up to MAX_QUEUED_BYTES; past that they are counted and dropped,
  // and the next batch written ends with one notice saying how many.
  LogWriter(Sink sink, size_t max_queued_bytes, DropNotice notice);
  // Writes everything queued, then ends the thread.
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // LINE has no trailing '\n'. Never waits for the sink. Once the thread has stopped (stop(), or
  // in a child after fork) the line is written on the caller's thread instead.
  void enqueue(std::string_view line);
  // Writes what is queued and then LINE before returning, on the caller's thread: for a line
  // that must reach the sink because the process is about to abort.
  void write_now(std::string_view line);
  // Returns once every line queued before the call has reached the sink.
  void flush();
  // Writes what is queued and ends the thread; later lines are written on the caller's thread.
  // For process exit, after which the thread would be gone without having written its queue.
  void stop();

  uint64_t dropped_total() const;

  // pthread_atfork handlers: the child has no writer thread, so it keeps the lock state
  // consistent, forgets the parent's queue (the parent writes it) and writes synchronously.
  void before_fork();
  void after_fork_in_parent();
  void after_fork_in_child();

 private:
  void run();
  // Takes the queue and writes it, plus EXTRA when not null; used by both threads.
  void drain(std::string_view* extra);

  const Sink sink_;
  const size_t max_queued_bytes_;
  const DropNotice notice_;

  // Held while the sink runs so batches reach it in queue order; taken before mu_, never after.
  std::mutex sink_mu_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable written_cv_;
  std::string queued_;     // whole lines, each ending in '\n'
  uint64_t enqueued_ = 0;  // lines ever queued
  uint64_t written_ = 0;   // of those, how many have reached the sink
  uint64_t dropped_ = 0;   // since the last notice
  uint64_t dropped_total_ = 0;
  bool stopping_ = false;
  bool threaded_ = true;  // false after stop() and in a forked child
  // Last, so the thread starts once everything above exists; released, not joined, in a child.
  std::unique_ptr<std::thread> thread_;
};

}  // namespace corral::log
