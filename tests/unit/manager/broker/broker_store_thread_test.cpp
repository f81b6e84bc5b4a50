// The broker on a store that answers from its own thread (as a networked store does): many
// placements are decided while their commits are still queued on that thread, and still no slot
// is taken twice.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

class BrokerStoreThreadTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    stop();
    threaded_.emplace(*store_, core_->io().get_executor(), store::StoreExecutor::Mode::own_thread);
    start(&*threaded_);
  }
  void TearDown() override {
    // Answers still queued are dropped before the broker they call goes.
    threaded_->shutdown();
    BrokerTest::TearDown();
  }

  // Runs the core until `done` holds; every answer the store thread posts wakes it.
  void run_until(const std::function<bool()>& done) {
    auto busy = boost::asio::make_work_guard(core_->io());
    core_->io().restart();
    while (!done()) core_->io().run_one();
  }

  std::optional<store::StoreExecutor> threaded_;
};

TEST_F(BrokerStoreThreadTest, PlacementsDecidedBeforeAnyCommitIsAnsweredNeverShareASlot) {
  connect("a1");
  connect("a2");
  std::vector<Result<PlaceOutcome>> answers;
  for (int i = 0; i < 50; ++i) {
    broker_->place("w1", "user" + std::to_string(i), [&](Result<PlaceOutcome> r) { answers.push_back(std::move(r)); });
  }
  run_until([&] { return answers.size() == 50u; });
  std::map<std::string, int> per_server;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    if (const auto* p = std::get_if<PlacedSession>(&*a)) ++per_server[p->session.server_id];
  }
  EXPECT_EQ(per_server, (std::map<std::string, int>{{"s1", 2}, {"s2", 2}}));
  // Every answer has come back, so the store thread is idle: the test may read the file.
  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 2u);
  EXPECT_EQ(store_->sessions().count_unfinished("s2").value(), 2u);
  EXPECT_EQ(commands("a1").size(), 2u);
  EXPECT_EQ(commands("a2").size(), 2u);
}

}  // namespace
}  // namespace corral::broker::testing
