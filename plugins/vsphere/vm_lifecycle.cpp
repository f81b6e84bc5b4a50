#include "plugins/vsphere/vm_lifecycle.h"

#include <algorithm>
#include <cstring>

#include "plugins/vsphere/placement.h"
#include "plugins/vsphere/task_watch.h"

namespace corral::vsphere {
namespace {

// The properties a VM is read with (a function: a static vector's constructor may throw).
const std::vector<std::string>& vm_props() {
  static const std::vector<std::string> props = {"name", "runtime.powerState", "config.extraConfig", "guest.ipAddress"};
  return props;
}
constexpr const char* kStillRunning = "TaskStillRunning";

MoRef vm_ref(const std::string& id) { return {"VirtualMachine", id}; }

std::map<std::string, std::string> extra_config(const ObjectContent& o) {
  pugi::xml_node val = o.prop("config.extraConfig");
  return val ? option_values(val) : std::map<std::string, std::string>{};
}

std::string prop_text(const ObjectContent& o, const std::string& path) {
  auto it = o.props.find(path);
  return it == o.props.end() ? std::string() : std::string(it->second.text().get());
}

int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (...) {
    return 0;
  }
}

}  // namespace

bool owned_with_tags(const std::map<std::string, std::string>& ec, const std::map<std::string, std::string>& tags) {
  auto managed = ec.find(kManagedKey);
  if (managed == ec.end() || managed->second != "1") return false;
  return std::all_of(tags.begin(), tags.end(), [&](const auto& tag) {
    auto it = ec.find(kTagPrefix + encode_tag_key(tag.first));
    return it != ec.end() && it->second == tag.second;
  });
}

int64_t VmLifecycle::deadline() const {
  if (ctx_.deadline_ms > 0) return ctx_.deadline_ms;
  return ctx_.monotonic_ms() + session_.config().task_timeout_ms;
}

pv1::Vm VmLifecycle::to_vm(const ObjectContent& o) const {
  pv1::Vm vm;
  vm.set_id(o.obj.value);
  std::map<std::string, std::string> ec = extra_config(o);
  vm.set_hostname(ec[kHostnameKey]);
  vm.set_idempotency_key(ec[kIdempotencyKey]);
  vm.set_os_type(ec[kOsTypeKey] == "windows" ? pv1::OS_TYPE_WINDOWS : pv1::OS_TYPE_LINUX);
  vm.set_created_unix_ms(to_int(ec[kCreatedKey]));
  for (const auto& [key, value] : ec) {
    if (key.starts_with(kTagPrefix)) (*vm.mutable_tags())[decode_tag_key(key.substr(strlen(kTagPrefix)))] = value;
  }
  if (std::string ip = prop_text(o, "guest.ipAddress"); !ip.empty()) vm.add_addresses(ip);
  const std::string power = prop_text(o, "runtime.powerState");
  if (power == "poweredOn") {
    vm.set_state(pv1::VM_STATE_RUNNING);
  } else if (power == "poweredOff" && ctx_.wall_ms() - vm.created_unix_ms() < kCreatingGraceMs) {
    vm.set_state(pv1::VM_STATE_CREATING);
  } else {
    vm.set_state(pv1::VM_STATE_ERROR);
    *vm.mutable_error() =
        config_error("the VM " + prop_text(o, "name") + " is " +
                     (power.empty() ? std::string("in an unknown power state") : power) + " in vCenter, not powered on")
            .to_proto();
    vm.mutable_error()->set_class_(pv1::ERROR_CLASS_TRANSIENT);
  }
  return vm;
}

Outcome<ObjectContent> VmLifecycle::read_vm(const std::string& id) {
  auto got = retrieve(session_, ctx_.send, {vm_ref(id)}, "VirtualMachine", vm_props());
  if (!got.ok()) {
    if (got.error().fault_type == "ManagedObjectNotFound") return ObjectContent{};
    return got.error();
  }
  if (got.value().empty()) return ObjectContent{};
  return got.value().front();
}

Outcome<MoRef> VmLifecycle::start_task(const std::string& body) {
  auto answer = session_.call(ctx_.send, body);
  if (!answer.ok()) return answer.error();
  return moref_of(child(answer.value().response, "returnval"));
}

Outcome<MoRef> VmLifecycle::wait_task(const MoRef& task, const std::string& what) {
  auto followed = follow_task(session_, ctx_.send, {ctx_.monotonic_ms, ctx_.cancelled}, task, deadline());
  if (!followed.ok()) {
    VsphereError e = followed.error();
    e.message = "following " + what + ": " + e.message;
    return e;
  }
  const TaskInfo& info = followed.value();
  if (info.state == "success") return info.result;
  if (info.state == "error") {
    return VsphereError{
        fault_class(info.fault_type),
        what + " failed in vCenter: " + info.fault_type + (info.message.empty() ? "" : ": ") + info.message,
        {},
        info.fault_type};
  }
  return VsphereError{pv1::ERROR_CLASS_TRANSIENT,
                      what + " is still running in vCenter (" + task.value + ") when the call had to return",
                      {},
                      kStillRunning};
}

