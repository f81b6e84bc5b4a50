// "local": the development provider. A VM is a process tree on this machine, started by running
// the rendered startup script with bash in the VM's own directory — in the dev stack the script
// starts a real corral-agent that enrolls with its join token. State lives on disk (vm_store.h),
// so VMs survive a manager or plugin host restart; deleting stops the whole session and removes
// the directory. Linux scripts only.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "corral/sdk/provider.h"
#include "plugins/local/process_tree.h"
#include "plugins/local/vm_store.h"

namespace {

namespace pv1 = corral::provider::v1;
using corral::local::VmRecord;
using corral::local::VmStore;
using corral::sdk::make_error;

constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "state_dir": {"type": "string", "pattern": "^/", "minLength": 2,
                  "description": "Absolute directory holding one subdirectory per VM."},
    "max_vms": {"type": "integer", "minimum": 1, "maximum": 1000,
                "description": "How many VMs may exist at once (default 10)."},
    "stop_grace_ms": {"type": "integer", "minimum": 0, "maximum": 600000,
                      "description": "SIGTERM to SIGKILL delay when deleting (default 5000)."}
  },
  "required": ["state_dir"],
  "additionalProperties": false
})";

struct Config {
  std::string state_dir;
  int64_t max_vms = 10;
  int64_t stop_grace_ms = 5000;
};

