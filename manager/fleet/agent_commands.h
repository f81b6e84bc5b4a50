// How a component sends a command to a connected agent without holding the agent registry: the
// broker sends PrepareSession, LogoffSession and the settings commands through it and hears how
// each ended from FleetEvents (CommandFinishedEvent). AgentRegistry implements it.
#pragma once

#include <string>

#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::manager {

class AgentCommands {
 public:
  virtual ~AgentCommands() = default;
  // The command's id (one is made when the command has none); failed_precondition when the agent
  // is not connected, not_found when it is unknown. Finishes later with exactly one
  // CommandFinishedEvent.
  virtual Result<std::string> send_command(const std::string& agent_id, corral::agent::v1::Command command) = 0;
};

}  // namespace corral::manager
