// The worker executor with real threads. Every wait is on an explicit signal (a gate a job
// blocks on, a completion posted to the test's stand-in for the core), never on time.
#include "manager/workers/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace corral::manager::workers {
namespace {

// Stands in for the core's io_context: posted closures queue up and run on the test's thread.
class FakeCore {
 public:
  Executor::Post post() {
    return [this](std::function<void()> f) {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(f));
      cv_.notify_all();
    };
  }
  // Waits for the next posted closure and runs it here.
  void run_one() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    auto f = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    f();
  }
  void run(int n) {
    for (int i = 0; i < n; ++i) run_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

// Opened once by the test; jobs block on it.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Blocks until TOKEN is cancelled.
void wait_cancelled(const CancelToken& token) {
  std::mutex mu;
  std::condition_variable cv;
  auto registration = token.on_cancel([&] {
    std::lock_guard lock(mu);
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return token.cancelled(); });
}

class ExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Executor> start(ExecutorSettings settings) {
    auto e = Executor::start(std::move(settings), core_.post());
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  JobOptions job(const std::string& what, const std::string& pool = "p", const std::string& key = "") {
    JobOptions o;
    o.pool = pool;
    o.limit_key = key;
    o.receiver = alive_.watch();
    o.what = what;
    return o;
  }

  FakeCore core_;
  Liveness alive_;
};

TEST_F(ExecutorTest, ResultsComeBackOnTheCoreAndAPoolRunsAtMostItsThreads) {
  auto e = start({{{"p", 2}}, {}});
  ASSERT_TRUE(e);
  Gate gate;
  std::latch two_started(2);
  std::vector<std::string> results;
  std::thread::id core_thread = std::this_thread::get_id();
  for (const char* name : {"a", "b", "c"}) {
    e->submit<std::string>(
        job(name),
        [&, name](const CancelToken&) -> Result<std::string> {
          two_started.count_down();
          gate.wait();
          return std::string(name);
        },
        [&](Result<std::string> r) {
          EXPECT_EQ(std::this_thread::get_id(), core_thread);
          ASSERT_TRUE(r.ok()) << r.status().message();
          results.push_back(*r);
        });
  }
  two_started.wait();
  Executor::Stats s = e->pool_stats("p");
  EXPECT_EQ(s.running, 2u);
  EXPECT_EQ(s.queued, 1u) << "the third job waits for a thread";
  gate.open();
  core_.run(3);
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ExecutorTest, PoolsAreSeparate) {
  auto e = start({{{"provider", 1}, {"directory", 1}}, {}});
  ASSERT_TRUE(e);
  Gate gate;
  std::latch blocked(1);
  e->submit<int>(
      job("slow provider call", "provider"),
      [&](const CancelToken&) -> Result<int> {
        blocked.count_down();
        gate.wait();
        return 1;
      },
      [](Result<int>) {});
  blocked.wait();
  int got = 0;
  e->submit<int>(
      job("ldap", "directory"), [](const CancelToken&) -> Result<int> { return 7; },
      [&](Result<int> r) { got = r.ok() ? *r : -1; });
  core_.run_one();  // the directory job finished although the provider pool is busy
  EXPECT_EQ(got, 7);
  gate.open();
  core_.run_one();
}

TEST_F(ExecutorTest, ALimitKeyRunsAtMostItsLimitAndTheRestWaitInOrder) {
  auto e = start({{{"p", 4}}, {{plugin_limit_key("aws"), 1}}});
  ASSERT_TRUE(e);
  const std::string aws = plugin_limit_key("aws");
  Gate first_gate;
  std::latch first_started(1);
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](const std::string& what) {
    std::lock_guard lock(mu);
    order.push_back(what);
  };
  e->submit<int>(
      job("aws 1", "p", aws),
      [&](const CancelToken&) -> Result<int> {
        first_started.count_down();
        first_gate.wait();
        record("aws 1");
        return 1;
      },
      [](Result<int>) {});
  first_started.wait();
  for (const char* name : {"aws 2", "aws 3"}) {
    e->submit<int>(
        job(name, "p", aws),
        [&, name](const CancelToken&) -> Result<int> {
          record(name);
          return 0;
        },
        [](Result<int>) {});
  }
  // Another plugin's call overtakes the waiting ones.
  e->submit<int>(
      job("gcp 1", "p", plugin_limit_key("gcp")),
      [&](const CancelToken&) -> Result<int> {
        record("gcp 1");
        return 0;
      },
      [](Result<int>) {});
  core_.run_one();
  EXPECT_EQ(e->key_stats(aws).running, 1u);
  EXPECT_EQ(e->key_stats(aws).queued, 2u);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(order, (std::vector<std::string>{"gcp 1"}));
  }
  first_gate.open();
  core_.run(3);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"gcp 1", "aws 1", "aws 2", "aws 3"}));
}

