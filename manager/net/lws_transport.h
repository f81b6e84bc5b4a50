// The manager's network thread: one libwebsockets context with two TLS vhosts. The API listener
// serves REST and enrollment over HTTPS; the agent listener demands a client certificate from the
// manager's CA at the TLS handshake and serves only the agent websocket. See docs/architecture.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/net/http_admission.h"
#include "manager/net/request_gate.h"
#include "manager/net/transport.h"

namespace corral::manager {

enum class EventLoop { libev, poll };

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (LwsTransport reports the one bound)
};

struct LwsTransportOptions {
  ListenAddress api;
  ListenAddress agent;
  std::string server_certificate_pem;
  std::string server_private_key_pem;  // secret
  std::string ca_certificate_pem;
  size_t max_frame_bytes = 256 * 1024;
  // API requests: the gate's policy (null: every request passes it; it must outlive the
  // transport) and the bounds that hold whatever it says (see http_admission.h).
  const RequestGate* gate = nullptr;
  HttpLimits http;
  // Frames queued to one agent beyond this are a slow consumer: the connection is closed.
  size_t max_queued_frames = 1024;
  EventLoop event_loop = EventLoop::libev;
  // Agent connections between accept and the websocket upgrade at once; more wait in the kernel
  // backlog. Only with the libev loop (the poll loop uses lws's own listeners, without it).
  size_t max_pending_handshakes = 256;
  // Of those, at most this many from one source address; further connections from it are closed
  // at once, so one host's idle sockets cannot hold every slot (libev loop only).
  size_t max_pending_handshakes_per_address = 32;
  // A pending agent connection that has not sent its TLS ClientHello within this is dropped
  // (libev loop only).
  double client_hello_timeout_seconds = 5.0;
  // An API connection that has not completed its request headers this long after it was accepted
  // (or after its last answer) is closed.
  unsigned api_request_header_timeout_seconds = 10;
  // At shutdown, up to this many agents get a websocket close (1001) each; above it the manager
  // ends their TCP streams at once and leaves the sockets to the process exit (see
  // docs/architecture.md). A transport stopped this way must be the last thing the process does.
  size_t graceful_close_limit = 1000;
  // Agent events reach the core at most this long after they arrive (libev loop only).
  double event_batch_seconds = 0.002;
  // Refused from the first connection on (the store's revocations at start).
  std::vector<std::string> revoked_serials;
};

class LwsTransport final : public Transport {
 public:
  // Binds nothing yet: components that send through the transport can be built before it runs.
  // `sink` must outlive the transport.
  LwsTransport(LwsTransportOptions options, TransportSink& sink);
  ~LwsTransport() override;

  // Binds both listeners and starts the network thread. Fails (naming the address) if a listener
  // cannot bind or the certificates are unusable. Commands queued before it are delivered after.
  Status start();

  // Closes every connection and joins the network thread. Idempotent. Calls made on this
  // transport from other threads meanwhile or afterwards are dropped.
  void stop();

  // The ports the listeners are bound to (the chosen ones when the options said 0).
  int api_port() const;
  int agent_port() const;

  void send_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope) override;
  void close_agent(ConnId conn, uint16_t code, const std::string& reason) override;
  void send_http_response(ConnId conn, HttpResponse response) override;
  void add_revoked_serials(const std::vector<std::string>& serials) override;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT" or "[V6]:PORT" → ListenAddress; errors name the text.
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace corral::manager
