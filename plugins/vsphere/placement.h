// Where and from what a clone is made: the config's inventory paths resolved to managed objects
// (a cluster or host path to its root resource pool, a network to the backing of the template's
// first NIC, linked_clone to the template's current snapshot). Every path that does not resolve is
// an invalid-config error naming the field and the path.
#pragma once

#include <string>

#include "corral/provider/v1/provider.pb.h"
#include "plugins/vsphere/clone_spec.h"
#include "plugins/vsphere/inventory.h"

namespace corral::vsphere {

struct Placement {
  MoRef template_vm;
  CloneInputs clone;  // folder, pool, datastore, snapshot, device_change_xml filled
};

Outcome<Placement> resolve_placement(VimSession& session, const HttpSend& send, pv1::OsType os_type);

// The <deviceChange> editing DEVICE (a NIC of the template, as read) to use BACKING_XML.
std::string nic_edit_xml(pugi::xml_node device, const std::string& backing_xml);

}  // namespace corral::vsphere
