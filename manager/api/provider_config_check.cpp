#include "manager/api/provider_config_check.h"

#include <google/protobuf/util/json_util.h>

#include <functional>
#include <set>

#include "corral/sdk/json_schema.h"
#include "corral/sdk/template.h"
#include "manager/autoscaler/startup_script.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;
namespace pv1 = corral::provider::v1;
using nlohmann::json;

}  // namespace

std::string secret_aad(const std::string& id, const std::string& pointer) { return "provider-config/" + id + pointer; }

HttpResponse violations_response(const std::vector<ProviderConfigViolation>& violations) {
  return api::violations_response("provider config", violations, "invalid_provider_config");
}

void check_provider_config(ProviderConfigCheck& job, const SecretBox& secrets, const providers::ProviderSet& providers,
                           const std::shared_ptr<std::atomic<bool>>& cancelled) {
  const apiv1::ProviderConfig& r = job.request;
  auto plugin = providers.find(r.plugin());
  if (!plugin) {
    std::string loaded;
    for (const auto& n : providers.names()) loaded += (loaded.empty() ? "" : ", ") + n;
    job.violations.push_back(ProviderConfigViolation{
        "/plugin",
        "no plugin named '" + r.plugin() + "' is loaded (loaded: " + (loaded.empty() ? "none" : loaded) + ")"});
    return;
  }
  const pv1::DescribeResponse& d = plugin->description();
  std::string config_text;
  (void)google::protobuf::util::MessageToJsonString(r.config(), &config_text);
  json config = json::parse(config_text, nullptr, false);
  if (!config.is_object()) config = json::object();
  json stored = job.update ? json::parse(job.stored.config_json, nullptr, false) : json::object();

  std::vector<std::string> secret_paths;
  try {
    secret_paths = sdk::secret_paths(d.config_schema_json());
  } catch (const std::exception& e) {
    job.failure = error(ErrorCode::internal, "plugin '" + d.name() + "' has an unusable config schema: " + e.what());
    return;
  }
  // Secrets the request leaves out or sends redacted keep their stored value (opened here only to
  // validate and re-seal it).
  for (const std::string& p : secret_paths) {
    json::json_pointer ptr(p);
    bool given = config.contains(ptr) && !(config[ptr].is_string() && config[ptr] == kRedacted);
    if (given) continue;
    if (job.update && stored.is_object() && stored.contains(ptr) && stored[ptr].is_string()) {
      auto plain = secrets.open(stored[ptr].get<std::string>(), secret_aad(job.id, p));
      if (!plain.ok()) {
        job.failure =
            error(ErrorCode::internal, "the stored secret at " + p + " does not open: " + plain.status().message());
        return;
      }
      config[ptr] = *plain;
    } else if (config.contains(ptr)) {
      job.violations.push_back(
          ProviderConfigViolation{"/config" + p, "send the secret's value; \"[redacted]\" only keeps a stored one"});
    }
  }

  for (const auto& e : sdk::validate_json(d.config_schema_json(), config.dump())) {
    job.violations.push_back(ProviderConfigViolation{"/config" + e.path, e.message});
  }
  if (job.violations.empty()) {
    pv1::ValidateConfigRequest vr;
    vr.mutable_config()->set_name(r.name());
    vr.mutable_config()->set_revision(job.update ? job.stored.revision + 1 : 1);
    vr.mutable_config()->set_config_json(config.dump());
    providers::CallOptions options;
    options.cancelled = cancelled;
    auto answer = providers::call<pv1::ValidateConfigResponse>(*plugin, CORRAL_METHOD_VALIDATE_CONFIG, vr, options);
    if (!answer.ok()) {
      job.failure = error(ErrorCode::unavailable, answer.status().message());
      return;
    }
    for (const auto& fe : answer->errors())
      job.violations.push_back(ProviderConfigViolation{"/config" + fe.path(), fe.message()});
  }

  std::vector<sdk::TemplateError> template_errors;
  sdk::Template t = sdk::Template::parse(r.startup_script_template(), &template_errors);
  if (template_errors.empty()) {
    std::set<std::string> allowed = autoscaler::all_template_variables();
    allowed.insert(d.capabilities().template_variables().begin(), d.capabilities().template_variables().end());
    template_errors = t.validate(allowed);
  }
  for (const auto& te : template_errors)
    job.violations.push_back(ProviderConfigViolation{"/startupScriptTemplate", te.message});
  if (!job.violations.empty()) return;

  for (const std::string& p : secret_paths) {
    json::json_pointer ptr(p);
    if (config.contains(ptr) && config[ptr].is_string()) {
      config[ptr] = secrets.seal(config[ptr].get<std::string>(), secret_aad(job.id, p));
    }
  }
  job.sealed_config_json = config.dump();
  job.secret_paths = std::move(secret_paths);
}

