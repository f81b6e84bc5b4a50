// The broker's bookkeeping (which session counts on which server) and what it hears from the
// fleet: agents coming and going, and how each command it sent ended.
#include "manager/broker/broker.h"

#include <utility>
#include <vector>

#include "common/log.h"
#include "manager/broker/server_labels.h"

namespace corral::broker {
namespace {

using corral::agent::v1::Command;
using manager::CommandFinishedEvent;

Resources plus(Resources a, const Resources& b, int sign) {
  a.cores_milli += sign * b.cores_milli;
  a.memory_bytes += sign * b.memory_bytes;
  a.gpus += sign * b.gpus;
  return a;
}

}  // namespace

Broker::Broker(store::StoreExecutor& store, const Clock& clock, BrokerSettings settings,
               manager::AgentCommands& agents, manager::FleetEvents& events, ServerSettingsTable& server_settings)
    : store_(store),
      clock_(clock),
      settings_(settings),
      agents_(agents),
      server_settings_(server_settings),
      subscription_(events.subscribe(*this)) {}

std::optional<store::SessionRecord> Broker::session(const std::string& session_id) const {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.record;
}

uint32_t Broker::server_load(const std::string& server_id) const {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? 0 : it->second.sessions;
}

PoolEntry* Broker::pool_of(const ServerEntry& server) {
  auto it = pools_.find(server.record.pool_id);
  return it == pools_.end() ? nullptr : &it->second;
}

ServerEntry* Broker::server_of_agent(const std::string& agent_id) {
  auto it = server_by_agent_.find(agent_id);
  if (it == server_by_agent_.end()) return nullptr;
  auto server = servers_.find(it->second);
  return server == servers_.end() ? nullptr : &server->second;
}

void Broker::refresh(ServerEntry& server) {
  PoolEntry* pool = pool_of(server);
  if (pool == nullptr) return;
  if (Status s = pool->index.update(server_state(server)); !s.ok()) {
    log::error("broker.index_failed", {{"server_id", server.record.id}, {"error", s.to_string()}});
  }
}

void Broker::track(SessionEntry entry) {
  auto it = servers_.find(entry.record.server_id);
  if (it == servers_.end()) {
    log::warn("broker.session_without_server",
              {{"session_id", entry.record.id}, {"server_id", entry.record.server_id}});
    return;
  }
  ServerEntry& server = it->second;
  const store::SessionRecord& r = entry.record;
  ++server.sessions;
  server.used = plus(server.used, resources(r.resources), +1);
  server.by_agent_session[r.agent_session_id] = r.id;
  if (r.state == store::SessionState::reserved) expiries_.emplace(r.reservation_expires_at, r.id);
  std::string id = r.id;
  sessions_[std::move(id)] = std::move(entry);
  if (PoolEntry* pool = pool_of(server)) {
    // The server is in its pool's index (load() and refresh() keep it there), so this cannot fail.
    (void)pool->index.set_load(server.record.id, server.sessions, server.used);
  }
}

void Broker::untrack(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  const store::SessionRecord r = std::move(it->second.record);
  sessions_.erase(it);
  expiries_.erase({r.reservation_expires_at, r.id});
  auto server_it = servers_.find(r.server_id);
  if (server_it == servers_.end()) return;
  ServerEntry& server = server_it->second;
  --server.sessions;
  server.used = plus(server.used, resources(r.resources), -1);
  auto mapped = server.by_agent_session.find(r.agent_session_id);
  if (mapped != server.by_agent_session.end() && mapped->second == r.id) server.by_agent_session.erase(mapped);
  if (PoolEntry* pool = pool_of(server)) (void)pool->index.set_load(server.record.id, server.sessions, server.used);
}

void Broker::publish_settings(const ServerEntry& server) {
  const store::ServerRecord& r = server.record;
  if (r.agent_id.empty()) return;
  manager::BackedServer backed;
  backed.server_id = r.id;
  backed.settings.set_max_sessions(r.max_sessions);
  backed.settings.set_draining(r.draining);
  for (auto& [key, value] : agent_labels(r.labels)) (*backed.settings.mutable_labels())[key] = value;
  server_settings_.put(r.agent_id, std::move(backed));
}

void Broker::set_agent_state(const std::string& agent_id, bool connected, bool missing) {
  ServerEntry* server = server_of_agent(agent_id);
  if (server == nullptr) return;
  if (server->agent_connected == connected && server->agent_missing == missing) return;
  server->agent_connected = connected;
  server->agent_missing = missing;
  refresh(*server);
}

void Broker::on_agent_welcomed(const manager::AgentWelcomedEvent& e) {
  ServerEntry* server = server_of_agent(e.agent_id);
  if (server == nullptr) return;
  set_agent_state(e.agent_id, true, false);
  // Repairs what a crash may have left between a report and the writes it led to; otherwise the
  // last report was reconciled when it came, and this changes nothing. A newer report follows.
  if (auto report = reports_.find(e.agent_id); report != reports_.end()) {
    reconcile(*server, report->second, /*fresh=*/false);
  }
  // The agent may have missed these (a lost connection, a manager restart): both are idempotent.
  std::vector<store::SessionRecord> waiting;
  for (const auto& [agent_session_id, session_id] : server->by_agent_session) {
    const SessionEntry& entry = sessions_.at(session_id);
    if (entry.record.state == store::SessionState::reserved && entry.committed && !entry.activating &&
        !entry.ending) {
      waiting.push_back(entry.record);
    }
  }
  for (const store::SessionRecord& r : waiting) send_prepare(*server, r);
  const std::set<std::string> owed = server->logoffs_owed;
  for (const std::string& agent_session_id : owed) send_logoff(*server, agent_session_id);
}

void Broker::on_agent_missing(const manager::AgentMissingEvent& e) {
  if (ServerEntry* server = server_of_agent(e.agent_id)) set_agent_state(e.agent_id, server->agent_connected, true);
}

void Broker::on_agent_back(const manager::AgentBackEvent& e) {
  if (ServerEntry* server = server_of_agent(e.agent_id)) set_agent_state(e.agent_id, server->agent_connected, false);
}

void Broker::on_agent_disconnected(const manager::AgentDisconnectedEvent& e) { set_agent_state(e.agent_id, false, false); }

void Broker::on_agent_revoked(const manager::AgentRevokedEvent& e) { set_agent_state(e.agent_id, false, false); }

void Broker::send(ServerEntry& server, Command command, SentCommand sent) {
  // Not connected: what matters is repeated when it is next welcomed (settings in the Welcome).
  if (!server.agent_connected || server.record.agent_id.empty()) return;
  auto id = agents_.send_command(server.record.agent_id, std::move(command));
  if (!id.ok()) {
    log::warn("broker.command_not_sent",
              {{"server_id", server.record.id}, {"agent_id", server.record.agent_id}, {"error", id.status().to_string()}});
    return;
  }
  commands_[*id] = std::move(sent);
}

void Broker::send_prepare(ServerEntry& server, const store::SessionRecord& session) {
  Command command;
  auto* prepare = command.mutable_prepare_session();
  prepare->set_session_id(session.agent_session_id);
  prepare->set_user(session.user);
  prepare->set_workspace_id(session.workspace_id);
  send(server, std::move(command), {SentCommand::Kind::prepare, server.record.id, session.id});
}

void Broker::send_logoff(ServerEntry& server, const std::string& agent_session_id) {
  Command command;
  command.mutable_logoff_session()->set_session_id(agent_session_id);
  send(server, std::move(command), {SentCommand::Kind::logoff, server.record.id, agent_session_id});
}

void Broker::on_command_finished(const CommandFinishedEvent& e) {
  auto it = commands_.find(e.command_id);
  if (it == commands_.end()) return;  // not the broker's
  const SentCommand sent = std::move(it->second);
  commands_.erase(it);
  switch (sent.kind) {
    case SentCommand::Kind::prepare: prepare_answered(sent, e); break;
    case SentCommand::Kind::logoff: logoff_answered(sent, e); break;
    case SentCommand::Kind::settings:
      // The next Welcome repeats the settings whatever happened to this command.
      if (e.outcome != CommandFinishedEvent::Outcome::answered || !e.result.ok()) {
        log::warn("broker.settings_command_failed", {{"server_id", sent.server_id},
                                                     {"command_id", e.command_id},
                                                     {"outcome", manager::command_outcome_name(e.outcome)},
                                                     {"message", e.result.message()}});
      }
      break;
  }
}

void Broker::prepare_answered(const SentCommand& sent, const CommandFinishedEvent& e) {
  // Not answered: the agent may or may not hold it. It is sent again when the agent is next
  // welcomed; its report confirms it, or the sweep releases it.
  if (e.outcome != CommandFinishedEvent::Outcome::answered) return;
  // An ok answer confirms nothing alone: the report that follows lists the session ACTIVE.
  if (e.result.ok()) return;
  auto it = sessions_.find(sent.session_id);
  if (it == sessions_.end() || it->second.record.state != store::SessionState::reserved || it->second.ending) return;
  log::warn("broker.prepare_refused", {{"session_id", sent.session_id},
                                       {"server_id", sent.server_id},
                                       {"failure", corral::agent::v1::CommandFailure_Name(e.result.failure())},
                                       {"message", e.result.message()}});
  // The agent refused it, so it holds nothing to log off.
  finish(sent.session_id, store::SessionEndReason::agent, /*logoff=*/false, nullptr);
}

void Broker::logoff_answered(const SentCommand& sent, const CommandFinishedEvent& e) {
  const bool done = e.outcome == CommandFinishedEvent::Outcome::answered &&
                    (e.result.ok() || e.result.failure() == corral::agent::v1::COMMAND_FAILURE_UNKNOWN_SESSION);
  if (!done) {
    log::warn("broker.logoff_not_done", {{"server_id", sent.server_id},
                                         {"agent_session_id", sent.session_id},
                                         {"outcome", manager::command_outcome_name(e.outcome)},
                                         {"message", e.result.message()}});
    return;  // still owed: sent again at the next Welcome
  }
  if (auto server = servers_.find(sent.server_id); server != servers_.end()) {
    server->second.logoffs_owed.erase(sent.session_id);
  }
}

}  // namespace corral::broker
