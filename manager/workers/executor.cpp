#include "manager/workers/executor.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include "common/log.h"

namespace corral::manager::workers {

std::string plugin_limit_key(std::string_view plugin_name) { return "plugin:" + std::string(plugin_name); }

struct Executor::State {
  struct Queued {
    uint64_t id = 0;
    Job job;
    CancelToken::Registration registration;  // drops the job from its queue when cancelled
  };
  struct Pool {
    std::string name;
    size_t threads = 0;
    std::deque<Queued> queue;
    size_t running = 0;
  };

  Post post;
  std::map<std::string, size_t, std::less<>> limits;

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Pool, std::less<>> pools;
  std::map<std::string, size_t, std::less<>> key_running;
  std::map<uint64_t, std::shared_ptr<CancelToken>> running;
  bool stopping = false;
  uint64_t next_id = 1;

  bool may_run_locked(const Job& job) const {
    if (job.limit_key.empty()) return true;
    auto limit = limits.find(job.limit_key);
    if (limit == limits.end()) return true;
    auto now = key_running.find(job.limit_key);
    return now == key_running.end() || now->second < limit->second;
  }

  // The first job of the pool that may start: a job held back by its key's limit keeps its place
  // and every later job of that key waits behind it.
  std::deque<Queued>::iterator runnable_locked(Pool& pool) const {
    for (auto it = pool.queue.begin(); it != pool.queue.end(); ++it) {
      if (may_run_locked(it->job)) return it;
    }
    return pool.queue.end();
  }

  // The token of queued job ID was cancelled: it never runs.
  void cancel_queued(uint64_t id) {
    std::function<void()> completion;
    {
      std::lock_guard lock(mu);
      for (auto& [name, pool] : pools) {
        auto it = std::find_if(pool.queue.begin(), pool.queue.end(), [&](const Queued& q) { return q.id == id; });
        if (it == pool.queue.end()) continue;
        completion = it->job.never_ran(error(ErrorCode::unavailable, it->job.what + ": cancelled before it ran"));
        pool.queue.erase(it);
        // Its place may have held back nothing (limits count running jobs only), but wake anyway:
        // a worker's predicate is cheap.
        cv.notify_all();
        break;
      }
    }
    if (completion) post(std::move(completion));
  }

