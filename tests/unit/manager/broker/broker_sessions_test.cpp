// A session's life after placement: confirmed by the agent's report, released when not confirmed
// in time or refused by the agent, ended on request with a logoff that is idempotent.
#include <gtest/gtest.h>

#include "tests/unit/manager/broker/broker_fixture.h"

namespace corral::broker::testing {
namespace {

using std::chrono::seconds;
using store::SessionEndReason;
using store::SessionState;
using store::test_support::kNow;

TEST_F(BrokerTest, TheReportListingTheSessionActiveConfirmsIt) {
  connect("a1");
  store::SessionRecord s = placed();
  auto prepare = commands("a1");
  ASSERT_EQ(prepare.size(), 1u);
  answer("a1", prepare[0], true);
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::reserved) << "an ok answer alone confirms nothing";

  report("a1", {{s.id, v1::SESSION_STATE_STARTING}});
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::reserved) << "only ACTIVE confirms";

  advance(seconds(5));
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::active);
  EXPECT_EQ(stored(s.id).activated_at, kNow + 5);
  EXPECT_EQ(broker_->session(s.id)->state, SessionState::active);
  EXPECT_EQ(broker_->server_load("s1"), 1u);

  // Confirmed sessions do not expire.
  advance(seconds(120));
  broker_->sweep();
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::active);
}

TEST_F(BrokerTest, AReservationNotConfirmedInTimeIsReleasedAndLoggedOff) {
  connect("a1");
  store::SessionRecord s = placed();
  commands("a1");
  advance(seconds(59));
  broker_->sweep();
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::reserved) << "held while now < reservation_expires_at";

  advance(seconds(1));
  broker_->sweep();
  core_->drain();
  store::SessionRecord ended = stored(s.id);
  EXPECT_EQ(ended.state, SessionState::ended);
  EXPECT_EQ(ended.end_reason, SessionEndReason::expired_reservation);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  EXPECT_FALSE(broker_->session(s.id).has_value());
  // The agent may have prepared it late: it is told to let it go.
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].logoff_session().session_id(), s.id);

  // A late report still listing it is not a session the broker has to record.
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 0u);
}

TEST_F(BrokerTest, APrepareSessionTheAgentRefusesEndsTheReservationAndFreesTheSlot) {
  connect("a1");
  store::SessionRecord s = placed();
  auto sent = commands("a1");
  answer("a1", sent[0], false, v1::COMMAND_FAILURE_FULL);
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::ended);
  EXPECT_EQ(stored(s.id).end_reason, SessionEndReason::agent);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  EXPECT_TRUE(commands("a1").empty()) << "the agent holds nothing to log off";
}

TEST_F(BrokerTest, APrepareSessionLostWithTheConnectionIsSentAgainAtTheNextWelcome) {
  connect("a1");
  store::SessionRecord s = placed();
  ASSERT_EQ(commands("a1").size(), 1u);
  disconnect("a1");
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::reserved) << "the agent may have it: wait for its report";
  connect("a1");
  auto again = commands("a1");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].prepare_session().session_id(), s.id);
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(stored(s.id).state, SessionState::active);
}

TEST_F(BrokerTest, EndCommitsFreesTheSlotAndLogsOffOnceWhateverTheAgentSays) {
  connect("a1");
  store::SessionRecord s = placed();
  commands("a1");
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();

  Result<store::SessionEnding> ended = end(s.id, SessionEndReason::admin);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, store::SessionEnding::ended);
  EXPECT_EQ(stored(s.id).end_reason, SessionEndReason::admin);
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  auto logoff = commands("a1");
  ASSERT_EQ(logoff.size(), 1u);
  EXPECT_EQ(logoff[0].logoff_session().session_id(), s.id);

  EXPECT_EQ(end(s.id).value(), store::SessionEnding::already_ended);
  EXPECT_EQ(stored(s.id).end_reason, SessionEndReason::admin) << "the first reason is kept";
  EXPECT_EQ(end("no-such-session").value(), store::SessionEnding::not_found);
  EXPECT_EQ(end(s.id, SessionEndReason::none).status().code(), ErrorCode::invalid_argument);

  // UNKNOWN_SESSION counts as done: the logoff is not owed any more.
  answer("a1", logoff[0], false, v1::COMMAND_FAILURE_UNKNOWN_SESSION);
  disconnect("a1");
  connect("a1");
  EXPECT_TRUE(commands("a1").empty());
}

TEST_F(BrokerTest, ALogoffOwedToAnAbsentAgentIsSentWhenItIsWelcomed) {
  connect("a1");
  store::SessionRecord s = placed();
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  disconnect("a1");
  ASSERT_EQ(end(s.id).value(), store::SessionEnding::ended);
  EXPECT_EQ(broker_->server_load("s1"), 0u);

  connect("a1");
  auto sent = commands("a1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].logoff_session().session_id(), s.id);
  // Its first report still lists the session: not recorded as one the broker did not place.
  report("a1", {{s.id, v1::SESSION_STATE_ACTIVE}});
  core_->drain();
  EXPECT_EQ(broker_->server_load("s1"), 0u);
  answer("a1", sent[0], true);
  report("a1", {});
  core_->drain();
  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 0u);
}

}  // namespace
}  // namespace corral::broker::testing
