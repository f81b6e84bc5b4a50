#include "plugins/vsphere/clone_spec.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>

namespace corral::vsphere {
namespace {

bool tag_char_kept(unsigned char c) { return std::isalnum(c) != 0 || c == '_' || c == '-'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// How Windows guests run the startup script: VMware Tools reads it from guestinfo, so the
// command line stays short whatever the script's size.
constexpr const char* kWindowsRunOnce =
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"$u = & 'C:\\Program Files\\VMware\\VMware "
    "Tools\\rpctool.exe' 'info-get guestinfo.userdata'; $s = [Text.Encoding]::UTF8.GetString("
    "[Convert]::FromBase64String($u)); $p = Join-Path $env:TEMP 'corral-startup.ps1'; "
    "Set-Content -Path $p -Value $s -Encoding UTF8; & $p\"";

}  // namespace

std::string vm_name_for(const std::string& prefix, const std::string& config_name, const std::string& key) {
  std::string input = config_name;
  input.push_back('\0');
  input += key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out = prefix;
  for (int i = 0; i < 10; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string encode_tag_key(const std::string& name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (tag_char_kept(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string decode_tag_key(const std::string& encoded) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      int hi = hex_digit(encoded[i + 1]);
      int lo = hex_digit(encoded[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(encoded[i]);
  }
  return out;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::map<std::string, std::string> clone_extra_config(const pv1::CreateVmRequest& request, const std::string& vm_name,
                                                      int64_t created_unix_ms) {
  std::map<std::string, std::string> ec;
  ec[kManagedKey] = "1";
  ec[kConfigKey] = request.config().name();
  ec[kIdempotencyKey] = request.idempotency_key();
  ec[kHostnameKey] = request.hostname();
  ec[kOsTypeKey] = request.os_type() == pv1::OS_TYPE_WINDOWS ? "windows" : "linux";
  ec[kCreatedKey] = std::to_string(created_unix_ms);
  for (const auto& [name, value] : request.tags()) ec[kTagPrefix + encode_tag_key(name)] = value;
  // cloud-init's VMware datasource and cloudbase-init's VMwareGuestInfoService read these.
  ec["guestinfo.userdata"] = base64(request.startup_script());
  ec["guestinfo.userdata.encoding"] = "base64";
  ec["guestinfo.metadata"] = base64("instance-id: " + vm_name + "\nlocal-hostname: " + request.hostname() + "\n");
  ec["guestinfo.metadata.encoding"] = "base64";
  return ec;
}

std::string sysprep_customization_xml(const WindowsSysprep& sysprep, const std::string& hostname) {
  std::string password;
  if (!sysprep.admin_password.empty()) {
    password = "<password>" + text_xml("value", sysprep.admin_password) + "<plainText>true</plainText></password>";
  }
  return "<customization>"
         "<options "
         "xsi:type=\"CustomizationWinOptions\"><changeSID>true</changeSID><deleteAccounts>false</deleteAccounts>"
         "</options>"
         "<identity xsi:type=\"CustomizationSysprep\">"
         "<guiUnattended>" +
         password + text_xml("timeZone", std::to_string(sysprep.timezone)) +
         "<autoLogon>false</autoLogon><autoLogonCount>0</autoLogonCount></guiUnattended>"
         "<userData>" +
         text_xml("fullName", sysprep.org_name) + text_xml("orgName", sysprep.org_name) +
         "<computerName xsi:type=\"CustomizationFixedName\">" + text_xml("name", hostname) +
         "</computerName><productId></productId></userData>"
         "<guiRunOnce>" +
         text_xml("commandList", kWindowsRunOnce) + "</guiRunOnce><identification>" +
         text_xml("joinWorkgroup", sysprep.workgroup) +
         "</identification></identity>"
         "<globalIPSettings/>"
         "<nicSettingMap><adapter><ip xsi:type=\"CustomizationDhcpIpGenerator\"/></adapter></nicSettingMap>"
         "</customization>";
}

std::string clone_spec_xml(const CloneInputs& in) {
  // VirtualMachineRelocateSpec: folder, datastore, diskMoveType, pool (schema order).
  std::string spec = "<spec><location>" + moref_xml("folder", in.folder);
  if (!in.datastore.empty()) spec += moref_xml("datastore", in.datastore);
  if (!in.snapshot.empty()) spec += "<diskMoveType>createNewChildDiskBacking</diskMoveType>";
  spec += moref_xml("pool", in.pool) + "</location><template>false</template>";
  // VirtualMachineConfigSpec: annotation, numCPUs, memoryMB, deviceChange, extraConfig.
  spec += "<config>";
  if (!in.annotation.empty()) spec += text_xml("annotation", in.annotation);
  if (in.num_cpus > 0) spec += text_xml("numCPUs", std::to_string(in.num_cpus));
  if (in.memory_mb > 0) spec += text_xml("memoryMB", std::to_string(in.memory_mb));
  spec += in.device_change_xml;
  for (const auto& [key, value] : in.extra_config) {
    spec += "<extraConfig>" + text_xml("key", key) + "<value xsi:type=\"xsd:string\">" + xml_escape(value) +
            "</value></extraConfig>";
  }
  spec += "</config>" + in.customization_xml + "<powerOn>false</powerOn>";
  if (!in.snapshot.empty()) spec += moref_xml("snapshot", in.snapshot);
  return spec + "</spec>";
}

}  // namespace corral::vsphere
