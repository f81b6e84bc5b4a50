#include "manager/store/broker_validation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/secret_box.h"

namespace corral::store {

namespace {

Status required(const std::string& value, const char* what) {
  if (value.empty()) return error(ErrorCode::invalid_argument, std::string(what) + " is required");
  return {};
}

// Sorted, each once, no empty entry: a set, in the form it is stored and compared in.
Status normalize_set(std::vector<std::string>& values, const char* what) {
  for (const std::string& v : values) {
    if (v.empty()) return error(ErrorCode::invalid_argument, std::string(what) + " has an empty entry");
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return {};
}

Status non_negative(const ResourceAmounts& r, const char* what) {
  if (r.cores_milli < 0 || r.memory_bytes < 0 || r.gpus < 0)
    return error(ErrorCode::invalid_argument, std::string(what) + " must not be negative");
  return {};
}

}  // namespace

Status check_rd_gateway(const RdGateway& gateway) {
  if (gateway.port > 65535) return error(ErrorCode::invalid_argument, "rd_gateway port must be at most 65535");
  if (gateway.hostname.empty()) {
    if (gateway.port != 0) return error(ErrorCode::invalid_argument, "rd_gateway port is set without a hostname");
    return {};
  }
  if (gateway.hostname.size() > kMaxRdGatewayHostnameBytes) {
    return error(ErrorCode::invalid_argument,
                 "rd_gateway hostname is longer than " + std::to_string(kMaxRdGatewayHostnameBytes) + " bytes");
  }
  // Printable ASCII only: a DNS name or an IP address needs nothing else, and the value is
  // written into .rdp files, where a line break would start a setting of its own.
  for (unsigned char c : gateway.hostname) {
    if (c <= 0x20 || c >= 0x7f || c == ';') {
      return error(ErrorCode::invalid_argument,
                   "rd_gateway hostname may hold only printable characters other than spaces and ';'");
    }
  }
  return {};
}

Result<PoolRecord> checked_pool(PoolRecord pool) {
  if (Status s = required(pool.id, "pool id"); !s.ok()) return s;
  if (Status s = required(pool.name, "pool name"); !s.ok()) return s;
  if (Status s = normalize_set(pool.labels, "pool labels"); !s.ok()) return s;
  if (Status s = check_rd_gateway(pool.rd_gateway); !s.ok()) return s;
  return pool;
}

Result<ServerRecord> checked_server(ServerRecord server) {
  if (Status s = required(server.id, "server id"); !s.ok()) return s;
  if (Status s = required(server.pool_id, "server pool id"); !s.ok()) return s;
  if (Status s = required(server.hostname, "server hostname"); !s.ok()) return s;
  // Checked by form only (the store holds no key): the API seals before it writes.
  if (!server.connection_password_sealed.empty() && !SecretBox::looks_sealed(server.connection_password_sealed))
    return error(ErrorCode::invalid_argument, "server connection password must be sealed before it is stored");
  if (Status s = normalize_set(server.labels, "server labels"); !s.ok()) return s;
  if (Status s = normalize_set(server.assigned_users, "server assigned users"); !s.ok()) return s;
  if (Status s = non_negative(server.resource_overrides, "server resource overrides"); !s.ok()) return s;
  return server;
}

Result<WorkspaceRecord> checked_workspace(WorkspaceRecord workspace) {
  if (Status s = required(workspace.id, "workspace id"); !s.ok()) return s;
  if (Status s = required(workspace.name, "workspace name"); !s.ok()) return s;
  if (Status s = required(workspace.pool_id, "workspace pool id"); !s.ok()) return s;
  if (Status s = normalize_set(workspace.include_labels, "workspace include labels"); !s.ok()) return s;
  if (Status s = normalize_set(workspace.exclude_labels, "workspace exclude labels"); !s.ok()) return s;
  if (Status s = normalize_set(workspace.allowed_groups, "workspace allowed groups"); !s.ok()) return s;
  if (Status s = non_negative(workspace.session_resources, "workspace session resources"); !s.ok()) return s;
  return workspace;
}

Result<SessionRecord> checked_new_session(SessionRecord session) {
  if (Status s = required(session.id, "session id"); !s.ok()) return s;
  if (Status s = required(session.pool_id, "session pool id"); !s.ok()) return s;
  if (Status s = required(session.server_id, "session server id"); !s.ok()) return s;
  if (Status s = non_negative(session.resources, "session resources"); !s.ok()) return s;
  if (session.origin == SessionOrigin::placed && session.workspace_id.empty())
    return error(ErrorCode::invalid_argument, "a placed session needs its workspace id");
  if (session.origin == SessionOrigin::reported && session.state != SessionState::active)
    return error(ErrorCode::invalid_argument, "a reported session is recorded active");
  switch (session.state) {
    case SessionState::reserved:
      if (session.reservation_expires_at <= 0)
        return error(ErrorCode::invalid_argument, "a reserved session needs reservation_expires_at");
      break;
    case SessionState::active:
      if (session.activated_at <= 0) return error(ErrorCode::invalid_argument, "an active session needs activated_at");
      break;
    case SessionState::ended: return error(ErrorCode::invalid_argument, "a new session cannot be ended already");
  }
  if (session.end_reason != SessionEndReason::none || session.ended_at != 0)
    return error(ErrorCode::invalid_argument, "a new session has no end reason or end time");
  return session;
}

}  // namespace corral::store
