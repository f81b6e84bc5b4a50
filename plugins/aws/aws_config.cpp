#include "plugins/aws/aws_config.h"

#include <nlohmann/json.hpp>

#include "corral/sdk/json_schema.h"
#include "plugins/aws/sts_client.h"

namespace corral::aws {

const char* const kConfigSchema = R"({
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
                    "description": "ExternalId the role's trust policy requires."}
  },
  "required": ["region"],
  "additionalProperties": false
})";

Outcome<AwsConfig> parse_config(const std::string& config_name, const std::string& config_json) {
  auto problems = sdk::validate_json(kConfigSchema, config_json);
  if (!problems.empty()) return config_error(problems[0].message, problems[0].path);
  nlohmann::json j = nlohmann::json::parse(config_json);
  auto str = [&](const char* key) { return j.contains(key) ? j[key].get<std::string>() : std::string(); };
  AwsConfig c;
  c.region = str("region");
  c.endpoint_url = str("endpoint_url");
  CredentialSettings& s = c.credentials;
  s.access_key_id = str("access_key_id");
  s.secret_access_key = str("secret_access_key");
  s.session_token = str("session_token");
  s.profile = str("profile");
  s.imds_endpoint = str("imds_endpoint");
  s.role_arn = str("role_arn");
  s.external_id = str("external_id");
  s.session_name = role_session_name(config_name);
  s.region = c.region;
  s.sts_endpoint_url = str("sts_endpoint_url");
  if (!s.external_id.empty() && s.role_arn.empty()) return config_error("external_id needs role_arn", "/external_id");
  // Half a static key pair is refused here, at save, not at the first create.
  auto statics = static_credentials(s.access_key_id, s.secret_access_key, s.session_token);
  if (!statics.ok()) return statics.error();
  return c;
}

}  // namespace corral::aws
