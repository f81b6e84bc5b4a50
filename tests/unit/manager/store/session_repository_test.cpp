// Sessions: every field round trips, the state machine reserved -> active -> ended holds with
// typed answers, recovery lists what is unfinished or expired, and lists filter and page.
#include <gtest/gtest.h>

#include <algorithm>

#include "manager/store/sqlite_session_query.h"
#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;
using test_support::RawDb;

class SessionRepositoryTest : public BrokerStoreTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    add_world();
  }

  SessionRecord stored(const std::string& id) {
    auto got = store_->sessions().get(id);
    EXPECT_TRUE(got.ok() && got->has_value()) << id << " " << got.status().to_string();
    return got.ok() && got->has_value() ? **got : SessionRecord{};
  }

  static std::vector<std::string> ids(const std::vector<SessionRecord>& sessions) {
    std::vector<std::string> out;
    for (const auto& s : sessions) out.push_back(s.id);
    return out;
  }
};

TEST_F(SessionRepositoryTest, EveryFieldRoundTrips) {
  SessionRecord in = reserved("x1", "p1", "s1", "w1", "alice");
  in.agent_session_id = "agent-side-1";
  in.resources = {2000, int64_t{4} << 30, 1};
  in.reserved_at = kNow - 3;
  in.reservation_expires_at = kNow + 57;
  add_session(in);
  reopen();
  SessionRecord s = stored("x1");
  EXPECT_EQ(s.workspace_id, "w1");
  EXPECT_EQ(s.pool_id, "p1");
  EXPECT_EQ(s.server_id, "s1");
  EXPECT_EQ(s.user, "alice");
  EXPECT_EQ(s.state, SessionState::reserved);
  EXPECT_EQ(s.end_reason, SessionEndReason::none);
  EXPECT_EQ(s.origin, SessionOrigin::placed);
  EXPECT_EQ(s.agent_session_id, "agent-side-1");
  EXPECT_EQ(s.resources, in.resources);
  EXPECT_EQ(s.reserved_at, kNow - 3);
  EXPECT_EQ(s.reservation_expires_at, kNow + 57);
  EXPECT_EQ(s.activated_at, 0);
  EXPECT_EQ(s.ended_at, 0);

  // A session the agent reported without a placement: active, no workspace, maybe no user.
  SessionRecord reported;
  reported.id = "x2";
  reported.pool_id = "p1";
  reported.server_id = "s1";
  reported.origin = SessionOrigin::reported;
  reported.state = SessionState::active;
  reported.agent_session_id = "console";
  reported.activated_at = kNow;
  add_session(reported);
  SessionRecord r = stored("x2");
  EXPECT_EQ(r.origin, SessionOrigin::reported);
  EXPECT_EQ(r.state, SessionState::active);
  EXPECT_EQ(r.workspace_id, "");
  EXPECT_EQ(r.user, "");
  EXPECT_EQ(r.activated_at, kNow);
  EXPECT_FALSE(store_->sessions().get("x3").value().has_value());
}

TEST_F(SessionRepositoryTest, InsertRefusesWhatCannotBeANewSession) {
  auto refused = [&](SessionRecord s, ErrorCode code) {
    Status st = store_->sessions().insert(s);
    EXPECT_EQ(st.code(), code) << st.to_string();
  };
  SessionRecord base = reserved("x1", "p1", "s1", "w1");
  SessionRecord s = base;
  s.id.clear();
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.server_id.clear();
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.workspace_id.clear();  // only reported sessions may lack one
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.reservation_expires_at = 0;
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.state = SessionState::active;  // without activated_at
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.state = SessionState::ended;
  s.end_reason = SessionEndReason::user;
  s.ended_at = kNow;
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.origin = SessionOrigin::reported;  // reported sessions are recorded active
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.resources.cores_milli = -1;
  refused(s, ErrorCode::invalid_argument);
  s = base;
  s.server_id = "no-such-server";
  refused(s, ErrorCode::failed_precondition);
  s = base;
  s.workspace_id = "no-such-workspace";
  refused(s, ErrorCode::failed_precondition);
  EXPECT_EQ(row_count("sessions"), "0");
  add_session(base);
  refused(base, ErrorCode::already_exists);
}

