// Pools and workspaces created, changed and deleted at run time: committed, then applied to the
// broker's state before the answer, so the next placement already sees them. A changed pool or
// workspace gets its pool a fresh placement index (an index never drops a workspace's view).
#include <utility>

#include "common/log.h"
#include "manager/broker/broker.h"
#include "manager/broker/catalog_writes.h"

namespace corral::broker {
namespace {

using store::PoolRecord;
using store::WorkspaceRecord;

std::string counted(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

const store::PoolRecord* Broker::find_pool(const std::string& pool_id) const {
  auto it = pools_.find(pool_id);
  return it == pools_.end() ? nullptr : &it->second.record;
}

const store::ServerRecord* Broker::find_server(const std::string& server_id) const {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? nullptr : &it->second.record;
}

const store::WorkspaceRecord* Broker::find_workspace(const std::string& workspace_id) const {
  auto it = workspaces_.find(workspace_id);
  return it == workspaces_.end() ? nullptr : &it->second;
}

const store::WorkspaceRecord* Broker::find_workspace_by_id_or_name(const std::string& id_or_name) const {
  if (const auto* by_id = find_workspace(id_or_name)) return by_id;
  // Names are unique, and a lookup by name is the rarer case (clients keep ids): a scan is enough.
  for (const auto& [id, workspace] : workspaces_) {
    if (workspace.name == id_or_name) return &workspace;
  }
  return nullptr;
}

void Broker::rebuild_index(const std::string& pool_id) {
  auto pool = pools_.find(pool_id);
  if (pool == pools_.end()) return;
  PlacementIndex index(pool_spec(pool->second.record));
  for (const auto& [id, server] : servers_) {
    if (server.record.pool_id != pool_id) continue;
    if (Status s = index.add(server_state(server)); !s.ok()) {
      log::error("broker.index_failed", {{"server_id", id}, {"error", s.to_string()}});
    }
  }
  for (const auto& [id, workspace] : workspaces_) {
    if (workspace.pool_id == pool_id) index.prepare(workspace_demand(workspace));
  }
  pool->second.index = std::move(index);
}

std::string Broker::pool_dependents(const PoolRecord& pool) const {
  size_t servers = 0;
  size_t workspaces = 0;
  size_t sessions = 0;
  for (const auto& [id, s] : servers_) servers += s.record.pool_id == pool.id ? 1 : 0;
  for (const auto& [id, w] : workspaces_) workspaces += w.pool_id == pool.id ? 1 : 0;
  for (const auto& [id, s] : sessions_) sessions += s.record.pool_id == pool.id ? 1 : 0;
  std::string what;
  auto add = [&](size_t n, const char* one, const char* many) {
    if (n == 0) return;
    if (!what.empty()) what += ", ";
    what += counted(n, one, many);
  };
  add(servers, "server", "servers");
  add(workspaces, "workspace", "workspaces");
  add(sessions, "unfinished session", "unfinished sessions");
  // Gone meanwhile: say what the store saw.
  if (what.empty()) what = "autoscale configs, servers, workspaces or sessions";
  return "pool " + pool.name + " still has " + what + "; delete them first";
}

void Broker::create_pool(PoolRecord pool, CatalogReply<PoolRecord> reply) {
  store_.submit(
      [pool](store::Store& s) {
        return catalog::in_unit_of_work<PoolRecord>(s, [&](store::Repositories& r, CatalogOutcome<PoolRecord>& out) {
          auto taken = r.pools().get_by_name(pool.name);
          if (!taken.ok()) return taken.status();
          if (taken->has_value()) {
            catalog::refuse(out, CatalogRefusal::name_taken, "a pool named '" + pool.name + "' exists");
            return Status{};
          }
          if (Status in = r.pools().insert(pool); !in.ok()) return in;
          return catalog::read_back(r.pools().get(pool.id), out);
        });
      },
      [this, reply = std::move(reply)](catalog::Written<PoolRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const PoolRecord& p = done->record;
          pools_.emplace(p.id, PoolEntry{p, PlacementIndex(pool_spec(p))});
          log::info("broker.pool_created",
                    {{"pool_id", p.id}, {"name", p.name}, {"type", store::pool_type_name(p.type)}});
        }
        reply(std::move(done));
      });
}

void Broker::update_pool(PoolRecord pool, uint64_t based_on, CatalogReply<PoolRecord> reply) {
  store_.submit(
      [pool, based_on](store::Store& s) {
        return catalog::in_unit_of_work<PoolRecord>(s, [&](store::Repositories& r, CatalogOutcome<PoolRecord>& out) {
          return catalog::updated(r.pools().update(pool, based_on), r.pools(), pool, "pool", out);
        });
      },
      [this, reply = std::move(reply)](catalog::Written<PoolRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const PoolRecord& p = done->record;
          if (auto it = pools_.find(p.id); it != pools_.end()) {
            it->second.record = p;
            rebuild_index(p.id);
          }
          log::info("broker.pool_updated", {{"pool_id", p.id}, {"revision", p.revision}});
        }
        reply(std::move(done));
      });
}

void Broker::delete_pool(const std::string& pool_id, CatalogReply<PoolRecord> reply) {
  store_.submit(
      [pool_id](store::Store& s) {
        return catalog::in_unit_of_work<PoolRecord>(s, [&](store::Repositories& r, CatalogOutcome<PoolRecord>& out) {
          return catalog::removed(r.pools(), pool_id, "pool", out);
        });
      },
      [this, reply = std::move(reply)](catalog::Written<PoolRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::has_dependents) done->message = pool_dependents(done->record);
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          pools_.erase(done->record.id);
          log::info("broker.pool_deleted", {{"pool_id", done->record.id}, {"name", done->record.name}});
        }
        reply(std::move(done));
      });
}

