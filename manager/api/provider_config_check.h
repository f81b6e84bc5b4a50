// The part of saving a provider config that runs on a worker thread, because it calls the plugin:
// check the request against the plugin's schema, its ValidateConfig and the template rules, and
// seal the secret values. And the reverse on the way out: which values to show as "[redacted]".
// ProviderConfigService (provider_configs.h) calls both.
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret_box.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/resource_http.h"
#include "manager/net/transport.h"
#include "manager/providers/provider_client.h"
#include "manager/store/records.h"

namespace corral::manager {

inline constexpr char kRedacted[] = "[redacted]";  // as in log lines

using ProviderConfigViolation = api::FieldViolation;

// Everything the check needs, copied (it must not touch the store), and what it found.
struct ProviderConfigCheck {
  bool update = false;
  store::ProviderConfigRecord stored;  // for an update
  corral::api::v1::ProviderConfig request;
  std::string id;
  // Results.
  std::vector<ProviderConfigViolation> violations;
  std::string sealed_config_json;
  std::vector<std::string> secret_paths;  // from the plugin's schema: stored with the config
  Status failure;                         // a failure that is not the request's fault
};

// Worker thread. Fills `job`'s results; the plugin's ValidateConfig sees `cancelled`.
void check_provider_config(ProviderConfigCheck& job, const SecretBox& secrets, const providers::ProviderSet& providers,
                           const std::shared_ptr<std::atomic<bool>>& cancelled);

// 400 invalid_provider_config listing every violation with its JSON Pointer.
HttpResponse violations_response(const std::vector<ProviderConfigViolation>& violations);

// What a secret value is sealed against: its config and its place in it, so a sealed value copied
// to another config or field no longer opens.
std::string secret_aad(const std::string& id, const std::string& pointer);

// Replaces the config's secret values by "[redacted]": the paths stored with the record, else (for
// configs saved before those were recorded) the loaded plugin's schema, else every value that looks
// sealed. No sealed value ever leaves the manager.
void redact_provider_config_secrets(const store::ProviderConfigRecord& record, const providers::ProviderSet& providers,
                                    nlohmann::json& config);

// The config's JSON with its secret values opened, for a plugin call (never for an answer or a
// log): the paths stored with the record, else every value that looks sealed. An error names the
// pointer whose value does not open (a master key that changed, a value copied from elsewhere).
Result<std::string> open_provider_config_secrets(const store::ProviderConfigRecord& record, const SecretBox& secrets);

}  // namespace corral::manager
