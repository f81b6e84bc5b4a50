#include "plugins/aws/run_instances.h"

#include <openssl/evp.h>

#include <map>

#include "plugins/aws/sigv4.h"

namespace corral::aws {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool starts_with_tag(const std::string& script) {
  size_t i = script.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) return false;
  for (const char* tag : {"<powershell>", "<script>", "<persist>"}) {
    if (script.compare(i, std::char_traits<char>::length(tag), tag) == 0) return true;
  }
  return false;
}

void add_tags(QueryParams& p, int spec, const char* resource_type, const std::map<std::string, std::string>& tags) {
  const std::string prefix = "TagSpecification." + std::to_string(spec) + ".";
  p.emplace_back(prefix + "ResourceType", resource_type);
  int n = 1;
  for (const auto& [key, value] : tags) {
    p.emplace_back(prefix + "Tag." + std::to_string(n) + ".Key", key);
    p.emplace_back(prefix + "Tag." + std::to_string(n) + ".Value", value);
    ++n;
  }
}

}  // namespace

Outcome<std::string> user_data(const std::string& script, pv1::OsType os_type) {
  std::string data = script;
  if (os_type == pv1::OS_TYPE_WINDOWS && !script.empty() && !starts_with_tag(script)) {
    data = "<powershell>\n" + script + (script.back() == '\n' ? "" : "\n") + "</powershell>\n";
  }
  if (data.size() > kMaxUserDataBytes) {
    return config_error("the startup script is " + std::to_string(data.size()) + " bytes" +
                        (data.size() != script.size() ? " with its <powershell> tags" : "") +
                        "; EC2 user data is limited to 16384 bytes (16 KiB) before base64. Keep the template a "
                        "bootstrap that downloads the rest: install the agent from {agent_download_url} and fetch "
                        "larger scripts from there (docs/providers/aws.md, \"User data\")");
  }
  return data;
}

std::string client_token(const std::string& idempotency_key) {
  bool usable = !idempotency_key.empty() && idempotency_key.size() <= 64;
  for (char c : idempotency_key) usable = usable && c > 0x20 && c < 0x7f;
  return usable ? idempotency_key : sha256_hex(idempotency_key);
}

Outcome<QueryParams> run_instances_params(const InstanceSettings& s, const pv1::CreateVmRequest& request,
                                          const std::string& root_device) {
  if (request.idempotency_key().empty()) return config_error("CreateVm needs an idempotency_key");
  auto data = user_data(request.startup_script(), request.os_type());
  if (!data.ok()) return data.error();

  // The config's tags, then the manager's ownership tags (they win: ListVms finds VMs by them),
  // then Name, which the EC2 console shows and GetVm reads the host name from.
  std::map<std::string, std::string> tags = s.tags;
  for (const auto& [key, value] : request.tags()) tags[key] = value;
  if (!request.hostname().empty()) tags["Name"] = request.hostname();
  if (tags.size() > 50) {
    return config_error("the instance would carry " + std::to_string(tags.size()) + " tags; EC2 allows 50 per resource",
                        "/tags");
  }

  QueryParams p = {
      {"Action", "RunInstances"},
      {"Version", "2016-11-15"},
      {"ImageId", s.image_id},
      {"InstanceType", s.instance_type},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"ClientToken", client_token(request.idempotency_key())},
      // A shutdown from inside the VM ends it rather than leaving a stopped instance behind.
      {"InstanceInitiatedShutdownBehavior", "terminate"},
      {"MetadataOptions.HttpTokens", s.metadata_tokens},
      {"MetadataOptions.HttpEndpoint", "enabled"},
  };
  if (!s.subnet_id.empty()) p.emplace_back("SubnetId", s.subnet_id);
  for (size_t i = 0; i < s.security_group_ids.size(); ++i) {
    p.emplace_back("SecurityGroupId." + std::to_string(i + 1), s.security_group_ids[i]);
  }
  if (!s.key_name.empty()) p.emplace_back("KeyName", s.key_name);
  if (!s.iam_instance_profile.empty()) {
    const bool arn = s.iam_instance_profile.rfind("arn:", 0) == 0;
    p.emplace_back(arn ? "IamInstanceProfile.Arn" : "IamInstanceProfile.Name", s.iam_instance_profile);
  }
  if (!request.zone().empty()) p.emplace_back("Placement.AvailabilityZone", request.zone());
  if (s.root_volume) {
    const RootVolume& v = *s.root_volume;
    p.emplace_back("BlockDeviceMapping.1.DeviceName", v.device_name.empty() ? root_device : v.device_name);
    p.emplace_back("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true");
    if (v.size_gib != 0) p.emplace_back("BlockDeviceMapping.1.Ebs.VolumeSize", std::to_string(v.size_gib));
    if (!v.type.empty()) p.emplace_back("BlockDeviceMapping.1.Ebs.VolumeType", v.type);
    if (v.iops != 0) p.emplace_back("BlockDeviceMapping.1.Ebs.Iops", std::to_string(v.iops));
    if (v.throughput_mibps != 0) {
      p.emplace_back("BlockDeviceMapping.1.Ebs.Throughput", std::to_string(v.throughput_mibps));
    }
  }
  if (s.spot) {
    p.emplace_back("InstanceMarketOptions.MarketType", "spot");
    p.emplace_back("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time");
    p.emplace_back("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "terminate");
    if (!s.spot_max_price.empty()) p.emplace_back("InstanceMarketOptions.SpotOptions.MaxPrice", s.spot_max_price);
  }
  if (!data.value().empty()) p.emplace_back("UserData", base64(data.value()));
  add_tags(p, 1, "instance", tags);
  add_tags(p, 2, "volume", tags);
  return p;
}

}  // namespace corral::aws
