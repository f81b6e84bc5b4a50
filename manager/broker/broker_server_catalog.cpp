// Servers created, changed, deleted and bound to agents at run time: committed, then applied to
// the pool's index and the Welcome settings table, and the settings that changed sent to the
// server's agent (all of them to an agent that has just become its backing agent, which may have
// been connected for a while).
#include <utility>

#include "common/log.h"
#include "manager/broker/broker.h"
#include "manager/broker/catalog_writes.h"
#include "manager/broker/server_events.h"
#include "manager/broker/server_labels.h"

namespace corral::broker {
namespace {

using corral::agent::v1::Command;
using store::ServerRecord;

// The agent exists and backs no other server: an agent backs at most one.
Status check_agent_free(store::Repositories& r, const ServerRecord& server, CatalogOutcome<ServerRecord>& out) {
  auto agent = r.agents().get(server.agent_id);
  if (!agent.ok()) return agent.status();
  if (!agent->has_value() || (*agent)->revoked_at != 0) {
    catalog::refuse(out, CatalogRefusal::agent_not_found, "no enrolled agent " + server.agent_id);
    return {};
  }
  auto backs = r.servers().find_by_agent(server.agent_id);
  if (!backs.ok()) return backs.status();
  if (backs->has_value() && (*backs)->id != server.id) {
    catalog::refuse(
        out, CatalogRefusal::agent_taken,
        "agent " + server.agent_id + " already backs server " + (*backs)->hostname + " (" + (*backs)->id + ")");
  }
  return {};
}

}  // namespace

void Broker::send_settings(ServerEntry& server, bool max_sessions, bool draining, bool labels) {
  const ServerRecord& r = server.record;
  if (max_sessions) {
    Command c;
    c.mutable_set_max_sessions()->set_max_sessions(r.max_sessions);
    send(server, std::move(c), {SentCommand::Kind::settings, r.id, ""});
  }
  if (draining) {
    Command c;
    c.mutable_drain()->set_enabled(r.draining);
    send(server, std::move(c), {SentCommand::Kind::settings, r.id, ""});
  }
  if (labels) {
    Command c;
    for (auto& [key, value] : agent_labels(r.labels)) (*c.mutable_set_labels()->mutable_labels())[key] = value;
    send(server, std::move(c), {SentCommand::Kind::settings, r.id, ""});
  }
}

void Broker::apply_server(ServerRecord row) {
  auto pool = pools_.find(row.pool_id);
  if (pool == pools_.end()) {
    log::error("broker.server_without_pool", {{"server_id", row.id}, {"pool_id", row.pool_id}});
    return;
  }
  auto [it, created] = servers_.try_emplace(row.id);
  ServerEntry& server = it->second;
  const ServerRecord before = server.record;  // empty when created
  const bool new_agent = before.agent_id != row.agent_id;
  if (new_agent) {
    if (!before.agent_id.empty()) {
      server_by_agent_.erase(before.agent_id);
      server_settings_.erase(before.agent_id);
    }
    server.agent_connected = false;
    server.agent_missing = false;
    server.reported = {};
    if (!row.agent_id.empty()) {
      server_by_agent_[row.agent_id] = row.id;
      if (auto p = presence_.find(row.agent_id); p != presence_.end()) {
        server.agent_connected = p->second.connected;
        server.agent_missing = p->second.missing;
      }
      server.away_since_ms = server.agent_connected && !server.agent_missing ? 0 : now_ms();
      if (auto report = reports_.find(row.agent_id); report != reports_.end()) {
        server.reported = reported_totals(report->second);
      }
    }
  }
  server.record = std::move(row);
  const ServerRecord& r = server.record;
  publish_settings(server);
  if (created) {
    if (Status s = pool->second.index.add(server_state(server)); !s.ok()) {
      log::error("broker.index_failed", {{"server_id", r.id}, {"error", s.to_string()}});
    }
    notify(server);
  } else {
    refresh(server);
  }
  log::info("broker.server_applied", {{"server_id", r.id},
                                      {"pool_id", r.pool_id},
                                      {"agent_id", r.agent_id},
                                      {"agent_connected", server.agent_connected},
                                      {"enabled", r.enabled},
                                      {"draining", r.draining},
                                      {"max_sessions", r.max_sessions}});
  if (r.max_sessions > before.max_sessions) make_room_for_sessions();
  // A new backing agent may have been welcomed long ago, with other settings: it gets them all.
  send_settings(server, new_agent || before.max_sessions != r.max_sessions, new_agent || before.draining != r.draining,
                new_agent || before.labels != r.labels);
  if (new_agent && server.agent_connected) {
    if (auto report = reports_.find(r.agent_id); report != reports_.end()) {
      reconcile(server, report->second, /*fresh=*/false);
    }
  }
}

void Broker::on_agent_bound(const ServerRecord& server) { apply_server(server); }

void Broker::create_server(ServerRecord server, CatalogReply<ServerRecord> reply, AlsoWrite also) {
  store_.submit(
      [server, at_ms = now_ms(), also = std::move(also)](store::Store& s) {
        return catalog::in_unit_of_work<ServerRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<ServerRecord>& out) {
              auto pool = r.pools().get(server.pool_id);
              if (!pool.ok()) return pool.status();
              if (!pool->has_value()) {
                catalog::refuse(out, CatalogRefusal::pool_not_found, "no pool " + server.pool_id);
                return Status{};
              }
              auto taken = r.servers().get_by_hostname(server.pool_id, server.hostname);
              if (!taken.ok()) return taken.status();
              if (taken->has_value()) {
                catalog::refuse(out, CatalogRefusal::name_taken,
                                "pool " + (*pool)->name + " already has a server named '" + server.hostname + "'");
                return Status{};
              }
              if (!server.agent_id.empty()) {
                if (Status free = check_agent_free(r, server, out); !free.ok() || out.refusal != CatalogRefusal::none)
                  return free;
              }
              if (Status in = r.servers().insert(server); !in.ok()) return in;
              if (Status back = catalog::read_back(r.servers().get(server.id), out); !back.ok()) return back;
              if (Status ev = record_server_created(r, out.record, at_ms); !ev.ok()) return ev;
              return also ? also(r, out.record) : Status{};
            });
      },
      [this, reply = std::move(reply)](catalog::Written<ServerRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) apply_server(done->record);
        reply(std::move(done));
      });
}

