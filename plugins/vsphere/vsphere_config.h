// The vSphere provider config: its JSON Schema (what the manager validates at save and shows
// operators; docs/providers/vsphere.md describes every field) and its parsed form.
#pragma once

#include <cstdint>
#include <string>

#include "plugins/vsphere/vsphere_error.h"

namespace corral::vsphere {

extern const char* const kConfigSchema;

struct TlsSettings {
  std::string ca_pem;             // trust only these CAs for the vCenter; empty: the host's trust
  std::string thumbprint_sha256;  // or accept exactly this certificate (self-signed vCenters)
};

struct WindowsSysprep {
  bool enabled = false;
  std::string admin_password;  // secret; empty: the template's
  int32_t timezone = 85;       // Microsoft time zone index; 85 is GMT
  std::string org_name = "Corral";
  std::string workgroup = "WORKGROUP";
};

struct VsphereConfig {
  std::string url;  // https://vcenter/sdk
  std::string user;
  std::string password;
  TlsSettings tls;

  std::string datacenter;  // inventory path of the datacenter ("DC0", "Region A/DC1")
  // Inventory paths, absolute ("/DC0/vm/x") or under the datacenter ("vm/x").
  std::string template_linux;
  std::string template_windows;
  std::string folder;
  std::string resource_pool;  // a pool, or a cluster/host whose root pool is used
  std::string datastore;      // empty: the template's
  std::string network;        // empty: the template's

  int32_t num_cpus = 0;   // 0: the template's
  int64_t memory_mb = 0;  // 0: the template's
  bool linked_clone = false;
  std::string vm_name_prefix = "corral-";

  std::string customization_spec;  // a named spec of the vCenter's Customization Specification Manager
  WindowsSysprep sysprep;

  int64_t task_timeout_ms = 600'000;  // longest wait for one vCenter task when the call has no deadline
};

// Checks CONFIG_JSON against the schema (the first problem, with its path, is the error), reads
// it, and checks what the schema cannot say (a certificate bundle that parses, a template for at
// least one OS).
Outcome<VsphereConfig> parse_config(const std::string& config_json);

// PATH as FindByInventoryPath wants it: absolute paths stay, others go under the datacenter (an
// empty PATH is the datacenter itself).
std::string inventory_path(const VsphereConfig& config, const std::string& path);

}  // namespace corral::vsphere
