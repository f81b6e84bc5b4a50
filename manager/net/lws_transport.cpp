#include "manager/net/lws_transport.h"

#include <arpa/inet.h>
#include <ev.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <mutex>
#include <vector>

#include "common/log.h"
#include "common/ws/envelope_codec.h"
#include "manager/net/lws_transport_impl.h"

namespace corral::manager {
namespace {

void emit_lws_log(int level, const char* line) {
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (level & LLL_ERR) {
    log::warn("lws.error", {{"detail", text}});
  } else {
    log::debug("lws.log", {{"detail", text}});
  }
}

// A shutdown above graceful_close_limit leaves the lws context and its loop to the process exit.
// They stay reachable from here, so LeakSanitizer sees them as kept on purpose, not lost.
void keep_until_exit(lws_context* context, struct ev_loop* loop) {
  static std::mutex mu;
  static auto* kept = new std::vector<const void*>;  // never freed: it must outlive the exit
  std::lock_guard lock(mu);
  kept->push_back(context);
  if (loop) kept->push_back(loop);
}

LwsTransport::Impl* impl_of(lws* wsi) {
  return static_cast<LwsTransport::Impl*>(lws_context_user(lws_get_context(wsi)));
}

int agent_protocol_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  if (reason == LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION) {
    return LwsTransport::Impl::verify_client_certificate(static_cast<X509_STORE_CTX*>(user), len != 0);
  }
  return impl_of(wsi)->agent_callback(wsi, reason, static_cast<SessionData*>(user), in, len);
}

int http_protocol_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  return impl_of(wsi)->http_callback(wsi, reason, static_cast<SessionData*>(user), in, len);
}

// lws binds every interface when iface is null.
const char* interface_of(const std::string& host) {
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "*") return nullptr;
  return host.c_str();
}

// Agent connections may use descriptors up to the open-files limit minus this reserve, which is
// left for the API listener, the store, plugins and logs.
constexpr rlim_t kDescriptorReserve = 128;

int descriptor_ceiling() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  if (limit.rlim_cur <= 2 * kDescriptorReserve) return static_cast<int>(limit.rlim_cur / 2);
  return static_cast<int>(limit.rlim_cur - kDescriptorReserve);
}

// TLS 1.2 offers forward-secret AEAD suites only: no CBC, no SHA-1 MACs, no static RSA. The
// server key is ECDSA; the RSA names cover a certificate an operator may bring.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

std::string describe(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool is_ipv4_literal(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<ListenAddress> parse_listen_address(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return error(ErrorCode::invalid_argument, "listen address '" + text + "' must be HOST:PORT");
  }
  ListenAddress out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port < 0 || out.port > 65535) {
    return error(ErrorCode::invalid_argument, "listen address '" + text + "' has an invalid port");
  }
  return out;
}

LwsTransport::LwsTransport(LwsTransportOptions options, TransportSink& sink)
    : impl_(std::make_unique<Impl>(std::move(options), &sink)) {}
Status LwsTransport::start() { return impl_->start(); }
LwsTransport::~LwsTransport() { stop(); }
void LwsTransport::stop() { impl_->stop(); }
int LwsTransport::api_port() const { return impl_->api_port(); }
int LwsTransport::agent_port() const { return impl_->agent_port(); }

void LwsTransport::send_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope) {
  impl_->post(Impl::SendFrame{conn, wsframe::server_frame(wsframe::kBinary, ws::encode_envelope(envelope), LWS_PRE)});
}

void LwsTransport::close_agent(ConnId conn, uint16_t code, const std::string& reason) {
  impl_->post(Impl::CloseAgent{conn, code, reason});
}

void LwsTransport::send_http_response(ConnId conn, HttpResponse response) {
  impl_->post(Impl::SendResponse{conn, std::move(response)});
}

void LwsTransport::add_revoked_serials(const std::vector<std::string>& serials) { impl_->post(Impl::Revoke{serials}); }

