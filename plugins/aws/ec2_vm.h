// From EC2's view of an instance to the manager's Vm: state, host name (the Name tag), tags,
// OS, zone, addresses, launch time. Pure; used by the provider for every answer.
#pragma once

#include <string>
#include <string_view>

#include "corral/provider/v1/provider.pb.h"
#include "plugins/aws/ec2_xml.h"

namespace corral::aws {

// pending -> creating, running -> running, shutting-down -> deleting, terminated -> gone,
// stopping/stopped -> error (an autoscaled VM that stopped serves no one; its reason is kept).
pv1::VmState vm_state(std::string_view ec2_state);

pv1::Vm to_vm(const Ec2Instance& instance);

// "i-" and 8 or 17 hex digits. Anything else cannot name an instance, so Get and Delete answer
// "gone" without asking EC2 (which would refuse it as malformed).
bool is_instance_id(std::string_view id);

}  // namespace corral::aws
