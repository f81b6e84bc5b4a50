// What the session broker decides a placement from, and what it gets back: plain values (no
// protobuf, no store), so the rule in docs/placement.md can be tested row by row. The broker builds
// these from its model; decide_placement() is the rule itself and PlacementIndex the fast form of it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace corral::broker {

// A label is one token ("gpu", "site=lab"); matching is exact. Order and duplicates do not matter.
using Labels = std::vector<std::string>;

enum class PoolType { server, docker_agent };

struct PoolSpec {
  PoolType type = PoolType::server;
  Labels labels;  // count as labels of every server in the pool
  // Users may be pinned to servers: an assigned user lands only on their servers, and nobody
  // else lands on a server assigned to someone.
  bool server_assignment = false;
};

// Docker pools count capacity in the units the agent reports.
struct Resources {
  int64_t cores_milli = 0;
  int64_t memory_bytes = 0;
  int64_t gpus = 0;
  bool operator==(const Resources&) const = default;
  Resources& operator+=(const Resources& other) {
    cores_milli += other.cores_milli;
    memory_bytes += other.memory_bytes;
    gpus += other.gpus;
    return *this;
  }
};

// One session host of the pool, as the broker sees it at this moment.
struct ServerState {
  std::string id;  // unique in the pool, never empty
  Labels labels;
  bool enabled = true;
  bool draining = false;
  bool agent_connected = false;
  bool agent_missing = false;
  // Smaller is older (creation time, or the order servers were added); breaks ties after load and
  // free capacity, so the oldest servers fill first and the newest empty first.
  int64_t created_at = 0;
  // Active plus reserved sessions on the server.
  uint32_t sessions = 0;
  // A server takes a session only while sessions < max_sessions (0 takes none), in docker pools
  // as well as server pools.
  uint32_t max_sessions = 1;
  // The user this server is assigned to; empty = nobody. Read only when the pool has
  // server_assignment.
  std::string assigned_user;
  // Docker pools: the totals the agent reports, the admin's per-server overrides (each field: 0 =
  // use what the agent reports), and what active and reserved sessions already take.
  Resources reported;
  Resources overrides;
  Resources used;
};

// What one session of a workspace asks for.
struct WorkspaceDemand {
  Labels include_labels;  // the server must carry every one
  Labels exclude_labels;  // the server must carry none
  Resources need;         // docker pools only
};

// Why no server was chosen. The broker answers 503 with this and the counts.
enum class NoPlacementReason {
  pool_empty,                 // the pool has no servers
  no_matching_server,         // no server may take this workspace: labels, or assigned to others
  no_ready_server,            // some may, but none is ready (disabled, draining, agent not there)
  pool_full,                  // every ready server that may take it is full
  assigned_server_excluded,   // the user's server lacks the include labels or has an exclude one
  assigned_server_not_ready,  // the user's server is disabled, draining or its agent is not there
  assigned_server_full,       // the user's server is ready and full
};

const char* no_placement_reason_name(NoPlacementReason reason);

// Every server of the pool is counted once, in the first row that applies to it (top to bottom).
struct ServerCounts {
  uint32_t total = 0;
  // Servers the user may not use because of server assignment: assigned to another user, or, for
  // an assigned user, every server not assigned to them.
  uint32_t not_for_user = 0;
  uint32_t excluded_by_labels = 0;
  uint32_t disabled = 0;
  uint32_t draining = 0;
  uint32_t provisioning = 0;  // enabled, not draining, agent not connected or missing
  uint32_t ready = 0;         // may take this workspace and is ready...
  uint32_t full = 0;          // ...of which this many are full (all of them, when nothing is placed)
  bool operator==(const ServerCounts&) const = default;
};

struct Placed {
  std::string server_id;
  bool operator==(const Placed&) const = default;
};

struct NotPlaced {
  NoPlacementReason reason = NoPlacementReason::pool_empty;
  ServerCounts counts;
  bool operator==(const NotPlaced&) const = default;
};

using Decision = std::variant<Placed, NotPlaced>;

// The operator-facing sentence for a 503 body, e.g. "pool is full: 3 servers ready and all full,
// 1 provisioning, 2 draining".
std::string describe(const NotPlaced& not_placed);

// The placement rule (docs/placement.md) by a scan of every server: the reference the tests state
// the rule against and PlacementIndex is checked with. `servers` must have unique ids.
Decision decide_placement(const PoolSpec& pool, std::span<const ServerState> servers, const WorkspaceDemand& workspace,
                          std::string_view user);

}  // namespace corral::broker
