// A Broker on a real SQLite store and a real AgentRegistry whose transport is fake, so each test
// plays the agents by hand: connect one (Hello, then the Welcome the registry sends), read the
// commands the broker sent it, answer them, send capacity reports. Time moves only when the test
// moves the clock; store answers arrive when the test drains the core.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manager/broker/broker.h"
#include "manager/fleet/agent_registry.h"
#include "tests/unit/manager/core_loop.h"
#include "tests/unit/manager/fleet/fake_transport.h"
#include "tests/unit/manager/store/broker_fixture.h"

namespace corral::broker::testing {

namespace v1 = corral::agent::v1;

class BrokerTest : public store::test_support::BrokerStoreTest {
 protected:
  // Pool p1 (server pool, label site=east), servers s1 and s2 (os=win, 2 sessions each) backed by
  // agents a1 and a2, workspace w1 (include os=win); the broker started on it. Tests that need
  // another world build it and call start().
  void SetUp() override;
  void TearDown() override;

  // Registry and broker (again) on the store as it is: what a manager restart does. They reach
  // the store through `exec`, by default the core's inline executor.
  void start(store::StoreExecutor* exec = nullptr);
  void stop();

  void add_agent(const std::string& agent_id);
  void add_server(const std::string& id, const std::string& agent_id, uint32_t max_sessions = 2);

  // The agent connects and says Hello; the registry welcomes it. Returns its connection.
  manager::ConnId connect(const std::string& agent_id);
  void disconnect(const std::string& agent_id);
  const v1::Welcome& welcome(const std::string& agent_id);
  // Commands sent to the agent since the last call.
  std::vector<v1::Command> commands(const std::string& agent_id);
  void answer(const std::string& agent_id, const v1::Command& command, bool ok,
              v1::CommandFailure failure = v1::COMMAND_FAILURE_UNSPECIFIED);
  // A CapacityReport listing these sessions (id -> state) with their user.
  void report(const std::string& agent_id, const std::map<std::string, v1::SessionState>& sessions,
              const std::string& user = "alice");
  void send_report(const std::string& agent_id, v1::CapacityReport report);

  // place() and end(), drained until answered.
  Result<PlaceOutcome> place(const std::string& workspace_id = "w1", const std::string& user = "alice");
  // The session placed (fails the test when it was refused or failed).
  store::SessionRecord placed(const std::string& workspace_id = "w1", const std::string& user = "alice");
  Result<store::SessionEnding> end(const std::string& session_id,
                                   store::SessionEndReason reason = store::SessionEndReason::user);

  store::SessionRecord stored(const std::string& session_id);
  void advance(std::chrono::seconds by) { clock_.advance(by); }

  ManualClock clock_{std::chrono::system_clock::time_point{std::chrono::seconds(store::test_support::kNow)}};
  std::optional<manager::testing::CoreLoop> core_;
  manager::testing::FakeTransport transport_;
  manager::FleetEvents events_;
  ServerSettingsTable settings_table_;
  BrokerSettings broker_settings_;
  std::unique_ptr<manager::AgentRegistry> registry_;
  std::unique_ptr<Broker> broker_;

 private:
  std::map<std::string, manager::ConnId> conns_;
  std::map<manager::ConnId, uint64_t> seqs_;
  std::map<manager::ConnId, size_t> read_;  // envelopes of the connection already looked at
  manager::ConnId next_conn_ = 1;
  uint64_t generation_ = 0;
  void send(manager::ConnId conn, v1::Envelope envelope);
};

}  // namespace corral::broker::testing