TEST_F(ExecutorTest, AQueuedJobWhoseTokenIsCancelledNeverRuns) {
  auto e = start({{{"p", 1}}, {}});
  ASSERT_TRUE(e);
  Gate gate;
  std::latch started(1);
  e->submit<int>(
      job("blocker"),
      [&](const CancelToken&) -> Result<int> {
        started.count_down();
        gate.wait();
        return 1;
      },
      [](Result<int>) {});
  started.wait();
  auto token = CancelToken::make();
  JobOptions o = job("queued call");
  o.cancel = token;
  bool ran = false;
  Status outcome;
  e->submit<int>(
      o,
      [&](const CancelToken&) -> Result<int> {
        ran = true;
        return 2;
      },
      [&](Result<int> r) { outcome = r.status(); });
  EXPECT_EQ(e->pool_stats("p").queued, 1u);
  token->cancel();
  core_.run_one();  // its completion comes at once, while the blocker still holds the only thread
  EXPECT_EQ(outcome.code(), ErrorCode::unavailable);
  EXPECT_EQ(outcome.message(), "queued call: cancelled before it ran");
  EXPECT_EQ(e->pool_stats("p").queued, 0u);
  gate.open();
  core_.run_one();
  EXPECT_FALSE(ran);

  // A token cancelled before the job is submitted: not even queued.
  JobOptions late = job("late call");
  late.cancel = token;
  e->submit<int>(
      late,
      [&](const CancelToken&) -> Result<int> {
        ran = true;
        return 3;
      },
      [&](Result<int> r) { outcome = r.status(); });
  core_.run_one();
  EXPECT_EQ(outcome.message(), "late call: cancelled before it ran");
  EXPECT_FALSE(ran);
}

TEST_F(ExecutorTest, CancellingAParentReachesTheRunningJobsOfItsChildren) {
  auto e = start({{{"p", 3}}, {}});
  ASSERT_TRUE(e);
  auto config = CancelToken::make();  // an autoscale config
  auto intent_a = config->child();    // its intents
  auto intent_b = config->child();
  auto unrelated = CancelToken::make();
  std::latch started(3);
  std::vector<std::shared_ptr<std::atomic<bool>>> flags(3);
  auto blocking = [&](int i) {
    return [&, i](const CancelToken& token) -> Result<int> {
      flags[i] = token.flag();  // what a provider call gets as CallOptions::cancelled
      started.count_down();
      wait_cancelled(token);
      return i;
    };
  };
  JobOptions a = job("create a");
  a.cancel = intent_a;
  JobOptions b = job("create b");
  b.cancel = intent_b;
  JobOptions c = job("other");
  c.cancel = unrelated;
  std::vector<int> done;
  e->submit<int>(a, blocking(0), [&](Result<int> r) { done.push_back(*r); });
  e->submit<int>(b, blocking(1), [&](Result<int> r) { done.push_back(*r); });
  e->submit<int>(c, blocking(2), [&](Result<int> r) { done.push_back(*r); });
  started.wait();
  config->cancel();
  core_.run(2);
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done, (std::vector<int>{0, 1})) << "both intents' calls saw the config's cancellation";
  EXPECT_TRUE(flags[0]->load());
  EXPECT_TRUE(flags[1]->load());
  EXPECT_FALSE(flags[2]->load()) << "a token outside the config is untouched";
  EXPECT_FALSE(unrelated->cancelled());
  EXPECT_TRUE(intent_a->cancelled());
  unrelated->cancel();
  core_.run_one();
  EXPECT_EQ(done.size(), 3u);
}

TEST_F(ExecutorTest, CancellingAChildLeavesTheParentAlone) {
  auto parent = CancelToken::make();
  auto child = parent->child();
  child->cancel();
  EXPECT_TRUE(child->cancelled());
  EXPECT_FALSE(parent->cancelled());
  parent->cancel();
  EXPECT_TRUE(parent->child()->cancelled()) << "a child of a cancelled token starts cancelled";
  int called = 0;
  auto registration = parent->on_cancel([&] { ++called; });
  EXPECT_EQ(called, 1) << "registering on a cancelled token runs the callback at once";
}

