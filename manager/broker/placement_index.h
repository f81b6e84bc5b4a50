// The placement rule kept ready for one pool, so a placement costs O(log servers) instead of a
// scan: the broker feeds it every server change (state, labels, reserve, release) and asks it
// where the next session goes. It answers exactly what decide_placement() would. Core thread only.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "manager/broker/placement.h"
#include "manager/broker/placement_rule.h"

namespace corral::broker {

// How it stays fast (docs/placement.md, "How the broker finds the server quickly"): one *view* per
// distinct workspace demand (include labels, exclude labels, and for docker pools the resources one
// session needs), made on the first placement with that demand. A view holds its eligible servers
// ordered by RankKey, so its first is the answer, and how many of its servers stand where, so a
// refusal is counted without a scan. A server change updates the views the server's labels match.
// Servers assigned to a user (pools with server_assignment) stay out of the views: their user's
// placements look at them directly, and nobody else may use them.
class PlacementIndex {
 public:
  // A change to the pool's own settings (type, labels, assignment) means a new index.
  explicit PlacementIndex(PoolSpec pool);
  PlacementIndex(const PlacementIndex&) = delete;
  PlacementIndex& operator=(const PlacementIndex&) = delete;
  PlacementIndex(PlacementIndex&&) = default;
  PlacementIndex& operator=(PlacementIndex&&) = default;

  // invalid_argument for an empty id; already_exists for a known one.
  Status add(ServerState server);
  // Replaces everything known about the server; not_found for an unknown id.
  Status update(ServerState server);
  // The reserve/release path: only the session count and the resources they use change.
  Status set_load(std::string_view id, uint32_t sessions, const Resources& used);
  Status remove(std::string_view id);

  // Where the next session of `workspace` for `user` goes. Not const: the first placement of a
  // demand builds its view (one scan of the pool, milliseconds at 10,000 servers).
  Decision place(const WorkspaceDemand& workspace, std::string_view user);
  // Builds the view of a workspace ahead of its first placement, e.g. when the broker loads or
  // creates the workspace, so no user waits for the scan. Views are never dropped: when a
  // workspace's labels or needs change, the broker builds a new index for the pool.
  void prepare(const WorkspaceDemand& workspace) { (void)view_for(normalized(pool_.type, workspace)); }

  size_t size() const { return servers_.size(); }
  size_t view_count() const { return views_.size(); }

 private:
  struct View {
    WorkspaceDemand demand;  // normalized
    std::set<RankKey, RankOrder> eligible;
    // How many of the servers whose labels match stand where, by Standing.
    std::array<uint32_t, 5> standings{};
    uint32_t members = 0;
  };
  struct Entry {
    ServerState state;
    Labels effective_labels;   // the server's and the pool's, normalized
    std::vector<View*> views;  // the views whose labels it matches, when it is in views at all
  };
  struct DemandOrder {
    bool operator()(const WorkspaceDemand& a, const WorkspaceDemand& b) const;
  };
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  bool in_views(const ServerState& server) const;
  void attach(Entry& entry);
  void detach(Entry& entry);
  static void enter(PoolType type, View& view, const Entry& entry);
  static void leave(PoolType type, View& view, const Entry& entry);
  View& view_for(const WorkspaceDemand& demand);
  Decision place_assigned(const std::vector<Entry*>& mine, const WorkspaceDemand& demand) const;

  PoolSpec pool_;
  // Entries never move (node-based map): views and by_user_ point at them.
  std::unordered_map<std::string, Entry, IdHash, std::equal_to<>> servers_;
  std::map<WorkspaceDemand, std::unique_ptr<View>, DemandOrder> views_;
  std::unordered_map<std::string, std::vector<Entry*>, IdHash, std::equal_to<>> by_user_;
  uint32_t assigned_servers_ = 0;
};

}  // namespace corral::broker
