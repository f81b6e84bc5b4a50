// The WAL is checkpointed by SqliteCheckpointer's thread and connection, never inside the core's
// commits. Proven on the files: the database file grows only when frames are copied back, and
// the WAL file stops growing once a RESTART checkpoint sends the writer back to its start. Each
// test keeps committing until what it waits for has happened, so the checkpointer runs against a
// busy writer.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/store/temp_dir.h"

namespace corral::store {
namespace {

using test_support::RawDb;
using test_support::TempDir;

// Enough commits for any test here many times over; reaching it means the checkpointer never ran.
constexpr int kMaxCommits = 200'000;

class CheckpointerTest : public ::testing::Test {
 protected:
  void open(CheckpointPolicy policy) {
    store_.reset();
    auto opened = SqliteStore::open(path_, policy);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
    ASSERT_NE(store_->checkpointer(), nullptr);
  }

  // One commit of one row; a long name so that every commit dirties pages of its own.
  void commit_row() {
    const std::string id = "adm" + std::to_string(rows_);
    Status s = store_->admin_tokens().insert({id, "h", std::string(1500, 'n'), rows_});
    ASSERT_TRUE(s.ok()) << s.to_string();
    ++rows_;
  }

  uintmax_t size_of(const std::string& file) const {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    return ec ? 0 : size;
  }

  TempDir dir_;
  std::string path_ = dir_.file("corral.db");
  std::unique_ptr<SqliteStore> store_;
  int64_t rows_ = 0;
};

TEST_F(CheckpointerTest, CoreCommitsNeverCheckpoint) {
  // No request ever reaches the thread: whatever reaches the database file came from a commit.
  open({.passive_every_pages = 1 << 30, .restart_above_pages = 1 << 30});
  const uintmax_t db_size = size_of(path_);
  // Past SQLite's default automatic checkpoint (1,000 pages), which would have run in a commit.
  while (size_of(path_ + "-wal") < 1200u * 4096u) {
    ASSERT_LT(rows_, kMaxCommits);
    commit_row();
  }
  EXPECT_EQ(size_of(path_), db_size);
  EXPECT_EQ(store_->checkpointer()->stats().requests, 0u);
  EXPECT_EQ(store_->checkpointer()->stats().passive_runs, 0u);
}

TEST_F(CheckpointerTest, PassiveCheckpointCopiesFramesBackWhileTheCoreCommits) {
  open({.passive_every_pages = 16, .restart_above_pages = 1 << 30});
  const uintmax_t db_size = size_of(path_);
  while (store_->checkpointer()->stats().wal_frames_backfilled == 0) {
    ASSERT_LT(rows_, kMaxCommits);
    commit_row();
  }
  const auto stats = store_->checkpointer()->stats();
  EXPECT_GT(stats.requests, 0u);
  EXPECT_GT(stats.passive_runs, 0u);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.restarts, 0u);
  // The rows reached the database file itself, not only the WAL.
  EXPECT_GT(size_of(path_), db_size);
}

TEST_F(CheckpointerTest, WalPastTheLimitIsRestartedFromItsStart) {
  open({.passive_every_pages = 8, .restart_above_pages = 64});
  while (store_->checkpointer()->stats().restarts == 0) {
    ASSERT_LT(rows_, kMaxCommits);
    commit_row();
  }
  // This thread is the only writer and saw the restart right after the commit it waited for, so
  // the next commits go to the start of the file: it does not grow. Without the restart they
  // would be appended past the 64 pages already there.
  const uintmax_t wal = size_of(path_ + "-wal");
  ASSERT_GT(wal, 64u * 4096u);
  for (int i = 0; i < 5; ++i) commit_row();
  EXPECT_EQ(size_of(path_ + "-wal"), wal);
  EXPECT_EQ(store_->checkpointer()->stats().failures, 0u);
  RawDb raw(path_);
  EXPECT_EQ(raw.query("SELECT count(*) FROM admin_tokens"), std::to_string(rows_));
}

TEST_F(CheckpointerTest, ClosingWhileCheckpointingLosesNothing) {
  open({.passive_every_pages = 2, .restart_above_pages = 32});
  while (store_->checkpointer()->stats().passive_runs == 0) {
    ASSERT_LT(rows_, kMaxCommits);
    commit_row();
  }
  // More commits, so the store closes with requests pending or a checkpoint under way.
  for (int i = 0; i < 200; ++i) commit_row();
  store_.reset();

  auto reopened = SqliteStore::open(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  auto tokens = (*reopened)->admin_tokens().list();
  ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
  EXPECT_EQ(static_cast<int64_t>(tokens->size()), rows_);
}

TEST(CheckpointerPolicy, NonPositivePageCountsAreRefused) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.file("corral.db"), {.passive_every_pages = 0, .restart_above_pages = 10});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(opened.status().to_string().find("checkpoint policy"), std::string::npos);
}

TEST(CheckpointerMemory, InMemoryStoreHasNoCheckpointer) {
  auto opened = SqliteStore::open(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  EXPECT_EQ((*opened)->checkpointer(), nullptr);
}

}  // namespace
}  // namespace corral::store
