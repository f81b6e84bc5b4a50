#include "manager/broker/server_settings_table.h"

#include <utility>

namespace corral::broker {

std::optional<manager::BackedServer> ServerSettingsTable::backed_server(const std::string& agent_id) const {
  auto it = by_agent_.find(agent_id);
  if (it == by_agent_.end()) return std::nullopt;
  return it->second;
}

void ServerSettingsTable::put(const std::string& agent_id, manager::BackedServer server) {
  by_agent_[agent_id] = std::move(server);
}

void ServerSettingsTable::erase(const std::string& agent_id) { by_agent_.erase(agent_id); }

}  // namespace corral::broker
