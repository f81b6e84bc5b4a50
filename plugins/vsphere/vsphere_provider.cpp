// "vsphere": VMs cloned from templates in vCenter over the vim25 SOAP API, through the host's
// HTTP service (docs/providers/vsphere.md).
#include <string>

#include "corral/sdk/provider.h"
#include "plugins/vsphere/session_cache.h"
#include "plugins/vsphere/vm_lifecycle.h"
#include "plugins/vsphere/vsphere_config.h"

namespace {

namespace pv1 = corral::provider::v1;
namespace vs = corral::vsphere;

vs::HttpSend send_through(const corral::sdk::Call& call) {
  return [&call](const pv1::HttpRequest& r) { return call.http(r); };
}

class VsphereProvider : public corral::sdk::Provider {
 public:
  explicit VsphereProvider(corral::sdk::Host host) : Provider(host) {}

  ~VsphereProvider() override {
    // Outside any call: the host bounds each request by its own timeout.
    corral::sdk::Call none(host(), nullptr);
    sessions_.logout_all(send_through(none));
  }

  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("vsphere");
    r.set_version("0.1.0");
    r.set_config_schema_json(vs::kConfigSchema);
    auto* caps = r.mutable_capabilities();
    caps->add_os_types(pv1::OS_TYPE_LINUX);
    caps->add_os_types(pv1::OS_TYPE_WINDOWS);
    caps->set_async_create(true);
    caps->set_async_delete(true);
    return r;
  }

  pv1::ValidateConfigResponse validate_config(const pv1::ValidateConfigRequest& request,
                                              corral::sdk::Call& call) override {
    pv1::ValidateConfigResponse response = Provider::validate_config(request, call);
    if (response.errors_size() > 0) return response;
    auto config = vs::parse_config(request.config().config_json());
    if (!config.ok()) {
      pv1::FieldError* e = response.add_errors();
      e->set_path(config.error().field_path);
      e->set_message(config.error().message);
    }
    return response;
  }

  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call& call) override {
    pv1::CreateVmResponse resp;
    with_lifecycle(req.config(), call, resp, [&](vs::VmLifecycle& l) { resp = l.create(req); });
    if (resp.has_vm()) {
      host().info("vsphere.create_vm", {{"config", req.config().name()},
                                        {"vm_id", resp.vm().id()},
                                        {"hostname", req.hostname()},
                                        {"state", pv1::VmState_Name(resp.vm().state())}});
    } else if (resp.has_error()) {
      host().warn("vsphere.create_vm_failed", {{"config", req.config().name()},
                                               {"hostname", req.hostname()},
                                               {"class", pv1::ErrorClass_Name(resp.error().class_())},
                                               {"error", resp.error().message()}});
    }
    return resp;
  }
  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& req, corral::sdk::Call& call) override {
    pv1::DeleteVmResponse resp;
    with_lifecycle(req.config(), call, resp, [&](vs::VmLifecycle& l) { resp = l.remove(req.vm_id()); });
    host().info("vsphere.delete_vm", {{"config", req.config().name()},
                                      {"vm_id", req.vm_id()},
                                      {"state", pv1::VmState_Name(resp.state())},
                                      {"error", resp.error().message()}});
    return resp;
  }
  pv1::GetVmResponse get_vm(const pv1::GetVmRequest& req, corral::sdk::Call& call) override {
    pv1::GetVmResponse resp;
    with_lifecycle(req.config(), call, resp, [&](vs::VmLifecycle& l) { resp = l.get(req.vm_id()); });
    return resp;
  }
  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& req, corral::sdk::Call& call) override {
    pv1::ListVmsResponse resp;
    std::map<std::string, std::string> tags(req.tags().begin(), req.tags().end());
    with_lifecycle(req.config(), call, resp, [&](vs::VmLifecycle& l) { resp = l.list(tags); });
    return resp;
  }

 private:
  // Runs FN on a lifecycle for CONFIG, or puts the config's error into RESPONSE.
  template <typename Response, typename Fn>
  void with_lifecycle(const pv1::ProviderConfig& pc, corral::sdk::Call& call, Response& response, Fn fn) {
    auto config = vs::parse_config(pc.config_json());
    if (!config.ok()) {
      *response.mutable_error() = config.error().to_proto();
      return;
    }
    vs::HttpSend send = send_through(call);
    auto session = sessions_.session(pc.name(), pc.revision(), config.value(), send);
    const corral::sdk::Host h = host();
    vs::CallContext ctx{send, [h] { return h.monotonic_ms(); }, [h] { return h.now_unix_ms(); },
                        [&call] { return call.cancelled(); }, call.deadline_ms()};
    vs::VmLifecycle lifecycle(*session, std::move(ctx), pc.name());
    fn(lifecycle);
  }

  vs::SessionCache sessions_;
};

}  // namespace

CORRAL_EXPORT_PROVIDER(VsphereProvider)
