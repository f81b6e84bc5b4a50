// Broker::place(): decide with the pool's index, count the reservation at once, commit it, then
// tell the agent and answer. Counting before the commit is what keeps placements that are in
// flight together from taking one slot twice; a failed commit gives the slot back.
#include <utility>

#include "common/encoding.h"
#include "common/log.h"
#include "common/text.h"
#include "manager/broker/broker.h"
#include "manager/broker/session_id.h"

namespace corral::broker {

void Broker::place(const std::string& workspace_id, const std::string& user, PlaceReply reply) {
  if (user.empty()) return reply(error(ErrorCode::invalid_argument, "user is empty"));
  if (Status s = check_printable(user, "user", kMaxSessionUserBytes); !s.ok()) return reply(s);
  auto ws = workspaces_.find(workspace_id);
  if (ws == workspaces_.end()) return reply(error(ErrorCode::not_found, "no workspace with id " + workspace_id));
  const store::WorkspaceRecord& workspace = ws->second;
  if (!workspace.enabled) {
    return reply(error(ErrorCode::failed_precondition, "workspace " + workspace.name + " is disabled"));
  }
  auto pool = pools_.find(workspace.pool_id);
  if (pool == pools_.end()) {
    return reply(error(ErrorCode::failed_precondition, "workspace " + workspace.name + " names no known pool"));
  }

  Decision decision = pool->second.index.place(workspace_demand(workspace), user);
  if (auto* refused = std::get_if<NotPlaced>(&decision)) {
    log::info("broker.not_placed", {{"workspace_id", workspace_id},
                                    {"pool_id", workspace.pool_id},
                                    {"reason", no_placement_reason_name(refused->reason)},
                                    {"ready", refused->counts.ready},
                                    {"provisioning", refused->counts.provisioning},
                                    {"draining", refused->counts.draining}});
    return reply(PlaceOutcome{*refused});
  }

  SessionEntry entry;
  store::SessionRecord& r = entry.record;
  r.id = time_ordered_uuid(clock_.now());
  r.workspace_id = workspace.id;
  r.pool_id = workspace.pool_id;
  r.server_id = std::get<Placed>(decision).server_id;
  r.user = user;
  r.state = store::SessionState::reserved;
  r.origin = store::SessionOrigin::placed;
  r.agent_session_id = r.id;
  if (pool->second.record.type == store::PoolType::docker_agent) r.resources = workspace.session_resources;
  r.reserved_at = now();
  r.reservation_expires_at = r.reserved_at + settings_.reservation_timeout.count();
  store::SessionRecord row = r;
  track(std::move(entry));
  store_.submit([row](store::Store& s) { return s.sessions().insert(row); },
                [this, id = row.id, reply = std::move(reply)](const Status& written) { reserved(id, written, reply); });
}

void Broker::reserved(const std::string& session_id, const Status& written, const PlaceReply& reply) {
  auto it = sessions_.find(session_id);
  if (!written.ok()) {
    log::error("broker.reservation_not_written", {{"session_id", session_id}, {"error", written.to_string()}});
    untrack(session_id);
    return reply(written);
  }
  if (it == sessions_.end()) {
    // Nothing but this callback removes a session before its insert is written.
    return reply(error(ErrorCode::internal, "session " + session_id + " was lost before it was written"));
  }
  SessionEntry& entry = it->second;
  entry.committed = true;
  const store::SessionRecord session = entry.record;
  ServerEntry& server = servers_.at(session.server_id);
  log::info("broker.session_reserved", {{"session_id", session.id},
                                        {"workspace_id", session.workspace_id},
                                        {"server_id", session.server_id},
                                        {"user", session.user},
                                        {"expires_at", session.reservation_expires_at}});
  send_prepare(server, session);
  reply(PlaceOutcome{PlacedSession{session, connection_details(server.record, session.user)}});
}

}  // namespace corral::broker