Status LwsTransport::Impl::start() {
  std::promise<Status> started;
  auto result = started.get_future();
  thread_ = std::thread([this, &started] { run(&started); });
  Status s = result.get();
  if (!s.ok()) {
    thread_.join();
    stopped_ = true;
  }
  return s;
}

void LwsTransport::Impl::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  if (!thread_.joinable()) return;  // never started
  stopping_ = true;
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_open_) lws_cancel_service(context_);
  }
  thread_.join();
}

// The context is woken under the lock that close_inbox() takes before the network thread
// destroys it, so a post racing a stop either wakes a live context or is dropped.
void LwsTransport::Impl::post(Command command) {
  std::lock_guard lock(inbox_mutex_);
  if (!inbox_open_) return;
  inbox_.push_back(std::move(command));
  lws_cancel_service(context_);
}

void LwsTransport::Impl::close_inbox() {
  std::lock_guard lock(inbox_mutex_);
  inbox_open_ = false;
  inbox_.clear();
}

Status LwsTransport::Impl::create_context() {
  revoked_serials_.insert(options_.revoked_serials.begin(), options_.revoked_serials.end());
  static std::once_flag log_once;
  std::call_once(log_once, [] { lws_set_log_level(LLL_ERR, emit_lws_log); });

  agent_protocols_[0] = {"corral.agent.v1", agent_protocol_callback, sizeof(SessionData), 0, 0, nullptr, 0};
  http_protocols_[0] = {"http", http_protocol_callback, sizeof(SessionData), 0, 0, nullptr, 0};

  lws_context_creation_info info{};
  info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.user = this;
  void* foreign_loops[1] = {nullptr};
  if (options_.event_loop == EventLoop::libev) {
    loop_ = ev_loop_new(EVBACKEND_EPOLL);
    if (!loop_) return error(ErrorCode::internal, "cannot create the libev epoll loop");
    foreign_loops[0] = loop_;
    info.foreign_loops = foreign_loops;
    info.options |= LWS_SERVER_OPTION_LIBEV;
  }
  context_ = lws_create_context(&info);
  if (!context_) {
    return error(ErrorCode::internal,
                 "cannot create the libwebsockets context (is the libev event library installed?)");
  }

  struct VhostSpec {
    const char* name;
    const ListenAddress* address;
    lws_protocols* protocols;
    bool client_certificates;
  };
  const VhostSpec specs[] = {{"api", &options_.api, http_protocols_, false},
                             {"agent", &options_.agent, agent_protocols_, true}};
  for (size_t i = 0; i < 2; ++i) {
    const VhostSpec& spec = specs[i];
    lws_context_creation_info v{};
    v.vhost_name = spec.name;
    v.protocols = spec.protocols;
    v.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    bool adopted = loop_ && spec.client_certificates;
    if (adopted) {
      // The manager accepts agent connections itself (manager/net/listener.h) and lws adopts each
      // socket. The API listener stays lws's own: lws picks a connection's vhost by listen port,
      // and two adopting vhosts would share one.
      v.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    } else {
      v.port = spec.address->port;
      v.iface = interface_of(spec.address->host);
      // With IPv6 on, lws 4.1 does not match an IPv4 literal and binds the dual-stack wildcard
      // instead, exposing a listener the operator meant for one address.
      if (is_ipv4_literal(spec.address->host)) v.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    }
    v.server_ssl_cert_mem = options_.server_certificate_pem.data();
    v.server_ssl_cert_mem_len = static_cast<unsigned>(options_.server_certificate_pem.size());
    v.server_ssl_private_key_mem = options_.server_private_key_pem.data();
    v.server_ssl_private_key_mem_len = static_cast<unsigned>(options_.server_private_key_pem.size());
    v.ssl_options_set = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_RENEGOTIATION;
    v.ssl_cipher_list = kTls12Ciphers;  // TLS 1.3 keeps OpenSSL's suites, all AEAD
    v.alpn = "http/1.1";
    v.timeout_secs = 30;
    // The API's guard against clients that hold a connection without sending a request; lws
    // applies it from accept on, so a connection queued behind a large burst needs it too.
    if (!spec.client_certificates) v.timeout_secs_ah_idle = options_.api_request_header_timeout_seconds;
    if (spec.client_certificates) {
      // The CA is loaded by LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS.
      v.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
      // lws does TLS only: every connection is a raw socket whose websocket handshake and framing
      // the transport does itself (lws_agent_protocol.cpp), whoever accepted it.
      v.options |= LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG;
      v.listen_accept_role = "raw-skt";
      v.listen_accept_protocol = spec.protocols[0].name;
    }
    std::string where = describe(spec.address->host, spec.address->port);
    vhosts_[i] = lws_create_vhost(context_, &v);
    if (!vhosts_[i]) {
      return error(ErrorCode::unavailable,
                   std::string("cannot create the ") + spec.name + " listener on " + where +
                       (adopted ? " (bad certificate)" : " (address in use, or bad certificate)"));
    }
    if (adopted) {
      Result<std::unique_ptr<Listener>> listener =
          Listener::open(loop_, *spec.address, spec.name, descriptor_ceiling(), [this, i](int fd) { adopt(i, fd); });
      if (!listener.ok()) return listener.status();
      listeners_[i] = std::move(listener).value();
    }
    int port = adopted ? listeners_[i]->port() : lws_get_vhost_listen_port(vhosts_[i]);
    (i == kApi ? api_port_ : agent_port_) = port;
    log::info("listener.started", {{"listener", spec.name}, {"address", describe(spec.address->host, port)}});
  }
  if (loop_) {
    ev_timer_init(
        &events_flush_, [](struct ev_loop*, ev_timer* t, int) { static_cast<Impl*>(t->data)->flush_events(); },
        options_.event_batch_seconds, 0.0);
    events_flush_.data = this;
    ev_timer_init(&pending_sweep_, &Impl::sweep_pending, 5.0, 5.0);
    pending_sweep_.data = this;
    ev_timer_start(loop_, &pending_sweep_);
    ev_timer_init(&hello_timer_, &Impl::check_hellos, options_.client_hello_timeout_seconds, 0.0);
    hello_timer_.data = this;
  }
  return {};
}

