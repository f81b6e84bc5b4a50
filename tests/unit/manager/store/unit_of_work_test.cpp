// Units of work: several repositories' writes commit or roll back as one; each repository call
// inside stays all-or-nothing on its own; nothing thrown escapes; nesting is refused.
#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::RawDb;
using test_support::SqliteStoreTest;

class UnitOfWorkTest : public SqliteStoreTest {
 protected:
  // What another process sees: only committed rows.
  std::string count(const std::string& table) { return RawDb(path_).query("SELECT COUNT(*) FROM " + table); }
  bool no_transaction_open() { return sqlite3_get_autocommit(store_->connection().handle()) != 0; }
};

TEST_F(UnitOfWorkTest, WritesToSeveralRepositoriesCommitTogether) {
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.join_tokens().insert(token("t1", kNow + 60)); !w.ok()) return w;
    if (Status w = r.admin_tokens().insert({"adm", "hash", "ops", kNow}); !w.ok()) return w;
    // Reads inside see the unit's own writes.
    auto seen = r.join_tokens().get("t1");
    if (!seen.ok() || !seen->has_value()) return error(ErrorCode::internal, "own write not visible");
    return {};
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(count("join_tokens"), "1");
  EXPECT_EQ(count("admin_tokens"), "1");
  EXPECT_TRUE(no_transaction_open());
}

TEST_F(UnitOfWorkTest, AFailingSecondWriteUndoesTheFirst) {
  ASSERT_TRUE(store_->agents().insert(agent("taken", "01")).ok());
  IntentRecord intent;
  intent.id = "i1";
  intent.idempotency_key = "k1";
  intent.ownership_tags = {{"a", "b"}};
  intent.created_at = kNow;
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.join_tokens().insert(token("t1", kNow + 60)); !w.ok()) return w;
    if (Status w = r.intents().append(intent); !w.ok()) return w;
    return r.agents().insert(agent("taken", "02"));  // duplicate id
  });
  EXPECT_EQ(s.code(), ErrorCode::already_exists) << s.to_string();
  EXPECT_EQ(count("join_tokens"), "0");
  EXPECT_EQ(count("intents"), "0");
  EXPECT_EQ(count("intent_tags"), "0");
  EXPECT_FALSE(store_->join_tokens().get("t1").value().has_value());
  EXPECT_TRUE(no_transaction_open());
}

TEST_F(UnitOfWorkTest, AnErrorReturnedAfterSuccessfulWritesRollsThemBack) {
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.agents().insert(agent("a", "01")); !w.ok()) return w;
    return error(ErrorCode::failed_precondition, "changed my mind");
  });
  EXPECT_EQ(s.code(), ErrorCode::failed_precondition);
  EXPECT_EQ(s.message(), "changed my mind");
  EXPECT_FALSE(agent_exists("a"));
}

TEST_F(UnitOfWorkTest, AnExceptionRollsBackAndBecomesAnError) {
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.agents().insert(agent("a", "01")); !w.ok()) return w;
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(s.code(), ErrorCode::internal);
  EXPECT_NE(s.message().find("boom"), std::string::npos) << s.message();
  EXPECT_FALSE(agent_exists("a"));
  EXPECT_TRUE(no_transaction_open());

  s = store_->unit_of_work([](Repositories&) -> Status { throw 42; });
  EXPECT_EQ(s.code(), ErrorCode::internal);
  // The store is usable afterwards, units of work included.
  EXPECT_TRUE(store_->unit_of_work([&](Repositories& r) { return r.agents().insert(agent("b", "02")); }).ok());
  EXPECT_TRUE(agent_exists("b"));
}

TEST_F(UnitOfWorkTest, NestingIsRefusedWithoutRunningTheInnerWork) {
  bool inner_ran = false;
  Status inner;
  Status outer = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.agents().insert(agent("a", "01")); !w.ok()) return w;
    inner = store_->unit_of_work([&](Repositories&) -> Status {
      inner_ran = true;
      return {};
    });
    return {};  // the outer unit decides; here it carries on
  });
  EXPECT_TRUE(outer.ok()) << outer.to_string();
  EXPECT_FALSE(inner_ran);
  EXPECT_EQ(inner.code(), ErrorCode::failed_precondition);
  EXPECT_NE(inner.message().find("do not nest"), std::string::npos) << inner.message();
  EXPECT_TRUE(agent_exists("a"));
}

// A repository call that fails halfway inside a unit of work undoes its own rows (a savepoint)
// and leaves the unit's other writes alone: the caller decides about the whole.
TEST_F(UnitOfWorkTest, AFailedCallInsideUndoesOnlyItself) {
  {
    RawDb raw(path_);
    raw.exec(
        "CREATE TRIGGER refuse_label BEFORE INSERT ON agent_labels WHEN NEW.key = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'label refused'); END");
  }
  AgentRecord half = agent("half", "01");
  half.labels = {{"a", "fine"}, {"boom", "x"}};
  Status failed;
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.join_tokens().insert(token("t1", kNow + 60)); !w.ok()) return w;
    failed = r.agents().insert(half);  // the agent row and label "a" went in before "boom"
    return {};
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(count("join_tokens"), "1");
  EXPECT_EQ(count("agents"), "0");
  EXPECT_EQ(count("agent_labels"), "0");

  // Outside a unit of work the same call is its own transaction and leaves nothing either.
  EXPECT_FALSE(store_->agents().insert(half).ok());
  EXPECT_EQ(count("agents"), "0");
  EXPECT_TRUE(no_transaction_open());
}

}  // namespace
}  // namespace corral::store
