#include "manager/broker/placement_rule.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace corral::broker {

Labels normalized(Labels labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

Labels effective_labels(const PoolSpec& pool, const ServerState& server) {
  Labels all = server.labels;
  all.insert(all.end(), pool.labels.begin(), pool.labels.end());
  return normalized(std::move(all));
}

bool labels_match(const Labels& effective, const WorkspaceDemand& workspace) {
  if (!std::includes(effective.begin(), effective.end(), workspace.include_labels.begin(),
                     workspace.include_labels.end())) {
    return false;
  }
  // Both sorted: one merge-like walk finds any label the two share.
  auto e = effective.begin();
  auto x = workspace.exclude_labels.begin();
  while (e != effective.end() && x != workspace.exclude_labels.end()) {
    if (*e < *x) {
      ++e;
    } else if (*x < *e) {
      ++x;
    } else {
      return false;
    }
  }
  return true;
}

WorkspaceDemand normalized(PoolType type, WorkspaceDemand workspace) {
  workspace.include_labels = normalized(std::move(workspace.include_labels));
  workspace.exclude_labels = normalized(std::move(workspace.exclude_labels));
  if (type == PoolType::server) workspace.need = {};
  return workspace;
}

Resources capacity(const Resources& reported, const Resources& overrides) {
  auto field = [](int64_t report, int64_t override_value) { return override_value > 0 ? override_value : report; };
  return {field(reported.cores_milli, overrides.cores_milli), field(reported.memory_bytes, overrides.memory_bytes),
          field(reported.gpus, overrides.gpus)};
}

Resources free_resources(const Resources& reported, const Resources& overrides, const Resources& used) {
  const Resources total = capacity(reported, overrides);
  return {std::max<int64_t>(0, total.cores_milli - used.cores_milli),
          std::max<int64_t>(0, total.memory_bytes - used.memory_bytes), std::max<int64_t>(0, total.gpus - used.gpus)};
}

Resources free_resources(const ServerState& server) {
  return free_resources(server.reported, server.overrides, server.used);
}

namespace {

bool has_room(PoolType type, const ServerState& server, const Resources& need) {
  // Every pool type: the agent refuses a session past its maximum, so placing one there would
  // only end in a refusal.
  if (server.sessions >= server.max_sessions) return false;
  if (type == PoolType::server) return true;
  const Resources free = free_resources(server);
  return free.cores_milli >= need.cores_milli && free.memory_bytes >= need.memory_bytes && free.gpus >= need.gpus;
}

}  // namespace

Standing standing(PoolType type, const ServerState& server, const Resources& need) {
  if (!server.enabled) return Standing::disabled;
  if (server.draining) return Standing::draining;
  if (!server.agent_connected || server.agent_missing) return Standing::provisioning;
  if (!has_room(type, server, need)) return Standing::full;
  return Standing::eligible;
}

RankKey rank_key(PoolType type, const ServerState& server) {
  RankKey key{.sessions = server.sessions, .created_at = server.created_at, .id = &server.id};
  if (type == PoolType::server) {
    key.free = {server.max_sessions > server.sessions ? int64_t{server.max_sessions} - server.sessions : 0, 0, 0};
  } else {
    const Resources free = free_resources(server);
    key.free = {free.cores_milli, free.memory_bytes, free.gpus};
  }
  return key;
}

bool RankOrder::operator()(const RankKey& a, const RankKey& b) const {
  // More free capacity ranks first, so `free` is compared with the sides swapped.
  return std::tie(a.sessions, b.free, a.created_at, *a.id) < std::tie(b.sessions, a.free, b.created_at, *b.id);
}

void count(ServerCounts& counts, Standing standing) {
  switch (standing) {
    case Standing::disabled: ++counts.disabled; return;
    case Standing::draining: ++counts.draining; return;
    case Standing::provisioning: ++counts.provisioning; return;
    case Standing::full:
      ++counts.ready;
      ++counts.full;
      return;
    case Standing::eligible: ++counts.ready; return;
  }
}

NoPlacementReason no_placement_reason(const ServerCounts& counts, bool assigned_user) {
  if (counts.total == 0) return NoPlacementReason::pool_empty;
  if (counts.total == counts.not_for_user + counts.excluded_by_labels) {
    return assigned_user ? NoPlacementReason::assigned_server_excluded : NoPlacementReason::no_matching_server;
  }
  if (counts.ready > 0) {
    return assigned_user ? NoPlacementReason::assigned_server_full : NoPlacementReason::pool_full;
  }
  return assigned_user ? NoPlacementReason::assigned_server_not_ready : NoPlacementReason::no_ready_server;
}

}  // namespace corral::broker
