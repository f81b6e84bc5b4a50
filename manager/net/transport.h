// The thread boundary between the manager's network thread (libwebsockets) and its core (Asio).
// The transport owns sockets and TLS; the core owns all state. They talk only through the calls
// below: the transport calls a TransportSink from its own thread (the sink posts to the core), and
// the core calls Transport methods, which queue work and wake the network thread.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/ws/close_codes.h"
#include "corral/agent/v1/agent.pb.h"

namespace corral::manager {

// Identifies one connection for its lifetime; never reused within a process.
using ConnId = uint64_t;

struct HttpRequest {
  std::string method;         // GET, HEAD, POST, DELETE, PUT, PATCH
  std::string path;           // without the query string
  std::string query;          // raw, without '?'
  std::string authorization;  // Authorization header value (secret: never log)
  std::string content_type;
  std::string if_match;  // If-Match header value, for compare-and-set updates
  std::string body;
  std::string peer_address;
};

// A response body the network thread reads from an open file as the client takes it, so a large
// download is never held in memory. Owns the descriptor; reading it with pread keeps it shareable.
class FileBody {
 public:
  FileBody(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileBody() { ::close(fd_); }
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers (Allow, ETag, Retry-After, ...): names as sent, without the colon.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file's first size() bytes instead of `body`.
  std::shared_ptr<const FileBody> file;
};

// What happened on agent connections, in the order the network thread saw it.
struct AgentConnected {
  ConnId conn;
  std::string agent_id;
  std::string certificate_serial;
  std::string peer_address;
};
struct AgentEnvelope {
  ConnId conn;
  corral::agent::v1::Envelope envelope;
};
struct AgentClosed {
  ConnId conn;
  std::string reason;
};
using AgentEvent = std::variant<AgentConnected, AgentEnvelope, AgentClosed>;

// Called on the network thread. Implementations must not block: they hand work to the core.
class TransportSink {
 public:
  virtual ~TransportSink() = default;
  // Agent events in batches: the transport gathers what arrives within a couple of milliseconds
  // so the core wakes once per batch rather than once per message (at 10,000 agents the wake-ups,
  // not the work, were the cost). Order is kept. The default hands each to the methods below.
  virtual void on_agent_events(std::vector<AgentEvent> events) {
    for (AgentEvent& e : events) {
      if (auto* c = std::get_if<AgentConnected>(&e)) {
        on_agent_connected(c->conn, c->agent_id, c->certificate_serial, c->peer_address);
      } else if (auto* m = std::get_if<AgentEnvelope>(&e)) {
        on_agent_envelope(m->conn, std::move(m->envelope));
      } else {
        auto& x = std::get<AgentClosed>(e);
        on_agent_closed(x.conn, x.reason);
      }
    }
  }
  // A websocket from an agent whose client certificate chains to the manager's CA.
  virtual void on_agent_connected(ConnId conn, const std::string& agent_id, const std::string& certificate_serial,
                                  const std::string& peer_address) = 0;
  // One complete, decoded envelope (undecodable or oversized frames never get here: the transport
  // closes that connection).
  virtual void on_agent_envelope(ConnId conn, corral::agent::v1::Envelope envelope) = 0;
  virtual void on_agent_closed(ConnId conn, const std::string& reason) = 0;
  virtual void on_http_request(ConnId conn, HttpRequest request) = 0;
};

// Core-side handle on the transport. Every method is safe to call from any thread.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope) = 0;
  // Closes with a websocket close code (RFC 6455 / 4000-4999 private) and a short reason.
  virtual void close_agent(ConnId conn, uint16_t code, const std::string& reason) = 0;
  virtual void send_http_response(ConnId conn, HttpResponse response) = 0;
  // Certificates with these serials are refused at the websocket handshake from now on.
  virtual void add_revoked_serials(const std::vector<std::string>& serials) = 0;
};

// Close codes are shared with the agent: common/ws/close_codes.h.
using ws::kCloseProtocolError;
using ws::kCloseReplaced;
using ws::kCloseRevoked;

}  // namespace corral::manager
