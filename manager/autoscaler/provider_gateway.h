// The autoscaler's way to providers in the running manager: reads the provider config from the
// store, opens its secrets and calls the config's plugin on the provider worker pool (at most the
// plugin's concurrency limit at once), then answers on the core. See vm_gateway.h.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/secret_box.h"
#include "manager/autoscaler/vm_gateway.h"
#include "manager/providers/provider_client.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::autoscaler {

class ProviderGateway final : public VmGateway {
 public:
  ProviderGateway(store::StoreExecutor& store, const SecretBox& secrets,
                  const manager::providers::ProviderSet& providers, manager::workers::Executor& workers,
                  std::chrono::milliseconds call_timeout)
      : store_(store), secrets_(secrets), providers_(providers), workers_(workers), call_timeout_(call_timeout) {}

  void create_vm(const std::string& provider_config_id, pv1::CreateVmRequest request,
                 Done<pv1::CreateVmResponse> done) override;
  void delete_vm(const std::string& provider_config_id, const std::string& vm_id,
                 Done<pv1::DeleteVmResponse> done) override;
  void list_vms(const std::string& provider_config_id, const std::map<std::string, std::string>& tags,
                Done<pv1::ListVmsResponse> done) override;

 private:
  // Reads the config, then runs `call(plugin, config)` on the provider pool.
  template <typename Response>
  void call(const std::string& provider_config_id, const char* method_name,
            std::function<Result<Response>(manager::providers::ProviderClient&, const pv1::ProviderConfig&,
                                           const manager::providers::CallOptions&)>
                call,
            Done<Response> done);

  store::StoreExecutor& store_;
  const SecretBox& secrets_;
  const manager::providers::ProviderSet& providers_;
  manager::workers::Executor& workers_;
  std::chrono::milliseconds call_timeout_;
  manager::workers::Liveness alive_;
};

}  // namespace corral::autoscaler
