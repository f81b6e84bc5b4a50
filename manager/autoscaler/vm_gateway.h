// How the autoscaler reaches providers: create, delete and list the VMs of one provider config.
// The manager's implementation (provider_gateway.h) runs each plugin call on the provider worker
// pool; unit tests give a fake. Called on the core thread; every `done` runs on the core thread,
// later (never inside the call).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/result.h"
#include "corral/provider/v1/provider.pb.h"

namespace corral::autoscaler {

namespace pv1 = ::corral::provider::v1;

class VmGateway {
 public:
  template <typename T>
  using Done = std::function<void(Result<T>)>;

  virtual ~VmGateway() = default;

  // An error Result means the call did not reach the plugin or its answer was unusable (the
  // config is gone, the plugin is not loaded, the plugin host crashed); a provider's refusal is
  // the response's `error`. `request.config` is filled in from the stored provider config.
  virtual void create_vm(const std::string& provider_config_id, pv1::CreateVmRequest request,
                         Done<pv1::CreateVmResponse> done) = 0;
  virtual void delete_vm(const std::string& provider_config_id, const std::string& vm_id,
                         Done<pv1::DeleteVmResponse> done) = 0;
  virtual void list_vms(const std::string& provider_config_id, const std::map<std::string, std::string>& tags,
                        Done<pv1::ListVmsResponse> done) = 0;
};

}  // namespace corral::autoscaler