TEST_F(SessionRepositoryTest, ActivationMovesOnlyAReservation) {
  add_session(reserved("x1", "p1", "s1", "w1"));
  add_session(reserved("x2", "p1", "s1", "w1"));
  auto& sessions = store_->sessions();
  EXPECT_EQ(sessions.activate("x1", kNow + 2).value(), SessionActivation::activated);
  EXPECT_EQ(sessions.activate("x1", kNow + 9).value(), SessionActivation::already_active);
  EXPECT_EQ(stored("x1").state, SessionState::active);
  EXPECT_EQ(stored("x1").activated_at, kNow + 2);

  // A confirmation that arrives after the reservation was released does not revive it.
  ASSERT_EQ(sessions.end("x2", SessionEndReason::expired_reservation, kNow + 60).value(), SessionEnding::ended);
  EXPECT_EQ(sessions.activate("x2", kNow + 61).value(), SessionActivation::ended);
  EXPECT_EQ(stored("x2").state, SessionState::ended);
  EXPECT_EQ(stored("x2").activated_at, 0);

  EXPECT_EQ(sessions.activate("ghost", kNow).value(), SessionActivation::not_found);
  EXPECT_EQ(sessions.activate("x1", 0).status().code(), ErrorCode::invalid_argument);
}

TEST_F(SessionRepositoryTest, EndingIsIdempotentAndKeepsTheFirstReason) {
  add_session(reserved("x1", "p1", "s1", "w1"));
  auto& sessions = store_->sessions();
  ASSERT_EQ(sessions.activate("x1", kNow + 1).value(), SessionActivation::activated);
  EXPECT_EQ(sessions.end("x1", SessionEndReason::user, kNow + 100).value(), SessionEnding::ended);
  EXPECT_EQ(sessions.end("x1", SessionEndReason::agent, kNow + 200).value(), SessionEnding::already_ended);
  SessionRecord s = stored("x1");
  EXPECT_EQ(s.state, SessionState::ended);
  EXPECT_EQ(s.end_reason, SessionEndReason::user);
  EXPECT_EQ(s.ended_at, kNow + 100);
  EXPECT_EQ(s.activated_at, kNow + 1);
  EXPECT_EQ(sessions.end("ghost", SessionEndReason::user, kNow).value(), SessionEnding::not_found);
  EXPECT_EQ(sessions.end("x1", SessionEndReason::none, kNow).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(sessions.end("x1", SessionEndReason::user, 0).status().code(), ErrorCode::invalid_argument);
}

TEST_F(SessionRepositoryTest, RecoveryFindsUnfinishedSessionsAndExpiredReservations) {
  ASSERT_TRUE(store_->servers().insert(server("s2", "p1")).ok());
  SessionRecord early = reserved("x3", "p1", "s1", "w1");
  early.reservation_expires_at = kNow + 10;
  SessionRecord late = reserved("x1", "p1", "s2", "w1");
  late.reservation_expires_at = kNow + 30;
  SessionRecord same_time = reserved("x0", "p1", "s1", "w1");
  same_time.reservation_expires_at = kNow + 10;
  for (const auto& s : {early, late, same_time, reserved("x2", "p1", "s1", "w1"), reserved("x4", "p1", "s2", "w1")})
    add_session(s);
  auto& sessions = store_->sessions();
  ASSERT_EQ(sessions.activate("x2", kNow).value(), SessionActivation::activated);
  ASSERT_EQ(sessions.end("x4", SessionEndReason::user, kNow).value(), SessionEnding::ended);
  reopen();

  EXPECT_EQ(ids(store_->sessions().list_unfinished().value()), (std::vector<std::string>{"x0", "x1", "x2", "x3"}));
  // Expired at its expiry time, as tokens and leases are; oldest expiry first, then id.
  EXPECT_TRUE(store_->sessions().list_expired_reservations(kNow + 9, 10).value().empty());
  EXPECT_EQ(ids(store_->sessions().list_expired_reservations(kNow + 10, 10).value()),
            (std::vector<std::string>{"x0", "x3"}));
  EXPECT_EQ(ids(store_->sessions().list_expired_reservations(kNow + 1000, 10).value()),
            (std::vector<std::string>{"x0", "x3", "x1"}));
  EXPECT_EQ(ids(store_->sessions().list_expired_reservations(kNow + 1000, 2).value()),
            (std::vector<std::string>{"x0", "x3"}));
  EXPECT_EQ(store_->sessions().list_expired_reservations(kNow, 0).status().code(), ErrorCode::invalid_argument);

  EXPECT_EQ(store_->sessions().count_unfinished("s1").value(), 3u);
  EXPECT_EQ(store_->sessions().count_unfinished("s2").value(), 1u);
  EXPECT_EQ(store_->sessions().count_unfinished("nope").value(), 0u);
}

TEST_F(SessionRepositoryTest, OldEndedSessionsAreDeletedAndNothingElse) {
  for (const char* id : {"x1", "x2", "x3"}) add_session(reserved(id, "p1", "s1", "w1"));
  auto& sessions = store_->sessions();
  ASSERT_EQ(sessions.end("x1", SessionEndReason::user, kNow + 10).value(), SessionEnding::ended);
  ASSERT_EQ(sessions.end("x2", SessionEndReason::user, kNow + 20).value(), SessionEnding::ended);
  EXPECT_EQ(sessions.delete_ended_before(kNow + 20).value(), 1);
  EXPECT_FALSE(sessions.get("x1").value().has_value());
  EXPECT_TRUE(sessions.get("x2").value().has_value());
  EXPECT_EQ(sessions.delete_ended_before(kNow + 1000).value(), 1);
  EXPECT_TRUE(sessions.get("x3").value().has_value());  // still reserved
}

TEST_F(SessionRepositoryTest, ListFiltersCombine) {
  ASSERT_TRUE(store_->pools().insert(pool("p2")).ok());
  ASSERT_TRUE(store_->servers().insert(server("s2", "p2")).ok());
  ASSERT_TRUE(store_->workspaces().insert(workspace("w2", "p2")).ok());
  add_session(reserved("a", "p1", "s1", "w1", "alice"));
  add_session(reserved("b", "p1", "s1", "w1", "bob"));
  add_session(reserved("c", "p2", "s2", "w2", "alice"));
  add_session(reserved("d", "p2", "s2", "w2", "bob"));
  ASSERT_EQ(store_->sessions().activate("b", kNow).value(), SessionActivation::activated);
  ASSERT_EQ(store_->sessions().activate("c", kNow).value(), SessionActivation::activated);
  ASSERT_EQ(store_->sessions().end("d", SessionEndReason::admin, kNow).value(), SessionEnding::ended);

  auto matching = [&](const SessionFilter& f) {
    return all_ids<SessionRecord>(1, [&](const PageRequest& r) { return store_->sessions().list(f, r); });
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(matching({}), (Ids{"a", "b", "c", "d"}));
  EXPECT_EQ(matching({.pool_id = "p2"}), (Ids{"c", "d"}));
  EXPECT_EQ(matching({.server_id = "s1"}), (Ids{"a", "b"}));
  EXPECT_EQ(matching({.workspace_id = "w2"}), (Ids{"c", "d"}));
  EXPECT_EQ(matching({.user = "alice"}), (Ids{"a", "c"}));
  EXPECT_EQ(matching({.state = SessionState::active}), (Ids{"b", "c"}));
  EXPECT_EQ(matching({.state = SessionState::ended}), (Ids{"d"}));
  EXPECT_EQ(matching({.pool_id = "p1", .user = "bob", .state = SessionState::active}), (Ids{"b"}));
  EXPECT_EQ(matching({.pool_id = "p1", .user = "bob", .state = SessionState::reserved}), Ids{});
  EXPECT_EQ(store_->sessions().list({}, {"", 0}).status().code(), ErrorCode::invalid_argument);
}

// Keyset paging: sessions added or removed between pages never make the rest of the listing
// skip or repeat a session that existed throughout.
TEST_F(SessionRepositoryTest, PagingIsStableWhileSessionsComeAndGo) {
  for (int i = 10; i < 40; ++i) add_session(reserved("x" + std::to_string(i), "p1", "s1", "w1"));
  std::vector<std::string> seen;
  PageRequest request{"", 7};
  bool disturbed = false;
  while (true) {
    auto page = store_->sessions().list({.pool_id = "p1"}, request);
    ASSERT_TRUE(page.ok()) << page.status().to_string();
    for (const auto& s : page->records) seen.push_back(s.id);
    if (page->next_after_id.empty()) break;
    request.after_id = page->next_after_id;
    if (!disturbed) {
      disturbed = true;
      add_session(reserved("x05", "p1", "s1", "w1"));  // before the cursor: not seen
      add_session(reserved("x99", "p1", "s1", "w1"));  // after it: seen
      ASSERT_EQ(store_->sessions().end("x20", SessionEndReason::user, kNow).value(), SessionEnding::ended);
      ASSERT_EQ(store_->sessions().delete_ended_before(kNow + 1).value(), 1);  // x20 is gone
    }
  }
  std::vector<std::string> expected;
  for (int i = 10; i < 40; ++i) {
    if (i != 20) expected.push_back("x" + std::to_string(i));
  }
  expected.push_back("x99");
  EXPECT_EQ(seen, expected);
}

// Each list filter and recovery query is served by an index, not a scan of every session ever
// recorded (which grows without bound until history is deleted).
TEST_F(SessionRepositoryTest, FiltersAndRecoveryQueriesUseIndexes) {
  RawDb raw(path_);
  auto plan = [&](const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_prepare_v2(raw.get(), ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      out += "; ";
    }
    sqlite3_finalize(stmt);
    return out;
  };
  const std::pair<std::string, std::string> cases[] = {
      {session_page_query({.pool_id = "p"}, "").sql, "sessions_pool"},
      {session_page_query({.server_id = "s"}, "").sql, "sessions_server"},
      {session_page_query({.workspace_id = "w"}, "").sql, "sessions_workspace"},
      {session_page_query({.user = "u"}, "").sql, "sessions_user"},
      {session_page_query({.state = SessionState::active}, "").sql, "sessions_state"},
      {"SELECT COUNT(*) FROM sessions WHERE server_id = ?1 AND state <> 'ended'", "sessions_unfinished_server"},
      {select_sessions("INDEXED BY sessions_reservations WHERE state = 'reserved' AND reservation_expires_at <= ?1 "
                       "ORDER BY reservation_expires_at, id LIMIT ?2"),
       "sessions_reservations"},
      {select_sessions("WHERE state IN ('reserved', 'active') ORDER BY id"), "sessions_state"},
      {"DELETE FROM sessions INDEXED BY sessions_ended WHERE state = 'ended' AND ended_at < ?1", "sessions_ended"},
      {"SELECT id FROM servers WHERE pool_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3", "servers_pool"},
      {"SELECT id FROM servers WHERE agent_id = ?1", "sqlite_autoindex_servers"},
  };
  for (const auto& [sql, index] : cases) {
    std::string p = plan(sql);
    EXPECT_NE(p.find(index), std::string::npos) << sql << " -> " << p;
    EXPECT_EQ(p.find("SCAN sessions"), std::string::npos) << sql << " -> " << p;
  }
}

}  // namespace
}  // namespace corral::store
