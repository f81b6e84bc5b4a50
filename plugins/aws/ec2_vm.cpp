#include "plugins/aws/ec2_vm.h"

namespace corral::aws {

pv1::VmState vm_state(std::string_view ec2_state) {
  if (ec2_state == "pending") return pv1::VM_STATE_CREATING;
  if (ec2_state == "running") return pv1::VM_STATE_RUNNING;
  if (ec2_state == "shutting-down") return pv1::VM_STATE_DELETING;
  if (ec2_state == "terminated") return pv1::VM_STATE_GONE;
  return pv1::VM_STATE_ERROR;  // stopping, stopped, or a state this build does not know
}

pv1::Vm to_vm(const Ec2Instance& i) {
  pv1::Vm vm;
  vm.set_id(i.id);
  auto name = i.tags.find("Name");
  if (name != i.tags.end()) vm.set_hostname(name->second);
  vm.set_state(vm_state(i.state));
  for (const auto& [k, v] : i.tags) (*vm.mutable_tags())[k] = v;
  vm.set_os_type(i.platform == "windows" ? pv1::OS_TYPE_WINDOWS : pv1::OS_TYPE_LINUX);
  vm.set_zone(i.zone);
  if (!i.private_ip.empty()) vm.add_addresses(i.private_ip);
  if (!i.public_ip.empty()) vm.add_addresses(i.public_ip);
  vm.set_created_unix_ms(i.launch_unix_ms);
  if (vm.state() == pv1::VM_STATE_ERROR) {
    pv1::Error* e = vm.mutable_error();
    e->set_class_(pv1::ERROR_CLASS_TRANSIENT);
    e->set_message("EC2 instance " + i.id + " is " + (i.state.empty() ? "in no state" : i.state) +
                   (i.state_reason.empty() ? "" : ": " + i.state_reason));
  }
  return vm;
}

bool is_instance_id(std::string_view id) {
  if (id.substr(0, 2) != "i-" || (id.size() != 10 && id.size() != 19)) return false;
  for (char c : id.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace corral::aws