class LocalProvider : public corral::sdk::Provider {
 public:
  explicit LocalProvider(corral::sdk::Host host) : Provider(host) {}

  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("local");
    r.set_version("1.0.0");
    r.set_config_schema_json(kSchema);
    r.mutable_capabilities()->add_os_types(pv1::OS_TYPE_LINUX);
    return r;
  }

  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call&) override {
    pv1::CreateVmResponse resp;
    pv1::Error error;
    std::optional<Config> config = parse(req.config(), &error);
    if (!config) {
      *resp.mutable_error() = error;
      return resp;
    }
    if (req.os_type() == pv1::OS_TYPE_WINDOWS) {
      *resp.mutable_error() =
          make_error(pv1::ERROR_CLASS_INVALID_CONFIG, "the local provider runs Linux (bash) startup scripts only");
      return resp;
    }
    if (req.idempotency_key().empty()) {
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_INVALID_CONFIG, "idempotency_key is required");
      return resp;
    }
    VmStore store(config->state_dir);
    std::string why;
    if (!store.prepare(&why)) {
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_INVALID_CONFIG, why, "/state_dir");
      return resp;
    }
    VmStore::Lock lock = store.lock();
    if (!lock.held()) {
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT, "cannot lock " + config->state_dir);
      return resp;
    }
    int64_t count = 0;
    for (const VmRecord& r : store.list()) {
      if (r.idempotency_key == req.idempotency_key()) {
        *resp.mutable_vm() = to_vm(r);
        return resp;
      }
      ++count;
    }
    if (count >= config->max_vms) {
      *resp.mutable_error() =
          make_error(pv1::ERROR_CLASS_OUT_OF_CAPACITY, "max_vms (" + std::to_string(config->max_vms) + ") reached");
      return resp;
    }

    VmRecord r;
    r.id = "local-" + hex(host().random_bytes(6));
    r.hostname = req.hostname();
    r.tags = {req.tags().begin(), req.tags().end()};
    r.idempotency_key = req.idempotency_key();
    r.os_type = pv1::OS_TYPE_LINUX;
    r.zone = req.zone();
    r.created_unix_ms = host().now_unix_ms();
    if (!make_vm_dir(store, r, req.startup_script(), &why)) {
      std::string ignored;
      store.remove(r.id, &ignored);
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT, why);
      return resp;
    }
    corral::local::Spawned spawned;
    if (!corral::local::spawn_detached(store.vm_dir(r.id), "startup.sh", "console.log", &spawned, &why)) {
      std::string ignored;
      store.remove(r.id, &ignored);
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT, why);
      return resp;
    }
    r.pid = spawned.pid;
    r.session = spawned.session;
    r.start_ticks = spawned.start_ticks;
    if (!store.write(r, &why)) {
      // Never leave a running script without a record that can stop it.
      corral::local::stop_session(r.session, r.start_ticks, std::chrono::milliseconds(0));
      std::string ignored;
      store.remove(r.id, &ignored);
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT, why);
      return resp;
    }
    host().info("local.vm_created", {{"vm", r.id}, {"hostname", r.hostname}, {"pid", std::to_string(r.pid)}});
    *resp.mutable_vm() = to_vm(r);
    return resp;
  }

  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& req, corral::sdk::Call&) override {
    pv1::DeleteVmResponse resp;
    pv1::Error error;
    std::optional<Config> config = parse(req.config(), &error);
    if (!config) {
      *resp.mutable_error() = error;
      return resp;
    }
    VmStore store(config->state_dir);
    VmStore::Lock lock = store.lock();
    std::optional<VmRecord> r = store.find(req.vm_id());
    if (!r) {
      resp.set_state(pv1::VM_STATE_GONE);
      return resp;
    }
    if (!corral::local::stop_session(r->session, r->start_ticks, std::chrono::milliseconds(config->stop_grace_ms))) {
      *resp.mutable_error() =
          make_error(pv1::ERROR_CLASS_TRANSIENT, "processes of " + r->id + " survived SIGKILL; try again");
      return resp;
    }
    std::string why;
    if (!store.remove(r->id, &why)) {
      *resp.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT, why);
      return resp;
    }
    host().info("local.vm_deleted", {{"vm", r->id}});
    resp.set_state(pv1::VM_STATE_GONE);
    return resp;
  }

  pv1::GetVmResponse get_vm(const pv1::GetVmRequest& req, corral::sdk::Call&) override {
    pv1::GetVmResponse resp;
    pv1::Error error;
    std::optional<Config> config = parse(req.config(), &error);
    if (!config) {
      *resp.mutable_error() = error;
      return resp;
    }
    std::optional<VmRecord> r = VmStore(config->state_dir).find(req.vm_id());
    if (!r) {
      resp.mutable_vm()->set_id(req.vm_id());
      resp.mutable_vm()->set_state(pv1::VM_STATE_GONE);
      return resp;
    }
    *resp.mutable_vm() = to_vm(*r);
    return resp;
  }

  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& req, corral::sdk::Call&) override {
    pv1::ListVmsResponse resp;
    pv1::Error error;
    std::optional<Config> config = parse(req.config(), &error);
    if (!config) {
      *resp.mutable_error() = error;
      return resp;
    }
    for (const VmRecord& r : VmStore(config->state_dir).list()) {
      bool match = true;
      for (const auto& [k, v] : req.tags()) {
        auto t = r.tags.find(k);
        match = match && t != r.tags.end() && t->second == v;
      }
      if (match) *resp.add_vms() = to_vm(r);
    }
    return resp;
  }

 private:
  std::optional<Config> parse(const pv1::ProviderConfig& pc, pv1::Error* error) {
    auto problems = corral::sdk::validate_json(kSchema, pc.config_json());
    if (!problems.empty()) {
      *error = make_error(pv1::ERROR_CLASS_INVALID_CONFIG, problems[0].message, problems[0].path);
      return std::nullopt;
    }
    auto j = nlohmann::json::parse(pc.config_json(), nullptr, false);
    Config c;
    c.state_dir = j.value("state_dir", "");
    c.max_vms = j.value("max_vms", int64_t{10});
    c.stop_grace_ms = j.value("stop_grace_ms", int64_t{5000});
    if (c.state_dir.empty() || c.state_dir[0] != '/') {
      *error = make_error(pv1::ERROR_CLASS_INVALID_CONFIG, "state_dir must be an absolute path", "/state_dir");
      return std::nullopt;
    }
    return c;
  }

  // A running record whose processes are all gone is reported as an error: for a local VM the
  // script is the machine (it execs the agent), so its end is the VM failing.
  static pv1::Vm to_vm(const VmRecord& r) {
    pv1::Vm vm;
    vm.set_id(r.id);
    vm.set_hostname(r.hostname);
    for (const auto& [k, v] : r.tags) (*vm.mutable_tags())[k] = v;
    vm.set_os_type(static_cast<pv1::OsType>(r.os_type));
    vm.set_zone(r.zone);
    vm.set_created_unix_ms(r.created_unix_ms);
    vm.set_idempotency_key(r.idempotency_key);
    vm.add_addresses("127.0.0.1");
    if (!corral::local::session_members(r.session, r.start_ticks).empty()) {
      vm.set_state(pv1::VM_STATE_RUNNING);
    } else {
      vm.set_state(pv1::VM_STATE_ERROR);
      *vm.mutable_error() = make_error(pv1::ERROR_CLASS_TRANSIENT,
                                       "the startup script and all its processes have exited (see console.log)");
    }
    return vm;
  }

  static bool make_vm_dir(const VmStore& store, const VmRecord& r, const std::string& script, std::string* why) {
    std::error_code ec;
    std::filesystem::create_directories(store.vm_dir(r.id), ec);
    if (ec) {
      *why = "cannot create " + store.vm_dir(r.id) + ": " + ec.message();
      return false;
    }
    std::ofstream out(store.vm_dir(r.id) + "/startup.sh", std::ios::trunc);
    out << script;
    out.flush();
    if (!out) {
      *why = "cannot write the startup script";
      return false;
    }
    return true;
  }

  static std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  }
};

}  // namespace

CORRAL_EXPORT_PROVIDER(LocalProvider)