void Broker::update_server(ServerRecord server, uint64_t based_on, CatalogReply<ServerRecord> reply, AlsoWrite also) {
  store_.submit(
      [server, based_on, at_ms = now_ms(), also = std::move(also)](store::Store& s) {
        return catalog::in_unit_of_work<ServerRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<ServerRecord>& out) {
              auto before = r.servers().get(server.id);
              if (!before.ok()) return before.status();
              Status st = catalog::updated(r.servers().update(server, based_on), r.servers(), server, "server", out);
              if (!st.ok() || out.refusal != CatalogRefusal::none || !before->has_value()) return st;
              if (Status ev = record_server_changed(r, **before, out.record, at_ms); !ev.ok()) return ev;
              return also ? also(r, out.record) : Status{};
            });
      },
      [this, reply = std::move(reply)](catalog::Written<ServerRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) apply_server(done->record);
        reply(std::move(done));
      });
}

void Broker::delete_server(const std::string& server_id, CatalogReply<ServerRecord> reply, AlsoWrite also) {
  store_.submit(
      [server_id, at_ms = now_ms(), also = std::move(also)](store::Store& s) {
        return catalog::in_unit_of_work<ServerRecord>(
            s, [&](store::Repositories& r, CatalogOutcome<ServerRecord>& out) {
              Status st = catalog::removed(r.servers(), server_id, "server", out);
              if (!st.ok() || out.refusal != CatalogRefusal::none) return st;
              if (Status ev = record_server_deleted(r, out.record, at_ms); !ev.ok()) return ev;
              return also ? also(r, out.record) : Status{};
            });
      },
      [this, reply = std::move(reply)](catalog::Written<ServerRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::has_dependents) {
          const uint32_t n = server_load(done->record.id);
          done->message = "server " + done->record.hostname + " still has " +
                          (n == 0 ? std::string("reserved or active sessions")
                                  : std::to_string(n) + " reserved or active session" + (n == 1 ? "" : "s")) +
                          "; drain it and end them first";
        }
        if (done.ok() && done->refusal == CatalogRefusal::none) {
          const ServerRecord& r = done->record;
          if (auto pool = pools_.find(r.pool_id); pool != pools_.end()) (void)pool->second.index.remove(r.id);
          if (!r.agent_id.empty()) {
            server_by_agent_.erase(r.agent_id);
            server_settings_.erase(r.agent_id);
          }
          if (listener_) listener_(ServerNotice{r.id, r.autoscale_config_id, false, true});
          servers_.erase(r.id);
          log::info("broker.server_deleted", {{"server_id", r.id}, {"hostname", r.hostname}});
        }
        reply(std::move(done));
      });
}

void Broker::assign_agent(const std::string& server_id, const std::string& agent_id, CatalogReply<ServerRecord> reply) {
  store_.submit(
      [server_id, agent_id, at = now(), at_ms = now_ms()](store::Store& s) {
        return catalog::in_unit_of_work<ServerRecord>(s, [&](store::Repositories& r,
                                                             CatalogOutcome<ServerRecord>& out) {
          auto known = r.servers().get(server_id);
          if (!known.ok()) return known.status();
          if (!known->has_value()) {
            catalog::refuse(out, CatalogRefusal::not_found, "no server " + server_id);
            return Status{};
          }
          // Both ways end in the read-back and its event.
          auto changed = [&]() -> Status {
            if (Status back = catalog::read_back(r.servers().get(server_id), out); !back.ok()) return back;
            return record_server_changed(r, **known, out.record, at_ms);
          };
          if (agent_id.empty()) {
            if (Status unbound = r.servers().unbind_agent(server_id, at); !unbound.ok()) return unbound;
            return changed();
          }
          ServerRecord wanted;
          wanted.id = server_id;
          wanted.agent_id = agent_id;
          if (Status free = check_agent_free(r, wanted, out); !free.ok() || out.refusal != CatalogRefusal::none)
            return free;
          auto bound = r.servers().bind_agent(server_id, agent_id, at);
          if (!bound.ok()) return bound.status();
          switch (*bound) {
            case store::AgentBinding::bound: return changed();
            case store::AgentBinding::server_not_found:
              catalog::refuse(out, CatalogRefusal::not_found, "no server " + server_id);
              break;
            case store::AgentBinding::agent_not_found:
              catalog::refuse(out, CatalogRefusal::agent_not_found, "no enrolled agent " + agent_id);
              break;
            case store::AgentBinding::agent_taken:
              catalog::refuse(out, CatalogRefusal::agent_taken, "agent " + agent_id + " already backs another server");
              break;
          }
          return Status{};
        });
      },
      [this, reply = std::move(reply)](catalog::Written<ServerRecord> done) {
        if (done.ok() && done->refusal == CatalogRefusal::none) apply_server(done->record);
        reply(std::move(done));
      });
}

}  // namespace corral::broker
