// A plugin that misbehaves on request, to show that process isolation contains it. CreateVm with
// hostname:
//   "crash"          raises SIGSEGV
//   "sleep"          takes two seconds
//   "wait_cancel"    waits (up to 10 s) until the call is cancelled, then says CORRAL_ERR_CANCELLED
//   "was_cancelled"  answers vm id "yes" if the last wait_cancel saw its cancellation, else "no"
//   "http:URL"       GETs URL through the host's HTTP service; vm id "http-STATUS" (or the error)
//   anything else    vm id "vm-" + hostname
// With CRASHY_CRASH_AT_LOAD set in its environment it crashes while being loaded; with
// CRASHY_SHUTDOWN_MARKER=PATH it appends "shutdown" to PATH when the host shuts it down.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "corral/sdk/provider.h"

namespace {

namespace pv1 = corral::provider::v1;

std::atomic<bool> g_saw_cancel{false};

class Crashy : public corral::sdk::Provider {
 public:
  explicit Crashy(corral::sdk::Host host) : Provider(host) {
    if (std::getenv("CRASHY_CRASH_AT_LOAD") != nullptr) raise(SIGSEGV);
  }
  ~Crashy() override {
    if (const char* marker = std::getenv("CRASHY_SHUTDOWN_MARKER")) std::ofstream(marker, std::ios::app) << "shutdown\n";
  }
  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("crashy");
    r.set_version("0.0.1");
    r.set_config_schema_json("{}");
    r.mutable_capabilities()->add_os_types(pv1::OS_TYPE_LINUX);
    return r;
  }
  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call& call) override {
    pv1::CreateVmResponse r;
    const std::string& h = req.hostname();
    if (h == "crash") raise(SIGSEGV);
    if (h == "sleep") std::this_thread::sleep_for(std::chrono::seconds(2));
    if (h == "wait_cancel") {
      g_saw_cancel = false;
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!call.cancelled() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      g_saw_cancel = call.cancelled();
      throw std::runtime_error(g_saw_cancel ? "cancelled" : "never cancelled");
    }
    if (h == "was_cancelled") {
      r.mutable_vm()->set_id(g_saw_cancel ? "yes" : "no");
      return r;
    }
    if (h.rfind("http:", 0) == 0) {
      pv1::HttpRequest get;
      get.set_method("GET");
      get.set_url(h.substr(5));
      corral::sdk::HttpResult res = call.http(get);
      r.mutable_vm()->set_id(res.ok() ? "http-" + std::to_string(res.response.status())
                                      : "error-" + std::to_string(res.status) + ":" + res.status_message +
                                            res.response.transport_error());
      return r;
    }
    r.mutable_vm()->set_id("vm-" + h);
    r.mutable_vm()->set_state(pv1::VM_STATE_RUNNING);
    return r;
  }
  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::GetVmResponse get_vm(const pv1::GetVmRequest&, corral::sdk::Call&) override { return {}; }
  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest&, corral::sdk::Call&) override { return {}; }
};

}  // namespace

CORRAL_EXPORT_PROVIDER(Crashy)
