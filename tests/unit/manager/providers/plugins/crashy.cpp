// A plugin that misbehaves on request, to show that process isolation contains it. It talks to
// its test through files in $CRASHY_DIR (which the test allows it to write). CreateVm with
// hostname:
//   "crash"          raises SIGSEGV
//   "gate:NAME"      creates NAME.started, then waits (ignoring its deadline and cancellation, up
//                    to 60 s) until NAME.go exists; vm id "released-NAME"
//   "wait_cancel"    creates wait_cancel.started, waits (up to 60 s) until the call is cancelled,
//                    then says CORRAL_ERR_CANCELLED
//   "was_cancelled"  answers vm id "yes" if the last wait_cancel saw its cancellation, else "no"
//   "http:URL"       GETs URL through the host's HTTP service; vm id "http-STATUS" (or the error)
//   anything else    vm id "vm-" + hostname
// It crashes while being loaded when crash-at-load exists, and appends "shutdown" to shutdown.log
// when the host shuts it down.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "corral/sdk/provider.h"

namespace {

namespace pv1 = corral::provider::v1;

std::atomic<bool> g_saw_cancel{false};

std::string in_dir(const std::string& name) {
  const char* dir = std::getenv("CRASHY_DIR");
  return std::string(dir == nullptr ? "." : dir) + "/" + name;
}

// Polls for a condition of the test's making; the plugin's own loop, the test waits on the files.
template <typename Pred>
bool wait_until(Pred pred) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class Crashy : public corral::sdk::Provider {
 public:
  explicit Crashy(corral::sdk::Host host) : Provider(host) {
    if (std::filesystem::exists(in_dir("crash-at-load"))) raise(SIGSEGV);
  }
  ~Crashy() override {
    if (std::getenv("CRASHY_DIR") != nullptr) std::ofstream(in_dir("shutdown.log"), std::ios::app) << "shutdown\n";
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
    if (h.rfind("gate:", 0) == 0) {
      std::string name = h.substr(5);
      std::ofstream(in_dir(name + ".started")) << "started\n";
      wait_until([&] { return std::filesystem::exists(in_dir(name + ".go")); });
      r.mutable_vm()->set_id("released-" + name);
      return r;
    }
    if (h == "wait_cancel") {
      g_saw_cancel = false;
      std::ofstream(in_dir("wait_cancel.started")) << "started\n";
      g_saw_cancel = wait_until([&] { return call.cancelled(); });
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
