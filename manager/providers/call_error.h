// How a failed provider call is reported, the same way whether the plugin runs in-process or in
// corral-plugin-host: "plugin 'aws' CreateVm: DEADLINE: <the plugin's explanation>".
#pragma once

#include <string>

#include "common/result.h"
#include "corral/plugin_abi.h"

namespace corral::manager::providers {

// "CreateVm" for CORRAL_METHOD_CREATE_VM, and so on; "method <n>" otherwise.
std::string method_name(corral_method method);
// "DEADLINE" for CORRAL_ERR_DEADLINE, and so on; "status <n>" otherwise.
std::string status_name(corral_status status);

// The error for a call that returned STATUS (not CORRAL_OK) with EXPLANATION (may be empty; cut
// at 2000 bytes).
// UNAVAILABLE, DEADLINE and CANCELLED are ErrorCode::unavailable (worth trying again later);
// anything else is ErrorCode::internal.
Status call_error(const std::string& plugin, corral_method method, corral_status status,
                  const std::string& explanation);

}  // namespace corral::manager::providers
