// A plugin that misbehaves on request: CreateVm with hostname "crash" raises SIGSEGV, "sleep"
// takes two seconds. Used to show that process isolation contains it.
#include <signal.h>

#include <chrono>
#include <thread>

#include "corral/sdk/provider.h"

namespace {

namespace pv1 = corral::provider::v1;

class Crashy : public corral::sdk::Provider {
 public:
  explicit Crashy(corral::sdk::Host host) : Provider(host) {}
  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("crashy");
    r.set_version("0.0.1");
    r.set_config_schema_json("{}");
    r.mutable_capabilities()->add_os_types(pv1::OS_TYPE_LINUX);
    return r;
  }
  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call&) override {
    if (req.hostname() == "crash") raise(SIGSEGV);
    if (req.hostname() == "sleep") std::this_thread::sleep_for(std::chrono::seconds(2));
    pv1::CreateVmResponse r;
    r.mutable_vm()->set_id("vm-" + req.hostname());
    r.mutable_vm()->set_state(pv1::VM_STATE_RUNNING);
    return r;
  }
  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::GetVmResponse get_vm(const pv1::GetVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest&, corral::sdk::Call&) override { return {}; }
};

}  // namespace

CORRAL_EXPORT_PROVIDER(Crashy)
