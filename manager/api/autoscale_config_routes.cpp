// /api/v1/autoscale-configs: read and written through the store executor. Each write reads the
// pool and provider config it names, checks and writes in one unit of work, so a config never
// names a pool or provider config that is gone (docs/api.md, "Autoscale configs"). Connection
// passwords are sealed here, on the core, before the work is submitted.
#include <map>

#include "common/encoding.h"
#include "common/log.h"
#include "common/secret_box.h"
#include "manager/api/autoscale_config_check.h"
#include "manager/api/routes.h"
#include "manager/store/page.h"

namespace corral::manager::api {
namespace {

using store::AutoscaleConfigRecord;
constexpr const char* kWhat = "autoscale config";

// The answer, and what to log once it is sent (nothing for a refusal).
struct Answer {
  HttpResponse response;
  const char* event = nullptr;
  AutoscaleConfigRecord record;
};

struct Refs {
  std::optional<store::PoolRecord> pool;
  bool provider_config_known = false;
  bool ldap_config_known = false;
};

Result<Refs> read_refs(store::Repositories& r, const std::string& pool_id, const brokerv1::AutoscaleConfig& in) {
  const std::string& provider_config_id = in.provider_config_id();
  Refs refs;
  if (!pool_id.empty()) {
    auto pool = r.pools().get(pool_id);
    if (!pool.ok()) return pool.status();
    refs.pool = std::move(*pool);
  }
  if (!provider_config_id.empty()) {
    auto provider = r.provider_configs().get(provider_config_id);
    if (!provider.ok()) return provider.status();
    refs.provider_config_known = provider->has_value();
  }
  if (!in.ldap_config_id().empty()) {
    auto ldap = r.ldap_configs().get(in.ldap_config_id());
    if (!ldap.ok()) return ldap.status();
    refs.ldap_config_known = ldap->has_value();
  }
  return refs;
}

Result<store::PoolType> pool_type_of(store::Repositories& r, const std::string& pool_id) {
  auto pool = r.pools().get(pool_id);
  if (!pool.ok()) return pool.status();
  // The foreign key keeps a config's pool; a missing one means a broken database.
  if (!pool->has_value()) return error(ErrorCode::internal, "autoscale config names missing pool " + pool_id);
  return (*pool)->type;
}

Result<std::optional<AutoscaleConfigRecord>> by_id_or_name(store::Repositories& r, const std::string& key) {
  auto by_id = r.autoscale_configs().get(key);
  if (!by_id.ok() || by_id->has_value()) return by_id;
  return r.autoscale_configs().get_by_name(key);
}

// `rec` as just written, shown with its ETag.
Status answer_written(store::Repositories& r, const std::string& id, int status, const char* event, Answer& a) {
  auto got = r.autoscale_configs().get(id);
  if (!got.ok()) return got.status();
  if (!got->has_value()) return error(ErrorCode::internal, "an autoscale config just written cannot be read back");
  auto type = pool_type_of(r, (*got)->pool_id);
  if (!type.ok()) return type.status();
  a.record = std::move(**got);
  a.response = with_etag(json_response(status, autoscale_config_view(a.record, *type)), a.record.revision);
  a.event = event;
  return {};
}

void send(const Result<Answer>& a, const std::function<void(HttpResponse)>& reply,
          const std::function<void(const std::string&)>& changed) {
  if (!a.ok()) return reply(status_response(a.status()));
  if (a->event != nullptr) {
    log::info(a->event, {{"autoscale_config_id", a->record.id},
                         {"name", a->record.name},
                         {"pool_id", a->record.pool_id},
                         {"revision", a->record.revision}});
    if (changed) changed(a->record.id);
  }
  reply(a->response);
}

// Runs `work(repos, answer)` in one unit of work.
template <typename Work>
Result<Answer> in_unit_of_work(store::Store& s, Work work) {
  Answer a;
  Status st = s.unit_of_work([&](store::Repositories& r) { return work(r, a); });
  if (!st.ok()) return st;
  return a;
}

struct AutoscaleConfigRoutes {
  store::StoreExecutor& store;
  const SecretBox& secrets;
  const Clock& clock;
  std::function<void(const std::string&)> changed;

