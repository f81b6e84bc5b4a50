// The swarm's event loop and scheduling: timers, the connect concurrency limit, reconnect
// backoff, the heartbeat schedule and the counters each phase reports from.
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench/agent-swarm/swarm.h"
#include "bench/agent-swarm/ws_client_frames.h"

namespace corral::bench {
namespace {

constexpr int kMaxEvents = 1024;
// How long the loop may sleep before it looks at its stop condition again.
constexpr int64_t kMaxWaitMs = 100;

}  // namespace

SwarmCounters SwarmCounters::since(const SwarmCounters& e) const {
  SwarmCounters d;
  d.attempts = attempts - e.attempts;
  d.welcomes = welcomes - e.welcomes;
  d.connect_failures = connect_failures - e.connect_failures;
  d.no_source_port = no_source_port - e.no_source_port;
  d.no_descriptor = no_descriptor - e.no_descriptor;
  d.tls_failures = tls_failures - e.tls_failures;
  d.upgrade_failures = upgrade_failures - e.upgrade_failures;
  d.attempt_timeouts = attempt_timeouts - e.attempt_timeouts;
  d.disconnects = disconnects - e.disconnects;
  d.idle_hangups = idle_hangups - e.idle_hangups;
  d.protocol_errors = protocol_errors - e.protocol_errors;
  d.frames_sent = frames_sent - e.frames_sent;
  d.heartbeats_sent = heartbeats_sent - e.heartbeats_sent;
  d.pings_sent = pings_sent - e.pings_sent;
  d.pongs_received = pongs_received - e.pongs_received;
  for (const auto& [code, n] : close_codes) {
    auto it = e.close_codes.find(code);
    uint64_t diff = n - (it == e.close_codes.end() ? 0 : it->second);
    if (diff) d.close_codes[code] = diff;
  }
  return d;
}

Result<std::unique_ptr<Swarm>> Swarm::create(SwarmConfig config, std::vector<AgentIdentity>* identities) {
  std::unique_ptr<Swarm> swarm(new Swarm(std::move(config), identities));
  if (Status s = swarm->init(); !s.ok()) return s;
  return swarm;
}

Swarm::Swarm(SwarmConfig config, std::vector<AgentIdentity>* identities)
    : config_(std::move(config)),
      identities_(identities),
      origin_(std::chrono::steady_clock::now()),
      rng_(std::random_device{}()) {
  agents_.reserve(identities_->size());
  for (size_t i = 0; i < identities_->size(); ++i) {
    // The real agent's backoff class, fed from the swarm's one generator instead of a 5 KB
    // generator per agent.
    agents_.emplace_back(
        ws::Backoff(config_.backoff_base, config_.backoff_cap, [this] { return (uint64_t{rng_()} << 32) | rng_(); }));
  }
}

Swarm::~Swarm() {
  for (SimAgent& a : agents_) release_connection(a);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (ssl_ctx_) SSL_CTX_free(ssl_ctx_);
}

Status Swarm::init() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return error(ErrorCode::internal, std::string("epoll_create1: ") + std::strerror(errno));

  // One context for every agent: a context per identity would cost tens of KiB each. The
  // certificate and key are set on each SSL object instead (swarm_connection.cpp).
  ssl_ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ssl_ctx_) return error(ErrorCode::internal, "SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ssl_ctx_, TLS1_2_VERSION);
  // Idle connections give their 16 KiB+ read and write buffers back.
  SSL_CTX_set_mode(ssl_ctx_,
                   SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Like the real agent, every connection is a full handshake: no session resumption.
  SSL_CTX_set_session_cache_mode(ssl_ctx_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ssl_ctx_, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ssl_ctx_, kAlpn, sizeof kAlpn);

  BIO* bio = BIO_new_mem_buf(config_.ca_pem.data(), static_cast<int>(config_.ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!ca) return error(ErrorCode::invalid_argument, "the manager CA does not parse");
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ssl_ctx_), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_PEER, nullptr);
  return {};
}

int64_t Swarm::now_ms() const { return now_cache_ms_; }

void Swarm::set_timer(uint32_t index, int64_t due_ms) {
  SimAgent& a = agents_[index];
  timers_.push(Timer{due_ms, index, ++a.timer_token});
}

void Swarm::fire_timers() {
  while (!timers_.empty() && timers_.top().due_ms <= now_cache_ms_) {
    Timer t = timers_.top();
    timers_.pop();
    if (agents_[t.agent].timer_token != t.token) continue;  // replaced by a later timer
    on_timer(t.agent);
  }
}

