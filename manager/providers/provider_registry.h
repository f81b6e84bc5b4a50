// The provider plugins the manager loaded at start, by the name each gives in Describe. Loading
// is all or nothing: a plugin that fails its checks, or two plugins with one name, stop the
// manager from starting with an error naming the file.
//
// Isolation: `process` (corral-plugin-host) unless the config says `in_process` for a plugin.
// Nothing is trusted in-process by default, not even the plugins shipped with Corral: the
// operator opts in per plugin (docs/plugin-abi.md, "Process isolation").
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "corral/config/v1/config.pb.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

class ProviderRegistry final : public ProviderSet {
 public:
  struct Entry {
    std::string file;
    std::string isolation;  // "process" or "in_process"
    std::shared_ptr<ProviderClient> client;
    std::string sha256;  // of the file when it was loaded
    size_t max_concurrent_calls = kDefaultMaxConcurrentCalls;
  };

  // plugins.load[].max_concurrent_calls when the config leaves it 0.
  static constexpr size_t kDefaultMaxConcurrentCalls = 4;

  // `default_dir` and `default_host_binary` apply when the config leaves them empty. With no
  // plugin configured nothing is read or started. DATA_DIR (the manager's) must stay out of every
  // isolated plugin's reach: a path allowed to one that holds it, or lies inside it, is refused.
  static Result<std::unique_ptr<ProviderRegistry>> load(const corral::config::v1::PluginsConfig& config,
                                                        const std::string& default_dir,
                                                        const std::string& default_host_binary,
                                                        const std::string& data_dir);

  std::shared_ptr<ProviderClient> find(std::string_view name) const override;
  std::vector<std::string> names() const override;
  const std::map<std::string, Entry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace corral::manager::providers