Outcome<pv1::Vm> VmLifecycle::power_on(const ObjectContent& vm) {
  pv1::Vm out = to_vm(vm);
  if (prop_text(vm, "runtime.powerState") == "poweredOn") return out;
  auto task = start_task("<PowerOnVM_Task xmlns=\"urn:vim25\">" + moref_xml("_this", vm.obj) + "</PowerOnVM_Task>");
  if (!task.ok()) return task.error();
  auto done = wait_task(task.value(), "powering on " + prop_text(vm, "name"));
  if (!done.ok()) {
    // Still powering on: the VM exists and a later GetVm sees it running.
    if (done.error().fault_type == kStillRunning) {
      out.set_state(pv1::VM_STATE_CREATING);
      return out;
    }
    return done.error();
  }
  auto again = read_vm(vm.obj.value);
  if (!again.ok()) return again.error();
  if (again.value().obj.empty()) return transient_error("the VM " + vm.obj.value + " vanished after powering on");
  return to_vm(again.value());
}

Outcome<pv1::Vm> VmLifecycle::create_vm(const pv1::CreateVmRequest& request) {
  const VsphereConfig& c = session_.config();
  const std::string name = vm_name_for(c.vm_name_prefix, config_name_, request.idempotency_key());
  auto placement = resolve_placement(session_, ctx_.send, request.os_type());
  if (!placement.ok()) return placement.error();
  Placement p = std::move(placement).value();

  // Twice at most: a clone that loses a race with another create of the same key (DuplicateName)
  // finds the winner's VM on the second pass.
  for (int pass = 0; pass < 2; ++pass) {
    auto existing = find_child(session_, ctx_.send, p.clone.folder, name);
    if (!existing.ok()) return existing.error();
    if (!existing.value().empty()) {
      auto vm = read_vm(existing.value().value);
      if (!vm.ok()) return vm.error();
      if (!vm.value().obj.empty()) {
        std::map<std::string, std::string> ec = extra_config(vm.value());
        if (ec[kManagedKey] != "1" || ec[kIdempotencyKey] != request.idempotency_key()) {
          return config_error("a VM named " + name +
                                  " already exists in the folder and was not created by Corral with "
                                  "this idempotency key; not touching it",
                              "/folder");
        }
        return power_on(vm.value());
      }
    }

    CloneInputs in = p.clone;
    in.num_cpus = c.num_cpus;
    in.memory_mb = c.memory_mb;
    in.annotation = "Created by Corral for " + config_name_ + " (hostname " + request.hostname() + ")";
    in.extra_config = clone_extra_config(request, name, ctx_.wall_ms());
    if (!c.customization_spec.empty()) {
      auto spec = customization_spec(request.hostname());
      if (!spec.ok()) return spec.error();
      in.customization_xml = spec.value();
    } else if (c.sysprep.enabled && request.os_type() == pv1::OS_TYPE_WINDOWS) {
      in.customization_xml = sysprep_customization_xml(c.sysprep, request.hostname());
    }
    auto task = start_task("<CloneVM_Task xmlns=\"urn:vim25\">" + moref_xml("_this", p.template_vm) +
                           moref_xml("folder", p.clone.folder) + text_xml("name", name) + clone_spec_xml(in) +
                           "</CloneVM_Task>");
    if (!task.ok()) {
      if (task.error().fault_type == "DuplicateName" && pass == 0) continue;
      return task.error();
    }
    auto cloned = wait_task(task.value(), "cloning " + name);
    if (!cloned.ok()) {
      if (cloned.error().fault_type == "DuplicateName" && pass == 0) continue;
      if (cloned.error().fault_type == kStillRunning) {
        VsphereError e = cloned.error();
        e.message += "; creating again with the same idempotency key returns the VM once the clone is done";
        return e;
      }
      return cloned.error();
    }
    auto vm = read_vm(cloned.value().value);
    if (!vm.ok()) return vm.error();
    if (vm.value().obj.empty()) return transient_error("the clone " + name + " vanished before it was powered on");
    return power_on(vm.value());
  }
  return transient_error("the VM " + name + " was neither found nor cloned; try again");
}

