// The broker's bookkeeping: which session counts on which server, what the placement index and
// the Welcome settings table are told when that changes.
#include "manager/broker/broker.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "manager/broker/server_labels.h"

namespace corral::broker {
namespace {

Resources plus(Resources a, const Resources& b, int sign) {
  a.cores_milli += sign * b.cores_milli;
  a.memory_bytes += sign * b.memory_bytes;
  a.gpus += sign * b.gpus;
  return a;
}

}  // namespace

Broker::Broker(store::StoreExecutor& store, const Clock& clock, BrokerSettings settings, manager::AgentCommands& agents,
               manager::FleetEvents& events, ServerSettingsTable& server_settings)
    : store_(store),
      clock_(clock),
      settings_(settings),
      agents_(agents),
      server_settings_(server_settings),
      subscription_(events.subscribe(*this)) {}

std::optional<store::SessionRecord> Broker::session(const std::string& session_id) const {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.record;
}

uint32_t Broker::server_load(const std::string& server_id) const {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? 0 : it->second.sessions;
}

PoolEntry* Broker::pool_of(const ServerEntry& server) {
  auto it = pools_.find(server.record.pool_id);
  return it == pools_.end() ? nullptr : &it->second;
}

ServerEntry* Broker::server_of_agent(const std::string& agent_id) {
  auto it = server_by_agent_.find(agent_id);
  if (it == server_by_agent_.end()) return nullptr;
  auto server = servers_.find(it->second);
  return server == servers_.end() ? nullptr : &server->second;
}

const ServerEntry* Broker::server_entry(const std::string& server_id) const {
  auto it = servers_.find(server_id);
  return it == servers_.end() ? nullptr : &it->second;
}

void Broker::notify(const ServerEntry& server, bool session_ended) const {
  if (!listener_) return;
  listener_(ServerNotice{server.record.id, server.record.autoscale_config_id, session_ended, false});
}

void Broker::make_room_for_sessions() {
  // Growing an unordered_map rehashes every entry in one go, on the core: at 85,000 sessions the
  // two tables below took ~50 ms together, the longest stall a placement met (docs/PERFORMANCE.md).
  // Sessions never outnumber the slots (reported ones aside), so sizing for the slots moves the
  // growth to the moment servers are added. The cap bounds the memory: ~4 MiB of buckets a table.
  constexpr size_t kMostSessionsSizedFor = size_t{1} << 19;
  size_t slots = 0;
  for (const auto& [id, server] : servers_) slots += server.record.max_sessions;
  const size_t want = std::min(slots, kMostSessionsSizedFor);
  // Only ever up: libstdc++'s reserve() below the bucket count shrinks the table, a rehash too.
  if (want > sessions_.bucket_count()) sessions_.reserve(want);
  if (want > commands_.bucket_count()) commands_.reserve(want);
}

void Broker::refresh(ServerEntry& server) {
  notify(server);
  PoolEntry* pool = pool_of(server);
  if (pool == nullptr) return;
  if (Status s = pool->index.update(server_state(server)); !s.ok()) {
    log::error("broker.index_failed", {{"server_id", server.record.id}, {"error", s.to_string()}});
  }
}

void Broker::track(SessionEntry entry) {
  auto it = servers_.find(entry.record.server_id);
  if (it == servers_.end()) {
    log::warn("broker.session_without_server",
              {{"session_id", entry.record.id}, {"server_id", entry.record.server_id}});
    return;
  }
  ServerEntry& server = it->second;
  const store::SessionRecord& r = entry.record;
  ++server.sessions;
  server.used = plus(server.used, resources(r.resources), +1);
  server.by_agent_session[r.agent_session_id] = r.id;
  if (r.state == store::SessionState::reserved) expiries_.emplace(r.reservation_expires_at, r.id);
  std::string id = r.id;
  sessions_[std::move(id)] = std::move(entry);
  if (PoolEntry* pool = pool_of(server)) {
    // The server is in its pool's index (load() and refresh() keep it there), so this cannot fail.
    (void)pool->index.set_load(server.record.id, server.sessions, server.used);
  }
  notify(server);
}

void Broker::untrack(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  const store::SessionRecord r = std::move(it->second.record);
  sessions_.erase(it);
  expiries_.erase({r.reservation_expires_at, r.id});
  auto server_it = servers_.find(r.server_id);
  if (server_it == servers_.end()) return;
  ServerEntry& server = server_it->second;
  --server.sessions;
  server.used = plus(server.used, resources(r.resources), -1);
  auto mapped = server.by_agent_session.find(r.agent_session_id);
  if (mapped != server.by_agent_session.end() && mapped->second == r.id) server.by_agent_session.erase(mapped);
  if (PoolEntry* pool = pool_of(server)) (void)pool->index.set_load(server.record.id, server.sessions, server.used);
  notify(server, /*session_ended=*/true);
}

void Broker::publish_settings(const ServerEntry& server) {
  const store::ServerRecord& r = server.record;
  if (r.agent_id.empty()) return;
  manager::BackedServer backed;
  backed.server_id = r.id;
  backed.settings.set_max_sessions(r.max_sessions);
  backed.settings.set_draining(r.draining);
  for (auto& [key, value] : agent_labels(r.labels)) (*backed.settings.mutable_labels())[key] = value;
  server_settings_.put(r.agent_id, std::move(backed));
}

void Broker::set_agent_state(const std::string& agent_id, bool connected, bool missing, int64_t silent_ms) {
  if (connected) {
    presence_[agent_id] = {connected, missing};
  } else {
    presence_.erase(agent_id);
  }
  ServerEntry* server = server_of_agent(agent_id);
  if (server == nullptr) return;
  if (server->agent_connected == connected && server->agent_missing == missing) return;
  server->agent_connected = connected;
  server->agent_missing = missing;
  const bool present = connected && !missing;
  if (present) {
    server->away_since_ms = 0;
  } else if (server->away_since_ms == 0) {
    server->away_since_ms = now_ms() - silent_ms;
  }
  refresh(*server);
}

}  // namespace corral::broker
