#include "manager/providers/provider_registry.h"

#include <filesystem>

#include "common/log.h"
#include "manager/providers/host_http_config.h"
#include "manager/providers/isolated_client.h"
#include "manager/providers/plugin_loader.h"
#include "manager/providers/plugin_sandbox.h"

namespace corral::manager::providers {

namespace cv1 = ::corral::config::v1;
namespace fs = std::filesystem;

namespace {

// Whether INNER is OUTER or lies beneath it, links resolved as far as the paths exist.
bool holds(const fs::path& outer, const fs::path& inner) {
  auto rel = inner.lexically_relative(outer);
  return !rel.empty() && *rel.begin() != "..";
}

// The data directory (keys, the database) must not be readable by an isolated plugin, neither
// through the system directories it gets nor through a path the operator allows it.
Status check_allowed_paths(const cv1::PluginConfig& p, const std::string& where, const std::string& data_dir) {
  std::error_code ec;
  const fs::path data = data_dir.empty() ? fs::path() : fs::weakly_canonical(data_dir, ec);
  auto check = [&](const std::string& path, const std::string& field) -> Status {
    if (path.empty() || path[0] != '/') {
      return error(ErrorCode::invalid_argument, where + "." + field + ": '" + path + "' is not an absolute path");
    }
    fs::path resolved = fs::weakly_canonical(path, ec);
    if (!fs::exists(resolved, ec)) {
      return error(ErrorCode::invalid_argument, where + "." + field + ": " + path + " does not exist");
    }
    if (!data.empty() && (holds(resolved, data) || holds(data, resolved))) {
      return error(ErrorCode::invalid_argument,
                   where + "." + field + ": " + path + " would let the plugin reach the data directory " + data_dir);
    }
    return {};
  };
  for (const std::string& path : p.allow_read()) {
    if (Status s = check(path, "allow_read"); !s.ok()) return s;
  }
  for (const std::string& path : p.allow_write()) {
    if (Status s = check(path, "allow_write"); !s.ok()) return s;
  }
  if (!data.empty()) {
    for (const std::string& system : system_read_paths()) {
      fs::path resolved = fs::weakly_canonical(system, ec);
      if (!ec && fs::exists(resolved, ec) && holds(resolved, data)) {
        return error(ErrorCode::failed_precondition,
                     "the data directory " + data_dir + " is inside " + system +
                         ", which isolated plugins may read; move it (the packages use /var/lib/corral)");
      }
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ProviderRegistry>> ProviderRegistry::load(const cv1::PluginsConfig& config,
                                                                 const std::string& default_dir,
                                                                 const std::string& default_host_binary,
                                                                 const std::string& data_dir) {
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
    // What is checked here is what loads: in this process, or in every corral-plugin-host through
    // the same descriptor (which hashes it again first).
    Result<CheckedPluginFile> checked = check_plugin_file(load);
    if (!checked.ok()) return checked.status();

    const std::string sha256 = checked->sha256();
    const bool in_process = p.isolation() == cv1::PluginConfig::ISOLATION_IN_PROCESS;
    if (!in_process) {
      if (Status s = check_allowed_paths(p, where, data_dir); !s.ok()) return s;
    }
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
      o.checked = std::make_shared<const CheckedPluginFile>(std::move(checked).value());
      o.http = config.http();
      o.user = config.user().empty() ? kDefaultPluginUser : config.user();
      o.allow_read.assign(p.allow_read().begin(), p.allow_read().end());
      o.allow_write.assign(p.allow_write().begin(), p.allow_write().end());
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
    size_t limit = p.max_concurrent_calls() == 0 ? kDefaultMaxConcurrentCalls : p.max_concurrent_calls();
    registry->entries_[d.name()] = Entry{p.file(), isolation, std::move(client), sha256, limit};
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