  void work(Pool* pool) {
    std::string thread_name = ("w-" + pool->name).substr(0, 15);
    pthread_setname_np(pthread_self(), thread_name.c_str());
    std::unique_lock lock(mu);
    while (true) {
      auto next = pool->queue.end();
      cv.wait(lock, [&] {
        if (stopping) return true;
        next = runnable_locked(*pool);
        return next != pool->queue.end();
      });
      if (stopping) return;  // shutdown() empties the queues itself
      Queued q = std::move(*next);
      pool->queue.erase(next);
      q.registration.reset();
      if (q.job.token->cancelled()) {
        // Cancelled between being queued and the callback finding it.
        std::function<void()> completion =
            q.job.never_ran(error(ErrorCode::unavailable, q.job.what + ": cancelled before it ran"));
        lock.unlock();
        post(std::move(completion));
        lock.lock();
        continue;
      }
      ++pool->running;
      if (!q.job.limit_key.empty()) ++key_running[q.job.limit_key];
      running[q.id] = q.job.token;
      lock.unlock();

      std::function<void()> completion = q.job.run(*q.job.token);
      std::string key = std::move(q.job.limit_key);
      q.job = Job{};  // what the job captured goes now, not under the lock

      lock.lock();
      --pool->running;
      if (!key.empty()) {
        auto it = key_running.find(key);
        if (--it->second == 0) key_running.erase(it);
      }
      running.erase(q.id);
      cv.notify_all();
      if (completion) {
        lock.unlock();
        post(std::move(completion));
        lock.lock();
      }
    }
  }
};

Result<std::unique_ptr<Executor>> Executor::start(ExecutorSettings settings, Post post_to_core) {
  if (settings.pools.empty()) return error(ErrorCode::invalid_argument, "workers: no pool configured");
  if (!post_to_core) return error(ErrorCode::invalid_argument, "workers: no way to post results to the core");
  auto state = std::make_shared<State>();
  state->post = std::move(post_to_core);
  for (const PoolSettings& p : settings.pools) {
    if (p.name.empty()) return error(ErrorCode::invalid_argument, "workers: a pool needs a name");
    if (p.threads == 0) {
      return error(ErrorCode::invalid_argument, "workers: pool '" + p.name + "' needs at least one thread");
    }
    State::Pool pool;
    pool.name = p.name;
    pool.threads = p.threads;
    if (!state->pools.emplace(p.name, std::move(pool)).second) {
      return error(ErrorCode::invalid_argument, "workers: two pools are named '" + p.name + "'");
    }
  }
  for (const auto& [key, limit] : settings.limits) {
    if (limit == 0) return error(ErrorCode::invalid_argument, "workers: the limit of '" + key + "' must be at least 1");
  }
  state->limits = std::move(settings.limits);

  std::unique_ptr<Executor> executor(new Executor(state));
  for (auto& [name, pool] : state->pools) {
    for (size_t i = 0; i < pool.threads; ++i) {
      executor->threads_.emplace_back([state, p = &pool] { state->work(p); });
    }
  }
  return executor;
}

Executor::~Executor() { shutdown(); }

Status Executor::current_exception_status(const std::string& what) {
  std::string why;
  try {
    throw;
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "something that is not a std::exception";
  }
  log::error("worker.job_threw", {{"job", what}, {"why", why}});
  return error(ErrorCode::internal, what + " failed: it threw " + why);
}

void Executor::enqueue(std::string_view pool_name, Job job, const std::shared_ptr<CancelToken>& parent) {
  State& s = *state_;
  job.token = parent ? parent->child() : CancelToken::make();
  uint64_t id = 0;
  {
    std::lock_guard lock(s.mu);
    id = s.next_id++;
  }
  // Registered before the job is queued, so no cancellation can fall between the two; one that
  // comes first is seen below.
  std::weak_ptr<State> weak = state_;
  CancelToken::Registration registration = job.token->on_cancel([weak, id] {
    if (auto state = weak.lock()) state->cancel_queued(id);
  });
  std::function<void()> refused;
  {
    std::lock_guard lock(s.mu);
    auto pool = s.pools.find(pool_name);
    if (pool == s.pools.end()) {
      refused = job.never_ran(
          error(ErrorCode::internal, job.what + ": there is no worker pool named '" + std::string(pool_name) + "'"));
    } else if (s.stopping) {
      refused = job.never_ran(error(ErrorCode::unavailable, job.what + ": not run, the manager is shutting down"));
    } else if (job.token->cancelled()) {
      refused = job.never_ran(error(ErrorCode::unavailable, job.what + ": cancelled before it ran"));
    } else {
      pool->second.queue.push_back(State::Queued{id, std::move(job), std::move(registration)});
      s.cv.notify_all();
      return;
    }
  }
  if (refused) s.post(std::move(refused));
}

void Executor::run(std::string_view pool, std::string what, std::function<void()> job) {
  Job j;
  j.what = std::move(what);
  j.run = [job = std::move(job), what = j.what](const CancelToken&) {
    try {
      job();
    } catch (...) {
      (void)current_exception_status(what);  // logged; nobody waits for this job's result
    }
    return std::function<void()>{};
  };
  j.never_ran = [what = j.what](const Status& why) {
    log::warn("worker.job_not_run", {{"job", what}, {"why", why.message()}});
    return std::function<void()>{};
  };
  enqueue(pool, std::move(j), nullptr);
}

Executor::Stats Executor::pool_stats(std::string_view pool) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->pools.find(pool);
  if (it == state_->pools.end()) return {};
  return Stats{it->second.running, it->second.queue.size()};
}

Executor::Stats Executor::key_stats(std::string_view limit_key) const {
  std::lock_guard lock(state_->mu);
  Stats s;
  if (auto it = state_->key_running.find(limit_key); it != state_->key_running.end()) s.running = it->second;
  for (const auto& [name, pool] : state_->pools) {
    for (const auto& q : pool.queue) s.queued += q.job.limit_key == limit_key ? 1 : 0;
  }
  return s;
}

void Executor::shutdown() {
  std::lock_guard once(shutdown_mu_);
  std::vector<std::function<void()>> completions;
  std::vector<std::shared_ptr<CancelToken>> running;
  std::vector<State::Queued> dropped;
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    for (auto& [name, pool] : state_->pools) {
      for (auto& q : pool.queue) {
        completions.push_back(
            q.job.never_ran(error(ErrorCode::unavailable, q.job.what + ": not run, the manager is shutting down")));
        dropped.push_back(std::move(q));
      }
      pool.queue.clear();
    }
    for (auto& [id, token] : state_->running) running.push_back(token);
    state_->cv.notify_all();
  }
  dropped.clear();  // their registrations go without the executor's lock held
  for (auto& token : running) token->cancel();
  for (auto& c : completions) {
    if (c) state_->post(std::move(c));
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace corral::manager::workers
