// Join tokens and enrollment with a token: the typed consumption outcomes, and the unit of work
// that consumes a token and inserts the agent as one.
#include <gtest/gtest.h>

#include "manager/store/join_token_enrollment.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::RawDb;
using test_support::SqliteStoreTest;

using JoinTokenTest = SqliteStoreTest;

TEST_F(JoinTokenTest, RoundTripAndDuplicateId) {
  JoinTokenRecord t = token("tok1", kNow + 60);
  t.labels = {{"pool", "gpu"}, {"site", "lyon"}};
  t.server_id = "srv-7";
  t.description = "for the autoscaler";
  ASSERT_TRUE(store_->join_tokens().insert(t).ok());

  JoinTokenRecord got = stored_token("tok1");
  EXPECT_EQ(got.secret_sha256, t.secret_sha256);
  EXPECT_EQ(got.created_at, t.created_at);
  EXPECT_EQ(got.expires_at, t.expires_at);
  EXPECT_EQ(got.used_at, 0);
  EXPECT_EQ(got.used_by_agent, "");
  EXPECT_EQ(got.labels, t.labels);
  EXPECT_EQ(got.server_id, "srv-7");
  EXPECT_EQ(got.description, "for the autoscaler");

  JoinTokenRecord dup = token("tok1", kNow + 999);
  dup.labels = {{"other", "x"}};
  Status s = store_->join_tokens().insert(dup);
  EXPECT_EQ(s.code(), ErrorCode::already_exists) << s.to_string();
  EXPECT_EQ(stored_token("tok1").expires_at, kNow + 60);
  EXPECT_EQ(stored_token("tok1").labels, t.labels);

  auto missing = store_->join_tokens().get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(store_->join_tokens().insert(token("", kNow)).code(), ErrorCode::invalid_argument);
}

