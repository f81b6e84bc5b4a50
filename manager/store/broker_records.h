// The session broker's rows: pools, their servers, workspaces and sessions (docs/broker-model.md).
// Plain values shared by every Store implementation; the broker and the REST API build and read
// them, and the broker turns them into the placement rule's inputs (manager/broker/placement.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corral::store {

// Label sets (pool labels, server labels, workspace include/exclude labels) are sets of exact
// tokens ("gpu", "site=lab"): the store keeps each once and returns them sorted.
using LabelSet = std::vector<std::string>;

enum class PoolType { server, docker_agent };
enum class ConnectionType { rdp, ssh, vnc };
enum class ServerOrigin { static_server, autoscaled };
enum class SessionState { reserved, active, ended };
// none while the session is not ended.
enum class SessionEndReason { none, user, admin, agent, expired_reservation, server_deleted };
enum class SessionOrigin { placed, reported };

// The names stored in the database and written in logs ("docker_agent", "expired_reservation"...).
const char* pool_type_name(PoolType t);
const char* connection_type_name(ConnectionType t);
const char* server_origin_name(ServerOrigin o);  // "static", "autoscaled"
const char* session_state_name(SessionState s);
const char* session_end_reason_name(SessionEndReason r);
const char* session_origin_name(SessionOrigin o);
// The reverse, for stored rows and query parameters; nullopt for a name that is not one of them.
std::optional<PoolType> parse_pool_type(std::string_view name);
std::optional<ConnectionType> parse_connection_type(std::string_view name);
std::optional<ServerOrigin> parse_server_origin(std::string_view name);
std::optional<SessionState> parse_session_state(std::string_view name);
std::optional<SessionEndReason> parse_session_end_reason(std::string_view name);
std::optional<SessionOrigin> parse_session_origin(std::string_view name);

// rdp 3389, ssh 22, vnc 5900: what a server's port is when none is given.
uint32_t default_connection_port(ConnectionType t);

// Docker capacity, in the units agents report. Each field is >= 0.
struct ResourceAmounts {
  int64_t cores_milli = 0;
  int64_t memory_bytes = 0;
  int64_t gpus = 0;
  bool operator==(const ResourceAmounts&) const = default;
};

// The Remote Desktop Gateway RDP clients of a pool go through; an empty hostname means none.
struct RdGateway {
  std::string hostname;  // printable, no spaces, ';' or line breaks (it goes into .rdp files)
  uint32_t port = 0;     // 0 = 443; at most 65535
  bool operator==(const RdGateway&) const = default;
};

// 443: the port of an RdGateway that names none.
inline constexpr uint32_t kDefaultRdGatewayPort = 443;

struct PoolRecord {
  std::string id;    // UUID
  std::string name;  // unique among pools
  PoolType type = PoolType::server;
  LabelSet labels;
  bool server_assignment = false;
  RdGateway rd_gateway;
  int64_t created_at = 0;  // unix seconds
  int64_t updated_at = 0;
  uint64_t revision = 0;  // 1 at creation, +1 on every change
};

struct ServerRecord {
  std::string id;        // UUID
  std::string pool_id;   // fixed at creation
  std::string hostname;  // unique within the pool
  std::string address;
  ConnectionType connection_type = ConnectionType::rdp;
  uint32_t connection_port = 0;
  std::string connection_username;  // may be "{sso_username}"
  // SecretBox::seal(password, server_password_aad(id)), or empty for no password. The store
  // refuses a non-empty value that is not sealed, so a plaintext password never reaches the disk.
  std::string connection_password_sealed;
  uint32_t max_sessions = 1;  // max_simultaneous_sessions_per_server; 0 takes none
  LabelSet labels;
  bool enabled = true;
  bool draining = false;
  ServerOrigin origin = ServerOrigin::static_server;
  std::string autoscale_config_id;  // autoscaled servers: the config that created it
  std::string vm_id;
  std::string agent_id;                     // the backing agent; empty = none yet
  std::vector<std::string> assigned_users;  // sorted, each once
  ResourceAmounts resource_overrides;       // docker pools; per field 0 = what the agent reports
  int64_t created_at = 0;                   // also "oldest" in placement
  int64_t updated_at = 0;
  uint64_t revision = 0;
};

// The associated data a server's connection password is sealed with: a sealed password copied to
// another server does not open.
std::string server_password_aad(const std::string& server_id);

struct WorkspaceRecord {
  std::string id;    // UUID
  std::string name;  // unique among workspaces
  std::string pool_id;
  LabelSet include_labels;
  LabelSet exclude_labels;
  bool enabled = true;
  ResourceAmounts session_resources;  // docker pools: what one session takes
  // Directory groups (DNs or names) whose signed-in users may use it; empty: none may.
  LabelSet allowed_groups;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  uint64_t revision = 0;
};

struct SessionRecord {
  std::string id;  // UUID
  // Empty for a reported session whose workspace is unknown; emptied when the workspace, server
  // or pool is deleted (only ended sessions outlive them).
  std::string workspace_id;
  std::string pool_id;
  std::string server_id;
  std::string user;
  SessionState state = SessionState::reserved;
  SessionEndReason end_reason = SessionEndReason::none;
  SessionOrigin origin = SessionOrigin::placed;
  std::string agent_session_id;  // the id the agent reports it under
  ResourceAmounts resources;     // docker pools: what it takes, copied from the workspace when placed
  // Unix seconds; 0 = not (yet). A reservation holds while now < reservation_expires_at.
  int64_t reserved_at = 0;
  int64_t reservation_expires_at = 0;
  int64_t activated_at = 0;
  int64_t ended_at = 0;
};

}  // namespace corral::store
