#include "manager/api/provider_configs.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "common/log.h"
#include "corral/sdk/json_schema.h"
#include "corral/sdk/template.h"
#include "manager/api/json.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;
namespace pv1 = corral::provider::v1;
using nlohmann::json;

struct Violation {
  std::string path;
  std::string message;
};

HttpResponse violations_response(const std::vector<Violation>& violations) {
  apiv1::Error e;
  e.set_code(400);
  e.set_reason("invalid_provider_config");
  std::string message = "the provider config has " + std::to_string(violations.size()) + " problem" +
                        (violations.size() == 1 ? "" : "s") + ":";
  for (const auto& v : violations) {
    message += " " + (v.path.empty() ? std::string("(body)") : v.path) + ": " + v.message + ";";
    auto* fv = e.add_field_violations();
    fv->set_path(v.path);
    fv->set_message(v.message);
  }
  message.pop_back();
  e.set_message(message);
  HttpResponse r;
  r.status = 400;
  (void)google::protobuf::util::MessageToJsonString(e, &r.body);
  r.body.push_back('\n');
  return r;
}

std::string aad(const std::string& id, const std::string& pointer) { return "provider-config/" + id + pointer; }

// Everything the worker needs, copied: it must not touch the store.
struct Job {
  bool update = false;
  store::ProviderConfigRecord stored;  // for an update
  apiv1::ProviderConfig request;
  std::string id;
  // Results.
  std::vector<Violation> violations;
  std::string sealed_config_json;
  Status failure;  // a failure that is not the request's fault
};

// Worker thread: validate and seal.
void validate(Job& job, const SecretBox& secrets, const providers::ProviderSet& providers) {
  const apiv1::ProviderConfig& r = job.request;
  auto plugin = providers.find(r.plugin());
  if (!plugin) {
    std::string loaded;
    for (const auto& n : providers.names()) loaded += (loaded.empty() ? "" : ", ") + n;
    job.violations.push_back({"/plugin", "no plugin named '" + r.plugin() + "' is loaded (loaded: " +
                                             (loaded.empty() ? "none" : loaded) + ")"});
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
      auto plain = secrets.open(stored[ptr].get<std::string>(), aad(job.id, p));
      if (!plain.ok()) {
        job.failure = error(ErrorCode::internal, "the stored secret at " + p + " does not open: " + plain.status().message());
        return;
      }
      config[ptr] = *plain;
    } else if (config.contains(ptr)) {
      job.violations.push_back({"/config" + p, "send the secret's value; \"[redacted]\" only keeps a stored one"});
    }
  }

  for (const auto& e : sdk::validate_json(d.config_schema_json(), config.dump())) {
    job.violations.push_back({"/config" + e.path, e.message});
  }
  if (job.violations.empty()) {
    pv1::ValidateConfigRequest vr;
    vr.mutable_config()->set_name(r.name());
    vr.mutable_config()->set_revision(job.update ? job.stored.revision + 1 : 1);
    vr.mutable_config()->set_config_json(config.dump());
    auto answer = providers::call<pv1::ValidateConfigResponse>(*plugin, CORRAL_METHOD_VALIDATE_CONFIG, vr);
    if (!answer.ok()) {
      job.failure = error(ErrorCode::unavailable, answer.status().message());
      return;
    }
    for (const auto& fe : answer->errors()) job.violations.push_back({"/config" + fe.path(), fe.message()});
  }

  std::vector<sdk::TemplateError> template_errors;
  sdk::Template t = sdk::Template::parse(r.startup_script_template(), &template_errors);
  if (template_errors.empty()) {
    std::set<std::string> allowed(manager_template_variables().begin(), manager_template_variables().end());
    allowed.insert(d.capabilities().template_variables().begin(), d.capabilities().template_variables().end());
    template_errors = t.validate(allowed);
  }
  for (const auto& te : template_errors) job.violations.push_back({"/startupScriptTemplate", te.message});
  if (!job.violations.empty()) return;

  for (const std::string& p : secret_paths) {
    json::json_pointer ptr(p);
    if (config.contains(ptr) && config[ptr].is_string()) {
      config[ptr] = secrets.seal(config[ptr].get<std::string>(), aad(job.id, p));
    }
  }
  job.sealed_config_json = config.dump();
}

}  // namespace

const std::vector<std::string>& manager_template_variables() {
  static const std::vector<std::string> v = {
      "connection_username", "connection_password", "ad_join_credential", "domain",        "server_id",
      "server_hostname",     "manager_url",         "join_token",         "agent_download_url",
      "provider_name",       "zone"};
  return v;
}

void ProviderConfigService::handle(const HttpRequest& r, const std::vector<std::string>& s, Reply reply) {
  auto not_allowed = [&] {
    reply(api::error_response(405, "method_not_allowed", r.method + " is not allowed on " + r.path));
  };
  if (s.size() == 3) {
    if (r.method == "GET") return reply(list());
    if (r.method == "POST") return create(r, std::move(reply));
    return not_allowed();
  }
  if (s.size() != 4) return reply(api::error_response(404, "not_found", "no route for " + r.path));
  if (r.method == "GET") return reply(show(s[3]));
  if (r.method == "PUT") return replace(s[3], r, std::move(reply));
  if (r.method == "DELETE") return reply(remove(s[3]));
  not_allowed();
}

