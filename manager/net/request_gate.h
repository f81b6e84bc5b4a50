// Admission of API requests on the network thread, once a request's headers are in and before any
// byte of its body is read: a client without a valid token never makes the manager buffer a body
// or wake the core. LwsTransport calls the gate (LwsTransportOptions::gate); the manager supplies
// the policy (BearerTokenGate). The core still checks every request itself.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace corral::manager {

// The message of every 401 for a missing or unknown token, from the gate and from the core alike,
// so a client cannot tell which one refused it (docs/api.md).
inline constexpr std::string_view kUnauthenticatedMessage =
    "a valid bearer token is required: an admin token, or a user token from POST /api/v1/auth/login";

struct RequestHead {
  std::string_view method;
  std::string_view path;           // without the query string
  std::string_view authorization;  // the Authorization header (secret: never log)
  std::string_view peer_address;
};

struct GateVerdict {
  bool admitted = false;
  // Admitted: the largest body this request may carry; 0 means the transport's own limit.
  size_t max_body_bytes = 0;
  // Refused: the HTTP status and the corral.api.v1.Error reason and message to answer with.
  int status = 0;
  std::string reason;
  std::string message;

  static GateVerdict admit(size_t max_body_bytes = 0) { return GateVerdict{true, max_body_bytes, 0, {}, {}}; }
  static GateVerdict refuse(int status, std::string reason, std::string message) {
    return GateVerdict{false, 0, status, std::move(reason), std::move(message)};
  }
};

class RequestGate {
 public:
  virtual ~RequestGate() = default;
  // Called on the network thread for every request: must be thread-safe and must not block.
  virtual GateVerdict admit(const RequestHead& head) const = 0;
};

// The manager's policy: a few public routes (health, enrollment) pass without a token, each with
// its own body limit; every other request needs a bearer token that AUTHORIZE accepts, or is
// answered 401 before its body is read.
class BearerTokenGate final : public RequestGate {
 public:
  struct PublicRoute {
    std::string method;
    std::string path;           // a route pattern: "/downloads/{name}" admits any one segment there
    size_t max_body_bytes = 0;  // 0: the transport's limit
  };
  // Must be thread-safe (AdminAuth::authorize is).
  using Authorize = std::function<bool(std::string_view authorization)>;

  BearerTokenGate(std::vector<PublicRoute> public_routes, Authorize authorize)
      : public_routes_(std::move(public_routes)), authorize_(std::move(authorize)) {}

  GateVerdict admit(const RequestHead& head) const override;
  const std::vector<PublicRoute>& public_routes() const { return public_routes_; }

 private:
  const std::vector<PublicRoute> public_routes_;
  const Authorize authorize_;
};

}  // namespace corral::manager
