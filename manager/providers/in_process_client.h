// A provider plugin loaded into the manager's own process. Holds the library (so its code stays
// mapped while this object lives) and the host services it was given; calls `shutdown` once when
// destroyed, before the library can unload.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <string>

#include "manager/providers/host_services.h"
#include "manager/providers/provider_client.h"

namespace corral::manager::providers {

class InProcessClient final : public ProviderClient {
 public:
  // Calls Describe once; an error names the plugin file.
  static Result<std::unique_ptr<InProcessClient>> start(std::shared_ptr<boost::dll::shared_library> library,
                                                        std::unique_ptr<HostServices> host,
                                                        const corral_plugin_v1* table, std::string file);
  ~InProcessClient() override;

  const pv1::DescribeResponse& description() const override { return description_; }
  Result<std::string> invoke(corral_method method, const std::string& request, const CallOptions& options) override;

 private:
  InProcessClient(std::shared_ptr<boost::dll::shared_library> library, std::unique_ptr<HostServices> host,
                  const corral_plugin_v1* table, std::string file)
      : library_(std::move(library)), host_(std::move(host)), table_(table), file_(std::move(file)) {}

  // Declared first so it is destroyed last: the library outlives everything that points into it.
  std::shared_ptr<boost::dll::shared_library> library_;
  std::unique_ptr<HostServices> host_;
  const corral_plugin_v1* table_;
  std::string file_;
  pv1::DescribeResponse description_;
};

// "CREATE_VM" for CORRAL_METHOD_CREATE_VM, and so on; "method <n>" otherwise.
std::string method_name(corral_method method);
std::string status_name(corral_status status);

}  // namespace corral::manager::providers
