// The manager config's plugins.http section as HostHttpSettings (host_http.h): the manager
// builds its HTTP service for in-process plugins from it, and corral-plugin-host receives the
// same section from the manager for isolated ones.
#pragma once

#include <memory>

#include "common/result.h"
#include "corral/config/v1/config.pb.h"
#include "manager/providers/host_http.h"

namespace corral::manager::providers {

// Unset fields keep HostHttpSettings' defaults.
HostHttpSettings host_http_settings(const corral::config::v1::PluginHttpConfig& config);

// HostHttpClient::create with those settings; an error starts with "plugins.http: ".
Result<std::shared_ptr<const HostHttpClient>> make_host_http(const corral::config::v1::PluginHttpConfig& config);

}  // namespace corral::manager::providers
