// What a clone asks of vCenter, as vim25 XML: the VM name derived from the idempotency key, the
// extraConfig that marks ownership and carries the startup script to cloud-init or
// cloudbase-init (guestinfo.userdata, base64), the Sysprep customization whose GuiRunOnce runs that
// script on Windows, and the VirtualMachineCloneSpec around them. Pure functions: unit-tested
// without a vCenter, element order as the vim25 schema's sequences require.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "corral/provider/v1/provider.pb.h"
#include "plugins/vsphere/soap.h"
#include "plugins/vsphere/vsphere_config.h"

namespace corral::vsphere {

// extraConfig keys of Corral's own (docs/providers/vsphere.md).
inline constexpr const char* kManagedKey = "corral.managed";
inline constexpr const char* kConfigKey = "corral.config";
inline constexpr const char* kIdempotencyKey = "corral.idempotency_key";
inline constexpr const char* kHostnameKey = "corral.hostname";
inline constexpr const char* kOsTypeKey = "corral.os_type";
inline constexpr const char* kCreatedKey = "corral.created_unix_ms";
inline constexpr const char* kTagPrefix = "corral.tag.";

// PREFIX + 20 hex digits of SHA-256(config name, key): one name per key and config, so a create
// sent again finds the VM of the first by name.
std::string vm_name_for(const std::string& prefix, const std::string& config_name, const std::string& key);

// A tag name as an extraConfig key suffix (letters, digits, '_', '-' stay; the rest is %XX), and back.
std::string encode_tag_key(const std::string& name);
std::string decode_tag_key(const std::string& encoded);

std::string base64(const std::string& bytes);

// The extraConfig of a new VM: ownership, tags, and guestinfo user data and metadata.
std::map<std::string, std::string> clone_extra_config(const pv1::CreateVmRequest& request, const std::string& vm_name,
                                                      int64_t created_unix_ms);

// A CustomizationSpec (as <customization>) running Sysprep with the hostname, a workgroup and a
// GuiRunOnce command that reads guestinfo.userdata through VMware Tools and runs it in PowerShell.
std::string sysprep_customization_xml(const WindowsSysprep& sysprep, const std::string& hostname);

struct CloneInputs {
  MoRef folder;
  MoRef pool;
  MoRef datastore;                // empty: the template's
  MoRef snapshot;                 // set: a linked clone from it
  std::string device_change_xml;  // <deviceChange>… for the NIC, or empty
  int32_t num_cpus = 0;
  int64_t memory_mb = 0;
  std::string annotation;
  std::map<std::string, std::string> extra_config;
  std::string customization_xml;  // <customization>… or empty
};

// The <spec> of CloneVM_Task. The clone is not powered on by it: PowerOnVM_Task follows, so a
// clone that succeeded is found (by name) even if powering on fails or the call runs out of time.
std::string clone_spec_xml(const CloneInputs& in);

}  // namespace corral::vsphere
