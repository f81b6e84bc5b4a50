// The Host with the real managed backend: the admission rules of PrepareSession (draining, max
// sessions, repeats), the answers each refusal gets, and the manager's settings.
#include "agent/host.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent/sessions/managed_backend.h"
#include "tests/unit/agent/temp_dir.h"

namespace corral::agent {
namespace {

namespace v1 = corral::agent::v1;
using testing::TempDir;

class HostTest : public ::testing::Test {
 protected:
  HostTest() : backend_(open_backend()), host_(hello(), 2, *backend_, 100) {}

  std::unique_ptr<sessions::ManagedBackend> open_backend() {
    auto b = sessions::ManagedBackend::open(dir_.file("sessions.json"), clock_);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return std::move(b).value();
  }

  static v1::Hello hello() {
    v1::Hello h;
    h.set_hostname("host-1");
    (*h.mutable_labels())["zone"] = "a";
    return h;
  }

  v1::CommandResult prepare(const std::string& id, const std::string& user = "alice") {
    v1::Command c;
    c.set_command_id("prepare-" + id);
    c.mutable_prepare_session()->set_session_id(id);
    c.mutable_prepare_session()->set_user(user);
    c.mutable_prepare_session()->set_workspace_id("ws-1");
    return host_.execute(c).result;
  }

  v1::CommandResult logoff(const std::string& id) {
    v1::Command c;
    c.set_command_id("logoff-" + id);
    c.mutable_logoff_session()->set_session_id(id);
    return host_.execute(c).result;
  }

  v1::CommandResult drain(bool enabled) {
    v1::Command c;
    c.set_command_id("drain");
    c.mutable_drain()->set_enabled(enabled);
    return host_.execute(c).result;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<sessions::ManagedBackend> backend_;
  Host host_;
};

TEST_F(HostTest, HelloNamesTheManagedBackend) {
  ASSERT_EQ(host_.hello().backends_size(), 1);
  EXPECT_EQ(host_.hello().backends(0), v1::BACKEND_KIND_MANAGED);
}

TEST_F(HostTest, PrepareUpToMaxSessionsThenFull) {
  v1::CommandResult r = prepare("s1");
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.command_id(), "prepare-s1");
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_UNSPECIFIED);
  EXPECT_TRUE(prepare("s2", "bob").ok());
  EXPECT_EQ(host_.capacity().sessions().size(), 2u);
  EXPECT_EQ(host_.capacity().generation(), 102u) << "one generation per change";

  r = prepare("s3", "carol");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_FULL);
  EXPECT_NE(r.message().find("maximum of 2"), std::string::npos) << r.message();
  EXPECT_EQ(host_.capacity().sessions().size(), 2u);

  // A repeat of a session it holds is still ok: it has its slot.
  r = prepare("s2", "bob");
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.message(), "already prepared");
  EXPECT_EQ(host_.capacity().generation(), 102u);

  // Logging one off frees its slot.
  EXPECT_TRUE(logoff("s1").ok());
  EXPECT_TRUE(prepare("s3", "carol").ok());
}

TEST_F(HostTest, DrainingRefusesNewSessionsButNotRepeats) {
  ASSERT_TRUE(prepare("s1").ok());
  ASSERT_TRUE(drain(true).ok());
  v1::CommandResult r = prepare("s2", "bob");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_DRAINING);
  EXPECT_NE(r.message().find("draining"), std::string::npos);
  EXPECT_TRUE(prepare("s1").ok()) << "a repeat is answered as before";
  EXPECT_TRUE(logoff("s1").ok()) << "draining lets sessions end";
  ASSERT_TRUE(drain(false).ok());
  EXPECT_TRUE(prepare("s2", "bob").ok());
}

TEST_F(HostTest, MaxSessionsZeroTakesNone) {
  v1::Command set;
  set.mutable_set_max_sessions()->set_max_sessions(0);
  ASSERT_TRUE(host_.execute(set).result.ok());
  EXPECT_EQ(prepare("s1").failure(), v1::COMMAND_FAILURE_FULL);
}

TEST_F(HostTest, RefusalsCarryTheirFailure) {
  ASSERT_TRUE(prepare("s1", "alice").ok());
  EXPECT_EQ(prepare("s1", "mallory").failure(), v1::COMMAND_FAILURE_SESSION_CONFLICT);

  v1::CommandResult r = prepare("", "alice");
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_INVALID_ARGUMENT);
  EXPECT_NE(r.message().find("session_id"), std::string::npos) << r.message();
  r = prepare("s2", "");
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_INVALID_ARGUMENT);
  EXPECT_NE(r.message().find("user"), std::string::npos) << r.message();
  r = prepare("s2", "eve\nlevel=error");
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_INVALID_ARGUMENT) << "no control characters into logs";
  EXPECT_EQ(r.message().find("eve"), std::string::npos) << "never echoed";

  r = logoff("nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_UNKNOWN_SESSION);
  EXPECT_EQ(logoff("s1").failure(), v1::COMMAND_FAILURE_UNSPECIFIED);
  EXPECT_EQ(logoff("s1").failure(), v1::COMMAND_FAILURE_UNKNOWN_SESSION) << "the second logoff finds it gone";
}

TEST_F(HostTest, ABackendFailureIsReportedAndChangesNothing) {
  ASSERT_TRUE(prepare("s1").ok());
  uint64_t generation = host_.capacity().generation();
  std::filesystem::create_directory(dir_.file("sessions.json.tmp"));
  v1::CommandResult r = prepare("s2", "bob");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), v1::COMMAND_FAILURE_BACKEND);
  EXPECT_EQ(logoff("s1").failure(), v1::COMMAND_FAILURE_BACKEND);
  EXPECT_EQ(host_.capacity().sessions().size(), 1u);
  EXPECT_EQ(host_.capacity().generation(), generation);
}

TEST_F(HostTest, ARestartedAgentReportsItsSessions) {
  ASSERT_TRUE(prepare("s1").ok());
  auto backend = open_backend();
  Host restarted(hello(), 2, *backend, 5000);
  ASSERT_EQ(restarted.capacity().sessions().size(), 1u);
  EXPECT_EQ(restarted.capacity().sessions()[0].id(), "s1");
  EXPECT_EQ(restarted.capacity().report().sessions_size(), 1);
}

TEST_F(HostTest, ServerSettingsOverrideTheConfigFile) {
  v1::ServerSettings settings;
  settings.set_max_sessions(5);
  settings.set_draining(true);
  (*settings.mutable_labels())["pool"] = "blue";
  host_.apply(settings);
  EXPECT_EQ(host_.capacity().max_sessions(), 5u);
  EXPECT_TRUE(host_.capacity().draining());
  ASSERT_EQ(host_.hello().labels().size(), 1u) << "replaced, not merged";
  EXPECT_EQ(host_.hello().labels().at("pool"), "blue");

  // Bad labels are refused as a whole; the rest still applies.
  v1::ServerSettings bad;
  bad.set_max_sessions(6);
  (*bad.mutable_labels())["ok"] = "x";
  (*bad.mutable_labels())["bad"] = "line\nbreak";
  host_.apply(bad);
  EXPECT_EQ(host_.capacity().max_sessions(), 6u);
  EXPECT_FALSE(host_.capacity().draining());
  EXPECT_EQ(host_.hello().labels().at("pool"), "blue");
  EXPECT_EQ(host_.hello().labels().count("ok"), 0u);
}

}  // namespace
}  // namespace corral::agent