TEST_F(ExecutorTest, AJobThatThrowsBecomesAnErrorResult) {
  auto e = start({{{"p", 1}}, {}});
  ASSERT_TRUE(e);
  Status first;
  Status second;
  e->submit<int>(
      job("plugin 'aws' CreateVm"), [](const CancelToken&) -> Result<int> { throw std::runtime_error("boom"); },
      [&](Result<int> r) { first = r.status(); });
  e->submit<int>(
      job("odd job"), [](const CancelToken&) -> Result<int> { throw 42; }, [&](Result<int> r) { second = r.status(); });
  bool ran_after = false;
  e->run("p", "fire and forget", [] { throw std::logic_error("also contained"); });
  e->submit<int>(
      job("after"), [](const CancelToken&) -> Result<int> { return 1; }, [&](Result<int> r) { ran_after = r.ok(); });
  core_.run(3);
  EXPECT_EQ(first.code(), ErrorCode::internal);
  EXPECT_EQ(first.message(), "plugin 'aws' CreateVm failed: it threw boom");
  EXPECT_EQ(second.message(), "odd job failed: it threw something that is not a std::exception");
  EXPECT_TRUE(ran_after) << "the worker thread survived";
}

TEST_F(ExecutorTest, ACompletionWhoseReceiverIsGoneIsDropped) {
  auto e = start({{{"p", 1}}, {}});
  ASSERT_TRUE(e);
  auto receiver = std::make_unique<Liveness>();
  bool called = false;
  JobOptions o = job("for a receiver that goes away");
  o.receiver = receiver->watch();
  std::latch finished(1);
  e->submit<int>(
      o,
      [&](const CancelToken&) -> Result<int> {
        finished.count_down();
        return 1;
      },
      [&](Result<int>) { called = true; });
  finished.wait();
  receiver.reset();  // on the core, before the core ran the completion
  core_.run_one();
  EXPECT_FALSE(called);
}

TEST_F(ExecutorTest, AnUnknownPoolIsAnError) {
  auto e = start({{{"p", 1}}, {}});
  ASSERT_TRUE(e);
  Status s;
  e->submit<int>(
      job("misrouted", "nope"), [](const CancelToken&) -> Result<int> { return 1; },
      [&](Result<int> r) { s = r.status(); });
  core_.run_one();
  EXPECT_EQ(s.message(), "misrouted: there is no worker pool named 'nope'");
}

TEST_F(ExecutorTest, BadSettingsAreRefusedNamingThePool) {
  EXPECT_EQ(Executor::start({{}, {}}, core_.post()).status().message(), "workers: no pool configured");
  EXPECT_EQ(Executor::start({{{"provider", 0}}, {}}, core_.post()).status().message(),
            "workers: pool 'provider' needs at least one thread");
  EXPECT_EQ(Executor::start({{{"p", 1}, {"p", 2}}, {}}, core_.post()).status().message(),
            "workers: two pools are named 'p'");
  EXPECT_EQ(Executor::start({{{"p", 1}}, {{"plugin:x", 0}}}, core_.post()).status().message(),
            "workers: the limit of 'plugin:x' must be at least 1");
}

TEST_F(ExecutorTest, ShutdownDropsQueuedJobsCancelsRunningOnesAndJoinsThem) {
  auto e = start({{{"p", 1}}, {}});
  ASSERT_TRUE(e);
  std::latch started(1);
  std::atomic<bool> running_saw_cancel{false};
  std::atomic<bool> queued_ran{false};
  Status running_result;
  std::vector<std::string> not_run;
  e->submit<int>(
      job("running"),
      [&](const CancelToken& token) -> Result<int> {
        started.count_down();
        wait_cancelled(token);
        running_saw_cancel = true;
        return 1;
      },
      [&](Result<int> r) { running_result = r.status(); });
  started.wait();
  for (const char* name : {"queued 1", "queued 2"}) {
    e->submit<int>(
        job(name),
        [&](const CancelToken&) -> Result<int> {
          queued_ran = true;
          return 2;
        },
        [&](Result<int> r) { not_run.push_back(r.status().message()); });
  }
  e->shutdown();  // returns once the running job has returned
  EXPECT_TRUE(running_saw_cancel);
  core_.run(3);
  EXPECT_FALSE(queued_ran);
  EXPECT_TRUE(running_result.ok());
  std::sort(not_run.begin(), not_run.end());
  EXPECT_EQ(not_run, (std::vector<std::string>{"queued 1: not run, the manager is shutting down",
                                               "queued 2: not run, the manager is shutting down"}));

  Status after;
  e->submit<int>(
      job("too late"), [](const CancelToken&) -> Result<int> { return 1; }, [&](Result<int> r) { after = r.status(); });
  core_.run_one();
  EXPECT_EQ(after.message(), "too late: not run, the manager is shutting down");
  e->shutdown();  // again: nothing left to do
}

}  // namespace
}  // namespace corral::manager::workers
