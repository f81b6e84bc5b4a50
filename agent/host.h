// What this host offers the manager, across connections: its capacity (max sessions, draining,
// the sessions its backend holds) and its labels, and the Welcome settings and commands that
// change them. AgentRuntime owns one on the core thread; each connection's AgentSession hands it
// what the manager sends and reports its capacity. Rules: docs/agent-sessions.md.
#pragma once

#include <cstdint>

#include "agent/capacity.h"
#include "agent/sessions/session_backend.h"
#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::agent {

struct CommandOutcome {
  corral::agent::v1::CommandResult result;  // command_id set
  bool shutdown = false;                    // Shutdown: answer, then stop the agent
};

class Host {
 public:
  // HELLO's labels are the agent's own (config file) until the manager sets them. BACKEND
  // outlives the host.
  Host(corral::agent::v1::Hello hello, uint32_t max_sessions, sessions::SessionBackend& backend,
       uint64_t first_generation);

  // The Hello for the next connection: the labels last applied, the backend's kind.
  const corral::agent::v1::Hello& hello() const { return hello_; }
  const Capacity& capacity() const { return capacity_; }

  // Welcome.settings: the manager's values replace the agent's (config file or earlier commands).
  // Labels that break a limit are refused as a whole (logged); the other values still apply.
  void apply(const corral::agent::v1::ServerSettings& settings);
  CommandOutcome execute(const corral::agent::v1::Command& command);
  // Re-reads the backend's sessions; true when they changed (a new generation).
  bool refresh_sessions();

 private:
  struct Answer {
    corral::agent::v1::CommandFailure failure = corral::agent::v1::COMMAND_FAILURE_UNSPECIFIED;
    std::string message;
  };
  Answer prepare(const corral::agent::v1::PrepareSession& request);
  Answer logoff(const std::string& session_id);
  Status set_labels(const google::protobuf::Map<std::string, std::string>& labels);

  corral::agent::v1::Hello hello_;
  sessions::SessionBackend& backend_;
  Capacity capacity_;
};

}  // namespace corral::agent
