// The AWS provider config: its JSON Schema (what the manager validates at save and shows
// operators) and its parsed form: the region and endpoints, the credentials, and what every
// instance is launched with (docs/providers/aws.md, "Config").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/credential_chain.h"

namespace corral::aws {

// The schema, with the default startup-script templates under $defs.
const std::string& config_schema();

struct RootVolume {
  std::string device_name;  // empty: the image's root device (DescribeImages)
  int64_t size_gib = 0;     // 0: the image's size
  std::string type;         // gp3, gp2, io1, io2, st1, sc1, standard; empty: EC2's default
  int64_t iops = 0;
  int64_t throughput_mibps = 0;
};

struct InstanceSettings {
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string key_name;
  std::string iam_instance_profile;  // a name, or an instance-profile ARN
  std::optional<RootVolume> root_volume;
  bool spot = false;
  std::string spot_max_price;  // empty: up to the on-demand price
  std::map<std::string, std::string> tags;
  std::string metadata_tokens = "required";
};

struct AwsConfig {
  std::string region;
  std::string endpoint_url;  // empty: https://ec2.<region>.amazonaws.com(.cn)
  CredentialSettings credentials;
  InstanceSettings instance;
};

// Tags a config may add: EC2 allows 50 per resource, and the plugin adds Name and the manager's
// ownership tags.
inline constexpr size_t kMaxConfigTags = 40;

// Checks CONFIG_JSON against the schema and what it cannot say (the first problem, with its path,
// is the error) and reads it. CONFIG_NAME becomes the STS session name.
Outcome<AwsConfig> parse_config(const std::string& config_name, const std::string& config_json);

// "https://ec2.eu-west-1.amazonaws.com" (".amazonaws.com.cn" in China), or the config's endpoint_url.
std::string ec2_endpoint(const AwsConfig& config);

}  // namespace corral::aws
