#include "plugins/aws/aws_config.h"

#include <nlohmann/json.hpp>

#include "corral/sdk/json_schema.h"
#include "plugins/aws/default_templates.h"
#include "plugins/aws/sts_client.h"

namespace corral::aws {
namespace {

using nlohmann::json;

const char* const kSchemaText = R"({
  "type": "object",
  "properties": {
    "region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$",
               "description": "AWS region of the instances, e.g. eu-west-1."},
    "endpoint_url": {"type": "string", "pattern": "^https?://[^/?#]+/?$",
                     "description": "EC2 endpoint; default https://ec2.<region>.amazonaws.com (VPC endpoints, other partitions, tests)."},
    "sts_endpoint_url": {"type": "string", "pattern": "^https?://[^/?#]+/?$",
                         "description": "STS endpoint for role_arn; default the regional https://sts.<region>.amazonaws.com."},
    "imds_endpoint": {"type": "string", "pattern": "^https?://[^/?#]+$",
                      "description": "Instance metadata service; default http://169.254.169.254."},
    "access_key_id": {"type": "string", "pattern": "^[A-Z0-9]{16,128}$",
                      "description": "Static access key id; unset: environment, shared files, then the instance role."},
    "secret_access_key": {"type": "string", "minLength": 1, "maxLength": 1024, "writeOnly": true,
                          "description": "Secret of access_key_id."},
    "session_token": {"type": "string", "minLength": 1, "maxLength": 8192, "writeOnly": true,
                      "description": "Session token of temporary static credentials."},
    "profile": {"type": "string", "pattern": "^[^\\[\\]\\r\\n]{1,128}$",
                "description": "Profile of the shared credentials/config files; default AWS_PROFILE, else default."},
    "role_arn": {"type": "string", "pattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$",
                 "description": "Role to assume through STS with the credentials found above."},
    "external_id": {"type": "string", "pattern": "^[\\w+=,.@:/-]{2,1224}$",
                    "description": "ExternalId the role's trust policy requires."},
    "image_id": {"type": "string", "pattern": "^ami-[0-9a-f]{8,17}$",
                 "description": "AMI every instance starts from (its OS must match the pool's)."},
    "instance_type": {"type": "string", "pattern": "^[a-z][a-z0-9-]*\\.[a-z0-9-]+$",
                      "description": "EC2 instance type, e.g. m6i.large."},
    "subnet_id": {"type": "string", "pattern": "^subnet-[0-9a-f]{8,17}$",
                  "description": "VPC subnet; unset: the default VPC's subnet in the zone."},
    "security_group_ids": {"type": "array", "minItems": 1, "maxItems": 16, "uniqueItems": true,
                           "items": {"type": "string", "pattern": "^sg-[0-9a-f]{8,17}$"},
                           "description": "Security groups (ids); unset: the VPC's default group."},
    "key_name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "description": "EC2 key pair for SSH or the Windows password."},
    "iam_instance_profile": {"type": "string",
                             "pattern": "^(arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/[\\w+=,.@/-]{1,512}|[\\w+=,.@-]{1,128})$",
                             "description": "Instance profile (name or ARN) the instances run with."},
    "root_volume": {
      "type": "object",
      "properties": {
        "size_gib": {"type": "integer", "minimum": 1, "maximum": 65536, "description": "Size in GiB; unset: the image's."},
        "type": {"enum": ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"], "description": "EBS volume type."},
        "iops": {"type": "integer", "minimum": 100, "maximum": 256000, "description": "Provisioned IOPS (gp3, io1, io2)."},
        "throughput_mibps": {"type": "integer", "minimum": 125, "maximum": 2000, "description": "Throughput in MiB/s (gp3)."},
        "device_name": {"type": "string", "pattern": "^/dev/[a-z0-9]+$",
                        "description": "Root device; unset: read from the image (DescribeImages)."}
      },
      "additionalProperties": false,
      "description": "The root EBS volume; always deleted with the instance."
    },
    "spot": {
      "type": "object",
      "properties": {
        "max_price": {"type": "string", "pattern": "^[0-9]{1,6}(\\.[0-9]{1,8})?$",
                      "description": "Highest hourly price in USD; unset: up to the on-demand price."}
      },
      "additionalProperties": false,
      "description": "Present: one-time Spot Instances, terminated on interruption."
    },
    "tags": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 256},
             "description": "Tags added to every instance and its volumes (at most 40)."},
    "instance_metadata_tokens": {"enum": ["required", "optional"],
                                 "description": "IMDSv2 tokens on the instances; default required."}
  },
  "required": ["region", "image_id", "instance_type"],
  "additionalProperties": false
})";

// A JSON Pointer token (RFC 6901): "~" is "~0", "/" is "~1".
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string str(const json& j, const char* key) { return j.contains(key) ? j[key].get<std::string>() : std::string(); }
int64_t integer(const json& j, const char* key) {
  return j.contains(key) ? static_cast<int64_t>(j[key].get<double>()) : 0;
}

