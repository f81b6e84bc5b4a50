// A new Broker on the same store (a manager restart, or a crash): committed sessions and
// reservations are kept and counted, reservations that ran out meanwhile are released, and what
// the agent reported last repairs a confirmation the crash cut short.
#include <gtest/gtest.h>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

using std::chrono::seconds;
using store::SessionEndReason;
using store::SessionState;

TEST_F(BrokerTest, ARestartKeepsSessionsAndReservationsAndCountsThem) {
  connect("a1");
  store::SessionRecord active = placed();
  store::SessionRecord reserved = placed();
  report("a1", {{active.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  stop();
  advance(seconds(10));
  start();

  EXPECT_EQ(broker_->server_load("s1"), 2u);
  EXPECT_EQ(broker_->session(active.id)->state, SessionState::active);
  EXPECT_EQ(broker_->session(reserved.id)->state, SessionState::reserved);
  // s1 is full, so the next session goes to s2 once its agent is there.
  connect("a2");
  EXPECT_EQ(placed().server_id, "s2");

  // The agent comes back: the reservation is prepared again (the agent may never have had it).
  connect("a1");
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].prepare_session().session_id(), reserved.id);
  report("a1", {{active.id, v1::SESSION_STATE_ACTIVE}, {reserved.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(stored(reserved.id).state, SessionState::active);
}

TEST_F(BrokerTest, AReservationThatRanOutWhileTheManagerWasDownIsReleasedAtStart) {
  connect("a1");
  store::SessionRecord s = placed();
  stop();
  advance(seconds(60));
  start();
  EXPECT_EQ(stored(s.id).state, SessionState::ended);
  EXPECT_EQ(stored(s.id).end_reason, SessionEndReason::expired_reservation);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  // It may have reached the agent before the stop: logged off when the agent is back.
  connect("a1");
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].logoff_session().session_id(), s.id);
}

TEST_F(BrokerTest, AReservationStillInTimeWaitsForTheAgentOrTheSweep) {
  connect("a1");
  store::SessionRecord s = placed();
  stop();
  advance(seconds(30));
  start();
  broker_->sweep();
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::reserved);
  advance(seconds(30));
  broker_->sweep();
  core_->drain();
  EXPECT_EQ(stored(s.id).end_reason, SessionEndReason::expired_reservation);
}

TEST_F(BrokerTest, TheLastReportConfirmsAReservationWhoseConfirmationTheCrashCutShort) {
  connect("a1");
  store::SessionRecord s = placed();
  stop();
  // The report listing it ACTIVE was written; the manager died before the activation was.
  v1::CapacityReport r;
  r.set_max_sessions(2);
  v1::Session* listed = r.add_sessions();
  listed->set_id(s.id);
  listed->set_user("alice");
  listed->set_state(v1::SESSION_STATE_ACTIVE);
  ASSERT_TRUE(store_->agents().update_capacity("a1", r).ok());
  start();
  // The agent's first report will equal the stored one, which the registry publishes as no
  // change: the Welcome is when the broker looks at the report it has.
  connect("a1");
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::active);
  EXPECT_EQ(broker_->server_load("s1"), 1u);
}

}  // namespace
}  // namespace corral::broker::testing
