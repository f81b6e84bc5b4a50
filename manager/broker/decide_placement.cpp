// decide_placement(): the placement rule by a scan of every server, written to be read against
// docs/placement.md rather than to be fast (PlacementIndex is the fast form).
#include <algorithm>
#include <optional>

#include "manager/broker/placement.h"
#include "manager/broker/placement_rule.h"

namespace corral::broker {

Decision decide_placement(const PoolSpec& pool, std::span<const ServerState> servers, const WorkspaceDemand& workspace,
                          std::string_view user) {
  const WorkspaceDemand demand = normalized(pool.type, workspace);
  const bool assignment = pool.server_assignment;
  const bool assigned_user =
      assignment && !user.empty() &&
      std::any_of(servers.begin(), servers.end(), [&](const ServerState& s) { return s.assigned_user == user; });

  ServerCounts counts;
  std::optional<RankKey> best;
  for (const ServerState& server : servers) {
    ++counts.total;
    // An assigned user may use only their servers; anyone else only servers assigned to nobody.
    const bool for_user = assigned_user ? server.assigned_user == user : !assignment || server.assigned_user.empty();
    if (!for_user) {
      ++counts.not_for_user;
      continue;
    }
    if (!labels_match(effective_labels(pool, server), demand)) {
      ++counts.excluded_by_labels;
      continue;
    }
    const Standing where = standing(pool.type, server, demand.need);
    count(counts, where);
    if (where != Standing::eligible) continue;
    const RankKey key = rank_key(pool.type, server);
    if (!best || RankOrder{}(key, *best)) best = key;
  }
  if (best) return Placed{*best->id};
  return NotPlaced{no_placement_reason(counts, assigned_user), counts};
}

}  // namespace corral::broker