void LwsTransport::Impl::run(std::promise<Status>* started) {
  Status s = create_context();
  if (!s.ok()) {
    if (context_) lws_context_destroy(context_);
    if (loop_) ev_loop_destroy(loop_);
    context_ = nullptr;
    loop_ = nullptr;
    started->set_value(s);
    return;
  }
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_open_ = true;
  }
  started->set_value(Status{});

  if (loop_) {
    ev_run(loop_, 0);
  } else {
    while (!loop_done_) {
      if (lws_service(context_, 0) < 0) break;
    }
  }
  close_inbox();
  for (auto& listener : listeners_) listener.reset();
  if (loop_) {
    ev_timer_stop(loop_, &pending_sweep_);
    ev_timer_stop(loop_, &hello_timer_);
  }
  if (abandon_connections_) {
    // See begin_shutdown: tearing down lws here would cost seconds; the process is exiting.
    log::info("transport.stopped",
              {{"elapsed_ms", ms_since(shutdown_started_)}, {"connections_left_to_exit", agents_.size()}});
    keep_until_exit(context_, loop_);
    context_ = nullptr;
    loop_ = nullptr;
    return;
  }
  lws_context_destroy(context_);
  context_ = nullptr;
  if (loop_) {
    ev_loop_destroy(loop_);
    loop_ = nullptr;
  }
  if (shutting_down_) log::info("transport.stopped", {{"elapsed_ms", ms_since(shutdown_started_)}});
}

void LwsTransport::Impl::drain_inbox() {
  std::vector<Command> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
  }
  for (Command& command : batch) {
    std::visit([this](auto& c) { apply(c); }, command);
  }
  if (stopping_.load() && !shutting_down_) begin_shutdown();
}

