// How the manager's core reaches the store at run time without blocking its thread. submit()
// runs work(Store&) — on the core thread for SQLite (at once, or grouped with the rest of the
// core's turn into one commit), on a dedicated store thread for a networked store — and always
// delivers done(result) by posting it to the core's executor, never inside submit(), so callers
// see the same order in every mode. See docs/architecture.md.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/result.h"
#include "manager/store/store.h"

namespace corral::store {

class StoreExecutor {
 public:
  enum class Mode {
    inline_on_caller,  // work runs inside submit(), on the core thread (SQLite: a local file)
    own_thread,        // work runs in FIFO order on one store thread (a store behind a network)
    // Group commit on the core thread: work submitted during one turn of the core waits until the
    // handlers already queued have run, then all of it runs in one Store::commit_group() and every
    // done is posted after that commit. A failed commit is every member's result. The manager's
    // mode for SQLite, where a commit costs far more than a small write (docs/PERFORMANCE.md).
    grouped_on_core,
  };

  // `store` must outlive the executor. In own_thread mode nothing else may use `store` from
  // construction on: the store thread owns its connection.
  StoreExecutor(Store& store, boost::asio::any_io_executor core, Mode mode);
  StoreExecutor(const StoreExecutor&) = delete;
  StoreExecutor& operator=(const StoreExecutor&) = delete;
  // shutdown().
  ~StoreExecutor();

  // Runs work(Store&), which returns Status or Result<T>, after all work submitted before it;
  // then posts done(result) to the core. An exception from work becomes an internal error result.
  // Call from the core thread; work must not submit() itself (it would jump the queue inline).
  // After close(), work is not run and done never called.
  template <typename Work, typename Done>
  void submit(Work work, Done done);

  // Stops accepting work and drops every done not yet delivered (also those already posted to the
  // core): after close() no done runs, so the core may destroy what they refer to. Work already
  // accepted still runs to completion (a revocation or a last-seen batch is not lost): a waiting
  // group runs when its turn comes, or in shutdown().
  void close();
  // close(), then waits for accepted work to finish. Idempotent.
  void shutdown();

 private:
  struct Job {
    virtual ~Job() = default;
    virtual void run(Store& store) = 0;
    // The group it ran in was not committed: its result becomes `why` unless it failed already.
    virtual void fail(const Status& why) = 0;
    virtual void deliver() = 0;
  };
  template <typename R, typename Work, typename Done>
  struct TypedJob;

  void dispatch(std::shared_ptr<Job> job);
  void finish(std::shared_ptr<Job> job);
  // grouped_on_core: runs the waiting group as one commit and posts its deliveries.
  void run_group();

  Store& store_;
  boost::asio::any_io_executor core_;
  Mode mode_;
  // Shared with the deliveries queued on the core, which may run after the executor is gone.
  std::shared_ptr<std::atomic<bool>> open_ = std::make_shared<std::atomic<bool>>(true);
  std::optional<boost::asio::thread_pool> thread_;  // own_thread mode only; one thread, so FIFO
  // grouped_on_core only, core thread only: the work of the current turn, and whether a run of it
  // is posted. The posted run reaches the executor through `self_`, emptied by the destructor.
  std::vector<std::shared_ptr<Job>> group_;
  bool group_posted_ = false;
  std::shared_ptr<StoreExecutor*> self_ = std::make_shared<StoreExecutor*>(this);
};

template <typename R, typename Work, typename Done>
struct StoreExecutor::TypedJob final : Job {
  TypedJob(Work w, Done d) : work(std::move(w)), done(std::move(d)) {}
  void run(Store& store) override {
    try {
      result.emplace(work(store));
    } catch (const std::exception& e) {
      result.emplace(error(ErrorCode::internal, std::string("store work threw: ") + e.what()));
    } catch (...) {
      result.emplace(error(ErrorCode::internal, "store work threw a non-standard exception"));
    }
  }
  void fail(const Status& why) override {
    if (!result || result->ok()) result.emplace(why);
  }
  void deliver() override { done(std::move(*result)); }

  Work work;
  Done done;
  std::optional<R> result;
};

template <typename Work, typename Done>
void StoreExecutor::submit(Work work, Done done) {
  using R = std::invoke_result_t<Work&, Store&>;
  static_assert(std::is_constructible_v<R, Status>, "store work must return Status or Result<T>");
  static_assert(std::is_invocable_v<Done&, R&&>, "done must accept the work's result");
  dispatch(std::make_shared<TypedJob<R, Work, Done>>(std::move(work), std::move(done)));
}

}  // namespace corral::store
