#include "manager/store/store_executor.h"

#include <boost/asio/post.hpp>

#include "common/log.h"

namespace corral::store {

StoreExecutor::StoreExecutor(Store& store, boost::asio::any_io_executor core, Mode mode)
    : store_(store), core_(std::move(core)), mode_(mode) {
  if (mode == Mode::own_thread) thread_.emplace(1);
}

StoreExecutor::~StoreExecutor() {
  shutdown();
  *self_ = nullptr;
}

void StoreExecutor::dispatch(std::shared_ptr<Job> job) {
  if (!open_->load()) {
    // A caller still submitting after close() is being torn down with the core; say so once per call.
    log::warn("store.work_refused", {{"reason", "executor closed"}});
    return;
  }
  if (mode_ == Mode::inline_on_caller) {
    job->run(store_);
    finish(std::move(job));
    return;
  }
  if (mode_ == Mode::grouped_on_core) {
    group_.push_back(std::move(job));
    if (!group_posted_) {
      group_posted_ = true;
      boost::asio::post(core_, [self = self_] {
        if (*self != nullptr) (*self)->run_group();
      });
    }
    return;
  }
  boost::asio::post(*thread_, [this, job = std::move(job)]() mutable {
    job->run(store_);
    finish(std::move(job));
  });
}

// Runs on the thread that ran the work. The delivery checks the flag on the core, when it runs,
// so close() also stops deliveries that were already queued.
void StoreExecutor::finish(std::shared_ptr<Job> job) {
  boost::asio::post(core_, [open = open_, job = std::move(job)] {
    if (open->load()) job->deliver();
  });
}

void StoreExecutor::run_group() {
  group_posted_ = false;
  std::vector<std::shared_ptr<Job>> group = std::move(group_);
  group_.clear();
  if (group.empty()) return;
  const Status committed = store_.commit_group(group.size(), [&](size_t i) { group[i]->run(store_); });
  if (!committed.ok()) {
    log::error("store.group_commit_failed", {{"members", group.size()}, {"error", committed.to_string()}});
  }
  // Posted only now: nobody hears of a write before the commit that keeps it.
  for (std::shared_ptr<Job>& job : group) {
    if (!committed.ok()) job->fail(committed);
    finish(std::move(job));
  }
}

void StoreExecutor::close() { open_->store(false); }

void StoreExecutor::shutdown() {
  close();
  run_group();
  // join() lets the queue drain before the thread ends.
  if (thread_) {
    thread_->join();
    thread_.reset();
  }
}

}  // namespace corral::store