void LwsTransport::Impl::begin_shutdown() {
  shutting_down_ = true;
  shutdown_started_ = std::chrono::steady_clock::now();
  log::info("transport.stopping", {{"agents", agents_.size()}});
  // Refuse reconnects at once: an agent that comes back now should find the next manager process,
  // not spend a handshake on this one.
  for (auto& listener : listeners_) {
    if (listener) listener->close();
  }
  if (loop_) ev_timer_stop(loop_, &pending_sweep_);
  if (agents_.size() > options_.graceful_close_limit) {
    // Closing each connection through lws costs O(connections) apiece in lws 4.1 (its timeout
    // list is one sorted list), which made a 10,000-agent shutdown take 7 s. Above the limit the
    // manager ends the TCP streams itself, which agents see at once as a dropped connection, and
    // leaves the descriptors to the process exit.
    for (auto& entry : agents_) {
      const AgentConnection& a = entry.second;
      if (a.wsi) ::shutdown(lws_get_socket_fd(a.wsi), SHUT_RDWR);
    }
    abandon_connections_ = true;
    return end_loop();
  }
  for (auto& [conn, a] : agents_) {
    a.outbox.clear();
    if (a.close_code == 0) {
      a.close_code = ws::kCloseGoingAway;
      a.close_reason = "manager shutting down";
    }
    lws_callback_on_writable(a.wsi);
  }
  if (agents_.empty()) return end_loop();
  shutdown_timer_.self = this;
  lws_sul_schedule(
      context_, 0, &shutdown_timer_.sul,
      [](lws_sorted_usec_list_t* sul) { reinterpret_cast<ShutdownTimer*>(sul)->self->end_loop(); },
      500 * LWS_US_PER_MS);
}

void LwsTransport::Impl::queue_event(AgentEvent event) {
  events_.push_back(std::move(event));
  if (!loop_) return flush_events();
  if (!ev_is_active(&events_flush_)) {
    ev_timer_set(&events_flush_, options_.event_batch_seconds, 0.0);
    ev_timer_start(loop_, &events_flush_);
  }
}

void LwsTransport::Impl::flush_events() {
  if (loop_) ev_timer_stop(loop_, &events_flush_);
  if (events_.empty()) return;
  std::vector<AgentEvent> batch;
  batch.swap(events_);
  sink_->on_agent_events(std::move(batch));
}

void LwsTransport::Impl::end_loop() {
  if (loop_done_) return;
  flush_events();
  loop_done_ = true;
  log::info("transport.loop_ended", {{"agents_open", agents_.size()}, {"elapsed_ms", ms_since(shutdown_started_)}});
  lws_sul_cancel(&shutdown_timer_.sul);
  if (loop_) ev_break(loop_, EVBREAK_ALL);
}

void LwsTransport::Impl::apply(SendFrame& c) {
  auto it = agents_.find(c.conn);
  if (it == agents_.end()) return;  // closed meanwhile
  AgentConnection& a = it->second;
  if (a.close_code != 0) return;
  if (a.outbox.size() >= options_.max_queued_frames) {
    log::warn("agent.slow_consumer", {{"agent_id", a.agent_id}, {"queued", a.outbox.size()}});
    a.outbox.clear();
    a.close_code = ws::kClosePolicyViolation;
    a.close_reason = "too many frames queued";
  } else {
    a.outbox.push_back(std::move(c.frame));
  }
  lws_callback_on_writable(a.wsi);
}

void LwsTransport::Impl::apply(CloseAgent& c) {
  auto it = agents_.find(c.conn);
  if (it == agents_.end()) return;
  it->second.close_code = c.code;
  it->second.close_reason = c.reason;
  lws_callback_on_writable(it->second.wsi);
}

void LwsTransport::Impl::apply(SendResponse& c) {
  auto it = exchanges_.find(c.conn);
  if (it == exchanges_.end()) return;  // the client went away
  it->second.response = std::move(c.response);
  lws_callback_on_writable(it->second.wsi);
}

void LwsTransport::Impl::apply(Revoke& c) {
  for (std::string& serial : c.serials) revoked_serials_.insert(std::move(serial));
}

}  // namespace corral::manager
