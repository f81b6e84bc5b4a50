// Where the agent registry finds the settings of the server an agent backs when it builds that
// agent's Welcome: the manager owns max sessions, draining and labels (docs/protocol.md, "Server
// settings"). The broker keeps the table (manager/broker/server_settings_table.h); the registry
// only reads it, on the core thread.
#pragma once

#include <optional>
#include <string>

#include "corral/agent/v1/agent.pb.h"

namespace corral::manager {

struct BackedServer {
  std::string server_id;
  corral::agent::v1::ServerSettings settings;
};

class ServerSettingsSource {
 public:
  virtual ~ServerSettingsSource() = default;
  // The server `agent_id` backs and its settings; nullopt when it backs none.
  virtual std::optional<BackedServer> backed_server(const std::string& agent_id) const = 0;
};

}  // namespace corral::manager
