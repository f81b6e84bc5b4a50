// STS AssumeRole (Query API 2011-06-15): trades the base credentials for the configured role's
// temporary ones, optionally with an external id. The request is SigV4-signed with the base
// credentials; the XML answer is read with pugixml. Called by the credential chain.
#pragma once

#include <cstdint>
#include <string>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/http_send.h"
#include "plugins/aws/sigv4.h"

namespace corral::aws {

struct AssumeRoleRequest {
  std::string role_arn;
  std::string external_id;   // empty: not sent
  std::string session_name;  // [\w+=,.@-]{2,64}; see role_session_name()
  std::string region;        // signing region, and the regional endpoint's
  std::string endpoint_url;  // empty: https://sts.<region>.amazonaws.com (.com.cn in China)
  int duration_seconds = 3600;
};

// "https://sts.eu-west-1.amazonaws.com/" for a region.
std::string default_sts_endpoint(const std::string& region);

// A session name CloudTrail shows: "corral-" and the provider config's name, reduced to the
// characters STS allows and cut to its 64.
std::string role_session_name(const std::string& config_name);

// Errors carry STS's code and request id: AccessDenied, InvalidClientTokenId, ExpiredToken,
// SignatureDoesNotMatch -> auth; ValidationError, MalformedPolicyDocument -> invalid config
// (/role_arn); RegionDisabledException -> invalid config (/region); throttling and 5xx -> transient.
Outcome<Credentials> assume_role(const AssumeRoleRequest& request, const Credentials& base, const HttpSend& send,
                                 int64_t now_unix_ms);

}  // namespace corral::aws
