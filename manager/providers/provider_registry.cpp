#include "manager/providers/provider_registry.h"

#include "common/log.h"
#include "manager/providers/host_http_config.h"
#include "manager/providers/isolated_client.h"
#include "manager/providers/plugin_loader.h"

namespace corral::manager::providers {

namespace cv1 = ::corral::config::v1;

Result<std::unique_ptr<ProviderRegistry>> ProviderRegistry::load(const cv1::PluginsConfig& config,
                                                                 const std::string& default_dir,
                                                                 const std::string& default_host_binary) {
  auto registry = std::make_unique<ProviderRegistry>();
  if (config.load_size() == 0) return registry;
  const std::string dir = config.dir().empty() ? default_dir : config.dir();
  const std::string host = config.host_binary().empty() ? default_host_binary : config.host_binary();
  // One HTTP service for every in-process plugin; isolated ones build theirs from the same
  // settings. Made even when none is in-process, so that bad settings are refused here, once.
  auto http = make_host_http(config.http());
  if (!http.ok()) return http.status();

  for (int i = 0; i < config.load_size(); ++i) {
    const cv1::PluginConfig& p = config.load(i);
    const std::string where = "plugins.load[" + std::to_string(i) + "]";
    if (p.file().empty()) return error(ErrorCode::invalid_argument, where + ".file is required");
    LoadOptions load;
    load.plugin_dir = dir;
    load.file = p.file();
    load.sha256 = p.sha256();
    // Checked here for the log line and a quick refusal; corral-plugin-host checks again.
    Result<CheckedPluginFile> checked = check_plugin_file(load);
    if (!checked.ok()) return checked.status();

    const std::string sha256 = checked->sha256();
    const bool in_process = p.isolation() == cv1::PluginConfig::ISOLATION_IN_PROCESS;
    std::shared_ptr<ProviderClient> client;
    if (in_process) {
      load.http = *http;
      auto loaded = load_checked(std::move(checked).value(), load);
      if (!loaded.ok()) return loaded.status();
      client = *loaded;
    } else {
      IsolatedClient::Options o;
      o.host_binary = host;
      o.load = load;
      o.http = config.http();
      auto isolated = IsolatedClient::start(std::move(o));
      if (!isolated.ok()) return isolated.status();
      client = *isolated;
    }
    const pv1::DescribeResponse& d = client->description();
    if (auto it = registry->entries_.find(d.name()); it != registry->entries_.end()) {
      return error(ErrorCode::invalid_argument, "two plugins are named '" + d.name() + "': " + it->second.file +
                                                    " and " + p.file() + " (" + where + ")");
    }
    const std::string isolation = in_process ? "in_process" : "process";
    log::info("plugin.loaded", {{"file", p.file()},
                                {"name", d.name()},
                                {"version", d.version()},
                                {"isolation", isolation},
                                {"sha256", sha256},
                                {"pinned", !p.sha256().empty()}});
    registry->entries_[d.name()] = Entry{p.file(), isolation, std::move(client), sha256};
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