  void list(const ApiRequest& r, Reply reply) const {
    auto query = QueryParams::parse(r.http.query);
    if (!query.ok()) return reply(status_response(query.status()));
    auto page = page_request(*query);
    if (!page.ok()) return reply(status_response(page.status()));
    store::AutoscaleConfigFilter filter{query->take("poolId").value_or(""),
                                        query->take("providerConfigId").value_or("")};
    if (Status st = query->check_all_taken(); !st.ok()) return reply(status_response(st));
    store.submit(
        [filter, page = *page](store::Store& s) -> Result<HttpResponse> {
          auto got = s.autoscale_configs().list(filter, page);
          if (!got.ok()) return got.status();
          std::map<std::string, store::PoolType> types;
          brokerv1::ListAutoscaleConfigsResponse out;
          for (const AutoscaleConfigRecord& c : got->records) {
            auto known = types.find(c.pool_id);
            if (known == types.end()) {
              auto type = pool_type_of(s, c.pool_id);
              if (!type.ok()) return type.status();
              known = types.emplace(c.pool_id, *type).first;
            }
            *out.add_autoscale_configs() = autoscale_config_view(c, known->second);
          }
          out.set_next_page_token(next_page_token(got->next_after_id));
          return json_response(200, out);
        },
        [reply = std::move(reply)](Result<HttpResponse> got) {
          reply(got.ok() ? std::move(*got) : status_response(got.status()));
        });
  }

  void show(const ApiRequest& r, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    store.submit(
        [key = r.param("id")](store::Store& s) -> Result<HttpResponse> {
          auto got = by_id_or_name(s, key);
          if (!got.ok()) return got.status();
          if (!got->has_value()) return error_response(404, "not_found", "no autoscale config " + key);
          auto type = pool_type_of(s, (*got)->pool_id);
          if (!type.ok()) return type.status();
          return with_etag(json_response(200, autoscale_config_view(**got, *type)), (*got)->revision);
        },
        [reply = std::move(reply)](Result<HttpResponse> got) {
          reply(got.ok() ? std::move(*got) : status_response(got.status()));
        });
  }

  // The sealed password a request sets, or nullopt when it keeps or removes the stored one.
  std::optional<std::string> sealed_password(const brokerv1::AutoscaleConfig& in, const std::string& id) const {
    PasswordChange change = autoscale_password_change(in);
    if (change.kind != PasswordChange::Kind::set) return std::nullopt;
    return secrets.seal(change.value, store::autoscale_password_aad(id));
  }

  void create(const ApiRequest& r, Reply reply) const {
    brokerv1::AutoscaleConfig in;
    if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
    const std::string id = random_uuid();
    const int64_t now = unix_seconds(clock.now());
    store.submit(
        [in, id, now, sealed = sealed_password(in, id)](store::Store& s) {
          return in_unit_of_work(s, [&](store::Repositories& repos, Answer& a) -> Status {
            auto refs = read_refs(repos, in.pool_id(), in);
            if (!refs.ok()) return refs.status();
            const store::PoolRecord* pool = refs->pool ? &*refs->pool : nullptr;
            if (Violations v =
                    check_autoscale_config(in, pool, refs->provider_config_known, refs->ldap_config_known, nullptr);
                !v.empty()) {
              a.response = violations_response(kWhat, v);
              return {};
            }
            auto taken = repos.autoscale_configs().get_by_name(in.name());
            if (!taken.ok()) return taken.status();
            if (taken->has_value()) {
              a.response =
                  error_response(409, "already_exists", "an autoscale config named '" + in.name() + "' exists");
              return {};
            }
            AutoscaleConfigRecord rec = autoscale_config_record(in, nullptr);
            rec.id = id;
            rec.created_at = rec.updated_at = now;
            rec.connection_password_sealed = sealed.value_or("");
            if (Status st = repos.autoscale_configs().insert(rec); !st.ok()) return st;
            return answer_written(repos, id, 201, "autoscale_config.created", a);
          });
        },
        [reply = std::move(reply), changed = changed](const Result<Answer>& a) { send(a, reply, changed); });
  }

