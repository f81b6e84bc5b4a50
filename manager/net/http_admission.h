// Whether an API request may go on, decided from its headers alone before any body byte is read:
// framing (411 for a body without Content-Length), the gate's policy (401), size (413), the
// client's share (429) and the manager's capacity (503). The transport feeds it each request head
// on the network thread and applies the verdict; it keeps the counts, so it is not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "manager/net/request_gate.h"
#include "manager/net/transport.h"

namespace corral::manager {

struct HttpLimits {
  size_t max_body_bytes = 1024 * 1024;
  // Admitted and not yet answered, over all clients.
  size_t max_in_flight = 256;
  // Admitted and not yet answered, and the bodies they declared, per client address.
  size_t max_requests_per_client = 32;
  size_t max_body_bytes_per_client = 4 * 1024 * 1024;
  int retry_after_seconds = 1;
};

struct HttpRequestHead {
  std::string_view method;
  std::string_view path;
  std::string_view authorization;  // secret
  std::string_view peer_address;
  std::optional<std::string_view> content_length;  // the header's text, when sent
  bool transfer_encoding = false;                  // a Transfer-Encoding header was sent
};

// An admitted request holds its place until release(ticket).
struct HttpTicket {
  std::string peer_address;
  size_t body_bytes = 0;
};

struct HttpAdmissionResult {
  std::optional<HttpTicket> ticket;  // admitted
  HttpResponse refusal;              // otherwise: the answer, sent before the connection closes
};

class HttpAdmission {
 public:
  // GATE may be null (every request passes it); it must outlive this object.
  HttpAdmission(HttpLimits limits, const RequestGate* gate) : limits_(limits), gate_(gate) {}

  HttpAdmissionResult admit(const HttpRequestHead& head);
  void release(const HttpTicket& ticket);

  size_t in_flight() const { return in_flight_; }

 private:
  struct ClientShare {
    size_t requests = 0;
    size_t body_bytes = 0;
  };

  HttpResponse refuse(int status, const std::string& reason, const std::string& message, bool retry) const;

  const HttpLimits limits_;
  const RequestGate* const gate_;
  size_t in_flight_ = 0;
  std::unordered_map<std::string, ClientShare> clients_;
};

// The body of a corral.api.v1.Error, as the core writes it.
std::string error_json(int status, const std::string& reason, const std::string& message);

}  // namespace corral::manager
