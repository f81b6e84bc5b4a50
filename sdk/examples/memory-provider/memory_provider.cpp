// "memory": the example provider. Its VMs are entries in the plugin's memory, so it needs no
// cloud and shows every rule a real provider follows: a JSON Schema for its config, idempotent
// creates, deletes that succeed twice, unknown ids reported as gone, errors with a class, and
// list by ownership tags. Start a real plugin by copying this directory.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "corral/sdk/provider.h"

namespace {

namespace pv1 = corral::provider::v1;

// The config schema. "writeOnly" marks a secret: the manager stores it encrypted and never
// shows it again.
constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "capacity": {"type": "integer", "minimum": 1, "maximum": 10000,
                 "description": "How many VMs may exist at once."},
    "zones": {"type": "array", "items": {"type": "string", "minLength": 1},
              "description": "Zones a VM may be placed in; empty for none."},
    "api_key": {"type": "string", "writeOnly": true,
                "description": "Unused; shows how a secret is declared."}
  },
  "required": ["capacity"],
  "additionalProperties": false
})";

class MemoryProvider : public corral::sdk::Provider {
 public:
  explicit MemoryProvider(corral::sdk::Host host) : Provider(host) {}

  pv1::DescribeResponse describe() override {
    pv1::DescribeResponse r;
    r.set_name("memory");
    r.set_version("1.0.0");
    r.set_config_schema_json(kSchema);
    auto* caps = r.mutable_capabilities();
    caps->add_os_types(pv1::OS_TYPE_LINUX);
    caps->add_os_types(pv1::OS_TYPE_WINDOWS);
    caps->set_zones(true);
    return r;
  }

  pv1::CreateVmResponse create_vm(const pv1::CreateVmRequest& req, corral::sdk::Call&) override {
    pv1::CreateVmResponse resp;
    pv1::Error error;  // set only on failure: has_error() must stay false otherwise
    auto config = parse_config(req.config(), &error);
    if (!config) {
      *resp.mutable_error() = error;
      return resp;
    }
    if (req.idempotency_key().empty()) {
      *resp.mutable_error() = corral::sdk::make_error(pv1::ERROR_CLASS_INVALID_CONFIG, "idempotency_key is required");
      return resp;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto& vms = vms_[req.config().name()];
    for (const auto& [id, vm] : vms) {
      if (vm.idempotency_key() == req.idempotency_key()) {
        *resp.mutable_vm() = vm;
        return resp;
      }
    }
    if (static_cast<int64_t>(vms.size()) >= config->capacity) {
      *resp.mutable_error() = corral::sdk::make_error(
          pv1::ERROR_CLASS_OUT_OF_CAPACITY, "capacity of " + std::to_string(config->capacity) + " VMs reached");
      return resp;
    }
    pv1::Vm vm;
    vm.set_id("mem-" + std::to_string(++next_id_));
    vm.set_hostname(req.hostname());
    vm.set_state(pv1::VM_STATE_RUNNING);
    *vm.mutable_tags() = req.tags();
    vm.set_os_type(req.os_type());
    vm.set_zone(req.zone());
    vm.set_created_unix_ms(host().now_unix_ms());
    vm.set_idempotency_key(req.idempotency_key());
    vms[vm.id()] = vm;
    host().info("memory.vm_created", {{"vm", vm.id()}, {"hostname", vm.hostname()}});
    *resp.mutable_vm() = vm;
    return resp;
  }

  pv1::DeleteVmResponse delete_vm(const pv1::DeleteVmRequest& req, corral::sdk::Call&) override {
    pv1::DeleteVmResponse resp;
    std::lock_guard<std::mutex> lock(mu_);
    vms_[req.config().name()].erase(req.vm_id());
    resp.set_state(pv1::VM_STATE_GONE);
    return resp;
  }

  pv1::GetVmResponse get_vm(const pv1::GetVmRequest& req, corral::sdk::Call&) override {
    pv1::GetVmResponse resp;
    std::lock_guard<std::mutex> lock(mu_);
    auto& vms = vms_[req.config().name()];
    auto it = vms.find(req.vm_id());
    if (it == vms.end()) {
      resp.mutable_vm()->set_id(req.vm_id());
      resp.mutable_vm()->set_state(pv1::VM_STATE_GONE);
    } else {
      *resp.mutable_vm() = it->second;
    }
    return resp;
  }

  pv1::ListVmsResponse list_vms(const pv1::ListVmsRequest& req, corral::sdk::Call&) override {
    pv1::ListVmsResponse resp;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, vm] : vms_[req.config().name()]) {
      bool match = true;
      for (const auto& [k, v] : req.tags()) {
        auto t = vm.tags().find(k);
        if (t == vm.tags().end() || t->second != v) match = false;
      }
      if (match) *resp.add_vms() = vm;
    }
    return resp;
  }

 private:
  struct Config {
    int64_t capacity = 0;
  };

  // The manager only hands over configs that passed validation, but a plugin still refuses a
  // bad one with an invalid_config error rather than trusting it.
  std::optional<Config> parse_config(const pv1::ProviderConfig& pc, pv1::Error* error) {
    auto problems = corral::sdk::validate_json(kSchema, pc.config_json());
    if (!problems.empty()) {
      *error = corral::sdk::make_error(pv1::ERROR_CLASS_INVALID_CONFIG, problems[0].message, problems[0].path);
      return std::nullopt;
    }
    Config c;
    c.capacity = nlohmann::json::parse(pc.config_json()).at("capacity").get<int64_t>();
    return c;
  }

  std::mutex mu_;
  std::map<std::string, std::map<std::string, pv1::Vm>> vms_;  // by config name, then VM id
  uint64_t next_id_ = 0;
};

}  // namespace

CORRAL_EXPORT_PROVIDER(MemoryProvider)
