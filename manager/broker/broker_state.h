// What the broker holds in memory for each pool, server and session, and how a server's entry
// becomes the placement rule's ServerState. The store has the same facts; these add what only the
// running manager knows (is the agent connected, which writes are still in flight).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

#include "corral/agent/v1/agent.pb.h"
#include "manager/broker/placement.h"
#include "manager/broker/placement_index.h"
#include "manager/store/broker_records.h"

namespace corral::broker {

// What an agent accepts in PrepareSession (agent/host_commands.cpp): the broker places no session
// whose user an agent would refuse, and records no reported session beyond these bounds.
inline constexpr size_t kMaxSessionUserBytes = 256;
inline constexpr size_t kMaxAgentSessionIdBytes = 128;

struct PoolEntry {
  store::PoolRecord record;
  PlacementIndex index;
};

struct ServerEntry {
  store::ServerRecord record;
  // From FleetEvents: welcomed on its current connection, and not silent for too long.
  bool agent_connected = false;
  bool agent_missing = false;
  // Unix ms since when its agent has not been connected and heard (0 while it is): the
  // autoscaler deletes an autoscaled server whose agent stays away past host_dead_expiration.
  int64_t away_since_ms = 0;
  Resources reported;  // docker capacity totals from the agent's last report
  // Reserved and active sessions, those still being written included, and what they take.
  uint32_t sessions = 0;
  Resources used;
  // The agent's id of each of those sessions -> the session's id.
  std::unordered_map<std::string, std::string> by_agent_session;
  // Sessions ended here that the agent may still hold: a LogoffSession is owed until the agent
  // answers it or reports without them. Not counted, and not recorded again when reported.
  std::set<std::string> logoffs_owed;
};

struct SessionEntry {
  store::SessionRecord record;
  bool committed = false;   // its insert has been written
  bool activating = false;  // reserved -> active is being written
  bool ending = false;      // its end is being written
};

PoolSpec pool_spec(const store::PoolRecord& pool);
WorkspaceDemand workspace_demand(const store::WorkspaceRecord& workspace);
Resources resources(const store::ResourceAmounts& amounts);
// The docker capacity totals of a report.
Resources reported_totals(const corral::agent::v1::CapacityReport& report);
ServerState server_state(const ServerEntry& server);

}  // namespace corral::broker
