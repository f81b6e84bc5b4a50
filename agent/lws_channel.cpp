// libwebsockets runs on its default poll() loop here, unlike the manager's libev: the agent holds
// one socket, so polling it costs nothing, and the agent package then needs neither libev nor
// the libwebsockets event-library plugin at run time.
#include "agent/lws_channel.h"

#include <openssl/ssl.h>

#include "agent/lws_channel_impl.h"
#include "common/log.h"
#include "common/ws/envelope_codec.h"

namespace corral::agent {
namespace {

constexpr char kSubprotocol[] = "corral.agent.v1";

// What the manager's listeners accept in TLS 1.2: forward-secret AEAD suites only.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

// The manager sends nothing between commands, so a silently dead TCP connection would go
// unnoticed until a heartbeat write timed out minutes later. A websocket PING after 30 s without
// traffic, and hanging up 45 s later without a PONG, finds it within one or two heartbeats.
const lws_retry_bo_t kIdlePolicy = {
    .retry_ms_table = nullptr,
    .retry_ms_table_count = 0,
    .conceal_count = 0,
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 75,
    .jitter_percent = 0,
};

void emit_lws_log(int level, const char* line) {
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (level & (LLL_ERR | LLL_WARN)) {
    log::warn("lws.error", {{"detail", text}});
  } else {
    log::debug("lws.log", {{"detail", text}});
  }
}

int protocol_callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
  auto* impl = static_cast<LwsChannel::Impl*>(lws_context_user(lws_get_context(wsi)));
  return impl ? impl->callback(wsi, reason, in, len) : 0;
}

}  // namespace

Result<std::unique_ptr<LwsChannel>> LwsChannel::start(const LwsChannelOptions& options, ChannelEvents* events) {
  auto impl = std::make_unique<Impl>(options, events);
  if (Status s = impl->start(); !s.ok()) return s;
  return std::unique_ptr<LwsChannel>(new LwsChannel(std::move(impl)));
}

LwsChannel::LwsChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LwsChannel::~LwsChannel() { stop(); }
void LwsChannel::stop() { impl_->stop(); }
void LwsChannel::connect(ConnectionId id) { impl_->post(Impl::Connect{id}); }

void LwsChannel::send(ConnectionId id, const corral::agent::v1::Envelope& envelope) {
  std::string frame(LWS_PRE, '\0');
  frame += ws::encode_envelope(envelope);
  impl_->post(Impl::Send{id, std::move(frame)});
}

void LwsChannel::close(ConnectionId id, uint16_t code, const std::string& reason) {
  impl_->post(Impl::Close{id, code, reason});
}

Status LwsChannel::Impl::start() {
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

void LwsChannel::Impl::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_open_) lws_cancel_service(context_);
  }
  thread_.join();
}

// The context is woken under the lock close_inbox() takes before the network thread destroys
// it, so a post racing a stop either wakes a live context or is dropped.
void LwsChannel::Impl::post(Command command) {
  std::lock_guard lock(inbox_mutex_);
  if (!inbox_open_) return;
  inbox_.push_back(std::move(command));
  lws_cancel_service(context_);
}

void LwsChannel::Impl::close_inbox() {
  std::lock_guard lock(inbox_mutex_);
  inbox_open_ = false;
  inbox_.clear();
}

