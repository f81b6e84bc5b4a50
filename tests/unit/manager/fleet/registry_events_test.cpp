// What the registry publishes to FleetEvents, event by event, with a real SQLite store, a fake
// transport and a hand-moved clock.
#include <gtest/gtest.h>

#include <filesystem>

#include "manager/fleet/agent_registry.h"
#include "manager/store/join_token_enrollment.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/core_loop.h"
#include "tests/unit/manager/fleet/fake_server_settings.h"
#include "tests/unit/manager/fleet/fake_transport.h"
#include "tests/unit/manager/fleet/recording_observer.h"

namespace corral::manager {
namespace {

using namespace std::chrono_literals;
using corral::agent::v1::Envelope;
using Lines = std::vector<std::string>;

class RegistryEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-events-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = store::SqliteStore::open((dir_ / "db").string()).value();
    for (const char* id : {"agent-1", "agent-2"}) {
      store::JoinTokenRecord t;
      t.id = std::string("tok-") + id;
      t.secret_sha256 = "x";
      t.expires_at = unix_seconds(clock_.now()) + 100;
      ASSERT_TRUE(store_->join_tokens().insert(t).ok());
      store::AgentRecord a;
      a.id = id;
      a.certificate_serial = std::string("serial-") + id;
      a.enrolled_at = 1;
      a.server_id = std::string("server-of-") + id;
      auto enrolled = store::consume_join_token_and_enroll(*store_, t.id, unix_seconds(clock_.now()), a);
      ASSERT_TRUE(enrolled.ok() && *enrolled == store::EnrollOutcome::enrolled);
    }
    RegistrySettings settings;
    settings.heartbeat_interval_seconds = 10;
    settings.command_timeout = 60s;
    core_.emplace(*store_);
    registry_ =
        std::make_unique<AgentRegistry>(core_->store(), clock_, settings, transport_, events_, server_settings_);
    ASSERT_TRUE(registry_->load(*store_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void greet(ConnId conn, const std::string& id) {
    registry_->on_connected(conn, id, "serial-" + id, "10.0.0.9");
    Envelope e;
    e.set_seq(next_seq(conn));
    e.mutable_hello()->set_hostname("host-" + id);
    registry_->on_envelope(conn, e);
  }
  void capacity(ConnId conn, uint32_t max_sessions) {
    Envelope e;
    e.set_seq(next_seq(conn));
    e.mutable_capacity_report()->set_max_sessions(max_sessions);
    registry_->on_envelope(conn, e);
  }
  void heartbeat(ConnId conn) {
    Envelope e;
    e.set_seq(next_seq(conn));
    e.mutable_heartbeat();
    registry_->on_envelope(conn, e);
  }
  void answer(ConnId conn, const std::string& command_id, bool ok) {
    Envelope e;
    e.set_seq(next_seq(conn));
    e.mutable_command_result()->set_command_id(command_id);
    e.mutable_command_result()->set_ok(ok);
    registry_->on_envelope(conn, e);
  }
  uint64_t next_seq(ConnId conn) { return ++seq_[conn]; }
  Result<corral::api::v1::Agent> revoke(const std::string& id) {
    return core_->await<Result<corral::api::v1::Agent>>([&](auto done) { registry_->revoke(id, std::move(done)); });
  }
  static corral::agent::v1::Command drain() {
    corral::agent::v1::Command c;
    c.mutable_drain()->set_enabled(true);
    return c;
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<testing::CoreLoop> core_;
  testing::FakeTransport transport_;
  testing::FakeServerSettings server_settings_;
  FleetEvents events_;
  testing::RecordingObserver seen_;
  FleetEvents::Subscription subscription_ = events_.subscribe(seen_);
  std::unique_ptr<AgentRegistry> registry_;
  std::map<ConnId, uint64_t> seq_;
};

TEST_F(RegistryEventsTest, ConnectedThenWelcomedWithTheHello) {
  greet(1, "agent-1");
  EXPECT_EQ(seen_.take(), (Lines{"connected agent-1 conn=1", "welcomed agent-1 host=host-agent-1"}));
}

TEST_F(RegistryEventsTest, RefusedConnectionsAreNotEvents) {
  registry_->on_connected(1, "stranger", "ff", "p");
  registry_->on_connected(2, "agent-1", "wrong-serial", "p");
  EXPECT_TRUE(seen_.take().empty());
}

TEST_F(RegistryEventsTest, CapacityChangesCarryTheOldAndNewReportAndRepeatsAreSilent) {
  greet(1, "agent-1");
  seen_.take();
  capacity(1, 4);
  capacity(1, 4);
  heartbeat(1);
  capacity(1, 6);
  EXPECT_EQ(seen_.take(), (Lines{"capacity agent-1 0->4", "capacity agent-1 4->6"}));
}

TEST_F(RegistryEventsTest, CapacityIsComparedWithWhatTheStoreKnewAcrossReconnects) {
  greet(1, "agent-1");
  capacity(1, 4);
  registry_->on_closed(1, "network");
  seen_.take();
  greet(2, "agent-1");
  capacity(2, 4);
  EXPECT_EQ(seen_.take(), (Lines{"connected agent-1 conn=2", "welcomed agent-1 host=host-agent-1"}));
}

TEST_F(RegistryEventsTest, MissingAfterThreeSilentIntervalsAndBackWhenHeard) {
  greet(1, "agent-1");
  seen_.take();
  clock_.advance(30s);
  registry_->sweep();
  registry_->sweep();
  EXPECT_EQ(seen_.take(), Lines{"missing agent-1 silent=30"});
  heartbeat(1);
  heartbeat(1);
  EXPECT_EQ(seen_.take(), Lines{"back agent-1"});
}

TEST_F(RegistryEventsTest, DisconnectsSayWhyWhetherClosedReplacedOrRevoked) {
  greet(1, "agent-1");
  registry_->on_closed(1, "network");
  greet(2, "agent-1");
  greet(3, "agent-1");  // replaces 2
  seen_.take();
  ASSERT_TRUE(revoke("agent-1").ok());
  EXPECT_EQ(seen_.take(),
            (Lines{"revoked agent-1 serial=serial-agent-1", "disconnected agent-1 (certificate revoked)"}));
  EXPECT_TRUE(revoke("agent-1").ok());
  EXPECT_TRUE(seen_.take().empty()) << "revoking twice is one revocation";
}

TEST_F(RegistryEventsTest, AReplacedConnectionIsOneDisconnect) {
  greet(1, "agent-1");
  seen_.take();
  greet(2, "agent-1");
  registry_->on_closed(1, "late close of the old connection");
  EXPECT_EQ(seen_.take(), (Lines{"disconnected agent-1 (replaced by a newer connection)", "connected agent-1 conn=2",
                                 "welcomed agent-1 host=host-agent-1"}));
}

TEST_F(RegistryEventsTest, AnAnsweredCommandFinishesOnceWithTheCommandSent) {
  greet(1, "agent-1");
  seen_.take();
  auto id = registry_->send_command("agent-1", drain());
  ASSERT_TRUE(id.ok());
  answer(1, *id, true);
  answer(1, *id, true);  // a duplicate answer is ignored
  ASSERT_EQ(seen_.take(), Lines{"command agent-1 answered"});
  const CommandFinishedEvent& e = seen_.commands.at(0);
  EXPECT_EQ(e.command_id, *id);
  EXPECT_TRUE(e.command.has_drain());
  EXPECT_TRUE(e.result.ok());
}

TEST_F(RegistryEventsTest, AnAgentCannotAnswerAnotherAgentsCommand) {
  greet(1, "agent-1");
  greet(2, "agent-2");
  seen_.take();
  auto id = registry_->send_command("agent-1", drain());
  ASSERT_TRUE(id.ok());
  answer(2, *id, true);
  EXPECT_TRUE(seen_.take().empty());
  answer(1, *id, false);
  EXPECT_EQ(seen_.take(), Lines{"command agent-1 answered"});
  EXPECT_FALSE(seen_.commands.at(0).result.ok());
}

TEST_F(RegistryEventsTest, AnUnansweredCommandTimesOutAndALateAnswerIsIgnored) {
  greet(1, "agent-1");
  seen_.take();
  auto id = registry_->send_command("agent-1", drain());
  ASSERT_TRUE(id.ok());
  clock_.advance(59s);
  heartbeat(1);  // keep the agent from going missing
  registry_->sweep();
  EXPECT_TRUE(seen_.take().empty());
  clock_.advance(1s);
  registry_->sweep();
  EXPECT_EQ(seen_.take(), Lines{"command agent-1 timed_out"});
  answer(1, *id, true);
  EXPECT_TRUE(seen_.take().empty());
}

TEST_F(RegistryEventsTest, CommandsInFlightAreLostWithTheirConnectionBeforeTheDisconnect) {
  greet(1, "agent-1");
  seen_.take();
  auto first = registry_->send_command("agent-1", drain());
  auto second = registry_->send_command("agent-1", drain());
  ASSERT_TRUE(first.ok() && second.ok());
  registry_->on_closed(1, "network");
  EXPECT_EQ(seen_.take(), (Lines{"command agent-1 connection_lost", "command agent-1 connection_lost",
                                 "disconnected agent-1 (network)"}));
  EXPECT_EQ(seen_.commands.at(0).command_id, *first);
  EXPECT_EQ(seen_.commands.at(1).command_id, *second);
}

TEST_F(RegistryEventsTest, ACommandIdStillPendingCannotBeReused) {
  greet(1, "agent-1");
  corral::agent::v1::Command c = drain();
  c.set_command_id("mine");
  ASSERT_TRUE(registry_->send_command("agent-1", c).ok());
  EXPECT_EQ(registry_->send_command("agent-1", c).status().code(), ErrorCode::already_exists);
  answer(1, "mine", true);
  EXPECT_TRUE(registry_->send_command("agent-1", c).ok()) << "once finished the id is free again";
}

// An observer that reacts to an event by calling back into the registry sees a consistent state.
TEST_F(RegistryEventsTest, ObserversMayActOnTheRegistryWhileHearingAnEvent) {
  struct Revoker : FleetObserver {
    AgentRegistry* registry = nullptr;
    void on_agent_missing(const AgentMissingEvent& e) override {
      registry->revoke(e.agent_id, [](Result<corral::api::v1::Agent> r) { EXPECT_TRUE(r.ok()); });
    }
  } revoker;
  revoker.registry = registry_.get();
  auto sub = events_.subscribe(revoker);
  greet(1, "agent-1");
  greet(2, "agent-2");
  seen_.take();
  clock_.advance(30s);
  registry_->sweep();
  core_->drain();
  EXPECT_EQ(registry_->get("agent-1")->status(), corral::api::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ(registry_->get("agent-2")->status(), corral::api::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ(registry_->connected_count(), 0u);
}

}  // namespace
}  // namespace corral::manager
