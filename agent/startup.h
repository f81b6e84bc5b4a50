// The agent process from resolved settings to exit: enroll if the data directory is new
// (retrying while the manager is unreachable), load the credentials, then run the channel until
// SIGTERM/SIGINT or a Shutdown command. main() calls run_agent() and returns its exit code.
#pragma once

#include "agent/settings.h"

namespace corral::agent {

// 0 after a clean stop, 1 when the agent cannot run (enrollment refused, unusable data dir).
int run_agent(const AgentSettings& settings);

}  // namespace corral::agent
