// A ServerSettingsSource the test fills by hand: what the registry puts in each Welcome.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "manager/fleet/server_settings_source.h"

namespace corral::manager::testing {

class FakeServerSettings final : public ServerSettingsSource {
 public:
  std::optional<BackedServer> backed_server(const std::string& agent_id) const override {
    auto it = servers.find(agent_id);
    if (it == servers.end()) return std::nullopt;
    return it->second;
  }

  std::map<std::string, BackedServer> servers;  // by agent id
};

}  // namespace corral::manager::testing
