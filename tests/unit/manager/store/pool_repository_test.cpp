// Pools: every field round trips, names are unique, updates are compare-and-set on the revision,
// and a pool in use is not deleted (with the reason).
#include <gtest/gtest.h>

#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;

class PoolRepositoryTest : public BrokerStoreTest {};

TEST_F(PoolRepositoryTest, EveryFieldRoundTripsAndLabelsAreASet) {
  PoolRecord in = pool("p1", PoolType::docker_agent);
  in.name = "east";
  in.labels = {"site=east", "gpu", "site=east"};
  in.server_assignment = true;
  in.created_at = kNow - 10;
  in.updated_at = kNow - 5;
  in.revision = 99;  // not read: a new pool is revision 1
  ASSERT_TRUE(store_->pools().insert(in).ok());
  reopen();

  auto got = store_->pools().get("p1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  const PoolRecord& p = **got;
  EXPECT_EQ(p.id, "p1");
  EXPECT_EQ(p.name, "east");
  EXPECT_EQ(p.type, PoolType::docker_agent);
  EXPECT_EQ(p.labels, (LabelSet{"gpu", "site=east"}));
  EXPECT_TRUE(p.server_assignment);
  EXPECT_EQ(p.created_at, kNow - 10);
  EXPECT_EQ(p.updated_at, kNow - 5);
  EXPECT_EQ(p.revision, 1u);

  auto by_name = store_->pools().get_by_name("east");
  ASSERT_TRUE(by_name.ok() && by_name->has_value());
  EXPECT_EQ((*by_name)->id, "p1");
  EXPECT_EQ((*by_name)->labels, p.labels);
  EXPECT_FALSE(store_->pools().get_by_name("west").value().has_value());
  EXPECT_FALSE(store_->pools().get("p2").value().has_value());
}

TEST_F(PoolRepositoryTest, InsertRefusesMissingFieldsAndTakenKeys) {
  ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
  PoolRecord same_name = pool("p2");
  same_name.name = "pool-p1";
  EXPECT_EQ(store_->pools().insert(same_name).code(), ErrorCode::already_exists);
  PoolRecord same_id = pool("p1");
  same_id.name = "other";
  EXPECT_EQ(store_->pools().insert(same_id).code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->pools().insert(pool("")).code(), ErrorCode::invalid_argument);
  PoolRecord no_name = pool("p3");
  no_name.name.clear();
  EXPECT_EQ(store_->pools().insert(no_name).code(), ErrorCode::invalid_argument);
  PoolRecord empty_label = pool("p4");
  empty_label.labels = {"a", ""};
  Status s = store_->pools().insert(empty_label);
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_NE(s.message().find("pool labels"), std::string::npos) << s.message();
  EXPECT_FALSE(store_->pools().get("p4").value().has_value());
}

TEST_F(PoolRepositoryTest, UpdateIsCompareAndSetOnTheRevision) {
  auto& pools = store_->pools();
  ASSERT_TRUE(pools.insert(pool("p1")).ok());
  ASSERT_TRUE(pools.insert(pool("p2")).ok());

  PoolRecord edit = pool("p1");
  edit.name = "renamed";
  edit.type = PoolType::docker_agent;
  edit.labels = {"b", "a"};
  edit.server_assignment = true;
  edit.updated_at = kNow + 7;
  edit.created_at = kNow + 99;  // never rewritten
  ASSERT_EQ(pools.update(edit, 1).value(), UpdateOutcome::updated);

  // An editor who read revision 1 is behind now, and writes nothing, labels included.
  PoolRecord stale = pool("p1");
  stale.labels = {"stale"};
  EXPECT_EQ(pools.update(stale, 1).value(), UpdateOutcome::revision_mismatch);
  EXPECT_EQ(pools.update(stale, 3).value(), UpdateOutcome::revision_mismatch);
  PoolRecord taken = edit;
  taken.name = "pool-p2";
  EXPECT_EQ(pools.update(taken, 2).value(), UpdateOutcome::name_taken);
  EXPECT_EQ(pools.update(pool("ghost"), 1).value(), UpdateOutcome::not_found);

  PoolRecord p = pools.get("p1").value().value();
  EXPECT_EQ(p.revision, 2u);
  EXPECT_EQ(p.name, "renamed");
  EXPECT_EQ(p.type, PoolType::docker_agent);
  EXPECT_EQ(p.labels, (LabelSet{"a", "b"}));
  EXPECT_TRUE(p.server_assignment);
  EXPECT_EQ(p.created_at, kNow);
  EXPECT_EQ(p.updated_at, kNow + 7);
}

// Two managers on one database both edit from revision 1: only one becomes revision 2.
TEST_F(PoolRepositoryTest, TwoConnectionsUpdatingTheSameRevisionCannotBothWin) {
  ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
  auto other = SqliteStore::open(path_);
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  PoolRecord mine = pool("p1");
  mine.labels = {"mine"};
  PoolRecord theirs = pool("p1");
  theirs.labels = {"theirs"};
  EXPECT_EQ(store_->pools().update(mine, 1).value(), UpdateOutcome::updated);
  EXPECT_EQ((*other)->pools().update(theirs, 1).value(), UpdateOutcome::revision_mismatch);
  EXPECT_EQ((*other)->pools().get("p1").value()->labels, LabelSet{"mine"});
}

TEST_F(PoolRepositoryTest, RemoveIsRefusedWhileServersOrWorkspacesDependOnThePool) {
  add_world();
  auto& pools = store_->pools();
  EXPECT_EQ(pools.remove("p1").value(), RemoveOutcome::has_servers);
  ASSERT_EQ(store_->servers().remove("s1").value(), RemoveOutcome::removed);
  EXPECT_EQ(pools.remove("p1").value(), RemoveOutcome::has_workspaces);
  ASSERT_EQ(store_->workspaces().remove("w1").value(), RemoveOutcome::removed);
  EXPECT_EQ(pools.remove("p1").value(), RemoveOutcome::removed);
  EXPECT_FALSE(pools.get("p1").value().has_value());
  EXPECT_EQ(row_count("pool_labels"), "0");
  EXPECT_EQ(pools.remove("p1").value(), RemoveOutcome::not_found);
}

// The broker keeps a session's pool equal to its server's; should the two ever disagree, a
// running session still keeps its pool from being deleted.
TEST_F(PoolRepositoryTest, RemoveIsRefusedWhileARunningSessionNamesThePool) {
  add_world();
  ASSERT_TRUE(store_->pools().insert(pool("p2")).ok());
  add_session(reserved("x1", "p2", "s1", "w1"));
  EXPECT_EQ(store_->pools().remove("p2").value(), RemoveOutcome::has_sessions);
  ASSERT_EQ(store_->sessions().end("x1", SessionEndReason::user, kNow + 1).value(), SessionEnding::ended);
  EXPECT_EQ(store_->pools().remove("p2").value(), RemoveOutcome::removed);
  // The ended session stays as history, without its pool.
  auto kept = store_->sessions().get("x1").value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->pool_id, "");
  EXPECT_EQ(kept->server_id, "s1");
}

TEST_F(PoolRepositoryTest, PagesFollowIdOrderAndEndExactly) {
  for (const char* id : {"p3", "p1", "p5", "p2", "p4", "p6"}) ASSERT_TRUE(store_->pools().insert(pool(id)).ok());
  auto list = [&](const PageRequest& r) { return store_->pools().list(r); };
  EXPECT_EQ(all_ids<PoolRecord>(2, list), (std::vector<std::string>{"p1", "p2", "p3", "p4", "p5", "p6"}));
  EXPECT_EQ(all_ids<PoolRecord>(4, list).size(), 6u);
  // A page that ends exactly at the last pool says so: no empty page after it.
  auto whole = store_->pools().list({"", 6}).value();
  EXPECT_EQ(whole.records.size(), 6u);
  EXPECT_EQ(whole.next_after_id, "");
  auto first = store_->pools().list({"", 5}).value();
  EXPECT_EQ(first.next_after_id, "p5");
  EXPECT_EQ(first.records.front().labels, LabelSet{"site=east"});
  EXPECT_EQ(store_->pools().list({"", 0}).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::store