void Swarm::on_timer(uint32_t index) {
  SimAgent& a = agents_[index];
  switch (a.phase) {
    case AgentPhase::backoff: begin_attempt(index); return;
    case AgentPhase::tcp_connecting:
    case AgentPhase::tls_handshake:
    case AgentPhase::upgrading:
    case AgentPhase::awaiting_welcome: fail(index, Failure::timeout); return;
    case AgentPhase::welcomed: break;
    default: return;
  }
  // Welcomed: heartbeat when due, then the real agent's idle ping (lws secs_since_valid_ping):
  // the manager sends nothing between commands, so only a pong proves the connection alive.
  int64_t now = now_ms();
  if (now >= a.next_heartbeat_ms) {
    send_heartbeat(index);
    while (a.next_heartbeat_ms <= now) a.next_heartbeat_ms += config_.heartbeat_interval.count();
  }
  if (config_.ping_after_idle.count() > 0) {
    if (a.ping_outstanding && now - a.last_valid_ms >= config_.hangup_after_idle.count()) {
      fail(index, Failure::idle_hangup);
      return;
    }
    if (!a.ping_outstanding && now - a.last_valid_ms >= config_.ping_after_idle.count()) {
      send_frame(index, kWsPing, "");
      a.ping_outstanding = true;
      ++counters_.pings_sent;
    }
  }
  if (!flush(index)) return;
  reschedule_welcomed(index);
}

void Swarm::reschedule_welcomed(uint32_t index) {
  SimAgent& a = agents_[index];
  int64_t due = a.next_heartbeat_ms;
  if (config_.ping_after_idle.count() > 0) {
    int64_t idle_due =
        a.last_valid_ms + (a.ping_outstanding ? config_.hangup_after_idle.count() : config_.ping_after_idle.count());
    due = std::min(due, idle_due);
  }
  set_timer(index, due);
}

int64_t Swarm::first_heartbeat_after(uint32_t index, int64_t now) const {
  // Agent i beats at origin + i/N of the interval (mod the interval), so N agents send exactly N
  // heartbeats per interval, evenly spread, however bunched their Welcomes were.
  int64_t interval = config_.heartbeat_interval.count();
  int64_t phase = static_cast<int64_t>(index) * interval / static_cast<int64_t>(agents_.size());
  if (now < phase) return phase;
  return phase + ((now - phase) / interval + 1) * interval;
}

void Swarm::connect_all() {
  for (uint32_t i = 0; i < agents_.size(); ++i) {
    if (agents_[i].phase == AgentPhase::idle) begin_attempt(i);
  }
}

void Swarm::begin_attempt(uint32_t index) {
  if (stopping_) return;
  SimAgent& a = agents_[index];
  if (concurrency_limit_ && in_flight_ >= concurrency_limit_) {
    a.phase = AgentPhase::queued;
    ++a.timer_token;  // nothing to time while queued
    queued_.push_back(index);
    return;
  }
  ++counters_.attempts;
  ++in_flight_;
  a.phase = AgentPhase::tcp_connecting;
  a.attempt_started_ms = now_ms();
  set_timer(index, now_ms() + config_.stage_timeout.count());
  // The socket is in the epoll set before connect(), so the edge that completes it is not missed;
  // a failure is handled (and the next queued agent started) inside open_socket.
  open_socket(index);
}

void Swarm::start_queued() {
  // An attempt that fails at once (manager down: ECONNREFUSED) calls back in here through fail();
  // the outer call keeps draining, so the stack stays flat however long the queue is.
  if (starting_queued_) return;
  starting_queued_ = true;
  while (!queued_.empty() && (!concurrency_limit_ || in_flight_ < concurrency_limit_)) {
    uint32_t index = queued_.front();
    queued_.pop_front();
    if (agents_[index].phase == AgentPhase::queued) begin_attempt(index);
  }
  starting_queued_ = false;
}

void Swarm::release_connection(SimAgent& a) {
  if (a.ssl) {
    SSL_free(a.ssl);
    a.ssl = nullptr;
  }
  if (a.fd >= 0) {
    ::close(a.fd);  // also removes it from the epoll set
    a.fd = -1;
    --open_sockets_;
  }
  ++a.conn_gen;
  a.ping_outstanding = false;
  a.fragmented = false;
  std::string().swap(a.ws_key);
  std::string().swap(a.in);
  std::string().swap(a.message);
  std::vector<std::string>().swap(a.out);
}

