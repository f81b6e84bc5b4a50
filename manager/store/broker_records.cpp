// The functions broker_records.h and broker_outcomes.h declare: the names of the broker model's
// enums (the text stored in the database, checked there by migration 6, written in logs and
// accepted in query parameters) and the model's fixed values.
#include <array>
#include <utility>

#include "manager/store/broker_outcomes.h"
#include "manager/store/broker_records.h"
#include "manager/store/server_repository.h"
#include "manager/store/session_repository.h"

namespace corral::store {

namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, const char*>, N>;

constexpr NameTable<PoolType, 2> kPoolTypes{{{PoolType::server, "server"}, {PoolType::docker_agent, "docker_agent"}}};
constexpr NameTable<ConnectionType, 3> kConnectionTypes{
    {{ConnectionType::rdp, "rdp"}, {ConnectionType::ssh, "ssh"}, {ConnectionType::vnc, "vnc"}}};
constexpr NameTable<ServerOrigin, 2> kServerOrigins{
    {{ServerOrigin::static_server, "static"}, {ServerOrigin::autoscaled, "autoscaled"}}};
constexpr NameTable<SessionState, 3> kSessionStates{
    {{SessionState::reserved, "reserved"}, {SessionState::active, "active"}, {SessionState::ended, "ended"}}};
constexpr NameTable<SessionEndReason, 6> kEndReasons{{{SessionEndReason::none, "none"},
                                                      {SessionEndReason::user, "user"},
                                                      {SessionEndReason::admin, "admin"},
                                                      {SessionEndReason::agent, "agent"},
                                                      {SessionEndReason::expired_reservation, "expired_reservation"},
                                                      {SessionEndReason::server_deleted, "server_deleted"}}};
constexpr NameTable<SessionOrigin, 2> kSessionOrigins{
    {{SessionOrigin::placed, "placed"}, {SessionOrigin::reported, "reported"}}};

template <typename Enum, size_t N>
const char* name_in(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> parse_in(const NameTable<Enum, N>& table, std::string_view text) {
  for (const auto& [v, name] : table) {
    if (text == name) return v;
  }
  return std::nullopt;
}

}  // namespace

const char* pool_type_name(PoolType t) { return name_in(kPoolTypes, t); }
const char* connection_type_name(ConnectionType t) { return name_in(kConnectionTypes, t); }
const char* server_origin_name(ServerOrigin o) { return name_in(kServerOrigins, o); }
const char* session_state_name(SessionState s) { return name_in(kSessionStates, s); }
const char* session_end_reason_name(SessionEndReason r) { return name_in(kEndReasons, r); }
const char* session_origin_name(SessionOrigin o) { return name_in(kSessionOrigins, o); }

std::optional<PoolType> parse_pool_type(std::string_view n) { return parse_in(kPoolTypes, n); }
std::optional<ConnectionType> parse_connection_type(std::string_view n) { return parse_in(kConnectionTypes, n); }
std::optional<ServerOrigin> parse_server_origin(std::string_view n) { return parse_in(kServerOrigins, n); }
std::optional<SessionState> parse_session_state(std::string_view n) { return parse_in(kSessionStates, n); }
std::optional<SessionEndReason> parse_session_end_reason(std::string_view n) { return parse_in(kEndReasons, n); }
std::optional<SessionOrigin> parse_session_origin(std::string_view n) { return parse_in(kSessionOrigins, n); }

uint32_t default_connection_port(ConnectionType t) {
  switch (t) {
    case ConnectionType::rdp: return 3389;
    case ConnectionType::ssh: return 22;
    case ConnectionType::vnc: return 5900;
  }
  return 0;
}

std::string server_password_aad(const std::string& server_id) { return "server/" + server_id + "/connection_password"; }

const char* update_outcome_name(UpdateOutcome o) {
  switch (o) {
    case UpdateOutcome::updated: return "updated";
    case UpdateOutcome::not_found: return "not_found";
    case UpdateOutcome::revision_mismatch: return "revision_mismatch";
    case UpdateOutcome::name_taken: return "name_taken";
    case UpdateOutcome::pool_not_found: return "pool_not_found";
  }
  return "?";
}

const char* remove_outcome_name(RemoveOutcome o) {
  switch (o) {
    case RemoveOutcome::removed: return "removed";
    case RemoveOutcome::not_found: return "not_found";
    case RemoveOutcome::has_servers: return "has_servers";
    case RemoveOutcome::has_workspaces: return "has_workspaces";
    case RemoveOutcome::has_sessions: return "has_sessions";
    case RemoveOutcome::has_autoscale_configs: return "has_autoscale_configs";
  }
  return "?";
}

const char* agent_binding_name(AgentBinding b) {
  switch (b) {
    case AgentBinding::bound: return "bound";
    case AgentBinding::server_not_found: return "server_not_found";
    case AgentBinding::agent_not_found: return "agent_not_found";
    case AgentBinding::agent_taken: return "agent_taken";
  }
  return "?";
}

const char* session_activation_name(SessionActivation a) {
  switch (a) {
    case SessionActivation::activated: return "activated";
    case SessionActivation::already_active: return "already_active";
    case SessionActivation::ended: return "ended";
    case SessionActivation::not_found: return "not_found";
  }
  return "?";
}

const char* session_ending_name(SessionEnding e) {
  switch (e) {
    case SessionEnding::ended: return "ended";
    case SessionEnding::already_ended: return "already_ended";
    case SessionEnding::not_found: return "not_found";
  }
  return "?";
}

}  // namespace corral::store
