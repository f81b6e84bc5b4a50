// The parameters of one EC2 RunInstances call for one CreateVm: exactly one instance
// (MinCount = MaxCount = 1) from the config's image and type, the rendered startup script as user
// data (base64; a Windows script inside <powershell> tags), the manager's ownership tags with the
// config's on the instance and its volumes, and the idempotency key as ClientToken so a retried
// create never launches two. Pure: the provider sends what this returns.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "corral/provider/v1/provider.pb.h"
#include "plugins/aws/aws_config.h"
#include "plugins/aws/aws_error.h"

namespace corral::aws {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// EC2's limit on user data, counted before base64 encoding.
inline constexpr size_t kMaxUserDataBytes = 16 * 1024;

// The user data for SCRIPT: as it is for Linux; for Windows wrapped in <powershell>...</powershell>
// unless it already starts with a <powershell>, <script> or <persist> tag. Above
// kMaxUserDataBytes: an invalid_config error saying how large it is and how to bootstrap instead.
Outcome<std::string> user_data(const std::string& script, pv1::OsType os_type);

// ClientToken for an idempotency key: the key itself when it is at most 64 printable ASCII
// characters (EC2's limit), else its SHA-256 in hex, so one key always gives one token.
std::string client_token(const std::string& idempotency_key);

// ROOT_DEVICE: the root volume's device name (from the config or the image); used only when the
// config has root_volume.
Outcome<QueryParams> run_instances_params(const InstanceSettings& settings, const pv1::CreateVmRequest& request,
                                          const std::string& root_device);

}  // namespace corral::aws
