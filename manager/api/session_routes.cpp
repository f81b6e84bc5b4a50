// /api/v1/sessions: place a session (the broker answers once the reservation is committed), list
// and show sessions (from the store, which the broker writes before it answers), end one, and
// hand out the .rdp file of a running RDP session.
#include <google/protobuf/util/json_util.h>

#include <optional>
#include <string>
#include <utility>

#include "common/encoding.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"
#include "manager/api/session_request.h"
#include "manager/api/session_view.h"
#include "manager/api/user_scope.h"
#include "manager/broker/broker.h"
#include "manager/broker/rdp_file.h"

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;
namespace brokerv1 = corral::broker::v1;

HttpResponse error_body(int status, const apiv1::Error& e) {
  HttpResponse r;
  r.status = status;
  (void)google::protobuf::util::MessageToJsonString(e, &r.body);
  r.body.push_back('\n');
  return r;
}

HttpResponse no_session(const std::string& id) { return error_response(404, "not_found", "no session " + id); }

// 503 pool_full, whatever the placement rule's reason: the client's next step is the same (wait
// or ask an admin). The reason's own sentence follows when it says more than "full".
HttpResponse pool_full(const broker::NotPlaced& refused, const std::string& pool_id, const std::string& pool_name) {
  apiv1::Error e;
  e.set_code(503);
  e.set_reason("pool_full");
  const broker::ServerCounts& c = refused.counts;
  std::string message = "pool " + pool_name + " has no free slot: " + std::to_string(c.ready) + " ready, " +
                        std::to_string(c.provisioning) + " provisioning, " + std::to_string(c.draining) + " draining";
  if (refused.reason != broker::NoPlacementReason::pool_full) message += " (" + broker::describe(refused) + ")";
  e.set_message(message);
  apiv1::PoolStatus* status = e.mutable_pool_status();
  status->set_pool_id(pool_id);
  status->set_ready(c.ready);
  status->set_provisioning(c.provisioning);
  status->set_draining(c.draining);
  return error_body(503, e);
}

void create(broker::Broker& broker, const ApiRequest& r, Reply reply) {
  brokerv1::CreateSessionRequest request;
  if (Status s = parse_json_body(r.http.body, &request); !s.ok()) return reply(status_response(s));
  if (r.user != nullptr) {
    // A user's sessions are their own: the name the directory signed them in as.
    if (!request.user().empty() && request.user() != r.user->username) {
      return reply(not_yours("sessions of user " + request.user()));
    }
    request.set_user(r.user->username);
  }
  if (apiv1::Error problems = check_create_session(request); problems.field_violations_size() > 0) {
    return reply(error_body(400, problems));
  }
  const store::WorkspaceRecord* workspace = broker.find_workspace_by_id_or_name(request.workspace());
  if (workspace == nullptr) return reply(error_response(404, "not_found", "no workspace " + request.workspace()));
  if (r.user != nullptr && !may_use_workspace(*r.user, *workspace)) {
    return reply(not_yours("workspace " + request.workspace() + ": it allows none of your groups"));
  }
  const store::PoolRecord* pool = broker.find_pool(workspace->pool_id);
  std::string pool_name = pool != nullptr ? pool->name : workspace->pool_id;
  broker.place(workspace->id, request.user(),
               [reply = std::move(reply), pool_id = workspace->pool_id,
                pool_name = std::move(pool_name)](Result<broker::PlaceOutcome> outcome) {
                 if (!outcome.ok()) return reply(status_response(outcome.status()));
                 if (const auto* refused = std::get_if<broker::NotPlaced>(&*outcome)) {
                   return reply(pool_full(*refused, pool_id, pool_name));
                 }
                 const auto& placed = std::get<broker::PlacedSession>(*outcome);
                 brokerv1::CreateSessionResponse out;
                 *out.mutable_session() = session_view(placed.session);
                 *out.mutable_connection() = session_connection_view(placed.connection);
                 HttpResponse response = json_response(201, out);
                 response.headers.emplace_back("Location", "/api/v1/sessions/" + placed.session.id);
                 reply(std::move(response));
               });
}

void list(store::StoreExecutor& store, const ApiRequest& r, Reply reply) {
  auto query = parse_session_list_query(r.http.query);
  if (!query.ok()) return reply(status_response(query.status()));
  if (r.user != nullptr) {
    if (!query->filter.user.empty() && query->filter.user != r.user->username) {
      return reply(not_yours("sessions of user " + query->filter.user));
    }
    query->filter.user = r.user->username;
  }
  store.submit([q = std::move(*query)](store::Store& s) { return s.sessions().list(q.filter, q.page); },
               [reply = std::move(reply)](Result<store::Page<store::SessionRecord>> page) {
                 if (!page.ok()) return reply(status_response(page.status()));
                 brokerv1::ListSessionsResponse out;
                 for (const auto& session : page->records) *out.add_sessions() = session_view(session);
                 if (!page->next_after_id.empty()) out.set_next_page_token(to_hex(page->next_after_id));
                 reply(json_response(200, out));
               });
}

