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
#include "manager/api/autoscale_dependents.h"
#include "manager/api/json.h"
#include "manager/api/provider_config_check.h"
#include "manager/api/resource_http.h"
#include "manager/api/routes.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;
using api::if_match_revision;
using api::with_etag;
using nlohmann::json;

HttpResponse revision_conflict(const std::string& id, uint64_t stored, uint64_t based_on) {
  return api::error_response(409, "revision_conflict",
                             "provider config " + id + " is at revision " + std::to_string(stored) +
                                 " but the update was based on revision " + std::to_string(based_on) +
                                 "; read it again and retry");
}

}  // namespace

void ProviderConfigService::validate_then(const std::shared_ptr<Job>& job, Reply reply,
                                          std::function<void(const std::shared_ptr<Job>&, Reply)> next) {
  workers::JobOptions options;
  options.pool = workers::kProviderPool;
  options.limit_key = workers::plugin_limit_key(job->request.plugin());
  options.receiver = alive_.watch();
  options.what = "validate provider config '" + job->request.name() + "' with plugin '" + job->request.plugin() + "'";
  workers_.submit<std::shared_ptr<Job>>(
      std::move(options),
      [job, &secrets = secrets_,
       &providers = providers_](const workers::CancelToken& token) -> Result<std::shared_ptr<Job>> {
        check_provider_config(*job, secrets, providers, token.flag());
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
  std::vector<ProviderConfigViolation> basics;
  if (job->request.name().empty()) basics.push_back({"/name", "is required"});
  if (job->request.plugin().empty()) basics.push_back({"/plugin", "is required"});
  if (!basics.empty()) return reply(violations_response(basics));
  job->id = random_uuid();
  validate_then(job, std::move(reply), [this](const std::shared_ptr<Job>& j, Reply answer) {
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
                                [this](const std::shared_ptr<Job>& j, Reply r2) { store_update(j, std::move(r2)); });
                });
}

void ProviderConfigService::store_update(const std::shared_ptr<Job>& job, Reply reply) {
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
          auto users = api::autoscale_configs_using(r, {"", id});
          if (!users.ok()) return users.status();
          if (!users->empty()) {
            return error(ErrorCode::failed_precondition,
                         "provider config " + (*stored)->name + " is used by " + *users +
                             "; delete them or point them at another provider config first");
          }
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
  redact_provider_config_secrets(rec, providers_, config);
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