void ProviderConfigService::create(const HttpRequest& r, Reply reply) {
  auto job = std::make_shared<Job>();
  if (Status st = api::parse_json_body(r.body, &job->request); !st.ok()) return reply(api::status_response(st));
  std::vector<Violation> basics;
  if (job->request.name().empty()) basics.push_back({"/name", "is required"});
  if (job->request.plugin().empty()) basics.push_back({"/plugin", "is required"});
  if (!basics.empty()) return reply(violations_response(basics));
  job->id = random_uuid();
  to_workers_([this, job, reply = std::move(reply)]() mutable {
    validate(*job, secrets_, providers_);
    to_core_([this, job, reply = std::move(reply)] {
      if (!job->failure.ok()) return reply(api::status_response(job->failure));
      if (!job->violations.empty()) return reply(violations_response(job->violations));
      store::ProviderConfigRecord rec;
      rec.id = job->id;
      rec.name = job->request.name();
      rec.plugin = job->request.plugin();
      rec.config_json = job->sealed_config_json;
      rec.startup_script_template = job->request.startup_script_template();
      rec.max_instances = job->request.max_instances();
      rec.revision = 1;
      rec.created_at = unix_seconds(clock_.now());
      rec.updated_at = rec.created_at;
      if (Status st = store_.put_provider_config(rec); !st.ok()) {
        if (st.code() == ErrorCode::already_exists) {
          st = error(ErrorCode::already_exists, "a provider config named '" + rec.name + "' exists");
        }
        return reply(api::status_response(st));
      }
      log::info("provider_config.created", {{"id", rec.id}, {"name", rec.name}, {"plugin", rec.plugin}});
      reply(api::json_response(201, view(rec)));
    });
  });
}

void ProviderConfigService::replace(const std::string& id, const HttpRequest& r, Reply reply) {
  auto job = std::make_shared<Job>();
  auto stored = store_.get_provider_config(id);
  if (!stored.ok()) return reply(api::status_response(stored.status()));
  if (!stored->has_value()) return reply(api::error_response(404, "not_found", "no provider config " + id));
  if (Status st = api::parse_json_body(r.body, &job->request); !st.ok()) return reply(api::status_response(st));
  if (job->request.name().empty()) job->request.set_name((*stored)->name);
  if (job->request.plugin().empty()) job->request.set_plugin((*stored)->plugin);
  job->update = true;
  job->stored = **stored;
  job->id = id;
  to_workers_([this, job, reply = std::move(reply)]() mutable {
    validate(*job, secrets_, providers_);
    to_core_([this, job, reply = std::move(reply)] {
      if (!job->failure.ok()) return reply(api::status_response(job->failure));
      if (!job->violations.empty()) return reply(violations_response(job->violations));
      store::ProviderConfigRecord rec = job->stored;
      rec.name = job->request.name();
      rec.plugin = job->request.plugin();
      rec.config_json = job->sealed_config_json;
      rec.startup_script_template = job->request.startup_script_template();
      rec.max_instances = job->request.max_instances();
      rec.revision = job->stored.revision + 1;
      rec.updated_at = unix_seconds(clock_.now());
      if (Status st = store_.update_provider_config(rec); !st.ok()) return reply(api::status_response(st));
      log::info("provider_config.updated", {{"id", rec.id}, {"name", rec.name}, {"revision", rec.revision}});
      reply(api::json_response(200, view(rec)));
    });
  });
}

HttpResponse ProviderConfigService::show(const std::string& id_or_name) {
  auto all = store_.list_provider_configs();
  if (!all.ok()) return api::status_response(all.status());
  for (const auto& rec : *all) {
    if (rec.id == id_or_name || rec.name == id_or_name) return api::json_response(200, view(rec));
  }
  return api::error_response(404, "not_found", "no provider config " + id_or_name);
}

HttpResponse ProviderConfigService::list() {
  auto all = store_.list_provider_configs();
  if (!all.ok()) return api::status_response(all.status());
  apiv1::ListProviderConfigsResponse out;
  for (const auto& rec : *all) *out.add_provider_configs() = view(rec);
  return api::json_response(200, out);
}

HttpResponse ProviderConfigService::remove(const std::string& id) {
  auto stored = store_.get_provider_config(id);
  if (!stored.ok()) return api::status_response(stored.status());
  if (!stored->has_value()) return api::error_response(404, "not_found", "no provider config " + id);
  if (Status st = store_.delete_provider_config(id); !st.ok()) return api::status_response(st);
  log::info("provider_config.deleted", {{"id", id}, {"name", (*stored)->name}});
  return api::json_response(200, view(**stored));
}

corral::api::v1::ProviderConfig ProviderConfigService::view(const store::ProviderConfigRecord& rec) const {
  apiv1::ProviderConfig out;
  out.set_id(rec.id);
  out.set_name(rec.name);
  out.set_plugin(rec.plugin);
  out.set_startup_script_template(rec.startup_script_template);
  out.set_max_instances(rec.max_instances);
  out.set_revision(rec.revision);
  *out.mutable_created_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(rec.created_at);
  *out.mutable_updated_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(rec.updated_at);
  json config = json::parse(rec.config_json, nullptr, false);
  // Every sealed value is a secret, whether or not the plugin is loaded now to say which fields
  // are: none leaves the manager, not even encrypted.
  std::function<void(json&)> redact = [&](json& j) {
    if (j.is_string() && SecretBox::looks_sealed(j.get<std::string>())) j = kRedacted;
    if (j.is_object() || j.is_array()) {
      for (auto& child : j) redact(child);
    }
  };
  redact(config);
  (void)google::protobuf::util::JsonStringToMessage(config.dump(), out.mutable_config());
  return out;
}

}  // namespace corral::manager
