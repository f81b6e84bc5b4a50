#include "manager/api/gate_routes.h"

#include <algorithm>

namespace corral::manager::api {

Status check_gate_matches_routes(const BearerTokenGate& gate, const Router& router) {
  const auto& open = gate.public_routes();
  for (const Route& r : router.routes()) {
    const bool needs_token = r.access == Access::admin || r.access == Access::user;
    bool in_gate = std::any_of(open.begin(), open.end(), [&](const BearerTokenGate::PublicRoute& p) {
      return p.method == r.method && p.path == r.pattern;
    });
    if (!needs_token && !in_gate) {
      return error(ErrorCode::internal,
                   r.method + " " + r.pattern + " needs no admin token but the request gate refuses it");
    }
    if (needs_token && in_gate) {
      return error(ErrorCode::internal,
                   r.method + " " + r.pattern + " needs an admin token but the request gate lets it through");
    }
  }
  for (const auto& p : open) {
    bool routed = std::any_of(router.routes().begin(), router.routes().end(),
                              [&](const Route& r) { return p.method == r.method && p.path == r.pattern; });
    if (!routed)
      return error(ErrorCode::internal,
                   "the request gate lets " + p.method + " " + p.path + " through but no route serves it");
  }
  return {};
}

}  // namespace corral::manager::api
