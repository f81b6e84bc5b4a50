#include "manager/broker/placement_index.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

namespace corral::broker {

namespace {

size_t slot(Standing standing) { return static_cast<size_t>(standing); }

}  // namespace

bool PlacementIndex::DemandOrder::operator()(const WorkspaceDemand& a, const WorkspaceDemand& b) const {
  return std::tie(a.include_labels, a.exclude_labels, a.need.cores_milli, a.need.memory_bytes, a.need.gpus) <
         std::tie(b.include_labels, b.exclude_labels, b.need.cores_milli, b.need.memory_bytes, b.need.gpus);
}

PlacementIndex::PlacementIndex(PoolSpec pool) : pool_(std::move(pool)) {}

Status PlacementIndex::add(ServerState server) {
  if (server.id.empty()) return error(ErrorCode::invalid_argument, "server id is empty");
  if (servers_.contains(server.id)) {
    return error(ErrorCode::already_exists, "server " + server.id + " is already in the placement index");
  }
  std::string id = server.id;
  Entry& entry = servers_[std::move(id)];
  entry.effective_labels = effective_labels(pool_, server);
  entry.state = std::move(server);
  attach(entry);
  return {};
}

Status PlacementIndex::update(ServerState server) {
  auto it = servers_.find(server.id);
  if (it == servers_.end())
    return error(ErrorCode::not_found, "server " + server.id + " is not in the placement index");
  Entry& entry = it->second;
  detach(entry);
  if (server.labels != entry.state.labels) entry.effective_labels = effective_labels(pool_, server);
  entry.state = std::move(server);
  attach(entry);
  return {};
}

Status PlacementIndex::set_load(std::string_view id, uint32_t sessions, const Resources& used) {
  auto it = servers_.find(id);
  if (it == servers_.end()) {
    return error(ErrorCode::not_found, "server " + std::string(id) + " is not in the placement index");
  }
  Entry& entry = it->second;
  // Assigned servers are in no view, so this loop is empty for them.
  for (View* view : entry.views) leave(pool_.type, *view, entry);
  entry.state.sessions = sessions;
  entry.state.used = used;
  for (View* view : entry.views) enter(pool_.type, *view, entry);
  return {};
}

Status PlacementIndex::remove(std::string_view id) {
  auto it = servers_.find(id);
  if (it == servers_.end()) {
    return error(ErrorCode::not_found, "server " + std::string(id) + " is not in the placement index");
  }
  detach(it->second);
  servers_.erase(it);
  return {};
}

bool PlacementIndex::in_views(const ServerState& server) const {
  return !pool_.server_assignment || server.assigned_user.empty();
}

void PlacementIndex::attach(Entry& entry) {
  if (!in_views(entry.state)) {
    by_user_[entry.state.assigned_user].push_back(&entry);
    ++assigned_servers_;
    return;
  }
  entry.views.clear();
  for (auto& [demand, view] : views_) {
    if (labels_match(entry.effective_labels, demand)) entry.views.push_back(view.get());
  }
  for (View* view : entry.views) enter(pool_.type, *view, entry);
}

void PlacementIndex::detach(Entry& entry) {
  if (!in_views(entry.state)) {
    auto mine = by_user_.find(entry.state.assigned_user);
    std::erase(mine->second, &entry);
    if (mine->second.empty()) by_user_.erase(mine);
    --assigned_servers_;
    return;
  }
  for (View* view : entry.views) leave(pool_.type, *view, entry);
  entry.views.clear();
}

void PlacementIndex::enter(PoolType type, View& view, const Entry& entry) {
  const Standing where = standing(type, entry.state, view.demand.need);
  ++view.standings[slot(where)];
  ++view.members;
  if (where == Standing::eligible) view.eligible.insert(rank_key(type, entry.state));
}

void PlacementIndex::leave(PoolType type, View& view, const Entry& entry) {
  // The state is unchanged since enter(), so this finds the same standing and key.
  const Standing where = standing(type, entry.state, view.demand.need);
  --view.standings[slot(where)];
  --view.members;
  if (where == Standing::eligible) view.eligible.erase(rank_key(type, entry.state));
}

PlacementIndex::View& PlacementIndex::view_for(const WorkspaceDemand& demand) {
  auto it = views_.find(demand);
  if (it != views_.end()) return *it->second;
  auto view = std::make_unique<View>();
  view->demand = demand;
  for (auto& [id, entry] : servers_) {
    if (!in_views(entry.state) || !labels_match(entry.effective_labels, demand)) continue;
    entry.views.push_back(view.get());
    enter(pool_.type, *view, entry);
  }
  return *views_.emplace(demand, std::move(view)).first->second;
}

Decision PlacementIndex::place(const WorkspaceDemand& workspace, std::string_view user) {
  const WorkspaceDemand demand = normalized(pool_.type, workspace);
  if (pool_.server_assignment && !user.empty()) {
    auto mine = by_user_.find(user);
    if (mine != by_user_.end()) return place_assigned(mine->second, demand);
  }
  const View& view = view_for(demand);
  if (!view.eligible.empty()) return Placed{*view.eligible.begin()->id};

  ServerCounts counts;
  counts.total = static_cast<uint32_t>(servers_.size());
  counts.not_for_user = assigned_servers_;
  counts.excluded_by_labels = counts.total - assigned_servers_ - view.members;
  counts.disabled = view.standings[slot(Standing::disabled)];
  counts.draining = view.standings[slot(Standing::draining)];
  counts.provisioning = view.standings[slot(Standing::provisioning)];
  counts.full = view.standings[slot(Standing::full)];
  counts.ready = counts.full + view.standings[slot(Standing::eligible)];
  return NotPlaced{no_placement_reason(counts, false), counts};
}

// An assigned user has a server or two: the rule is applied to them as decide_placement() does.
Decision PlacementIndex::place_assigned(const std::vector<Entry*>& mine, const WorkspaceDemand& demand) const {
  ServerCounts counts;
  counts.total = static_cast<uint32_t>(servers_.size());
  counts.not_for_user = counts.total - static_cast<uint32_t>(mine.size());
  std::optional<RankKey> best;
  for (const Entry* entry : mine) {
    if (!labels_match(entry->effective_labels, demand)) {
      ++counts.excluded_by_labels;
      continue;
    }
    const Standing where = standing(pool_.type, entry->state, demand.need);
    count(counts, where);
    if (where != Standing::eligible) continue;
    const RankKey key = rank_key(pool_.type, entry->state);
    if (!best || RankOrder{}(key, *best)) best = key;
  }
  if (best) return Placed{*best->id};
  return NotPlaced{no_placement_reason(counts, true), counts};
}

}  // namespace corral::broker