Outcome<InstanceSettings> instance_settings(const json& j) {
  InstanceSettings s;
  s.image_id = str(j, "image_id");
  s.instance_type = str(j, "instance_type");
  s.subnet_id = str(j, "subnet_id");
  if (j.contains("security_group_ids")) s.security_group_ids = j["security_group_ids"].get<std::vector<std::string>>();
  s.key_name = str(j, "key_name");
  s.iam_instance_profile = str(j, "iam_instance_profile");
  if (j.contains("root_volume")) {
    const json& v = j["root_volume"];
    RootVolume r{str(v, "device_name"), integer(v, "size_gib"), str(v, "type"), integer(v, "iops"),
                 integer(v, "throughput_mibps")};
    if (r.iops != 0 && r.type != "gp3" && r.type != "io1" && r.type != "io2") {
      return config_error("iops needs type gp3, io1 or io2", "/root_volume/iops");
    }
    if ((r.type == "io1" || r.type == "io2") && r.iops == 0) {
      return config_error("type " + r.type + " needs iops", "/root_volume/iops");
    }
    if (r.throughput_mibps != 0 && r.type != "gp3") {
      return config_error("throughput_mibps needs type gp3", "/root_volume/throughput_mibps");
    }
    s.root_volume = r;
  }
  if (j.contains("spot")) {
    s.spot = true;
    s.spot_max_price = str(j["spot"], "max_price");
  }
  if (j.contains("tags")) {
    if (j["tags"].size() > kMaxConfigTags) {
      return config_error("at most " + std::to_string(kMaxConfigTags) + " tags (EC2 allows 50 per resource)", "/tags");
    }
    for (const auto& [key, value] : j["tags"].items()) {
      const std::string path = "/tags/" + pointer_token(key);
      if (key.empty() || key.size() > 128) return config_error("a tag key has 1 to 128 characters", path);
      if (key.rfind("aws:", 0) == 0) return config_error("tag keys starting with aws: are reserved by AWS", path);
      if (key == "Name") return config_error("the Name tag is the VM's host name; the plugin sets it", path);
      s.tags[key] = value.get<std::string>();
    }
  }
  if (j.contains("instance_metadata_tokens")) s.metadata_tokens = str(j, "instance_metadata_tokens");
  return s;
}

}  // namespace

const std::string& config_schema() {
  static const std::string schema = [] {
    json j = json::parse(kSchemaText);
    j["$defs"] = {
        {"default_linux_startup_script_template",
         {{"type", "string"},
          {"description",
           "A startupScriptTemplate for Linux AMIs (bash): installs the agent from "
           "{agent_download_url} and enrolls it."},
          {"default", kDefaultLinuxTemplate}}},
        {"default_windows_startup_script_template",
         {{"type", "string"},
          {"description",
           "A startupScriptTemplate for Windows AMIs (PowerShell; the plugin wraps it in "
           "<powershell> tags): installs the agent from {agent_download_url} and enrolls it."},
          {"default", kDefaultWindowsTemplate}}},
    };
    return j.dump();
  }();
  return schema;
}

Outcome<AwsConfig> parse_config(const std::string& config_name, const std::string& config_json) {
  auto problems = sdk::validate_json(config_schema(), config_json);
  if (!problems.empty()) return config_error(problems[0].message, problems[0].path);
  json j = json::parse(config_json);
  AwsConfig c;
  c.region = str(j, "region");
  c.endpoint_url = str(j, "endpoint_url");
  CredentialSettings& s = c.credentials;
  s.access_key_id = str(j, "access_key_id");
  s.secret_access_key = str(j, "secret_access_key");
  s.session_token = str(j, "session_token");
  s.profile = str(j, "profile");
  s.imds_endpoint = str(j, "imds_endpoint");
  s.role_arn = str(j, "role_arn");
  s.external_id = str(j, "external_id");
  s.session_name = role_session_name(config_name);
  s.region = c.region;
  s.sts_endpoint_url = str(j, "sts_endpoint_url");
  if (!s.external_id.empty() && s.role_arn.empty()) return config_error("external_id needs role_arn", "/external_id");
  // Half a static key pair is refused here, at save, not at the first create.
  auto statics = static_credentials(s.access_key_id, s.secret_access_key, s.session_token);
  if (!statics.ok()) return statics.error();
  auto instance = instance_settings(j);
  if (!instance.ok()) return instance.error();
  c.instance = std::move(instance).value();
  return c;
}

std::string ec2_endpoint(const AwsConfig& config) {
  if (!config.endpoint_url.empty()) return config.endpoint_url;
  const bool china = config.region.rfind("cn-", 0) == 0;
  return "https://ec2." + config.region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

}  // namespace corral::aws
