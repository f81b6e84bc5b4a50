// The REST API front door on the core thread: looks each request up in the route table, answers
// 404 / 405 (with Allow) / 400 for a malformed path, checks access in this one place, dispatches to
// the route's handler and logs one api.request line per answer. The routes themselves live with
// their resources (agent_routes.cpp, provider_configs.cpp, ...); docs/api.md lists them.
#pragma once

#include "manager/api/admin_auth.h"
#include "manager/api/router.h"
#include "manager/api/user_auth.h"
#include "manager/net/transport.h"

namespace corral::manager {

class ApiServer {
 public:
  ApiServer(api::Router router, const AdminAuth& auth, const UserAuth& users)
      : router_(std::move(router)), auth_(auth), users_(users) {}

  // Core thread. `reply` is called exactly once, on the core thread, now or later.
  void handle(const HttpRequest& request, api::Reply reply) const;

  const api::Router& router() const { return router_; }

 private:
  const api::Router router_;
  const AdminAuth& auth_;
  const UserAuth& users_;
};

}  // namespace corral::manager
