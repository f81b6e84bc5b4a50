// A FleetObserver that writes down what it hears, one line per event, for unit tests.
#pragma once

#include <string>
#include <vector>

#include "manager/fleet/fleet_events.h"

namespace corral::manager::testing {

class RecordingObserver : public FleetObserver {
 public:
  void on_agent_connected(const AgentConnectedEvent& e) override {
    lines.push_back("connected " + e.agent_id + " conn=" + std::to_string(e.conn));
  }
  void on_agent_welcomed(const AgentWelcomedEvent& e) override {
    lines.push_back("welcomed " + e.agent_id + " host=" + e.hello.hostname());
  }
  void on_capacity_changed(const CapacityChangedEvent& e) override {
    lines.push_back("capacity " + e.agent_id + " " + std::to_string(e.before.max_sessions()) + "->" +
                    std::to_string(e.after.max_sessions()));
  }
  void on_agent_missing(const AgentMissingEvent& e) override {
    lines.push_back("missing " + e.agent_id + " silent=" + std::to_string(e.silent_seconds));
  }
  void on_agent_back(const AgentBackEvent& e) override { lines.push_back("back " + e.agent_id); }
  void on_agent_disconnected(const AgentDisconnectedEvent& e) override {
    lines.push_back("disconnected " + e.agent_id + " (" + e.reason + ")");
  }
  void on_agent_revoked(const AgentRevokedEvent& e) override {
    lines.push_back("revoked " + e.agent_id + " serial=" + e.certificate_serial);
  }
  void on_command_finished(const CommandFinishedEvent& e) override {
    commands.push_back(e);
    lines.push_back("command " + e.agent_id + " " + command_outcome_name(e.outcome));
  }

  std::vector<std::string> take() { return std::exchange(lines, {}); }

  std::vector<std::string> lines;
  std::vector<CommandFinishedEvent> commands;
};

}  // namespace corral::manager::testing
