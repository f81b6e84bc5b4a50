// The pieces of the placement rule (docs/placement.md) that decide_placement() and PlacementIndex
// share: which servers may take a workspace, which are ready and have room, and how the eligible
// ones are ranked. Nothing here keeps state.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "manager/broker/placement.h"

namespace corral::broker {

// Sorted, without duplicates: the form every label set is compared in.
Labels normalized(Labels labels);
// The server's labels and the pool's, normalized.
Labels effective_labels(const PoolSpec& pool, const ServerState& server);
// Both arguments normalized: every include label is present and no exclude label is.
bool labels_match(const Labels& effective, const WorkspaceDemand& normalized_workspace);
// The workspace with its label lists normalized; for server pools `need` is zeroed, so workspaces
// that differ only in a need the pool ignores compare equal.
WorkspaceDemand normalized(PoolType type, WorkspaceDemand workspace);

// Where a server stands for one workspace once labels and assignment allow it: the first of these
// that applies.
enum class Standing { disabled, draining, provisioning, full, eligible };
Standing standing(PoolType type, const ServerState& server, const Resources& need);

// Docker pools: per field, the override when set, else what the agent reports.
Resources capacity(const Resources& reported, const Resources& overrides);
// The same less what sessions use (never below 0).
Resources free_resources(const Resources& reported, const Resources& overrides, const Resources& used);
Resources free_resources(const ServerState& server);

// The order among eligible servers: fewest sessions, then most free capacity, then oldest, then
// smallest id. Free capacity is the free slots (max_sessions - sessions) in server pools and
// (free cores, free memory, free GPUs) compared in that order in docker pools.
struct RankKey {
  uint32_t sessions = 0;
  std::array<int64_t, 3> free{};
  int64_t created_at = 0;
  const std::string* id = nullptr;  // the server's own id: keys live no longer than their server
};
RankKey rank_key(PoolType type, const ServerState& server);

// a < b: a is preferred. A strict total order over servers with distinct ids.
struct RankOrder {
  bool operator()(const RankKey& a, const RankKey& b) const;
};

void count(ServerCounts& counts, Standing standing);
// Why nothing was placed, from the counts over the servers the user may use.
NoPlacementReason no_placement_reason(const ServerCounts& counts, bool assigned_user);

}  // namespace corral::broker
