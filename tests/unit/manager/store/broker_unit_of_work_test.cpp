// The broker's writes inside units of work: a placement and the changes that go with it commit
// or roll back as one, across the session, server and workspace repositories.
#include <gtest/gtest.h>

#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::store {
namespace {

using test_support::BrokerStoreTest;
using test_support::kNow;

class BrokerUnitOfWorkTest : public BrokerStoreTest {
 protected:
  void SetUp() override {
    BrokerStoreTest::SetUp();
    add_world();
  }
};

TEST_F(BrokerUnitOfWorkTest, ASessionAndAServerChangeRollBackAsOne) {
  add_session(reserved("taken", "p1", "s1", "w1"));
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.sessions().insert(reserved("x1", "p1", "s1", "w1")); !w.ok()) return w;
    if (Status w = r.servers().set_draining("s1", true, kNow + 1); !w.ok()) return w;
    // Both are visible inside the unit...
    if (!r.sessions().get("x1").value().has_value() || !r.servers().get("s1").value()->draining)
      return error(ErrorCode::internal, "own writes not visible");
    // ...until a later write fails and the unit gives up.
    return r.sessions().insert(reserved("taken", "p1", "s1", "w1"));
  });
  EXPECT_EQ(s.code(), ErrorCode::already_exists) << s.to_string();
  EXPECT_FALSE(store_->sessions().get("x1").value().has_value());
  ServerRecord server = store_->servers().get("s1").value().value();
  EXPECT_FALSE(server.draining);
  EXPECT_EQ(server.revision, 1u);
  EXPECT_EQ(row_count("sessions"), "1");
}

TEST_F(BrokerUnitOfWorkTest, ASessionAndAServerChangeCommitAsOne) {
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.sessions().insert(reserved("x1", "p1", "s1", "w1")); !w.ok()) return w;
    auto activated = r.sessions().activate("x1", kNow + 1);
    if (!activated.ok()) return activated.status();
    auto rev = r.workspaces().update(workspace("w1", "p1"), 1);
    if (!rev.ok()) return rev.status();
    return r.servers().set_enabled("s1", false, kNow + 1);
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  reopen();
  EXPECT_EQ(store_->sessions().get("x1").value()->state, SessionState::active);
  EXPECT_FALSE(store_->servers().get("s1").value()->enabled);
  EXPECT_EQ(store_->workspaces().get("w1").value()->revision, 2u);
}

// A refused delete inside a unit of work is an answer, not an error: the unit goes on and its
// other writes commit.
TEST_F(BrokerUnitOfWorkTest, ARefusedRemoveLeavesTheRestOfTheUnitAlone) {
  RemoveOutcome outcome = RemoveOutcome::removed;
  Status s = store_->unit_of_work([&](Repositories& r) -> Status {
    if (Status w = r.sessions().insert(reserved("x1", "p1", "s1", "w1")); !w.ok()) return w;
    auto removed = r.servers().remove("s1");
    if (!removed.ok()) return removed.status();
    outcome = *removed;
    return {};
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(outcome, RemoveOutcome::has_sessions);
  EXPECT_TRUE(store_->sessions().get("x1").value().has_value());
  EXPECT_TRUE(store_->servers().get("s1").value().has_value());
}

}  // namespace
}  // namespace corral::store
