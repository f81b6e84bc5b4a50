#include "manager/api/provider_configs.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/encoding.h"
#include "common/log.h"
#include "corral/sdk/json_schema.h"
#include "corral/sdk/template.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"

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

HttpResponse with_etag(HttpResponse response, uint64_t revision) {
  response.headers.emplace_back("ETag", "\"" + std::to_string(revision) + "\"");
  return response;
}

// If-Match: "N" (or N); nullopt when absent, 0 when it names no revision we could hold.
std::optional<uint64_t> if_match_revision(const std::string& header) {
  if (header.empty()) return std::nullopt;
  std::string_view v = header;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return 0;
  return n;
}

HttpResponse revision_conflict(const std::string& id, uint64_t stored, uint64_t based_on) {
  return api::error_response(409, "revision_conflict",
                             "provider config " + id + " is at revision " + std::to_string(stored) +
                                 " but the update was based on revision " + std::to_string(based_on) +
                                 "; read it again and retry");
}

std::string aad(const std::string& id, const std::string& pointer) { return "provider-config/" + id + pointer; }

}  // namespace

// Everything the worker needs, copied: it must not touch the store.
struct ProviderConfigService::Job {
  bool update = false;
  store::ProviderConfigRecord stored;  // for an update
  apiv1::ProviderConfig request;
  std::string id;
  // Results.
  std::vector<Violation> violations;
  std::string sealed_config_json;
  std::vector<std::string> secret_paths;  // from the plugin's schema: stored with the config
  Status failure;                         // a failure that is not the request's fault
};