void show(store::StoreExecutor& store, const std::string& id, std::shared_ptr<const UserIdentity> user, Reply reply) {
  store.submit(
      [id](store::Store& s) { return s.sessions().get(id); },
      [id, user = std::move(user), reply = std::move(reply)](Result<std::optional<store::SessionRecord>> session) {
        if (!session.ok()) return reply(status_response(session.status()));
        if (!session->has_value()) return reply(no_session(id));
        if (user != nullptr && !owns_session(*user, **session)) return reply(not_yours("session " + id));
        reply(json_response(200, session_view(**session)));
      });
}

// The broker commits the end (or finds it ended already), then the session is answered as stored.
void end_now(broker::Broker& broker, store::StoreExecutor& store, const std::string& id, store::SessionEndReason reason,
             Reply reply) {
  broker.end(id, reason, [&store, id, reply = std::move(reply)](Result<store::SessionEnding> ended) mutable {
    if (!ended.ok()) return reply(status_response(ended.status()));
    if (*ended == store::SessionEnding::not_found) return reply(no_session(id));
    show(store, id, nullptr, std::move(reply));
  });
}

void end(broker::Broker& broker, store::StoreExecutor& store, const ApiRequest& r, Reply reply) {
  auto reason = parse_session_end_query(r.http.query);
  if (!reason.ok()) return reply(status_response(reason.status()));
  const std::string id = r.param("id");
  if (r.user == nullptr) return end_now(broker, store, id, *reason, std::move(reply));
  // A user ends only their own session, and always as its user. Its user never changes, so the
  // check holds when the broker ends it.
  store.submit([id](store::Store& s) { return s.sessions().get(id); },
               [&broker, &store, id, user = r.user,
                reply = std::move(reply)](Result<std::optional<store::SessionRecord>> session) mutable {
                 if (!session.ok()) return reply(status_response(session.status()));
                 if (!session->has_value()) return reply(no_session(id));
                 if (!owns_session(*user, **session)) return reply(not_yours("session " + id));
                 end_now(broker, store, id, store::SessionEndReason::user, std::move(reply));
               });
}

struct RdpSource {
  store::SessionRecord session;
  std::optional<store::ServerRecord> server;
  std::optional<store::PoolRecord> pool;
};

void rdp_file(store::StoreExecutor& store, const std::string& id, std::shared_ptr<const UserIdentity> user,
              Reply reply) {
  store.submit(
      [id](store::Store& s) -> Result<std::optional<RdpSource>> {
        std::optional<RdpSource> found;
        // One snapshot: the session, its server and its pool as they were together.
        Status read = s.unit_of_work([&](store::Repositories& repos) -> Status {
          auto session = repos.sessions().get(id);
          if (!session.ok()) return session.status();
          if (!session->has_value()) return {};
          found.emplace();
          found->session = std::move(**session);
          if (found->session.state == store::SessionState::ended) return {};
          auto server = repos.servers().get(found->session.server_id);
          if (!server.ok()) return server.status();
          found->server = std::move(*server);
          auto pool = repos.pools().get(found->session.pool_id);
          if (!pool.ok()) return pool.status();
          found->pool = std::move(*pool);
          return {};
        });
        if (!read.ok()) return read;
        return found;
      },
      [id, user = std::move(user), reply = std::move(reply)](Result<std::optional<RdpSource>> source) {
        if (!source.ok()) return reply(status_response(source.status()));
        if (!source->has_value()) return reply(no_session(id));
        const RdpSource& src = **source;
        if (user != nullptr && !owns_session(*user, src.session)) return reply(not_yours("session " + id));
        if (src.session.state == store::SessionState::ended) {
          return reply(error_response(409, "failed_precondition", "session " + id + " has ended"));
        }
        if (!src.server) {
          return reply(error_response(409, "failed_precondition", "the server of session " + id + " is gone"));
        }
        broker::ConnectionDetails connection = broker::connection_details(*src.server, src.session.user);
        auto file = broker::render_rdp_file(connection, src.pool ? src.pool->rd_gateway : store::RdGateway{});
        if (!file.ok()) {
          // Not RDP, or a stored value no .rdp file can hold: nothing the request can change.
          return reply(error_response(409, "failed_precondition", file.status().message()));
        }
        HttpResponse response;
        response.content_type = "application/x-rdp";
        response.headers.emplace_back("Content-Disposition",
                                      "attachment; filename=\"" + broker::rdp_file_name(connection.hostname) + "\"");
        response.body = std::move(*file);
        reply(std::move(response));
      });
}

}  // namespace

void add_session_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store) {
  const std::string collection = "/api/v1/sessions";
  const std::string one = collection + "/{id}";
  router.add_async("POST", collection, Access::user,
                   [&broker](const ApiRequest& r, Reply reply) { create(broker, r, std::move(reply)); });
  router.add_async("GET", collection, Access::user,
                   [&store](const ApiRequest& r, Reply reply) { list(store, r, std::move(reply)); });
  router.add_async("GET", one, Access::user, [&store](const ApiRequest& r, Reply reply) {
    show(store, r.param("id"), r.user, std::move(reply));
  });
  router.add_async("DELETE", one, Access::user,
                   [&broker, &store](const ApiRequest& r, Reply reply) { end(broker, store, r, std::move(reply)); });
  router.add_async("GET", one + "/connection.rdp", Access::user, [&store](const ApiRequest& r, Reply reply) {
    rdp_file(store, r.param("id"), r.user, std::move(reply));
  });
}

}  // namespace corral::manager::api