void Swarm::fail(uint32_t index, Failure why, uint16_t close_code) {
  SimAgent& a = agents_[index];
  bool was_welcomed = a.phase == AgentPhase::welcomed;
  bool was_in_flight = in_flight(a.phase);
  release_connection(a);
  switch (why) {
    case Failure::connect: ++counters_.connect_failures; break;
    case Failure::no_source_port: ++counters_.no_source_port; break;
    case Failure::no_descriptor: ++counters_.no_descriptor; break;
    case Failure::tls: ++counters_.tls_failures; break;
    case Failure::upgrade: ++counters_.upgrade_failures; break;
    case Failure::timeout: ++counters_.attempt_timeouts; break;
    case Failure::disconnect: break;
    case Failure::idle_hangup: ++counters_.idle_hangups; break;
    case Failure::protocol: ++counters_.protocol_errors; break;
  }
  if (close_code) ++counters_.close_codes[close_code];
  if (was_welcomed) {
    ++counters_.disconnects;
    --connected_;
  }
  if (was_in_flight) --in_flight_;
  schedule_reconnect(index, close_code);
  if (was_in_flight) start_queued();
}

void Swarm::schedule_reconnect(uint32_t index, uint16_t close_code) {
  SimAgent& a = agents_[index];
  if (stopping_) {
    a.phase = AgentPhase::idle;
    ++a.timer_token;
    return;
  }
  // As agent/reconnect_policy.cpp: a revoked certificate (4003) retries only at the cap.
  std::chrono::milliseconds delay = close_code == 4003 ? config_.backoff_cap : a.backoff.next();
  a.phase = AgentPhase::backoff;
  set_timer(index, now_ms() + delay.count());
}

bool Swarm::on_welcomed(uint32_t index) {
  SimAgent& a = agents_[index];
  --in_flight_;
  ++connected_;
  ++counters_.welcomes;
  a.phase = AgentPhase::welcomed;
  a.backoff.reset();
  int64_t now = now_ms();
  a.last_valid_ms = now;
  if (a.welcome_epoch != epoch_) {
    a.welcome_epoch = epoch_;
    ++welcomed_in_epoch_;
    epoch_welcome_ms_.push_back(static_cast<uint32_t>(now - epoch_start_ms_));
  }
  epoch_attempt_ms_.push_back(static_cast<uint32_t>(now - a.attempt_started_ms));
  // As the real agent: one report right after every Welcome, then only on change (never, here).
  send_capacity(index);
  start_queued();
  if (!flush(index)) return false;
  a.next_heartbeat_ms = first_heartbeat_after(index, now);
  reschedule_welcomed(index);
  return true;
}

void Swarm::begin_epoch() {
  now_cache_ms_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin_).count();
  ++epoch_;
  epoch_start_ms_ = now_cache_ms_;
  welcomed_in_epoch_ = 0;
  epoch_welcome_ms_.clear();
  epoch_attempt_ms_.clear();
}

bool Swarm::run_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
  epoll_event events[kMaxEvents];
  while (true) {
    auto now = std::chrono::steady_clock::now();
    now_cache_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(now - origin_).count();
    fire_timers();
    if (done()) return true;
    if (now >= deadline) return false;
    int64_t wait = std::min<int64_t>(kMaxWaitMs,
                                     std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
    if (!timers_.empty()) wait = std::min(wait, std::max<int64_t>(0, timers_.top().due_ms - now_cache_ms_));
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, static_cast<int>(wait));
    if (n < 0 && errno != EINTR) return false;
    now_cache_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin_).count();
    for (int i = 0; i < n; ++i) {
      uint32_t index = static_cast<uint32_t>(events[i].data.u64 & 0xFFFFFFFFu);
      uint32_t gen = static_cast<uint32_t>(events[i].data.u64 >> 32);
      if (index >= agents_.size() || agents_[index].conn_gen != gen || agents_[index].fd < 0) continue;
      drive(index);
    }
  }
}

void Swarm::park_unwelcomed() {
  queued_.clear();
  for (SimAgent& a : agents_) {
    if (a.phase == AgentPhase::welcomed || a.phase == AgentPhase::idle) continue;
    if (in_flight(a.phase)) --in_flight_;
    release_connection(a);
    a.phase = AgentPhase::idle;
    ++a.timer_token;
  }
}

void Swarm::shutdown() {
  stopping_ = true;
  queued_.clear();
  for (uint32_t i = 0; i < agents_.size(); ++i) {
    SimAgent& a = agents_[i];
    if (a.phase == AgentPhase::welcomed) {
      // 1001 "going away", as the real agent says when it stops; best effort, no waiting.
      std::string payload = {static_cast<char>(0x03), static_cast<char>(0xE9)};
      payload += "swarm stopping";
      send_frame(i, kWsClose, payload);
      for (const std::string& frame : a.out) SSL_write(a.ssl, frame.data(), static_cast<int>(frame.size()));
    }
    release_connection(a);
    a.phase = AgentPhase::idle;
    ++a.timer_token;
  }
  in_flight_ = 0;
  connected_ = 0;
}

}  // namespace corral::bench
