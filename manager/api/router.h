// The REST API's route table: each route names its method, its path pattern, who may call it and
// its handler. ApiServer looks a request up here, checks access in one place and dispatches; the
// network thread's request gate asks the same table whether a path is public. Built once at start
// and never changed afterwards, so reading it from any thread is safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "manager/net/transport.h"

namespace corral::manager {
struct UserIdentity;  // manager/api/user_auth.h
}

namespace corral::manager::api {

// Who may call a route.
enum class Access {
  anyone,      // /healthz, the CA certificate
  join_token,  // enrollment: the handler checks the join token in the body
  admin,       // an admin bearer token in the Authorization header (a user token gets 403)
  user,        // an admin token, or a signed-in user's token: the handler keeps a user to what is theirs
};

// An HttpRequest with the path parameters its route captured ("{id}" → value, percent-decoded).
struct ApiRequest {
  const HttpRequest& http;
  std::map<std::string, std::string, std::less<>> params;
  // A user-token caller of an Access::user route; null for an admin and on the other routes.
  std::shared_ptr<const UserIdentity> user;

  const std::string& param(std::string_view name) const;
};

using Reply = std::function<void(HttpResponse)>;
// Answers at once, on the core thread.
using SyncHandler = std::function<HttpResponse(const ApiRequest&)>;
// Answers later (after work on a worker pool); calls `reply` exactly once, on the core thread.
// The ApiRequest is valid only during the call: copy what the reply needs.
using AsyncHandler = std::function<void(const ApiRequest&, Reply)>;

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/agents/{id}/commands"
  Access access = Access::admin;
  std::variant<SyncHandler, AsyncHandler> handler;
  std::vector<std::string> segments;  // the pattern split at '/'
};

class Router {
 public:
  // Patterns are absolute paths of literal segments and "{name}" captures. Adding the same method
  // and pattern twice, or a malformed pattern, is a programming error: it aborts at start.
  Router& add(std::string method, std::string pattern, Access access, SyncHandler handler);
  Router& add_async(std::string method, std::string pattern, Access access, AsyncHandler handler);

  struct Match {
    enum class Kind { found, not_found, method_not_allowed, bad_path };
    Kind kind = Kind::not_found;
    const Route* route = nullptr;                            // found
    std::map<std::string, std::string, std::less<>> params;  // found
    std::vector<std::string> allowed;                        // method_not_allowed: sorted
    std::string problem;                                     // bad_path
  };
  // Empty segments are ignored ("/api//v1/agents/" is "/api/v1/agents"). A segment that is not
  // valid percent-encoding is bad_path.
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  Router& add_route(Route route);

  std::vector<Route> routes_;
};

// Splits a path into its non-empty segments, percent-decoding each; nullopt if a segment has an
// invalid escape or decodes to a control character or '/'.
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace corral::manager::api
