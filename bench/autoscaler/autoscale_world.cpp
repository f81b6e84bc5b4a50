#include "bench/autoscaler/autoscale_world.h"

#include <cstdio>

#include "common/encoding.h"

namespace corral::bench {
namespace {

// A reserved session the manager placed and the agent has not confirmed yet: the broker counts
// it like an active one, and it does not expire while the bench runs.
store::SessionRecord reserved_session(const AutoscaleWorld::Pool& pool, const store::ServerRecord& server,
                                      const std::string& user, int64_t now) {
  store::SessionRecord s;
  s.id = random_uuid();
  s.workspace_id = pool.workspace_id;
  s.pool_id = pool.pool_id;
  s.server_id = server.id;
  s.user = user;
  s.state = store::SessionState::reserved;
  s.agent_session_id = s.id;
  s.reserved_at = now;
  s.reservation_expires_at = now + 24 * 3600;
  return s;
}

Status seed_config(store::Repositories& repos, const AutoscaleWorldShape& shape, size_t index,
                   const std::string& provider_id, int64_t now, AutoscaleWorld& world) {
  char name[32];
  std::snprintf(name, sizeof name, "as%04zu", index);
  AutoscaleWorld::Pool pool;
  pool.pool_id = random_uuid();
  pool.workspace_id = random_uuid();
  pool.config_id = random_uuid();

  store::PoolRecord p;
  p.id = pool.pool_id;
  p.name = name;
  p.created_at = p.updated_at = now;
  if (Status s = repos.pools().insert(p); !s.ok()) return s;
  store::WorkspaceRecord w;
  w.id = pool.workspace_id;
  w.name = name;
  w.pool_id = pool.pool_id;
  w.created_at = w.updated_at = now;
  if (Status s = repos.workspaces().insert(w); !s.ok()) return s;

  uint32_t available = 0;
  for (size_t i = 0; i < shape.servers_per_config; ++i) {
    store::ServerRecord server;
    server.id = random_uuid();
    server.pool_id = pool.pool_id;
    char host[48];
    std::snprintf(host, sizeof host, "%s-%03zu", name, i);
    server.hostname = host;
    server.address = server.hostname + ".bench.test";
    server.connection_port = 3389;
    server.max_sessions = shape.max_sessions;
    server.origin = store::ServerOrigin::autoscaled;
    server.autoscale_config_id = pool.config_id;
    server.created_at = server.updated_at = now;
    uint32_t sessions = 0;
    if (i % 10 == 9) {
      available += shape.max_sessions;  // booting: counted whole while it comes up
    } else {
      store::AgentRecord agent;
      agent.id = random_uuid();
      agent.certificate_serial = agent.id;
      agent.enrolled_at = now;
      if (Status s = repos.agents().insert(agent); !s.ok()) return s;
      server.agent_id = agent.id;
      server.vm_id = "vm-" + server.id;
      world.agent_ids.push_back(agent.id);
      sessions = i % 10 < 3 ? shape.max_sessions : shape.max_sessions - 1;
      available += shape.max_sessions - sessions;
    }
    if (Status s = repos.servers().insert(server); !s.ok()) return s;
    for (uint32_t k = 0; k < sessions; ++k) {
      const std::string user = std::string(host) + "-user" + std::to_string(k);
      if (Status s = repos.sessions().insert(reserved_session(pool, server, user, now)); !s.ok()) return s;
      ++world.sessions;
    }
    ++world.servers;
  }
  pool.minimum = available;

  store::AutoscaleConfigRecord c;
  c.id = pool.config_id;
  c.name = name;
  c.pool_id = pool.pool_id;
  c.provider_config_id = provider_id;
  c.max_instances = static_cast<int64_t>(shape.servers_per_config) * 2;
  c.minimum_available_sessions = available;
  c.max_sessions_per_server = shape.max_sessions;
  c.provision_timeout_seconds = 3600;  // the booting servers stay booting while the bench runs
  if (shape.schedule_every != 0 && index % shape.schedule_every == 0) {
    c.schedules.push_back(store::AutoscaleSchedule{store::kEveryDay, 0, store::kMinutesPerDay, "Europe/Berlin"});
  }
  c.created_at = c.updated_at = now;
  if (Status s = repos.autoscale_configs().insert(c); !s.ok()) return s;
  world.pools.push_back(std::move(pool));
  return {};
}

}  // namespace

Result<AutoscaleWorld> seed_autoscale_world(store::Store& store, const AutoscaleWorldShape& shape, int64_t now) {
  if (shape.max_sessions < 2) return error(ErrorCode::invalid_argument, "max_sessions must be at least 2");
  AutoscaleWorld world;
  Status written = store.unit_of_work([&](store::Repositories& repos) -> Status {
    store::ProviderConfigRecord provider;
    provider.id = random_uuid();
    provider.name = "bench";
    provider.plugin = kBenchPlugin;
    provider.config_json = R"({"region":"bench-1"})";
    provider.startup_script_template =
        "#!/bin/sh\nexport CORRAL_JOIN_TOKEN='{join_token}'\n"
        "corral-agent --hostname '{server_hostname}' --manager '{manager_url}'\n";
    provider.secret_paths = std::vector<std::string>{};
    provider.created_at = provider.updated_at = now;
    if (Status s = repos.provider_configs().insert(provider); !s.ok()) return s;
    for (size_t i = 0; i < shape.configs; ++i) {
      if (Status s = seed_config(repos, shape, i, provider.id, now, world); !s.ok()) return s;
    }
    return {};
  });
  if (!written.ok()) return written;
  return world;
}

}  // namespace corral::bench
