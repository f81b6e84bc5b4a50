#include "manager/api/api_server.h"

#include <chrono>

#include "common/log.h"
#include "manager/api/json.h"
#include "manager/net/request_gate.h"

namespace corral::manager {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

void ApiServer::handle(const HttpRequest& request, api::Reply reply) const {
  auto started = std::chrono::steady_clock::now();
  api::Router::Match m = router_.match(request.method, request.path);
  std::string route = m.route ? m.route->pattern : "";
  // One log line per answer, whichever way and whenever it comes.
  api::Reply logged = [method = request.method, path = request.path, peer = request.peer_address, route, started,
                       reply = std::move(reply)](HttpResponse response) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log::info("api.request", {{"method", method},
                              {"path", path},
                              {"route", route},
                              {"status", response.status},
                              {"duration_ms", ms.count()},
                              {"peer", peer}});
    reply(std::move(response));
  };

  switch (m.kind) {
    case api::Router::Match::Kind::bad_path: return logged(api::error_response(400, "bad_request", m.problem));
    case api::Router::Match::Kind::not_found:
      return logged(api::error_response(404, "not_found", "no route for " + request.path));
    case api::Router::Match::Kind::method_not_allowed: {
      HttpResponse r = api::error_response(
          405, "method_not_allowed",
          request.method + " is not allowed on " + request.path + " (allowed: " + join(m.allowed) + ")");
      r.headers.emplace_back("Allow", join(m.allowed));
      return logged(std::move(r));
    }
    case api::Router::Match::Kind::found: break;
  }
  const api::Route& route_entry = *m.route;
  api::ApiRequest api_request{request, std::move(m.params), nullptr};
  if (route_entry.access == api::Access::admin || route_entry.access == api::Access::user) {
    if (!auth_.authorize(request.authorization)) {
      api_request.user = users_.authenticate(request.authorization);
      if (api_request.user == nullptr) {
        HttpResponse r = api::error_response(401, "unauthenticated", std::string(kUnauthenticatedMessage));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return logged(std::move(r));
      }
      if (route_entry.access == api::Access::admin) {
        return logged(api::error_response(
            403, "permission_denied",
            "a user token cannot " + request.method + " " + route_entry.pattern + ": it needs an admin token"));
      }
    }
  }
  if (const auto* sync = std::get_if<api::SyncHandler>(&route_entry.handler)) return logged((*sync)(api_request));
  std::get<api::AsyncHandler>(route_entry.handler)(api_request, std::move(logged));
}

}  // namespace corral::manager
