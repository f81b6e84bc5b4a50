#include "bench/broker/broker_world.h"

#include <cstdio>

namespace corral::bench {

Result<BrokerWorld> seed_broker_world(store::Store& store, size_t servers, uint32_t max_sessions, int64_t now) {
  BrokerWorld world;
  world.pool_id = "pool-bench";
  world.workspace_id = "workspace-bench";
  Status written = store.unit_of_work([&](store::Repositories& repos) -> Status {
    store::PoolRecord pool;
    pool.id = world.pool_id;
    pool.name = "bench";
    pool.labels = {"site=bench"};
    pool.created_at = pool.updated_at = now;
    if (Status s = repos.pools().insert(pool); !s.ok()) return s;

    for (size_t i = 0; i < servers; ++i) {
      char suffix[24];
      std::snprintf(suffix, sizeof suffix, "%05zu", i);
      store::AgentRecord agent;
      agent.id = std::string("agent-") + suffix;
      agent.certificate_serial = std::string("serial-") + suffix;
      agent.enrolled_at = now;
      if (Status s = repos.agents().insert(agent); !s.ok()) return s;

      store::ServerRecord server;
      server.id = std::string("server-") + suffix;
      server.pool_id = pool.id;
      server.hostname = std::string("host-") + suffix;
      server.address = server.hostname + ".bench.test";
      server.connection_port = 3389;
      server.max_sessions = max_sessions;
      // Two OS labels, so the workspace's label filter has work to do.
      server.labels = {i % 2 == 0 ? "os=win" : "os=win-server"};
      server.agent_id = agent.id;
      server.created_at = server.updated_at = now;
      if (Status s = repos.servers().insert(server); !s.ok()) return s;
      world.agent_ids.push_back(agent.id);
    }

    store::WorkspaceRecord workspace;
    workspace.id = world.workspace_id;
    workspace.name = "bench";
    workspace.pool_id = pool.id;
    workspace.exclude_labels = {"os=linux"};
    workspace.created_at = workspace.updated_at = now;
    return repos.workspaces().insert(workspace);
  });
  if (!written.ok()) return written;
  return world;
}

}  // namespace corral::bench
