// Cancellation that follows the caller: a token per autoscale config, a child of it per intent, a
// child of that per provider call. Cancelling a token cancels every token below it, so stopping a
// config stops all of its work. The worker executor (executor.h) drops a queued job whose token is
// cancelled and hands a running one its token; provider calls take flag() as their
// CallOptions::cancelled, which the plugin sees through call_cancelled. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace corral::manager::workers {

class CancelToken : public std::enable_shared_from_this<CancelToken> {
 public:
  // Unregisters an on_cancel callback when destroyed (or reset()). After that the callback is not
  // started any more, but one already started on another thread may still be running.
  class Registration {
   public:
    Registration() = default;
    Registration(std::weak_ptr<const CancelToken> token, uint64_t id) : token_(std::move(token)), id_(id) {}
    Registration(Registration&& other) noexcept : token_(std::move(other.token_)), id_(std::exchange(other.id_, 0)) {}
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() { reset(); }
    void reset();

   private:
    std::weak_ptr<const CancelToken> token_;
    uint64_t id_ = 0;
  };

  // A token with no parent.
  static std::shared_ptr<CancelToken> make();
  // A token cancelled whenever this one is (at once if this one already is); cancelling the child
  // leaves this one alone.
  std::shared_ptr<CancelToken> child();

  // Idempotent. Cancels the children, then runs the callbacks, on the calling thread.
  void cancel();
  bool cancelled() const { return flag_->load(std::memory_order_acquire); }
  // The flag provider calls poll (CallOptions::cancelled); it turns true when this is cancelled.
  const std::shared_ptr<std::atomic<bool>>& flag() const { return flag_; }

  // Runs FN once when this token is cancelled; at once, on this thread, if it already is.
  [[nodiscard]] Registration on_cancel(std::function<void()> fn) const;

 private:
  CancelToken() = default;

  const std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<CancelToken>> children_;
  // Registering a callback does not change whether the token is cancelled, so it is allowed
  // through a const token (what a job is handed).
  mutable std::map<uint64_t, std::function<void()>> callbacks_;
  mutable uint64_t next_id_ = 1;
};

}  // namespace corral::manager::workers
