// The autoscaler's join token for one server: bound to it, hashed in the store, expiring when the
// caller says, usable once, and written with the server's row or not at all.
#include "manager/store/join_token_issue.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/join_token.h"
#include "manager/store/join_token_enrollment.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

using JoinTokenIssueTest = SqliteStoreTest;

const std::string kIssueCa(64, 'c');

PoolRecord issue_pool() {
  PoolRecord p;
  p.id = "p1";
  p.name = "p1";
  return p;
}

ServerRecord issue_server(const std::string& id) {
  ServerRecord s;
  s.id = id;
  s.pool_id = "p1";
  s.hostname = "corral-" + id;
  s.origin = ServerOrigin::autoscaled;
  return s;
}

TEST_F(JoinTokenIssueTest, TheTokenIsBoundToTheServerAndStoredHashed) {
  ASSERT_TRUE(store_->pools().insert(issue_pool()).ok());
  std::string text;
  Status written = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status s = r.servers().insert(issue_server("srv-1")); !s.ok()) return s;
    auto issued = issue_server_join_token(r.join_tokens(), "srv-1", kNow, kNow + 600, kIssueCa);
    if (!issued.ok()) return issued.status();
    text = *issued;
    return {};
  });
  ASSERT_TRUE(written.ok()) << written.to_string();

  auto parts = parse_join_token(text);
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  EXPECT_EQ(parts->ca_sha256, kIssueCa);
  JoinTokenRecord stored = stored_token(parts->id);
  EXPECT_EQ(stored.server_id, "srv-1");
  EXPECT_EQ(stored.created_at, kNow);
  EXPECT_EQ(stored.expires_at, kNow + 600);
  EXPECT_EQ(stored.used_at, 0);
  EXPECT_EQ(stored.secret_sha256, sha256_hex(parts->secret));
  EXPECT_EQ(stored.description, "autoscaled server srv-1");
}

TEST_F(JoinTokenIssueTest, AnAgentEnrollingWithItBacksTheServerOnce) {
  ASSERT_TRUE(store_->pools().insert(issue_pool()).ok());
  ASSERT_TRUE(store_->servers().insert(issue_server("srv-1")).ok());
  auto text = issue_server_join_token(store_->join_tokens(), "srv-1", kNow, kNow + 600, "");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  auto parts = parse_join_token(*text).value();
  EXPECT_TRUE(parts.ca_sha256.empty());

  AgentRecord a = agent("a1", "serial-1");
  a.server_id = stored_token(parts.id).server_id;  // as Enrollment copies it
  ServerRecord bound;
  auto enrolled = consume_join_token_and_enroll(*store_, parts.id, kNow + 599, a, &bound);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().to_string();
  ASSERT_EQ(*enrolled, EnrollOutcome::enrolled) << enroll_outcome_name(*enrolled);
  EXPECT_EQ(bound.id, "srv-1");
  EXPECT_EQ(store_->servers().get("srv-1").value()->agent_id, "a1");

  AgentRecord again = agent("a2", "serial-2");
  again.server_id = "srv-1";
  EXPECT_EQ(consume_join_token_and_enroll(*store_, parts.id, kNow + 1, again).value(), EnrollOutcome::token_used);
  EXPECT_EQ(store_->servers().get("srv-1").value()->agent_id, "a1");
}

TEST_F(JoinTokenIssueTest, ItExpiresAtTheGivenTime) {
  auto text = issue_server_join_token(store_->join_tokens(), "srv-1", kNow, kNow + 30, "");
  ASSERT_TRUE(text.ok());
  auto parts = parse_join_token(*text).value();
  EXPECT_EQ(consume_join_token_and_enroll(*store_, parts.id, kNow + 30, agent("a1", "s1")).value(),
            EnrollOutcome::token_expired);
  EXPECT_EQ(store_->join_tokens().delete_expired(kNow + 30).value(), 1);
}

TEST_F(JoinTokenIssueTest, AFailedUnitOfWorkStoresNoToken) {
  std::string id;
  Status written = store_->unit_of_work([&](Repositories& r) -> Status {
    auto issued = issue_server_join_token(r.join_tokens(), "srv-1", kNow, kNow + 600, "");
    if (!issued.ok()) return issued.status();
    id = parse_join_token(*issued).value().id;
    return r.servers().insert(issue_server("srv-1"));  // no pool p1: refused, everything rolls back
  });
  ASSERT_FALSE(written.ok());
  ASSERT_FALSE(id.empty());
  EXPECT_FALSE(store_->join_tokens().get(id).value().has_value());
}

TEST_F(JoinTokenIssueTest, EachTokenIsNewAndBadArgumentsAreRefused) {
  auto one = issue_server_join_token(store_->join_tokens(), "srv-1", kNow, kNow + 1, "");
  auto two = issue_server_join_token(store_->join_tokens(), "srv-1", kNow, kNow + 1, "");
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_NE(*one, *two);
  EXPECT_EQ(issue_server_join_token(store_->join_tokens(), "", kNow, kNow + 1, "").status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(issue_server_join_token(store_->join_tokens(), "srv-1", kNow, kNow, "").status().code(),
            ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::store
