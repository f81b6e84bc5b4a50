// Workspaces: every field round trips, names are unique, updates are compare-and-set and may
// move a workspace to another existing pool, and a workspace with running sessions stays.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;

class WorkspaceRepositoryTest : public BrokerStoreTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    ASSERT_TRUE(store_->pools().insert(pool("p1", PoolType::docker_agent)).ok());
    ASSERT_TRUE(store_->pools().insert(pool("p2")).ok());
  }
};

TEST_F(WorkspaceRepositoryTest, EveryFieldRoundTrips) {
  WorkspaceRecord in = workspace("w1", "p1");
  in.name = "desktop";
  in.include_labels = {"os=linux", "gpu", "gpu"};
  in.exclude_labels = {"old", "gpu"};  // the store keeps what it is given; placement decides
  in.enabled = false;
  in.session_resources = {2000, int64_t{4} << 30, 1};
  in.created_at = kNow - 10;
  in.updated_at = kNow - 5;
  ASSERT_TRUE(store_->workspaces().insert(in).ok());
  reopen();

  auto got = store_->workspaces().get_by_name("desktop");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  const WorkspaceRecord& w = **got;
  EXPECT_EQ(w.id, "w1");
  EXPECT_EQ(w.pool_id, "p1");
  EXPECT_EQ(w.include_labels, (LabelSet{"gpu", "os=linux"}));
  EXPECT_EQ(w.exclude_labels, (LabelSet{"gpu", "old"}));
  EXPECT_FALSE(w.enabled);
  EXPECT_EQ(w.session_resources, in.session_resources);
  EXPECT_EQ(w.created_at, kNow - 10);
  EXPECT_EQ(w.updated_at, kNow - 5);
  EXPECT_EQ(w.revision, 1u);
  EXPECT_EQ(store_->workspaces().get("w1").value()->name, "desktop");
  EXPECT_FALSE(store_->workspaces().get_by_name("nope").value().has_value());
}

TEST_F(WorkspaceRepositoryTest, InsertRefusesMissingFieldsTakenNamesAndUnknownPools) {
  auto& workspaces = store_->workspaces();
  ASSERT_TRUE(workspaces.insert(workspace("w1", "p1")).ok());
  WorkspaceRecord same_name = workspace("w2", "p2");
  same_name.name = "ws-w1";
  EXPECT_EQ(workspaces.insert(same_name).code(), ErrorCode::already_exists);
  EXPECT_EQ(workspaces.insert(workspace("w3", "no-such-pool")).code(), ErrorCode::failed_precondition);
  EXPECT_EQ(workspaces.insert(workspace("w4", "")).code(), ErrorCode::invalid_argument);
  WorkspaceRecord negative = workspace("w5", "p1");
  negative.session_resources.memory_bytes = -1;
  EXPECT_EQ(workspaces.insert(negative).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(row_count("workspaces"), "1");
  EXPECT_EQ(row_count("workspace_labels"), "1");
}

TEST_F(WorkspaceRepositoryTest, UpdateIsCompareAndSetAndChecksThePool) {
  auto& workspaces = store_->workspaces();
  ASSERT_TRUE(workspaces.insert(workspace("w1", "p1")).ok());
  ASSERT_TRUE(workspaces.insert(workspace("w2", "p1")).ok());

  WorkspaceRecord edit = workspace("w1", "p2");
  edit.include_labels = {"b"};
  edit.exclude_labels = {"c", "a"};
  edit.enabled = false;
  edit.session_resources.gpus = 3;
  edit.updated_at = kNow + 9;
  ASSERT_EQ(workspaces.update(edit, 1).value(), UpdateOutcome::updated);
  WorkspaceRecord w = workspaces.get("w1").value().value();
  EXPECT_EQ(w.pool_id, "p2");
  EXPECT_EQ(w.include_labels, LabelSet{"b"});
  EXPECT_EQ(w.exclude_labels, (LabelSet{"a", "c"}));
  EXPECT_FALSE(w.enabled);
  EXPECT_EQ(w.session_resources.gpus, 3);
  EXPECT_EQ(w.revision, 2u);
  EXPECT_EQ(w.created_at, kNow);

  WorkspaceRecord elsewhere = w;
  elsewhere.pool_id = "no-such-pool";
  EXPECT_EQ(workspaces.update(elsewhere, 2).value(), UpdateOutcome::pool_not_found);
  EXPECT_EQ(workspaces.update(elsewhere, 1).value(), UpdateOutcome::revision_mismatch);
  WorkspaceRecord taken = w;
  taken.name = "ws-w2";
  EXPECT_EQ(workspaces.update(taken, 2).value(), UpdateOutcome::name_taken);
  EXPECT_EQ(workspaces.update(workspace("ghost", "p1"), 1).value(), UpdateOutcome::not_found);
  WorkspaceRecord unchanged = workspaces.get("w1").value().value();
  EXPECT_EQ(unchanged.revision, 2u);
  EXPECT_EQ(unchanged.pool_id, "p2");
  EXPECT_EQ(unchanged.exclude_labels, (LabelSet{"a", "c"}));
}

TEST_F(WorkspaceRepositoryTest, RemoveIsRefusedWhileSessionsRunAndKeepsEndedOnes) {
  ASSERT_TRUE(store_->servers().insert(server("s1", "p1")).ok());
  ASSERT_TRUE(store_->workspaces().insert(workspace("w1", "p1")).ok());
  add_session(reserved("x1", "p1", "s1", "w1"));
  EXPECT_EQ(store_->workspaces().remove("w1").value(), RemoveOutcome::has_sessions);
  ASSERT_EQ(store_->sessions().end("x1", SessionEndReason::admin, kNow + 5).value(), SessionEnding::ended);
  EXPECT_EQ(store_->workspaces().remove("w1").value(), RemoveOutcome::removed);
  EXPECT_EQ(store_->workspaces().remove("w1").value(), RemoveOutcome::not_found);
  EXPECT_EQ(row_count("workspace_labels"), "0");
  EXPECT_EQ(store_->sessions().get("x1").value()->workspace_id, "");
}

TEST_F(WorkspaceRepositoryTest, ListFiltersByPoolAndPagesInIdOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->workspaces().insert(workspace("w" + std::to_string(i), i < 3 ? "p1" : "p2")).ok());
  }
  auto in_p1 = [&](const PageRequest& r) { return store_->workspaces().list({"p1"}, r); };
  auto every = [&](const PageRequest& r) { return store_->workspaces().list({}, r); };
  EXPECT_EQ(all_ids<WorkspaceRecord>(2, in_p1), (std::vector<std::string>{"w0", "w1", "w2"}));
  EXPECT_EQ(all_ids<WorkspaceRecord>(1, every), (std::vector<std::string>{"w0", "w1", "w2", "w3", "w4"}));
  EXPECT_EQ(store_->workspaces().list({"p2"}, {"", 5}).value().records.front().include_labels, LabelSet{"os=win"});
}

}  // namespace
}  // namespace corral::store