TEST_F(JoinTokenTest, ConsumeSaysWhyItRefuses) {
  auto& tokens = store_->join_tokens();
  ASSERT_TRUE(tokens.insert(token("tok1", kNow + 60)).ok());
  EXPECT_EQ(tokens.consume("ghost", kNow, "a").value(), TokenConsumption::unknown_token);
  // Expiry is exclusive: at expires_at the token is already expired.
  EXPECT_EQ(tokens.consume("tok1", kNow + 60, "a").value(), TokenConsumption::expired);
  EXPECT_EQ(stored_token("tok1").used_at, 0);
  EXPECT_EQ(tokens.consume("tok1", kNow + 59, "a").value(), TokenConsumption::consumed);
  // Used wins over expired: the token's story is that it was used.
  EXPECT_EQ(tokens.consume("tok1", kNow + 1, "b").value(), TokenConsumption::already_used);
  EXPECT_EQ(tokens.consume("tok1", kNow + 100, "b").value(), TokenConsumption::already_used);
  EXPECT_EQ(stored_token("tok1").used_by_agent, "a");
  EXPECT_EQ(stored_token("tok1").used_at, kNow + 59);

  EXPECT_EQ(tokens.consume("tok1", 0, "a").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(tokens.consume("tok1", kNow, "").status().code(), ErrorCode::invalid_argument);
}

TEST_F(JoinTokenTest, EnrollConsumesOnceThenReuseIsRefused) {
  ASSERT_TRUE(store_->join_tokens().insert(token("tok1", kNow + 60)).ok());
  ASSERT_EQ(consume_and_enroll("tok1", kNow, agent("agent-a", "01")).value(), EnrollOutcome::enrolled);

  JoinTokenRecord used = stored_token("tok1");
  EXPECT_EQ(used.used_at, kNow);
  EXPECT_EQ(used.used_by_agent, "agent-a");
  auto a = store_->agents().get("agent-a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->join_token_id, "tok1");
  EXPECT_EQ((*a)->certificate_serial, "01");

  EXPECT_EQ(consume_and_enroll("tok1", kNow + 1, agent("agent-b", "02")).value(), EnrollOutcome::token_used);
  EXPECT_FALSE(agent_exists("agent-b"));
  // The first use is kept.
  EXPECT_EQ(stored_token("tok1").used_by_agent, "agent-a");
  EXPECT_EQ(stored_token("tok1").used_at, kNow);
}

TEST_F(JoinTokenTest, ExpiredTokenIsRefusedAndNothingIsWritten) {
  ASSERT_TRUE(store_->join_tokens().insert(token("tok1", kNow)).ok());
  for (int64_t now : {kNow, kNow + 1}) {
    EXPECT_EQ(consume_and_enroll("tok1", now, agent("agent-a", "01")).value(), EnrollOutcome::token_expired);
  }
  EXPECT_FALSE(agent_exists("agent-a"));
  JoinTokenRecord t = stored_token("tok1");
  EXPECT_EQ(t.used_at, 0);
  EXPECT_EQ(t.used_by_agent, "");

  // One second earlier it was still good.
  EXPECT_EQ(consume_and_enroll("tok1", kNow - 1, agent("agent-a", "01")).value(), EnrollOutcome::enrolled);
}

TEST_F(JoinTokenTest, UnknownTokenIsRefused) {
  EXPECT_EQ(consume_and_enroll("ghost", kNow, agent("agent-a", "01")).value(), EnrollOutcome::unknown_token);
  EXPECT_FALSE(agent_exists("agent-a"));
  EXPECT_TRUE(store_->agents().list().value().empty());
}

TEST_F(JoinTokenTest, DuplicateAgentIdRollsBackTheTokenUse) {
  enroll(agent("agent-a", "01"));
  ASSERT_TRUE(store_->join_tokens().insert(token("tok2", kNow + 60)).ok());

  AgentRecord clash = agent("agent-a", "02", kNow + 5);
  clash.labels = {{"x", "y"}};
  EXPECT_EQ(consume_and_enroll("tok2", kNow + 5, clash).value(), EnrollOutcome::agent_conflict);

  // The token was marked used before the failing insert; the unit of work undid it.
  JoinTokenRecord t = stored_token("tok2");
  EXPECT_EQ(t.used_at, 0);
  EXPECT_EQ(t.used_by_agent, "");
  auto a = store_->agents().get("agent-a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->certificate_serial, "01");
  EXPECT_TRUE((*a)->labels.empty());
  EXPECT_EQ((*a)->join_token_id, "tok-agent-a");

  // The token is still usable for a proper enrollment.
  EXPECT_EQ(consume_and_enroll("tok2", kNow + 6, agent("agent-b", "02")).value(), EnrollOutcome::enrolled);
}

TEST_F(JoinTokenTest, DuplicateCertificateSerialIsAConflict) {
  enroll(agent("agent-a", "01"));
  ASSERT_TRUE(store_->join_tokens().insert(token("tok2", kNow + 60)).ok());
  EXPECT_EQ(consume_and_enroll("tok2", kNow, agent("agent-b", "01")).value(), EnrollOutcome::agent_conflict);
  EXPECT_EQ(stored_token("tok2").used_at, 0);
  EXPECT_FALSE(agent_exists("agent-b"));
}

TEST_F(JoinTokenTest, EnrollmentRejectsInconsistentArguments) {
  ASSERT_TRUE(store_->join_tokens().insert(token("tok1", kNow + 60)).ok());
  AgentRecord a = agent("agent-a", "01");
  a.join_token_id = "other";
  EXPECT_EQ(consume_and_enroll("tok1", kNow, a).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(consume_and_enroll("tok1", 0, agent("agent-a", "01")).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(consume_and_enroll("tok1", kNow, agent("", "01")).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(consume_and_enroll("tok1", kNow, agent("agent-a", "")).status().code(), ErrorCode::invalid_argument);
  // An unknown token with a bad record is still a bad call, not an outcome.
  EXPECT_EQ(consume_and_enroll("ghost", kNow, agent("", "01")).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(stored_token("tok1").used_at, 0);
  a.join_token_id = "tok1";
  EXPECT_EQ(consume_and_enroll("tok1", kNow, a).value(), EnrollOutcome::enrolled);
}

TEST_F(JoinTokenTest, DeleteExpiredKeepsUsedAndLiveOnes) {
  JoinTokenRecord expired = token("expired", kNow - 10);
  expired.labels = {{"a", "b"}};
  ASSERT_TRUE(store_->join_tokens().insert(expired).ok());
  ASSERT_TRUE(store_->join_tokens().insert(token("expires-now", kNow)).ok());
  ASSERT_TRUE(store_->join_tokens().insert(token("live", kNow + 10)).ok());
  ASSERT_TRUE(store_->join_tokens().insert(token("used", kNow - 5)).ok());
  ASSERT_EQ(consume_and_enroll("used", kNow - 50, agent("agent-a", "01")).value(), EnrollOutcome::enrolled);

  auto deleted = store_->join_tokens().delete_expired(kNow);
  ASSERT_TRUE(deleted.ok()) << deleted.status().to_string();
  EXPECT_EQ(*deleted, 2);
  EXPECT_FALSE(store_->join_tokens().get("expired").value().has_value());
  EXPECT_FALSE(store_->join_tokens().get("expires-now").value().has_value());
  EXPECT_TRUE(store_->join_tokens().get("live").value().has_value());
  EXPECT_TRUE(store_->join_tokens().get("used").value().has_value());
  // The deleted token's labels went with it (foreign keys are on).
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM join_token_labels"), "0");

  EXPECT_EQ(store_->join_tokens().delete_expired(kNow).value(), 0);
}

}  // namespace
}  // namespace corral::store
