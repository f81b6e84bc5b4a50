// Fleet logic with a real SQLite store, a fake transport and a hand-moved clock.
#include "manager/fleet/agent_registry.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "manager/store/join_token_enrollment.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/core_loop.h"
#include "tests/unit/manager/fleet/fake_server_settings.h"
#include "tests/unit/manager/fleet/fake_transport.h"

namespace corral::manager {
namespace {

using namespace std::chrono_literals;
using corral::agent::v1::Envelope;

class AgentRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-registry-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = store::SqliteStore::open((dir_ / "db").string()).value();
    core_.emplace(*store_);
    enroll("agent-1", "aa01");
    enroll("agent-2", "aa02");
    registry_ = make_registry();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AgentRegistry> make_registry() {
    RegistrySettings settings;
    settings.heartbeat_interval_seconds = 10;
    settings.manager_version = "test";
    auto r = std::make_unique<AgentRegistry>(core_->store(), clock_, settings, transport_, events_, server_settings_);
    EXPECT_TRUE(r->load(*store_).ok());
    return r;
  }

  void enroll(const std::string& id, const std::string& serial) {
    store::JoinTokenRecord t;
    t.id = "tok-" + id;
    t.secret_sha256 = "x";
    t.created_at = 1;
    t.expires_at = unix_seconds(clock_.now()) + 100;
    ASSERT_TRUE(store_->join_tokens().insert(t).ok());
    store::AgentRecord a;
    a.id = id;
    a.certificate_serial = serial;
    a.enrolled_at = 1;
    auto enrolled = store::consume_join_token_and_enroll(*store_, t.id, unix_seconds(clock_.now()), a);
    ASSERT_TRUE(enrolled.ok() && *enrolled == store::EnrollOutcome::enrolled);
  }

  Envelope hello(uint64_t seq, const std::string& hostname = "h") {
    Envelope e;
    e.set_seq(seq);
    e.mutable_hello()->set_hostname(hostname);
    return e;
  }
  Envelope heartbeat(uint64_t seq) {
    Envelope e;
    e.set_seq(seq);
    e.mutable_heartbeat();
    return e;
  }
  Envelope capacity(uint64_t seq, uint32_t max_sessions, uint64_t generation) {
    Envelope e;
    e.set_seq(seq);
    e.mutable_capacity_report()->set_max_sessions(max_sessions);
    e.mutable_capacity_report()->set_generation(generation);
    return e;
  }
  // Enrolls n agents, connects each (conn 100 + i), and has each heard from a minute later, so the
  // next sweep writes every one's last-seen time. Their ids, in the registry's (sorted) order.
  std::vector<std::string> heard_from_many(size_t n) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < n; ++i) {
      ids.push_back("bulk-" + std::to_string(1000 + i));
      enroll(ids.back(), "bb" + std::to_string(1000 + i));
    }
    registry_ = make_registry();
    for (size_t i = 0; i < n; ++i) {
      registry_->on_connected(100 + i, ids[i], "bb" + std::to_string(1000 + i), "p");
      registry_->on_envelope(100 + i, hello(1));
    }
    clock_.advance(60s);
    for (size_t i = 0; i < n; ++i) registry_->on_envelope(100 + i, heartbeat(2));
    return ids;
  }
  corral::api::v1::AgentStatus status(const std::string& id) { return registry_->get(id).value().status(); }
  Result<corral::api::v1::Agent> revoke(const std::string& id) {
    return core_->await<Result<corral::api::v1::Agent>>([&](auto done) { registry_->revoke(id, std::move(done)); });
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<testing::CoreLoop> core_;
  testing::FakeTransport transport_;
  testing::FakeServerSettings server_settings_;
  FleetEvents events_;
  std::unique_ptr<AgentRegistry> registry_;
};

TEST_F(AgentRegistryTest, HelloIsAnsweredWithWelcomeAndStored) {
  registry_->on_connected(7, "agent-1", "aa01", "127.0.0.1");
  registry_->on_envelope(7, hello(1, "host-a"));
  ASSERT_EQ(transport_.sent[7].size(), 1u);
  const Envelope& w = transport_.sent[7][0];
  ASSERT_TRUE(w.has_welcome());
  EXPECT_EQ(w.welcome().agent_id(), "agent-1");
  EXPECT_EQ(w.welcome().heartbeat_interval_seconds(), 10u);
  EXPECT_EQ(w.seq(), 1u);
  EXPECT_EQ(w.ack(), 1u);
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_ONLINE);
  EXPECT_EQ(store_->agents().get("agent-1").value()->hello.hostname(), "host-a");
  EXPECT_EQ(status("agent-2"), corral::api::v1::AGENT_STATUS_OFFLINE);
}

