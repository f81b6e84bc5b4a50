// Group commit: SqliteStore::commit_group runs several callers' writes in one transaction, and
// StoreExecutor's grouped_on_core mode puts everything submitted in one core turn into one group.
// Proven by counting commits with SQLite's commit hook and by reading from a second connection,
// which sees only what is committed: no done may run before its group's commit, a failed commit
// fails every member, and one member's error undoes nothing of the others.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "manager/store/sqlite_statement.h"
#include "manager/store/store_executor.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

class GroupCommitTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    sqlite3_commit_hook(
        store_->connection().handle(),
        [](void* self) {
          auto* t = static_cast<GroupCommitTest*>(self);
          ++t->commits_;
          return t->veto_commits_ ? 1 : 0;
        },
        this);
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &reader_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_close(reader_);
    if (store_) sqlite3_commit_hook(store_->connection().handle(), nullptr, nullptr);
  }

  static AdminTokenRecord admin(int i) { return {"adm" + std::to_string(i), "h", "n", kNow + i}; }

  // Whether another connection, which sees committed data only, finds the admin token.
  bool committed(int i) {
    auto stmt = Statement::prepare(reader_, "SELECT 1 FROM admin_tokens WHERE id = ?1", "read back");
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok()) return false;
    stmt->bind_text(1, "adm" + std::to_string(i));
    auto row = stmt->step();
    EXPECT_TRUE(row.ok()) << row.status().to_string();
    return row.ok() && *row;
  }

  void drain() {
    io_.restart();
    io_.run();
  }

  int commits_ = 0;
  bool veto_commits_ = false;
  sqlite3* reader_ = nullptr;
  boost::asio::io_context io_;
};

