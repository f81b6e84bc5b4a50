// The local sources of AWS credentials, in the order the credential chain asks them: the
// provider config's static keys, the standard environment variables, and a profile of the shared
// credentials and config files. Each answers "found", "not here" (nullopt: ask the next source)
// or an error that stops the chain (half a key pair, a profile named but missing, a file that does
// not parse): silently skipping a source the operator meant to use would sign as someone else.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/sigv4.h"

namespace corral::aws {

// getenv, injectable; an empty variable counts as unset (as the official SDKs do).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

using MaybeCredentials = Outcome<std::optional<Credentials>>;

// "access_key_id" + "secret_access_key" (+ "session_token") of the provider config.
MaybeCredentials static_credentials(const std::string& access_key_id, const std::string& secret_access_key,
                                    const std::string& session_token);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
MaybeCredentials environment_credentials(const EnvLookup& env);

// The profile's keys from AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), then from
// AWS_CONFIG_FILE (default ~/.aws/config, sections "[profile NAME]" and "[default]"). PROFILE
// empty: AWS_PROFILE, else "default". A profile named by the config or AWS_PROFILE that neither
// file has is an error; the implicit "default" missing is "not here". Missing files are empty.
MaybeCredentials profile_credentials(const std::string& profile, const EnvLookup& env);

// "2024-05-01T12:34:56Z" (fractional seconds and an offset of Z only) to Unix ms; nullopt if not.
std::optional<int64_t> parse_aws_time(std::string_view text);

}  // namespace corral::aws
