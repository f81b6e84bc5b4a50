#include "manager/providers/provider_registry.h"

#include "manager/providers/isolated_client.h"
#include "manager/providers/plugin_loader.h"

namespace corral::manager::providers {

Result<std::unique_ptr<ProviderRegistry>> ProviderRegistry::load(const corral::config::v1::PluginsConfig& config,
                                                                 const std::string& default_dir,
                                                                 const std::string& default_host_binary) {
  auto registry = std::make_unique<ProviderRegistry>();
  const std::string dir = config.dir().empty() ? default_dir : config.dir();
  const std::string host = config.host_binary().empty() ? default_host_binary : config.host_binary();
  for (int i = 0; i < config.load_size(); ++i) {
    const auto& p = config.load(i);
    const std::string where = "plugins.load[" + std::to_string(i) + "]";
    if (p.file().empty()) return error(ErrorCode::invalid_argument, where + ".file is required");
    std::string isolation = p.isolation().empty() ? "process" : p.isolation();
    LoadOptions load;
    load.plugin_dir = dir;
    load.file = p.file();
    load.sha256 = p.sha256();
    Result<std::shared_ptr<ProviderClient>> client = error(ErrorCode::internal, "unset");
    if (isolation == "in_process") {
      client = load_in_process(load);
    } else if (isolation == "process") {
      IsolatedClient::Options o;
      o.host_binary = host;
      o.load = load;
      auto isolated = IsolatedClient::start(o);
      if (isolated.ok()) {
        client = std::shared_ptr<ProviderClient>(*isolated);
      } else {
        client = isolated.status();
      }
    } else {
      return error(ErrorCode::invalid_argument,
                   where + ".isolation must be 'process' or 'in_process', got '" + isolation + "'");
    }
    if (!client.ok()) return client.status();
    const std::string& name = (*client)->description().name();
    if (auto it = registry->entries_.find(name); it != registry->entries_.end()) {
      return error(ErrorCode::invalid_argument, "two plugins are named '" + name + "': " + it->second.file +
                                                    " and " + p.file());
    }
    registry->entries_[name] = Entry{p.file(), isolation, std::move(client).value()};
  }
  return registry;
}

std::shared_ptr<ProviderClient> ProviderRegistry::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.client;
}

std::vector<std::string> ProviderRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

}  // namespace corral::manager::providers
