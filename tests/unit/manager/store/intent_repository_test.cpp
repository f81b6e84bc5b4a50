// The autoscaler's intent log: append once per idempotency key, record the VM id, mark done
// once, and list what a restart must resume.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::RawDb;
using test_support::SqliteStoreTest;

class IntentRepositoryTest : public SqliteStoreTest {
 protected:
  static IntentRecord intent(const std::string& id, int64_t created_at, IntentKind kind = IntentKind::create_vm) {
    IntentRecord i;
    i.id = id;
    i.kind = kind;
    i.idempotency_key = "key-" + id;
    i.provider_config_id = "pc-1";
    i.autoscale_config_id = "as-1";
    i.server_id = "srv-" + id;
    i.ownership_tags = {{"corral-manager", "m1"}, {"corral-pool", "gpu"}};
    i.payload = std::string("\x00\x01\xff payload", 11);
    i.created_at = created_at;
    return i;
  }
};

TEST_F(IntentRepositoryTest, AppendRoundTripsEveryField) {
  IntentRecord in = intent("i1", kNow, IntentKind::delete_vm);
  in.vm_id = "vm-9";
  ASSERT_TRUE(store_->intents().append(in).ok());
  reopen();
  auto got = store_->intents().get("i1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().to_string();
  const IntentRecord& r = **got;
  EXPECT_EQ(r.kind, IntentKind::delete_vm);
  EXPECT_EQ(r.idempotency_key, "key-i1");
  EXPECT_EQ(r.provider_config_id, "pc-1");
  EXPECT_EQ(r.autoscale_config_id, "as-1");
  EXPECT_EQ(r.server_id, "srv-i1");
  EXPECT_EQ(r.vm_id, "vm-9");
  EXPECT_EQ(r.ownership_tags, in.ownership_tags);
  EXPECT_EQ(r.payload, in.payload);
  EXPECT_EQ(r.created_at, kNow);
  EXPECT_EQ(r.done_at, 0);
  EXPECT_EQ(r.outcome, "");
  EXPECT_FALSE(store_->intents().get("ghost").value().has_value());
}

TEST_F(IntentRepositoryTest, DuplicateIdempotencyKeyIsAlreadyExistsAndWritesNothing) {
  ASSERT_TRUE(store_->intents().append(intent("i1", kNow)).ok());
  IntentRecord again = intent("i2", kNow + 1);
  again.idempotency_key = "key-i1";
  again.ownership_tags = {{"other", "tag"}};
  EXPECT_EQ(store_->intents().append(again).code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->intents().append(intent("i1", kNow + 2)).code(), ErrorCode::already_exists);
  EXPECT_FALSE(store_->intents().get("i2").value().has_value());
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM intent_tags WHERE key = 'other'"), "0");
}

TEST_F(IntentRepositoryTest, AppendRejectsIncompleteIntents) {
  IntentRecord no_key = intent("i1", kNow);
  no_key.idempotency_key.clear();
  EXPECT_EQ(store_->intents().append(no_key).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store_->intents().append(intent("", kNow)).code(), ErrorCode::invalid_argument);
  IntentRecord done = intent("i1", kNow);
  done.done_at = kNow;
  EXPECT_EQ(store_->intents().append(done).code(), ErrorCode::invalid_argument);
}

TEST_F(IntentRepositoryTest, MarkDoneKeepsTheFirstOutcome) {
  ASSERT_TRUE(store_->intents().append(intent("i1", kNow)).ok());
  ASSERT_TRUE(store_->intents().mark_done("i1", "created vm-9", kNow + 10).ok());
  ASSERT_TRUE(store_->intents().mark_done("i1", "failed: late retry", kNow + 20).ok());
  auto got = store_->intents().get("i1").value();
  EXPECT_EQ(got->done_at, kNow + 10);
  EXPECT_EQ(got->outcome, "created vm-9");
  EXPECT_EQ(store_->intents().mark_done("ghost", "x", kNow).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->intents().mark_done("i1", "x", 0).code(), ErrorCode::invalid_argument);
}

TEST_F(IntentRepositoryTest, VmIdIsRecordedOnce) {
  ASSERT_TRUE(store_->intents().append(intent("i1", kNow)).ok());
  ASSERT_TRUE(store_->intents().set_vm_id("i1", "vm-1").ok());
  // The same answer again (a retried step) is fine; another VM is not.
  EXPECT_TRUE(store_->intents().set_vm_id("i1", "vm-1").ok());
  EXPECT_EQ(store_->intents().set_vm_id("i1", "vm-2").code(), ErrorCode::failed_precondition);
  EXPECT_EQ(store_->intents().get("i1").value()->vm_id, "vm-1");
  EXPECT_EQ(store_->intents().set_vm_id("ghost", "vm-1").code(), ErrorCode::not_found);
  EXPECT_EQ(store_->intents().set_vm_id("i1", "").code(), ErrorCode::invalid_argument);
}

TEST_F(IntentRepositoryTest, ListUnfinishedIsOrderedByCreationThenIdWithTags) {
  ASSERT_TRUE(store_->intents().append(intent("c", kNow + 1)).ok());
  ASSERT_TRUE(store_->intents().append(intent("b", kNow)).ok());
  ASSERT_TRUE(store_->intents().append(intent("a", kNow + 1)).ok());
  IntentRecord finished = intent("d", kNow - 5);
  ASSERT_TRUE(store_->intents().append(finished).ok());
  ASSERT_TRUE(store_->intents().mark_done("d", "deleted", kNow).ok());

  auto open = store_->intents().list_unfinished();
  ASSERT_TRUE(open.ok()) << open.status().to_string();
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].id, "b");
  EXPECT_EQ((*open)[1].id, "a");
  EXPECT_EQ((*open)[2].id, "c");
  for (const auto& i : *open) EXPECT_EQ(i.ownership_tags, finished.ownership_tags) << i.id;

  ASSERT_TRUE(store_->intents().mark_done("b", "created", kNow + 2).ok());
  EXPECT_EQ(store_->intents().list_unfinished().value().size(), 2u);
}

TEST_F(IntentRepositoryTest, ListForServerGivesEveryIntentOfOneServerAndPayloadsCanBeReplaced) {
  IntentRecord create = intent("c", kNow);
  create.server_id = "srv-x";
  IntentRecord remove = intent("r", kNow + 5, IntentKind::delete_vm);
  remove.server_id = "srv-x";
  ASSERT_TRUE(store_->intents().append(remove).ok());
  ASSERT_TRUE(store_->intents().append(create).ok());
  ASSERT_TRUE(store_->intents().append(intent("other", kNow)).ok());
  ASSERT_TRUE(store_->intents().mark_done("c", "created", kNow + 1).ok());

  // A done intent's payload still changes: the secret it held is dropped after the fact.
  ASSERT_TRUE(store_->intents().set_payload("c", "without the secret").ok());
  reopen();
  auto listed = store_->intents().list_for_server("srv-x");
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "c");
  EXPECT_EQ((*listed)[0].payload, "without the secret");
  EXPECT_EQ((*listed)[0].ownership_tags, create.ownership_tags);
  EXPECT_EQ((*listed)[1].id, "r");
  EXPECT_TRUE(store_->intents().list_for_server("srv-none").value().empty());
  EXPECT_EQ(store_->intents().set_payload("ghost", "x").code(), ErrorCode::not_found);
}

}  // namespace
}  // namespace corral::store
