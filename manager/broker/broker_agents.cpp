// What the broker hears from the fleet (agents welcomed, missing, back, gone) and the commands
// it sends agents: PrepareSession and LogoffSession, sent again at the next Welcome when they may
// not have arrived, and how each one ended.
#include <set>
#include <utility>
#include <vector>

#include "common/log.h"
#include "manager/broker/broker.h"

namespace corral::broker {
namespace {

using corral::agent::v1::Command;
using manager::CommandFinishedEvent;

}  // namespace

void Broker::on_agent_welcomed(const manager::AgentWelcomedEvent& e) {
  set_agent_state(e.agent_id, true, false);
  ServerEntry* server = server_of_agent(e.agent_id);
  if (server == nullptr) return;
  // Repairs what a crash may have left between a report and the writes it led to; otherwise the
  // last report was reconciled when it came, and this changes nothing. A newer report follows.
  if (auto report = reports_.find(e.agent_id); report != reports_.end()) {
    reconcile(*server, report->second, /*fresh=*/false);
  }
  // The agent may have missed these (a lost connection, a manager restart): both are idempotent.
  std::vector<store::SessionRecord> waiting;
  for (const auto& [agent_session_id, session_id] : server->by_agent_session) {
    auto tracked = sessions_.find(session_id);
    if (tracked == sessions_.end()) continue;
    const SessionEntry& entry = tracked->second;
    if (entry.record.state == store::SessionState::reserved && entry.committed && !entry.activating && !entry.ending) {
      waiting.push_back(entry.record);
    }
  }
  for (const store::SessionRecord& r : waiting) send_prepare(*server, r);
  const std::set<std::string> owed = server->logoffs_owed;
  for (const std::string& agent_session_id : owed) send_logoff(*server, agent_session_id);
}

void Broker::on_agent_missing(const manager::AgentMissingEvent& e) {
  if (presence_.contains(e.agent_id)) set_agent_state(e.agent_id, true, true, e.silent_seconds * 1000);
}

void Broker::on_agent_back(const manager::AgentBackEvent& e) {
  if (presence_.contains(e.agent_id)) set_agent_state(e.agent_id, true, false);
}

void Broker::on_agent_disconnected(const manager::AgentDisconnectedEvent& e) {
  set_agent_state(e.agent_id, false, false);
}

void Broker::on_agent_revoked(const manager::AgentRevokedEvent& e) { set_agent_state(e.agent_id, false, false); }

void Broker::send(ServerEntry& server, Command command, SentCommand sent) {
  // Not connected: what matters is repeated when it is next welcomed (settings in the Welcome).
  if (!server.agent_connected || server.record.agent_id.empty()) return;
  auto id = agents_.send_command(server.record.agent_id, std::move(command));
  if (!id.ok()) {
    log::warn(
        "broker.command_not_sent",
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

void Broker::owe_logoff(const std::string& server_id, const std::string& agent_session_id) {
  auto server = servers_.find(server_id);
  if (server == servers_.end()) return;
  server->second.logoffs_owed.insert(agent_session_id);
  send_logoff(server->second, agent_session_id);
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
