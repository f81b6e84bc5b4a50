// The prepared-statement cache, proven by what the connection holds rather than by timing:
// repeated calls prepare nothing new, and no statement is left stepped or holding bound values.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store {
namespace {

using test_support::kNow;
using test_support::SqliteStoreTest;

// Every statement alive on the connection, as SQLite itself lists them.
std::vector<sqlite3_stmt*> live_statements(sqlite3* db) {
  std::vector<sqlite3_stmt*> out;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s)) out.push_back(s);
  return out;
}

class StatementCacheTest : public SqliteStoreTest {
 protected:
  sqlite3* db() { return store_->connection().handle(); }

  // One round of the calls the core makes all day, reads and writes, through every repository.
  void one_round(int i) {
    auto& r = *store_;
    AgentRecord a = agent("agent-" + std::to_string(i), "serial-" + std::to_string(i));
    a.labels = {{"pool", "gpu"}};
    JoinTokenRecord t = token("tok-" + std::to_string(i), kNow + 60);
    t.labels = {{"pool", "gpu"}};
    ASSERT_TRUE(r.join_tokens().insert(t).ok());
    ASSERT_EQ(consume_join_token_and_enroll(r, t.id, kNow, a).value(), EnrollOutcome::enrolled);
    ASSERT_TRUE(r.join_tokens().get(t.id).value().has_value());
    ASSERT_TRUE(r.agents().get(a.id).value().has_value());
    ASSERT_FALSE(r.agents().list().value().empty());
    ASSERT_TRUE(r.agents().update_hello(a.id, {}, kNow + i).ok());
    ASSERT_TRUE(r.agents().update_last_seen({{a.id, kNow + i + 1}}).ok());
    ASSERT_TRUE(r.agents().revoke(a.id, kNow + i).ok());
    ASSERT_FALSE(r.agents().list_revoked_serials().value().empty());
    ASSERT_TRUE(r.leases().acquire("autoscaler", "m1", 1000, kNow * 1000 + i).value());
    ASSERT_TRUE(r.admin_tokens().get("none").ok());
  }
};

TEST_F(StatementCacheTest, RepeatedCallsPrepareNothingNew) {
  one_round(0);
  const uint64_t prepared = store_->connection().prepare_count();
  const size_t cached = store_->connection().cached_statements();
  ASSERT_GT(prepared, 0u);
  EXPECT_EQ(prepared, cached) << "each SQL text prepared once";

  for (int i = 1; i <= 50; ++i) one_round(i);
  EXPECT_EQ(store_->connection().prepare_count(), prepared);
  EXPECT_EQ(store_->connection().cached_statements(), cached);
  // Nothing prepared per call and left behind: SQLite holds exactly the cached statements.
  EXPECT_EQ(live_statements(db()).size(), cached);
}

TEST_F(StatementCacheTest, StatementsAreResetAndClearedAfterEachUse) {
  one_round(0);
  const std::string secret_hash(64, 'a');  // token() stores this as the secret's hash
  for (sqlite3_stmt* s : live_statements(db())) {
    // A stepped statement left unreset would hold a read snapshot and stop WAL checkpoints.
    EXPECT_FALSE(sqlite3_stmt_busy(s)) << sqlite3_sql(s);
    // Bound values are not kept: expanded SQL shows NULL for every parameter.
    char* expanded = sqlite3_expanded_sql(s);
    ASSERT_NE(expanded, nullptr);
    EXPECT_EQ(std::string(expanded).find(secret_hash), std::string::npos) << expanded;
    EXPECT_EQ(std::string(expanded).find("agent-0"), std::string::npos) << expanded;
    sqlite3_free(expanded);
  }
}

// A statement still in use when the same text is asked for again (a caller iterating while
// calling back in) gets a second, private statement rather than the one being stepped.
TEST(SqliteConnectionCache, SameTextWhileInUseGetsAFreshStatement) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  SqliteConnection conn(raw);
  {
    auto first = conn.statement("SELECT ?1", "first");
    ASSERT_TRUE(first.ok());
    first->bind_int64(1, 7);
    ASSERT_TRUE(first->step().value());
    auto second = conn.statement("SELECT ?1", "second");
    ASSERT_TRUE(second.ok());
    second->bind_int64(1, 8);
    ASSERT_TRUE(second->step().value());
    EXPECT_EQ(first->column_int64(0), 7);
    EXPECT_EQ(second->column_int64(0), 8);
    EXPECT_EQ(conn.prepare_count(), 2u);
    EXPECT_EQ(live_statements(raw).size(), 2u);
  }
  // The private one was finalized; the cached one stays for the next caller.
  EXPECT_EQ(live_statements(raw).size(), 1u);
  EXPECT_EQ(conn.cached_statements(), 1u);
  auto again = conn.statement("SELECT ?1", "again");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(conn.prepare_count(), 2u);
}

TEST(SqliteConnectionCache, BadSqlIsAnErrorNamingTheOperationAndIsNotCached) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  SqliteConnection conn(raw);
  auto bad = conn.statement("SELEKT 1", "read the thing");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("read the thing"), std::string::npos) << bad.status().message();
  EXPECT_EQ(conn.cached_statements(), 0u);
}

}  // namespace
}  // namespace corral::store
