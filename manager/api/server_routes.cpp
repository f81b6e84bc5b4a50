// /api/v1/servers: reads come from the store; writes (and drain, undrain, assign-agent) go through
// the broker, which commits them, applies them to placement and sends the settings that changed
// to the server's agent before the answer (docs/api.md, "Servers"). Passwords are sealed here,
// with the server's id as associated data, and never shown.
#include "common/encoding.h"
#include "common/secret_box.h"
#include "manager/api/catalog_check.h"
#include "manager/api/routes.h"
#include "manager/broker/broker.h"

namespace corral::manager::api {
namespace {

using store::ServerRecord;
using Done = Result<broker::CatalogOutcome<ServerRecord>>;

struct ServerRoutes {
  broker::Broker& broker;
  store::StoreExecutor& store;
  const SecretBox& secrets;
  const Clock& clock;

  void apply_password(const brokerv1::Server& in, ServerRecord& rec) const {
    PasswordChange change = password_change(in);
    if (change.kind == PasswordChange::Kind::remove) rec.connection_password_sealed.clear();
    if (change.kind == PasswordChange::Kind::set) {
      rec.connection_password_sealed = secrets.seal(change.value, store::server_password_aad(rec.id));
    }
  }

  void list(const ApiRequest& r, Reply reply) const {
    auto query = QueryParams::parse(r.http.query);
    if (!query.ok()) return reply(status_response(query.status()));
    auto page = page_request(*query);
    if (!page.ok()) return reply(status_response(page.status()));
    store::ServerFilter filter{query->take("poolId").value_or("")};
    if (Status st = query->check_all_taken(); !st.ok()) return reply(status_response(st));
    store.submit([filter, page = *page](store::Store& s) { return s.servers().list(filter, page); },
                 [reply = std::move(reply)](Result<store::Page<ServerRecord>> got) {
                   if (!got.ok()) return reply(status_response(got.status()));
                   brokerv1::ListServersResponse out;
                   for (const ServerRecord& sv : got->records) *out.add_servers() = server_view(sv);
                   out.set_next_page_token(next_page_token(got->next_after_id));
                   reply(json_response(200, out));
                 });
  }

  void show(const ApiRequest& r, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    store.submit([id = r.param("id")](store::Store& s) { return s.servers().get(id); },
                 [reply = std::move(reply), id = r.param("id")](Result<std::optional<ServerRecord>> got) {
                   if (!got.ok()) return reply(status_response(got.status()));
                   if (!got->has_value()) return reply(error_response(404, "not_found", "no server " + id));
                   reply(with_etag(json_response(200, server_view(**got)), (*got)->revision));
                 });
  }

  void create(const ApiRequest& r, Reply reply) const {
    brokerv1::Server in;
    if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
    if (Violations v = check_server(in, broker.find_pool(in.pool_id()), nullptr); !v.empty()) {
      return reply(violations_response("server", v));
    }
    ServerRecord rec = server_record(in, nullptr);
    rec.id = random_uuid();
    rec.created_at = rec.updated_at = unix_seconds(clock.now());
    apply_password(in, rec);
    broker.create_server(rec, [reply = std::move(reply), id = rec.id](const Done& done) {
      reply(catalog_answer("server", done, 201, server_view, id, 0));
    });
  }

  void replace(const ApiRequest& r, Reply reply) const {
    const std::string& id = r.param("id");
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    brokerv1::Server in;
    if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
    const ServerRecord* stored = broker.find_server(id);
    if (stored == nullptr) return reply(error_response(404, "not_found", "no server " + id));
    RevisionCheck revision = check_revision("server", id, stored->revision, r.http.if_match, in.revision());
    if (revision.refused) return reply(std::move(*revision.refused));
    in.set_revision(0);
    if (Violations v = check_server(in, broker.find_pool(stored->pool_id), stored); !v.empty()) {
      return reply(violations_response("server", v));
    }
    ServerRecord rec = server_record(in, stored);
    rec.updated_at = unix_seconds(clock.now());
    apply_password(in, rec);
    broker.update_server(rec, revision.based_on,
                         [reply = std::move(reply), id, based_on = revision.based_on](const Done& done) {
                           reply(catalog_answer("server", done, 200, server_view, id, based_on));
                         });
  }

  void drain(const ApiRequest& r, bool draining, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    if (!r.http.body.empty() && r.http.body.find_first_not_of(" \t\r\n{}") != std::string::npos) {
      return reply(error_response(400, "invalid_argument", "drain and undrain take an empty body"));
    }
    broker.set_draining(r.param("id"), draining, [reply = std::move(reply)](const Result<ServerRecord>& done) {
      if (!done.ok()) return reply(status_response(done.status()));
      reply(with_etag(json_response(200, server_view(*done)), done->revision));
    });
  }

  void assign_agent(const ApiRequest& r, Reply reply) const {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    brokerv1::AssignAgentRequest in;
    if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
    broker.assign_agent(r.param("id"), in.agent_id(), [reply = std::move(reply), id = r.param("id")](const Done& done) {
      reply(catalog_answer("server", done, 200, server_view, id, 0));
    });
  }
};

}  // namespace

void add_server_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const SecretBox& secrets,
                       const Clock& clock) {
  auto routes = std::make_shared<ServerRoutes>(ServerRoutes{broker, store, secrets, clock});
  const std::string collection = "/api/v1/servers";
  const std::string one = collection + "/{id}";
  router.add_async("GET", collection, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->list(r, std::move(reply)); });
  router.add_async("POST", collection, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->create(r, std::move(reply)); });
  router.add_async("GET", one, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->show(r, std::move(reply)); });
  router.add_async("PUT", one, Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->replace(r, std::move(reply)); });
  router.add_async("DELETE", one, Access::admin, [routes](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    routes->broker.delete_server(r.param("id"), [reply = std::move(reply), id = r.param("id")](const Done& done) {
      reply(catalog_answer("server", done, 200, server_view, id, 0));
    });
  });
  router.add_async("POST", one + "/drain", Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->drain(r, true, std::move(reply)); });
  router.add_async("POST", one + "/undrain", Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->drain(r, false, std::move(reply)); });
  router.add_async("POST", one + "/assign-agent", Access::admin,
                   [routes](const ApiRequest& r, Reply reply) { routes->assign_agent(r, std::move(reply)); });
}

}  // namespace corral::manager::api
