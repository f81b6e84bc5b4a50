// Reconciliation with capacity reports: a session an agent reports that the broker did not place
// is recorded and counted, a confirmed one that leaves the reports has ended (reason agent), and
// docker capacity comes from the agent's reported totals.
#include <gtest/gtest.h>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

using store::SessionEndReason;
using store::SessionState;

store::SessionRecord only_session(store::Store& store, const std::string& server_id) {
  store::SessionFilter filter;
  filter.server_id = server_id;
  auto page = store.sessions().list(filter, {"", 10});
  EXPECT_TRUE(page.ok() && page->records.size() == 1u);
  return page.ok() && page->records.size() == 1u ? page->records[0] : store::SessionRecord{};
}

TEST_F(BrokerTest, ASessionTheBrokerDidNotPlaceIsRecordedAndCounted) {
  connect("a1");
  connect("a2");
  report("a1", {{"console-1", v1::SESSION_STATE_ACTIVE}}, "bob");
  core_->drain();
  store::SessionRecord r = only_session(*store_, "s1");
  EXPECT_EQ(r.origin, store::SessionOrigin::reported);
  EXPECT_EQ(r.state, SessionState::active);
  EXPECT_EQ(r.agent_session_id, "console-1");
  EXPECT_EQ(r.user, "bob");
  EXPECT_EQ(r.pool_id, "p1");
  EXPECT_TRUE(r.workspace_id.empty());
  EXPECT_EQ(broker_->server_load("s1"), 1u);
  // It counts in placement: s2 is emptier now.
  EXPECT_EQ(placed().server_id, "s2");

  // Reported again unchanged: recorded once.
  report("a1", {{"console-1", v1::SESSION_STATE_DISCONNECTED}}, "bob");
  core_->drain();
  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 1u);

  // Gone from the report: ended by the agent, slot free.
  report("a1", {});
  core_->drain();
  EXPECT_EQ(store_->sessions().get(r.id).value()->end_reason, SessionEndReason::agent);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  EXPECT_TRUE(commands("a1").empty()) << "nothing to log off: the agent has it no more";
}

TEST_F(BrokerTest, AConfirmedSessionThatLeavesTheReportHasEnded) {
  connect("a1");
  store::SessionRecord kept = placed();
  store::SessionRecord gone = placed();
  report("a1", {{kept.id, v1::SESSION_STATE_ACTIVE}, {gone.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  report("a1", {{kept.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(stored(gone.id).state, SessionState::ended);
  EXPECT_EQ(stored(gone.id).end_reason, SessionEndReason::agent);
  EXPECT_EQ(stored(kept.id).state, SessionState::active);
  EXPECT_EQ(broker_->server_load("s1"), 1u);

  store::SessionRecord waiting = placed("w1", "carol");
  report("a1", {{kept.id, v1::SESSION_STATE_DISCONNECTED}});
  core_->drain();
  EXPECT_EQ(stored(waiting.id).state, SessionState::reserved) << "a reservation not listed yet is still waiting";
  EXPECT_EQ(stored(kept.id).state, SessionState::active);
  EXPECT_EQ(broker_->server_load("s1"), 2u);
}

TEST_F(BrokerTest, AReportedSessionNamingAWorkspaceOfThePoolIsRecordedForIt) {
  connect("a1");
  v1::CapacityReport r;
  v1::Session* s = r.add_sessions();
  s->set_id("placed-by-hand");
  s->set_user("dave");
  s->set_state(v1::SESSION_STATE_ACTIVE);
  s->set_workspace_id("w1");
  v1::Session* odd = r.add_sessions();
  odd->set_id("bad\nid");
  odd->set_state(v1::SESSION_STATE_ACTIVE);
  send_report("a1", r);
  core_->drain();
  EXPECT_EQ(only_session(*store_, "s1").workspace_id, "w1");
  EXPECT_EQ(broker_->server_load("s1"), 1u) << "an id that is not plain text is not recorded";
}

TEST_F(BrokerTest, AConfirmationAfterTheStoreEndedTheSessionDoesNotReviveIt) {
  connect("a1");
  store::SessionRecord s = placed();
  commands("a1");
  // Another manager on the same database ended it meanwhile.
  ASSERT_EQ(store_->sessions().end(s.id, SessionEndReason::admin, store::test_support::kNow).value(),
            store::SessionEnding::ended);
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::ended);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].logoff_session().session_id(), s.id) << "the agent holds it: it is logged off";
}

class DockerBrokerTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    core_.emplace(*store_);
    add_agent("a1");
    ASSERT_TRUE(store_->pools().insert(pool("p1", store::PoolType::docker_agent)).ok());
    add_server("s1", "a1");
    store::WorkspaceRecord w = workspace("w1", "p1");
    w.session_resources = {2000, 4LL << 30, 0};
    ASSERT_TRUE(store_->workspaces().insert(w).ok());
    start();
  }
};

TEST_F(DockerBrokerTest, CapacityComesFromTheReportedTotalsLessWhatSessionsTake) {
  connect("a1");
  Result<PlaceOutcome> none = place();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(std::get<NotPlaced>(*none).reason, NoPlacementReason::pool_full) << "nothing reported yet";

  v1::CapacityReport r;
  r.set_cores_total_milli(5000);
  r.set_memory_total_bytes(32LL << 30);
  send_report("a1", r);
  core_->drain();
  store::SessionRecord first = placed();
  EXPECT_EQ(first.resources.cores_milli, 2000);
  EXPECT_EQ(first.resources.memory_bytes, 4LL << 30);
  placed();
  none = place();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(std::get<NotPlaced>(*none).reason, NoPlacementReason::pool_full) << "1 core left of 5";
}

}  // namespace
}  // namespace corral::broker::testing
