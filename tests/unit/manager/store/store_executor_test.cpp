// The store executor in both modes against a real SQLite store: FIFO work, results always
// posted to the core (never delivered inside submit), nothing delivered after close, queued work
// completed at shutdown, exceptions turned into errors. The core is an io_context run by the
// test thread until the expected results have arrived.
#include "manager/store/store_executor.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "manager/store/join_token_enrollment.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;
using Mode = StoreExecutor::Mode;

class StoreExecutorTest : public SqliteStoreTest {
 protected:
  // Runs core handlers until `arrived` holds: each run_one() waits for the next posted result.
  void run_core_until(const std::function<bool()>& arrived) {
    auto guard = boost::asio::make_work_guard(io_);
    while (!arrived()) io_.run_one();
    guard.reset();
    io_.restart();
  }
  // Runs whatever is queued on the core now, then returns.
  void drain_core() {
    io_.restart();
    io_.run();
  }

  AdminTokenRecord admin(int i) { return {"adm" + std::to_string(i), "h", "n", kNow + i}; }

  boost::asio::io_context io_;
};

class BothModes : public StoreExecutorTest, public ::testing::WithParamInterface<Mode> {};

TEST_P(BothModes, WorkRunsInOrderAndResultsArriveInOrder) {
  StoreExecutor executor(*store_, io_.get_executor(), GetParam());
  constexpr int kJobs = 50;
  std::vector<int> ran, delivered;
  for (int i = 0; i < kJobs; ++i) {
    executor.submit(
        [&, i](Store& s) -> Result<int> {
          ran.push_back(i);
          if (Status w = s.admin_tokens().insert(admin(i)); !w.ok()) return w;
          return i * 10;
        },
        [&, i](Result<int> r) {
          EXPECT_TRUE(r.ok() && *r == i * 10) << r.status().to_string();
          delivered.push_back(i);
        });
  }
  run_core_until([&] { return delivered.size() == kJobs; });
  std::vector<int> expected;
  for (int i = 0; i < kJobs; ++i) expected.push_back(i);
  EXPECT_EQ(ran, expected);
  EXPECT_EQ(delivered, expected);
  EXPECT_EQ(store_->admin_tokens().list().value().size(), static_cast<size_t>(kJobs));
}

TEST_P(BothModes, DoneIsPostedToTheCoreNeverCalledInsideSubmit) {
  StoreExecutor executor(*store_, io_.get_executor(), GetParam());
  const auto core_thread = std::this_thread::get_id();
  std::thread::id work_thread, done_thread;
  bool done = false;
  executor.submit(
      [&](Store& s) {
        work_thread = std::this_thread::get_id();
        return s.admin_tokens().insert(admin(1));
      },
      [&](Status st) {
        EXPECT_TRUE(st.ok()) << st.to_string();
        done_thread = std::this_thread::get_id();
        done = true;
      });
  EXPECT_FALSE(done) << "done ran inside submit";
  run_core_until([&] { return done; });
  EXPECT_EQ(done_thread, core_thread);
  if (GetParam() == Mode::own_thread) {
    EXPECT_NE(work_thread, core_thread);
  } else {
    EXPECT_EQ(work_thread, core_thread);
  }
}

TEST_P(BothModes, ThrowingWorkBecomesAnErrorAndLaterWorkStillRuns) {
  StoreExecutor executor(*store_, io_.get_executor(), GetParam());
  std::vector<Status> statuses;
  Result<int> typed = 0;
  int delivered = 0;
  executor.submit([](Store&) -> Status { throw std::runtime_error("disk on fire"); },
                  [&](Status s) { statuses.push_back(s), ++delivered; });
  executor.submit([](Store&) -> Result<int> { throw 7; }, [&](Result<int> r) { typed = std::move(r), ++delivered; });
  executor.submit([&](Store& s) { return s.admin_tokens().insert(admin(1)); },
                  [&](Status s) { statuses.push_back(s), ++delivered; });
  run_core_until([&] { return delivered == 3; });
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].code(), ErrorCode::internal);
  EXPECT_NE(statuses[0].message().find("disk on fire"), std::string::npos) << statuses[0].message();
  EXPECT_EQ(typed.status().code(), ErrorCode::internal);
  EXPECT_TRUE(statuses[1].ok()) << statuses[1].to_string();
}

TEST_P(BothModes, NothingIsDeliveredAfterCloseAndLaterWorkIsRefused) {
  StoreExecutor executor(*store_, io_.get_executor(), GetParam());
  bool delivered = false;
  bool refused_ran = false;
  executor.submit([&](Store& s) { return s.admin_tokens().insert(admin(1)); }, [&](Status) { delivered = true; });
  executor.close();
  executor.submit(
      [&](Store&) -> Status {
        refused_ran = true;
        return {};
      },
      [&](Status) { delivered = true; });
  executor.shutdown();
  drain_core();
  EXPECT_FALSE(delivered);
  EXPECT_FALSE(refused_ran);
  // Accepted work was completed all the same.
  EXPECT_TRUE(store_->admin_tokens().get("adm1").value().has_value());
}

// The shape the core will use: a unit of work inside the submitted work, a typed outcome back.
TEST_P(BothModes, UnitsOfWorkRunInsideSubmittedWork) {
  ASSERT_TRUE(store_->join_tokens().insert(token("t1", kNow + 60)).ok());
  StoreExecutor executor(*store_, io_.get_executor(), GetParam());
  std::optional<Result<EnrollOutcome>> first, second;
  executor.submit([&](Store& s) { return consume_join_token_and_enroll(s, "t1", kNow, agent("a", "01")); },
                  [&](Result<EnrollOutcome> r) { first = std::move(r); });
  executor.submit([&](Store& s) { return consume_join_token_and_enroll(s, "t1", kNow, agent("b", "02")); },
                  [&](Result<EnrollOutcome> r) { second = std::move(r); });
  run_core_until([&] { return first && second; });
  EXPECT_EQ(first->value(), EnrollOutcome::enrolled);
  EXPECT_EQ(second->value(), EnrollOutcome::token_used);
}

INSTANTIATE_TEST_SUITE_P(StoreExecutor, BothModes,
                         ::testing::Values(Mode::inline_on_caller, Mode::own_thread, Mode::grouped_on_core),
                         [](const auto& p) {
                           return p.param == Mode::inline_on_caller ? "Inline"
                                  : p.param == Mode::own_thread     ? "OwnThread"
                                                                    : "Grouped";
                         });

// Only the own-thread mode ever has work waiting: inline work runs inside submit().
TEST_F(StoreExecutorTest, WorkQueuedAtShutdownIsCompletedButNotDelivered) {
  StoreExecutor executor(*store_, io_.get_executor(), Mode::own_thread);
  std::promise<void> gate;
  int delivered = 0;
  executor.submit(
      [opened = gate.get_future().share()](Store&) -> Status {
        opened.wait();  // holds the store thread so the next two stay queued
        return {};
      },
      [&](Status) { ++delivered; });
  for (int i = 1; i <= 2; ++i) {
    executor.submit([&, i](Store& s) { return s.admin_tokens().insert(admin(i)); }, [&](Status) { ++delivered; });
  }
  executor.close();
  gate.set_value();
  executor.shutdown();
  EXPECT_EQ(store_->admin_tokens().list().value().size(), 2u);
  drain_core();
  EXPECT_EQ(delivered, 0);
}

}  // namespace
}  // namespace corral::store