Outcome<std::string> VmLifecycle::customization_spec(const std::string& hostname) {
  const VsphereConfig& c = session_.config();
  auto content = session_.content(ctx_.send);
  if (!content.ok()) return content.error();
  auto answer = session_.call(ctx_.send, "<GetCustomizationSpec xmlns=\"urn:vim25\">" +
                                             moref_xml("_this", content.value().customization_spec_manager) +
                                             text_xml("name", c.customization_spec) + "</GetCustomizationSpec>");
  if (!answer.ok()) {
    if (answer.error().fault_type == "NotFound") {
      return config_error(
          "customization.spec_name: vCenter has no customization specification named '" + c.customization_spec + "'",
          "/customization/spec_name");
    }
    return answer.error();
  }
  pugi::xml_node spec = child(child(answer.value().response, "returnval"), "spec");
  if (!spec) return transient_error("vCenter returned the customization specification without its spec");
  // The stored spec names the computer its own way; this VM gets its own hostname.
  pugi::xml_node identity = child(spec, "identity");
  pugi::xml_node name_node = child(identity, "hostName");
  if (!name_node) name_node = child(child(identity, "userData"), "computerName");
  if (name_node) {
    while (pugi::xml_node c2 = name_node.first_child()) name_node.remove_child(c2);
    while (pugi::xml_attribute a = name_node.first_attribute()) name_node.remove_attribute(a);
    name_node.append_attribute("xsi:type") = "CustomizationFixedName";
    name_node.append_child("name").text().set(hostname.c_str());
  }
  return node_xml(spec, "customization");
}

pv1::CreateVmResponse VmLifecycle::create(const pv1::CreateVmRequest& request) {
  pv1::CreateVmResponse response;
  if (request.idempotency_key().empty()) {
    *response.mutable_error() = config_error("CreateVm needs an idempotency key").to_proto();
    return response;
  }
  auto vm = create_vm(request);
  if (vm.ok()) {
    *response.mutable_vm() = vm.value();
  } else {
    *response.mutable_error() = vm.error().to_proto();
  }
  return response;
}

pv1::GetVmResponse VmLifecycle::get(const std::string& id) {
  pv1::GetVmResponse response;
  auto vm = read_vm(id);
  if (!vm.ok()) {
    *response.mutable_error() = vm.error().to_proto();
    return response;
  }
  std::map<std::string, std::string> ec = extra_config(vm.value());
  // A VM Corral did not create is not one this provider knows.
  if (vm.value().obj.empty() || !owned_with_tags(ec, {})) {
    response.mutable_vm()->set_id(id);
    response.mutable_vm()->set_state(pv1::VM_STATE_GONE);
    return response;
  }
  *response.mutable_vm() = to_vm(vm.value());
  return response;
}

pv1::ListVmsResponse VmLifecycle::list(const std::map<std::string, std::string>& tags) {
  pv1::ListVmsResponse response;
  const VsphereConfig& c = session_.config();
  auto dc = find_by_path(session_, ctx_.send, inventory_path(c, ""), "/datacenter");
  if (!dc.ok()) {
    *response.mutable_error() = dc.error().to_proto();
    return response;
  }
  auto vms = retrieve_under(session_, ctx_.send, dc.value(), "VirtualMachine", vm_props());
  if (!vms.ok()) {
    *response.mutable_error() = vms.error().to_proto();
    return response;
  }
  for (const ObjectContent& o : vms.value()) {
    auto it = o.props.find("config.extraConfig");
    if (it == o.props.end() || !owned_with_tags(option_values(it->second), tags)) continue;
    *response.add_vms() = to_vm(o);
  }
  return response;
}

pv1::DeleteVmResponse VmLifecycle::remove(const std::string& id) {
  pv1::DeleteVmResponse response;
  auto fail = [&](const VsphereError& e) {
    if (e.fault_type == "ManagedObjectNotFound") {
      response.set_state(pv1::VM_STATE_GONE);
    } else if (e.fault_type == kStillRunning) {
      response.set_state(pv1::VM_STATE_DELETING);
    } else {
      *response.mutable_error() = e.to_proto();
    }
    return response;
  };
  auto vm = read_vm(id);
  if (!vm.ok()) return fail(vm.error());
  if (vm.value().obj.empty()) {
    response.set_state(pv1::VM_STATE_GONE);
    return response;
  }
  std::map<std::string, std::string> ec = extra_config(vm.value());
  if (!owned_with_tags(ec, {})) {
    return fail(config_error("the VM " + id + " (" + prop_text(vm.value(), "name") +
                             ") was not created by Corral; not deleting it"));
  }
  const std::string name = prop_text(vm.value(), "name");
  if (prop_text(vm.value(), "runtime.powerState") != "poweredOff") {
    auto task =
        start_task("<PowerOffVM_Task xmlns=\"urn:vim25\">" + moref_xml("_this", vm.value().obj) + "</PowerOffVM_Task>");
    if (!task.ok()) return fail(task.error());
    auto off = wait_task(task.value(), "powering off " + name);
    // InvalidPowerState: it went off meanwhile, which is what was wanted.
    if (!off.ok() && off.error().fault_type != "InvalidPowerState") return fail(off.error());
  }
  auto task = start_task("<Destroy_Task xmlns=\"urn:vim25\">" + moref_xml("_this", vm.value().obj) + "</Destroy_Task>");
  if (!task.ok()) return fail(task.error());
  auto destroyed = wait_task(task.value(), "destroying " + name);
  if (!destroyed.ok()) return fail(destroyed.error());
  response.set_state(pv1::VM_STATE_GONE);
  return response;
}

}  // namespace corral::vsphere
