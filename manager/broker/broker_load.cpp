// Broker::load(): the broker's state from the store at start, before the core runs. Reservations
// that ran out while the manager was down are released here; those still within their time wait
// for the agent's report after it reconnects, or for the sweep (docs/broker.md, "Restarts").
#include <utility>
#include <vector>

#include "common/log.h"
#include "manager/broker/broker.h"
#include "manager/store/page.h"

namespace corral::broker {

using store::for_each_page;

Status Broker::load(store::Store& store) {
  if (Status s = load_pools(store); !s.ok()) return s;
  if (Status s = load_servers(store); !s.ok()) return s;
  if (Status s = load_workspaces(store); !s.ok()) return s;
  if (Status s = load_reports(store); !s.ok()) return s;
  if (Status s = load_sessions(store); !s.ok()) return s;
  make_room_for_sessions();
  log::info("broker.loaded", {{"pools", pools_.size()},
                              {"servers", servers_.size()},
                              {"workspaces", workspaces_.size()},
                              {"sessions", sessions_.size()},
                              {"reservations", expiries_.size()}});
  return {};
}

Status Broker::load_pools(store::Store& store) {
  return for_each_page<store::PoolRecord>([&](const store::PageRequest& p) { return store.pools().list(p); },
                                          [&](store::PoolRecord pool) {
                                            std::string id = pool.id;
                                            PlacementIndex index(pool_spec(pool));
                                            pools_.emplace(std::move(id), PoolEntry{std::move(pool), std::move(index)});
                                          });
}

Status Broker::load_servers(store::Store& store) {
  Status added;
  Status listed = for_each_page<store::ServerRecord>(
      [&](const store::PageRequest& p) { return store.servers().list({}, p); },
      [&](store::ServerRecord record) {
        PoolEntry* pool = nullptr;
        if (auto it = pools_.find(record.pool_id); it != pools_.end()) pool = &it->second;
        if (pool == nullptr || !added.ok()) return;
        if (record.assigned_users.size() > 1) {
          log::warn("broker.assignment_ignored", {{"server_id", record.id},
                                                  {"assigned_users", record.assigned_users.size()},
                                                  {"reason", "placement honours one assigned user per server"}});
        }
        std::string id = record.id;
        ServerEntry& server = servers_[id];
        server.record = std::move(record);
        if (!server.record.agent_id.empty()) {
          server_by_agent_[server.record.agent_id] = id;
          // Away from the start on: the manager has not heard it yet.
          server.away_since_ms = now_ms();
        }
        publish_settings(server);
        added = pool->index.add(server_state(server));
      });
  return listed.ok() ? added : listed;
}

Status Broker::load_workspaces(store::Store& store) {
  return for_each_page<store::WorkspaceRecord>(
      [&](const store::PageRequest& p) { return store.workspaces().list({}, p); },
      [&](store::WorkspaceRecord workspace) {
        // Built now, so no user waits for the first placement's scan of the pool.
        if (auto pool = pools_.find(workspace.pool_id); pool != pools_.end()) {
          pool->second.index.prepare(workspace_demand(workspace));
        }
        std::string id = workspace.id;
        workspaces_[std::move(id)] = std::move(workspace);
      });
}

Status Broker::load_reports(store::Store& store) {
  auto agents = store.agents().list();
  if (!agents.ok()) return agents.status();
  for (store::AgentRecord& agent : *agents) {
    if (ServerEntry* server = server_of_agent(agent.id)) {
      server->reported = reported_totals(agent.capacity);
      refresh(*server);
    }
    // Kept for every agent: one bound to a server later counts its capacity at once.
    reports_[agent.id] = std::move(agent.capacity);
  }
  return {};
}

Status Broker::load_sessions(store::Store& store) {
  auto unfinished = store.sessions().list_unfinished();
  if (!unfinished.ok()) return unfinished.status();
  const int64_t t = now();
  size_t released = 0;
  for (store::SessionRecord& r : *unfinished) {
    if (r.state == store::SessionState::reserved && r.reservation_expires_at <= t) {
      auto ended = store.sessions().end(r.id, store::SessionEndReason::expired_reservation, t);
      if (!ended.ok()) return ended.status();
      ++released;
      log::info("broker.reservation_expired", {{"session_id", r.id}, {"server_id", r.server_id}, {"at", "start"}});
      // Its agent may have prepared it before the manager stopped.
      owe_logoff(r.server_id, r.agent_session_id);
      continue;
    }
    SessionEntry entry;
    entry.record = std::move(r);
    entry.committed = true;
    track(std::move(entry));
  }
  if (released > 0) log::info("broker.reservations_released_at_start", {{"count", released}});
  return {};
}

}  // namespace corral::broker
