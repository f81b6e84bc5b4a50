// Internals of LwsTransport shared by its three source files: the lifecycle and cross-thread
// queue (lws_transport.cpp), the agent websocket protocol (lws_agent_protocol.cpp) and the HTTP
// protocol of the API listener (lws_http_protocol.cpp), and admission to the agent listener
// (lws_agent_admission.cpp). Everything here except what inbox_mutex_ guards, and the ports (set
// before start() returns), belongs to the network thread.
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
#include "manager/net/ws_frames.h"

namespace corral::manager {

// Per-session user memory lws allocates for every connection (zeroed, so POD only).
struct SessionData {
  ConnId conn;
};

// One connection on the agent listener. lws does TLS (and the client certificate check) and hands
// over the plaintext of a raw socket; the websocket handshake and framing are ours (ws_upgrade.h,
// ws_frames.h), because lws 4.1's own framing lets through what RFC 6455 says to refuse.
struct AgentConnection {
  lws* wsi = nullptr;
  std::string agent_id;
  std::string serial;
  std::string peer;
  bool upgraded = false;           // the websocket handshake was accepted
  std::string request;             // the upgrade request, until it is whole
  std::string handshake;           // the 101 (or the refusal) still to send, before any frame
  std::deque<std::string> outbox;  // whole server frames, each with LWS_PRE bytes of headroom
  std::optional<wsframe::FrameReader> reader;
  std::optional<ws::MessageAssembler> assembler;
  uint16_t close_code = 0;  // non-zero: send a close frame once the outbox is flushed, then close
  std::string close_reason;
  bool hang_up = false;    // close once the handshake bytes are out (refused upgrade)
  bool announced = false;  // the sink was told it connected
};

struct HttpExchange {
  lws* wsi = nullptr;
  HttpRequest request;
  std::optional<HttpTicket> ticket;  // admitted: holds its place in HttpAdmission until finished
  size_t expected_body = 0;
  bool dispatched = false;
  std::optional<HttpResponse> response;
  bool headers_sent = false;
  size_t body_offset = 0;
};

class LwsTransport::Impl {
 public:
  struct SendFrame {
    ConnId conn;
    std::string frame;
  };
  struct CloseAgent {
    ConnId conn;
    uint16_t code;
    std::string reason;
  };
  struct SendResponse {
    ConnId conn;
    HttpResponse response;
  };
  struct Revoke {
    std::vector<std::string> serials;
  };
  using Command = std::variant<SendFrame, CloseAgent, SendResponse, Revoke>;

  Impl(LwsTransportOptions options, TransportSink* sink)
      : options_(std::move(options)), sink_(sink), admission_(options_.http, options_.gate) {}

  Status start();
  void stop();
  // Any thread: queue a command and wake the network thread; dropped once the loop has ended.
  void post(Command command);

  int api_port() const { return api_port_; }
  int agent_port() const { return agent_port_; }

  // Called by OpenSSL through lws during the handshake, without a usable wsi: 0 accepts.
  static int verify_client_certificate(X509_STORE_CTX* store, bool preverified);

  // Network thread only, called from the lws protocol callbacks.
  int agent_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in, size_t len);
  int http_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in, size_t len);

 private:
  void run(std::promise<Status>* started);
  Status create_context();
  // Network thread, when the loop has ended: later posts are dropped, and nothing wakes the
  // context any more, so it may be destroyed.
  void close_inbox();
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
  int agent_upgrade(AgentConnection& a, ConnId conn, const char* data, size_t len);
  int agent_frames(AgentConnection& a, ConnId conn);
  int agent_message(AgentConnection& a, ConnId conn, const wsframe::Frame& frame);
  void agent_refuse(AgentConnection& a, ConnId conn, uint16_t code, const std::string& why);
  int agent_writable(lws* wsi, SessionData* session);
  void agent_gone(lws* wsi, SessionData* session);
  int http_begin(lws* wsi, SessionData* session, const char* uri);
  int http_writable(lws* wsi, SessionData* session);
  void http_dispatch(HttpExchange& exchange, ConnId conn);
  // Forgets the exchange and gives its place back to admission_.
  void finish_exchange(ConnId conn);
  // Answers a request refused from its headers and closes the connection: its body is never read.
  int refuse_now(lws* wsi, const HttpResponse& response);

  ConnId next_conn_id() { return ++last_conn_id_; }

  // Admission control (libev loop only): connections accepted on the agent listener whose TLS
  // handshake and upgrade have not finished. At max_pending_handshakes the listener pauses; at
  // max_pending_handshakes_per_address a further connection from that address is closed; one
  // without a ClientHello after client_hello_timeout_seconds is dropped.
  struct PendingHandshake {
    int64_t accepted_ms = 0;
    uint64_t seq = 0;  // tells a reused wsi address apart in hello_deadlines_
    std::string address;
  };
  void adopt(size_t listener, int fd);
  void handshake_finished(lws* wsi);
  void forget_pending(std::unordered_map<lws*, PendingHandshake>::iterator it);
  void resume_if_below_limit();
  static void sweep_pending(struct ev_loop* loop, ev_timer* timer, int events);
  static void check_hellos(struct ev_loop* loop, ev_timer* timer, int events);

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

  std::mutex stop_mutex_;  // one stop() at a time
  std::mutex inbox_mutex_;
  std::vector<Command> inbox_;
  bool inbox_open_ = false;  // guarded by inbox_mutex_: context_ is alive and will be drained
  int api_port_ = 0;
  int agent_port_ = 0;

  // Network thread state.
  lws_context* context_ = nullptr;
  struct ev_loop* loop_ = nullptr;
  lws_protocols agent_protocols_[2]{};
  lws_protocols http_protocols_[2]{};
  enum { kApi = 0, kAgent = 1 };
  lws_vhost* vhosts_[2] = {nullptr, nullptr};
  std::unique_ptr<Listener> listeners_[2];
  std::unordered_map<lws*, PendingHandshake> pending_handshakes_;
  std::unordered_map<std::string, size_t> pending_by_address_;
  std::deque<std::pair<lws*, uint64_t>> hello_deadlines_;  // accept order, so deadline order
  uint64_t last_pending_seq_ = 0;
  uint64_t refused_per_address_ = 0;  // rate-limited warnings: totals, since the last one, when
  uint64_t refused_since_warning_ = 0;
  int64_t address_warned_at_ms_ = 0;
  uint64_t hello_timeouts_ = 0;
  uint64_t hello_timeouts_since_warning_ = 0;
  int64_t hello_warned_at_ms_ = 0;
  ev_timer pending_sweep_{};
  ev_timer hello_timer_{};
  std::vector<AgentEvent> events_;
  ev_timer events_flush_{};
  ConnId last_conn_id_ = 0;
  std::unordered_map<ConnId, AgentConnection> agents_;
  std::unordered_map<ConnId, HttpExchange> exchanges_;
  HttpAdmission admission_;
  std::unordered_set<std::string> revoked_serials_;
};

}  // namespace corral::manager
