// Agents: Hello and capacity BLOBs, labels, batched last-seen, revocation.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/unit/manager/store/agent_messages.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using google::protobuf::util::MessageDifferencer;
using test_support::full_capacity;
using test_support::full_hello;
using test_support::kNow;
using test_support::RawDb;
using test_support::SqliteStoreTest;

using AgentRepositoryTest = SqliteStoreTest;

TEST_F(AgentRepositoryTest, HelloCapacityAndLabelsRoundTrip) {
  AgentRecord a = agent("agent-a", "0abc");
  a.labels = {{"pool", "gpu"}, {"site", "lyon"}};
  a.server_id = "srv-7";
  a.hello.set_hostname("at-enroll");
  enroll(a);

  ASSERT_TRUE(store_->agents().update_hello("agent-a", full_hello(), kNow + 10).ok());
  ASSERT_TRUE(store_->agents().update_capacity("agent-a", full_capacity()).ok());

  auto got = store_->agents().get("agent-a");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  const AgentRecord& r = **got;
  EXPECT_EQ(r.id, "agent-a");
  EXPECT_EQ(r.certificate_serial, "0abc");
  EXPECT_EQ(r.enrolled_at, kNow);
  EXPECT_EQ(r.last_seen, kNow + 10);
  EXPECT_EQ(r.revoked_at, 0);
  EXPECT_EQ(r.server_id, "srv-7");
  EXPECT_EQ(r.labels, a.labels);
  EXPECT_TRUE(MessageDifferencer::Equals(r.hello, full_hello())) << r.hello.DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(r.capacity, full_capacity())) << r.capacity.DebugString();

  auto all = store_->agents().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].labels, a.labels);
  EXPECT_TRUE(MessageDifferencer::Equals((*all)[0].hello, full_hello()));
  EXPECT_TRUE(MessageDifferencer::Equals((*all)[0].capacity, full_capacity()));

  // A later Hello replaces the earlier one; an older seen_at does not move last_seen back.
  corral::agent::v1::Hello second;
  second.set_hostname("renamed");
  ASSERT_TRUE(store_->agents().update_hello("agent-a", second, kNow + 5).ok());
  got = store_->agents().get("agent-a");
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->hello, second));
  EXPECT_EQ((*got)->last_seen, kNow + 10);
}

TEST_F(AgentRepositoryTest, InsertRefusesEmptyIdsAndDuplicates) {
  EXPECT_EQ(store_->agents().insert(agent("", "01")).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store_->agents().insert(agent("a", "")).code(), ErrorCode::invalid_argument);
  AgentRecord a = agent("a", "01");
  a.join_token_id = "direct";
  ASSERT_TRUE(store_->agents().insert(a).ok());
  EXPECT_EQ(store_->agents().insert(agent("a", "02")).code(), ErrorCode::already_exists);
  AgentRecord same_serial = agent("b", "01");
  same_serial.labels = {{"k", "v"}};
  EXPECT_EQ(store_->agents().insert(same_serial).code(), ErrorCode::already_exists);
  EXPECT_FALSE(agent_exists("b"));
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM agent_labels"), "0");
}

TEST_F(AgentRepositoryTest, UpdatesOfUnknownAgentAreNotFound) {
  EXPECT_EQ(store_->agents().update_hello("ghost", full_hello(), kNow).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->agents().update_capacity("ghost", full_capacity()).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->agents().revoke("ghost", kNow).code(), ErrorCode::not_found);
  auto got = store_->agents().get("ghost");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(AgentRepositoryTest, ListIsOrderedByEnrollmentThenId) {
  enroll(agent("c", "03", kNow + 1));
  enroll(agent("b", "02", kNow));
  enroll(agent("a", "01", kNow + 1));
  auto all = store_->agents().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "b");
  EXPECT_EQ((*all)[1].id, "a");
  EXPECT_EQ((*all)[2].id, "c");
}

TEST_F(AgentRepositoryTest, BatchedLastSeenMovesForwardOnly) {
  enroll(agent("a", "01"));
  enroll(agent("b", "02"));
  enroll(agent("c", "03"));
  auto& agents = store_->agents();
  ASSERT_TRUE(agents.update_last_seen({{"a", kNow + 10}, {"ghost", kNow + 10}, {"b", kNow + 20}}).ok());
  EXPECT_EQ(agents.get("a").value()->last_seen, kNow + 10);
  EXPECT_EQ(agents.get("b").value()->last_seen, kNow + 20);
  EXPECT_EQ(agents.get("c").value()->last_seen, 0);

  // Out-of-order batch: the older time for a is ignored, the newer for c applied; the same id
  // twice in one batch keeps the latest.
  ASSERT_TRUE(agents.update_last_seen({{"a", kNow + 5}, {"c", kNow + 30}, {"c", kNow + 31}, {"c", kNow + 29}}).ok());
  EXPECT_EQ(agents.get("a").value()->last_seen, kNow + 10);
  EXPECT_EQ(agents.get("c").value()->last_seen, kNow + 31);
  EXPECT_TRUE(agents.update_last_seen({}).ok());
}

TEST_F(AgentRepositoryTest, LastSeenBatchIsOneTransaction) {
  constexpr int kAgents = 200;
  std::vector<std::pair<std::string, int64_t>> batch;
  for (int i = 0; i < kAgents; ++i) {
    std::string id = "agent-" + std::to_string(i);
    enroll(agent(id, "s" + std::to_string(i)));
    batch.emplace_back(id, kNow + i + 1);
  }
  RawDb raw(path_);
  // Empty the WAL, then count the frames the batch appends: every commit writes at least one
  // page frame, so one write per agent would append at least kAgents frames, while one
  // transaction rewrites only the few pages holding the rows.
  // The store's own checkpointer may be mid-run (the enrollments grew the WAL); a second
  // checkpoint is refused as busy until it ends, so ask again until this one runs.
  while (raw.query("PRAGMA wal_checkpoint(TRUNCATE)") != "0") std::this_thread::yield();
  ASSERT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
  ASSERT_TRUE(store_->agents().update_last_seen(batch).ok());

  const auto page_size = std::stoull(raw.query("PRAGMA page_size"));
  const auto wal_size = std::filesystem::file_size(path_ + "-wal");
  const auto frames = (wal_size - 32) / (24 + page_size);
  EXPECT_LT(frames, static_cast<uintmax_t>(kAgents / 4)) << "WAL frames appended by one batch: " << frames;
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM agents WHERE last_seen > 0"), std::to_string(kAgents));
}

TEST_F(AgentRepositoryTest, RevokeKeepsFirstTimeAndListsSerials) {
  enroll(agent("a", "0a"));
  enroll(agent("b", "0b"));
  enroll(agent("c", "0c"));
  auto& agents = store_->agents();
  EXPECT_TRUE(agents.list_revoked_serials().value().empty());

  ASSERT_TRUE(agents.revoke("c", kNow + 100).ok());
  ASSERT_TRUE(agents.revoke("a", kNow + 200).ok());
  ASSERT_TRUE(agents.revoke("c", kNow + 300).ok());
  EXPECT_EQ(agents.get("c").value()->revoked_at, kNow + 100);
  EXPECT_EQ(agents.get("a").value()->revoked_at, kNow + 200);
  EXPECT_EQ(agents.get("b").value()->revoked_at, 0);
  EXPECT_EQ(agents.list_revoked_serials().value(), (std::vector<std::string>{"0c", "0a"}));
  EXPECT_EQ(agents.revoke("b", 0).code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace corral::store