void Broker::create_workspace(WorkspaceRecord workspace, CatalogReply<WorkspaceRecord> reply) {
  store_.submit(
      [workspace](store::Store& s) {
        return catalog::in_unit_of_work<WorkspaceRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<WorkspaceRecord>& out) {
              auto pool = r.pools().get(workspace.pool_id);
              if (!pool.ok()) return pool.status();
              if (!pool->has_value()) {
                catalog::refuse(out, CatalogRefusal::pool_not_found, "no pool " + workspace.pool_id);
                return Status{};
              }
              auto taken = r.workspaces().get_by_name(workspace.name);
              if (!taken.ok()) return taken.status();
              if (taken->has_value()) {
                catalog::refuse(out, CatalogRefusal::name_taken, "a workspace named '" + workspace.name + "' exists");
                return Status{};
              }
              if (Status in = r.workspaces().insert(workspace); !in.ok()) return in;
              return catalog::read_back(r.workspaces().get(workspace.id), out);
            });
      },
      [this, reply = std::move(reply)](catalog::Written<WorkspaceRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const WorkspaceRecord& w = done->record;
          workspaces_[w.id] = w;
          // Built now, so no user waits for the first placement's scan of the pool.
          if (auto pool = pools_.find(w.pool_id); pool != pools_.end()) pool->second.index.prepare(workspace_demand(w));
          log::info("broker.workspace_created", {{"workspace_id", w.id}, {"name", w.name}, {"pool_id", w.pool_id}});
        }
        reply(std::move(done));
      });
}

void Broker::update_workspace(WorkspaceRecord workspace, uint64_t based_on, CatalogReply<WorkspaceRecord> reply) {
  store_.submit(
      [workspace, based_on](store::Store& s) {
        return catalog::in_unit_of_work<WorkspaceRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<WorkspaceRecord>& out) {
              return catalog::updated(r.workspaces().update(workspace, based_on), r.workspaces(), workspace,
                                      "workspace", out);
            });
      },
      [this, reply = std::move(reply)](catalog::Written<WorkspaceRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const WorkspaceRecord& w = done->record;
          std::string before_pool;
          if (auto it = workspaces_.find(w.id); it != workspaces_.end()) before_pool = it->second.pool_id;
          workspaces_[w.id] = w;
          if (!before_pool.empty() && before_pool != w.pool_id) rebuild_index(before_pool);
          rebuild_index(w.pool_id);
          log::info("broker.workspace_updated", {{"workspace_id", w.id}, {"revision", w.revision}});
        }
        reply(std::move(done));
      });
}

void Broker::delete_workspace(const std::string& workspace_id, CatalogReply<WorkspaceRecord> reply) {
  store_.submit(
      [workspace_id](store::Store& s) {
        return catalog::in_unit_of_work<WorkspaceRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<WorkspaceRecord>& out) {
              return catalog::removed(r.workspaces(), workspace_id, "workspace", out);
            });
      },
      [this, reply = std::move(reply)](catalog::Written<WorkspaceRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::has_dependents) {
          size_t n = 0;
          for (const auto& [id, s] : sessions_) n += s.record.workspace_id == done->record.id ? 1 : 0;
          done->message =
              "workspace " + done->record.name + " still has " +
              (n == 0 ? std::string("unfinished sessions") : counted(n, "unfinished session", "unfinished sessions")) +
              "; end them first";
        }
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const WorkspaceRecord& w = done->record;
          workspaces_.erase(w.id);
          rebuild_index(w.pool_id);  // drops its view
          log::info("broker.workspace_deleted", {{"workspace_id", w.id}, {"name", w.name}});
        }
        reply(std::move(done));
      });
}

}  // namespace corral::broker
