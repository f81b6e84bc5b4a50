#include "manager/api/ldap_configs.h"

#include "common/encoding.h"
#include "common/log.h"
#include "manager/api/autoscale_dependents.h"
#include "manager/api/json.h"
#include "manager/api/ldap_config_check.h"
#include "manager/api/resource_http.h"
#include "manager/api/routes.h"
#include "manager/directory/ldap_connection.h"

namespace corral::manager {
namespace {

namespace apiv1 = corral::api::v1;
using store::LdapConfigRecord;

constexpr char kWhat[] = "LDAP config";

HttpResponse answer(int status, const LdapConfigRecord& r) {
  return api::with_etag(api::json_response(status, api::ldap_config_view(r)), r.revision);
}

// Bind and search the base: what an operator's "does this config work" means.
apiv1::LdapConfigTestResult run_test(const directory::DirectoryConfig& config) {
  apiv1::LdapConfigTestResult out;
  auto finish = [&out](const directory::DirectoryStatus& s) {
    out.set_ok(s.ok());
    if (!s.ok()) {
      out.set_step(directory::directory_step_name(s.step()));
      out.set_message(s.message());
      out.set_ldap_code(s.ldap_code());
    }
    return out;
  };
  auto conn = directory::LdapConnection::open(config);
  if (!conn.ok()) return finish(conn.status());
  auto base = conn->read(config.base_dn, {});
  if (!base.ok()) return finish(base.status());
  if (!base.value().has_value()) {
    return finish({directory::DirectoryStep::search, 32, "search: base DN " + config.base_dn + " does not exist"});
  }
  return finish(directory::DirectoryStatus::ok_status());
}

}  // namespace

void LdapConfigService::find(const std::string& key,
                             std::function<void(Result<std::optional<LdapConfigRecord>>)> then) {
  store_.submit(
      [key](store::Store& s) -> Result<std::optional<LdapConfigRecord>> {
        auto by_id = s.ldap_configs().get(key);
        if (!by_id.ok() || by_id->has_value()) return by_id;
        auto all = s.ldap_configs().list();
        if (!all.ok()) return all.status();
        for (auto& r : *all) {
          if (r.name == key) return std::optional<LdapConfigRecord>(std::move(r));
        }
        return std::optional<LdapConfigRecord>();
      },
      std::move(then));
}

void LdapConfigService::create(const HttpRequest& r, Reply reply) {
  apiv1::LdapConfig in;
  if (Status st = api::parse_json_body(r.body, &in); !st.ok()) return reply(api::status_response(st));
  if (auto v = api::check_ldap_config(in, nullptr); !v.empty())
    return reply(api::violations_response("LDAP config", v));
  LdapConfigRecord rec = api::ldap_config_record(in, nullptr, random_uuid(), secrets_);
  rec.revision = 1;
  rec.created_at = rec.updated_at = unix_seconds(clock_.now());
  store_.submit([rec](store::Store& s) { return s.ldap_configs().insert(rec); },
                [rec, reply = std::move(reply)](Status st) {
                  if (st.code() == ErrorCode::already_exists) {
                    st = error(ErrorCode::already_exists, "an LDAP config named '" + rec.name + "' exists");
                  }
                  if (!st.ok()) return reply(api::status_response(st));
                  log::info("ldap_config.created", {{"id", rec.id}, {"name", rec.name}, {"url", rec.url}});
                  reply(answer(201, rec));
                });
}

void LdapConfigService::replace(const std::string& id, const HttpRequest& r, Reply reply) {
  auto in = std::make_shared<apiv1::LdapConfig>();
  if (Status st = api::parse_json_body(r.body, in.get()); !st.ok()) return reply(api::status_response(st));
  store_.submit(
      [id](store::Store& s) { return s.ldap_configs().get(id); },
      [this, id, in, if_match = r.if_match,
       reply = std::move(reply)](Result<std::optional<LdapConfigRecord>> stored) mutable {
        if (!stored.ok()) return reply(api::status_response(stored.status()));
        if (!stored->has_value()) return reply(api::error_response(404, "not_found", "no LDAP config " + id));
        const LdapConfigRecord& old = **stored;
        api::RevisionCheck revision = api::check_revision(kWhat, id, old.revision, if_match, in->revision());
        if (revision.refused) return reply(std::move(*revision.refused));
        in->set_revision(0);
        if (auto v = api::check_ldap_config(*in, &old); !v.empty()) {
          return reply(api::violations_response("LDAP config", v));
        }
        LdapConfigRecord rec = api::ldap_config_record(*in, &old, id, secrets_);
        rec.revision = revision.based_on + 1;
        rec.updated_at = unix_seconds(clock_.now());
        store_.submit(
            [rec, based_on = revision.based_on](store::Store& s) { return s.ldap_configs().update(rec, based_on); },
            [rec, based_on = revision.based_on, reply = std::move(reply)](Result<store::LdapConfigUpdate> done) {
              if (!done.ok()) return reply(api::status_response(done.status()));
              switch (*done) {
                case store::LdapConfigUpdate::updated: break;
                case store::LdapConfigUpdate::not_found:
                  return reply(api::error_response(404, "not_found", "no LDAP config " + rec.id));
                case store::LdapConfigUpdate::name_taken:
                  return reply(
                      api::error_response(409, "already_exists", "an LDAP config named '" + rec.name + "' exists"));
                case store::LdapConfigUpdate::revision_mismatch:
                  return reply(api::error_response(409, "revision_conflict",
                                                   "LDAP config " + rec.id + " changed after revision " +
                                                       std::to_string(based_on) + "; read it again and retry"));
              }
              log::info("ldap_config.updated", {{"id", rec.id}, {"name", rec.name}, {"revision", rec.revision}});
              reply(answer(200, rec));
            });
      });
}

void LdapConfigService::show(const std::string& key, Reply reply) {
  find(key, [key, reply = std::move(reply)](Result<std::optional<LdapConfigRecord>> got) {
    if (!got.ok()) return reply(api::status_response(got.status()));
    if (!got->has_value()) return reply(api::error_response(404, "not_found", "no LDAP config " + key));
    reply(answer(200, **got));
  });
}

void LdapConfigService::list(Reply reply) {
  store_.submit([](store::Store& s) { return s.ldap_configs().list(); },
                [reply = std::move(reply)](Result<std::vector<LdapConfigRecord>> all) {
                  if (!all.ok()) return reply(api::status_response(all.status()));
                  apiv1::ListLdapConfigsResponse out;
                  for (const auto& rec : *all) *out.add_ldap_configs() = api::ldap_config_view(rec);
                  reply(api::json_response(200, out));
                });
}

void LdapConfigService::remove(const std::string& id, Reply reply) {
  store_.submit(
      [id](store::Store& s) -> Result<LdapConfigRecord> {
        std::optional<LdapConfigRecord> removed;
        Status st = s.unit_of_work([&](store::Repositories& r) -> Status {
          auto stored = r.ldap_configs().get(id);
          if (!stored.ok()) return stored.status();
          if (!stored->has_value()) return error(ErrorCode::not_found, "no LDAP config " + id);
          // Their servers' computer records are deleted through it: it stays while they name it.
          auto users = api::autoscale_configs_using(r, {"", "", id});
          if (!users.ok()) return users.status();
          if (!users->empty()) {
            return error(ErrorCode::failed_precondition,
                         "LDAP config " + (*stored)->name + " is used by " + *users +
                             "; delete them or point them at another LDAP config first");
          }
          removed = std::move(**stored);
          return r.ldap_configs().remove(id);
        });
        if (!st.ok()) return st;
        return std::move(*removed);
      },
      [reply = std::move(reply)](Result<LdapConfigRecord> removed) {
        if (!removed.ok()) return reply(api::status_response(removed.status()));
        log::info("ldap_config.deleted", {{"id", removed->id}, {"name", removed->name}});
        reply(api::json_response(200, api::ldap_config_view(*removed)));
      });
}

void LdapConfigService::test(const std::string& key, Reply reply) {
  find(key, [this, key, reply = std::move(reply)](Result<std::optional<LdapConfigRecord>> got) mutable {
    if (!got.ok()) return reply(api::status_response(got.status()));
    if (!got->has_value()) return reply(api::error_response(404, "not_found", "no LDAP config " + key));
    auto config = api::directory_config(**got, secrets_);
    if (!config.ok()) return reply(api::status_response(config.status()));
    workers::JobOptions options;
    options.pool = workers::kDirectoryPool;
    options.receiver = alive_.watch();
    options.what = "test LDAP config '" + (*got)->name + "'";
    const std::string id = (*got)->id;
    workers_.submit<apiv1::LdapConfigTestResult>(
        std::move(options),
        [config = std::move(config).value()](const workers::CancelToken&) -> Result<apiv1::LdapConfigTestResult> {
          return run_test(config);
        },
        [id, reply = std::move(reply)](Result<apiv1::LdapConfigTestResult> done) {
          if (!done.ok()) return reply(api::status_response(done.status()));
          log::info("ldap_config.tested", {{"id", id}, {"ok", done->ok()}, {"step", done->step()}});
          reply(api::json_response(200, *done));
        });
  });
}

namespace api {

void add_ldap_config_routes(Router& router, LdapConfigService& service) {
  const std::string collection = "/api/v1/ldap-configs";
  const std::string one = collection + "/{id}";
  router.add_async("GET", collection, Access::admin,
                   [&service](const ApiRequest&, Reply reply) { service.list(std::move(reply)); });
  router.add_async("POST", collection, Access::admin,
                   [&service](const ApiRequest& r, Reply reply) { service.create(r.http, std::move(reply)); });
  router.add_async("GET", one, Access::admin, [&service](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    service.show(r.param("id"), std::move(reply));
  });
  router.add_async("PUT", one, Access::admin, [&service](const ApiRequest& r, Reply reply) {
    service.replace(r.param("id"), r.http, std::move(reply));
  });
  router.add_async("DELETE", one, Access::admin, [&service](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    service.remove(r.param("id"), std::move(reply));
  });
  router.add_async("POST", one + "/test", Access::admin, [&service](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    service.test(r.param("id"), std::move(reply));
  });
}

}  // namespace api
}  // namespace corral::manager
