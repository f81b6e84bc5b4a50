#include "manager/store/store_executor.h"

#include <boost/asio/post.hpp>

#include "common/log.h"

namespace corral::store {

StoreExecutor::StoreExecutor(Store& store, boost::asio::any_io_executor core, Mode mode)
    : store_(store), core_(std::move(core)), mode_(mode) {
  if (mode == Mode::own_thread) thread_.emplace(1);
}

StoreExecutor::~StoreExecutor() { shutdown(); }

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

void StoreExecutor::close() { open_->store(false); }

void StoreExecutor::shutdown() {
  close();
  // join() lets the queue drain before the thread ends.
  if (thread_) {
    thread_->join();
    thread_.reset();
  }
}

}  // namespace corral::store