  void replace(const ApiRequest& r, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    brokerv1::AutoscaleConfig in;
    if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
    const std::string& id = r.param("id");
    store.submit(
        [in, id, if_match = r.http.if_match, now = unix_seconds(clock.now()),
         sealed = sealed_password(in, id)](store::Store& s) mutable {
          return in_unit_of_work(s, [&](store::Repositories& repos, Answer& a) -> Status {
            auto stored = repos.autoscale_configs().get(id);
            if (!stored.ok()) return stored.status();
            if (!stored->has_value()) {
              a.response = error_response(404, "not_found", "no autoscale config " + id);
              return {};
            }
            const AutoscaleConfigRecord& old = **stored;
            RevisionCheck revision = check_revision(kWhat, id, old.revision, if_match, in.revision());
            if (revision.refused) {
              a.response = std::move(*revision.refused);
              return {};
            }
            in.set_revision(0);  // the base, not an output-only field here
            auto refs = read_refs(repos, old.pool_id, in);
            if (!refs.ok()) return refs.status();
            const store::PoolRecord* pool = refs->pool ? &*refs->pool : nullptr;
            if (Violations v =
                    check_autoscale_config(in, pool, refs->provider_config_known, refs->ldap_config_known, &old);
                !v.empty()) {
              a.response = violations_response(kWhat, v);
              return {};
            }
            AutoscaleConfigRecord rec = autoscale_config_record(in, &old);
            rec.updated_at = now;
            PasswordChange change = autoscale_password_change(in);
            if (change.kind == PasswordChange::Kind::remove) rec.connection_password_sealed.clear();
            if (sealed) rec.connection_password_sealed = *sealed;
            auto outcome = repos.autoscale_configs().update(rec, revision.based_on);
            if (!outcome.ok()) return outcome.status();
            switch (*outcome) {
              case store::UpdateOutcome::updated: return answer_written(repos, id, 200, "autoscale_config.updated", a);
              case store::UpdateOutcome::name_taken:
                a.response =
                    error_response(409, "already_exists", "an autoscale config named '" + in.name() + "' exists");
                return {};
              case store::UpdateOutcome::revision_mismatch:
                a.response = refusal_response(kWhat, broker::CatalogRefusal::revision_conflict, "", id, old.revision,
                                              revision.based_on);
                return {};
              default: a.response = error_response(404, "not_found", "no autoscale config " + id); return {};
            }
          });
        },
        [reply = std::move(reply), changed = changed](const Result<Answer>& a) { send(a, reply, changed); });
  }

  void remove(const ApiRequest& r, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    store.submit(
        [id = r.param("id")](store::Store& s) {
          return in_unit_of_work(s, [&](store::Repositories& repos, Answer& a) -> Status {
            auto stored = repos.autoscale_configs().get(id);
            if (!stored.ok()) return stored.status();
            if (!stored->has_value()) {
              a.response = error_response(404, "not_found", "no autoscale config " + id);
              return {};
            }
            auto type = pool_type_of(repos, (*stored)->pool_id);
            if (!type.ok()) return type.status();
            // Its servers are VMs only it would ever delete: it goes once they have.
            size_t servers = 0;
            Status counted = store::for_each_page<store::ServerRecord>(
                [&](const store::PageRequest& p) { return repos.servers().list({(*stored)->pool_id}, p); },
                [&](const store::ServerRecord& server) { servers += server.autoscale_config_id == id ? 1 : 0; });
            if (!counted.ok()) return counted;
            if (servers > 0) {
              a.response = error_response(
                  409, "failed_precondition",
                  "autoscale config " + (*stored)->name + " still has " + std::to_string(servers) + " server" +
                      (servers == 1 ? "" : "s") +
                      "; set its minimumAvailableSessions to 0 and let it scale in (or delete the servers) first");
              return {};
            }
            auto gone = repos.autoscale_configs().remove(id);
            if (!gone.ok()) return gone.status();
            a.record = std::move(**stored);
            a.response = json_response(200, autoscale_config_view(a.record, *type));
            a.event = "autoscale_config.deleted";
            return {};
          });
        },
        [reply = std::move(reply), changed = changed](const Result<Answer>& a) { send(a, reply, changed); });
  }
};

}  // namespace

void add_autoscale_config_routes(Router& router, store::StoreExecutor& store, const SecretBox& secrets,
                                 const Clock& clock, std::function<void(const std::string&)> changed) {
  const std::string collection = "/api/v1/autoscale-configs";
  const std::string one = collection + "/{id}";
  auto routes =
      std::make_shared<AutoscaleConfigRoutes>(AutoscaleConfigRoutes{store, secrets, clock, std::move(changed)});
  router.add_async("GET", collection, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->list(r, std::move(reply)); });
  router.add_async("POST", collection, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->create(r, std::move(reply)); });
  router.add_async("GET", one, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->show(r, std::move(reply)); });
  router.add_async("PUT", one, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->replace(r, std::move(reply)); });
  router.add_async("DELETE", one, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->remove(r, std::move(reply)); });
}

}  // namespace corral::manager::api
