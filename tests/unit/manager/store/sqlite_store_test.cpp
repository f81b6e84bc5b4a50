// Opening, migrating and trusting the SQLite file: what holds for the store as a whole rather
// than for one repository.
#include "manager/store/sqlite_store.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "manager/store/sqlite_migrations.h"
#include "manager/store/sqlite_migrator.h"
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
using test_support::TempDir;

int latest_version() { return sqlite_migrations().back().version; }

// --- opening and migrations -------------------------------------------------------------------

TEST_F(SqliteStoreTest, FreshDatabaseIsAtLatestVersionAndReopenIsIdempotent) {
  ASSERT_EQ(store_->schema_version().value(), latest_version());
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_migrations().size()));
  std::string applied_at = raw.query("SELECT applied_at FROM schema_migrations WHERE version = 1");

  reopen();
  reopen();
  EXPECT_EQ(store_->schema_version().value(), latest_version());
  EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_migrations().size()));
  // Not re-applied: the original row is untouched.
  EXPECT_EQ(raw.query("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied_at);
}

TEST(SqliteMigrations, AreNumberedFromOneWithoutGaps) {
  auto migrations = sqlite_migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
}

// A database written by the release before intents and leases opens with its rows intact and
// gains the new tables.
TEST(SqliteStoreUpgrade, VersionTwoDatabaseIsMigratedKeepingItsRows) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    sqlite3* created = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &created, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    sqlite3_close_v2(created);
    RawDb raw(path);
    ASSERT_TRUE(apply_migrations(raw.get(), sqlite_migrations().first(2), kNow).ok());
    raw.exec("INSERT INTO admin_tokens (id, secret_sha256, name, created_at) VALUES ('adm', 'h', 'ops', 1)");
  }
  auto opened = SqliteStore::open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  auto& store = **opened;
  EXPECT_EQ(store.schema_version().value(), latest_version());
  ASSERT_EQ(store.admin_tokens().list().value().size(), 1u);
  IntentRecord intent;
  intent.id = "i1";
  intent.idempotency_key = "k1";
  intent.created_at = kNow;
  EXPECT_TRUE(store.intents().append(intent).ok());
  EXPECT_TRUE(store.leases().acquire("autoscaler", "m1", 1000, kNow * 1000).value());
}

TEST_F(SqliteStoreTest, WalModeIsActiveAndPersistent) {
  RawDb raw(path_);
  // journal_mode=WAL is stored in the file, so a fresh connection sees it too.
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, DatabaseFileIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  store_.reset();
  const int future = latest_version() + 1;
  {
    RawDb raw(path_);
    raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(future) + ", 1)");
  }
  auto opened = SqliteStore::open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(opened.status().message().find(std::to_string(future)), std::string::npos) << opened.status().message();
  EXPECT_NE(opened.status().message().find("(" + std::to_string(latest_version()) + ")"), std::string::npos)
      << opened.status().message();
}

TEST(SqliteStoreOpen, FileThatIsNotADatabaseIsRefused) {
  TempDir dir;
  std::string path = dir.file("garbage.db");
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string junk(4096, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto opened = SqliteStore::open(path);
  ASSERT_FALSE(opened.ok());
  // The error names the file, so an operator knows which one to look at.
  EXPECT_NE(opened.status().message().find(path), std::string::npos) << opened.status().message();
}

TEST(SqliteStoreOpen, MissingDirectoryIsAnErrorNotACrash) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.file("no/such/dir/corral.db"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::unavailable);
  EXPECT_FALSE(SqliteStore::open("").ok());
}

// --- durability and safety ---------------------------------------------------------------------

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  AgentRecord a = agent("agent-a", "0a");
  a.labels = {{"pool", "gpu"}};
  enroll(a);
  ASSERT_TRUE(store_->agents().update_hello("agent-a", full_hello(), kNow + 1).ok());
  ASSERT_TRUE(store_->agents().update_capacity("agent-a", full_capacity()).ok());
  ASSERT_TRUE(store_->agents().update_last_seen({{"agent-a", kNow + 50}}).ok());
  ASSERT_TRUE(store_->agents().revoke("agent-a", kNow + 60).ok());
  JoinTokenRecord t = token("spare", kNow + 600);
  t.labels = {{"k", "v"}};
  ASSERT_TRUE(store_->join_tokens().insert(t).ok());
  ASSERT_TRUE(store_->admin_tokens().insert({"adm", "hash", "ops", kNow}).ok());

  reopen();

  auto got = store_->agents().get("agent-a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->labels, a.labels);
  EXPECT_EQ((*got)->last_seen, kNow + 50);
  EXPECT_EQ((*got)->revoked_at, kNow + 60);
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->hello, full_hello()));
  EXPECT_TRUE(MessageDifferencer::Equals((*got)->capacity, full_capacity()));
  EXPECT_EQ(stored_token("tok-agent-a").used_by_agent, "agent-a");
  EXPECT_EQ(stored_token("spare").labels, t.labels);
  EXPECT_EQ(store_->agents().list_revoked_serials().value(), std::vector<std::string>{"0a"});
  ASSERT_EQ(store_->admin_tokens().list().value().size(), 1u);
}

TEST_F(SqliteStoreTest, ValuesAreBoundNotSpliced) {
  const std::string nasty = "x'); DROP TABLE agents; --";
  AgentRecord a = agent(nasty, "'01'");
  a.labels = {{"'k'", "\"v\""}};
  enroll(a);
  auto got = store_->agents().get(nasty);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->certificate_serial, "'01'");
  EXPECT_EQ((*got)->labels, a.labels);
  EXPECT_EQ(store_->agents().list().value().size(), 1u);
}

TEST_F(SqliteStoreTest, CorruptBlobIsReportedNotCrashed) {
  enroll(agent("agent-a", "01"));
  {
    RawDb raw(path_);
    raw.exec("UPDATE agents SET hello = x'ffffffff' WHERE id = 'agent-a'");
  }
  auto got = store_->agents().get("agent-a");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::internal);
  EXPECT_NE(got.status().message().find("agent-a"), std::string::npos);
  EXPECT_FALSE(store_->agents().list().ok());
}

}  // namespace
}  // namespace corral::store
