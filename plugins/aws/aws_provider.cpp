// "aws": the EC2 provider. This build validates configs and resolves credentials; the EC2 calls
// (RunInstances, DescribeInstances, TerminateInstances) are the next stage, and until then every
// lifecycle method answers an error saying so (docs/providers/aws.md).
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "corral/sdk/provider.h"
#include "plugins/aws/aws_config.h"
#include "plugins/aws/credential_chain.h"

namespace {

namespace pv1 = corral::provider::v1;

class AwsProvider : public corral::sdk::Provider {
 public:
  explicit AwsProvider(corral::sdk::Host host) : Provider(host) {}

  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("aws");
    r.set_version("0.1.0");
    r.set_config_schema_json(corral::aws::kConfigSchema);
    auto* caps = r.mutable_capabilities();
    caps->add_os_types(pv1::OS_TYPE_LINUX);
    caps->add_os_types(pv1::OS_TYPE_WINDOWS);
    caps->set_zones(true);
    caps->set_async_create(true);
    caps->set_async_delete(true);
    return r;
  }

  pv1::ValidateConfigResponse validate_config(const pv1::ValidateConfigRequest& request,
                                              corral::sdk::Call& call) override {
    pv1::ValidateConfigResponse response = Provider::validate_config(request, call);
    if (response.errors_size() > 0) return response;
    // What the schema cannot say (external_id without role_arn, half a key pair).
    auto config = corral::aws::parse_config(request.config().name(), request.config().config_json());
    if (!config.ok()) {
      pv1::FieldError* e = response.add_errors();
      e->set_path(config.error().field_path);
      e->set_message(config.error().message);
    }
    return response;
  }

  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call&) override {
    pv1::CreateVmResponse resp;
    *resp.mutable_error() = not_built(req.config(), "CreateVm");
    return resp;
  }
  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& req, corral::sdk::Call&) override {
    pv1::DeleteVmResponse resp;
    *resp.mutable_error() = not_built(req.config(), "DeleteVm");
    return resp;
  }
  pv1::GetVmResponse get_vm(const pv1::GetVmRequest& req, corral::sdk::Call&) override {
    pv1::GetVmResponse resp;
    *resp.mutable_error() = not_built(req.config(), "GetVm");
    return resp;
  }
  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& req, corral::sdk::Call&) override {
    pv1::ListVmsResponse resp;
    *resp.mutable_error() = not_built(req.config(), "ListVms");
    return resp;
  }

 private:
  // A bad config is reported as such first; a good one gets the "not in this build" error. The
  // SDK has no error class for an unimplemented method, so it is invalid_config with no field:
  // no retry can succeed, and the message says why.
  pv1::Error not_built(const pv1::ProviderConfig& pc, const char* method) {
    auto config = corral::aws::parse_config(pc.name(), pc.config_json());
    if (!config.ok()) return config.error().to_proto();
    return corral::sdk::make_error(pv1::ERROR_CLASS_INVALID_CONFIG,
                                   std::string("aws: ") + method +
                                       " is not implemented in this build (the EC2 calls are not built yet); "
                                       "this plugin only validates configs");
  }
};

}  // namespace

CORRAL_EXPORT_PROVIDER(AwsProvider)
