// The AWS provider config: its JSON Schema (what the manager validates at save and shows
// operators) and its parsed form. This stage has the region, the endpoints and the credential
// fields; the EC2 instance fields come with RunInstances (docs/providers/aws.md).
#pragma once

#include <string>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/credential_chain.h"

namespace corral::aws {

extern const char* const kConfigSchema;

struct AwsConfig {
  std::string region;
  std::string endpoint_url;  // empty: https://ec2.<region>.amazonaws.com(.cn)/
  CredentialSettings credentials;
};

// Checks CONFIG_JSON against the schema (the first problem, with its path, is the error) and
// reads it. CONFIG_NAME becomes the STS session name.
Outcome<AwsConfig> parse_config(const std::string& config_name, const std::string& config_json);

}  // namespace corral::aws
