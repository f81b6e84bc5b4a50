// The manager owns a server's max sessions, draining and labels: they reach the agent in every
// Welcome and, when changed, by command after the change is committed; they survive a restart of
// either side because the server's row is where they live.
#include <gtest/gtest.h>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

Result<store::ServerRecord> await_server(manager::testing::CoreLoop& core,
                                         const std::function<void(Broker::ServerReply)>& start) {
  return core.await<Result<store::ServerRecord>>([&](auto done) { start(std::move(done)); });
}

TEST_F(BrokerTest, WelcomeCarriesTheServersSettingsFromItsRow) {
  connect("a1");
  const v1::Welcome& w = welcome("a1");
  ASSERT_TRUE(w.has_settings());
  EXPECT_EQ(w.server_id(), "s1");
  EXPECT_EQ(w.settings().max_sessions(), 2u);
  EXPECT_FALSE(w.settings().draining());
  EXPECT_EQ(w.settings().labels().size(), 1u);
  EXPECT_EQ(w.settings().labels().at("os"), "win");
}

TEST_F(BrokerTest, DrainingIsCommittedThenCommandedAndRepeatedInTheNextWelcome) {
  connect("a1");
  connect("a2");
  auto drained = await_server(*core_, [&](auto done) { broker_->set_draining("s1", true, std::move(done)); });
  ASSERT_TRUE(drained.ok()) << drained.status().to_string();
  EXPECT_TRUE(drained->draining);
  EXPECT_TRUE(store_->servers().get("s1").value()->draining);
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has_drain());
  EXPECT_TRUE(sent[0].drain().enabled());
  // A draining server takes no new sessions.
  EXPECT_EQ(placed().server_id, "s2");
  EXPECT_EQ(placed().server_id, "s2");
  Result<PlaceOutcome> full = place();
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(std::get<NotPlaced>(*full).counts.draining, 1u);

  disconnect("a1");
  connect("a1");
  EXPECT_TRUE(welcome("a1").settings().draining());

  ASSERT_TRUE(await_server(*core_, [&](auto done) { broker_->set_draining("s1", false, std::move(done)); }).ok());
  EXPECT_FALSE(commands("a1").back().drain().enabled());
  EXPECT_EQ(placed().server_id, "s1");
}

// The session tables are sized for every slot when servers come or grow, so no placement pays for
// a rehash of all of them; a lower maximum never shrinks them (a shrink is a rehash too).
TEST_F(BrokerTest, SessionTablesGrowWithTheSlotsNotWithThePlacements) {
  EXPECT_GE(broker_->session_room(), 4u) << "two servers of 2 sessions, from the load";
  ASSERT_TRUE(await_server(*core_, [&](auto done) { broker_->set_max_sessions("s1", 5000, std::move(done)); }).ok());
  const size_t grown = broker_->session_room();
  EXPECT_GE(grown, 5002u);
  ASSERT_TRUE(await_server(*core_, [&](auto done) { broker_->set_max_sessions("s1", 1, std::move(done)); }).ok());
  EXPECT_EQ(broker_->session_room(), grown);
  connect("a1");
  connect("a2");
  placed();
  placed();
  EXPECT_EQ(broker_->session_room(), grown) << "placements fit in the room made for them";
}

TEST_F(BrokerTest, MaxSessionsAndLabelsAreCommittedThenCommanded) {
  connect("a1");
  auto max = await_server(*core_, [&](auto done) { broker_->set_max_sessions("s1", 5, std::move(done)); });
  ASSERT_TRUE(max.ok()) << max.status().to_string();
  EXPECT_EQ(store_->servers().get("s1").value()->max_sessions, 5u);
  auto labels = await_server(*core_, [&](auto done) {
    broker_->set_labels("s1", {"os=win", "gpu", "site=lab"}, std::move(done));
  });
  ASSERT_TRUE(labels.ok()) << labels.status().to_string();
  EXPECT_EQ(labels->labels, (store::LabelSet{"gpu", "os=win", "site=lab"}));
  EXPECT_EQ(labels->revision, max->revision + 1);

  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].set_max_sessions().max_sessions(), 5u);
  const auto& map = sent[1].set_labels().labels();
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map.at("gpu"), "");
  EXPECT_EQ(map.at("site"), "lab");

  // The new maximum is what placement counts against.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(placed().server_id, "s1");
  EXPECT_TRUE(std::holds_alternative<NotPlaced>(place().value()));
}

TEST_F(BrokerTest, SettingsAnAgentCannotCarryOrForAnUnknownServerAreRefusedUnwritten) {
  connect("a1");
  const uint64_t revision = store_->servers().get("s1").value()->revision;
  auto twice = await_server(*core_, [&](auto done) {
    broker_->set_labels("s1", {"os=win", "os=linux"}, std::move(done));
  });
  EXPECT_EQ(twice.status().code(), ErrorCode::invalid_argument);
  auto bad_key = await_server(*core_, [&](auto done) { broker_->set_labels("s1", {"bad key"}, std::move(done)); });
  EXPECT_EQ(bad_key.status().code(), ErrorCode::invalid_argument);
  auto unknown = await_server(*core_, [&](auto done) { broker_->set_draining("s9", true, std::move(done)); });
  EXPECT_EQ(unknown.status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->servers().get("s1").value()->revision, revision);
  EXPECT_TRUE(commands("a1").empty());
}

TEST_F(BrokerTest, SettingsSurviveAManagerRestart) {
  ASSERT_TRUE(await_server(*core_, [&](auto done) { broker_->set_max_sessions("s1", 7, std::move(done)); }).ok());
  ASSERT_TRUE(await_server(*core_, [&](auto done) { broker_->set_draining("s1", true, std::move(done)); }).ok());
  stop();
  start();
  connect("a1");
  EXPECT_EQ(welcome("a1").settings().max_sessions(), 7u);
  EXPECT_TRUE(welcome("a1").settings().draining());
}

}  // namespace
}  // namespace corral::broker::testing
