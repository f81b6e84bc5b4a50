#include "common/log_writer.h"

#include <algorithm>

namespace corral::log {

LogWriter::LogWriter(Sink sink, size_t max_queued_bytes, DropNotice notice)
    : sink_(std::move(sink)),
      max_queued_bytes_(max_queued_bytes),
      notice_(std::move(notice)),
      thread_(std::make_unique<std::thread>([this] { run(); })) {}

LogWriter::~LogWriter() { stop(); }

void LogWriter::enqueue(std::string_view line) {
  {
    std::lock_guard lock(mu_);
    if (threaded_) {
      // A line longer than the whole queue still goes through when the queue is empty.
      if (!queued_.empty() && queued_.size() + line.size() + 1 > max_queued_bytes_) {
        ++dropped_;
        ++dropped_total_;
        return;
      }
      bool was_empty = queued_.empty();
      queued_.append(line).push_back('\n');
      ++enqueued_;
      // The thread sleeps only on an empty queue, so only that transition needs a wake-up.
      if (was_empty) wake_.notify_one();
      return;
    }
  }
  write_now(line);
}

void LogWriter::write_now(std::string_view line) { drain(&line); }

void LogWriter::flush() {
  std::unique_lock lock(mu_);
  if (threaded_) {
    uint64_t target = enqueued_;
    written_cv_.wait(lock, [&] { return written_ >= target || !threaded_; });
    if (written_ >= target) return;
  }
  // The thread stopped meanwhile (or never runs, after fork): whatever is left is ours to write.
  lock.unlock();
  drain(nullptr);
}

void LogWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_ && thread_->joinable()) thread_->join();
}

uint64_t LogWriter::dropped_total() const {
  std::lock_guard lock(mu_);
  return dropped_total_;
}

void LogWriter::before_fork() {
  sink_mu_.lock();
  mu_.lock();
}

void LogWriter::after_fork_in_parent() {
  mu_.unlock();
  sink_mu_.unlock();
}

void LogWriter::after_fork_in_child() {
  queued_.clear();
  dropped_ = 0;
  written_ = enqueued_;
  threaded_ = false;
  stopping_ = true;
  // The thread does not exist here: forget its handle rather than join or detach it.
  (void)thread_.release();
  mu_.unlock();
  sink_mu_.unlock();
}

void LogWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty() && dropped_ == 0) {
      // Set under the same lock that saw the queue empty, so no line is left behind.
      threaded_ = false;
      written_cv_.notify_all();
      return;
    }
    lock.unlock();
    drain(nullptr);
    lock.lock();
  }
}

void LogWriter::drain(std::string_view* extra) {
  std::lock_guard sink_lock(sink_mu_);
  std::string batch;
  uint64_t upto = 0;
  {
    std::lock_guard lock(mu_);
    batch.swap(queued_);
    // Drops happen only while the queue is full, so they all came after the lines in BATCH.
    if (dropped_ > 0) {
      batch.append(notice_(dropped_)).push_back('\n');
      dropped_ = 0;
    }
    upto = enqueued_;
  }
  if (extra != nullptr) batch.append(*extra).push_back('\n');
  if (!batch.empty()) sink_(batch);
  {
    std::lock_guard lock(mu_);
    written_ = std::max(written_, upto);
  }
  written_cv_.notify_all();
}

}  // namespace corral::log
