// Admission to the agent listener (libev loop only): how many accepted connections may be between
// accept and the websocket upgrade at once, how many of those one source address may hold, and
// how long a connection may stay silent before its TLS ClientHello. Idle sockets would otherwise
// hold the pending slots for lws's whole handshake timeout and delay every real agent behind them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "common/log.h"
#include "manager/net/listener.h"
#include "manager/net/lws_transport_impl.h"

namespace corral::manager {
namespace {

constexpr int64_t kWarnIntervalMs = 10'000;

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "unknown";
  char text[INET6_ADDRSTRLEN] = {0};
  const void* ip = addr.ss_family == AF_INET
                       ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&addr)->sin_addr)
                       : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr);
  if (!inet_ntop(addr.ss_family, ip, text, sizeof text)) return "unknown";
  return printable_peer_address(text);
}

// A warning that an attacker can trigger at will is logged at most once per interval, with the
// number of occurrences since the last one.
void warn_rate_limited(const char* event, int64_t* warned_at_ms, uint64_t* total, uint64_t* since_last,
                       std::vector<log::Field> fields) {
  ++*total;
  ++*since_last;
  int64_t now = monotonic_ms();
  if (*warned_at_ms != 0 && now - *warned_at_ms < kWarnIntervalMs) return;
  fields.emplace_back("count", *since_last);
  fields.emplace_back("total", *total);
  if (log::enabled(log::Level::warn)) log::write_fields(log::Level::warn, event, fields);
  *warned_at_ms = now;
  *since_last = 0;
}

}  // namespace

void LwsTransport::Impl::adopt(size_t listener, int fd) {
  // What lws's own listener sets on every accepted socket: small frames go out at once.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string address;
  if (listener == kAgent) {
    address = peer_of(fd);
    auto it = pending_by_address_.find(address);
    if (it != pending_by_address_.end() && it->second >= options_.max_pending_handshakes_per_address) {
      // Closed at once rather than left in the backlog: waiting would hold the listener for
      // everyone else. A real agent backs off and retries.
      ::close(fd);
      warn_rate_limited("listener.address_limited", &address_warned_at_ms_, &refused_per_address_,
                        &refused_since_warning_,
                        {{"peer", address}, {"limit", options_.max_pending_handshakes_per_address}});
      return;
    }
  }
  // The agent listener's connections are raw TLS sockets (see create_context); closes fd on failure.
  lws_sock_file_fd_type desc{};
  desc.sockfd = fd;
  constexpr auto kRawTls = static_cast<lws_adoption_type>(LWS_ADOPT_SOCKET | LWS_ADOPT_ALLOW_SSL);
  lws* wsi = listener == kAgent
                 ? lws_adopt_descriptor_vhost(vhosts_[listener], kRawTls, desc, agent_protocols_[0].name, nullptr)
                 : lws_adopt_socket_vhost(vhosts_[listener], fd);
  if (!wsi) {
    log::warn("listener.adopt_failed", {{"listener", listeners_[listener]->name()}});
    return;
  }
  if (listener != kAgent) return;
  PendingHandshake pending{monotonic_ms(), ++last_pending_seq_, address};
  ++pending_by_address_[address];
  hello_deadlines_.emplace_back(wsi, pending.seq);
  pending_handshakes_[wsi] = std::move(pending);
  if (!ev_is_active(&hello_timer_)) {
    ev_timer_set(&hello_timer_, options_.client_hello_timeout_seconds, 0.0);
    ev_timer_start(loop_, &hello_timer_);
  }
  if (pending_handshakes_.size() >= options_.max_pending_handshakes) listeners_[kAgent]->pause();
}

void LwsTransport::Impl::handshake_finished(lws* wsi) {
  auto it = pending_handshakes_.find(wsi);
  if (it == pending_handshakes_.end()) return;
  forget_pending(it);
  resume_if_below_limit();
}

void LwsTransport::Impl::forget_pending(std::unordered_map<lws*, PendingHandshake>::iterator it) {
  auto count = pending_by_address_.find(it->second.address);
  if (count != pending_by_address_.end() && --count->second == 0) pending_by_address_.erase(count);
  pending_handshakes_.erase(it);
}

void LwsTransport::Impl::resume_if_below_limit() {
  Listener* agent = listeners_[kAgent].get();
  if (agent && agent->paused() && pending_handshakes_.size() < options_.max_pending_handshakes) agent->resume();
}

// Connections are checked in accept order, which is deadline order, so the timer only ever waits
// for the oldest one.
void LwsTransport::Impl::check_hellos(struct ev_loop* loop, ev_timer* timer, int) {
  auto* self = static_cast<Impl*>(timer->data);
  const auto timeout_ms = static_cast<int64_t>(self->options_.client_hello_timeout_seconds * 1000);
  int64_t now = monotonic_ms();
  while (!self->hello_deadlines_.empty()) {
    auto [wsi, seq] = self->hello_deadlines_.front();
    auto it = self->pending_handshakes_.find(wsi);
    if (it == self->pending_handshakes_.end() || it->second.seq != seq) {
      self->hello_deadlines_.pop_front();  // through its handshake, or gone
      continue;
    }
    int64_t due = it->second.accepted_ms + timeout_ms;
    if (due > now) {
      ev_timer_set(timer, static_cast<double>(due - now) / 1000.0, 0.0);
      ev_timer_start(loop, timer);
      break;
    }
    self->hello_deadlines_.pop_front();
    // Once OpenSSL has read a ClientHello the handshake is under way and lws's own timeout
    // governs it; before that the peer has sent nothing a TLS client would send.
    SSL* ssl = lws_get_ssl(wsi);
    if (ssl && SSL_get_state(ssl) != TLS_ST_BEFORE) continue;
    warn_rate_limited("listener.hello_timeout", &self->hello_warned_at_ms_, &self->hello_timeouts_,
                      &self->hello_timeouts_since_warning_, {{"peer", it->second.address}});
    // Ending the stream makes lws read end-of-file and close the connection itself on this
    // loop pass; its own timers are not re-armed from a callback of ours.
    ::shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
    self->forget_pending(it);
  }
  self->resume_if_below_limit();
}

// lws ends every stalled handshake after timeout_secs and reports the wsi's destruction; this
// sweep only guards the count against a destruction that was never reported, so a lost event can
// slow admission down but never stop it.
void LwsTransport::Impl::sweep_pending(struct ev_loop*, ev_timer* timer, int) {
  auto* self = static_cast<Impl*>(timer->data);
  int64_t now = monotonic_ms();
  constexpr int64_t kStaleMs = 2 * 30 * 1000;  // twice the vhost's timeout_secs
  for (auto it = self->pending_handshakes_.begin(); it != self->pending_handshakes_.end();) {
    auto next = std::next(it);
    if (now - it->second.accepted_ms > kStaleMs) self->forget_pending(it);
    it = next;
  }
  self->resume_if_below_limit();
}

}  // namespace corral::manager