TEST_F(GroupCommitTest, MembersRunInOrderAndCommitOnce) {
  std::vector<Status> results(3);
  std::vector<size_t> order;
  Status group = store_->commit_group(3, [&](size_t i) {
    order.push_back(i);
    results[i] = store_->admin_tokens().insert(admin(static_cast<int>(i)));
  });
  ASSERT_TRUE(group.ok()) << group.to_string();
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(commits_, 1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(committed(i)) << i;
}

TEST_F(GroupCommitTest, AMembersErrorUndoesNothingOfTheOthers) {
  ASSERT_TRUE(store_->admin_tokens().insert(admin(1)).ok());
  std::vector<Status> results(3);
  Status group = store_->commit_group(3, [&](size_t i) {
    if (i == 1) {
      // A unit of work inside a member is a savepoint: its own rollback leaves the group alone.
      results[i] = store_->unit_of_work([](Repositories& r) -> Status {
        if (Status s = r.admin_tokens().insert(admin(7)); !s.ok()) return s;
        return r.admin_tokens().insert(admin(1));  // taken: the unit of work fails
      });
      return;
    }
    results[i] = store_->admin_tokens().insert(admin(static_cast<int>(i) + 10));
  });
  ASSERT_TRUE(group.ok()) << group.to_string();
  EXPECT_EQ(results[1].code(), ErrorCode::already_exists) << results[1].to_string();
  EXPECT_FALSE(committed(7)) << "the failed unit of work's first write was kept";
  EXPECT_TRUE(committed(10));
  EXPECT_TRUE(committed(12));
}

TEST_F(GroupCommitTest, ATransactionTheStoreGaveUpStopsTheGroupAndKeepsNothing) {
  std::vector<size_t> ran;
  Status group = store_->commit_group(3, [&](size_t i) {
    ran.push_back(i);
    ASSERT_TRUE(store_->admin_tokens().insert(admin(static_cast<int>(i))).ok());
    // What SQLite does by itself after SQLITE_FULL or an I/O error.
    if (i == 1) sqlite3_exec(store_->connection().handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  });
  EXPECT_EQ(group.code(), ErrorCode::unavailable) << group.to_string();
  EXPECT_EQ(ran, (std::vector<size_t>{0, 1})) << "a member ran outside the group's transaction";
  EXPECT_FALSE(committed(0));
  EXPECT_FALSE(committed(1));
}

TEST_F(GroupCommitTest, GroupsDoNotNestInsideUnitsOfWork) {
  bool ran = false;
  Status outer = store_->unit_of_work(
      [&](Repositories&) -> Status { return store_->commit_group(1, [&](size_t) { ran = true; }); });
  EXPECT_EQ(outer.code(), ErrorCode::failed_precondition) << outer.to_string();
  EXPECT_FALSE(ran);
}

TEST_F(GroupCommitTest, NoDoneRunsBeforeItsGroupIsCommitted) {
  StoreExecutor executor(*store_, io_.get_executor(), StoreExecutor::Mode::grouped_on_core);
  int delivered = 0;
  for (int i = 0; i < 5; ++i) {
    executor.submit([i](Store& s) { return s.admin_tokens().insert(admin(i)); },
                    [&, i](Status st) {
                      EXPECT_TRUE(st.ok()) << st.to_string();
                      EXPECT_EQ(commits_, 1) << "done " << i << " ran before the group's commit";
                      for (int j = 0; j < 5; ++j) EXPECT_TRUE(committed(j)) << "done " << i << ", token " << j;
                      ++delivered;
                    });
  }
  EXPECT_EQ(commits_, 0) << "grouped work ran inside submit()";
  EXPECT_FALSE(committed(0));
  drain();
  EXPECT_EQ(delivered, 5);
  EXPECT_EQ(commits_, 1) << "one core turn's work was not one commit";
}

TEST_F(GroupCommitTest, WorkOfALaterTurnIsANewGroup) {
  StoreExecutor executor(*store_, io_.get_executor(), StoreExecutor::Mode::grouped_on_core);
  int delivered = 0;
  executor.submit([](Store& s) { return s.admin_tokens().insert(admin(1)); },
                  [&](Status) {
                    ++delivered;
                    // Submitted from a done: the next turn, after this group's commit.
                    executor.submit([](Store& s) { return s.admin_tokens().insert(admin(2)); },
                                    [&](Status) { ++delivered; });
                  });
  drain();
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(commits_, 2);
}

TEST_F(GroupCommitTest, AFailedCommitFailsEveryMember) {
  StoreExecutor executor(*store_, io_.get_executor(), StoreExecutor::Mode::grouped_on_core);
  veto_commits_ = true;  // the commit hook turns COMMIT into a rollback
  std::vector<Status> statuses;
  std::optional<Result<int>> typed;
  executor.submit([](Store& s) { return s.admin_tokens().insert(admin(1)); },
                  [&](Status st) { statuses.push_back(st); });
  executor.submit(
      [](Store& s) -> Result<int> {
        if (Status st = s.admin_tokens().insert(admin(2)); !st.ok()) return st;
        return 42;
      },
      [&](Result<int> r) { typed = std::move(r); });
  drain();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_FALSE(statuses[0].ok()) << "a member was told its write succeeded though the commit failed";
  ASSERT_TRUE(typed.has_value());
  EXPECT_FALSE(typed->ok()) << "a typed member kept its value though the commit failed";
  EXPECT_FALSE(committed(1));
  EXPECT_FALSE(committed(2));
}

TEST_F(GroupCommitTest, AWaitingGroupIsWrittenAtShutdownButNotDelivered) {
  bool delivered = false;
  {
    StoreExecutor executor(*store_, io_.get_executor(), StoreExecutor::Mode::grouped_on_core);
    executor.submit([](Store& s) { return s.admin_tokens().insert(admin(1)); }, [&](Status) { delivered = true; });
  }
  EXPECT_TRUE(committed(1));
  drain();  // the run posted before shutdown finds the executor gone and does nothing
  EXPECT_FALSE(delivered);
}

}  // namespace
}  // namespace corral::store
