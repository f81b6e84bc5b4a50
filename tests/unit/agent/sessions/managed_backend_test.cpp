// The managed backend's table: what prepare and logoff do, that it survives a restart, that a
// failed write changes nothing, and that a damaged file stops the agent instead of being lost.
#include "agent/sessions/managed_backend.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/files.h"
#include "tests/unit/agent/temp_dir.h"

namespace corral::agent::sessions {
namespace {

using corral::agent::testing::TempDir;
using corral::agent::v1::PrepareSession;

PrepareSession request(const std::string& id, const std::string& user, const std::string& workspace = "ws-1") {
  PrepareSession p;
  p.set_session_id(id);
  p.set_user(user);
  p.set_workspace_id(workspace);
  return p;
}

class ManagedBackendTest : public ::testing::Test {
 protected:
  std::unique_ptr<ManagedBackend> open() {
    auto backend = ManagedBackend::open(path_, clock_);
    EXPECT_TRUE(backend.ok()) << backend.status().message();
    return backend.ok() ? std::move(backend).value() : nullptr;
  }

  TempDir dir_;
  std::string path_ = dir_.file("sessions.json");
  ManualClock clock_;
};

TEST_F(ManagedBackendTest, NoFileIsNoSessions) {
  auto backend = open();
  ASSERT_TRUE(backend);
  EXPECT_TRUE(backend->list().empty());
  EXPECT_EQ(backend->kind(), corral::agent::v1::BACKEND_KIND_MANAGED);
  EXPECT_FALSE(file_exists(path_)) << "nothing is written before the first change";
}

TEST_F(ManagedBackendTest, PrepareRecordsAnActiveSession) {
  auto backend = open();
  ASSERT_TRUE(backend);
  auto outcome = backend->prepare(request("s1", "alice"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(*outcome, PrepareOutcome::prepared);
  auto list = backend->list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id(), "s1");
  EXPECT_EQ(list[0].user(), "alice");
  EXPECT_EQ(list[0].workspace_id(), "ws-1");
  EXPECT_EQ(list[0].state(), corral::agent::v1::SESSION_STATE_ACTIVE);
  EXPECT_EQ(list[0].backend(), corral::agent::v1::BACKEND_KIND_MANAGED);
  EXPECT_EQ(list[0].started_at().seconds(), unix_seconds(clock_.now()));

  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "user names: the agent's own user only";
}

TEST_F(ManagedBackendTest, RepeatedPrepareIsIdempotentAndAnotherUserConflicts) {
  auto backend = open();
  ASSERT_TRUE(backend);
  ASSERT_TRUE(backend->prepare(request("s1", "alice")).ok());
  clock_.advance(std::chrono::seconds(30));
  auto again = backend->prepare(request("s1", "alice"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, PrepareOutcome::already_prepared);
  EXPECT_EQ(backend->list()[0].started_at().seconds(), unix_seconds(clock_.now()) - 30) << "not restarted";

  auto other_user = backend->prepare(request("s1", "bob"));
  ASSERT_FALSE(other_user.ok());
  EXPECT_EQ(other_user.status().code(), ErrorCode::already_exists);
  auto other_workspace = backend->prepare(request("s1", "alice", "ws-2"));
  ASSERT_FALSE(other_workspace.ok());
  EXPECT_EQ(other_workspace.status().code(), ErrorCode::already_exists);
  ASSERT_EQ(backend->list().size(), 1u);
  EXPECT_EQ(backend->list()[0].user(), "alice");
}

TEST_F(ManagedBackendTest, LogoffEndsASessionAndUnknownIdsAreNotFound) {
  auto backend = open();
  ASSERT_TRUE(backend);
  ASSERT_TRUE(backend->prepare(request("s1", "alice")).ok());
  ASSERT_TRUE(backend->prepare(request("s2", "bob")).ok());
  ASSERT_TRUE(backend->logoff("s1").ok());
  ASSERT_EQ(backend->list().size(), 1u);
  EXPECT_EQ(backend->list()[0].id(), "s2");

  Status again = backend->logoff("s1");
  EXPECT_EQ(again.code(), ErrorCode::not_found) << "already ended";
  EXPECT_NE(again.message().find("s1"), std::string::npos);
  EXPECT_EQ(backend->logoff("never").code(), ErrorCode::not_found);
  EXPECT_EQ(backend->list().size(), 1u);
}

TEST_F(ManagedBackendTest, TheTableSurvivesARestart) {
  {
    auto backend = open();
    ASSERT_TRUE(backend);
    ASSERT_TRUE(backend->prepare(request("s1", "alice")).ok());
    ASSERT_TRUE(backend->prepare(request("s2", "bob", "ws-9")).ok());
    ASSERT_TRUE(backend->prepare(request("s3", "carol")).ok());
    ASSERT_TRUE(backend->logoff("s1").ok());
  }
  auto backend = open();
  ASSERT_TRUE(backend);
  auto list = backend->list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id(), "s2");
  EXPECT_EQ(list[0].user(), "bob");
  EXPECT_EQ(list[0].workspace_id(), "ws-9");
  EXPECT_EQ(list[0].started_at().seconds(), unix_seconds(clock_.now()));
  EXPECT_EQ(list[1].id(), "s3");
  auto repeat = backend->prepare(request("s2", "bob", "ws-9"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(*repeat, PrepareOutcome::already_prepared) << "idempotent across a restart too";
}

TEST_F(ManagedBackendTest, AFailedWriteChangesNothing) {
  auto backend = open();
  ASSERT_TRUE(backend);
  ASSERT_TRUE(backend->prepare(request("s1", "alice")).ok());
  auto before = read_file(path_);
  ASSERT_TRUE(before.ok());

  // The temp file's name taken by a directory: the write fails before the rename.
  std::filesystem::create_directory(path_ + ".tmp");
  auto failed = backend->prepare(request("s2", "bob"));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("sessions.json.tmp"), std::string::npos) << failed.status().message();
  EXPECT_EQ(backend->list().size(), 1u) << "memory follows the file";
  Status logoff = backend->logoff("s1");
  EXPECT_FALSE(logoff.ok());
  EXPECT_NE(logoff.code(), ErrorCode::not_found) << "a failure of the backend, not an unknown session";
  EXPECT_EQ(backend->list().size(), 1u);
  auto after = read_file(path_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before) << "the old file is untouched";

  std::filesystem::remove(path_ + ".tmp");
  ASSERT_TRUE(backend->prepare(request("s2", "bob")).ok());
  EXPECT_EQ(open()->list().size(), 2u);
}

TEST_F(ManagedBackendTest, ADamagedFileStopsTheAgentAndIsKept) {
  for (const std::string& content :
       {std::string("{\"sessions\": [{\"id\": \"s1\""), std::string(""), std::string("not json"),
        std::string(R"({"sessions": [{"id": "s1"}, {"id": "s1"}]})"),
        std::string(R"({"sessions": [{"user": "alice"}]})"),
        std::string(R"({"sessions": [{"id": "s1", "started_at": "yesterday"}]})")}) {
    ASSERT_TRUE(write_file_atomic(path_, content, 0600).ok());
    auto backend = ManagedBackend::open(path_, clock_);
    ASSERT_FALSE(backend.ok()) << "loaded: " << content;
    EXPECT_EQ(backend.status().code(), ErrorCode::failed_precondition);
    const std::string& message = backend.status().message();
    EXPECT_EQ(message.rfind(path_, 0), 0u) << "names the file first: " << message;
    EXPECT_NE(message.find("move it aside"), std::string::npos) << message;
    auto still = read_file(path_);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(*still, content) << "not discarded";
  }
}

TEST_F(ManagedBackendTest, FieldsFromANewerAgentAreIgnored) {
  ASSERT_TRUE(
      write_file_atomic(path_, R"({"sessions": [{"id": "s1", "user": "alice", "colour": "red"}], "x": 1})", 0600).ok());
  auto backend = open();
  ASSERT_TRUE(backend);
  ASSERT_EQ(backend->list().size(), 1u);
  EXPECT_EQ(backend->list()[0].user(), "alice");
}

}  // namespace
}  // namespace corral::agent::sessions
