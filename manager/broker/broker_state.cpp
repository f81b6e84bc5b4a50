#include "manager/broker/broker_state.h"

namespace corral::broker {

PoolSpec pool_spec(const store::PoolRecord& pool) {
  PoolSpec spec;
  spec.type = pool.type == store::PoolType::docker_agent ? PoolType::docker_agent : PoolType::server;
  spec.labels = pool.labels;
  spec.server_assignment = pool.server_assignment;
  return spec;
}

WorkspaceDemand workspace_demand(const store::WorkspaceRecord& workspace) {
  WorkspaceDemand demand;
  demand.include_labels = workspace.include_labels;
  demand.exclude_labels = workspace.exclude_labels;
  demand.need = resources(workspace.session_resources);
  return demand;
}

Resources resources(const store::ResourceAmounts& amounts) {
  return {amounts.cores_milli, amounts.memory_bytes, amounts.gpus};
}

Resources reported_totals(const corral::agent::v1::CapacityReport& report) {
  return {static_cast<int64_t>(report.cores_total_milli()), static_cast<int64_t>(report.memory_total_bytes()),
          static_cast<int64_t>(report.gpus_total())};
}

ServerState server_state(const ServerEntry& server) {
  const store::ServerRecord& r = server.record;
  ServerState state;
  state.id = r.id;
  state.labels = r.labels;
  state.enabled = r.enabled;
  state.draining = r.draining;
  state.agent_connected = server.agent_connected;
  state.agent_missing = server.agent_missing;
  state.created_at = r.created_at;
  state.sessions = server.sessions;
  state.max_sessions = r.max_sessions;
  // The rule takes one user per server today (docs/broker-model.md, "Decisions"); load() warns
  // about a server with more.
  if (!r.assigned_users.empty()) state.assigned_user = r.assigned_users.front();
  state.reported = server.reported;
  state.overrides = resources(r.resource_overrides);
  state.used = server.used;
  return state;
}

}  // namespace corral::broker
