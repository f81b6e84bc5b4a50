#include "manager/net/request_gate.h"

namespace corral::manager {

GateVerdict BearerTokenGate::admit(const RequestHead& head) const {
  for (const PublicRoute& route : public_routes_) {
    if (head.method == route.method && head.path == route.path) return GateVerdict::admit(route.max_body_bytes);
  }
  if (authorize_(head.authorization)) return GateVerdict::admit();
  // The same answer the core gives (docs/api.md), so a client cannot tell which one refused it.
  return GateVerdict::refuse(401, "unauthenticated", "a valid admin bearer token is required");
}

}  // namespace corral::manager