TEST_F(AgentRegistryTest, WelcomeCarriesTheSettingsOfTheServerTheAgentBacksAsTheyAreThen) {
  registry_->on_connected(1, "agent-2", "aa02", "p");
  registry_->on_envelope(1, hello(1));
  EXPECT_FALSE(transport_.sent[1][0].welcome().has_settings()) << "agent-2 backs no server";

  BackedServer backed;
  backed.server_id = "srv-1";
  backed.settings.set_max_sessions(3);
  backed.settings.set_draining(true);
  (*backed.settings.mutable_labels())["os"] = "win";
  server_settings_.servers["agent-1"] = backed;
  registry_->on_connected(2, "agent-1", "aa01", "p");
  registry_->on_envelope(2, hello(1));
  const auto& w = transport_.sent[2][0].welcome();
  ASSERT_TRUE(w.has_settings());
  EXPECT_EQ(w.server_id(), "srv-1");
  EXPECT_EQ(w.settings().max_sessions(), 3u);
  EXPECT_TRUE(w.settings().draining());
  EXPECT_EQ(w.settings().labels().at("os"), "win");

  // Read at each Welcome, not once: a change reaches the next connection.
  server_settings_.servers["agent-1"].settings.set_draining(false);
  registry_->on_connected(3, "agent-1", "aa01", "p");
  registry_->on_envelope(3, hello(1));
  EXPECT_FALSE(transport_.sent[3][0].welcome().settings().draining());
}

TEST_F(AgentRegistryTest, UnknownRevokedOrMismatchedCertificatesAreClosed) {
  registry_->on_connected(1, "stranger", "ff", "p");
  EXPECT_EQ(transport_.closed[1], kCloseRevoked);
  registry_->on_connected(2, "agent-1", "not-the-enrolled-serial", "p");
  EXPECT_EQ(transport_.closed[2], kCloseRevoked);
  EXPECT_EQ(registry_->connected_count(), 0u);
}

TEST_F(AgentRegistryTest, FirstFrameMustBeHelloAndSeqMustIncrease) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, heartbeat(1));
  EXPECT_EQ(transport_.closed[1], kCloseProtocolError);

  registry_->on_connected(2, "agent-1", "aa01", "p");
  registry_->on_envelope(2, hello(1));
  registry_->on_envelope(2, heartbeat(1));
  EXPECT_EQ(transport_.closed[2], kCloseProtocolError);
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_OFFLINE);
}

TEST_F(AgentRegistryTest, MessagesFromANewerAgentAreSkippedNotFatal) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  Envelope future;  // body unknown to this build: decodes with no body set
  future.set_seq(2);
  registry_->on_envelope(1, future);
  EXPECT_EQ(transport_.closed.count(1), 0u);
  registry_->on_envelope(1, heartbeat(3));
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_ONLINE);
  // An agent may not send what only the manager sends.
  Envelope welcome;
  welcome.set_seq(4);
  welcome.mutable_welcome();
  registry_->on_envelope(1, welcome);
  EXPECT_EQ(transport_.closed[1], kCloseProtocolError);
}

TEST_F(AgentRegistryTest, SilentForThreeIntervalsIsMissingAndSpeakingBringsItBack) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  clock_.advance(29s);
  registry_->sweep();
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_ONLINE);
  clock_.advance(1s);
  registry_->sweep();
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_MISSING);
  registry_->on_envelope(1, heartbeat(2));
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_ONLINE);
}

TEST_F(AgentRegistryTest, CapacityIsWrittenOnlyWhenItChanges) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  registry_->on_envelope(1, capacity(2, 4, 1));
  EXPECT_EQ(store_->agents().get("agent-1").value()->capacity.max_sessions(), 4u);
  EXPECT_EQ(registry_->get("agent-1")->capacity().max_sessions(), 4u);

  // Put a marker in the stored row behind the registry's back: an unchanged report that was
  // written would overwrite it, one that was skipped leaves it.
  corral::agent::v1::CapacityReport marker;
  marker.set_max_sessions(99);
  ASSERT_TRUE(store_->agents().update_capacity("agent-1", marker).ok());
  registry_->on_envelope(1, capacity(3, 4, 1));
  EXPECT_EQ(store_->agents().get("agent-1").value()->capacity.max_sessions(), 99u) << "an unchanged report was written";

  registry_->on_envelope(1, capacity(4, 5, 2));
  EXPECT_EQ(store_->agents().get("agent-1").value()->capacity.max_sessions(), 5u);
}

TEST_F(AgentRegistryTest, LastSeenIsWrittenInBatchesAndSurvivesReload) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  clock_.advance(10s);
  registry_->on_envelope(1, heartbeat(2));
  registry_->sweep();
  EXPECT_NE(store_->agents().get("agent-1").value()->last_seen, unix_seconds(clock_.now()))
      << "written once a minute, not once per heartbeat interval";
  EXPECT_EQ(registry_->get("agent-1")->last_seen().seconds(), unix_seconds(clock_.now())) << "the API reads memory";
  clock_.advance(50s);
  registry_->on_envelope(1, heartbeat(3));
  int64_t expected = unix_seconds(clock_.now());
  registry_->sweep();
  EXPECT_EQ(store_->agents().get("agent-1").value()->last_seen, expected);
  auto reloaded = make_registry();
  EXPECT_EQ(reloaded->get("agent-1")->last_seen().seconds(), expected);
  EXPECT_EQ(reloaded->get("agent-1")->status(), corral::api::v1::AGENT_STATUS_OFFLINE);
}

