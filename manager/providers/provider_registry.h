// The provider plugins the manager loaded at start, by the name each gives in Describe. Loading
// is all or nothing: a plugin that fails its checks, or two plugins with one name, stop the
// manager from starting with an error naming the file.
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
  };

  // `default_dir` and `default_host_binary` apply when the config leaves them empty.
  static Result<std::unique_ptr<ProviderRegistry>> load(const corral::config::v1::PluginsConfig& config,
                                                        const std::string& default_dir,
                                                        const std::string& default_host_binary);

  std::shared_ptr<ProviderClient> find(std::string_view name) const override;
  std::vector<std::string> names() const override;
  const std::map<std::string, Entry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace corral::manager::providers