Status LwsChannel::Impl::create_context() {
  static std::once_flag log_once;
  std::call_once(log_once, [] { lws_set_log_level(LLL_ERR | LLL_WARN, emit_lws_log); });

  protocols_[0] = {kSubprotocol, protocol_callback, 0, 0, 0, nullptr, 0};

  lws_context_creation_info info{};
  info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.user = this;
  // lws sizes its tables by the process's descriptor limit otherwise, which can be a million.
  info.fd_limit_per_thread = 1024;
  context_ = lws_create_context(&info);
  if (!context_) return error(ErrorCode::internal, "cannot create the libwebsockets context");

  lws_context_creation_info v{};
  v.vhost_name = "manager";
  v.port = CONTEXT_PORT_NO_LISTEN;
  v.protocols = protocols_;
  v.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  v.client_ssl_cert_mem = options_.certificate_pem.data();
  v.client_ssl_cert_mem_len = static_cast<unsigned>(options_.certificate_pem.size());
  v.client_ssl_key_mem = options_.private_key_pem.data();
  v.client_ssl_key_mem_len = static_cast<unsigned>(options_.private_key_pem.size());
  v.client_ssl_ca_mem = options_.ca_pem.data();
  v.client_ssl_ca_mem_len = static_cast<unsigned>(options_.ca_pem.size());
  v.ssl_client_options_set = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_RENEGOTIATION;
  v.client_ssl_cipher_list = kTls12Ciphers;  // TLS 1.3 keeps OpenSSL's suites, all AEAD
  vhost_ = lws_create_vhost(context_, &v);
  if (!vhost_) {
    return error(ErrorCode::invalid_argument,
                 "cannot set up TLS for the manager connection (agent.crt, agent.key or ca.crt unusable)");
  }
  return {};
}

void LwsChannel::Impl::run(std::promise<Status>* started) {
  Status s = create_context();
  if (!s.ok()) {
    if (context_) lws_context_destroy(context_);
    context_ = nullptr;
    started->set_value(s);
    return;
  }
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_open_ = true;
  }
  started->set_value(Status{});
  while (!stopping_.load()) {
    if (lws_service(context_, 0) < 0) break;
  }
  close_inbox();
  // Connections still open are dropped here; the core no longer listens.
  lws_context_destroy(context_);
  context_ = nullptr;
}

void LwsChannel::Impl::drain_inbox() {
  std::vector<Command> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
  }
  for (Command& command : batch) {
    std::visit([this](auto& c) { apply(c); }, command);
  }
}

void LwsChannel::Impl::apply(Connect& c) {
  if (conn_) {
    log::warn("agent.channel_busy", {{"connection", conn_->id}, {"requested", c.id}});
    return;
  }
  conn_.emplace();
  conn_->id = c.id;
  conn_->assembler.emplace(options_.max_message_bytes);

  const Endpoint& e = options_.endpoint;
  lws_client_connect_info i{};
  i.context = context_;
  i.vhost = vhost_;
  i.address = e.host.c_str();
  i.port = e.port;
  i.path = e.path.c_str();
  i.host = e.host.c_str();  // also the name the server certificate must carry
  i.origin = e.host.c_str();
  i.ssl_connection = LCCSCF_USE_SSL;
  i.protocol = kSubprotocol;
  i.opaque_user_data = reinterpret_cast<void*>(static_cast<uintptr_t>(c.id));
  i.retry_and_idle_policy = &kIdlePolicy;
  lws* wsi = lws_client_connect_via_info(&i);
  // A callback may already have reported this attempt closed (and cleared conn_).
  if (!conn_ || conn_->id != c.id) return;
  if (!wsi) {
    report_closed(CloseInfo{0, "cannot start a connection to " + e.host});
    return;
  }
  conn_->wsi = wsi;
}

void LwsChannel::Impl::apply(Send& c) {
  if (!conn_ || conn_->id != c.id || conn_->close_code != 0) return;  // that connection is gone
  if (conn_->outbox.size() >= options_.max_queued_frames) {
    conn_->outbox.clear();
    conn_->close_code = ws::kClosePolicyViolation;
    conn_->close_reason = "the manager is not reading (too many frames queued)";
  } else {
    conn_->outbox.push_back(std::move(c.frame));
  }
  // Until the handshake completes ESTABLISHED asks for the write itself.
  if (conn_->open) lws_callback_on_writable(conn_->wsi);
}

void LwsChannel::Impl::apply(Close& c) {
  if (!conn_ || conn_->id != c.id || conn_->close_code != 0) return;
  conn_->close_code = c.code;
  conn_->close_reason = c.reason;
  if (!conn_->wsi) return;
  if (conn_->open) {
    lws_callback_on_writable(conn_->wsi);
  } else {
    // Still connecting: there is no websocket to send a close frame on.
    lws_set_timeout(conn_->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

}  // namespace corral::agent
