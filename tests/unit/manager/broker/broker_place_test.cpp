// Broker::place(): the reservation is committed before the answer, the agent is told, a full
// pool is refused with the reason, placements in flight together never share a slot, and a
// commit that fails gives the slot back.
#include <gtest/gtest.h>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

using store::SessionState;
using store::test_support::kNow;

TEST_F(BrokerTest, PlacementIsCommittedBeforeTheAnswerAndPreparedOnTheAgent) {
  connect("a1");
  connect("a2");
  std::optional<Result<PlaceOutcome>> answer;
  broker_->place("w1", "alice", [&](Result<PlaceOutcome> r) { answer.emplace(std::move(r)); });
  EXPECT_FALSE(answer.has_value()) << "answered before the store said the reservation is written";
  core_->drain();
  ASSERT_TRUE(answer.has_value() && answer->ok());
  const auto& placed = std::get<PlacedSession>(**answer);
  const store::SessionRecord& s = placed.session;
  EXPECT_EQ(s.state, SessionState::reserved);
  EXPECT_EQ(s.workspace_id, "w1");
  EXPECT_EQ(s.pool_id, "p1");
  EXPECT_EQ(s.user, "alice");
  EXPECT_EQ(s.origin, store::SessionOrigin::placed);
  EXPECT_EQ(s.reservation_expires_at, kNow + 60);
  // Both servers are empty and equal: the older, then the smaller id.
  EXPECT_EQ(s.server_id, "s1");
  EXPECT_EQ(stored(s.id).state, SessionState::reserved);
  EXPECT_EQ(stored(s.id).reservation_expires_at, kNow + 60);

  EXPECT_EQ(placed.connection.server_id, "s1");
  EXPECT_EQ(placed.connection.address, "s1.example.test");
  EXPECT_EQ(placed.connection.port, 3389u);
  EXPECT_EQ(placed.connection.type, store::ConnectionType::rdp);

  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has_prepare_session());
  EXPECT_EQ(sent[0].prepare_session().session_id(), s.id);
  EXPECT_EQ(sent[0].prepare_session().user(), "alice");
  EXPECT_EQ(sent[0].prepare_session().workspace_id(), "w1");
  EXPECT_TRUE(commands("a2").empty());
  EXPECT_EQ(broker_->server_load("s1"), 1u);
}

TEST_F(BrokerTest, SessionsSpreadEvenlyAndAFullPoolIsRefusedWithTheReasonAndCounts) {
  connect("a1");
  connect("a2");
  std::map<std::string, int> per_server;
  for (int i = 0; i < 4; ++i) ++per_server[placed().server_id];
  EXPECT_EQ(per_server, (std::map<std::string, int>{{"s1", 2}, {"s2", 2}}));

  Result<PlaceOutcome> refused = place();
  ASSERT_TRUE(refused.ok());
  const auto* not_placed = std::get_if<NotPlaced>(&*refused);
  ASSERT_NE(not_placed, nullptr);
  EXPECT_EQ(not_placed->reason, NoPlacementReason::pool_full);
  EXPECT_EQ(not_placed->counts.ready, 2u);
  EXPECT_EQ(not_placed->counts.full, 2u);
  EXPECT_EQ(describe(*not_placed), "pool is full: 2 ready (2 full), 0 provisioning, 0 draining, 0 disabled (of 2)");
}

TEST_F(BrokerTest, ServersWhoseAgentIsAwayOrMissingTakeNothing) {
  Result<PlaceOutcome> none = place();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(std::get<NotPlaced>(*none).reason, NoPlacementReason::no_ready_server);
  EXPECT_EQ(std::get<NotPlaced>(*none).counts.provisioning, 2u);

  connect("a1");
  connect("a2");
  disconnect("a1");
  EXPECT_EQ(placed().server_id, "s2");
  // a2 goes silent for three heartbeat intervals: missing, so not ready.
  advance(std::chrono::seconds(30));
  registry_->sweep();
  none = place();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(std::get<NotPlaced>(*none).reason, NoPlacementReason::no_ready_server);
  report("a2", {});  // heard from again
  EXPECT_EQ(placed().server_id, "s2");
}

TEST_F(BrokerTest, PlacementsInFlightTogetherNeverShareASlot) {
  connect("a1");
  connect("a2");
  // Every call is decided before any commit is answered.
  std::vector<Result<PlaceOutcome>> answers;
  for (int i = 0; i < 10; ++i) {
    broker_->place("w1", "user" + std::to_string(i), [&](Result<PlaceOutcome> r) { answers.push_back(std::move(r)); });
  }
  core_->drain();
  ASSERT_EQ(answers.size(), 10u);
  std::map<std::string, int> per_server;
  int refused = 0;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.ok());
    if (const auto* p = std::get_if<PlacedSession>(&*a)) {
      ++per_server[p->session.server_id];
    } else {
      ++refused;
    }
  }
  EXPECT_EQ(per_server, (std::map<std::string, int>{{"s1", 2}, {"s2", 2}}));
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 2u);
  EXPECT_EQ(store_->sessions().count_unfinished("s2").value(), 2u);
}

TEST_F(BrokerTest, AReservationThatCannotBeWrittenGivesItsSlotBack) {
  connect("a1");
  // The store refuses a session for a workspace it no longer has; the broker still places it.
  ASSERT_EQ(store_->workspaces().remove("w1").value(), store::RemoveOutcome::removed);
  Result<PlaceOutcome> failed = place();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::failed_precondition) << failed.status().to_string();
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  EXPECT_EQ(broker_->unfinished_sessions(), 0u);
  EXPECT_TRUE(commands("a1").empty()) << "nothing is prepared that was not written";

  ASSERT_TRUE(store_->workspaces().insert(workspace("w1", "p1")).ok());
  EXPECT_EQ(placed().server_id, "s1");
  EXPECT_EQ(broker_->server_load("s1"), 1u);
}

TEST_F(BrokerTest, BadRequestsAreRefusedWithTheReason) {
  connect("a1");
  EXPECT_EQ(place("nope").status().code(), ErrorCode::not_found);
  EXPECT_EQ(place("w1", "").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(place("w1", "bad\nuser").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(broker_->unfinished_sessions(), 0u);
}

TEST_F(BrokerTest, ADisabledWorkspaceTakesNoSessions) {
  stop();
  store::WorkspaceRecord w = store_->workspaces().get("w1").value().value();
  w.enabled = false;
  ASSERT_EQ(store_->workspaces().update(w, w.revision).value(), store::UpdateOutcome::updated);
  start();
  connect("a1");
  Result<PlaceOutcome> r = place();
  EXPECT_EQ(r.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(r.status().message().find("ws-w1 is disabled"), std::string::npos) << r.status().message();
}

TEST_F(BrokerTest, TheConnectionUserNameTakesTheSessionsUser) {
  stop();
  store::ServerRecord s = store_->servers().get("s1").value().value();
  s.connection_username = "CORP\\{sso_username}";
  s.connection_type = store::ConnectionType::ssh;
  s.connection_port = 0;
  ASSERT_EQ(store_->servers().update(s, s.revision).value(), store::UpdateOutcome::updated);
  start();
  connect("a1");
  Result<PlaceOutcome> r = place("w1", "bob");
  ASSERT_TRUE(r.ok());
  const ConnectionDetails& c = std::get<PlacedSession>(*r).connection;
  EXPECT_EQ(c.username, "CORP\\bob");
  EXPECT_EQ(c.port, 22u);
  EXPECT_FALSE(c.password_stored);
}

}  // namespace
}  // namespace corral::broker::testing