void redact_provider_config_secrets(const store::ProviderConfigRecord& rec, const providers::ProviderSet& providers,
                                    json& config) {
  // Which values are secret was decided from the plugin's schema when the config was saved; a
  // non-secret value that merely looks sealed is shown as it is, so a get-then-put keeps it.
  std::optional<std::vector<std::string>> paths = rec.secret_paths;
  if (!paths) {
    // Saved before secret paths were recorded: ask the plugin's schema, if it is loaded.
    if (auto plugin = providers.find(rec.plugin)) {
      try {
        paths = sdk::secret_paths(plugin->description().config_schema_json());
      } catch (const std::exception&) {
        paths.reset();
      }
    }
  }
  if (paths) {
    try {
      json redacted = config;
      for (const std::string& p : *paths) {
        json::json_pointer ptr(p);
        if (redacted.contains(ptr)) redacted[ptr] = kRedacted;
      }
      config = std::move(redacted);
      return;
    } catch (const json::exception&) {
      // A path that does not parse cannot be trusted to cover its secret: hide by look instead.
    }
  }
  // Neither: every sealed-looking value is hidden, since none may leave the manager, not even
  // encrypted.
  std::function<void(json&)> redact = [&](json& j) {
    if (j.is_string() && SecretBox::looks_sealed(j.get<std::string>())) j = kRedacted;
    if (j.is_object() || j.is_array()) {
      for (auto& child : j) redact(child);
    }
  };
  redact(config);
}

Result<std::string> open_provider_config_secrets(const store::ProviderConfigRecord& rec, const SecretBox& secrets) {
  json config = json::parse(rec.config_json, nullptr, false);
  if (!config.is_object()) return error(ErrorCode::internal, "provider config " + rec.name + " holds no JSON object");
  auto open_at = [&](json& value, const std::string& pointer) -> Status {
    if (!value.is_string() || !SecretBox::looks_sealed(value.get<std::string>())) return {};
    auto plain = secrets.open(value.get<std::string>(), secret_aad(rec.id, pointer));
    if (!plain.ok()) {
      return error(ErrorCode::internal, "provider config " + rec.name + ": the secret at " + pointer +
                                            " does not open: " + plain.status().message());
    }
    value = *plain;
    return {};
  };
  if (rec.secret_paths) {
    for (const std::string& p : *rec.secret_paths) {
      json::json_pointer ptr;
      try {
        ptr = json::json_pointer(p);
      } catch (const json::exception&) {
        return error(ErrorCode::internal, "provider config " + rec.name + " records a bad secret path " + p);
      }
      if (!config.contains(ptr)) continue;
      if (Status s = open_at(config[ptr], p); !s.ok()) return s;
    }
    return config.dump();
  }
  std::function<Status(json&, const json::json_pointer&)> walk = [&](json& j, const json::json_pointer& at) -> Status {
    if (j.is_object()) {
      for (auto& [key, child] : j.items()) {
        if (Status s = walk(child, at / key); !s.ok()) return s;
      }
      return {};
    }
    if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) {
        if (Status s = walk(j[i], at / i); !s.ok()) return s;
      }
      return {};
    }
    return open_at(j, at.to_string());
  };
  if (Status s = walk(config, json::json_pointer()); !s.ok()) return s;
  return config.dump();
}

}  // namespace corral::manager
