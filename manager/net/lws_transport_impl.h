// Internals of LwsTransport shared by its three source files: the lifecycle and cross-thread
// queue (lws_transport.cpp), the agent websocket protocol (lws_agent_protocol.cpp) and the HTTP
// protocol of the API listener (lws_http_protocol.cpp). Everything here except `inbox_` belongs
// to the network thread.
#pragma once

#include <libwebsockets.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "common/ws/message_assembler.h"
#include "manager/net/listener.h"
#include "manager/net/lws_transport.h"

namespace corral::manager {

// Per-session user memory lws allocates for every connection (zeroed, so POD only).
struct SessionData {
  ConnId conn;
};

struct AgentConnection {
  lws* wsi = nullptr;
  std::string agent_id;
  std::string serial;
  std::string peer;
  std::deque<std::string> outbox;  // each frame has LWS_PRE bytes of headroom in front
  std::optional<ws::MessageAssembler> assembler;
  uint16_t close_code = 0;  // non-zero: close once the outbox is flushed
  std::string close_reason;
  bool announced = false;  // the sink was told it connected
};

struct HttpExchange {
  lws* wsi = nullptr;
  HttpRequest request;
  size_t expected_body = 0;
  bool dispatched = false;
  std::optional<HttpResponse> response;
  bool headers_sent = false;
  size_t body_offset = 0;
};

class LwsTransport::Impl {
 public:
  struct SendFrame { ConnId conn; std::string frame; };
  struct CloseAgent { ConnId conn; uint16_t code; std::string reason; };
  struct SendResponse { ConnId conn; HttpResponse response; };
  struct Revoke { std::vector<std::string> serials; };
  using Command = std::variant<SendFrame, CloseAgent, SendResponse, Revoke>;

  Impl(LwsTransportOptions options, TransportSink* sink) : options_(std::move(options)), sink_(sink) {}

  Status start();
  void stop();
  // Any thread: queue a command and wake the network thread.
  void post(Command command);

  // Called by OpenSSL through lws during the handshake, without a usable wsi: 0 accepts.
  static int verify_client_certificate(X509_STORE_CTX* store, bool preverified);

  // Network thread only, called from the lws protocol callbacks.
  int agent_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in, size_t len);
  int http_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in, size_t len);

 private:
  void run(std::promise<Status>* started);
  Status create_context();
  void drain_inbox();
  // Closes every agent with 1001 (going away), then ends the loop once they are gone or after a
  // grace period, so agents learn why instead of seeing a dropped connection.
  void begin_shutdown();
  void end_loop();
  void apply(SendFrame& c);
  void apply(CloseAgent& c);
  void apply(SendResponse& c);
  void apply(Revoke& c);

  bool trust_agent_ca(SSL_CTX* ctx);
  int agent_filter(lws* wsi, SessionData* session);
  int agent_receive(lws* wsi, SessionData* session, const char* data, size_t len);
  int agent_writable(lws* wsi, SessionData* session);
  int http_begin(lws* wsi, SessionData* session, const char* uri);
  int http_writable(lws* wsi, SessionData* session);
  void http_dispatch(HttpExchange& exchange, ConnId conn);

  ConnId next_conn_id() { return ++last_conn_id_; }

  // Admission control (libev loop only): connections accepted on the agent listener whose TLS
  // handshake and upgrade have not finished. At max_pending_handshakes the listener pauses.
  void adopt(size_t listener, int fd);
  void handshake_finished(lws* wsi);
  static void sweep_pending(struct ev_loop* loop, ev_timer* timer, int events);

  // Agent events for the sink, handed over together every event_batch_ms (libev loop) or at
  // once (poll loop).
  void queue_event(AgentEvent event);
  void flush_events();

  LwsTransportOptions options_;
  TransportSink* sink_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  bool shutting_down_ = false;
  bool loop_done_ = false;
  bool abandon_connections_ = false;  // shutdown above graceful_close_limit: see begin_shutdown
  std::chrono::steady_clock::time_point shutdown_started_{};
  // lws timers carry no user pointer: keep ours beside the timer, which comes first.
  struct ShutdownTimer {
    lws_sorted_usec_list_t sul;
    Impl* self;
  } shutdown_timer_{};

  std::mutex inbox_mutex_;
  std::vector<Command> inbox_;

  // Network thread state.
  lws_context* context_ = nullptr;
  struct ev_loop* loop_ = nullptr;
  lws_protocols agent_protocols_[2]{};
  lws_protocols http_protocols_[2]{};
  enum { kApi = 0, kAgent = 1 };
  lws_vhost* vhosts_[2] = {nullptr, nullptr};
  std::unique_ptr<Listener> listeners_[2];
  std::unordered_map<lws*, int64_t> pending_handshakes_;  // wsi → accepted at (monotonic ms)
  ev_timer pending_sweep_{};
  std::vector<AgentEvent> events_;
  ev_timer events_flush_{};
  ConnId last_conn_id_ = 0;
  std::unordered_map<ConnId, AgentConnection> agents_;
  std::unordered_map<ConnId, HttpExchange> exchanges_;
  std::unordered_set<std::string> revoked_serials_;
};

}  // namespace corral::manager
