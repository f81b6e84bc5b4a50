// /api/v1/pools: reads come from the store; writes go through the broker, which commits them and
// applies them to placement before the answer (docs/api.md, "Pools").
#include "common/encoding.h"
#include "manager/api/autoscale_dependents.h"
#include "manager/api/catalog_check.h"
#include "manager/api/routes.h"
#include "manager/broker/broker.h"

namespace corral::manager::api {
namespace {

using store::PoolRecord;

Result<std::optional<PoolRecord>> pool_by_id_or_name(store::Store& s, const std::string& key) {
  auto by_id = s.pools().get(key);
  if (!by_id.ok() || by_id->has_value()) return by_id;
  return s.pools().get_by_name(key);
}

void list_pools(store::StoreExecutor& store, const ApiRequest& r, Reply reply) {
  auto query = QueryParams::parse(r.http.query);
  if (!query.ok()) return reply(status_response(query.status()));
  auto page = page_request(*query);
  if (!page.ok()) return reply(status_response(page.status()));
  if (Status st = query->check_all_taken(); !st.ok()) return reply(status_response(st));
  store.submit([page = *page](store::Store& s) { return s.pools().list(page); },
               [reply = std::move(reply)](Result<store::Page<PoolRecord>> got) {
                 if (!got.ok()) return reply(status_response(got.status()));
                 brokerv1::ListPoolsResponse out;
                 for (const PoolRecord& p : got->records) *out.add_pools() = pool_view(p);
                 out.set_next_page_token(next_page_token(got->next_after_id));
                 reply(json_response(200, out));
               });
}

void create_pool(broker::Broker& broker, const Clock& clock, const ApiRequest& r, Reply reply) {
  brokerv1::Pool in;
  if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
  if (Violations v = check_pool(in, nullptr); !v.empty()) return reply(violations_response("pool", v));
  PoolRecord rec = pool_record(in, nullptr);
  rec.id = random_uuid();
  rec.created_at = rec.updated_at = unix_seconds(clock.now());
  broker.create_pool(rec,
                     [reply = std::move(reply), id = rec.id](const Result<broker::CatalogOutcome<PoolRecord>>& done) {
                       reply(catalog_answer("pool", done, 201, pool_view, id, 0));
                     });
}

void replace_pool(broker::Broker& broker, const Clock& clock, const ApiRequest& r, Reply reply) {
  const std::string& id = r.param("id");
  if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
  brokerv1::Pool in;
  if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
  const PoolRecord* stored = broker.find_pool(id);
  if (stored == nullptr) return reply(error_response(404, "not_found", "no pool " + id));
  RevisionCheck revision = check_revision("pool", id, stored->revision, r.http.if_match, in.revision());
  if (revision.refused) return reply(std::move(*revision.refused));
  in.set_revision(0);  // the base, not an output-only field here
  if (Violations v = check_pool(in, stored); !v.empty()) return reply(violations_response("pool", v));
  PoolRecord rec = pool_record(in, stored);
  rec.updated_at = unix_seconds(clock.now());
  broker.update_pool(rec, revision.based_on,
                     [reply = std::move(reply), id,
                      based_on = revision.based_on](const Result<broker::CatalogOutcome<PoolRecord>>& done) {
                       reply(catalog_answer("pool", done, 200, pool_view, id, based_on));
                     });
}

// The autoscale configs of the pool are named first: the broker does not hold them. The store
// checks them again inside the delete, so one created meanwhile still stops it.
void delete_pool(broker::Broker& broker, store::StoreExecutor& store, const std::string& id, Reply reply) {
  store.submit(
      [id](store::Store& s) {
        return autoscale_configs_using(s, {id, ""});
      },
      [&broker, id, reply = std::move(reply)](Result<std::string> users) mutable {
        if (!users.ok()) return reply(status_response(users.status()));
        if (!users->empty()) {
          return reply(error_response(409, "failed_precondition",
                                      "pool " + id + " is scaled by " + *users + "; delete them first"));
        }
        broker.delete_pool(id, [reply = std::move(reply), id](const Result<broker::CatalogOutcome<PoolRecord>>& done) {
          reply(catalog_answer("pool", done, 200, pool_view, id, 0));
        });
      });
}

}  // namespace

void add_pool_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const Clock& clock) {
  const std::string collection = "/api/v1/pools";
  const std::string one = collection + "/{id}";
  router.add_async("GET", collection, Access::admin,
                   [&store](const ApiRequest& r, Reply reply) { list_pools(store, r, std::move(reply)); });
  router.add_async("POST", collection, Access::admin, [&broker, &clock](const ApiRequest& r, Reply reply) {
    create_pool(broker, clock, r, std::move(reply));
  });
  router.add_async("GET", one, Access::admin, [&store](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    store.submit([key = r.param("id")](store::Store& s) { return pool_by_id_or_name(s, key); },
                 [reply = std::move(reply), key = r.param("id")](Result<std::optional<PoolRecord>> got) {
                   if (!got.ok()) return reply(status_response(got.status()));
                   if (!got->has_value()) return reply(error_response(404, "not_found", "no pool " + key));
                   reply(with_etag(json_response(200, pool_view(**got)), (*got)->revision));
                 });
  });
  router.add_async("PUT", one, Access::admin, [&broker, &clock](const ApiRequest& r, Reply reply) {
    replace_pool(broker, clock, r, std::move(reply));
  });
  router.add_async("DELETE", one, Access::admin, [&broker, &store](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    delete_pool(broker, store, r.param("id"), std::move(reply));
  });
}

}  // namespace corral::manager::api
