// Keeping the broker's sessions in step with what an agent reports it holds: a reservation the
// report lists ACTIVE is confirmed, a session the broker did not place is recorded and counted,
// and a confirmed session the report no longer lists has ended (reason agent).
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/log.h"
#include "common/text.h"
#include "manager/broker/broker.h"

namespace corral::broker {
namespace {

using corral::agent::v1::CapacityReport;

}  // namespace

void Broker::on_capacity_changed(const manager::CapacityChangedEvent& e) {
  reports_[e.agent_id] = e.after;
  ServerEntry* server = server_of_agent(e.agent_id);
  if (server == nullptr) return;
  const Resources totals = reported_totals(e.after);
  if (!(totals == server->reported)) {
    server->reported = totals;
    refresh(*server);
  }
  reconcile(*server, e.after, /*fresh=*/true);
}

void Broker::reconcile(ServerEntry& server, const CapacityReport& report, bool fresh) {
  std::unordered_map<std::string, const corral::agent::v1::Session*> listed;
  for (const auto& s : report.sessions()) listed.emplace(s.id(), &s);
  // A session the agent no longer lists needs no logoff; an older report may predate the session.
  if (fresh) std::erase_if(server.logoffs_owed, [&](const std::string& id) { return !listed.contains(id); });

  for (const auto& [agent_session_id, reported] : listed) {
    if (server.logoffs_owed.contains(agent_session_id)) continue;  // ended here, logoff on its way
    auto known = server.by_agent_session.find(agent_session_id);
    if (known == server.by_agent_session.end()) {
      record_reported(server, *reported);
      continue;
    }
    auto tracked = sessions_.find(known->second);
    if (tracked == sessions_.end()) continue;
    const SessionEntry& entry = tracked->second;
    if (entry.record.state == store::SessionState::reserved && entry.committed && !entry.activating && !entry.ending &&
        reported->state() == corral::agent::v1::SESSION_STATE_ACTIVE) {
      activate(entry.record.id);
    }
  }

  // A reservation the report does not list yet is still waiting for its agent (or the sweep).
  std::vector<std::string> gone;
  for (const auto& [agent_session_id, session_id] : server.by_agent_session) {
    if (listed.contains(agent_session_id)) continue;
    auto tracked = sessions_.find(session_id);
    if (tracked == sessions_.end()) continue;
    const SessionEntry& entry = tracked->second;
    if (entry.record.state == store::SessionState::active && entry.committed && !entry.ending) {
      gone.push_back(session_id);
    }
  }
  for (const std::string& id : gone) {
    log::info("broker.session_gone", {{"session_id", id}, {"server_id", server.record.id}});
    finish(id, store::SessionEndReason::agent, /*logoff=*/false, nullptr);
  }
}

void Broker::activate(const std::string& session_id) {
  sessions_.at(session_id).activating = true;  // reconcile() found it there
  const int64_t at = now();
  store_.submit(
      [session_id, at](store::Store& s) { return s.sessions().activate(session_id, at); },
      [this, session_id, at](const Result<store::SessionActivation>& outcome) { activated(session_id, at, outcome); });
}

void Broker::activated(const std::string& session_id, int64_t at, const Result<store::SessionActivation>& outcome) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  SessionEntry& entry = it->second;
  entry.activating = false;
  if (!outcome.ok()) {
    // Tried again on the agent's next report or Welcome; the sweep may release it first.
    log::error("broker.activation_not_written", {{"session_id", session_id}, {"error", outcome.status().to_string()}});
    return;
  }
  if (*outcome == store::SessionActivation::activated || *outcome == store::SessionActivation::already_active) {
    expiries_.erase({entry.record.reservation_expires_at, session_id});
    entry.record.state = store::SessionState::active;
    if (entry.record.activated_at == 0) entry.record.activated_at = at;
    log::info("broker.session_active", {{"session_id", session_id}, {"server_id", entry.record.server_id}});
    return;
  }
  // Ended or gone behind this broker's back (another manager): counted no more, and the agent,
  // which reported it, is told to let it go.
  const std::string server_id = entry.record.server_id;
  const std::string agent_session_id = entry.record.agent_session_id;
  untrack(session_id);
  owe_logoff(server_id, agent_session_id);
}

void Broker::record_reported(ServerEntry& server, const corral::agent::v1::Session& reported) {
  // Agents' ids reach the store, logs and the API: one that is not plain text is not recorded.
  if (Status s = check_printable(reported.id(), "session id", kMaxAgentSessionIdBytes);
      !s.ok() || reported.id().empty()) {
    log::warn("broker.reported_session_refused", {{"server_id", server.record.id}, {"reason", "unusable session id"}});
    return;
  }
  SessionEntry entry;
  store::SessionRecord& r = entry.record;
  r.id = random_uuid();
  r.pool_id = server.record.pool_id;
  r.server_id = server.record.id;
  r.user = sanitize_printable(reported.user(), kMaxSessionUserBytes);
  // The workspace it names counts only if it is one of this pool's.
  auto ws = workspaces_.find(reported.workspace_id());
  if (ws != workspaces_.end() && ws->second.pool_id == r.pool_id) {
    r.workspace_id = ws->first;
    const PoolEntry* pool = pool_of(server);
    if (pool != nullptr && pool->record.type == store::PoolType::docker_agent) {
      r.resources = ws->second.session_resources;
    }
  }
  r.state = store::SessionState::active;
  r.origin = store::SessionOrigin::reported;
  r.agent_session_id = reported.id();
  r.activated_at = now();
  store::SessionRecord row = r;
  track(std::move(entry));
  store_.submit(
      [row](store::Store& s) { return s.sessions().insert(row); },
      [this, id = row.id, server_id = row.server_id](const Status& written) {
        auto it = sessions_.find(id);
        if (it == sessions_.end()) return;
        if (!written.ok()) {
          // Counted no more; the agent's next report or Welcome records it again.
          log::error("broker.reported_session_not_written", {{"session_id", id}, {"error", written.to_string()}});
          untrack(id);
          return;
        }
        it->second.committed = true;
        log::info("broker.session_recorded", {{"session_id", id},
                                              {"server_id", server_id},
                                              {"agent_session_id", it->second.record.agent_session_id},
                                              {"origin", "reported"}});
      });
}

}  // namespace corral::broker