// A large batch is written in parts, each queued when the one before is answered, so a
// placement's commit can run between them instead of waiting for every row.
TEST_F(AgentRegistryTest, ManyLastSeenTimesAreWrittenInPartsOneTurnApart) {
  const size_t n = 2 * AgentRegistry::kLastSeenRowsPerWrite + 10;
  std::vector<std::string> ids = heard_from_many(n);
  const int64_t expected = unix_seconds(clock_.now());
  int commits = 0;
  sqlite3_commit_hook(
      store_->connection().handle(),
      [](void* count) {
        ++*static_cast<int*>(count);
        return 0;
      },
      &commits);
  registry_->sweep();
  EXPECT_EQ(commits, 1) << "the sweep's own turn writes the first part only";
  EXPECT_EQ(store_->agents().get(ids.front()).value()->last_seen, expected);
  EXPECT_NE(store_->agents().get(ids.back()).value()->last_seen, expected);
  core_->drain();
  EXPECT_EQ(commits, 3);
  for (const std::string& id : ids) ASSERT_EQ(store_->agents().get(id).value()->last_seen, expected) << id;
  sqlite3_commit_hook(store_->connection().handle(), nullptr, nullptr);
}

// Shutdown stops the core, so parts still queued never run: the shutdown flush writes them.
TEST_F(AgentRegistryTest, TheShutdownFlushWritesWhatQueuedPartsHaveNotYet) {
  std::vector<std::string> ids = heard_from_many(AgentRegistry::kLastSeenRowsPerWrite + 10);
  const int64_t expected = unix_seconds(clock_.now());
  registry_->sweep();
  ASSERT_NE(store_->agents().get(ids.back()).value()->last_seen, expected);
  registry_->sweep(/*flush_now=*/true);
  for (const std::string& id : ids) ASSERT_EQ(store_->agents().get(id).value()->last_seen, expected) << id;
}

TEST_F(AgentRegistryTest, RevokeClosesTheConnectionAndRefusesTheSerial) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  auto revoked = revoke("agent-1");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->status(), corral::api::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ(transport_.closed[1], kCloseRevoked);
  EXPECT_EQ(transport_.revoked, std::vector<std::string>{"aa01"});
  EXPECT_EQ(store_->agents().list_revoked_serials().value(), std::vector<std::string>{"aa01"});
  registry_->on_connected(2, "agent-1", "aa01", "p");
  EXPECT_EQ(transport_.closed[2], kCloseRevoked);
  EXPECT_FALSE(revoke("nope").ok());
}

TEST_F(AgentRegistryTest, ANewConnectionReplacesTheOldOne) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  registry_->on_connected(2, "agent-1", "aa01", "p");
  EXPECT_EQ(transport_.closed[1], kCloseReplaced);
  registry_->on_envelope(2, hello(1));
  registry_->on_closed(1, "late close of the old connection");
  EXPECT_EQ(status("agent-1"), corral::api::v1::AGENT_STATUS_ONLINE);
}

TEST_F(AgentRegistryTest, CommandsNeedAConnectedAgentAndAnAction) {
  corral::agent::v1::Command drain;
  drain.mutable_drain()->set_enabled(true);
  EXPECT_EQ(registry_->send_command("agent-1", drain).status().code(), ErrorCode::failed_precondition);
  EXPECT_EQ(registry_->send_command("ghost", drain).status().code(), ErrorCode::not_found);
  registry_->on_connected(1, "agent-1", "aa01", "p");
  registry_->on_envelope(1, hello(1));
  EXPECT_EQ(registry_->send_command("agent-1", corral::agent::v1::Command{}).status().code(),
            ErrorCode::invalid_argument);
  auto id = registry_->send_command("agent-1", drain);
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(transport_.sent[1].size(), 2u);
  EXPECT_EQ(transport_.sent[1][1].command().command_id(), *id);
  EXPECT_EQ(transport_.sent[1][1].seq(), 2u);
}

// What an agent says about itself is stored, logged and printed: a Hello with control characters
// or over-long fields is a protocol error, and nothing of it is kept.
TEST_F(AgentRegistryTest, AHelloWithControlCharactersIsRefusedAndNotStored) {
  registry_->on_connected(1, "agent-1", "aa01", "p");
  Envelope e = hello(1, "evil\x1b]0;title\x07");
  registry_->on_envelope(1, e);
  EXPECT_EQ(transport_.closed[1], kCloseProtocolError);
  EXPECT_TRUE(transport_.sent[1].empty()) << "no Welcome";
  EXPECT_EQ(store_->agents().get("agent-1").value()->hello.hostname(), "");
  EXPECT_EQ(registry_->get("agent-1")->hostname(), "");
}

}  // namespace
}  // namespace corral::manager