// Worker thread: validate and seal.
void ProviderConfigService::validate(Job& job, const SecretBox& secrets, const providers::ProviderSet& providers,
                                     const std::shared_ptr<std::atomic<bool>>& cancelled) {
  const apiv1::ProviderConfig& r = job.request;
  auto plugin = providers.find(r.plugin());
  if (!plugin) {
    std::string loaded;
    for (const auto& n : providers.names()) loaded += (loaded.empty() ? "" : ", ") + n;
    job.violations.push_back({"/plugin", "no plugin named '" + r.plugin() +
                                             "' is loaded (loaded: " + (loaded.empty() ? "none" : loaded) + ")"});
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
        job.failure =
            error(ErrorCode::internal, "the stored secret at " + p + " does not open: " + plain.status().message());
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
    providers::CallOptions options;
    options.cancelled = cancelled;
    auto answer = providers::call<pv1::ValidateConfigResponse>(*plugin, CORRAL_METHOD_VALIDATE_CONFIG, vr, options);
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
  job.secret_paths = std::move(secret_paths);
}

const std::vector<std::string>& manager_template_variables() {
  static const std::vector<std::string> v = {"connection_username",
                                             "connection_password",
                                             "ad_join_credential",
                                             "domain",
                                             "server_id",
                                             "server_hostname",
                                             "manager_url",
                                             "join_token",
                                             "agent_download_url",
                                             "provider_name",
                                             "zone"};
  return v;
}

void ProviderConfigService::validate_then(std::shared_ptr<Job> job, Reply reply,
                                          std::function<void(std::shared_ptr<Job>, Reply)> next) {
  workers::JobOptions options;
  options.pool = workers::kProviderPool;
  options.limit_key = workers::plugin_limit_key(job->request.plugin());
  options.receiver = alive_.watch();
  options.what = "validate provider config '" + job->request.name() + "' with plugin '" + job->request.plugin() + "'";
  workers_.submit<std::shared_ptr<Job>>(
      std::move(options),
      [job, &secrets = secrets_,
       &providers = providers_](const workers::CancelToken& token) -> Result<std::shared_ptr<Job>> {
        validate(*job, secrets, providers, token.flag());
        return job;
      },
      [reply = std::move(reply), next = std::move(next)](Result<std::shared_ptr<Job>> done) mutable {
        if (!done.ok()) return reply(api::status_response(done.status()));
        const std::shared_ptr<Job>& j = *done;
        if (!j->failure.ok()) return reply(api::status_response(j->failure));
        if (!j->violations.empty()) return reply(violations_response(j->violations));
        next(j, std::move(reply));
      });
}

void ProviderConfigService::create(const HttpRequest& r, Reply reply) {
  auto job = std::make_shared<Job>();
  if (Status st = api::parse_json_body(r.body, &job->request); !st.ok()) return reply(api::status_response(st));
  std::vector<Violation> basics;
  if (job->request.name().empty()) basics.push_back({"/name", "is required"});
  if (job->request.plugin().empty()) basics.push_back({"/plugin", "is required"});
  if (!basics.empty()) return reply(violations_response(basics));
  job->id = random_uuid();
  validate_then(job, std::move(reply), [this](std::shared_ptr<Job> j, Reply answer) {
    store::ProviderConfigRecord rec;
    rec.id = j->id;
    rec.name = j->request.name();
    rec.plugin = j->request.plugin();
    rec.config_json = j->sealed_config_json;
    rec.startup_script_template = j->request.startup_script_template();
    rec.max_instances = j->request.max_instances();
    rec.revision = 1;
    rec.created_at = unix_seconds(clock_.now());
    rec.updated_at = rec.created_at;
    rec.secret_paths = j->secret_paths;
    store_.submit([rec](store::Store& s) { return s.provider_configs().insert(rec); },
                  [this, rec, reply = std::move(answer)](Status st) {
                    if (st.code() == ErrorCode::already_exists) {
                      st = error(ErrorCode::already_exists, "a provider config named '" + rec.name + "' exists");
                    }
                    if (!st.ok()) return reply(api::status_response(st));
                    log::info("provider_config.created", {{"id", rec.id}, {"name", rec.name}, {"plugin", rec.plugin}});
                    reply(with_etag(api::json_response(201, view(rec)), rec.revision));
                  });
  });
}

void ProviderConfigService::replace(const std::string& id, const HttpRequest& r, Reply reply) {
  auto job = std::make_shared<Job>();
  if (Status st = api::parse_json_body(r.body, &job->request); !st.ok()) return reply(api::status_response(st));
  job->update = true;
  job->id = id;
  store_.submit([id](store::Store& s) { return s.provider_configs().get(id); },
                [this, job, if_match = r.if_match,
                 reply = std::move(reply)](Result<std::optional<store::ProviderConfigRecord>> stored) mutable {
                  if (!stored.ok()) return reply(api::status_response(stored.status()));
                  if (!stored->has_value())
                    return reply(api::error_response(404, "not_found", "no provider config " + job->id));
                  uint64_t current = (*stored)->revision;
                  if (auto expected = if_match_revision(if_match); expected && *expected != current) {
                    return reply(api::error_response(412, "precondition_failed",
                                                     "If-Match names revision " + std::to_string(*expected) +
                                                         " but provider config " + job->id + " is at revision " +
                                                         std::to_string(current)));
                  }
                  if (job->request.revision() != 0 && job->request.revision() != current) {
                    return reply(revision_conflict(job->id, current, job->request.revision()));
                  }
                  if (job->request.name().empty()) job->request.set_name((*stored)->name);
                  if (job->request.plugin().empty()) job->request.set_plugin((*stored)->plugin);
                  job->stored = std::move(**stored);
                  validate_then(job, std::move(reply),
                                [this](std::shared_ptr<Job> j, Reply r2) { store_update(j, std::move(r2)); });
                });
}

void ProviderConfigService::store_update(std::shared_ptr<Job> job, Reply reply) {
  store::ProviderConfigRecord rec = job->stored;
  rec.name = job->request.name();
  rec.plugin = job->request.plugin();
  rec.config_json = job->sealed_config_json;
  rec.startup_script_template = job->request.startup_script_template();
  rec.max_instances = job->request.max_instances();
  rec.revision = job->stored.revision + 1;
  rec.updated_at = unix_seconds(clock_.now());
  rec.secret_paths = job->secret_paths;
  struct Outcome {
    store::ProviderConfigUpdate update;
    uint64_t revision_now = 0;  // when revision_mismatch
  };
  store_.submit(
      [rec, based_on = job->stored.revision](store::Store& s) -> Result<Outcome> {
        auto updated = s.provider_configs().update(rec, based_on);
        if (!updated.ok()) return updated.status();
        Outcome o{*updated};
        if (o.update == store::ProviderConfigUpdate::revision_mismatch) {
          auto latest = s.provider_configs().get(rec.id);
          if (latest.ok() && latest->has_value()) o.revision_now = (*latest)->revision;
        }
        return o;
      },
      [this, rec, based_on = job->stored.revision, reply = std::move(reply)](Result<Outcome> outcome) {
        if (!outcome.ok()) return reply(api::status_response(outcome.status()));
        switch (outcome->update) {
          case store::ProviderConfigUpdate::updated: break;
          case store::ProviderConfigUpdate::not_found:
            return reply(api::error_response(404, "not_found", "no provider config " + rec.id));
          case store::ProviderConfigUpdate::name_taken:
            return reply(
                api::error_response(409, "already_exists", "a provider config named '" + rec.name + "' exists"));
          case store::ProviderConfigUpdate::revision_mismatch:
            // Validation ran off the core: another update landed meanwhile (here or on another manager).
            return reply(revision_conflict(rec.id, outcome->revision_now, based_on));
        }
        log::info("provider_config.updated", {{"id", rec.id}, {"name", rec.name}, {"revision", rec.revision}});
        reply(with_etag(api::json_response(200, view(rec)), rec.revision));
      });
}

void ProviderConfigService::show(const std::string& id_or_name, Reply reply) {
  store_.submit([](store::Store& s) { return s.provider_configs().list(); },
                [this, id_or_name, reply = std::move(reply)](Result<std::vector<store::ProviderConfigRecord>> all) {
                  if (!all.ok()) return reply(api::status_response(all.status()));
                  for (const auto& rec : *all) {
                    if (rec.id == id_or_name || rec.name == id_or_name) {
                      return reply(with_etag(api::json_response(200, view(rec)), rec.revision));
                    }
                  }
                  reply(api::error_response(404, "not_found", "no provider config " + id_or_name));
                });
}

void ProviderConfigService::list(Reply reply) {
  store_.submit([](store::Store& s) { return s.provider_configs().list(); },
                [this, reply = std::move(reply)](Result<std::vector<store::ProviderConfigRecord>> all) {
                  if (!all.ok()) return reply(api::status_response(all.status()));
                  apiv1::ListProviderConfigsResponse out;
                  for (const auto& rec : *all) *out.add_provider_configs() = view(rec);
                  reply(api::json_response(200, out));
                });
}

void ProviderConfigService::remove(const std::string& id, Reply reply) {
  // Read and delete in one unit of work, so the answer shows what was deleted.
  store_.submit(
      [id](store::Store& s) -> Result<store::ProviderConfigRecord> {
        std::optional<store::ProviderConfigRecord> removed;
        Status st = s.unit_of_work([&](store::Repositories& r) -> Status {
          auto stored = r.provider_configs().get(id);
          if (!stored.ok()) return stored.status();
          if (!stored->has_value()) return error(ErrorCode::not_found, "no provider config " + id);
          removed = std::move(**stored);
          return r.provider_configs().remove(id);
        });
        if (!st.ok()) return st;
        return std::move(*removed);
      },
      [this, reply = std::move(reply)](Result<store::ProviderConfigRecord> removed) {
        if (!removed.ok()) return reply(api::status_response(removed.status()));
        log::info("provider_config.deleted", {{"id", removed->id}, {"name", removed->name}});
        reply(api::json_response(200, view(*removed)));
      });
}

void ProviderConfigService::redact_secrets(const store::ProviderConfigRecord& rec, json& config) const {
  // Which values are secret was decided from the plugin's schema when the config was saved; a
  // non-secret value that merely looks sealed is shown as it is, so a get-then-put keeps it.
  std::optional<std::vector<std::string>> paths = rec.secret_paths;
  if (!paths) {
    // Saved before secret paths were recorded: ask the plugin's schema, if it is loaded.
    if (auto plugin = providers_.find(rec.plugin)) {
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
  redact_secrets(rec, config);
  (void)google::protobuf::util::JsonStringToMessage(config.dump(), out.mutable_config());
  return out;
}

namespace api {

void add_provider_config_routes(Router& router, ProviderConfigService& service) {
  const std::string collection = "/api/v1/provider-configs";
  const std::string one = collection + "/{id}";
  router.add_async("GET", collection, Access::admin,
                   [&service](const ApiRequest&, Reply reply) { service.list(std::move(reply)); });
  router.add_async("POST", collection, Access::admin,
                   [&service](const ApiRequest& r, Reply reply) { service.create(r.http, std::move(reply)); });
  router.add_async("GET", one, Access::admin,
                   [&service](const ApiRequest& r, Reply reply) { service.show(r.param("id"), std::move(reply)); });
  router.add_async("PUT", one, Access::admin, [&service](const ApiRequest& r, Reply reply) {
    service.replace(r.param("id"), r.http, std::move(reply));
  });
  router.add_async("DELETE", one, Access::admin,
                   [&service](const ApiRequest& r, Reply reply) { service.remove(r.param("id"), std::move(reply)); });
}

}  // namespace api
}  // namespace corral::manager
