#include "manager/autoscaler/provider_gateway.h"

#include <utility>

#include "common/failpoint.h"
#include "manager/api/provider_config_check.h"

namespace corral::autoscaler {

using manager::providers::CallOptions;
using manager::providers::ProviderClient;

template <typename Response>
void ProviderGateway::call(
    const std::string& provider_config_id, const char* method_name,
    std::function<Result<Response>(ProviderClient&, const pv1::ProviderConfig&, const CallOptions&)> call,
    Done<Response> done) {
  store_.submit(
      [provider_config_id](store::Store& s) { return s.provider_configs().get(provider_config_id); },
      [this, provider_config_id, method_name, call = std::move(call), done = std::move(done),
       alive = alive_.watch()](Result<std::optional<store::ProviderConfigRecord>> got) mutable {
        if (alive.expired()) return;
        if (!got.ok()) return done(got.status());
        if (!got->has_value()) {
          return done(error(ErrorCode::not_found, "no provider config " + provider_config_id));
        }
        store::ProviderConfigRecord record = std::move(**got);
        std::shared_ptr<ProviderClient> plugin = providers_.find(record.plugin);
        if (!plugin) {
          return done(error(ErrorCode::unavailable, "provider config " + record.name + " names plugin '" +
                                                        record.plugin + "', which is not loaded"));
        }
        manager::workers::JobOptions options;
        options.pool = manager::workers::kProviderPool;
        options.limit_key = manager::workers::plugin_limit_key(record.plugin);
        options.receiver = alive_.watch();
        options.what = "plugin '" + record.plugin + "' " + method_name;
        workers_.submit<Response>(
            std::move(options),
            [this, record, plugin, method_name, call = std::move(call)](const manager::workers::CancelToken& token) {
              auto config_json = manager::open_provider_config_secrets(record, secrets_);
              if (!config_json.ok()) return Result<Response>(config_json.status());
              pv1::ProviderConfig config;
              config.set_name(record.name);
              config.set_revision(record.revision);
              config.set_config_json(std::move(config_json).value());
              CallOptions call_options;
              call_options.timeout = call_timeout_;
              call_options.cancelled = token.flag();
              Result<Response> answer = call(*plugin, config, call_options);
              // The plugin has acted; the manager has not heard (crash tests stop here).
              failpoint(std::string("provider.") + method_name + ".answered");
              return answer;
            },
            std::move(done));
      });
}

void ProviderGateway::create_vm(const std::string& provider_config_id, pv1::CreateVmRequest request,
                                Done<pv1::CreateVmResponse> done) {
  call<pv1::CreateVmResponse>(
      provider_config_id, "CreateVm",
      [request = std::move(request)](ProviderClient& plugin, const pv1::ProviderConfig& config,
                                     const CallOptions& options) mutable {
        *request.mutable_config() = config;
        return manager::providers::call<pv1::CreateVmResponse>(plugin, CORRAL_METHOD_CREATE_VM, request, options);
      },
      std::move(done));
}

void ProviderGateway::delete_vm(const std::string& provider_config_id, const std::string& vm_id,
                                Done<pv1::DeleteVmResponse> done) {
  call<pv1::DeleteVmResponse>(
      provider_config_id, "DeleteVm",
      [vm_id](ProviderClient& plugin, const pv1::ProviderConfig& config, const CallOptions& options) {
        pv1::DeleteVmRequest request;
        *request.mutable_config() = config;
        request.set_vm_id(vm_id);
        return manager::providers::call<pv1::DeleteVmResponse>(plugin, CORRAL_METHOD_DELETE_VM, request, options);
      },
      std::move(done));
}

void ProviderGateway::list_vms(const std::string& provider_config_id, const std::map<std::string, std::string>& tags,
                               Done<pv1::ListVmsResponse> done) {
  call<pv1::ListVmsResponse>(
      provider_config_id, "ListVms",
      [tags](ProviderClient& plugin, const pv1::ProviderConfig& config, const CallOptions& options) {
        pv1::ListVmsRequest request;
        *request.mutable_config() = config;
        request.mutable_tags()->insert(tags.begin(), tags.end());
        return manager::providers::call<pv1::ListVmsResponse>(plugin, CORRAL_METHOD_LIST_VMS, request, options);
      },
      std::move(done));
}

}  // namespace corral::autoscaler
