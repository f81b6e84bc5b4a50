#include "plugins/vsphere/vsphere_config.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "corral/sdk/json_schema.h"

namespace corral::vsphere {

const char* const kConfigSchema = R"({
  "type": "object",
  "properties": {
    "url": {"type": "string", "pattern": "^https://[^/?#\\s]+(/[^?#\\s]*)?$",
            "description": "The vCenter's SOAP endpoint, e.g. https://vcenter.example.com/sdk (a URL without a path gets /sdk)."},
    "user": {"type": "string", "minLength": 1, "maxLength": 256,
             "description": "vCenter user, e.g. corral@vsphere.local; its role needs the privileges in docs/providers/vsphere.md."},
    "password": {"type": "string", "minLength": 1, "maxLength": 1024, "writeOnly": true,
                 "description": "That user's password."},
    "tls": {"type": "object", "additionalProperties": false,
            "description": "How the vCenter's certificate is trusted; unset: the manager's trust (plugins.http).",
            "properties": {
              "ca_pem": {"type": "string", "minLength": 1, "maxLength": 1048576,
                         "description": "PEM CA certificates that alone are trusted for this vCenter (its VMCA root)."},
              "thumbprint_sha256": {"type": "string", "pattern": "^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$",
                                    "description": "SHA-256 fingerprint of the vCenter's own certificate (self-signed vCenters): accepted whatever its chain or name."}
            }},
    "datacenter": {"type": "string", "minLength": 1, "maxLength": 1024,
                   "description": "Inventory path of the datacenter, e.g. DC0 or Region A/DC1."},
    "templates": {"type": "object", "additionalProperties": false,
                  "description": "The VM or template cloned for each OS; inventory paths.",
                  "properties": {
                    "linux": {"$ref": "#/$defs/path"},
                    "windows": {"$ref": "#/$defs/path"}
                  }},
    "folder": {"$ref": "#/$defs/path", "description": "VM folder that receives the clones, e.g. vm/Corral."},
    "resource_pool": {"$ref": "#/$defs/path",
                      "description": "Resource pool, or a cluster or host whose root pool is used, e.g. host/Cluster1."},
    "datastore": {"$ref": "#/$defs/path", "description": "Datastore of the clones, e.g. datastore/ssd1; default the template's."},
    "network": {"$ref": "#/$defs/path",
                "description": "Network or distributed port group for the first NIC, e.g. network/VM Network; default the template's."},
    "num_cpus": {"type": "integer", "minimum": 1, "maximum": 768, "description": "vCPUs; default the template's."},
    "memory_mb": {"type": "integer", "minimum": 256, "maximum": 25165824, "description": "Memory in MiB; default the template's."},
    "linked_clone": {"type": "boolean",
                     "description": "Clone from the template's current snapshot with delta disks (fast, shares the base disk)."},
    "vm_name_prefix": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
                       "description": "Start of every VM name (the rest comes from the idempotency key); default corral-."},
    "customization": {"type": "object", "additionalProperties": false,
                      "description": "Guest customization at clone time.",
                      "properties": {
                        "spec_name": {"type": "string", "minLength": 1, "maxLength": 256,
                                      "description": "A customization specification stored in vCenter, applied with the VM's hostname."},
                        "windows_sysprep": {"type": "object", "additionalProperties": false,
                          "description": "Sysprep built by the plugin for Windows VMs; its GuiRunOnce runs the startup script.",
                          "properties": {
                            "admin_password": {"type": "string", "minLength": 1, "maxLength": 127, "writeOnly": true},
                            "timezone": {"type": "integer", "minimum": 0, "maximum": 300},
                            "org_name": {"type": "string", "minLength": 1, "maxLength": 64},
                            "workgroup": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,15}$"}
                          }}
                      }},
    "task_timeout_seconds": {"type": "integer", "minimum": 10, "maximum": 7200,
                             "description": "Longest wait for one vCenter task when the call has no deadline; default 600."}
  },
  "required": ["url", "user", "password", "datacenter", "templates", "folder", "resource_pool"],
  "additionalProperties": false,
  "$defs": {
    "path": {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[^\\r\\n]*[^/\\r\\n]$"}
  }
})";

