#include "manager/store/sqlite_migrator.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/manager/store/temp_dir.h"

namespace corral::store {
namespace {

using test_support::RawDb;
using test_support::TempDir;

class MigratorTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("m.db");
  RawDb db_{create()};

  std::string create() {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    sqlite3_close_v2(db);
    return path_;
  }
  bool has_table(const std::string& name) {
    return db_.query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'") == "1";
  }
};

TEST_F(MigratorTest, AppliesInOrderAndOnlyOnce) {
  const Migration v1[] = {{1, "CREATE TABLE a (x INTEGER)"}};
  ASSERT_TRUE(apply_migrations(db_.get(), v1, 100).ok());
  EXPECT_EQ(read_schema_version(db_.get()).value(), 1);
  db_.exec("INSERT INTO a VALUES (7)");

  // Re-running v1 would fail ("table a already exists"); adding v2 applies only v2.
  const Migration v2[] = {{1, "CREATE TABLE a (x INTEGER)"}, {2, "ALTER TABLE a ADD COLUMN y TEXT"}};
  Status s = apply_migrations(db_.get(), v2, 200);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(read_schema_version(db_.get()).value(), 2);
  EXPECT_EQ(db_.query("SELECT applied_at FROM schema_migrations WHERE version = 1"), "100");
  EXPECT_EQ(db_.query("SELECT applied_at FROM schema_migrations WHERE version = 2"), "200");
  EXPECT_EQ(db_.query("SELECT x FROM a"), "7");
  ASSERT_TRUE(apply_migrations(db_.get(), v2, 300).ok());
  EXPECT_EQ(db_.query("SELECT COUNT(*) FROM schema_migrations"), "2");
}

TEST_F(MigratorTest, FailingMigrationLeavesThePreviousVersion) {
  // Version 2 creates a table and then fails: the table and the version row must both be absent.
  const Migration list[] = {{1, "CREATE TABLE a (x INTEGER)"},
                            {2, "CREATE TABLE b (x INTEGER); THIS IS NOT SQL"},
                            {3, "CREATE TABLE c (x INTEGER)"}};
  Status s = apply_migrations(db_.get(), list, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("migration 2"), std::string::npos) << s.message();
  EXPECT_EQ(read_schema_version(db_.get()).value(), 1);
  EXPECT_TRUE(has_table("a"));
  EXPECT_FALSE(has_table("b"));
  EXPECT_FALSE(has_table("c"));
  EXPECT_EQ(sqlite3_get_autocommit(db_.get()), 1) << "transaction left open";
}

TEST_F(MigratorTest, NewerDatabaseIsRefusedNamingBothVersions) {
  const Migration list[] = {{1, "CREATE TABLE a (x INTEGER)"}};
  ASSERT_TRUE(apply_migrations(db_.get(), list, 100).ok());
  db_.exec("INSERT INTO schema_migrations VALUES (5, 1)");
  Status s = apply_migrations(db_.get(), list, 100);
  EXPECT_EQ(s.code(), ErrorCode::failed_precondition);
  EXPECT_NE(s.message().find("version 5"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("(1)"), std::string::npos) << s.message();
}

TEST_F(MigratorTest, MisnumberedListIsRejectedBeforeTouchingTheDatabase) {
  const Migration list[] = {{1, "CREATE TABLE a (x INTEGER)"}, {3, "CREATE TABLE c (x INTEGER)"}};
  EXPECT_EQ(apply_migrations(db_.get(), list, 100).code(), ErrorCode::internal);
  EXPECT_FALSE(has_table("a"));
}

}  // namespace
}  // namespace corral::store
