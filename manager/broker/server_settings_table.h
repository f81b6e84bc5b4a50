// The settings of every server that has a backing agent, by agent id, as the broker last
// committed them: the agent registry reads it to build each Welcome, the broker writes it. Built
// before both (the registry only reads, through ServerSettingsSource), so neither is handed the
// other. Core thread only.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "manager/fleet/server_settings_source.h"

namespace corral::broker {

class ServerSettingsTable final : public manager::ServerSettingsSource {
 public:
  std::optional<manager::BackedServer> backed_server(const std::string& agent_id) const override;

  void put(const std::string& agent_id, manager::BackedServer server);
  void erase(const std::string& agent_id);
  size_t size() const { return by_agent_.size(); }

 private:
  std::unordered_map<std::string, manager::BackedServer> by_agent_;
};

}  // namespace corral::broker
