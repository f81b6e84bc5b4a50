// Where the AWS plugin's credentials come from, in the order operators expect from the official
// SDKs: the provider config's static keys, the environment variables, the shared files' profile,
// the instance role through IMDSv2; then, when the config names a role_arn, STS AssumeRole signed
// with whichever of those answered. Temporary credentials (instance role, assumed role) are kept
// and fetched again kRefreshBeforeMs before they expire. One chain per provider config revision,
// owned by the provider; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/credential_sources.h"
#include "plugins/aws/http_send.h"
#include "plugins/aws/imds_client.h"
#include "plugins/aws/sigv4.h"

namespace corral::aws {

// Refresh temporary credentials this long before they expire. If the refresh fails while the
// old ones are still valid they are used (IMDS or STS having a bad minute must not stop calls).
inline constexpr int64_t kRefreshBeforeMs = 5 * 60 * 1000;

struct CredentialSettings {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string profile;        // empty: AWS_PROFILE, else "default"
  std::string imds_endpoint;  // empty: kDefaultImdsEndpoint
  std::string role_arn;       // empty: no AssumeRole
  std::string external_id;
  std::string session_name;
  std::string region;
  std::string sts_endpoint_url;
};

// What the chain uses from its surroundings, per call: the host clock, the environment and the
// host HTTP service bound to the current call.
struct CredentialContext {
  std::function<int64_t()> now_unix_ms;
  EnvLookup env;
  HttpSend http;
};

class CredentialChain {
 public:
  explicit CredentialChain(CredentialSettings settings);

  Outcome<Credentials> credentials(const CredentialContext& ctx);

 private:
  Outcome<Credentials> base_credentials(const CredentialContext& ctx, int64_t now);
  Outcome<Credentials> instance_role(const CredentialContext& ctx, int64_t now);

  const CredentialSettings settings_;
  ImdsClient imds_;
  std::mutex mu_;  // guards the two caches; held across a refresh so only one call refreshes
  std::optional<Credentials> instance_role_;
  std::optional<Credentials> assumed_role_;
};

}  // namespace corral::aws
