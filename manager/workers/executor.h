// Where the manager's blocking work runs: provider plugin calls today, LDAP and DNS later. The
// core (the one io_context thread that owns all state) submits a job to a named pool and gets its
// result back as a closure posted to the core; nothing else crosses threads.
//
// - Pools: named ("provider", "directory"), each with its own threads, so a slow directory
//   server cannot starve provider calls.
// - Limits: jobs that share a limit key (one per plugin: plugin_limit_key) run at most N at once;
//   those beyond wait in the order they came while other keys' jobs overtake them.
// - Cancellation: each job runs under a child of the caller's CancelToken. A job whose token is
//   cancelled while it waits never runs (its completion says so); a running job sees its token
//   cancelled, and provider calls given token.flag() see it too.
// - Exception barrier: a job that throws completes with an internal error naming the job.
// - Receivers: a completion runs only if its receiver (a Liveness the receiver holds) is still
//   alive when the core gets to it; it is checked on the core, where receivers are destroyed.
// - Shutdown: queued jobs are not run (their completions say so), running ones have their token
//   cancelled and are joined.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "manager/workers/cancel_token.h"

namespace corral::manager::workers {

// The pools the manager runs.
inline constexpr char kProviderPool[] = "provider";
inline constexpr char kDirectoryPool[] = "directory";

// The limit key of calls into one provider plugin ("plugin:aws").
std::string plugin_limit_key(std::string_view plugin_name);

struct PoolSettings {
  std::string name;
  size_t threads = 1;
};

struct ExecutorSettings {
  std::vector<PoolSettings> pools;
  // Most jobs of a key running at once; keys not listed are bounded by their pool only.
  std::map<std::string, size_t, std::less<>> limits;
};

// Held by whatever receives completions (a member of it); a completion whose receiver has been
// destroyed is dropped on the core instead of calling into freed memory.
class Liveness {
 public:
  std::weak_ptr<const void> watch() const { return alive_; }

 private:
  std::shared_ptr<const char> alive_ = std::make_shared<const char>('\0');
};

struct JobOptions {
  std::string pool;
  std::string limit_key;  // empty: no limit but the pool's
  // The caller's token; the job runs under a child of it. Null: a token of the job's own.
  std::shared_ptr<CancelToken> cancel;
  // The completion runs only while this lives (Liveness::watch()).
  std::weak_ptr<const void> receiver;
  // Names the job in errors and logs: "plugin 'aws' ValidateConfig".
  std::string what;
};

class Executor {
 public:
  // Runs a closure on the core (boost::asio::post onto its io_context).
  using Post = std::function<void(std::function<void()>)>;
  template <typename T>
  using Work = std::function<Result<T>(const CancelToken&)>;
  template <typename T>
  using Done = std::function<void(Result<T>)>;

  // Starts every pool's threads. An error names the pool: no pools, a pool without threads, two
  // pools of one name, a limit of 0.
  static Result<std::unique_ptr<Executor>> start(ExecutorSettings settings, Post post_to_core);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Any thread. WORK runs on a thread of OPTIONS.pool; DONE then runs on the core with its result,
  // or with an unavailable error when the job never ran (cancelled while queued, shut down, no such
  // pool) or an internal one when it threw.
  template <typename T>
  void submit(JobOptions options, Work<T> work, Done<T> done);

  // Any thread. Runs JOB on a thread of POOL with no completion and no limit, for callers that post
  // their own results; an exception it throws is logged (worker.job_failed). Not run once shut down.
  void run(std::string_view pool, std::string what, std::function<void()> job);

  struct Stats {
    size_t running = 0;
    size_t queued = 0;
  };
  // What a pool, or the jobs of a limit key, are doing now (for metrics and tests).
  Stats pool_stats(std::string_view pool) const;
  Stats key_stats(std::string_view limit_key) const;

  // Idempotent; any thread but a worker's. Drops the queued jobs (their completions are posted),
  // cancels the running ones' tokens and waits for them.
  void shutdown();

 private:
  struct State;
  struct Job {
    std::string limit_key;
    std::string what;
    std::shared_ptr<CancelToken> token;
    // Runs on a worker; returns the completion to post.
    std::function<std::function<void()>(const CancelToken&)> run;
    // The completion of a job that never ran, with why.
    std::function<std::function<void()>(Status)> never_ran;
  };

  explicit Executor(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void enqueue(std::string_view pool, Job job, const std::shared_ptr<CancelToken>& parent);
  // The error a job that threw completes with; called inside a catch block.
  static Status current_exception_status(const std::string& what);

  std::shared_ptr<State> state_;
  std::mutex shutdown_mu_;  // one shutdown at a time; a second one waits for the first
  std::vector<std::thread> threads_;
};

template <typename T>
void Executor::submit(JobOptions options, Work<T> work, Done<T> done) {
  // Only one of the two paths below ever runs, so they share DONE.
  struct Completion {
    std::weak_ptr<const void> receiver;
    Done<T> done;
  };
  auto completion = std::make_shared<Completion>(Completion{std::move(options.receiver), std::move(done)});
  auto deliver = [completion](Result<T> result) -> std::function<void()> {
    return [completion, result = std::move(result)]() mutable {
      std::shared_ptr<const void> alive = completion->receiver.lock();
      if (!alive) return;
      completion->done(std::move(result));
    };
  };
  Job job;
  job.limit_key = std::move(options.limit_key);
  job.what = std::move(options.what);
  job.run = [deliver, work = std::move(work), what = job.what](const CancelToken& token) {
    Result<T> result = error(ErrorCode::internal, what + ": no result");
    try {
      result = work(token);
    } catch (...) {
      result = current_exception_status(what);
    }
    return deliver(std::move(result));
  };
  job.never_ran = [deliver](Status why) { return deliver(Result<T>(std::move(why))); };
  enqueue(options.pool, std::move(job), options.cancel);
}

}  // namespace corral::manager::workers
