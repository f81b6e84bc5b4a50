// One function per corralctl command: call the API, then print the answer as a table or as
// the manager's JSON. run() picks the function after parsing and resolving settings.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "cli/api_client.h"
#include "common/result.h"
#include "corral/agent/v1/agent.pb.h"
#include "corral/api/v1/api.pb.h"

namespace corral::cli {

struct Output {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  std::chrono::system_clock::time_point now;
};

// Each returns the API or transport error unprinted; run() prints it and exits 1.
Status agents_list(ApiClient& api, const Output& output);
Status agents_show(ApiClient& api, const std::string& id, const Output& output);
Status agents_revoke(ApiClient& api, const std::string& id, const Output& output);
Status agents_command(ApiClient& api, const std::string& id, const agent::v1::Command& command, const Output& output);
Status join_token_create(ApiClient& api, const api::v1::CreateJoinTokenRequest& request, const Output& output);
Status plugins_list(ApiClient& api, const Output& output);
Status provider_configs_list(ApiClient& api, const Output& output);
Status provider_configs_show(ApiClient& api, const std::string& id_or_name, const Output& output);
// BODY_JSON is the file's content: a ProviderConfig in the API's JSON form.
Status provider_configs_save(ApiClient& api, const std::string& id, const std::string& body_json, const Output& output);
Status provider_configs_delete(ApiClient& api, const std::string& id, const Output& output);
// API is null when no server is configured: then only corralctl's own version is shown.
Status version(ApiClient* api, const Output& output);

}  // namespace corral::cli