namespace {

// Every PEM block in TEXT must be a certificate that parses, and there must be one.
bool certificates_parse(const std::string& text) {
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (bio == nullptr) return false;
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();
  // The last read fails at the end of the text; a failure before it means a block did not parse.
  return count > 0 && text.find("-----BEGIN", text.rfind("-----END") + 1) == std::string::npos;
}

}  // namespace

std::string inventory_path(const VsphereConfig& config, const std::string& path) {
  if (path.starts_with("/")) return path;
  std::string dc = config.datacenter;
  while (dc.starts_with("/")) dc.erase(0, 1);
  return path.empty() ? "/" + dc : "/" + dc + "/" + path;
}

Outcome<VsphereConfig> parse_config(const std::string& config_json) {
  auto problems = sdk::validate_json(kConfigSchema, config_json);
  if (!problems.empty()) return config_error(problems[0].message, problems[0].path);
  nlohmann::json j = nlohmann::json::parse(config_json);
  auto str = [](const nlohmann::json& o, const char* key) {
    return o.contains(key) ? o[key].get<std::string>() : std::string();
  };
  VsphereConfig c;
  c.url = str(j, "url");
  // "https://host" and "https://host/" mean the SDK endpoint.
  if (size_t slash = c.url.find('/', 8); slash == std::string::npos) {
    c.url += "/sdk";
  } else if (slash == c.url.size() - 1) {
    c.url += "sdk";
  }
  c.user = str(j, "user");
  c.password = str(j, "password");
  if (j.contains("tls")) {
    c.tls.ca_pem = str(j["tls"], "ca_pem");
    c.tls.thumbprint_sha256 = str(j["tls"], "thumbprint_sha256");
    if (!c.tls.ca_pem.empty() && !c.tls.thumbprint_sha256.empty()) {
      return config_error("give either tls.ca_pem or tls.thumbprint_sha256, not both", "/tls");
    }
    if (!c.tls.ca_pem.empty() && !certificates_parse(c.tls.ca_pem)) {
      return config_error("tls.ca_pem is not a list of PEM certificates that parse", "/tls/ca_pem");
    }
  }
  c.datacenter = str(j, "datacenter");
  c.template_linux = str(j["templates"], "linux");
  c.template_windows = str(j["templates"], "windows");
  if (c.template_linux.empty() && c.template_windows.empty()) {
    return config_error("templates needs a linux or a windows template", "/templates");
  }
  c.folder = str(j, "folder");
  c.resource_pool = str(j, "resource_pool");
  c.datastore = str(j, "datastore");
  c.network = str(j, "network");
  if (j.contains("num_cpus")) c.num_cpus = j["num_cpus"].get<int32_t>();
  if (j.contains("memory_mb")) c.memory_mb = j["memory_mb"].get<int64_t>();
  if (j.contains("linked_clone")) c.linked_clone = j["linked_clone"].get<bool>();
  if (j.contains("vm_name_prefix")) c.vm_name_prefix = str(j, "vm_name_prefix");
  if (j.contains("task_timeout_seconds")) c.task_timeout_ms = j["task_timeout_seconds"].get<int64_t>() * 1000;
  if (j.contains("customization")) {
    const nlohmann::json& cu = j["customization"];
    c.customization_spec = str(cu, "spec_name");
    if (cu.contains("windows_sysprep")) {
      const nlohmann::json& s = cu["windows_sysprep"];
      c.sysprep.enabled = true;
      c.sysprep.admin_password = str(s, "admin_password");
      if (s.contains("timezone")) c.sysprep.timezone = s["timezone"].get<int32_t>();
      if (s.contains("org_name")) c.sysprep.org_name = str(s, "org_name");
      if (s.contains("workgroup")) c.sysprep.workgroup = str(s, "workgroup");
    }
    if (!c.customization_spec.empty() && c.sysprep.enabled) {
      return config_error("give either customization.spec_name or customization.windows_sysprep, not both",
                          "/customization");
    }
  }
  return c;
}

}  // namespace corral::vsphere
